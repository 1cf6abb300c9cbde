"""The Azure target: an AKS cluster with GPU node pools in a private VNet.

`AzureGpuCluster` (`hangar:azure:GpuCluster`) is what `hangar.components.environment.TARGETS["azure"]`
builds. It composes an `AzureNetwork` (`hangar:azure:Network`), an `AksCluster`
(`hangar:azure:Cluster`) and an `AksGpuNodePool` (`hangar:azure:GpuNodePool`) per configured pool,
in the cluster's resource group (created unless `resource_group` names an existing one).

Secure and cheap by default: a private API server, Entra ID auth with Azure RBAC and no local
accounts, secrets encrypted with a Key Vault key (KMS), control-plane logs in Log Analytics, workload
identity, nodes without public IPs, SSH keys or default outbound access. Property names and enum
values are those of the installed pulumi-azure-native 3.x (`containerservice` API 2025-xx).
"""

from __future__ import annotations

import base64
import ipaddress
import re
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from hangar.components.azure_access import authorized_ip_ranges, kubelogin_kubeconfig
from hangar.components.azure_network import AzureNetwork
from hangar.components.azure_weights import AzureFilesWeightStore
from hangar.components.device_plugin import NvidiaDevicePlugin
from hangar.components.labels import (
    CAPACITY,
    CLUSTER,
    ENVIRONMENT,
    GPU,
    POOL,
    cloud_safe,
    environment_labels,
)
from hangar.components.placement import GPU_RESOURCE, GPU_TAINT, PoolPlacement, toleration
from hangar.components.serving_pod import cache_size_gib
from hangar.components.shared_volume import SharedVolume
from pulumi_azure_native import (
    authorization,
    containerservice,
    keyvault,
    managedidentity,
    monitor,
    operationalinsights,
    resources,
)

from hangar.catalog import InstanceType, load_catalog
from hangar.hardware import HardwareChoiceError, pool_instance
from hangar.replica import replica_shape
from hangar.spec import SYSTEM_POOL, AzureCluster, Environment, GpuNodePool

ZONES = ("1", "2", "3")
"""Azure availability zones as AKS and VNets spell them; an empty `zones` in the spec means all three."""
SYSTEM_VM_SIZE = "Standard_D4ds_v5"  # 4 vCPU / 16 GiB: AKS asks at least 2 vCPU / 4 GiB of a system pool
SYSTEM_NODES = (2, 3)
SYSTEM_DISK_GIB = 128
POD_CIDR, SERVICE_CIDR, DNS_SERVICE_IP = "192.168.0.0/16", "172.16.0.0/16", "172.16.0.10"
"""Overlay ranges: pods and services never take VNet addresses, so they only must not overlap the VNet."""
CONTROL_PLANE_LOGS = ("kube-apiserver", "kube-audit-admin", "kube-controller-manager", "kube-scheduler", "cluster-autoscaler", "guard")
LOG_RETENTION_DAYS = 90
SPOT_TAINT = {"key": "kubernetes.azure.com/scalesetpriority", "value": "spot", "effect": "NoSchedule"}
"""AKS puts this taint on every Spot pool by itself; pods bound there must tolerate it too."""
ROLES = {
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
    "Azure Kubernetes Service RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
}
"""Built-in role definition ids (the same in every Azure subscription)."""
AZURE_CLI_APP_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


def _child(parent: pulumi.Resource, **options: Any) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **options)


