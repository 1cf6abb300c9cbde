"""Where a cluster's model-server metrics go, so that its autoscalers can read them: the `metrics` of a cluster.

The pipelines (the component is `hangar.components.metrics.MetricsPipeline`):

* `in-cluster` — Hangar installs a pinned kube-prometheus-stack (Prometheus Operator and one
  Prometheus) into `monitoring`; every model server gets a `PodMonitor`. The default everywhere
  but GKE; an air-gapped on-prem cluster installs it from its `chart_repository`, images from its
  `registry_mirror`.
* `gke-managed` — GKE's Managed Service for Prometheus (managed collection, which Hangar's GKE
  clusters enable): a `PodMonitoring` per server, collectors in `gmp-system`, and KEDA queries the
  project's Prometheus-compatible API with Google credentials (Workload Identity). The GKE default.
* `amp` — Amazon Managed Service for Prometheus (EKS only): a workspace, its AWS managed scraper
  (agentless, in two subnets of its own) selecting the model servers' pods and port, the alerts as
  the workspace's rule groups, and KEDA querying the workspace with SigV4 through its IRSA role.
* `azure-monitor` — Azure Monitor managed service for Prometheus (AKS only): an Azure Monitor workspace,
  the data collection endpoint, rule and association, the cluster's metrics add-on reading an
  `azmonitoring.coreos.com/v1` PodMonitor per server, the alerts as the workspace's Prometheus rule
  groups, and KEDA querying the workspace with Microsoft Entra workload identity. Needs egress.
* `existing` — a Prometheus the team already runs: its query `url`, the `scraper_namespace` (and
  `scraper_pod_labels`) its scraping pods run with, the scrape object its Prometheus reads, and
  optionally a KEDA TriggerAuthentication (`authentication`) in the serving namespace.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Literal

from pydantic import Field, model_validator

from hangar.spec.base import LabelKey, LabelValue, Name, SpecModel, problem, raise_problems

MetricsPipelineKind = Literal["in-cluster", "gke-managed", "amp", "azure-monitor", "existing"]
ScrapeObject = Literal["pod-monitor", "pod-monitoring", "none"]


PIPELINES_BY_PROVIDER: dict[str, tuple[str, ...]] = {
    "aws": ("in-cluster", "amp", "existing"),
    "gcp": ("gke-managed", "in-cluster", "existing"),
    "azure": ("in-cluster", "azure-monitor", "existing"),
    "onprem": ("in-cluster", "existing"),
}
"""The pipelines each target can run: a cloud's managed Prometheus only on that cloud's clusters."""
AMP_MAX_ZONES = 6
"""The amp scraper's two subnets take the last two blocks of the VPC's NAT-subnet range (hangar.components.metrics_amp)."""
MANAGED_PIPELINE_NAMES = {
    "gke-managed": "GKE Managed Service for Prometheus",
    "amp": "Amazon Managed Service for Prometheus",
    "azure-monitor": "Azure Monitor managed service for Prometheus",
}
SCRAPER_CIDRS_TAG = "hangar.dev/scraper-cidrs"
"""The tag on an AMP scraper whose subnets the plan does not create (an existing VPC): their ranges joined by `SCRAPER_CIDRS_SEPARATOR`,
which the readiness rule reads when no planned subnet gives them. "Generally allowed characters are letters, numbers, spaces
representable in UTF-8, and the following characters: + - = . _ : / @" (docs.aws.amazon.com/batch/latest/userguide/tag-restrictions.html,
read 2026-12-01), but some services refuse spaces in values (AWS Backup's Tag API), hence `_`."""
SCRAPER_CIDRS_SEPARATOR = "_"
SIGNED_BY_KEDA = {"amp": "SigV4", "azure-monitor": "Microsoft Entra workload identity"}
"""How KEDA authenticates to a managed pipeline's query endpoint: a prometheus-adapter (replica_autoscaler hpa) cannot."""


def default_pipeline(provider: str) -> MetricsPipelineKind:
    """The pipeline a cluster gets when its `metrics.pipeline` is not given: GKE's managed Prometheus on GKE, else in-cluster."""
    return "gke-managed" if provider == "gcp" else "in-cluster"


class ScraperSubnet(SpecModel):
    """A subnet of an existing VPC for the amp pipeline's managed scraper: its id, and its range (what NetworkPolicies admit)."""

    id: str = Field(pattern=r"^subnet-[0-9a-f]{8,17}$", description="The subnet's id, e.g. 'subnet-0a1b2c3d4e5f60718'.")
    cidr: ipaddress.IPv4Network = Field(description="The subnet's IPv4 range, exactly as the VPC has it: the model servers' NetworkPolicies admit it.")


class Metrics(SpecModel):
    """The metrics pipeline of a cluster: what scrapes the model servers and where autoscalers query them."""

    pipeline: MetricsPipelineKind | None = Field(
        None,
        description=(
            "'in-cluster' (Hangar installs a pinned kube-prometheus-stack; PodMonitors), 'gke-managed' (GKE Managed Service for "
            "Prometheus; PodMonitorings; GKE only), 'amp' (Amazon Managed Service for Prometheus with its managed scraper; EKS only), "
            "'azure-monitor' (Azure Monitor managed service for Prometheus; AKS only) "
            "or 'existing' (a Prometheus you run: give url and scraper_namespace). "
            "Default: gke-managed on GKE, in-cluster elsewhere."
        ),
    )
    url: str | None = Field(
        None, pattern=r"^https?://[^\s/]+(/\S*)?$", description="existing only: the Prometheus query URL KEDA reads (without /api/v1), e.g. 'http://prometheus.obs.svc:9090'."
    )
    scraper_namespace: Name | None = Field(None, description="existing only: the namespace of the pods that scrape the model servers (admitted by their NetworkPolicy).")
    scraper_pod_labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, description="existing only: labels of the scraping pods; empty admits every pod of scraper_namespace."
    )
    scrape_object: ScrapeObject = Field(
        "pod-monitor",
        description="existing only: what your Prometheus reads: 'pod-monitor' (Prometheus Operator), 'pod-monitoring' (GMP) or 'none' (you configure scraping).",
    )
    scrape_object_labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, description="existing only: labels your Prometheus's podMonitorSelector needs on each scrape object."
    )
    authentication: Name | None = Field(
        None, description="existing only: a KEDA TriggerAuthentication in the serving namespace that the ScaledObjects use to query url."
    )
    scraper_subnets: list[ScraperSubnet] = Field(
        default_factory=list,
        description=(
            "amp in an existing VPC (network.existing_network_id) only: two or more subnets of that VPC, in at least two availability "
            "zones, where the managed scraper's network interfaces go. Give subnets that hold nothing else (no nodes, no pods): the "
            "model servers' NetworkPolicies admit their whole ranges. In a VPC Hangar creates, Hangar cuts the scraper's two subnets itself."
        ),
    )
    alert_destination: str | None = Field(
        None,
        description=(
            "amp and azure-monitor only: where the workspace's serving alerts are sent — an Amazon SNS topic ARN of the same account (amp; "
            "its access policy must let aps.amazonaws.com publish) or an Azure Monitor action group resource id (azure-monitor). "
            "Without it the alerts are evaluated and shown by the cloud, but notify nobody."
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> Metrics:
        problems = []
        if self.pipeline == "existing":
            for key in ("url", "scraper_namespace"):
                if getattr(self, key) is None:
                    problems.append(problem(key, "the existing pipeline needs it: where KEDA queries, and which pods scrape", None))
        else:
            given = {key: getattr(self, key) for key in ("url", "scraper_namespace", "authentication") if getattr(self, key) is not None}
            given |= {key: getattr(self, key) for key in ("scraper_pod_labels", "scrape_object_labels") if getattr(self, key)}
            if self.scrape_object != "pod-monitor":
                given["scrape_object"] = self.scrape_object
            problems += [
                problem(key, f"only with pipeline existing; pipeline {self.pipeline or 'default'} decides it", value) for key, value in given.items()
            ]
        raise_problems(problems)
        return self

    def resolved(self, provider: str) -> MetricsPipelineKind:
        """The pipeline of a cluster of this provider (aws, gcp, azure, onprem)."""
        return self.pipeline or default_pipeline(provider)


def pipeline_target_problems(cluster: Any) -> list[dict[str, Any]]:
    """A pipeline the cluster's target cannot run, and what a managed pipeline needs of the cluster (keys relative to the cluster)."""
    provider, pipeline = getattr(cluster, "provider", ""), cluster.metrics.pipeline
    allowed = PIPELINES_BY_PROVIDER.get(provider, ())
    if pipeline is not None and pipeline not in allowed:
        where = {"aws": "EKS", "gcp": "GKE", "azure": "AKS", "onprem": "on-prem"}.get(provider, provider)
        return [problem("metrics.pipeline", f"{MANAGED_PIPELINE_NAMES.get(pipeline, pipeline)} is not available on {where} clusters; use {' or '.join(allowed)}", pipeline)]
    problems = _alert_destination_problems(pipeline, cluster.metrics.alert_destination)
    if pipeline in SIGNED_BY_KEDA and cluster.replica_autoscaler == "hpa":
        problems.append(
            problem(
                "replica_autoscaler",
                f"the {pipeline} pipeline is queried with {SIGNED_BY_KEDA[pipeline]}, which KEDA signs and a prometheus-adapter does not: use keda or keda-existing",
                "hpa",
            )
        )
    if pipeline == "azure-monitor" and cluster.network.egress == "none":
        problems.append(
            problem(
                "network.egress",
                "metrics.pipeline azure-monitor needs egress: its ama-metrics pods send to a data collection endpoint and KEDA queries the workspace over the internet; "
                "without egress that needs an Azure Monitor Private Link Scope, which Hangar does not create: with egress none use metrics.pipeline "
                "in-cluster (installed from the cluster's private registry) or existing",
                "none",
            )
        )
    network = getattr(cluster, "network", None)  # on-prem clusters have none
    existing_vpc = network.existing_network_id if network is not None else None
    subnets = cluster.metrics.scraper_subnets
    if subnets and (pipeline != "amp" or not existing_vpc):
        problems.append(
            problem(
                "metrics.scraper_subnets",
                "only with pipeline amp in an existing VPC (network.existing_network_id); in a VPC Hangar creates, Hangar cuts the scraper's subnets itself",
                [str(s.cidr) for s in subnets],
            )
        )
    if pipeline != "amp":
        return problems
    if existing_vpc:
        problems += _scraper_subnet_problems(subnets)
    elif len(cluster.zones) == 1 or len(cluster.zones) > AMP_MAX_ZONES:
        problems.append(
            problem(
                "zones",
                f"the amp pipeline's managed scraper needs subnets in at least two availability zones, and its two subnets fit beside at most "
                f"{AMP_MAX_ZONES} zones' NAT subnets: list 2 to {AMP_MAX_ZONES} zones",
                list(cluster.zones),
            )
        )
    return problems


def _scraper_subnet_problems(subnets: list[ScraperSubnet]) -> list[dict[str, Any]]:
    """An amp scraper in an existing VPC needs two or more distinct subnets that do not overlap."""
    if len(subnets) < 2:
        return [
            problem(
                "metrics.scraper_subnets",
                "the amp pipeline's managed scraper in an existing VPC needs two or more subnets of it, in at least two availability zones, "
                "holding nothing else (the model servers' NetworkPolicies admit their ranges): list them with their id and cidr",
                [{"id": s.id, "cidr": str(s.cidr)} for s in subnets],
            )
        ]
    problems = []
    for index, subnet in enumerate(subnets):
        for other in subnets[:index]:
            if subnet.id == other.id or subnet.cidr.overlaps(other.cidr):
                problems.append(problem(f"metrics.scraper_subnets[{index}]", f"repeats or overlaps {other.id} ({other.cidr}): give distinct subnets", subnet.id))
    return problems


SNS_TOPIC_ARN = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$"
ACTION_GROUP_ID = r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/[Mm]icrosoft\.[Ii]nsights/actionGroups/[^/]+$"


def _alert_destination_problems(pipeline: str | None, destination: str | None) -> list[dict[str, Any]]:
    """The alert destination fits the pipeline: an SNS topic ARN for amp, an action group id for azure-monitor, nothing elsewhere."""
    if destination is None:
        return []
    wanted = {"amp": (SNS_TOPIC_ARN, "an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)"),
              "azure-monitor": (ACTION_GROUP_ID, "an action group resource id (/subscriptions/.../resourceGroups/.../providers/Microsoft.Insights/actionGroups/<name>)")}  # fmt: skip
    if pipeline not in wanted:
        return [problem("metrics.alert_destination", "only with pipeline amp (an SNS topic ARN) or azure-monitor (an action group id); other pipelines route alerts themselves", destination)]
    pattern, what = wanted[pipeline]
    return [] if re.fullmatch(pattern, destination) else [problem("metrics.alert_destination", f"the {pipeline} pipeline sends its alerts to {what}", destination)]


def air_gapped_metrics_problems(clusters: list[Any], serving: set[str]) -> list[dict[str, Any]]:
    """An air-gapped cluster that serves models with the in-cluster pipeline must name the chart repository holding it."""
    return [
        problem(
            f"clusters[{index}].chart_repository",
            "an air-gapped cluster installs its in-cluster Prometheus (kube-prometheus-stack) from an internal chart repository: "
            "name it, or use metrics.pipeline existing",
            None,
        )
        for index, cluster in enumerate(clusters)
        if getattr(cluster, "air_gapped", False) and getattr(cluster, "chart_repository", None) is None
        and cluster.name in serving and cluster.metrics.resolved(cluster.provider) == "in-cluster"
    ]  # fmt: skip
