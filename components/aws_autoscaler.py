"""The EKS node autoscaler: the Kubernetes Cluster Autoscaler, pinned, with its own IRSA role.

Replicas beyond what the running GPU nodes hold stay Pending until something adds nodes; on EKS
nothing does by itself. `ClusterAutoscaler` (`hangar:aws:ClusterAutoscaler`) installs the Cluster
Autoscaler's Helm chart on the system nodes, discovering the cluster's managed node groups by the
tags EKS puts on their Auto Scaling groups, and scaling each within its group's min/max size — the
pool's `min_nodes`/`max_nodes`, the very numbers the cost model prices. EKS sets the node group's
desired size once; after that it is the autoscaler's (the node groups ignore changes to it).

Why the Cluster Autoscaler and not Karpenter: Hangar's pools are fixed-shape managed node groups
(one instance type, a price, a budget judged at `max_nodes`); the Cluster Autoscaler scales exactly
those groups within exactly those bounds, whereas Karpenter would replace them with its own
NodePools, instance choice and limits (in vCPUs/GPUs, not nodes), a second model of capacity to keep
in step with the cost model.

Sources, read 2026-12-01 in a snapshot of github.com/kubernetes/autoscaler (HEAD 55c37cd5eb55, 2026-08-22):
- cluster-autoscaler/README.md, "Releases": use "the latest Cluster Autoscaler release that
  corresponds to the minor version of Kubernetes that their cluster is running" (`IMAGE_TAGS`).
- chart `cluster-autoscaler` 9.59.0 (tag cluster-autoscaler-chart-9.59.0, 2026-07-21, the newest
  chart; appVersion 1.35.0; no values.schema.json): values `cloudProvider` (aws), `awsRegion`,
  `autoDiscovery.clusterName` (default tags `k8s.io/cluster-autoscaler/enabled` and
  `k8s.io/cluster-autoscaler/<clusterName>`; "the value of the tag does not matter, only the key"),
  `image.tag`, `rbac.serviceAccount.name` / `.annotations` (IRSA: `eks.amazonaws.com/role-arn`),
  `nodeSelector`. The README's table asks chart 9.47.0+ for 1.33 and 9.51.0+ for 1.34.
- cluster-autoscaler/cloudprovider/aws/README.md at tag cluster-autoscaler-1.33.6 (be4b5a18814a;
  the same text at 1.32.7 and 1.34.5; 1.35.2 and 1.36.1 only drop a section on the vendored SDK):
  the "Full Cluster Autoscaler Features Policy (Recommended)" (`POLICY_READ_ACTIONS`,
  `POLICY_SCALE_ACTIONS`), restricting the second block by tag conditions "strongly recommended";
  scaling up from 0 needs `k8s.io/cluster-autoscaler/node-template/label/<name>`, `.../taint/<name>`
  (`<value>:<effect>`; an empty value is fine: aws_manager.go's extractTaintsFromAsg reads `(.*):<effect>`)
  and `.../resources/<resource>` tags on the Auto Scaling group. Labels and
  taints also come from `eks:DescribeNodegroup`, but only while a group has never had a node, so a
  GPU group that scaled up and back to zero needs the tags.
- EKS: "Nodes launched as part of a managed node group are automatically tagged for
  auto-discovery by the Kubernetes Cluster Autoscaler"
  (https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html); the group's tags
  are not its Auto Scaling group's, hence one `aws.autoscaling.Tag` per template tag (the
  pulumi-aws 7.51 docs of that resource name exactly this use).
- Tag conditions on Auto Scaling actions: `autoscaling:ResourceTag/<key>`
  (https://docs.aws.amazon.com/autoscaling/ec2/userguide/tag-security.html); `Null: false` asks
  that the key be present whatever its value (IAM condition operators, "Null").
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
from hangar.components.helm import PinnedChart, chart_release
from hangar.components.labels import POOL
from hangar.components.placement import GPU_RESOURCE

from hangar.spec import SYSTEM_POOL, AwsCluster, Environment

NAMESPACE = "kube-system"
AUTOSCALER_CHART = PinnedChart(
    "cluster-autoscaler", "https://kubernetes.github.io/autoscaler", "9.59.0", NAMESPACE,
    "kubernetes/autoscaler tag cluster-autoscaler-chart-9.59.0, cluster-autoscaler/charts/cluster-autoscaler/Chart.yaml",
)  # fmt: skip
CHART, CHART_VERSION = AUTOSCALER_CHART.name, AUTOSCALER_CHART.version
SERVICE_ACCOUNT = "cluster-autoscaler"
"""Named explicitly so the IRSA role's trust policy can name it."""

