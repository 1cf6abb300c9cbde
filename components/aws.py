"""The AWS target: an EKS cluster with GPU node pools in a private VPC.

`AwsGpuCluster` (`hangar:aws:GpuCluster`) is what `hangar.components.environment.TARGETS["aws"]` builds.
It composes one `AwsNetwork` (`hangar:aws:Network`, in `hangar.components.aws_network`), one `EksCluster`
(`hangar:aws:Cluster`) and an `EksGpuNodePool` (`hangar:aws:GpuNodePool`) per configured pool, all
through an explicit AWS provider pinned to the cluster's region.

Secure and cheap by default: private API endpoint, secrets encrypted with a KMS key, control-plane
audit logs, IRSA, nodes without public IPs or SSH keys, IMDSv2 only and out of pods' reach,
encrypted disks, node roles with only the managed policies a node needs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
from hangar.components.aws_access import cluster_admins, deployer_ingress, endpoint_public_cidrs, irsa_trust_policy, kubeconfig
from hangar.components.aws_autoscaler import NAMESPACE as AUTOSCALER_NAMESPACE
from hangar.components.aws_autoscaler import SERVICE_ACCOUNT as AUTOSCALER_SERVICE_ACCOUNT
from hangar.components.aws_autoscaler import ClusterAutoscaler, ScaledGroup, check_autoscaler_version
from hangar.components.aws_network import AwsNetwork
from hangar.components.aws_weights import EfsWeightStore, SharedVolume
from hangar.components.device_plugin import NvidiaDevicePlugin
from hangar.components.labels import (
    CAPACITY,
    CLUSTER,
    ENVIRONMENT,
    GPU,
    POOL,
    environment_labels,
)
from hangar.components.placement import GPU_RESOURCE, GPU_TAINT, PoolPlacement, toleration

from hangar.catalog import InstanceType, load_catalog
from hangar.hardware import pool_instance
from hangar.spec import SYSTEM_POOL, AwsCluster, Environment, GpuNodePool

# Values as the EKS API spells them (botocore eks/2017-11-01 service model: AMITypes, CapacityTypes,
# TaintEffect, AuthenticationMode, LogType, SupportType). The SDK types them as plain strings.
GPU_AMI_TYPE = "AL2023_x86_64_NVIDIA"
"""EKS-optimised accelerated AMI: Amazon Linux 2023 with the NVIDIA driver and container toolkit.
The NVIDIA device plugin is not part of the AMI: `hangar.components.device_plugin` installs it."""
SYSTEM_AMI_TYPE = "AL2023_x86_64_STANDARD"
CAPACITY_TYPES = {"on-demand": "ON_DEMAND", "spot": "SPOT", "reserved": "ON_DEMAND"}
TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}
CONTROL_PLANE_LOGS = ("api", "audit", "authenticator")
LOG_RETENTION_DAYS = 90

NODE_POLICIES = (aws.iam.ManagedPolicy.AMAZON_EKS_WORKER_NODE_POLICY, aws.iam.ManagedPolicy.AMAZON_EC2_CONTAINER_REGISTRY_READ_ONLY)
"""The managed policies on every node role. AmazonEKS_CNI_Policy is not among them: it goes to the
VPC CNI's own IRSA role, so pods on a node cannot borrow the node's right to rewire the network."""
CNI_POLICY = aws.iam.ManagedPolicy.AMAZON_EK_S_CN_I_POLICY
EBS_CSI_POLICY = aws.iam.ManagedPolicy.AMAZON_EBSCSI_DRIVER_POLICY
CLUSTER_POLICY = aws.iam.ManagedPolicy.AMAZON_EKS_CLUSTER_POLICY

SYSTEM_INSTANCE_TYPE = "m6i.large"
SYSTEM_NODES = (2, 3)  # min/desired, max
SYSTEM_DISK_GIB = 50
ROOT_DEVICE = "/dev/xvda"  # the root volume of the AL2023 EKS AMIs
IMDS_HOP_LIMIT = 1
"""IMDSv2 answers host-network processes only: pods get AWS credentials through IRSA, never the node role."""

VPC_CNI_CONFIGURATION = {"enableNetworkPolicy": "true"}
"""The VPC CNI enforces NetworkPolicies only when its add-on is configured so (the default is off); without
it the serving layer's NetworkPolicies exist on paper only. Key and value (the string "true") as the EKS
user guide gives them (awsdocs/amazon-eks-user-guide latest/ug/networking/cni-network-policy-configure.adoc
@0cc5a760, read 2026-12-01), which also sets the floor: add-on v1.14.0-eksbuild.3 and Kubernetes 1.25.
The add-on's version is left to EKS (its default for the cluster's Kubernetes version). Enforcement runs
in "standard" mode (a new pod is open until its policies are programmed); "strict" mode would deny all
traffic to pods no policy admits, CoreDNS included, so it is left off."""

ACCELERATOR_LABEL = "k8s.amazonaws.com/accelerator"  # the cluster autoscaler's GPU node label on AWS


def _assume_role_policy(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def _child(parent: pulumi.Resource, **options: Any) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **options)


def _node_role(name: str, tags: dict[str, str], parent: pulumi.Resource) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
    """An EC2 node role holding exactly `NODE_POLICIES`."""
    role = aws.iam.Role(
        name,
        assume_role_policy=_assume_role_policy("ec2.amazonaws.com"),
        description=f"EKS nodes of {tags.get(POOL, name)}",
        tags=tags,
        opts=_child(parent),
    )
    attachments = [
        aws.iam.RolePolicyAttachment(f"{name}-{arn.value.rsplit('/', 1)[-1]}", role=role.name, policy_arn=arn.value, opts=_child(parent))
        for arn in NODE_POLICIES
    ]
    return role, attachments


def _launch_template(name: str, disk_gib: int, tags: dict[str, str], parent: pulumi.Resource, reserved: bool = False) -> aws.ec2.LaunchTemplate:
    """Node settings EKS managed node groups do not expose: IMDSv2 only, an encrypted gp3 root volume,
    tags on the instances and their volumes. No key pair: nodes are reached through SSM, never SSH."""
    return aws.ec2.LaunchTemplate(
        name,
        description=f"EKS nodes of {tags.get(POOL, name)}",
        metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=IMDS_HOP_LIMIT),
        block_device_mappings=[
            aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name=ROOT_DEVICE,
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(volume_size=disk_gib, volume_type="gp3", encrypted="true", delete_on_termination="true"),
            )
        ],
        capacity_reservation_specification=(
            aws.ec2.LaunchTemplateCapacityReservationSpecificationArgs(capacity_reservation_preference="open") if reserved else None
        ),
        tag_specifications=[aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=tags) for kind in ("instance", "volume", "network-interface")],
        update_default_version=True,
        tags=tags,
        opts=_child(parent),
    )



class EksCluster(pulumi.ComponentResource):
    """`hangar:aws:Cluster`: the EKS control plane, its identity plumbing and a small system node group.

    The API endpoint is private; it is public only when `network.public_api_endpoint` is set, and then
    only to `network.authorized_cidrs` and the deployer's public addresses. The declared deployer's
    `source_cidrs` are admitted on 443 by the cluster security group, and its role and the admin roles
    get access entries with cluster-admin (`hangar.components.aws_access`). Secrets are envelope-encrypted
    with a KMS key of the cluster's own; api, audit and authenticator logs go to a log group kept
    `LOG_RETENTION_DAYS`. Access is managed with EKS access entries (authentication mode API); with no
    deployer role declared, the identity that creates the cluster is made cluster admin. An OIDC provider enables IRSA, first used by the VPC CNI add-on. A system node
    group of `SYSTEM_INSTANCE_TYPE` nodes runs cluster services so GPU nodes hold only GPU work.

    Outputs: `cluster_name`, `oidc_provider_arn`, `oidc_issuer`, `kubeconfig` (uses `aws eks get-token`).
    `node_prerequisites` are the resources a node group must wait for; `api_access` those Kubernetes
    objects must wait for (the deployer's way in and its access entry).
    """

    def __init__(self, name: str, cluster: AwsCluster, environment: Environment, *, network: AwsNetwork, opts: pulumi.ResourceOptions | None = None):
        super().__init__("hangar:aws:Cluster", name, None, opts)
        tags = {**environment_labels(environment), CLUSTER: cluster.name}
        eks_name = eks_cluster_name(environment, cluster)
        endpoint, deployer = cluster.network, environment.deployer

        role = aws.iam.Role(
            f"{name}-cluster",
            assume_role_policy=_assume_role_policy("eks.amazonaws.com"),
            description=f"EKS control plane of {eks_name}",
            tags=tags,
            opts=_child(self),
        )
        role_policy = aws.iam.RolePolicyAttachment(f"{name}-cluster-policy", role=role.name, policy_arn=CLUSTER_POLICY.value, opts=_child(self))
        key = aws.kms.Key(
            f"{name}-secrets",
            description=f"Envelope encryption of Kubernetes secrets in {eks_name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            tags=tags,
            opts=_child(self),
        )
        logs = aws.cloudwatch.LogGroup(
            f"{name}-control-plane", name=f"/aws/eks/{eks_name}/cluster", retention_in_days=LOG_RETENTION_DAYS, tags=tags, opts=_child(self)
        )
        self.eks = aws.eks.Cluster(
            name,
            name=eks_name,
            version=cluster.kubernetes_version,
            role_arn=role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=network.private_subnet_ids,
                endpoint_private_access=True,
                endpoint_public_access=endpoint.public_api_endpoint,
                public_access_cidrs=endpoint_public_cidrs(endpoint, deployer),
            ),
            # A declared deployer role gets its own access entry below, so the creator's implicit one is not made
            # (it would be the same principal: a duplicate entry fails). The flag only counts at creation and
            # changing it replaces the cluster (terraform-provider-aws marks it ForceNew), so an existing
            # cluster keeps what it was created with.
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API", bootstrap_cluster_creator_admin_permissions=not (deployer and deployer.eks_role_arn)
            ),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=key.arn), resources=["secrets"]),
            enabled_cluster_log_types=list(CONTROL_PLANE_LOGS),
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),  # no silent extended-support charges
            tags=tags,
            opts=_child(self, depends_on=[role_policy, logs], ignore_changes=["accessConfig.bootstrapClusterCreatorAdminPermissions"]),
        )
        self.cluster_name = self.eks.name
        ingress = deployer_ingress(name, deployer, self.eks.vpc_config.cluster_security_group_id, tags, self)
        admins = cluster_admins(name, deployer, self.eks.name, tags, self)
        deployer_entry = admins[:1] if deployer and deployer.eks_role_arn else []  # cluster_admins returns the deployer's first
        self.api_access: list[pulumi.Resource] = [*ingress, *deployer_entry]
        self.oidc_issuer = self.eks.identities.apply(lambda identities: identities[0].oidcs[0].issuer)
        oidc = aws.iam.OpenIdConnectProvider(f"{name}-oidc", url=self.oidc_issuer, client_id_lists=["sts.amazonaws.com"], tags=tags, opts=_child(self))
        self.oidc_provider_arn = oidc.arn

        cni = self._irsa_addon(
            f"{name}-vpc-cni",
            "vpc-cni",
            "aws-node",
            CNI_POLICY,
            f"IRSA role of the VPC CNI (aws-node) in {eks_name}",
            oidc.arn,
            tags,
            configuration=VPC_CNI_CONFIGURATION,
        )
        self.node_prerequisites: list[pulumi.Resource] = [cni]

        system_tags = {**tags, POOL: SYSTEM_POOL}
        system_role, system_policies = _node_role(f"{name}-{SYSTEM_POOL}", system_tags, self)
        template = _launch_template(f"{name}-{SYSTEM_POOL}", SYSTEM_DISK_GIB, system_tags, self)
        system_nodes = aws.eks.NodeGroup(
            f"{name}-{SYSTEM_POOL}",
            cluster_name=self.eks.name,
            node_role_arn=system_role.arn,
            subnet_ids=network.private_subnet_ids,
            instance_types=[SYSTEM_INSTANCE_TYPE],
            ami_type=SYSTEM_AMI_TYPE,
            capacity_type="ON_DEMAND",
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(min_size=SYSTEM_NODES[0], desired_size=SYSTEM_NODES[0], max_size=SYSTEM_NODES[1]),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(id=template.id, version=template.latest_version.apply(str)),
            labels={POOL: SYSTEM_POOL, ENVIRONMENT: environment.name},
            tags=system_tags,
            opts=_child(self, depends_on=[*system_policies, cni], ignore_changes=["scalingConfig.desiredSize"]),
        )
        # Model-weight caches are EBS volumes: the EBS CSI driver (an EKS add-on with its own IRSA
        # role) provisions them; it runs pods, so it follows the system nodes.
        self._irsa_addon(
            f"{name}-ebs-csi",
            "aws-ebs-csi-driver",
            "ebs-csi-controller-sa",
            EBS_CSI_POLICY,
            f"IRSA role of the EBS CSI driver in {eks_name}",
            oidc.arn,
            tags,
            after=[system_nodes],
        )
        self.kubeconfig = kubeconfig(self.eks, cluster.region)
        self.register_outputs({"cluster_name": self.cluster_name, "oidc_provider_arn": self.oidc_provider_arn, "kubeconfig": self.kubeconfig})

    def _irsa_addon(
        self,
        name: str,
        addon: str,
        service_account: str,
        policy: aws.iam.ManagedPolicy,
        description: str,
        oidc_provider_arn: pulumi.Input[str],
        tags: dict[str, str],
        after: Sequence[pulumi.Resource] = (),
        configuration: dict[str, Any] | None = None,
    ) -> aws.eks.Addon:
        """An EKS add-on whose service account in kube-system gets its own IRSA role with one managed policy.

        `configuration` becomes the add-on's configuration values (a JSON object the add-on's schema accepts)."""
        role = aws.iam.Role(
            name,
            assume_role_policy=irsa_trust_policy(oidc_provider_arn, self.oidc_issuer, "kube-system", service_account),
            description=description,
            tags=tags,
            opts=_child(self),
        )
        attachment = aws.iam.RolePolicyAttachment(name, role=role.name, policy_arn=policy.value, opts=_child(self))
        return aws.eks.Addon(
            name,
            cluster_name=self.eks.name,
            addon_name=addon,
            service_account_role_arn=role.arn,
            configuration_values=json.dumps(configuration) if configuration else None,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="PRESERVE",
            tags=tags,
            opts=_child(self, depends_on=[attachment, *after]),
        )


def eks_cluster_name(environment: Environment, cluster: AwsCluster) -> str:
    """The EKS cluster's name: fixed (not auto-named) so its log group can be created before it."""
    return f"{environment.name}-{cluster.name}"


