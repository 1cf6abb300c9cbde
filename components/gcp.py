"""The GCP target: a private GKE cluster with GPU node pools and TPU slices in a private VPC.

`GcpGpuCluster` (`hangar:gcp:GpuCluster`) is what `hangar.components.environment.TARGETS["gcp"]` builds.
It composes one `GcpNetwork` (`hangar:gcp:Network`, in `hangar.components.gcp_network`), one
`GkeCluster` (`hangar:gcp:Cluster`; who reaches its API server: `hangar.components.gcp_access`), a Filestore
weight store (`hangar:gcp:WeightStore`, `hangar.components.gcp_weights`) when a deployment shares its weights, a
`GkeGpuNodePool` (`hangar:gcp:GpuNodePool`) per configured pool and a `GkeTpuSlice`
(`hangar:gcp:TpuSlice`, in `hangar.components.gcp_tpu`) per TPU slice, all through an explicit GCP
provider pinned to the cluster's project and region.

Secure and cheap by default: private nodes and a private API endpoint, secrets encrypted with a
KMS key of the cluster's own, Workload Identity (pods never see the node's identity: GKE_METADATA),
shielded nodes with secure boot, a node service account holding only the roles a node needs, no
node has a public IP, NetworkPolicy enforced (Dataplane V2), logs and metrics on.

Enum values are the GKE API's (container/v1 REST reference); the SDK types them as plain strings.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s
from hangar.components.gcp_access import authorized_networks, dns_endpoint_config, kubeconfig
from hangar.components.gcp_network import GcpNetwork, subnet_layout
from hangar.components.gcp_weights import FilestoreWeightStore
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

from hangar.catalog import InstanceType, load_catalog
from hangar.hardware import HardwareChoiceError, pool_instance
from hangar.replica import replica_shape
from hangar.spec import SYSTEM_POOL, Environment, GcpCluster, GpuNodePool

TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}
RESERVATION = {"reserved": "ANY_RESERVATION"}  # on-demand and spot pools consume no reservation
GPU_DRIVER_VERSION = "DEFAULT"
"""GKE installs the NVIDIA driver itself: "DEFAULT" is the driver GKE tested with the node version
(allowed: GPU_DRIVER_VERSION_UNSPECIFIED, INSTALLATION_DISABLED, DEFAULT, LATEST)."""
RELEASE_CHANNEL = {"prod": "STABLE", "staging": "REGULAR", "dev": "REGULAR"}
LOG_COMPONENTS = ("SYSTEM_COMPONENTS", "APISERVER", "WORKLOADS")
METRIC_COMPONENTS = ("SYSTEM_COMPONENTS",)
NODE_ROLES = ("roles/container.defaultNodeServiceAccount", "roles/artifactregistry.reader")
"""The node service account's only roles: write logs and metrics (the GKE node role) and pull images."""
GKE_SERVICE = "container.googleapis.com"
KMS_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
KEY_ROTATION = "7776000s"  # 90 days
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"  # access is limited by IAM roles, not scopes
MAX_PODS_PER_NODE = 64
DEFAULT_ZONES = 3  # a regional pool without node_locations spans three of the region's zones

SYSTEM_MACHINE_TYPE = "e2-standard-4"
SYSTEM_DISK_GIB = 50

ACCELERATOR_LABEL = "cloud.google.com/gke-accelerator"  # set by GKE on GPU nodes; a reserved prefix, so not set by us


def _child(parent: pulumi.Resource, **options: Any) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **options)


def gke_cluster_name(environment: Environment, cluster: GcpCluster) -> str:
    """The GKE cluster's name (at most 40 characters): environment and cluster, fixed rather than auto-named."""
    return f"{environment.name}-{cluster.name}"[:40].rstrip("-")


def node_account_id(environment: Environment, cluster: GcpCluster) -> str:
    """A 6-30 character service-account id, unique per environment and cluster within a project."""
    digest = hashlib.sha256(f"{environment.name}/{cluster.name}".encode()).hexdigest()[:6]
    return f"{cluster.name[:17].rstrip('-')}-nodes-{digest}"