IMAGE_TAGS: dict[str, str] = {
    "1.28": "v1.28.7",
    "1.29": "v1.29.5",
    "1.30": "v1.30.7",
    "1.31": "v1.31.5",
    "1.32": "v1.32.7",
    "1.33": "v1.33.6",
    "1.34": "v1.34.5",
    "1.35": "v1.35.2",
    "1.36": "v1.36.1",
}
"""Kubernetes minor → the newest Cluster Autoscaler release of that minor (tags cluster-autoscaler-1.28.7
2024-10-16, 1.29.5 2024-10-16, 1.30.7 2025-10-29, 1.31.5 2025-10-08, 1.32.7 2026-02-13, and 1.33.6,
1.34.5, 1.35.2, 1.36.1 2026-07-22; the chart's image is registry.k8s.io/autoscaling/cluster-autoscaler
tagged v<version>). Re-read the tags before bumping; a newer patch of the same minor is a drop-in."""

POLICY_READ_ACTIONS = (
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
    "eks:DescribeNodegroup",
)
POLICY_SCALE_ACTIONS = ("autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup")
TEMPLATE = "k8s.io/cluster-autoscaler/node-template"
DISCOVERY_TAG = "k8s.io/cluster-autoscaler/{cluster}"


class AutoscalerVersionError(ValueError):
    """A Kubernetes minor with no known Cluster Autoscaler release."""


IMAGE_PATH = "autoscaling/cluster-autoscaler"
"""The image's path under registry.k8s.io, where a registry mirror keeps it too."""


def image_tag(kubernetes_version: str) -> str:
    """The Cluster Autoscaler image of the cluster's Kubernetes minor; AutoscalerVersionError if there is none."""
    try:
        return IMAGE_TAGS[kubernetes_version]
    except KeyError:
        raise AutoscalerVersionError(
            f"no Cluster Autoscaler release is known for Kubernetes {kubernetes_version} (it must match the cluster's minor); "
            f"known: {', '.join(IMAGE_TAGS)}"
        ) from None


def check_autoscaler_version(cluster: AwsCluster, environment: Environment) -> str:
    """`image_tag` of the cluster's minor, or a ValueError naming the key path (raised before anything is registered)."""
    try:
        return image_tag(cluster.kubernetes_version)
    except AutoscalerVersionError as error:
        where = f"hangar:environment.clusters[{environment.clusters.index(cluster)}].kubernetes_version"
        raise ValueError(f"{where}: {error}; got {cluster.kubernetes_version!r}") from None


@dataclasses.dataclass(frozen=True)
class ScaledGroup:
    """What the autoscaler must know of one node group: its bounds, and the node it would add from zero."""

    pool: str
    node_group: aws.eks.NodeGroup | None
    """None for a group that never scales from zero (the system group): it needs no template tags."""
    min_nodes: int
    max_nodes: int
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    taints: tuple[dict[str, str], ...] = ()
    """Kubernetes spelling: {key, value, effect: NoSchedule | PreferNoSchedule | NoExecute}."""
    gpus: int = 0


def template_tags(group: ScaledGroup) -> dict[str, str]:
    """The Auto Scaling group tags that describe a node to the autoscaler before one exists."""
    tags = {f"{TEMPLATE}/label/{key}": value for key, value in group.labels.items()}
    tags |= {f"{TEMPLATE}/taint/{t['key']}": f"{t['value']}:{t['effect']}" for t in group.taints}
    if group.gpus:
        tags[f"{TEMPLATE}/resources/{GPU_RESOURCE}"] = str(group.gpus)
    return tags


