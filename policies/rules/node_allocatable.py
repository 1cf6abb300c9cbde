"""What a node of a pool can give its pods: the machine's vCPUs and memory less what the kubelet keeps, per cloud.

The scheduler places a pod by the node's *allocatable*, its capacity less kube-reserved, system-reserved and the
hard eviction threshold (https://kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/, read
2026-12-01). Each cloud documents or ships what it reserves; `node_room(pool, vcpus, memory_gib)` applies it where
the source was read here and says which, and otherwise returns the capacity and says so. The reserve taken is never
more than the cloud's, so the room is never less than a real node's: a pool found too small is too small.

* EKS, a managed node group of an `AL2023_*` AMI type: nodeadm writes the kubelet's configuration
  (awslabs/amazon-eks-ami commit 81fec2e895854f599974fe4d3d72f61c0a9aaffa, 2026-07-23, nodeadm/internal/kubelet/
  config.go): `evictionHard` `memory.available: 100Mi`; kube-reserved CPU of 6% of the first core, 1% of the second,
  0.5% of the next two and 0.25% of the rest (`getCPUMillicoresToReserve`, in whole millicores); kube-reserved memory
  of 11 MiB per pod of its max pods plus 255 MiB (`getMemoryMebibytesToReserve`), the max pods being
  ENIs x (IPv4 addresses per ENI - 1) + 2 (`calculateStandardMaxPods` in eni_max_pods.go, over its cached
  instance-info.jsonl: `INSTANCE_ENIS`). An instance type not listed here counts 255 MiB, the least any max pods gives.
  A `maxPods` the node group's own kubelet config sets goes into a drop-in file written after (`40-nodeadm.conf`) and
  leaves that reserve as it is: nodeadm computes it from the ENI max pods first (`withDefaultReservedResources`).
  Other AMI types, or none given, are taken at capacity.

  The kubelet takes that reserve off the node's capacity, the memory the kernel reports: cAdvisor reads `MemTotal` from
  /proc/meminfo (google/cadvisor machine/machine.go `GetMachineMemoryCapacity` @056db4caa496, read 2026-12-02), a little
  less than the memory EC2 states for the type. Karpenter (aws/karpenter-provider-aws tag v1.14.1, commit
  bde00654cd316fddb3dccfba3f5ac07039865429, 2026-08-20, read 2026-12-02) predicts the node as EC2's memory less
  `--vm-memory-overhead-percent` ("The VM memory overhead as a percent that will be subtracted from the total memory for
  all instance types when cached information is unavailable", default 0.075: pkg/operator/options/options.go; `memory()`
  in pkg/providers/instancetype/types.go rounds the overhead up to whole MiB) less the same reserve
  (`kubeReservedResources`: 11 MiB per ENI-limited pod + 255 MiB and the same CPU tiers; `evictionThreshold`: 100Mi):
  6903 MiB for an m6i.large (its generated website/content/en/docs/reference/instance-types.md, amiFamily AL2023), where
  EC2's memory less the reserve is 7518. Once it has seen a node of that type and AMI, Karpenter replaces the guess by the
  node's reported capacity (`UpdateInstanceTypeCapacityFromNode`, `discoveredCapacityCache` in
  pkg/providers/instancetype/instancetype.go); its docs say the 7.5% "has been tuned to closely match reality for the
  majority of instance types while not overestimating", so Karpenter "will typically underestimate the memory available"
  (website/content/en/docs/troubleshooting.md at that tag). No source read here states the `MemTotal` of an AL2023 node
  of a type (Karpenter's one table of measured capacities, hack/code/memory_overhead_gen.go on an unmerged branch
  @33450d8f82de of 2023-08-29, measured Bottlerocket: 405 MiB under EC2's 8192 for m6i.large).

  What the check uses, by who provisions the pool. The reserve is nodeadm's either way (it writes the kubelet's
  configuration; Karpenter only predicts it, and the two agree). A managed node group (Hangar's system pool, with the
  Cluster Autoscaler or at a fixed size) starts its nodes whatever their memory, and the scheduler places pods by the
  node's own allocatable, `MemTotal` less the reserve: somewhere between Karpenter's guess and EC2's memory, both less the
  reserve. So `gib` is the upper end (EC2's memory: a pool found too small there is too small) and `floor_gib` the lower
  (Karpenter's guess): pods between the two may or may not fit, which the check reports as not judgeable rather than as a
  pass. A pool Karpenter provisions would be judged at the lower end alone, for Karpenter launches a node only for pods
  that fit its guess until it has seen one; Hangar builds no Karpenter NodePool and prices none in a raw program (the cost
  rules read managed node groups), so no pool of a plan is judged so today.
* AKS: "Node resource reservations in Azure Kubernetes Service (AKS)"
  (https://learn.microsoft.com/azure/aks/node-resource-reservations, read 2026-12-02; its source
  MicrosoftDocs/azure-aks-docs articles/aks/node-resource-reservations.md @11fb7fb821ae, ms.date 04/16/2024, read
  2026-12-02): kube-reserved CPU by cores on the host (1: 60m, 2: 100m, 4: 140m, 8: 180m, 16: 260m, 32: 420m,
  64: 740m; other counts are not stated and reserve none here); from AKS 1.29 the eviction rule
  `memory.available < 100 Mi`, and kube-reserved memory of the lesser of 20 MB x the node's max pods + 50 MB and
  25% of its memory (taken as MB = 10^6 bytes, the smaller reading). Max pods is the pool's `maxPods`, else AKS's
  default by CNI ("IP address planning", MicrosoftDocs/azure-aks-docs articles/aks/concepts-network-ip-address-planning.md
  @546865d80b95, ms.date 05/28/2024, read 2026-12-02, "Maximum pods per node": Azure CNI Overlay 250, Azure CNI
  Pod subnet 110, Azure CNI (Legacy) 30, Kubenet 110), read from a ManagedCluster's `networkProfile`; a pool
  whose CNI is not in its record counts the least default, 30. Before 1.29 the eviction rule was 750 Mi and
  kube-reserved memory a regressive rate of the memory; there, and where the version is not a literal, only the
  100 Mi every version keeps is counted.
* GKE: Google documents the reservation in "About GKE node sizing"
  (https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes#memory_and_cpu_reservations), but
  only that page's opening could be read here. The tiers are read from the Kubernetes cluster autoscaler's model
  of GKE nodes, kubernetes/autoscaler cluster-autoscaler/cloudprovider/gce/reserved.go @729ba955a1b6 (2019-02-14, on
  the autoscaler's 1.3 release branch, tag cluster-autoscaler-1.3.9; read 2026-12-02; `cpuReservedMillicores`,
  `memoryReservedMiB`, `KubeletEvictionHardMemory`; its reserved_test.go: 255 MiB of 600, 500 of 2000, 1800 of 8000,
  10760 of 200000, 80m of 4 cores): kube-reserved CPU of 6%
  of the first core, 1% of the second, 0.5% of the next two and 0.25% of the rest; kube-reserved memory of 255 MiB
  up to 1000 MiB, else 25% of the first 4000 MiB, 20% up to 8000, 10% up to 16000, 6% up to 128000 and 2% of
  the rest (its brackets are 1000 MiB a "GB", "duplicating an upstream bug ... to predict the end result
  accurately"; the page's GiB brackets would reserve a little more, so the smaller is taken); and the 100 MiB
  eviction threshold. The autoscaler's later versions read the reserve from the node's kube-env instead of
  predicting it, so no statement of the tiers newer than 2019 was read here (third parties quote the same tiers from
  Google's page in 2024-2026, not used as a source); the kernel's own reserve (which lowers a node's
  capacity below the machine's memory) is not counted. A third party's note that GKE's memory reserve changes
  from 1.37 was seen, but not Google's text of it, so it is not applied (Hangar's GKE default is 1.35).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from hangar.records import ResourceRecord

MIB = 1 / 1024
"""One MiB in GiB."""
KARPENTER_VM_MEMORY_OVERHEAD = 0.075
"""Karpenter's `--vm-memory-overhead-percent` default (v1.14.1, above): its guess of EC2's memory a node does not report."""

INSTANCE_ENIS: dict[str, tuple[int, int]] = {"m6i.large": (3, 10)}
"""EC2 instance type -> (ENIs on its default network card, IPv4 addresses per ENI), from nodeadm's instance-info.jsonl
at the commit above (`defaultMaxENIs`, `ipv4AddressesPerInterface`), for the CPU instance types the catalog prices."""

AKS_CPU_RESERVED_M: dict[int, int] = {1: 60, 2: 100, 4: 140, 8: 180, 16: 260, 32: 420, 64: 740}
"""AKS kube-reserved CPU (millicores) by cores on the host (the AKS page above)."""

AKS_DEFAULT_MAX_PODS: dict[tuple[str, str], int] = {("azure", "overlay"): 250, ("azure", "pod-subnet"): 110, ("azure", ""): 30, ("kubenet", ""): 110}
"""AKS's default max pods by (networkPlugin, networkPluginMode or "pod-subnet" where a pool names a pod subnet) (the
IP planning page above); `AKS_LEAST_MAX_PODS` where the CNI is not known."""
AKS_LEAST_MAX_PODS = 30

EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"
AKS_TYPES = ("azure-native:containerservice:AgentPool", "azure-native:containerservice:ManagedCluster")


@dataclasses.dataclass(frozen=True)
class NodeRoom:
    """What one node gives its pods at most (cores, GiB), and how that was found, for a message."""

    cpu: float
    gib: float
    basis: str
    reserved: bool
    """Whether a cloud's reserve was taken off (else `cpu`/`gib` are the machine's capacity)."""
    floor_gib: float | None = None
    """The least memory a node could give where its capacity is below the machine's by an amount not read (EKS AL2023:
    Karpenter's pre-launch guess less the same reserve); None where no such bound was read."""
    floor_basis: str = ""


