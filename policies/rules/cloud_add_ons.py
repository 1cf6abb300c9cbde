"""The pods a cloud's own add-ons run on a CPU pool, where their requests were read, and what is left uncounted and why.

A managed cluster runs pods the plan does not show as workloads: the cloud installs its DNS, network and storage agents
itself, or an add-on record asks it to. `cloud_add_on_pods(facts, pool, pools)` gives, for the system-pool sum
(`hangar.policies.rules.routing_system`), the add-on pods whose requests a primary source states, and names the rest as
not counted (never as zero). A DaemonSet's pods run on every node of the pool; a Deployment's count on a CPU pool only
where no other pool of its cluster can take them (every other pool carries a NoSchedule or NoExecute taint, none of them
`CriticalAddonsOnly`, which the add-ons tolerate); elsewhere the Deployment is named as not counted.

EKS. "Amazon EKS automatically installs self-managed add-ons such as the Amazon VPC CNI plugin for Kubernetes,
`kube-proxy`, and CoreDNS for every cluster" (awsdocs/amazon-eks-user-guide latest/ug/workloads/eks-add-ons.adoc
@4d52b4d05e34, read 2026-12-02; latest/ug/clusters/create-cluster.adoc: "By default, EKS installs multiple networking
add-ons during cluster creation"), unless the cluster sets `bootstrapSelfManagedAddons: false` (pulumi-aws 7.51.1
`eks.Cluster`: "Defaults to `true`") or names the add-on in the deprecated `defaultAddonsToRemoves`; an `aws.eks.Addon`
record installs one explicitly (Hangar installs `vpc-cni` and `aws-ebs-csi-driver`). An add-on's version is EKS's
default for the cluster's Kubernetes version, which the plan does not pin: its requests are those of the project's own
manifest at the newest release read here (the same requests at the older releases read: aws-node's three 25m at
v1.18.0 of 2024-03-29, v1.19.0 and v1.20.0; the EBS chart's 10m/40Mi controller and node at 2.40.0 of 2025-02-19 and
2.50.0):

* `vpc-cni`, DaemonSet `aws-node`: containers `aws-node` and `aws-eks-nodeagent` request 25m CPU each and no memory (its
  init container `aws-vpc-cni-init` 25m): 50m a node (aws/amazon-vpc-cni-k8s tag v1.23.0, commit
  0c65d58cf2b490014e7aa19aac172a032f4e520a, 2026-07-31, config/master/aws-k8s-cni.yaml; read 2026-12-02). Counted where a
  `vpc-cni` add-on record is in the cluster, or the cluster is in the plan and bootstraps its self-managed add-ons.
* `aws-ebs-csi-driver` (chart aws-ebs-csi-driver 2.64.0, kubernetes-sigs/aws-ebs-csi-driver tag
  helm-chart-aws-ebs-csi-driver-2.64.0, commit 9767d8523ae16f864f027f90cb952bd0e46c4b93, 2026-08-18: values.yaml,
  templates/controller.yaml, templates/_node.tpl; read 2026-12-02): DaemonSet `ebs-csi-node` with `ebs-plugin`
  (`node.resources`: 10m, 40Mi), `node-driver-registrar` and `liveness-probe` (10m, 32Mi each when their values are
  `{}`): 30m and 104 MiB a node; Deployment `ebs-csi-controller`, `controller.replicaCount` 2, each pod `ebs-plugin`,
  `csi-provisioner`, `csi-attacher` and `csi-resizer` at `controller.resources` (10m, 40Mi; the sidecars' `{}` default
  to it) and `liveness-probe` (10m, 32Mi): 50m and 192 MiB a pod. `csi-snapshotter` runs only where the cluster serves
  the VolumeSnapshot API, and `volumemodifier` / `metadata-labeler` only when enabled (off by default): not counted.
  Counted only where the add-on record sets no `configurationValues` (which may change them).
* `kube-proxy` (a DaemonSet) and CoreDNS ("a Deployment of two replicas of the CoreDNS image are deployed by default",
  latest/ug/networking/eks-networking-add-ons.adoc at the same commit): AWS publishes no requests for them in a source read here,
  so they are named as not counted. Any other add-on record is named as not counted, and so is every add-on of an EKS
  Auto Mode cluster (`computeConfig.enabled`), whose networking Hangar has not read.

GKE and AKS. Google documents the kubelet's reserve (`hangar.policies.rules.node_allocatable`) but no source read here
states the requests of GKE's own kube-system pods (its DNS, kube-proxy or Dataplane V2 agent, logging and metrics
agents, CSI node drivers, konnectivity agent, metrics-server), and Microsoft's AKS docs state that system pools host
"critical system pods such as CoreDNS and metrics-server" (https://learn.microsoft.com/azure/aks/use-system-pools, read
2026-12-02) but not what they request: both are named as not counted.
"""

from __future__ import annotations

import dataclasses
import json

from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.pools import PoolHardware

from hangar.records import ResourceRecord

MIB = 1 / 1024
EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_ADD_ON = "aws:eks/addon:Addon"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
TOLERATED_KEY = "CriticalAddonsOnly"
"""The taint key CoreDNS and the EBS CSI controller tolerate (the chart's `controller.tolerations`)."""


@dataclasses.dataclass(frozen=True)
class AddOnPods:
    """One workload of a cloud add-on: `pods` per cluster (None for a DaemonSet: one per node), each one's requests."""

    name: str
    add_on: str
    source: str
    kind: str
    pods: int | None
    cpu: float
    gib: float

    def describe(self) -> str:
        return f"{self.name} (EKS add-on {self.add_on}: {self.source})"