def node_config(
    *, machine_type: str, service_account: pulumi.Input[str], labels: dict[str, str], resource_labels: dict[str, str],
    taints: list[dict[str, str]], capacity: str, disk_gib: int | None = None, **extra: Any,
) -> gcp.container.NodePoolNodeConfigArgs:
    """What every Hangar node runs with: its own service account, GKE_METADATA (Workload Identity),
    secure boot and integrity monitoring, no legacy metadata endpoints, labels and taints."""
    return gcp.container.NodePoolNodeConfigArgs(
        machine_type=machine_type,
        disk_size_gb=disk_gib,
        image_type="COS_CONTAINERD",
        service_account=service_account,
        oauth_scopes=[CLOUD_PLATFORM],
        spot=capacity == "spot",
        reservation_affinity=(
            gcp.container.NodePoolNodeConfigReservationAffinityArgs(consume_reservation_type=RESERVATION[capacity]) if capacity in RESERVATION else None
        ),
        labels=labels,
        resource_labels=resource_labels,
        taints=[gcp.container.NodePoolNodeConfigTaintArgs(key=t["key"], value=t["value"], effect=TAINT_EFFECTS[t["effect"]]) for t in taints],
        workload_metadata_config=gcp.container.NodePoolNodeConfigWorkloadMetadataConfigArgs(mode="GKE_METADATA"),
        shielded_instance_config=gcp.container.NodePoolNodeConfigShieldedInstanceConfigArgs(enable_secure_boot=True, enable_integrity_monitoring=True),
        metadata={"disable-legacy-endpoints": "true"},
        **extra,
    )


def initial_per_zone(initial: int, maximum: int, zones: int) -> int:
    """GKE counts `initial_node_count` per zone: the fewest per zone that start `initial` nodes without
    exceeding `maximum` in total (rounded down when rounding up would)."""
    per_zone = math.ceil(initial / zones)
    return per_zone if per_zone * zones <= maximum else initial // zones


MANAGEMENT = gcp.container.NodePoolManagementArgs(auto_repair=True, auto_upgrade=True)