def node_room(pool: ResourceRecord, pool_name: str | None, vcpus: float, memory_gib: float, machine_type: str) -> NodeRoom:
    """One node of `pool` (the pool's record; `pool_name` names an AKS profile inside a ManagedCluster)."""
    if pool.type == EKS_NODE_GROUP:
        ami = str(pool.inputs.get("amiType") or "")
        if ami.startswith("AL2023"):
            return _eks_al2023(vcpus, memory_gib, machine_type)
        return NodeRoom(vcpus, memory_gib, f"capacity: the reserve of AMI type {ami or '(not given)'} is not read here", False)
    if pool.type in AKS_TYPES:
        return _aks(_aks_profile(pool, pool_name), vcpus, memory_gib)
    if pool.type == GKE_NODE_POOL:
        return _gke(vcpus, memory_gib)
    return NodeRoom(vcpus, memory_gib, "capacity: this pool's reserve is not known", False)


def _eks_al2023(vcpus: float, memory_gib: float, machine_type: str) -> NodeRoom:
    millicores = int(vcpus * 1000)
    cpu_m = sum((min(millicores, end) - start) * rate // 10000
                for start, end, rate in ((0, 1000, 600), (1000, 2000, 100), (2000, 4000, 50), (4000, max(millicores, 4000), 25))
                if millicores > start)  # fmt: skip
    enis = INSTANCE_ENIS.get(machine_type)
    max_pods = enis[0] * (enis[1] - 1) + 2 if enis else None
    memory_mib = 11 * (max_pods or 0) + 255
    pods = f"{max_pods} pods" if max_pods else "max pods unknown: its least"
    ec2_mib = round(memory_gib * 1024)
    overhead_mib = math.ceil(ec2_mib * KARPENTER_VM_MEMORY_OVERHEAD)
    return NodeRoom(vcpus - cpu_m / 1000, memory_gib - (memory_mib + 100) * MIB,
                    f"EKS AL2023 per node: {cpu_m}m CPU and {memory_mib} MiB kube-reserved ({pods}), 100 MiB eviction threshold", True,
                    (ec2_mib - overhead_mib - memory_mib - 100) * MIB,
                    f"{ec2_mib - overhead_mib - memory_mib - 100} MiB a node if its memory is {overhead_mib} MiB under EC2's {ec2_mib}, "
                    "Karpenter's default guess of a VM's overhead (7.5%)")  # fmt: skip