VPC_CNI = (AddOnPods("aws-node", "vpc-cni", "aws/amazon-vpc-cni-k8s v1.23.0", "DaemonSet", None, 0.05, 0.0),)
EBS_CSI = (
    AddOnPods("ebs-csi-node", "aws-ebs-csi-driver", "chart aws-ebs-csi-driver 2.64.0", "DaemonSet", None, 0.03, 104 * MIB),
    AddOnPods("ebs-csi-controller", "aws-ebs-csi-driver", "chart aws-ebs-csi-driver 2.64.0", "Deployment", 2, 0.05, 192 * MIB),
)
EKS_UNREAD = "EKS's kube-proxy (DaemonSet) and CoreDNS (two pods): AWS publishes no requests for them in a source read here"
GKE_UNREAD = "GKE's own kube-system pods: Google publishes no requests for them in a source read here"
AKS_UNREAD = "AKS's own kube-system pods (CoreDNS, metrics-server, its network and storage agents): no source read here states their requests"


@dataclasses.dataclass(frozen=True)
class AddOns:
    """The add-on pods counted on a pool, and what is not counted, each with why."""

    counted: tuple[AddOnPods, ...]
    uncounted: tuple[str, ...]


def cloud_add_on_pods(facts: StackFacts, pool: PoolHardware, pools: list[PoolHardware]) -> AddOns:
    """The cloud's add-on pods on `pool` (a CPU pool of the plan; `pools` are all the plan's pools)."""
    platform = pool.traits.platform
    if platform == "gke":
        return AddOns((), (GKE_UNREAD,))
    if platform == "aks":
        return AddOns((), (AKS_UNREAD,))
    if platform != "eks":
        return AddOns((), ())
    return _eks(facts, facts.by_urn[pool.urn], pool, pools)


def _eks(facts: StackFacts, record: ResourceRecord, pool: PoolHardware, pools: list[PoolHardware]) -> AddOns:
    name = record.inputs.get("clusterName")
    clusters = [r for r in facts.records if r.type == EKS_CLUSTER]
    add_ons = [r for r in facts.records if r.type == EKS_ADD_ON]
    if isinstance(name, str):
        cluster = next((c for c in clusters if c.inputs.get("name") == name), None)
        if cluster is None and len(clusters) == 1 and not isinstance(clusters[0].inputs.get("name"), str):
            cluster = clusters[0]  # an auto-named cluster: the plan's only one
        add_ons = [a for a in add_ons if a.inputs.get("clusterName") == name]
        siblings = [p for p in pools if p.urn != pool.urn and facts.by_urn[p.urn].type == EKS_NODE_GROUP
                    and facts.by_urn[p.urn].inputs.get("clusterName") == name]  # fmt: skip
    elif len(clusters) <= 1:
        cluster = clusters[0] if clusters else None
        siblings = [p for p in pools if p.urn != pool.urn and facts.by_urn[p.urn].type == EKS_NODE_GROUP]
    else:
        return AddOns((), ("the EKS add-ons (the node group's cluster name is not a literal, and the plan has several clusters)", EKS_UNREAD))
    if cluster is not None and (cluster.inputs.get("computeConfig") or {}).get("enabled") is True:
        return AddOns((), ("the add-ons of an EKS Auto Mode cluster (not read here)",))
    by_name = {str(a.inputs.get("addonName")): a for a in add_ons}
    counted: list[AddOnPods] = []
    uncounted: list[str] = []
    bootstraps = cluster is not None and cluster.inputs.get("bootstrapSelfManagedAddons") is not False
    removed = (cluster.inputs.get("defaultAddonsToRemoves") or []) if cluster is not None else []
    if "vpc-cni" in by_name:
        _take(by_name.pop("vpc-cni"), VPC_CNI, counted, uncounted, allowed_config={"enableNetworkPolicy"})
    elif bootstraps and "vpc-cni" not in removed:
        counted += VPC_CNI
    elif cluster is None:
        uncounted.append("EKS add-on vpc-cni (its cluster is not in this plan)")
    if "aws-ebs-csi-driver" in by_name:
        _take(by_name.pop("aws-ebs-csi-driver"), EBS_CSI, counted, uncounted, allowed_config=set())
    if bootstraps or cluster is None or {"kube-proxy", "coredns"} & by_name.keys():
        uncounted.append(EKS_UNREAD)
    by_name.pop("kube-proxy", None)
    by_name.pop("coredns", None)
    uncounted += [f"EKS add-on {other} (its pods are not read here)" for other in sorted(by_name)]
    elsewhere = [p.name for p in siblings if not _repels_add_ons(p)]
    placed = []
    for pods in counted:
        if pods.kind == "Deployment" and elsewhere:
            uncounted.append(f"{pods.describe()} x{pods.pods} (it may run on pool {', '.join(sorted(elsewhere))})")
        else:
            placed.append(pods)
    return AddOns(tuple(placed), tuple(uncounted))


def _take(add_on: ResourceRecord, pods: tuple[AddOnPods, ...], counted: list[AddOnPods], uncounted: list[str], allowed_config: set[str]) -> None:
    """Count the add-on's pods unless its `configurationValues` set something other than `allowed_config`."""
    raw = add_on.inputs.get("configurationValues")
    try:
        config = json.loads(raw) if isinstance(raw, str) and raw.strip() else ({} if raw is None else None)
    except ValueError:
        config = None
    if not isinstance(config, dict) or set(config) - allowed_config:
        uncounted.append(f"EKS add-on {add_on.inputs.get('addonName')} (its configurationValues may change its pods)")
        return
    counted.extend(pods)


def _repels_add_ons(pool: PoolHardware) -> bool:
    """Whether a pool's taints keep the add-ons' Deployments off it."""
    return any(effect in ("NoSchedule", "NoExecute") and key != TOLERATED_KEY for key, _, effect in pool.traits.taints)