class GkeCluster(pulumi.ComponentResource):
    """`hangar:gcp:Cluster`: a regional, private GKE Standard cluster and its small system node pool.

    Nodes are private. The API endpoint is private too unless `network.public_api_endpoint`, and
    then reachable only from `network.authorized_cidrs` (master authorized networks; with a private
    endpoint, the new network's CIDR and any authorized CIDRs) and the declared deployer's
    addresses. With `deployer.gke_dns_endpoint` the IAM-authenticated DNS endpoint is open to user
    traffic and the kubeconfig uses it. Secrets are encrypted at the
    application layer with a KMS key (90-day rotation) that only the GKE service agent may use.
    Workload Identity, shielded nodes, Dataplane V2 (NetworkPolicy), Managed Prometheus, system,
    API-server and workload logs; release channel STABLE in prod, REGULAR elsewhere; deletion
    protection in prod. The default node pool is removed; a `SYSTEM_MACHINE_TYPE` pool (1-3 nodes,
    2-3 in prod) runs cluster services so GPU and TPU nodes hold only accelerator work. The private
    control plane uses Private Service Connect (no master CIDR to choose).

    Outputs: `cluster_name`, `kubeconfig` (authenticates with gke-gcloud-auth-plugin: it holds no
    secret), `node_service_account` (the nodes' service account email). `node_prerequisites` are the
    resources a node pool must wait for (the account's role grants).
    """

    def __init__(
        self, name: str, cluster: GcpCluster, environment: Environment, *, network: GcpNetwork, project: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("hangar:gcp:Cluster", name, None, opts)
        self.resource_labels = cloud_safe({**environment_labels(environment), CLUSTER: cluster.name})
        self.location, self.project = cluster.region, project
        gke_name = gke_cluster_name(environment, cluster)

        ring = gcp.kms.KeyRing(f"{name}-secrets", location=cluster.region, project=project, opts=_child(self))
        key = gcp.kms.CryptoKey(
            f"{name}-secrets", key_ring=ring.id, purpose="ENCRYPT_DECRYPT", rotation_period=KEY_ROTATION, labels=self.resource_labels, opts=_child(self)
        )
        agent = gcp.projects.ServiceIdentity(f"{name}-gke-agent", project=project, service=GKE_SERVICE, opts=_child(self))
        key_grant = gcp.kms.CryptoKeyIAMMember(f"{name}-secrets-gke", crypto_key_id=key.id, role=KMS_ROLE, member=agent.member, opts=_child(self))

        account = gcp.serviceaccount.Account(
            f"{name}-nodes", account_id=node_account_id(environment, cluster), display_name=f"GKE nodes of {gke_name}", project=project, opts=_child(self)
        )
        # A user-managed account's email is always <account_id>@<project>.iam.gserviceaccount.com; built from
        # the account's own output, it depends on the account and is known in plans.
        self.node_service_account = pulumi.Output.concat(account.account_id, "@", project, ".iam.gserviceaccount.com")
        self.node_prerequisites: list[pulumi.Resource] = [
            gcp.projects.IAMMember(
                f"{name}-nodes-{role.rsplit('.', 1)[-1]}", project=project, role=role, member=pulumi.Output.concat("serviceAccount:", self.node_service_account), opts=_child(self)
            )
            for role in NODE_ROLES
        ]

        endpoint, deployer = cluster.network, environment.deployer
        allowed = authorized_networks(endpoint, deployer)
        self.gke = gcp.container.Cluster(
            name,
            name=gke_name,
            project=project,
            location=cluster.region,
            node_locations=list(cluster.zones) or None,
            min_master_version=cluster.kubernetes_version,
            release_channel=gcp.container.ClusterReleaseChannelArgs(channel=RELEASE_CHANNEL[environment.tier]),
            network=network.network_id,
            subnetwork=network.subnet_id,
            networking_mode="VPC_NATIVE",
            ip_allocation_policy=gcp.container.ClusterIpAllocationPolicyArgs(
                cluster_secondary_range_name=network.pods_range, services_secondary_range_name=network.services_range, stack_type="IPV4"
            ),
            default_max_pods_per_node=MAX_PODS_PER_NODE,
            private_cluster_config=gcp.container.ClusterPrivateClusterConfigArgs(
                enable_private_nodes=True, enable_private_endpoint=not endpoint.public_api_endpoint
            ),
            control_plane_endpoints_config=dns_endpoint_config(deployer),
            master_authorized_networks_config=gcp.container.ClusterMasterAuthorizedNetworksConfigArgs(
                cidr_blocks=[gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(cidr_block=cidr, display_name=f"hangar-{index}") for index, cidr in enumerate(allowed)],
                gcp_public_cidrs_access_enabled=False,
            ),
            workload_identity_config=gcp.container.ClusterWorkloadIdentityConfigArgs(workload_pool=pulumi.Output.concat(project, ".svc.id.goog")),
            database_encryption=gcp.container.ClusterDatabaseEncryptionArgs(state="ENCRYPTED", key_name=key.id),
            enable_shielded_nodes=True,
            # Dataplane V2 enforces NetworkPolicy, always on ("Kubernetes Network policy is always on in clusters with
            # GKE Dataplane V2": cloud.google.com/kubernetes-engine/docs/concepts/dataplane-v2, read 2026-12-01). The
            # SDK's default, LEGACY_DATAPATH, enforces nothing unless the Calico network-policy add-on is turned on.
            datapath_provider="ADVANCED_DATAPATH",
            logging_config=gcp.container.ClusterLoggingConfigArgs(enable_components=list(LOG_COMPONENTS)),
            monitoring_config=gcp.container.ClusterMonitoringConfigArgs(
                enable_components=list(METRIC_COMPONENTS), managed_prometheus=gcp.container.ClusterMonitoringConfigManagedPrometheusArgs(enabled=True)
            ),
            # The Gateway API (standard channel) for an inference gateway (hangar.components.routing): GKE's
            # Inference Gateway needs it enabled on the cluster (cloud.google.com/kubernetes-engine/docs/how-to/
            # deploy-gke-inference-gateway, read 2026-12-01); the channel values are the SDK's (ClusterGatewayApiConfigArgs).
            gateway_api_config=gcp.container.ClusterGatewayApiConfigArgs(channel="CHANNEL_STANDARD") if environment.gateway is not None else None,
            # GKE's Filestore CSI driver mounts the shared weight store (hangar.components.gcp_weights); off unless a deployment shares.
            addons_config=(
                gcp.container.ClusterAddonsConfigArgs(gcp_filestore_csi_driver_config=gcp.container.ClusterAddonsConfigGcpFilestoreCsiDriverConfigArgs(enabled=True))
                if shared_deployments(cluster, environment)
                else None
            ),
            remove_default_node_pool=True,
            initial_node_count=1,
            deletion_protection=environment.tier == "prod",
            resource_labels=self.resource_labels,
            opts=_child(self, depends_on=[key_grant]),
        )
        self.cluster_name = self.gke.name

        system_nodes = (2 if environment.tier == "prod" else 1, 3)
        zones = len(cluster.zones) or DEFAULT_ZONES
        gcp.container.NodePool(
            f"{name}-{SYSTEM_POOL}",
            name=SYSTEM_POOL,
            cluster=self.gke.name,
            location=cluster.region,
            project=project,
            initial_node_count=initial_per_zone(system_nodes[0], system_nodes[1], zones),
            autoscaling=gcp.container.NodePoolAutoscalingArgs(total_min_node_count=system_nodes[0], total_max_node_count=system_nodes[1], location_policy="BALANCED"),
            management=MANAGEMENT,
            node_config=node_config(
                machine_type=SYSTEM_MACHINE_TYPE,
                service_account=self.node_service_account,
                labels={POOL: SYSTEM_POOL, ENVIRONMENT: environment.name},
                resource_labels=cloud_safe({**environment_labels(environment), CLUSTER: cluster.name, POOL: SYSTEM_POOL}),
                taints=[],
                capacity="on-demand",
                disk_gib=SYSTEM_DISK_GIB,
                disk_type="pd-balanced",
            ),
            opts=_child(self, depends_on=self.node_prerequisites, ignore_changes=["initialNodeCount"]),
        )
        self.kubeconfig = kubeconfig(self.gke, dns_endpoint=bool(deployer and deployer.gke_dns_endpoint))
        self.register_outputs({"cluster_name": self.cluster_name, "kubeconfig": self.kubeconfig, "node_service_account": self.node_service_account})


class GkeGpuNodePool(pulumi.ComponentResource):
    """`hangar:gcp:GpuNodePool`: a GKE node pool of one GPU machine type.

    The GPUs are attached as `guest_accelerators` of the catalog's GKE accelerator type, with the
    driver installed by GKE (`GPU_DRIVER_VERSION`). Nodes carry the taint `nvidia.com/gpu=present:NoSchedule`
    (plus the pool's own) and the labels `hangar.dev/pool`, `hangar.dev/gpu`, `hangar.dev/environment`
    (plus the pool's own); GKE adds `cloud.google.com/gke-accelerator`. Capacity: spot → Spot VMs,
    reserved → any matching reservation (falling back to on-demand), on-demand → neither.

    Sizes: GKE counts per zone, Hangar in total. `min_nodes`/`max_nodes` become the autoscaler's
    `total_min_node_count`/`total_max_node_count` (the whole pool, however many zones), so budgets judged
    at `max_nodes` hold; `initial_node_count` is per zone (see `initial_per_zone`). Location policy ANY
    for spot (take capacity wherever it is), BALANCED otherwise.
    """

    def __init__(
        self, name: str, pool: GpuNodePool, instance: InstanceType, *, cluster: GkeCluster, cluster_spec: GcpCluster, environment: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("hangar:gcp:GpuNodePool", name, None, opts)
        tags = {**environment_labels(environment), CLUSTER: cluster_spec.name, POOL: pool.name, GPU: instance.gpu}
        if pool.capacity == "reserved":
            tags[CAPACITY] = "reserved"
        self.labels = {**pool.labels, POOL: pool.name, GPU: instance.gpu, ENVIRONMENT: environment.name}
        self.taints = [GPU_TAINT] + [
            {"key": t.key, "value": t.value, "effect": t.effect} for t in pool.taints if (t.key, t.effect) != (GPU_TAINT["key"], GPU_TAINT["effect"])
        ]
        zones = list(pool.zones or cluster_spec.zones)
        self.node_pool = gcp.container.NodePool(
            name,
            name=pool.name,
            cluster=cluster.cluster_name,
            location=cluster_spec.region,
            project=cluster.project,
            node_locations=zones or None,
            initial_node_count=initial_per_zone(pool.initial_nodes, pool.max_nodes, len(zones) or DEFAULT_ZONES),
            autoscaling=gcp.container.NodePoolAutoscalingArgs(
                total_min_node_count=pool.min_nodes, total_max_node_count=pool.max_nodes, location_policy="ANY" if pool.capacity == "spot" else "BALANCED"
            ),
            management=MANAGEMENT,
            node_config=node_config(
                machine_type=instance.instance_type,
                service_account=cluster.node_service_account,
                labels=self.labels,
                resource_labels=cloud_safe(tags),
                taints=self.taints,
                capacity=pool.capacity,
                disk_gib=pool.disk_gib,
                guest_accelerators=[
                    gcp.container.NodePoolNodeConfigGuestAcceleratorArgs(
                        type=instance.gke_accelerator,
                        count=instance.gpu_count,
                        gpu_driver_installation_config=gcp.container.NodePoolNodeConfigGuestAcceleratorGpuDriverInstallationConfigArgs(gpu_driver_version=GPU_DRIVER_VERSION),
                    )
                ],
            ),
            opts=_child(self, depends_on=cluster.node_prerequisites, ignore_changes=["initialNodeCount"]),
        )
        self.register_outputs({"node_pool_name": self.node_pool.name, "machine_type": instance.instance_type, "labels": self.labels})


class GcpGpuCluster(pulumi.ComponentResource):
    """`hangar:gcp:GpuCluster`: network, GKE cluster, GPU node pools and TPU slices of one `GcpCluster`.

    Machine types are resolved and zones checked before anything is registered: each pool runs on
    `hangar.hardware.pool_instance` (an explicit `instance_type`, or the cheapest catalog machine with
    `gpus_per_node` of `gpu`; the spec has already rejected a GPU GCP lacks); TPU slices as in
    `hangar.components.gcp_tpu`.
    Exposes `pools` (how to place a pod on each GPU pool and TPU slice) and `kube_provider`.
    """

    pools: dict[str, PoolPlacement]
    kube_provider: k8s.Provider

    def __init__(self, name: str, cluster: GcpCluster, environment: Environment, opts: pulumi.ResourceOptions | None = None):
        instances = resolve_instances(cluster, environment)
        slices: dict[str, Any] = {}
        if cluster.tpu_slices:
            from hangar.components.gcp_tpu import GkeTpuSlice, resolve_slices

            slices = resolve_slices(cluster, environment)
        super().__init__("hangar:gcp:GpuCluster", name, None, opts)
        project = cluster.project or pulumi.Config("gcp").get("project")
        self.gcp_provider = gcp.Provider(name, project=project, region=cluster.region, opts=_child(self))
        children = _child(self, providers={"gcp": self.gcp_provider})
        if project is None:
            project = gcp.organizations.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self, provider=self.gcp_provider)).project
        self.network = GcpNetwork(name, cluster.network, region=cluster.region, opts=children)
        self.cluster = GkeCluster(name, cluster, environment, network=self.network, project=project, opts=children)
        self.node_pools: dict[str, pulumi.ComponentResource] = {}
        self.pools = {}
        for pool in cluster.node_pools:
            instance = instances[pool.name]
            node_pool = GkeGpuNodePool(f"{name}-{pool.name}", pool, instance, cluster=self.cluster, cluster_spec=cluster, environment=environment, opts=children)
            self.node_pools[pool.name] = node_pool
            self.pools[pool.name] = PoolPlacement(
                pool=pool.name,
                node_selector={POOL: pool.name, ACCELERATOR_LABEL: instance.gke_accelerator},
                tolerations=tuple(toleration(taint) for taint in node_pool.taints),
                accelerator_resource=GPU_RESOURCE,
                accelerators_per_node=instance.gpu_count,
            )
        for slice_name, resolved in slices.items():
            tpu = GkeTpuSlice(f"{name}-{slice_name}", resolved, cluster=self.cluster, cluster_spec=cluster, environment=environment, opts=children)
            self.node_pools[slice_name] = tpu
            self.pools[slice_name] = tpu.placement
        self.kube_provider = k8s.Provider(f"{name}-k8s", kubeconfig=self.cluster.kubeconfig, opts=_child(self))
        # Without egress the serving layer's images (engine, KEDA, LWS) come from the declared mirror (the spec requires one);
        # GKE's own (its device plugin, its system pods) from Google's registries through Private Google Access (GcpNetwork).
        self.image_registry: str | None = cluster.registry_mirror
        # A deployment with `weights.source: shared` reads its weights from one Filestore share every zone reaches.
        self.shared_weights: SharedVolume | None = None
        shared = shared_deployments(cluster, environment)
        if shared:
            assert self.network.network_name is not None  # the spec refuses shared in an existing network
            store = FilestoreWeightStore(
                f"{name}-weights",
                network=self.network.network_name,
                node_cidr=subnet_layout(cluster.network.cidr)[0],
                region=cluster.region,
                zones=list(cluster.zones),
                prod=environment.tier == "prod",
                cache_gib=sum(cache_size_gib(d, replica_shape(environment, d)) for d in shared),
                labels=cloud_safe({**environment_labels(environment), CLUSTER: cluster.name}),
                opts=children,
            )
            self.shared_weights = store.volume
        self.register_outputs({"cluster_name": self.cluster.cluster_name, "kubeconfig": self.cluster.kubeconfig, "pools": sorted(self.pools)})


