"""The serving step of an environment: checks before anything exists, then per cluster its namespace,
operators, and a `ModelServer` + `Autoscaler` per deployment.

`check_serving` runs before the environment registers anything: replica shapes, secrets the config
must hold, prompt templates. A problem is one line naming the stack-config key, so a bad config
stops with every problem listed and no resource registered.

Per cluster that serves models (`build_serving`), a `hangar:serving:ClusterAddons` holding:

* the serving namespace, named after the environment: created here on cloud clusters (with the
  Pod Security `restricted` level enforced, unless a deployment keeps its weights on the node's
  disk, which needs a hostPath: then `restricted` is only warned and audited); on-prem it is the
  namespace the target already created (with its GPU quota and default-deny policy);
* the cluster's metrics pipeline (`hangar.components.metrics.MetricsPipeline`: a pinned
  kube-prometheus-stack, GKE Managed Prometheus, or the team's own Prometheus), which scrapes every
  model server through its scrape object and which the autoscalers query;
* the operators the deployments need, as pinned Helm releases into their own namespaces: KEDA
  (`KEDA_CHART`, `hangar.keda.KEDA_VERSION`; the spec refuses a Kubernetes version it does not support) for the autoscalers when the cluster's `replica_autoscaler` is `keda` (not with
  `keda-existing`, where the cluster already runs it, nor with `hpa`, where HorizontalPodAutoscalers
  scale the servers), LeaderWorkerSet (`LWS_CHART`) when a replica spans hosts. Their CRD schemas,
  at those versions, are kept in `schema/crds/`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from hangar.components.helm import PinnedChart, chart_release
from hangar.components.labels import environment_labels
from hangar.components.metrics import MetricsPipeline
from hangar.components.metrics_activation import HTTP_ADD_ON_IMAGES, INTERCEPTOR, HttpActivation
from hangar.components.serving import (
    API_KEY_KEY,
    CONFIG,
    HF_TOKEN_KEY,
    ModelServer,
    selector_labels,
    workload_kind,
)
from hangar.components.serving_autoscaler import Autoscaler, scaling_policy
from hangar.components.serving_pod import PORT, PORT_NAME, cache_size_gib, startup_seconds
from hangar.components.serving_weights import SharedWeightsVolume
from pulumi.runtime.config import get_config_secret_keys_env, is_config_secret

from hangar.catalog import CatalogLookupError, load_catalog
from hangar.installed_charts import LWS_VERSION
from hangar.keda import HTTP_ADD_ON_VERSION, KEDA_VERSION
from hangar.prompts import PromptBundle, PromptTemplateError, load_prompt_templates
from hangar.replica import ReplicaShape, ReplicaShapeError, replica_shape
from hangar.spec import SYSTEM_POOL, Environment, ModelDeployment

KEDA_CHART = PinnedChart(
    "keda", "https://kedacore.github.io/charts", KEDA_VERSION, "keda",
    f"kedacore/charts keda/Chart.yaml at commit cbb9bb8ce0809dc9048f72302f7c09765d66ed56 (version and appVersion {KEDA_VERSION})",
)  # fmt: skip
HTTP_ADD_ON_CHART = PinnedChart(
    "keda-add-ons-http", "https://kedacore.github.io/charts", HTTP_ADD_ON_VERSION, "keda",
    f"kedacore/charts http-add-on/Chart.yaml at commit c4b92e9eed0ddc6668b1395d5f137e3ad4baa3d4 (version and appVersion {HTTP_ADD_ON_VERSION})",
)  # fmt: skip
"""The KEDA HTTP add-on, installed beside KEDA when a deployment scales to zero: its interceptor wakes it (hangar.components.metrics_activation)."""
LWS_CHART = PinnedChart("lws", "oci://registry.k8s.io/lws/charts", LWS_VERSION, "lws-system", f"kubernetes-sigs/lws charts/lws, release v{LWS_VERSION} (first with volumeClaimTemplates)")


def autoscaler_engine(cluster: Any) -> str:
    """The `Autoscaler` engine of a cluster's `replica_autoscaler`: a KEDA ScaledObject whoever installed KEDA, or an HPA."""
    return "hpa" if cluster.replica_autoscaler == "hpa" else "keda"


