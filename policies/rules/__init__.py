"""The policy registry and the offline evaluator: the same checks `hangar check` and the pack run.

`POLICIES` lists every policy once — name, scope, default level, config model, check — and both
`evaluate` (offline) and `policies/__main__.py` (the pulumi_policy pack) are built from it, so
the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any, Sequence

from hangar.policies.rules import (
    budget,
    capacity,
    hardware,
    licensing,
    licensing_adapters,
    network,
    network_enforcement,
    readiness_accelerators,
    readiness_control_plane,
    readiness_metrics,
    readiness_room,
    readiness_timeout,
    readiness_zonal,
    routing,
    supported_versions,
)
from hangar.policies.rules.base import (
    AUTOSCALER_METRICS,
    BUDGET,
    CANNOT_JUDGE,
    DEPLOY_TIMEOUT,
    HARDWARE_FIT,
    LICENCE_NOTICES,
    LICENSING,
    NETWORK,
    REACHABLE_CONTROL_PLANE,
    REPLICA_ROOM,
    SCHEDULABLE_ACCELERATORS,
    ZONAL_STORAGE,
    Finding,
    PolicyConfig,
    PolicySpec,
    Violation,
)
from hangar.policies.rules.config import (
    AutoscalerMetricsConfig,
    BudgetConfig,
    CannotJudgeConfig,
    CapacityConfig,
    DeployTimeoutConfig,
    EnforcedNetworkPolicyConfig,
    HardwareFitConfig,
    LicensingConfig,
    NetworkConfig,
    NoticesConfig,
    ReachableControlPlaneConfig,
    ReplicaRoomConfig,
    RoutingConfig,
    SchedulableAcceleratorsConfig,
    SupportedVersionsConfig,
    ZonalStorageConfig,
    validate_pack_config,
)
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.overrides import noting_overrides

from hangar.records import ResourceRecord


def cannot_judge(facts: StackFacts, config: CannotJudgeConfig) -> list[Finding]:
    """Everything the other policies could not judge: fail closed."""
    return (
        licensing.unknown_models(facts, config) + licensing_adapters.unknown(facts, config) + budget.unpriced(facts, config)
        + hardware.unplaceable(facts, config) + hardware.unsized_adapters(facts, config) + hardware.unknown_formats(facts, config)
    )


def licensing_check(facts: StackFacts, config: LicensingConfig) -> list[Finding]:
    """Every model's licence and every LoRA adapter's own (an adapter carries its base model's terms too)."""
    return licensing.check(facts, config) + licensing_adapters.check(facts, config)


def licence_notices(facts: StackFacts, config: NoticesConfig) -> list[Finding]:
    return licensing.notices(facts, config) + licensing_adapters.notices(facts, config)


POLICIES: tuple[PolicySpec, ...] = (
    PolicySpec(BUDGET, "The worst-case monthly cost (every pool at max size) stays under the stack's ceilings.", "stack", "mandatory", BudgetConfig, noting_overrides(budget.check, BUDGET)),
    PolicySpec(LICENSING, "Model licences must allow the stack's tier, declared use and users.", "stack", "mandatory", LicensingConfig, noting_overrides(licensing_check, LICENSING)),
    PolicySpec(LICENCE_NOTICES, "Duties that come with a model's licence: attribution, acceptable use, hosting terms.", "stack", "advisory", NoticesConfig, licence_notices),
    PolicySpec(HARDWARE_FIT, "Each model fits the accelerators of its pool: memory, precision support, tensor parallelism, GPU vs TPU.", "stack", "mandatory", HardwareFitConfig, noting_overrides(hardware.check, HARDWARE_FIT)),
    PolicySpec(NETWORK, "In prod: private endpoints, no public node IPs, internal load balancers; optionally no egress.", "resource", "mandatory", NetworkConfig, network.check),
    PolicySpec(SCHEDULABLE_ACCELERATORS, "Pods requesting GPUs/TPUs land on a pool that offers them: a device plugin or the platform advertises them, taints tolerated, selector matched.", "stack", "mandatory", SchedulableAcceleratorsConfig, readiness_accelerators.check),
    PolicySpec(AUTOSCALER_METRICS, "Every autoscaler on engine metrics has them scraped, a Prometheus where it queries, the scraper admitted, and a wake-up signal at zero.", "stack", "mandatory", AutoscalerMetricsConfig, readiness_metrics.check),
    PolicySpec(REPLICA_ROOM, "An autoscaler's maximum replicas fit the accelerators its pools can grow to (with a node autoscaler where the platform needs one).", "stack", "mandatory", ReplicaRoomConfig, readiness_room.check),
    PolicySpec(DEPLOY_TIMEOUT, "`pulumi up` waits for a workload at least as long as its startupProbe lets it start.", "stack", "mandatory", DeployTimeoutConfig, readiness_timeout.check),
    PolicySpec(REACHABLE_CONTROL_PLANE, "A private API endpoint with Kubernetes objects in the same stack needs a deployer inside the network.", "stack", "mandatory", ReachableControlPlaneConfig, readiness_control_plane.check),
    PolicySpec(ZONAL_STORAGE, "A per-replica ReadWriteOnce weight cache on a pool spanning zones can strand a replica; in prod judged for realtime workloads.", "stack", "advisory", ZonalStorageConfig, readiness_zonal.check),
    PolicySpec(CANNOT_JUDGE, "What cannot be judged (unknown model, licence or price) is refused, not passed.", "stack", "mandatory", CannotJudgeConfig, cannot_judge),
    PolicySpec(
        network_enforcement.ENFORCED_NETWORK_POLICY,
        "NetworkPolicies only in clusters whose network plugin enforces them (EKS VPC CNI enableNetworkPolicy, GKE Dataplane V2, AKS network policy).",
        "stack",
        "mandatory",
        EnforcedNetworkPolicyConfig,
        network_enforcement.check,
    ),
    PolicySpec(
        supported_versions.SUPPORTED_VERSIONS,
        "Each cluster's Kubernetes version is in its cloud's standard support (the catalog's sourced table), and each pinned chart (KEDA, its HTTP add-on, the NVIDIA device plugin, the Cluster Autoscaler, kube-prometheus-stack) supports it.",
        "stack",
        "mandatory",
        SupportedVersionsConfig,
        supported_versions.check,
    ),
    PolicySpec(
        capacity.CAPACITY,
        "A workload's declared peak traffic fits its max replicas and its pool's max nodes within its SLO (ESTIMATE); mandatory in prod.",
        "stack",
        "mandatory",
        CapacityConfig,
        capacity.check,
    ),
    PolicySpec(
        routing.ROUTING,
        "Routes reach what they name: an HTTPRoute's InferencePools exist, each selects a workload's pods on a port they serve and names its picker's Service, "
        "and the picker fits a node of its pool (advisory: smaller than measured for its declared traffic).",
        "stack",
        "mandatory",
        RoutingConfig,
        routing.check,
    ),
)
POLICY_NAMES = tuple(policy.name for policy in POLICIES)
DEFAULT_LEVELS = {policy.name: policy.default_level for policy in POLICIES}
CONFIG_MODELS = {policy.name: policy.config_model for policy in POLICIES}


def load_pack_config(raw: Any, source: str) -> dict[str, PolicyConfig]:
    """Validate a policy config file's content for this pack; ValueError with one line per problem."""
    return validate_pack_config(raw, source, DEFAULT_LEVELS, CONFIG_MODELS)


def run_policy(policy: PolicySpec, records: Sequence[ResourceRecord] | StackFacts, config: PolicyConfig) -> list[Finding]:
    """One policy's findings; a check that raises is itself a finding (fail closed), never a silent pass."""
    facts = records if isinstance(records, StackFacts) else StackFacts(records)
    batches = [StackFacts((record,)) for record in facts.records] if policy.scope == "resource" else [facts]
    findings = []
    for batch in batches:
        try:
            findings += policy.check(batch, config)
        except Exception as error:  # noqa: BLE001 - a failing rule must refuse, not crash or pass
            where = batch.records[0].urn if policy.scope == "resource" and batch.records else ""
            findings.append(Finding(policy.name, where, f"the rule failed, so nothing was judged: {type(error).__name__}: {error}"))
    return [finding for finding in findings if finding.policy == policy.name]


def evaluate(records: Sequence[ResourceRecord], configs: dict[str, PolicyConfig]) -> list[Violation]:
    """Every violation of the stack under these validated configs, sorted, disabled policies left out."""
    facts = StackFacts(records)
    violations = []
    for policy in POLICIES:
        level = configs[policy.name].enforcement_level
        if level == "disabled":
            continue
        violations += [Violation(f.policy, f.urn, f.message, "advisory" if f.advisory else level) for f in run_policy(policy, facts, configs[policy.name])]
    return sorted(violations)