class EksGpuNodePool(pulumi.ComponentResource):
    """`hangar:aws:GpuNodePool`: an EKS managed node group of one GPU instance type.

    Nodes run the EKS accelerated AMI (`GPU_AMI_TYPE`), carry the taint `nvidia.com/gpu=present:NoSchedule`
    (plus the pool's own taints) and the labels `hangar.dev/pool`, `hangar.dev/gpu` and
    `k8s.amazonaws.com/accelerator` (plus the pool's own labels). Capacity: on-demand → ON_DEMAND,
    spot → SPOT; reserved → ON_DEMAND instances that use open capacity reservations (ODCRs) in their
    zone, tagged `hangar.dev/capacity: reserved` — EKS has no "reserved" capacity type (its
    CAPACITY_BLOCK type is for EC2 Capacity Blocks, which Hangar does not manage). The node group's
    desired size is left to the cluster autoscaler (`hangar.components.aws_autoscaler`) after creation. Each pool has its own node role.
    """

    def __init__(
        self,
        name: str,
        pool: GpuNodePool,
        instance: InstanceType,
        *,
        cluster: EksCluster,
        subnet_ids: pulumi.Input[Sequence[str]],
        environment: Environment,
        cluster_spec: AwsCluster,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("hangar:aws:GpuNodePool", name, None, opts)
        tags = {**environment_labels(environment), CLUSTER: cluster_spec.name, POOL: pool.name}
        if pool.capacity == "reserved":
            tags[CAPACITY] = "reserved"
        gpu = instance.gpu
        self.labels = {**pool.labels, POOL: pool.name, GPU: gpu, ACCELERATOR_LABEL: f"nvidia-{gpu.lower()}", ENVIRONMENT: environment.name}
        self.taints = [GPU_TAINT] + [
            {"key": t.key, "value": t.value, "effect": t.effect} for t in pool.taints if (t.key, t.effect) != (GPU_TAINT["key"], GPU_TAINT["effect"])
        ]
        role, policies = _node_role(name, tags, self)
        template = _launch_template(name, pool.disk_gib, tags, self, reserved=pool.capacity == "reserved")
        self.node_group = aws.eks.NodeGroup(
            name,
            cluster_name=cluster.cluster_name,
            node_role_arn=role.arn,
            subnet_ids=subnet_ids,
            instance_types=[instance.instance_type],
            ami_type=GPU_AMI_TYPE,
            capacity_type=CAPACITY_TYPES[pool.capacity],
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(min_size=pool.min_nodes, max_size=pool.max_nodes, desired_size=pool.initial_nodes),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            node_repair_config=aws.eks.NodeGroupNodeRepairConfigArgs(enabled=True),  # replaces nodes whose GPUs fail health checks
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(id=template.id, version=template.latest_version.apply(str)),
            labels=self.labels,
            taints=[aws.eks.NodeGroupTaintArgs(key=t["key"], value=t["value"] or None, effect=TAINT_EFFECTS[t["effect"]]) for t in self.taints],
            tags=tags,
            opts=_child(self, depends_on=[*policies, *cluster.node_prerequisites], ignore_changes=["scalingConfig.desiredSize"]),
        )
        self.register_outputs({"node_group_name": self.node_group.node_group_name, "instance_type": instance.instance_type, "labels": self.labels})


class AwsGpuCluster(pulumi.ComponentResource):
    """`hangar:aws:GpuCluster`: network, EKS cluster and GPU node pools of one `AwsCluster`.

    Each pool runs on `hangar.hardware.pool_instance`: an explicit `instance_type`, or the cheapest
    catalog instance with `gpus_per_node` of `gpu` (the spec has already rejected a GPU AWS lacks).
    Exposes `pools` (how to place a pod on each pool) and
    `kube_provider` (a Kubernetes provider for the cluster).
    """

    pools: dict[str, PoolPlacement]
    kube_provider: k8s.Provider

    def __init__(self, name: str, cluster: AwsCluster, environment: Environment, opts: pulumi.ResourceOptions | None = None):
        catalog = load_catalog(environment.catalog_overrides)
        check_autoscaler_version(cluster, environment)  # a Kubernetes minor without a node autoscaler stops here, before any resource
        super().__init__("hangar:aws:GpuCluster", name, None, opts)
        tags = {**environment_labels(environment), CLUSTER: cluster.name}
        self.aws_provider = aws.Provider(name, region=cluster.region, opts=_child(self))
        children = _child(self, providers={"aws": self.aws_provider})
        self.network = AwsNetwork(
            name,
            cluster.network,
            zones=cluster.zones or None,
            region=cluster.region,
            cluster_name=eks_cluster_name(environment, cluster),
            ha_nat=environment.tier == "prod",
            tags=tags,
            # KEDA queries Amazon Managed Prometheus at aps-workspaces.<region>.amazonaws.com (hangar.components.metrics_amp).
            extra_endpoints=("aps-workspaces",) if cluster.metrics.resolved("aws") == "amp" else (),
            opts=children,
        )
        self.cluster = EksCluster(name, cluster, environment, network=self.network, opts=children)
        self.node_pools: dict[str, EksGpuNodePool] = {}
        self.pools = {}
        scaled = [ScaledGroup(SYSTEM_POOL, None, SYSTEM_NODES[0], SYSTEM_NODES[1])]
        for pool in cluster.node_pools:
            instance = pool_instance(catalog, "aws", pool)
            subnet_ids = self._pool_subnets(pool, cluster)
            node_pool = EksGpuNodePool(
                f"{name}-{pool.name}",
                pool,
                instance,
                cluster=self.cluster,
                subnet_ids=subnet_ids,
                environment=environment,
                cluster_spec=cluster,
                opts=children,
            )
            self.node_pools[pool.name] = node_pool
            scaled.append(
                ScaledGroup(pool.name, node_pool.node_group, pool.min_nodes, pool.max_nodes, labels=node_pool.labels, taints=tuple(node_pool.taints), gpus=instance.gpu_count)
            )
            self.pools[pool.name] = PoolPlacement(
                pool=pool.name,
                node_selector={POOL: pool.name},
                tolerations=tuple(toleration(taint) for taint in node_pool.taints),
                accelerator_resource=GPU_RESOURCE,
                accelerators_per_node=instance.gpu_count,
            )
        # Without egress every image Hangar installs comes from the declared mirror (the spec requires one); EKS's own
        # add-ons come from EKS's ECR registries through the VPC's ecr.api / ecr.dkr / S3 endpoints (AwsNetwork).
        self.image_registry: str | None = cluster.registry_mirror
        # Kubernetes objects wait for the deployer's way in (security-group rule, access entry).
        self.kube_provider = k8s.Provider(f"{name}-k8s", kubeconfig=self.cluster.kubeconfig, opts=_child(self, depends_on=self.cluster.api_access))
        # The accelerated AMI has the driver, not the device plugin: without it no GPU is schedulable.
        self.device_plugin = (
            NvidiaDevicePlugin(
                f"{name}-device-plugin", self.pools, provider=self.kube_provider, image_registry=self.image_registry, cluster_spec=cluster, opts=_child(self)
            )
            if self.pools
            else None
        )
        # Nodes follow replicas: the Cluster Autoscaler resizes every node group within its min/max size.
        self.autoscaler = ClusterAutoscaler(
            f"{name}-autoscaler",
            cluster_name=eks_cluster_name(environment, cluster),
            region=cluster.region,
            kubernetes_version=cluster.kubernetes_version,
            groups=scaled,
            trust_policy=irsa_trust_policy(self.cluster.oidc_provider_arn, self.cluster.oidc_issuer, AUTOSCALER_NAMESPACE, AUTOSCALER_SERVICE_ACCOUNT),
            provider=self.kube_provider,
            tags=tags,
            image_registry=self.image_registry,
            cluster_spec=cluster,
            opts=children,
        )
        # A deployment with `weights.source: shared` reads its weights from one EFS file system reachable from every zone.
        self.shared_weights: SharedVolume | None = None
        if any(d.weights.source == "shared" and environment.cluster_of(d).name == cluster.name for d in environment.deployments):
            subnets = list(cluster.network.existing_subnet_ids) if cluster.network.existing_network_id else list(self.network.subnets_by_zone.values())
            store = EfsWeightStore(
                f"{name}-weights",
                vpc_id=self.network.vpc_id,
                subnet_ids=subnets,
                node_security_group_id=self.cluster.eks.vpc_config.cluster_security_group_id,
                kube_provider=self.kube_provider,
                tags=tags,
                image_registry=self.image_registry,
                cluster_spec=cluster,
                opts=children,
            )
            self.shared_weights = store.volume
        # EKS has no default StorageClass since 1.30: weight-cache claims would stay Pending without one.
        k8s.storage.v1.StorageClass(
            f"{name}-gp3",
            metadata={"name": "gp3", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}, "labels": tags},
            provisioner="ebs.csi.aws.com",
            parameters={"type": "gp3", "encrypted": "true"},
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
            reclaim_policy="Delete",
            opts=_child(self, provider=self.kube_provider),
        )
        self.register_outputs({"cluster_name": self.cluster.cluster_name, "kubeconfig": self.cluster.kubeconfig, "pools": sorted(self.pools)})

    def _pool_subnets(self, pool: GpuNodePool, cluster: AwsCluster) -> pulumi.Input[Sequence[str]]:
        """The private subnets of the pool's zones (all of them when it names none, or in an existing network)."""
        if cluster.network.existing_network_id:
            if pool.zones:
                pulumi.log.warn(f"pool {pool.name!r}: zones are ignored in an existing network; its nodes use all of existing_subnet_ids", self)
            return self.network.private_subnet_ids
        if not pool.zones:
            return self.network.private_subnet_ids
        return pulumi.Output.all(*[self.network.subnets_by_zone[zone] for zone in pool.zones])
