"""Each policy's config, its JSON schema, and validation of a whole policy-pack config file.

The pulumi_policy SDK passes config through unchecked, and a protocol entry without an
enforcement level means "advisory" — so Hangar validates every entry itself (a wrong type or an
unknown key is an error naming it) and always resolves an explicit level: the entry's own, else
the file's `all`, else the policy's default. A config that only sets a threshold never weakens
a mandatory policy. The Pulumi CLI does the same before it calls `Configure`: its
`ReconcilePolicyPackConfig` starts every policy at the level the pack declares and replaces it
only with a level the config file gives (pulumi/pulumi pkg/resource/analyzer/config.go,
`createConfigWithDefaults` and `applyConfig`, at commit 18817b606ff1, read 2026-12-01); Hangar's
own gRPC client (`hangar.analyzer.PackClient.configure`) refuses an entry without a level.
"""

from __future__ import annotations

from typing import Annotated, Any

from hangar.policies.rules.base import LEVELS, Level, PolicyConfig, Tier
from pydantic import Field, ValidationError, model_validator

from hangar.spec import Environment


class BudgetConfig(PolicyConfig):
    """Ceilings judged against every pool at its maximum size, for a 30-day month.

    A missing ceiling is not a pass (fail closed): the rule reports it unless `ceiling_waiver`
    says, in words every report repeats, why this stack has none.
    """

    monthly_ceiling_usd: float | None = Field(None, gt=0, description="Worst-case monthly cost ceiling in USD.")
    ceiling_waiver: str | None = Field(
        None, min_length=1, description="Why this stack has no monthly ceiling: accepts a missing ceiling, and is listed in every report."
    )
    tier: Tier = Field("dev", description="dev, staging or prod; the stricter of this and the resources' hangar.dev/tier labels wins.")
    max_spot_share: float | None = Field(None, ge=0, le=1, description="Largest share of the worst-case cost on spot capacity.")
    max_pool_monthly_usd: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=dict, description="Ceiling per pool, keyed by instance/machine type or GPU name (e.g. 'p5.48xlarge', 'H100-SXM')."
    )
    catalog_overrides: str | None = Field(None, description="Directory of catalog CSV overrides (negotiated prices, on-prem rates).")

    @model_validator(mode="after")
    def _waiver_only_without_ceiling(self) -> BudgetConfig:
        if self.ceiling_waiver is not None and self.monthly_ceiling_usd is not None:
            raise ValueError("ceilingWaiver waives a missing monthlyCeilingUsd: set one or the other, not both")
        return self


class LicensingConfig(PolicyConfig):
    """How the stack's models will be used, and the organisation's licence lists."""

    tier: Tier = Field("dev", description="dev, staging or prod; the stricter of this and a resource's hangar.dev/tier label wins.")
    commercial_use: bool = Field(True, description="The models serve a commercial offering.")
    monthly_active_users: int = Field(0, ge=0, description="Declared monthly active users (licence MAU caps).")
    monthly_revenue_usd: float | None = Field(
        None, ge=0, description="Declared monthly revenue in US dollars (licences that end past a licensee revenue); unknown when unset."
    )
    eu_established: bool = Field(False, description="The operator is established in the EU.")
    allow_licences: list[str] = Field(default_factory=list, description="If set, only these licence ids may be deployed.")
    deny_licences: list[str] = Field(default_factory=list, description="Licence ids that may never be deployed.")
    accepted_gated_models: list[str] = Field(default_factory=list, description="Gated models whose terms the organisation has accepted.")
    catalog_overrides: str | None = None
    allow_fact_overrides: bool = Field(False, description="In prod, accept catalog overrides that change a packaged licence term (listed in every report).")


class NoticesConfig(PolicyConfig):
    """Reminders of licence duties (attribution, acceptable-use policies, a name to display): advisory by default."""

    monthly_active_users: int = Field(0, ge=0, description="Declared monthly active users (display duties past a user count).")
    monthly_revenue_usd: float | None = Field(None, ge=0, description="Declared monthly revenue in US dollars (display duties past a revenue, licences that end past a licensee revenue); unknown when unset.")
    hosted_service: bool = Field(True, description="The models are offered to others as a hosted service (licences with hosting terms remind of them only then).")
    catalog_overrides: str | None = None


class HardwareFitConfig(PolicyConfig):
    """Models against the accelerators of the pools they are scheduled on."""

    catalog_overrides: str | None = None
    tier: Tier = Field("dev", description="dev, staging or prod; the stricter of this and the resources' hangar.dev/tier labels wins.")
    allow_fact_overrides: bool = Field(False, description="In prod, accept catalog overrides that change a packaged hardware fact (listed in every report).")