def autoscaler_policy(cluster_name: str) -> str:
    """The README's recommended policy, its scaling actions limited to Auto Scaling groups tagged for this cluster."""
    discovery = DISCOVERY_TAG.format(cluster=cluster_name)
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": list(POLICY_READ_ACTIONS), "Resource": ["*"]},
                {
                    "Effect": "Allow",
                    "Action": list(POLICY_SCALE_ACTIONS),
                    "Resource": ["*"],
                    "Condition": {"Null": {f"autoscaling:ResourceTag/{discovery}": "false"}},
                },
            ],
        }
    )


class ClusterAutoscaler(pulumi.ComponentResource):
    """`hangar:aws:ClusterAutoscaler`: the Cluster Autoscaler release, its IRSA role and the scale-from-zero tags.

    Inputs recorded in the plan: `kubernetesVersion`, `image` and `nodeGroups` (pool → `minNodes`,
    `maxNodes`: the bounds it scales within). Children: an IAM role trusted only by the
    `kube-system/cluster-autoscaler` service account with the policy `autoscaler_policy`, one
    `aws:autoscaling/tag:Tag` per template tag of each GPU group, and the Helm release on the system
    nodes. Needs the AWS provider of the cluster's region (inherited) and `provider` for Kubernetes. The
    chart comes from `cluster_spec.chart_repository` (the cluster's chart mirror) when set.
    """

    def __init__(
        self,
        name: str,
        *,
        cluster_name: str,
        region: str,
        kubernetes_version: str,
        groups: Sequence[ScaledGroup],
        trust_policy: pulumi.Input[str],
        provider: pulumi.ProviderResource,
        tags: dict[str, str],
        image_registry: str | None = None,
        cluster_spec: Any = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        tag = image_tag(kubernetes_version)
        # The chart's `image.repository` (default registry.k8s.io/autoscaling/cluster-autoscaler, values.yaml at chart 9.59.0,
        # commit 5a0b98e4; templates/deployment.yaml runs "{{ .Values.image.repository }}:{{ .Values.image.tag }}").
        repository = f"{image_registry.rstrip('/')}/{IMAGE_PATH}" if image_registry else f"registry.k8s.io/{IMAGE_PATH}"
        facts: dict[str, Any] = {
            "kubernetesVersion": kubernetes_version,
            "image": f"{repository}:{tag}",
            "nodeGroups": {g.pool: {"minNodes": g.min_nodes, "maxNodes": g.max_nodes} for g in groups},
        }
        super().__init__("hangar:aws:ClusterAutoscaler", name, facts, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(name, assume_role_policy=trust_policy, description=f"IRSA role of the Cluster Autoscaler in {cluster_name}", tags=tags, opts=child)
        policy = aws.iam.RolePolicy(name, role=role.id, policy=autoscaler_policy(cluster_name), opts=child)
        for group in groups:
            if group.node_group is None:
                continue
            asg_name = group.node_group.resources.apply(lambda resources: resources[0].autoscaling_groups[0].name)
            for key, value in template_tags(group).items():
                aws.autoscaling.Tag(
                    f"{name}-{group.pool}-{re.sub(r'[^A-Za-z0-9]+', '-', key.removeprefix(TEMPLATE + '/'))}",
                    autoscaling_group_name=asg_name,
                    tag=aws.autoscaling.TagTagArgs(key=key, value=value, propagate_at_launch=False),  # for the autoscaler, not the instances
                    opts=child,
                )
        self.release = chart_release(
            name,
            AUTOSCALER_CHART,
            {
                "cloudProvider": "aws",
                "awsRegion": region,
                "autoDiscovery": {"clusterName": cluster_name},
                "image": {"tag": tag, **({"repository": repository} if image_registry else {})},
                "rbac": {"serviceAccount": {"name": SERVICE_ACCOUNT, "annotations": {"eks.amazonaws.com/role-arn": role.arn}}},
                "nodeSelector": {POOL: SYSTEM_POOL},
            },
            cluster=cluster_spec,
            description="Installed by Hangar: adds and removes nodes of the managed node groups as pods need them",
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[policy]),
        )
        self.register_outputs({"node_groups": facts["nodeGroups"]})
