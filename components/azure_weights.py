"""`hangar:azure:WeightStore`: an NFS Azure file share every node of an AKS cluster mounts, in whatever zone it runs.

AKS's side of `weights.source: shared` (EKS's is `hangar.components.aws_weights`): the weights kept once per
cluster instead of once per replica, on a store no zone owns. What it takes, with the sources read (2026-12-01):

* a `FileStorage` storage account (premium; "only FileStorage accounts can create NFS shares") with `Premium_ZRS`
  redundancy, so the share survives the loss of a zone and every zone reaches it ("`Premium_ZRS` account type
  is only supported in limited region support": a region without it refuses the account). NFS shares "don't
  offer user-based authentication. Authentication for NFS shares is based on the configured network security
  rules", so the account has no public network access and is reached through a private endpoint in the
  cluster's VNet, resolved by the `privatelink.file.core.windows.net` zone linked to it (MicrosoftDocs/azure-docs
  articles/storage/files/files-nfs-protocol.md at commit 000cd84428ff, "Security and networking"). "Require
  secure transfer" is off, as the CSI driver's NFS prerequisites ask when encryption in transit is not used
  (kubernetes-sigs/azurefile-csi-driver deploy/example/nfs/README.md);
* an NFS share (`enabled_protocols: NFS`, root squash off, the default) provisioned at the deployments' weight
  caches, at least `MIN_SHARE_GIB` ("minimum file share size of Premium account type is `100GB`", the driver's
  docs/driver-parameters.md), billed on that provisioned size;
* AKS's managed Azure Files CSI driver, on by default ("Whether to enable AzureFile CSI Driver. The default value
  is true", the installed pulumi-azure-native 3.29 `ManagedClusterStorageProfileFileCSIDriverArgs`): nothing to install.

The volume (kubernetes-sigs/azurefile-csi-driver at commit 7b5ae18e, 2026-08-22, docs/driver-parameters.md
"Static Provision" and deploy/example/pv-azurefile-nfs.yaml): driver `file.csi.azure.com`, `volumeHandle`
`<resource group>#<account>#<share>`, `volumeAttributes` `resourceGroup`, `storageAccount`, `shareName`,
`protocol: nfs`. The node mounts `<account>.file.core.windows.net:/<account>/<share>` over NFS 4.1 with no key
(pkg/azurefile/nodeserver.go `NodeStageVolume`) and then sets the mount's mode to `mountPermissions`
("mounted folder permissions. The default is `0777`"; given explicitly here): the share's root is root's,
and the non-root staging Job must write into it (the kubelet does not apply `fsGroup` to ReadWriteMany
volumes of this driver: its CSIDriver declares `fsGroupPolicy: ReadWriteOnceWithFSType`,
charts/latest/azurefile-csi-driver/values.yaml).
"""

from __future__ import annotations

import hashlib

import pulumi
from hangar.components.azure_network import private_link
from hangar.components.shared_volume import SharedVolume
from pulumi_azure_native import storage

CSI_DRIVER = "file.csi.azure.com"
SHARE_NAME = "hangar-weights"
MIN_SHARE_GIB = 100
PRIVATE_ZONE = "privatelink.file.core.windows.net"
MOUNT_PERMISSIONS = "0777"


def account_name(subscription_id: str, name: str) -> str:
    """A storage account name (3-24 lower-case letters and digits, unique in Azure) derived from the subscription, stack and component."""
    digest = hashlib.sha256(f"{subscription_id}/{pulumi.get_project()}/{pulumi.get_stack()}/{name}".encode()).hexdigest()
    return "hangarw" + digest[:16]


def share_gib(cache_gib: int) -> int:
    """The provisioned share: the deployments' weight caches, at least the premium minimum."""
    return max(MIN_SHARE_GIB, cache_gib)


class AzureFilesWeightStore(pulumi.ComponentResource):
    """`hangar:azure:WeightStore`: the premium zone-redundant account, its NFS share, the private endpoint and DNS zone.

    `subnet_id` is where the private endpoint goes (the air-gapped VNet's endpoint subnet, else the node subnet);
    `cache_gib` the sum of the sharing deployments' weight caches. Exposes `volume` (a `SharedVolume`).
    """

    def __init__(self, name: str, *, resource_group_name: pulumi.Input[str], location: str, vnet_id: pulumi.Input[str], subnet_id: pulumi.Input[str],
                 subscription_id: pulumi.Output[str], cache_gib: int, tags: dict[str, str], opts: pulumi.ResourceOptions | None = None):  # fmt: skip
        super().__init__("hangar:azure:WeightStore", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        rg = resource_group_name
        account = storage.StorageAccount(
            f"{name}-files",
            resource_group_name=rg,
            location=location,
            account_name=subscription_id.apply(lambda sub: account_name(sub, name)),
            kind="FileStorage",
            sku=storage.SkuArgs(name="Premium_ZRS"),
            enable_https_traffic_only=False,  # NFS without encryption in transit (the driver's NFS prerequisites)
            public_network_access="Disabled",
            allow_blob_public_access=False,
            minimum_tls_version="TLS1_2",
            network_rule_set=storage.NetworkRuleSetArgs(default_action="Deny", bypass="None"),
            tags=tags,
            opts=child,
        )
        share = storage.FileShare(
            f"{name}-share",
            resource_group_name=rg,
            account_name=account.name,
            share_name=SHARE_NAME,
            enabled_protocols="NFS",
            root_squash="NoRootSquash",  # the node (root) sets the mount's mode when it mounts
            share_quota=share_gib(cache_gib),
            opts=child,
        )
        link, records = private_link(
            f"{name}-files", dns_name=f"{name}-files-dns", zone_name=PRIVATE_ZONE, group="file", resource_id=account.id,
            resource_group_name=rg, location=location, vnet_id=vnet_id, subnet_id=subnet_id, tags=tags, opts=child,
        )  # fmt: skip
        self.account_name = account.name
        self.volume = SharedVolume(
            driver=CSI_DRIVER,
            volume_handle=pulumi.Output.concat(rg, "#", account.name, "#", SHARE_NAME),
            ready=(share, link, records),
            volume_attributes={
                "resourceGroup": rg,
                "storageAccount": account.name,
                "shareName": SHARE_NAME,
                "protocol": "nfs",
                "mountPermissions": MOUNT_PERMISSIONS,
            },
        )
        self.register_outputs({"account_name": self.account_name, "share_gib": share_gib(cache_gib)})