def _grant(name: str, role: str, scope: pulumi.Input[str], principal_id: pulumi.Input[str], subscription_id: pulumi.Output[str], parent: pulumi.Resource, principal_type: pulumi.Input[str] = "ServicePrincipal") -> authorization.RoleAssignment:
    """Give `principal_id` the built-in `role` on `scope` (the assignment's own name is a generated GUID)."""
    return authorization.RoleAssignment(
        name,
        scope=scope,
        principal_id=principal_id,
        principal_type=principal_type,
        role_definition_id=subscription_id.apply(lambda sub: f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{ROLES[role]}"),
        description=f"Hangar: {role}",
        opts=_child(parent),
    )



class AksCluster(pulumi.ComponentResource):
    """`hangar:azure:Cluster`: the AKS control plane, its identities, its key, its logs and a system pool.

    - API server: private (Private Link, AKS-managed private DNS zone, no public FQDN) unless
      `network.public_api_endpoint`, then public but limited to `network.authorized_cidrs` and the
      deployer's public `source_cidrs`. Reaching a private one needs a machine in (or peered with) the
      VNet: the spec puts such a cluster in the runner's existing VNet.
    - Identity: a user-assigned control-plane identity (Network Contributor on the VNet, Key Vault
      Crypto User on the KMS vault) and a user-assigned kubelet identity (AcrPull on the air-gapped
      registry); workload identity and the OIDC issuer on.
    - Access: Entra ID with Azure RBAC and local accounts disabled, so no static admin kubeconfig
      exists. The identity running Pulumi gets "Azure Kubernetes Service RBAC Cluster Admin"; the
      kubeconfig is the user credential in `exec` format, which runs `kubelogin` with a
      non-interactive login (`deployer.azure_login`: `azurecli`, or `workloadidentity` for the
      operator), never the device code (`hangar.components.azure_access`).
    - Encryption: etcd secrets with KMS under an RSA key in a Key Vault with RBAC and purge
      protection. The vault keeps public network access (KMS to a private vault needs API Server
      VNet Integration, of limited availability); reaching it still takes Entra ID and the role.
      Disks use Azure's platform-managed encryption at rest; host encryption and customer-managed
      disk keys (a disk encryption set) are not enabled, because both need per-subscription setup.
    - Logs: control-plane logs (API server, admin audit, controller manager, scheduler, autoscaler,
      Entra ID guard) go to a Log Analytics workspace kept `LOG_RETENTION_DAYS`. No in-cluster
      monitoring agent: it would need an Azure Monitor private link scope when air-gapped.
    - Network: Azure CNI overlay with the Cilium dataplane (enforces NetworkPolicy), Standard load
      balancer. Outbound type `userAssignedNATGateway`, or `none` when air-gapped (the stricter
      `block` exists only in preview API versions, not in this SDK), with the bootstrap profile
      pulling AKS's own images through the network's private registry (`artifactSource: Cache`).
    - System pool: `SYSTEM_NODES` x `SYSTEM_VM_SIZE` (mode System) so GPU nodes hold only GPU work.

    Outputs: `cluster_name`, `oidc_issuer_url`, `kubeconfig` (secret). `access` is the role
    assignment a Kubernetes provider must wait for.
    """

    def __init__(self, name: str, spec: AzureCluster, environment: Environment, *, net: AzureNetwork, resource_group_name: pulumi.Input[str], client: pulumi.Output[authorization.GetClientConfigResult], zones: list[str], tags: dict[str, str], opts: pulumi.ResourceOptions | None = None):
        super().__init__("hangar:azure:Cluster", name, None, opts)
        rg, location, sub = resource_group_name, spec.region, client.subscription_id
        air_gapped = spec.network.egress == "none"
        control = managedidentity.UserAssignedIdentity(f"{name}-control-plane", resource_group_name=rg, location=location, tags=tags, opts=_child(self))
        kubelet = managedidentity.UserAssignedIdentity(f"{name}-kubelet", resource_group_name=rg, location=location, tags=tags, opts=_child(self))
        grants = [
            _grant(f"{name}-network", "Network Contributor", net.vnet_id, control.principal_id, sub, self),
            _grant(f"{name}-kubelet-operator", "Managed Identity Operator", kubelet.id, control.principal_id, sub, self),
        ]
        if net.registry_id is not None:
            grants.append(_grant(f"{name}-acr-pull", "AcrPull", net.registry_id, kubelet.principal_id, sub, self))

        vault = keyvault.Vault(
            f"{name[:12].rstrip('-')}-kms",  # vault names are global, at most 24 characters: the engine appends a suffix
            resource_group_name=rg,
            location=location,
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=client.tenant_id, sku=keyvault.SkuArgs(family="A", name="standard"), public_network_access="Enabled",
                enable_rbac_authorization=True, enable_purge_protection=True, enable_soft_delete=True, soft_delete_retention_in_days=90,
            ),
            tags=tags,
            opts=_child(self),
        )
        key = keyvault.Key(f"{name}-etcd", resource_group_name=rg, vault_name=vault.name, key_name="etcd", properties=keyvault.KeyPropertiesArgs(kty="RSA", key_size=2048), tags=tags, opts=_child(self))
        grants.append(_grant(f"{name}-kms", "Key Vault Crypto User", vault.id, control.principal_id, sub, self))
        workspace = operationalinsights.Workspace(
            f"{name}-logs", resource_group_name=rg, location=location, sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"), retention_in_days=LOG_RETENTION_DAYS, tags=tags, opts=_child(self)
        )

        api = spec.network
        self.aks = containerservice.ManagedCluster(
            name,
            resource_group_name=rg,
            location=location,
            dns_prefix=f"{environment.name}-{spec.name}"[:54].rstrip("-"),
            kubernetes_version=spec.kubernetes_version,
            sku=containerservice.ManagedClusterSKUArgs(name="Base", tier="Free" if environment.tier == "dev" else "Standard"),
            identity=containerservice.ManagedClusterIdentityArgs(type="UserAssigned", user_assigned_identities=[control.id]),
            identity_profile={"kubeletidentity": containerservice.UserAssignedIdentityArgs(resource_id=kubelet.id, client_id=kubelet.client_id, object_id=kubelet.principal_id)},
            aad_profile=containerservice.ManagedClusterAADProfileArgs(managed=True, enable_azure_rbac=True, tenant_id=client.tenant_id),
            enable_rbac=True,
            disable_local_accounts=True,
            api_server_access_profile=(
                containerservice.ManagedClusterAPIServerAccessProfileArgs(enable_private_cluster=False, authorized_ip_ranges=authorized_ip_ranges(api, environment.deployer))
                if api.public_api_endpoint
                else containerservice.ManagedClusterAPIServerAccessProfileArgs(enable_private_cluster=True, enable_private_cluster_public_fqdn=False, private_dns_zone="system")
            ),
            oidc_issuer_profile=containerservice.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            security_profile=containerservice.ManagedClusterSecurityProfileArgs(
                workload_identity=containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(enabled=True),
                azure_key_vault_kms=containerservice.AzureKeyVaultKmsArgs(enabled=True, key_id=key.key_uri_with_version, key_vault_network_access="Public"),
            ),
            # network_policy "cilium" (it needs the cilium dataplane) enforces NetworkPolicy; the default, "none",
            # enforces nothing (pulumi-azure-native 3.29.0, containerservice NetworkPolicy enum docs;
            # learn.microsoft.com/azure/aks/use-network-policies, read 2026-12-01).
            network_profile=containerservice.ContainerServiceNetworkProfileArgs(
                network_plugin="azure", network_plugin_mode="overlay", network_dataplane="cilium", network_policy="cilium",
                pod_cidr=POD_CIDR, service_cidr=SERVICE_CIDR, dns_service_ip=DNS_SERVICE_IP, load_balancer_sku="standard",
                outbound_type="none" if air_gapped else "userAssignedNATGateway",
            ),
            # The metrics add-on (ama-metrics) of the azure-monitor pipeline (hangar.components.metrics_azure: its workspace,
            # data collection rule and association are made by the serving layer); Microsoft's template sets only `enabled`.
            azure_monitor_profile=(
                containerservice.ManagedClusterAzureMonitorProfileArgs(metrics=containerservice.ManagedClusterAzureMonitorProfileMetricsArgs(enabled=True))
                if spec.metrics.resolved("azure") == "azure-monitor"
                else None
            ),
            bootstrap_profile=containerservice.ManagedClusterBootstrapProfileArgs(artifact_source="Cache", container_registry_id=net.registry_id) if air_gapped else None,
            auto_upgrade_profile=containerservice.ManagedClusterAutoUpgradeProfileArgs(upgrade_channel="patch", node_os_upgrade_channel="NodeImage"),
            agent_pool_profiles=[
                containerservice.ManagedClusterAgentPoolProfileArgs(
                    name=SYSTEM_POOL, mode="System", type="VirtualMachineScaleSets", vm_size=SYSTEM_VM_SIZE, os_type="Linux", os_sku="AzureLinux",
                    os_disk_type="Managed", os_disk_size_gb=SYSTEM_DISK_GIB,
                    enable_auto_scaling=True, min_count=SYSTEM_NODES[0], max_count=SYSTEM_NODES[1], count=SYSTEM_NODES[0],
                    availability_zones=zones, vnet_subnet_id=net.node_subnet_id, enable_node_public_ip=False,
                    node_labels={POOL: SYSTEM_POOL, ENVIRONMENT: environment.name},
                    tags={**tags, **cloud_safe({POOL: SYSTEM_POOL})},
                )
            ],
            tags=tags,
            # The autoscaler owns the system pool's count; GPU pools are AgentPool resources of their own.
            opts=_child(self, depends_on=grants, ignore_changes=["agentPoolProfiles[0].count"]),
        )
        monitor.DiagnosticSetting(
            f"{name}-control-plane", resource_uri=self.aks.id, workspace_id=workspace.id, log_analytics_destination_type="Dedicated",  # resource-specific tables
            logs=[monitor.DiagnosticsLogSettingsArgs(category=category, enabled=True) for category in CONTROL_PLANE_LOGS], opts=_child(self),
        )
        # The Azure CLI's application id means a person signed in with `az login`; anything else is a service principal or managed identity.
        deployer_type = client.client_id.apply(lambda app: "User" if app == AZURE_CLI_APP_ID else "ServicePrincipal")
        self.access = _grant(f"{name}-deployer-admin", "Azure Kubernetes Service RBAC Cluster Admin", self.aks.id, client.object_id, sub, self, deployer_type)
        self.resource_group_name, self.cluster_name = rg, self.aks.name
        self.oidc_issuer_url = self.aks.oidc_issuer_profile.apply(lambda profile: profile.issuer_url if profile else None)
        credentials = containerservice.list_managed_cluster_user_credentials_output(resource_group_name=rg, resource_name=self.aks.name, format="exec", opts=pulumi.InvokeOutputOptions(parent=self))
        # kubelogin logs in without a person: the Azure CLI session, or the operator pod's workload identity.
        login = environment.deployer.azure_login if environment.deployer else "azurecli"
        self.kubeconfig = pulumi.Output.secret(
            credentials.apply(lambda result: kubelogin_kubeconfig(base64.b64decode(result.kubeconfigs[0].value).decode(), login))
        )
        self.register_outputs({"cluster_name": self.cluster_name, "oidc_issuer_url": self.oidc_issuer_url, "kubeconfig": self.kubeconfig})