def _aks_profile(pool: ResourceRecord, name: str | None) -> dict[str, Any]:
    if pool.type == "azure-native:containerservice:AgentPool":
        return pool.inputs
    profiles = [p for p in pool.inputs.get("agentPoolProfiles") or [] if isinstance(p, dict)]
    found = next((p for p in profiles if p.get("name") == name), {})
    network = pool.inputs.get("networkProfile")
    return {**found, "orchestratorVersion": found.get("orchestratorVersion") or pool.inputs.get("kubernetesVersion"),
            "networkProfile": network if isinstance(network, dict) else {}}  # fmt: skip


def _aks_max_pods(profile: dict[str, Any]) -> tuple[int, str]:
    """The pool's max pods and where the figure came from, for the message."""
    max_pods = profile.get("maxPods")
    if isinstance(max_pods, int) and not isinstance(max_pods, bool) and max_pods > 0:
        return max_pods, f"{max_pods} pods"
    network = profile.get("networkProfile") or {}
    plugin = network.get("networkPlugin")
    mode = "pod-subnet" if plugin == "azure" and profile.get("podSubnetID") else str(network.get("networkPluginMode") or "")
    default = AKS_DEFAULT_MAX_PODS.get((str(plugin), mode)) if isinstance(plugin, str) else None
    if default is None:
        return AKS_LEAST_MAX_PODS, f"max pods not given, CNI not known: AKS's least default, {AKS_LEAST_MAX_PODS} pods"
    cni = f"{plugin} {mode}".strip()
    return default, f"max pods not given: {default} pods, AKS's default for {cni}"