class ServingConfigError(ValueError):
    """Deployments that cannot be served as configured; one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclasses.dataclass(frozen=True)
class PreparedDeployment:
    """A deployment with everything checked before registration: its shape and its prompt templates."""

    deployment: ModelDeployment
    shape: ReplicaShape
    prompts: PromptBundle | None


def check_serving(environment: Environment, base: Path | None = None) -> dict[str, PreparedDeployment]:
    """Shape every deployment and check what it needs from the stack config; raise `ServingConfigError` listing every problem.

    Prompt template directories are relative to `base` (the program's directory, where Pulumi runs).
    """
    base = base or Path.cwd()
    catalog = load_catalog(environment.catalog_overrides)
    config = pulumi.Config(CONFIG)
    problems: list[str] = []
    prepared: dict[str, PreparedDeployment] = {}
    for index, deployment in enumerate(environment.deployments):
        here = f"hangar:environment.deployments[{index}]"
        try:
            shape = replica_shape(environment, deployment, catalog)
        except ReplicaShapeError as error:
            problems.append(f"{here}.{error.field}: {error}; got {error.given!r}")
            continue
        prompts = None
        if deployment.prompt_templates_dir is not None:
            directory = deployment.prompt_templates_dir if deployment.prompt_templates_dir.is_absolute() else base / deployment.prompt_templates_dir
            try:
                prompts = load_prompt_templates(directory)
            except PromptTemplateError as error:
                problems += [f"{here}.prompt_templates_dir: {line}" for line in error.problems]
        if deployment.exposure.auth == "api-key" and config.get_secret(API_KEY_KEY) is None:
            problems.append(
                f"{here}.exposure.auth: api-key needs the API key in the secret stack config key {CONFIG}:{API_KEY_KEY} "
                f"(pulumi config set --secret {API_KEY_KEY} ...); it is not set"
            )
        prepared[deployment.name] = PreparedDeployment(deployment, shape, prompts)
    problems += plaintext_credentials()
    if problems:
        raise ServingConfigError(problems)
    return prepared


def plaintext_credentials() -> list[str]:
    """Credential keys set in plain text in the stack file, refused as a plaintext kubeconfig is (the value never printed)."""
    problems = []
    for key in (HF_TOKEN_KEY, API_KEY_KEY):
        full = f"{CONFIG}:{key}"
        if pulumi.Config(CONFIG).get(key) is not None and not (is_config_secret(full) or full in get_config_secret_keys_env()):
            problems.append(
                f"{full}: holds a credential in plain text (value hidden); remove it from the stack file and set it as a secret "
                f"with `pulumi config set --secret {key} <value>`"
            )
    return problems


def build_serving(parent: pulumi.Resource, environment: Environment, clusters: dict[str, Any], prepared: dict[str, PreparedDeployment]) -> dict[str, ModelServer]:
    """Namespaces, operators, model servers and autoscalers of every deployment whose cluster is built."""
    from hangar.components.routing import route_names, server_peers  # routing builds on serving: imported here, not at the top
    from hangar.components.routing_failover import failover_pod_labels

    config = pulumi.Config(CONFIG)
    hf_token = config.get_secret(HF_TOKEN_KEY)
    api_key = config.get_secret(API_KEY_KEY)
    servers: dict[str, ModelServer] = {}
    for cluster_name, cluster_component in clusters.items():
        cluster = next(c for c in environment.clusters if c.name == cluster_name)
        here = [p for p in prepared.values() if environment.cluster_of(p.deployment).name == cluster_name]
        if not here:
            continue
        addons = ClusterAddons(
            cluster_name, cluster, environment, cluster_component, here, opts=pulumi.ResourceOptions(parent=parent, providers={"kubernetes": cluster_component.kube_provider})
        )
        namespace, ready, operators, metrics = addons.namespace, addons.ready, addons.operators, addons.metrics
        weights_ready = _shared_weights(cluster_name, environment, cluster_component, here, namespace, ready, addons)
        for item in here:
            deployment, shape = item.deployment, item.shape
            _warnings(environment, item, hf_token is not None, parent)
            placement = cluster_component.pools[deployment.pool]
            if (placement.accelerator_resource, placement.accelerators_per_node) != (shape.accelerator_resource, shape.accelerators_per_node):
                raise ValueError(
                    f"deployment {deployment.name!r}: pool {deployment.pool!r} places {placement.accelerators_per_node} x {placement.accelerator_resource} "
                    f"per node but the catalog says {shape.accelerators_per_node} x {shape.accelerator_resource}"
                )
            engine = autoscaler_engine(cluster)
            wakes_from_zero = scaling_policy(deployment, scale_to_zero=engine == "keda").scales_to_zero
            server = ModelServer(
                deployment.name,
                deployment,
                environment,
                shape=shape,
                placement=placement,
                cloud=cluster.provider,
                namespace=namespace,
                hf_token=hf_token,
                api_key=api_key if deployment.exposure.auth == "api-key" else None,
                prompts=item.prompts,
                runtime_class=None if shape.is_amd else getattr(cluster_component, "runtime_class", None),  # k3s's `nvidia` class
                registry_mirror=getattr(cluster_component, "image_registry", None),
                peers=[*metrics.scraper.peers(), *([INTERCEPTOR.peer()] if wakes_from_zero else []), *server_peers(environment, deployment)],
                aliases=route_names(environment, deployment.name),
                pod_labels=failover_pod_labels(environment, deployment.name),
                weights_ready=weights_ready,
                depends_on=[*ready, *operators],
                opts=pulumi.ResourceOptions(parent=parent, providers={"kubernetes": cluster_component.kube_provider}),
            )
            scrape_selector = selector_labels(deployment) | ({"hangar.dev/role": "leader"} if shape.multi_host else {})
            metrics.scrape(
                deployment.name, namespace=namespace, labels=server.labels, annotations=server.annotations,
                selector=scrape_selector, port=PORT_NAME, depends_on=list(ready),
            )  # fmt: skip
            metrics.alerts(
                deployment, namespace=namespace, labels=server.labels, annotations=server.annotations,
                workload=server.target, accelerator_resource=shape.accelerator_resource, depends_on=list(ready),
            )  # fmt: skip
            activation = None
            if wakes_from_zero:
                activation = HttpActivation(
                    deployment.name, deployment, namespace=namespace, labels=server.labels, annotations=server.annotations, port=PORT,
                    startup_seconds=startup_seconds(shape), depends_on=[*ready, *operators],
                    opts=pulumi.ResourceOptions(parent=parent, providers={"kubernetes": cluster_component.kube_provider}),
                )  # fmt: skip
            Autoscaler(
                deployment.name,
                deployment,
                target=server.target,
                namespace=namespace,
                labels=server.labels,
                annotations=server.annotations,
                engine=engine,
                prometheus_url=metrics.query_url,
                authentication=metrics.authentication,
                trigger_metadata=metrics.trigger_metadata,
                extra_triggers=[activation.trigger] if activation else [],
                initial_cooldown_seconds=startup_seconds(shape),
                # KEDA asks the add-on's scaler for the route's metric spec when it reconciles: the route first.
                depends_on=[server.workload, *operators, *addons.authentication, *([activation.route] if activation else [])],
                opts=pulumi.ResourceOptions(parent=parent, providers={"kubernetes": cluster_component.kube_provider}),
            )
            servers[deployment.name] = server
    return servers


def _shared_weights(cluster_name: str, environment: Environment, component: Any, here: list[PreparedDeployment], namespace: str,
                    ready: list[pulumi.Resource], parent: pulumi.Resource) -> list[pulumi.Resource]:  # fmt: skip
    """The shared weight store's volume and claim in the serving namespace, when a deployment here reads its weights from it."""
    shared = [p for p in here if p.deployment.weights.source == "shared"]
    volume = getattr(component, "shared_weights", None)
    if not shared:
        return []
    if volume is None:  # the spec refuses `shared` on a target that builds no store
        raise ValueError(f"cluster {cluster_name!r} has deployments with weights.source shared but its target built no shared store")
    store = SharedWeightsVolume(
        f"{cluster_name}-shared",
        volume,
        namespace=namespace,
        labels=environment_labels(environment),
        capacity_gib=sum(cache_size_gib(p.deployment, p.shape) for p in shared),
        depends_on=ready,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return store.ready


class ClusterAddons(pulumi.ComponentResource):
    """`hangar:serving:ClusterAddons`: what the serving layer adds to a cluster before its model servers.

    The serving namespace (cloud clusters; on-prem it is the target's environment namespace), the
    metrics pipeline, and the operators the deployments need (KEDA, unless the cluster already runs
    it or scales with HPAs; LeaderWorkerSet for replicas that span hosts), as pinned Helm releases.
    Exposes `namespace` (its name), `ready` (what must exist before objects go into it), `metrics`
    (the `MetricsPipeline`), `operators` (the releases whose CRDs the servers' objects need) and
    `authentication` (the pipeline's TriggerAuthentication the ScaledObjects reference, if any).
    """

    def __init__(self, name: str, cluster: Any, environment: Environment, component: Any, here: list[PreparedDeployment],
                 opts: pulumi.ResourceOptions | None = None):  # fmt: skip
        super().__init__("hangar:serving:ClusterAddons", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.namespace, self.ready = _namespace(name, cluster.provider, environment, component, here, child)
        self.metrics = MetricsPipeline(name, cluster, environment, component, opts=child, namespace=self.namespace)
        self.operators = _operators(cluster, environment, here, child, keda_values=self.metrics.keda_values, mirror=getattr(component, "image_registry", None))
        authentication = self.metrics.trigger_authentication(self.namespace, environment_labels(environment), depends_on=[*self.ready, *self.operators])
        self.authentication = [authentication] if authentication is not None else []
        self.metrics.dashboard(self.namespace, environment_labels(environment))
        if cluster.replica_autoscaler == "hpa":
            self.metrics.adapter_rules(self.namespace, environment_labels(environment), depends_on=list(self.ready))
        self.register_outputs({"namespace": self.namespace, "operators": [r.name for r in self.operators]})


def _namespace(cluster_name: str, provider: str, environment: Environment, component: Any, here: list[PreparedDeployment],
               kube: pulumi.ResourceOptions) -> tuple[str, list[pulumi.Resource]]:  # fmt: skip
    """The serving namespace's name and what must exist before objects go into it."""
    if provider == "onprem":
        return environment.name, [component]
    node_local = any(p.deployment.weight_cache == "node-local" for p in here)
    security = {"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/audit": "restricted"}
    if not node_local:
        security["pod-security.kubernetes.io/enforce"] = "restricted"
    namespace = k8s.core.v1.Namespace(
        f"{cluster_name}-serving",
        metadata={"name": environment.name, "labels": {**environment_labels(environment), **security}},
        opts=kube,
    )
    return environment.name, [namespace]


LWS_IMAGE = "lws/lws"
"""The LWS controller image's path under registry.k8s.io, where a mirror keeps it too."""
KEDA_IMAGES = {"keda": "kedacore/keda", "metricsApiServer": "kedacore/keda-metrics-apiserver", "webhooks": "kedacore/keda-admission-webhooks"}
"""The KEDA chart's images (`image.<component>.registry` / `.repository`, upstream registry ghcr.io)."""


def _operators(cluster: Any, environment: Environment, here: list[PreparedDeployment], kube: pulumi.ResourceOptions,
               keda_values: dict[str, Any] | None = None, mirror: pulumi.Input[str] | None = None) -> list[pulumi.Resource]:  # fmt: skip
    """KEDA when the cluster's `replica_autoscaler` is `keda`; LeaderWorkerSet when a replica spans hosts.

    On an on-prem cluster with a `chart_repository` the charts come from it. With an image registry
    (`mirror`: an on-prem `registry_mirror`, an air-gapped AKS cluster's private registry) the
    operators' images come from it under their upstream paths: KEDA's `image.<part>.registry`, LWS's
    `image.manager.repository` (charts/lws/values.yaml at v0.8.0, kubernetes-sigs/lws commit fc19b9ae:
    `registry.k8s.io/lws/lws`). `keda_values` are what the metrics pipeline needs of KEDA (its
    Workload Identity on GKE Managed Prometheus).
    """
    charts = []
    if cluster.replica_autoscaler == "keda":
        values: dict[str, Any] = {"resources": {"operator": {"requests": {"cpu": "100m", "memory": "128Mi"}}}, **(keda_values or {})}
        if mirror is not None:
            values["image"] = {part: {"registry": mirror, "repository": repository} for part, repository in KEDA_IMAGES.items()}
        charts.append((KEDA_CHART, values))
    if cluster.replica_autoscaler == "keda" and any(scaling_policy(p.deployment).scales_to_zero for p in here):
        system = {"nodeSelector": {"hangar.dev/pool": SYSTEM_POOL}} if cluster.provider != "onprem" else {}
        add_on: dict[str, Any] = {part: dict(system) for part in ("operator", "scaler", "interceptor")} if system else {}
        if mirror:
            add_on["images"] = {part: f"{mirror}/{repository}" for part, repository in HTTP_ADD_ON_IMAGES.items()}
        charts.append((HTTP_ADD_ON_CHART, add_on))
    if any(workload_kind(p.deployment, p.shape)[1] == "LeaderWorkerSet" for p in here):
        charts.append((LWS_CHART, {"image": {"manager": {"repository": pulumi.Output.concat(mirror, "/", LWS_IMAGE)}}} if mirror is not None else {}))
    releases = []
    for chart, values in charts:
        if cluster.provider != "onprem":  # cluster services run on the system pool, never on accelerator nodes
            values = {**values, "nodeSelector": {"hangar.dev/pool": SYSTEM_POOL}}
        # The HTTP add-on's chart holds a KEDA ScaledObject (its interceptor's): KEDA's CRDs first.
        opts = pulumi.ResourceOptions.merge(kube, pulumi.ResourceOptions(depends_on=releases[:1])) if chart is HTTP_ADD_ON_CHART else kube
        releases.append(chart_release(f"{cluster.name}-{chart.name}", chart, values, cluster=cluster, environment=environment.name, opts=opts))
    return releases


def _warnings(environment: Environment, item: PreparedDeployment, has_token: bool, parent: pulumi.Resource) -> None:
    deployment, shape = item.deployment, item.shape
    cluster = environment.cluster_of(deployment)
    pool = next((p for p in [*cluster.node_pools, *getattr(cluster, "tpu_slices", [])] if p.name == deployment.pool), None)
    where = f"deployment {deployment.name!r}"
    if shape.auto_note:
        pulumi.log.warn(f"{where}: {shape.auto_note}", parent)
    if deployment.latency_class == "realtime" and pool is not None and pool.capacity == "spot":
        pulumi.log.warn(f"{where}: realtime serving on spot pool {pool.name!r}: a reclaimed node drops live requests; use on-demand capacity", parent)
    if not has_token and deployment.weights.source != "volume" and _gated(environment, deployment.model):
        pulumi.log.warn(
            f"{where}: {deployment.model} is gated on Hugging Face and no token is set: "
            f"pulumi config set --secret {HF_TOKEN_KEY} hf_... (the {'staging Job' if deployment.weights.source == 'shared' else 'server'} cannot download the weights without it)",
            parent,
        )
    if deployment.exposure.auth == "oidc":
        pulumi.log.warn(f"{where}: exposure.auth oidc must be enforced by a gateway in front of the Service; Hangar does not deploy one", parent)
    if deployment.autoscaling.min_replicas == 0 and cluster.replica_autoscaler != "hpa":
        namespace = environment.name
        pulumi.log.warn(
            f"{where}: scales to zero; only requests sent through http://{deployment.name}-proxy.{namespace}:8080 (the KEDA HTTP add-on's "
            "interceptor, which holds them while a replica starts) wake it; calls to its own Service find no replica at zero",
            parent,
        )
        if cluster.replica_autoscaler == "keda-existing":
            pulumi.log.warn(
                f"{where}: the cluster's own KEDA (keda-existing) must run the KEDA HTTP add-on {HTTP_ADD_ON_CHART.version} in namespace keda "
                "for it to wake from zero; Hangar installs neither",
                parent,
            )
    if cluster.replica_autoscaler == "hpa" and deployment.latency_class == "batch" and deployment.autoscaling.min_replicas is None:
        pulumi.log.warn(
            f"{where}: batch keeps one replica on cluster {cluster.name!r}: its replica_autoscaler is hpa, and scale to zero needs KEDA "
            "(keda or keda-existing)",
            parent,
        )
    # A model whose published format the catalog knows is checked in the spec (hangar.precision); this is the name-only guess.
    if deployment.precision in ("awq", "gptq") and deployment.precision not in deployment.model.lower():
        pulumi.log.warn(
            f"{where}: precision {deployment.precision} serves a checkpoint quantised ahead of time, and {deployment.model} "
            f"is not named as one (e.g. {deployment.model}-{deployment.precision.upper()}); vLLM refuses a 16-bit checkpoint with --quantization {deployment.precision}",
            parent,
        )
    if shape.multi_host and shape.is_tpu:
        pulumi.log.warn(f"{where}: vLLM on a multi-host TPU slice (one replica across {shape.pods} hosts, Ray) is experimental", parent)


def _gated(environment: Environment, hf_id: str) -> bool:
    catalog = load_catalog(environment.catalog_overrides)
    try:
        model = catalog.model(hf_id)
        return bool(catalog.licence(model.licence_id).gated)
    except CatalogLookupError:  # an unknown model or licence: the licence policy reports it
        return False