def shared_deployments(cluster: GcpCluster, environment: Environment) -> list[Any]:
    """The deployments on this cluster that read their weights from its shared store."""
    return [d for d in environment.deployments if d.weights.source == "shared" and environment.cluster_of(d).name == cluster.name]


def where(cluster: GcpCluster, environment: Environment, key: str, item: Any) -> str:
    """The stack-config key path of a pool or slice, e.g. `hangar:environment.clusters[0].node_pools[1]`."""
    return f"hangar:environment.clusters[{environment.clusters.index(cluster)}].{key}[{getattr(cluster, key).index(item)}]"


def check_zones(cluster: GcpCluster, environment: Environment, key: str, item: Any) -> None:
    """Zones of a pool or slice must be zones of the cluster's region (`us-central1-a` for `us-central1`)."""
    outside = [zone for zone in item.zones if not zone.startswith(f"{cluster.region}-")]
    if outside:
        raise ValueError(f"{where(cluster, environment, key, item)}.zones: must be zones of the cluster's region {cluster.region} (e.g. {cluster.region}-a); got {outside}")


def resolve_instances(cluster: GcpCluster, environment: Environment) -> dict[str, InstanceType]:
    """Pool name → catalog machine type (`hangar.hardware.pool_instance`, which the spec already validated
    with); zones checked against the region. A ValueError names the key, the value and the alternatives."""
    outside = [zone for zone in cluster.zones if not zone.startswith(f"{cluster.region}-")]
    if outside:
        raise ValueError(f"hangar:environment.clusters[{environment.clusters.index(cluster)}].zones: must be zones of {cluster.region}; got {outside}")
    catalog = load_catalog(environment.catalog_overrides)
    resolved = {}
    for pool in cluster.node_pools:
        here = where(cluster, environment, "node_pools", pool)
        check_zones(cluster, environment, "node_pools", pool)
        try:
            resolved[pool.name] = instance = pool_instance(catalog, "gcp", pool)
        except HardwareChoiceError as error:
            raise ValueError(f"{here}.{error.field}: {error}; got {error.given!r}") from None
        if not instance.gke_accelerator:
            raise ValueError(f"{here}: the catalog names no GKE accelerator type for {instance.instance_type}; add gke_accelerator in a catalog override")
    return resolved