def _aks(profile: dict[str, Any], vcpus: float, memory_gib: float) -> NodeRoom:
    cpu_m = AKS_CPU_RESERVED_M.get(int(vcpus), 0) if float(vcpus).is_integer() else 0
    memory_mib = 100.0  # every AKS version's eviction rule keeps at least this
    kube = "kube-reserved memory not counted (before 1.29, or no literal version)"
    if _at_least(profile.get("orchestratorVersion"), (1, 29)):
        max_pods, pods = _aks_max_pods(profile)
        kube_mib = min((20 * max_pods + 50) * 1e6 / 2**20, 0.25 * memory_gib * 1024)
        memory_mib += kube_mib
        kube = f"{kube_mib:.0f} MiB kube-reserved ({pods})"
    cpu = f"{cpu_m}m CPU kube-reserved" if cpu_m else "no CPU reserve stated for this core count"
    return NodeRoom(vcpus - cpu_m / 1000, memory_gib - memory_mib * MIB, f"AKS per node: {cpu}, {kube}, 100 MiB eviction threshold", True)


def _gke(vcpus: float, memory_gib: float) -> NodeRoom:
    cpu_m = _brackets(int(vcpus * 1000), ((0, 0.06), (1000, 0.01), (2000, 0.005), (4000, 0.0025)))
    memory = int(memory_gib * 1024)
    memory_mib = 255 if 0 < memory <= 1000 else _brackets(memory, ((0, 0.25), (4000, 0.2), (8000, 0.1), (16000, 0.06), (128000, 0.02)))
    return NodeRoom(vcpus - cpu_m / 1000, memory_gib - (memory_mib + 100) * MIB,
                    f"GKE per node: {cpu_m}m CPU and {memory_mib} MiB kube-reserved, 100 MiB eviction threshold", True)  # fmt: skip


def _brackets(capacity: int, brackets: tuple[tuple[int, float], ...]) -> int:
    """The reserve of `capacity` at each bracket's marginal rate from its threshold to the next, summed, then truncated."""
    ends = [threshold for threshold, _ in brackets[1:]] + [max(capacity, brackets[-1][0])]
    return int(sum((min(capacity, end) - start) * rate for (start, rate), end in zip(brackets, ends, strict=True) if capacity > start))


def _at_least(version: Any, floor: tuple[int, int]) -> bool:
    """Whether a Kubernetes version string like "1.33" or "1.33.2" is at least `floor` (False when not a literal)."""
    try:
        major, minor = (int(part) for part in str(version).split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= floor