class CapacityConfig(PolicyConfig):
    """Declared peak traffic and SLO against the replicas and nodes that can carry them (ESTIMATE); mandatory in prod."""

    tier: Tier = Field("dev", description="dev, staging or prod; the stricter of this and a workload's hangar.dev/tier label wins.")
    catalog_overrides: str | None = None


class NetworkConfig(PolicyConfig):
    """Private placement of clusters, nodes and endpoints; judged in prod."""

    tier: Tier = "dev"
    allow_egress: bool = Field(True, description="False: refuse NAT gateways and internet routes (air-gapped stacks).")


class EnforcedNetworkPolicyConfig(PolicyConfig):
    """NetworkPolicies against the network plugin of their cluster; mandatory in prod, advisory elsewhere."""


class SupportedVersionsConfig(PolicyConfig):
    """Cluster Kubernetes versions against the catalog's support table; mandatory in prod, advisory elsewhere."""

    catalog_overrides: str | None = Field(None, description="Directory of catalog CSV overrides (e.g. kubernetes_versions.csv rows).")


class CannotJudgeConfig(PolicyConfig):
    """What the rules could not judge (an unknown model or price, a workload on no known pool): fail closed."""

    allow_unpriced: list[str] = Field(default_factory=list, description="Resource names or type tokens whose unknown price is accepted.")
    catalog_overrides: str | None = None


class SchedulableAcceleratorsConfig(PolicyConfig):
    """Pods that request accelerators land only on pools that advertise them, tolerate, and select."""

    catalog_overrides: str | None = None


class AutoscalerMetricsConfig(PolicyConfig):
    """Every autoscaler on engine metrics has its metrics scraped, stored where it queries, and a wake-up signal."""

    prometheus_urls: list[str] = Field(
        default_factory=list, description="Prometheus addresses that exist outside this stack (e.g. a shared in-cluster Prometheus)."
    )


class ReplicaRoomConfig(PolicyConfig):
    """The autoscalers' maximum replicas fit the accelerators their pools can grow to."""

    catalog_overrides: str | None = None


class DeployTimeoutConfig(PolicyConfig):
    """`pulumi up` waits at least as long as a workload's probes allow it to start."""


class ReachableControlPlaneConfig(PolicyConfig):
    """A private API server with Kubernetes objects in the same stack needs a deployer inside the network."""

    deployer_reaches_private_endpoints: bool = Field(
        False, description="The stack is applied from where private API endpoints are reachable (the stack config's deployer)."
    )


class RoutingConfig(PolicyConfig):
    """HTTPRoutes reach InferencePools that select pods, pickers exist and fit a node, and are sized as measured for their traffic."""

    catalog_overrides: str | None = None


class ZonalStorageConfig(PolicyConfig):
    """Per-replica ReadWriteOnce weight caches on pools spanning zones; in prod judged for realtime workloads."""

    tier: Tier = "dev"
    realtime_workloads: list[str] = Field(default_factory=list, description="Workload names serving the realtime latency class.")
    catalog_overrides: str | None = None


