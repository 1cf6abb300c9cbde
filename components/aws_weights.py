"""`hangar:aws:WeightStore`: an EFS file system every node of an EKS cluster mounts, in whatever zone it runs.

`weights.source: shared` keeps a model's weights once per cluster instead of once per replica: a
per-replica EBS claim is bound to one zone, so a replica rescheduled into another zone is stranded
(`hangar-zonal-storage`), while EFS is regional — one file system, a mount target in each zone.
What it takes, with the sources read (2026-12-01):

* an `aws.efs.FileSystem`: encrypted at rest, `elastic` throughput (the installed pulumi_aws 7.51
  `efs.FileSystem.throughput_mode`: "AWS recommends `elastic` for most use cases"; bursting, the API
  default, earns its throughput from the bytes stored, too little for a few hundred GiB read at
  once when replicas start), General Purpose performance mode;
* an `aws.efs.MountTarget` in every private subnet of the cluster, one per zone, behind a security
  group that admits NFS (TCP 2049) from the EKS cluster security group only — the group "Managed node
  groups use ... for control-plane-to-data-plane communication" (EKS API reference,
  VpcConfigResponse.clusterSecurityGroupId), so every Hangar node, and nothing else, reaches it;
* an `aws.efs.AccessPoint` whose POSIX identity is the server's user (`USER_ID`) and whose root
  directory `ROOT_DIRECTORY` is created owned by it: the non-root staging Job can write there and the
  servers read it, without a root-owned file system root in the way;
* the EFS CSI driver (`EFS_CSI_CHART`, Helm chart aws-efs-csi-driver 4.4.1, driver v3.4.1:
  kubernetes-sigs/aws-efs-csi-driver tag helm-chart-aws-efs-csi-driver-4.4.1, commit
  3fcc6bdd7533a4cfd15643b31593f7ff154584c9, charts/aws-efs-csi-driver/Chart.yaml and values.yaml).
  Its node DaemonSet tolerates every taint by default (`node.tolerations: [{operator: Exists}]`),
  so it runs on the tainted GPU nodes too. Hangar provisions the volume statically (a PersistentVolume
  naming file system and access point), so the controller is not installed (`controller.create:
  false`): it only creates access points for dynamic provisioning, and with static access-point
  mounts "by default no additional IAM permissions are necessary"
  (examples/kubernetes/efs/access_points/README.md at that tag). Mounts are encrypted in transit by
  default (`encryptInTransit` "true (default)", docs/parameters.md).

The volume handle is `<file system id>::<access point id>` (pkg/driver/node.go `parseVolumeId` at that
tag: `{fileSystemID}:{mountPath}:{accessPointID}`, the empty middle field meaning no subpath).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
from hangar.components.helm import PinnedChart, chart_release
from hangar.components.serving_pod import USER_ID
from hangar.components.shared_volume import SharedVolume

NFS_PORT = 2049
ROOT_DIRECTORY = "/hangar-weights"
CSI_DRIVER = "efs.csi.aws.com"

EFS_CSI_CHART = PinnedChart(
    "aws-efs-csi-driver", "https://kubernetes-sigs.github.io/aws-efs-csi-driver/", "4.4.1", "kube-system",
    "kubernetes-sigs/aws-efs-csi-driver tag helm-chart-aws-efs-csi-driver-4.4.1 (commit 3fcc6bdd7533a4cfd15643b31593f7ff154584c9) charts/aws-efs-csi-driver/Chart.yaml",
)  # fmt: skip
"""The chart's repository as docs/install.md at the tag gives it (`helm repo add aws-efs-csi-driver ...`)."""
EFS_CSI_IMAGES = {
    "image": "public.ecr.aws/efs-csi-driver/amazon/aws-efs-csi-driver",
    "sidecars.livenessProbe.image": "public.ecr.aws/csi-components/livenessprobe",
    "sidecars.nodeDriverRegistrar.image": "public.ecr.aws/csi-components/csi-node-driver-registrar",
}
"""The images the node DaemonSet runs (values.yaml `<key>.repository` at the tag), which a registry mirror keeps under the same paths."""


