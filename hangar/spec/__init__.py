"""The typed stack config: one `Environment` per Pulumi stack, validated before any resource exists.

Everything a user writes under `hangar:environment` in `stacks/Pulumi.<env>.yaml` is described
here. Models are frozen and forbid unknown keys; cross-field rules (min <= max, a deployment
names a pool that exists, scale to zero only for batch, ...) live beside the fields they join,
and rules that need hardware facts consult `hangar.catalog`. One module per part of the config:
`base`, `clusters`, `onprem`, `serving`, `deployer`, `environment`.
"""

from hangar.spec.base import (
    DNS_LABEL,
    SYSTEM_POOL,
    Capacity,
    LabelKey,
    LabelValue,
    LatencyClass,
    Name,
    Precision,
    ScalingMetric,
    SpecModel,
    Tier,
    TpuGeneration,
    problem,
    raise_problems,
    unique_by_name,
)
from hangar.spec.clusters import (
    AwsCluster,
    AzureCluster,
    CloudCluster,
    ClusterBase,
    GcpCluster,
    GpuNodePool,
    Network,
    ReplicaAutoscaler,
    Taint,
    TpuSlice,
)
from hangar.spec.deployer import Deployer, DeployerKind, deployer_problems
from hangar.spec.environment import (
    Budget,
    Cluster,
    Environment,
    LicenceContext,
    stack_file_schema,
)
from hangar.spec.metrics import Metrics, MetricsPipelineKind, ScrapeObject, default_pipeline
from hangar.spec.onprem import (
    PUBLIC_REGISTRIES,
    GpuStack,
    OnPremCluster,
    OnPremGpuNodes,
    public_registry,
)
from hangar.spec.serving import Autoscaling, Caching, Exposure, ModelDeployment, Weights

__all__ = [
    "DNS_LABEL", "SYSTEM_POOL", "Capacity", "LabelKey", "LabelValue", "LatencyClass", "Name", "Precision", "ScalingMetric",
    "SpecModel", "Tier", "TpuGeneration", "problem", "raise_problems", "unique_by_name",
    "AwsCluster", "AzureCluster", "ClusterBase", "CloudCluster", "GcpCluster", "GpuNodePool", "Network", "ReplicaAutoscaler", "Taint", "TpuSlice",
    "Deployer", "DeployerKind", "deployer_problems",
    "Budget", "Cluster", "Environment", "LicenceContext", "stack_file_schema",
    "PUBLIC_REGISTRIES", "GpuStack", "OnPremCluster", "OnPremGpuNodes", "public_registry",
    "Autoscaling", "Caching", "Exposure", "ModelDeployment", "Weights",
    "Metrics", "MetricsPipelineKind", "ScrapeObject", "default_pipeline",
]