class AksGpuNodePool(pulumi.ComponentResource):
    """`hangar:azure:GpuNodePool`: an AKS user node pool (`AgentPool`, mode User) of one GPU VM size.

    Nodes carry the taint `nvidia.com/gpu=present:NoSchedule` (plus the pool's own taints) and the
    labels `hangar.dev/pool`, `hangar.dev/gpu` (plus the pool's own labels; AKS adds its own
    `kubernetes.azure.com/*` labels, which may not be set). AKS installs the NVIDIA driver
    (`gpuProfile.driver: Install`, its documented path now that the dedicated GPU image is retired);
    the NVIDIA device plugin is not part of the node image (`hangar.components.device_plugin` installs it). Capacity: spot → Spot priority, evicted
    nodes deleted, `spotMaxPrice: -1` (pay up to the on-demand price, never evicted for price); AKS
    then adds `SPOT_TAINT`. Reserved → Regular priority: Azure reservations are a billing discount
    that applies to matching VMs by itself. The OS disk is a managed disk of `disk_gib` (an
    ephemeral OS disk would fail on sizes whose cache disk is smaller). Regular pools upgrade one
    node at a time without surge (no spare GPU quota needed); the autoscaler owns `count`.
    """

    def __init__(self, name: str, pool: GpuNodePool, instance: InstanceType, *, agent_pool_name: str, cluster: AksCluster, subnet_id: pulumi.Input[str], zones: list[str], environment: Environment, tags: dict[str, str], opts: pulumi.ResourceOptions | None = None):
        super().__init__("hangar:azure:GpuNodePool", name, None, opts)
        spot = pool.capacity == "spot"
        self.labels = {**pool.labels, POOL: pool.name, GPU: instance.gpu, ENVIRONMENT: environment.name}
        self.taints = [GPU_TAINT] + [{"key": t.key, "value": t.value, "effect": t.effect} for t in pool.taints if (t.key, t.effect) != (GPU_TAINT["key"], GPU_TAINT["effect"])]
        pool_tags = {**tags, **cloud_safe({POOL: pool.name, **({CAPACITY: "reserved"} if pool.capacity == "reserved" else {})})}
        self.agent_pool = containerservice.AgentPool(
            name,
            resource_group_name=cluster.resource_group_name,
            resource_name_=cluster.cluster_name,
            agent_pool_name=agent_pool_name,
            mode="User",
            type="VirtualMachineScaleSets",
            vm_size=instance.instance_type,
            os_type="Linux",
            os_sku="Ubuntu",
            os_disk_type="Managed",
            os_disk_size_gb=pool.disk_gib,
            gpu_profile=containerservice.GPUProfileArgs(driver="Install"),
            enable_auto_scaling=True, min_count=pool.min_nodes, max_count=pool.max_nodes, count=pool.initial_nodes,
            availability_zones=zones, vnet_subnet_id=subnet_id, enable_node_public_ip=False,
            node_labels=self.labels,
            node_taints=[f"{t['key']}={t['value']}:{t['effect']}" if t["value"] else f"{t['key']}:{t['effect']}" for t in self.taints],
            scale_set_priority="Spot" if spot else "Regular",
            scale_set_eviction_policy="Delete" if spot else None,
            spot_max_price=-1 if spot else None,
            upgrade_settings=None if spot else containerservice.AgentPoolUpgradeSettingsArgs(max_surge="0", max_unavailable="1"),
            tags=pool_tags,
            opts=_child(self, ignore_changes=["count"]),
        )
        self.register_outputs({"agent_pool_name": agent_pool_name, "vm_size": instance.instance_type, "labels": self.labels})