def validate_pack_config(raw: Any, source: str, defaults: dict[str, Level], models: dict[str, type[PolicyConfig]]) -> dict[str, PolicyConfig]:
    """Every policy's validated config with an explicit enforcement level; ValueError with one line per problem."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValueError(f"{source}: a policy config must be a JSON object of policy name → settings; got {type(raw).__name__}")
    problems = []
    all_level = raw.get("all")
    if all_level is not None and all_level not in LEVELS:
        problems.append(f"{source}: all: must be one of {', '.join(LEVELS)}; got {all_level!r}")
    configs: dict[str, PolicyConfig] = {}
    for key in raw:
        if key != "all" and key not in models:
            problems.append(f"{source}: {key}: unknown policy; policies are {', '.join(models)}")
    for name, model in models.items():
        entry = raw.get(name, {})
        if isinstance(entry, str):
            entry = {"enforcementLevel": entry}
        if not isinstance(entry, dict):
            problems.append(f"{source}: {name}: must be an enforcement level or an object of settings; got {entry!r}")
            continue
        try:
            config = model.model_validate(entry)
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                path = ".".join(str(part) for part in (name, *detail["loc"]))
                given = "" if detail["type"] == "missing" else f"; got {detail['input']!r}"
                message = "unknown setting" if detail["type"] == "extra_forbidden" else detail["msg"]
                problems.append(f"{source}: {path}: {message}{given}")
            continue
        level = config.enforcement_level or all_level or defaults[name]
        configs[name] = config.model_copy(update={"enforcement_level": level})
    if problems:
        raise ValueError("\n".join(problems))
    return configs


def protocol_config(configs: dict[str, PolicyConfig]) -> dict[str, dict[str, Any]]:
    """The config as the CLI sends it in `Configure`: camelCase settings with an explicit `enforcementLevel`."""
    return {name: config.model_dump(by_alias=True, exclude_none=True) for name, config in configs.items()}


def pack_config_for(environment: Environment) -> dict[str, dict[str, Any]]:
    """The policy config file for one environment, from its stack config (`hangar policy-config STACK`).

    Every entry names its enforcement level; what cannot be judged is mandatory in prod and
    advisory elsewhere.
    """
    overrides = {"catalogOverrides": str(environment.catalog_overrides)} if environment.catalog_overrides else {}
    licence = environment.licence
    return {
        "hangar-budget": {
            "enforcementLevel": "mandatory",
            "tier": environment.tier,
            "monthlyCeilingUsd": environment.budget.monthly_ceiling_usd,
            "maxSpotShare": environment.budget.max_spot_share,
            **overrides,
        },
        "hangar-licensing": {
            "enforcementLevel": "mandatory",
            "tier": environment.tier,
            "commercialUse": licence.commercial_use,
            "monthlyActiveUsers": licence.monthly_active_users,
            **({"monthlyRevenueUsd": licence.monthly_revenue_usd} if licence.monthly_revenue_usd is not None else {}),
            "euEstablished": licence.eu_established,
            "acceptedGatedModels": list(licence.accepted_terms),
            **overrides,
        },
        "hangar-licence-notices": {
            "enforcementLevel": "advisory",
            "monthlyActiveUsers": licence.monthly_active_users,
            "hostedService": licence.hosted_service,
            **({"monthlyRevenueUsd": licence.monthly_revenue_usd} if licence.monthly_revenue_usd is not None else {}),
            **overrides,
        },
        "hangar-hardware-fit": {"enforcementLevel": "mandatory", "tier": environment.tier, **overrides},
        "hangar-network-placement": {
            "enforcementLevel": "mandatory",
            "tier": environment.tier,
            "allowEgress": all(getattr(cluster, "network", None) is None or cluster.network.egress != "none" for cluster in environment.clusters),
        },
        "hangar-cannot-judge": {"enforcementLevel": "mandatory" if environment.tier == "prod" else "advisory", **overrides},
        "hangar-enforced-network-policy": {"enforcementLevel": "mandatory" if environment.tier == "prod" else "advisory"},
        "hangar-supported-versions": {"enforcementLevel": "mandatory" if environment.tier == "prod" else "advisory", **overrides},
        "hangar-capacity": {"enforcementLevel": "mandatory" if environment.tier == "prod" else "advisory", "tier": environment.tier, **overrides},
        **readiness_configs(environment),
    }


ADVISORY_OUTSIDE_PROD = frozenset({
    "hangar-cannot-judge", "hangar-enforced-network-policy", "hangar-supported-versions",
    "hangar-schedulable-accelerators", "hangar-autoscaler-metrics", "hangar-replica-room", "hangar-deploy-timeout",
    "hangar-reachable-control-plane", "hangar-zonal-storage", "hangar-capacity", "hangar-routing",
})
"""Policies that `hangar policy-config` makes mandatory in prod and advisory elsewhere, by design: advisory
outside prod is their intended level there, not a weakening (`hangar.policies.rules.weakening`)."""


def readiness_configs(environment: Environment) -> dict[str, dict[str, Any]]:
    """The serving-readiness policies: mandatory in prod, advisory elsewhere (like what cannot be judged)."""
    level = "mandatory" if environment.tier == "prod" else "advisory"
    overrides = {"catalogOverrides": str(environment.catalog_overrides)} if environment.catalog_overrides else {}
    return {
        "hangar-schedulable-accelerators": {"enforcementLevel": level, **overrides},
        "hangar-autoscaler-metrics": {"enforcementLevel": level},
        "hangar-replica-room": {"enforcementLevel": level, **overrides},
        "hangar-deploy-timeout": {"enforcementLevel": level},
        "hangar-reachable-control-plane": {"enforcementLevel": level, "deployerReachesPrivateEndpoints": environment.deployer is not None},
        "hangar-routing": {"enforcementLevel": level, **overrides},
        "hangar-zonal-storage": {
            "enforcementLevel": level,
            "tier": environment.tier,
            "realtimeWorkloads": [d.name for d in environment.deployments if d.latency_class == "realtime"],
            **overrides,
        },
    }