def efs_csi_values(image_registry: pulumi.Input[str] | None) -> dict:
    """Chart values: the node plugin only (static provisioning); its images from `image_registry` when the cluster has one."""
    values: dict = {"controller": {"create": False}}
    if image_registry is not None:
        values["image"] = {"repository": _mirrored(image_registry, EFS_CSI_IMAGES["image"])}
        values["sidecars"] = {
            "livenessProbe": {"image": {"repository": _mirrored(image_registry, EFS_CSI_IMAGES["sidecars.livenessProbe.image"])}},
            "nodeDriverRegistrar": {"image": {"repository": _mirrored(image_registry, EFS_CSI_IMAGES["sidecars.nodeDriverRegistrar.image"])}},
        }
    return values


def _mirrored(registry: pulumi.Input[str], upstream: str) -> pulumi.Output[str]:
    return pulumi.Output.concat(registry, "/", upstream.split("/", 1)[1])


class EfsWeightStore(pulumi.ComponentResource):
    """`hangar:aws:WeightStore`: EFS file system, NFS security group, a mount target per subnet, the access point, the CSI driver.

    `subnet_ids` are the cluster's private subnets (one per zone); `node_security_group_id` the group its nodes
    carry (the EKS cluster security group); `cluster_spec` the cluster's config, whose `chart_repository` (a
    chart mirror) the driver's chart comes from when set. Exposes `volume` (a `SharedVolume`), `file_system_id` and `access_point_id`.
    """

    def __init__(
        self,
        name: str,
        *,
        vpc_id: pulumi.Input[str],
        subnet_ids: Sequence[pulumi.Input[str]],
        node_security_group_id: pulumi.Input[str],
        kube_provider: pulumi.ProviderResource,
        tags: dict[str, str],
        image_registry: pulumi.Input[str] | None = None,
        cluster_spec: Any = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("hangar:aws:WeightStore", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        nfs = aws.ec2.SecurityGroup(
            f"{name}-nfs",
            vpc_id=vpc_id,
            description="NFS from the cluster's nodes to the shared model-weight store",
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp", from_port=NFS_PORT, to_port=NFS_PORT, security_groups=[node_security_group_id], description="NFS from the EKS nodes"
                )
            ],
            tags={**tags, "Name": f"{name}-nfs"},
            opts=child,
        )
        self.file_system = aws.efs.FileSystem(
            name,
            encrypted=True,
            throughput_mode="elastic",
            performance_mode="generalPurpose",
            tags={**tags, "Name": name},
            opts=child,
        )
        targets = [
            aws.efs.MountTarget(f"{name}-{index}", file_system_id=self.file_system.id, subnet_id=subnet, security_groups=[nfs.id], opts=child)
            for index, subnet in enumerate(subnet_ids)
        ]
        self.access_point = aws.efs.AccessPoint(
            name,
            file_system_id=self.file_system.id,
            posix_user=aws.efs.AccessPointPosixUserArgs(uid=USER_ID, gid=USER_ID),
            root_directory=aws.efs.AccessPointRootDirectoryArgs(
                path=ROOT_DIRECTORY,
                creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(owner_uid=USER_ID, owner_gid=USER_ID, permissions="0755"),
            ),
            tags={**tags, "Name": name},
            opts=child,
        )
        driver = chart_release(
            f"{name}-efs-csi",
            EFS_CSI_CHART,
            efs_csi_values(image_registry),
            cluster=cluster_spec,
            description="Installed by Hangar: mounts the shared model-weight store (EFS) on every node",
            opts=pulumi.ResourceOptions(parent=self, provider=kube_provider),
        )
        self.file_system_id = self.file_system.id
        self.access_point_id = self.access_point.id
        self.volume = SharedVolume(
            driver=CSI_DRIVER,
            volume_handle=pulumi.Output.concat(self.file_system.id, "::", self.access_point.id),
            ready=(driver, *targets),
        )
        self.register_outputs({"file_system_id": self.file_system_id, "access_point_id": self.access_point_id, "mount_targets": len(targets)})