class AzureGpuCluster(pulumi.ComponentResource):
    """`hangar:azure:GpuCluster`: resource group, network, AKS cluster and GPU node pools of one `AzureCluster`.

    Everything is checked before anything is registered: VM sizes (explicit, or the cheapest catalog
    size with `gpus_per_node` of `gpu`; a GPU Azure does not offer in that count is a ValueError
    naming the alternatives), zones and AKS pool names. Exposes `pools` (how to place a pod on each
    pool), `kube_provider`, and `registry_login_server` (the private registry, air-gapped only), which is
    also its `image_registry`: the registry the serving layer pulls the engine and operator images from.
    """

    pools: dict[str, PoolPlacement]
    kube_provider: k8s.Provider

    def __init__(self, name: str, cluster: AzureCluster, environment: Environment, opts: pulumi.ResourceOptions | None = None):
        instances = resolve_vm_sizes(cluster, environment)
        zones = pool_zones(cluster, environment)
        agent_pool_names = aks_pool_names(cluster, environment)
        check_network(cluster, environment)
        super().__init__("hangar:azure:GpuCluster", name, None, opts)
        tags = cloud_safe({**environment_labels(environment), CLUSTER: cluster.name})
        if cluster.resource_group:
            resource_group_name: pulumi.Input[str] = cluster.resource_group
        else:
            resource_group_name = resources.ResourceGroup(name, location=cluster.region, tags=tags, opts=_child(self)).name
        client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self))
        self.client = client  # the subscription and tenant, for role assignments made beside the cluster (hangar.components.metrics_azure)
        self.network = AzureNetwork(name, cluster.network, resource_group_name=resource_group_name, location=cluster.region, subscription_id=client.subscription_id, tags=tags, opts=_child(self))
        self.cluster = AksCluster(name, cluster, environment, net=self.network, resource_group_name=resource_group_name, client=client, zones=list(cluster.zones or ZONES), tags=tags, opts=_child(self))
        self.node_pools: dict[str, AksGpuNodePool] = {}
        self.pools = {}
        for pool in cluster.node_pools:
            instance = instances[pool.name]
            node_pool = AksGpuNodePool(
                f"{name}-{pool.name}", pool, instance, agent_pool_name=agent_pool_names[pool.name], cluster=self.cluster, subnet_id=self.network.node_subnet_id,
                zones=zones[pool.name], environment=environment, tags=tags, opts=_child(self),
            )
            self.node_pools[pool.name] = node_pool
            tolerated = node_pool.taints + ([SPOT_TAINT] if pool.capacity == "spot" else [])
            self.pools[pool.name] = PoolPlacement(
                pool=pool.name, node_selector={POOL: pool.name}, tolerations=tuple(toleration(t) for t in tolerated), accelerator_resource=GPU_RESOURCE, accelerators_per_node=instance.gpu_count
            )
        self.registry_login_server = self.network.registry_login_server
        # The serving layer takes every workload image from `image_registry` when set (an air-gapped AKS has no other source).
        self.image_registry = self.registry_login_server
        self.kube_provider = k8s.Provider(f"{name}-k8s", kubeconfig=self.cluster.kubeconfig, opts=_child(self, depends_on=[self.cluster.access]))
        # AKS installs the driver (gpuProfile.driver Install), not the device plugin: without it no GPU is schedulable.
        self.device_plugin = (
            NvidiaDevicePlugin(
                f"{name}-device-plugin", self.pools, provider=self.kube_provider, image_registry=self.registry_login_server, cluster_spec=cluster, opts=_child(self)
            )
            if self.pools
            else None
        )
        # A deployment with `weights.source: shared` reads its weights from one zone-redundant NFS share every zone reaches.
        self.shared_weights: SharedVolume | None = None
        shared = [d for d in environment.deployments if d.weights.source == "shared" and environment.cluster_of(d).name == cluster.name]
        if shared:
            store = AzureFilesWeightStore(
                f"{name}-weights",
                resource_group_name=resource_group_name,
                location=cluster.region,
                vnet_id=self.network.vnet_id,
                subnet_id=self.network.endpoint_subnet_id,
                subscription_id=client.subscription_id,
                cache_gib=sum(cache_size_gib(d, replica_shape(environment, d)) for d in shared),
                tags=tags,
                opts=_child(self),
            )
            self.shared_weights = store.volume
        self.register_outputs({"cluster_name": self.cluster.cluster_name, "kubeconfig": self.cluster.kubeconfig, "pools": sorted(self.pools)})


