"""The environment a stack deploys: its budget and licence context, its clusters and deployments, and the stack-file schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import Field, field_validator, model_validator

from hangar.hardware import hardware_problems
from hangar.installed_charts import installed_chart_problems
from hangar.kubernetes_support import kubernetes_version_problems
from hangar.pool_capacity import shared_pool_problems
from hangar.precision import precision_problems
from hangar.replica import replica_problems
from hangar.spec.adapters import adapter_problems
from hangar.spec.base import (
    LabelValue,
    Name,
    SpecModel,
    TagKey,
    Tier,
    problem,
    raise_problems,
    unique_by_name,
)
from hangar.spec.clusters import AwsCluster, AzureCluster, ClusterBase, GcpCluster
from hangar.spec.deployer import Deployer, deployer_problems
from hangar.spec.engine_hardware import engine_hardware_problems
from hangar.spec.engine_models import engine_model_problems
from hangar.spec.metrics import air_gapped_metrics_problems
from hangar.spec.onprem import OnPremCluster
from hangar.spec.routing import Gateway, Route, routing_problems
from hangar.spec.serving import ModelDeployment, serving_problems


class Budget(SpecModel):
    """What the environment may cost per 30-day month, judged at every pool's maximum size."""

    monthly_ceiling_usd: float = Field(gt=0, description="Worst-case monthly cost ceiling in US dollars.")
    max_spot_share: float = Field(1.0, ge=0, le=1, description="Largest share of the worst-case cost that may run on spot capacity.")


class LicenceContext(SpecModel):
    """How the models will be used, so that licence terms can be judged against it."""

    commercial_use: bool = Field(True, description="The service is part of a commercial offering (internal business use counts).")
    monthly_active_users: int = Field(0, ge=0, description="Expected monthly active users of the product (licence MAU caps).")
    monthly_revenue_usd: float | None = Field(
        None,
        ge=0,
        description="Monthly revenue of the product in US dollars, if it is to be judged (licences that oblige a display past a revenue, "
        "or end past a licensee revenue).",
    )
    hosted_service: bool = Field(True, description="The model is offered to others as a hosted service or API.")
    eu_established: bool = Field(False, description="The operator is domiciled in the EU (some multimodal licences exclude it).")
    accepted_terms: list[str] = Field(
        default_factory=list, description="Gated models (Hugging Face ids) whose licence terms the organisation has accepted."
    )


Cluster = Annotated[Union[AwsCluster, GcpCluster, AzureCluster, OnPremCluster], Field(discriminator="provider")]



