"""`hangar:gcp:WeightStore`: a Filestore instance every node of a GKE cluster mounts, in whatever zone it runs.

GKE's side of `weights.source: shared` (EKS's is `hangar.components.aws_weights`, AKS's `azure_weights`): the
weights kept once per cluster instead of once per replica. Filestore rather than Cloud Storage FUSE: Google's
page says FUSE is not POSIX-compliant and points to Filestore for a POSIX file system
(https://cloud.google.com/storage/docs/gcs-fuse, "Limitations", read 2026-12-01). What it takes, with the
sources read (2026-12-01):

* a `gcp.filestore.Instance` (the installed pulumi_gcp 10.2.0 schema): `REGIONAL` tier in prod, whose share
  survives the loss of a zone, else `ZONAL` in the cluster's first zone (a cluster naming no zones gets
  `REGIONAL` too: Hangar cannot pick a zone GKE may not use); one file share `SHARE_NAME` at the deployments'
  weight caches, at least the tier's minimum (`capacity_gb`: "ZONAL: 100-102400 GiB", "REGIONAL: 1024-102400 GiB
  (100-102400 GiB in supported regions)" — the 1024 floor is taken, as the supported regions are not listed);
* private by construction: a Filestore instance has only internal addresses, in a range of the VPC it is
  peered with (`networks[0]`: the cluster's VPC, `MODE_IPV4`, connect mode `DIRECT_PEERING`, the default), and
  its share is exported to the node subnet only (`nfs_export_options.ip_ranges`; the node — the CSI driver's
  node plugin on the host network — mounts it, not the pod), read-write, `NO_ROOT_SQUASH` (the default): the
  kubelet, root on the node, must change the share root's group (below);
* the Filestore API (`file.googleapis.com`) enabled in the project (`gcp.projects.Service`, which the instance
  waits for): Google's CSI-driver page asks for it before anything else ("Enable the Cloud Filestore API and the
  Google Kubernetes Engine API", https://cloud.google.com/filestore/docs/csi-driver, "Before you begin"). It is left
  enabled when the stack is destroyed (`disable_on_destroy: false`, the installed pulumi_gcp 10.2.0's advice for a
  project the stack does not own: other Filestore instances of the project need it too);
* GKE's managed Filestore CSI driver, turned on in the cluster's add-ons (`addons_config.
  gcp_filestore_csi_driver_config.enabled`); Google's page calls it "powered by the open source Google Cloud
  Filestore CSI driver" (https://cloud.google.com/filestore/docs/csi-driver).

The volume (kubernetes-sigs/gcp-filestore-csi-driver at 2edb466bc7a0e5224a65967a4cc3ec9a52368619, 2026-06-24,
docs/kubernetes/pre-provisioned-pv.md and examples/kubernetes/pre-provision/preprov-pv.yaml): driver
`filestore.csi.storage.gke.io`, `volumeHandle` `modeInstance/<zone or region>/<instance>/<share>`
(pkg/csi_driver/volume_id.go `getFileInstanceFromID`), `volumeAttributes` `ip` (the instance's address) and
`volume` (the share); the node mounts `<ip>:/<share>` (pkg/csi_driver/node.go). The share's root is root's; the
non-root staging Job writes into it because its pod's `fsGroup` (`serving_pod.pod_security`, with
`fsGroupChangePolicy: OnRootMismatch`) is applied to the volume: the driver's CSIDriver declares
`fsGroupPolicy: File` (deploy/kubernetes/overlays/stable-master/fsgrouppolicy.yaml; docs/kubernetes/fsgroup.md:
"Create Pod with fsgroup and using a PVC with ReadWriteMany access mode"). That GKE's managed driver ships the
same policy is not stated on a page read here: it is the open-source driver's, unverified for GKE.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp
from hangar.components.shared_volume import SharedVolume

CSI_DRIVER = "filestore.csi.storage.gke.io"
SHARE_NAME = "weights"
FILESTORE_API = "file.googleapis.com"
MIN_SHARE_GIB = {"ZONAL": 100, "REGIONAL": 1024}


def filestore_tier(prod: bool, zones: list[str]) -> str:
    """REGIONAL in prod (a zone may fail) or when no zone is named; ZONAL otherwise."""
    return "REGIONAL" if prod or not zones else "ZONAL"


def share_gib(tier: str, cache_gib: int) -> int:
    """The share's capacity: the deployments' weight caches, at least the tier's minimum."""
    return max(MIN_SHARE_GIB[tier], cache_gib)


class FilestoreWeightStore(pulumi.ComponentResource):
    """`hangar:gcp:WeightStore`: the Filestore instance and its share, exported to the cluster's node subnet.

    `network` is the VPC's name, `node_cidr` the node subnet's range, `zones` the cluster's zones; `cache_gib` the sum
    of the sharing deployments' weight caches. Exposes `volume` (a `SharedVolume`) and `tier`.
    """

    def __init__(self, name: str, *, network: pulumi.Input[str], node_cidr: str, region: str, zones: list[str], prod: bool,
                 cache_gib: int, labels: dict[str, str], opts: pulumi.ResourceOptions | None = None):  # fmt: skip
        super().__init__("hangar:gcp:WeightStore", name, None, opts)
        self.tier = filestore_tier(prod, zones)
        location = region if self.tier == "REGIONAL" else zones[0]
        api = gcp.projects.Service(f"{name}-api", service=FILESTORE_API, disable_on_destroy=False, opts=pulumi.ResourceOptions(parent=self))
        instance = gcp.filestore.Instance(
            name,
            tier=self.tier,
            location=location,
            description="Hangar: the shared model-weight store every node mounts",
            file_shares=gcp.filestore.InstanceFileSharesArgs(
                name=SHARE_NAME,
                capacity_gb=share_gib(self.tier, cache_gib),
                nfs_export_options=[
                    gcp.filestore.InstanceFileSharesNfsExportOptionArgs(ip_ranges=[node_cidr], access_mode="READ_WRITE", squash_mode="NO_ROOT_SQUASH")
                ],
            ),
            networks=[gcp.filestore.InstanceNetworkArgs(network=network, modes=["MODE_IPV4"], connect_mode="DIRECT_PEERING")],
            labels=labels,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[api]),
        )
        address = instance.networks.apply(lambda networks: networks[0].ip_addresses[0])
        self.volume = SharedVolume(
            driver=CSI_DRIVER,
            volume_handle=pulumi.Output.concat("modeInstance/", location, "/", instance.name, "/", SHARE_NAME),
            ready=(instance,),
            volume_attributes={"ip": address, "volume": SHARE_NAME},
        )
        self.register_outputs({"tier": self.tier, "location": location, "share_gib": share_gib(self.tier, cache_gib)})