def _where(cluster: AzureCluster, environment: Environment, pool: GpuNodePool | None = None) -> str:
    here = f"hangar:environment.clusters[{environment.clusters.index(cluster)}]"
    return here if pool is None else f"{here}.node_pools[{cluster.node_pools.index(pool)}]"


def resolve_vm_sizes(cluster: AzureCluster, environment: Environment) -> dict[str, InstanceType]:
    """Pool name → catalog VM size (`hangar.hardware.pool_instance`, which the spec already validated with)."""
    catalog = load_catalog(environment.catalog_overrides)
    resolved = {}
    for pool in cluster.node_pools:
        try:
            resolved[pool.name] = pool_instance(catalog, "azure", pool)
        except HardwareChoiceError as error:
            raise ValueError(f"{_where(cluster, environment, pool)}.{error.field}: {error}; got {error.given!r}") from None
    return resolved


def pool_zones(cluster: AzureCluster, environment: Environment) -> dict[str, list[str]]:
    """Pool name → its availability zones: its own (the spec keeps them among the cluster's), else the cluster's."""
    bad = [zone for zone in cluster.zones if zone not in ZONES]
    if bad:
        raise ValueError(f"{_where(cluster, environment)}.zones: Azure zones are {', '.join(ZONES)}; got {bad}")
    allowed = list(cluster.zones or ZONES)
    zones = {}
    for pool in cluster.node_pools:
        outside = [zone for zone in pool.zones if zone not in allowed]
        if outside:
            raise ValueError(f"{_where(cluster, environment, pool)}.zones: must be among the cluster's zones {allowed}; got {outside}")
        zones[pool.name] = list(pool.zones or allowed)
    return zones