class Environment(SpecModel):
    """One deployable environment (a Pulumi stack): its clusters, its models, its budget and licence context."""

    name: Name
    tier: Tier = Field(description="dev, staging or prod; prod makes policies mandatory.")
    owner: LabelValue = Field(min_length=1, description="Team or person accountable; a label on every resource, so a Kubernetes label value.")
    cost_centre: LabelValue = Field(min_length=1, description="Cost centre; a label on every resource, so a Kubernetes label value.")
    tags: dict[TagKey, LabelValue] = Field(default_factory=dict, description="Extra tags/labels for every resource.")
    budget: Budget
    licence: LicenceContext = Field(default_factory=LicenceContext)
    catalog_overrides: Path | None = Field(None, description="Directory of catalog CSVs that add or replace rows (your prices, models).")
    clusters: list[Cluster] = Field(min_length=1, description="Clusters of this environment.")
    deployments: list[ModelDeployment] = Field(default_factory=list, description="Models served.")
    deployer: Deployer | None = Field(
        None, description="Where `pulumi up` runs and how it reaches every API server of this environment (see hangar/spec/deployer.py)."
    )
    gateway: Gateway | None = Field(None, description="One inference gateway in front of the routes (hangar/spec/routing.py); none by default.")
    routes: list[Route] = Field(default_factory=list, description="Names clients use and the deployments behind each (needs a gateway).")

    @field_validator("clusters")
    @classmethod
    def _unique_clusters(cls, clusters: list[Any]) -> list[Any]:
        return unique_by_name(clusters, "cluster")

    @field_validator("deployments")
    @classmethod
    def _unique_deployments(cls, deployments: list[ModelDeployment]) -> list[ModelDeployment]:
        return unique_by_name(deployments, "deployment")

    @field_validator("routes")
    @classmethod
    def _unique_routes(cls, routes: list[Route]) -> list[Route]:
        return unique_by_name(routes, "route")

    @model_validator(mode="after")
    def _consistent(self) -> Environment:
        problems = (
            self._deployment_problems() + kubernetes_version_problems(self) + deployer_problems(self.deployer, self.clusters) + serving_problems(self)
            + routing_problems(self) + installed_chart_problems(self) + adapter_problems(self) + engine_model_problems(self)
        )
        if not problems:
            problems = hardware_problems(self)
        if not problems:
            problems = engine_hardware_problems(self)
        if not problems:
            problems = precision_problems(self)
        if not problems:
            problems = replica_problems(self)
        if not problems:
            problems = shared_pool_problems(self)
        raise_problems(problems)
        return self

    def _deployment_problems(self) -> list[dict[str, Any]]:
        problems = self._keda_problems()
        clusters = {cluster.name: cluster for cluster in self.clusters}
        for index, deployment in enumerate(self.deployments):
            here = f"deployments[{index}]"
            if deployment.cluster is None and len(clusters) > 1:
                problems.append(problem(f"{here}.cluster", f"name the cluster, one of {sorted(clusters)}", None))
                continue
            cluster = clusters.get(deployment.cluster) if deployment.cluster else self.clusters[0]
            if cluster is None:
                problems.append(problem(f"{here}.cluster", f"no such cluster; clusters are {sorted(clusters)}", deployment.cluster))
                continue
            if deployment.pool not in cluster.pool_names():
                problems.append(
                    problem(f"{here}.pool", f"no such pool in cluster {cluster.name!r}; pools are {sorted(cluster.pool_names())}", deployment.pool)
                )
            if cluster.replica_autoscaler == "hpa" and deployment.autoscaling.min_replicas == 0:
                problems.append(
                    problem(
                        f"{here}.autoscaling.min_replicas",
                        f"scale to zero needs KEDA, and cluster {cluster.name!r} has replica_autoscaler hpa "
                        "(a HorizontalPodAutoscaler keeps at least one replica): set min_replicas to 1 or use keda or keda-existing",
                        0,
                    )
                )
            if self.tier == "prod" and deployment.exposure.scope == "public" and deployment.exposure.auth == "none":
                problems.append(problem(f"{here}.exposure.auth", "a public endpoint in prod needs auth: api-key or oidc", "none"))
        return problems

    def _keda_problems(self) -> list[dict[str, Any]]:
        """An air-gapped cluster that serves models and has Hangar install KEDA (or its in-cluster Prometheus) must name the chart repository holding it."""
        serving = {deployment.cluster or self.clusters[0].name for deployment in self.deployments}
        return air_gapped_metrics_problems(self.clusters, serving) + [
            problem(
                f"clusters[{index}].chart_repository",
                "an air-gapped cluster installs KEDA (replica_autoscaler keda) for its deployments from an internal chart repository: "
                "name it, or use replica_autoscaler keda-existing or hpa",
                None,
            )
            for index, cluster in enumerate(self.clusters)
            if isinstance(cluster, OnPremCluster) and cluster.air_gapped and cluster.chart_repository is None
            and cluster.replica_autoscaler == "keda" and cluster.name in serving
        ]  # fmt: skip

    def cluster_of(self, deployment: ModelDeployment) -> ClusterBase:
        """The cluster a deployment runs on (validation guarantees it exists)."""
        return next(c for c in self.clusters if c.name == deployment.cluster) if deployment.cluster else self.clusters[0]

    def scales_to_zero(self, deployment: ModelDeployment) -> bool:
        """Whether all of a deployment's replicas may go: min_replicas 0, or unset on a batch deployment that KEDA scales (batch's default minimum is 0)."""
        if deployment.autoscaling.min_replicas is not None:
            return deployment.autoscaling.min_replicas == 0
        return deployment.latency_class == "batch" and self.cluster_of(deployment).replica_autoscaler != "hpa"


def stack_file_schema() -> dict[str, Any]:
    """JSON Schema of a whole `Pulumi.<env>.yaml` stack file, for editors (yaml-language-server)."""
    environment = Environment.model_json_schema()
    definitions = environment.pop("$defs", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Hangar stack file (Pulumi.<env>.yaml)",
        "type": "object",
        "properties": {
            "config": {
                "type": "object",
                "properties": {"hangar:environment": {"$ref": "#/$defs/Environment"}},
                "required": ["hangar:environment"],
                "additionalProperties": True,
            },
            "encryptionsalt": {"type": "string"},
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
        },
        "required": ["config"],
        "$defs": {**definitions, "Environment": environment},
    }