def aks_pool_names(cluster: AzureCluster, environment: Environment) -> dict[str, str]:
    """Pool name → AKS agent pool name: lower-case letters and digits, at most 12, unique, not `system`."""
    names: dict[str, str] = {}
    for pool in cluster.node_pools:
        aks_name = re.sub(r"[^a-z0-9]", "", pool.name)[:12]
        clash = next((other for other, taken in names.items() if taken == aks_name), SYSTEM_POOL if aks_name == SYSTEM_POOL else None)
        if clash:
            raise ValueError(
                f"{_where(cluster, environment, pool)}.name: AKS pool names are at most 12 letters and digits, so {pool.name!r} becomes {aks_name!r}, "
                f"which {'is the system pool' if clash == SYSTEM_POOL else f'pool {clash!r} already uses'}; choose a name that differs in its first 12 letters and digits"
            )
        names[pool.name] = aks_name
    return names


def check_network(cluster: AzureCluster, environment: Environment) -> None:
    """An existing VNet names its node subnet; a new VNet does not overlap the overlay's pod and service ranges."""
    spec, where = cluster.network, f"{_where(cluster, environment)}.network"
    if spec.existing_network_id and not spec.existing_subnet_ids:
        raise ValueError(f"{where}.existing_subnet_ids: an existing VNet needs the id of the subnet for AKS nodes; got []")
    if not spec.existing_network_id:
        for reserved in (POD_CIDR, SERVICE_CIDR):
            if spec.cidr.overlaps(ipaddress.ip_network(reserved)):
                raise ValueError(f"{where}.cidr: overlaps the cluster's {'pod' if reserved == POD_CIDR else 'service'} range {reserved}; choose a range outside it; got {str(spec.cidr)!r}")
