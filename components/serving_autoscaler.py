"""`hangar:serving:Autoscaler`: replicas of a model server, scaled on the engine's own metrics.

Latency classes set the defaults; every field of a deployment's `autoscaling` overrides its row.

| class       | min | metric (vLLM, per replica)                  | target        | up window | down window | polling | capacity            |
|-------------|-----|---------------------------------------------|---------------|-----------|-------------|---------|---------------------|
| realtime    | 1   | requests_waiting (`vllm:num_requests_waiting`) | 1          | 0 s       | 600 s       | 15 s    | on-demand           |
| interactive | 1   | kv_cache_usage (`vllm:kv_cache_usage_perc`)  | 0.7           | 60 s      | 300 s       | 30 s    | on-demand or spot   |
| batch       | 0   | queue_depth (waiting + running requests)      | max_num_seqs  | 120 s     | 1800 s      | 60 s    | spot welcome        |

Why:

* realtime — a request that waits is latency a user sees: vLLM queues only when a replica's batch
  (`--max-num-seqs`) or KV cache is full, so scale as soon as anything waits, fast (no up
  window; double or +2 pods every 30 s) and shrink slowly (10 minutes, one pod per 2 minutes), since
  a new replica takes minutes to load its weights. Never below one replica; on-demand nodes (a
  realtime deployment on a spot pool is warned about).
* interactive — tolerate a short queue; the KV cache is the resource that runs out first under
  long conversations, and at 70 % there is room for the sequences in flight to grow. One minute
  up window so a burst does not buy a GPU node, five minutes down.
* batch — throughput, not latency: scale on the engine's whole queue (one replica per full batch),
  with long windows (two minutes up, half an hour down) so nodes are not churned, and to zero when
  idle (KEDA only: an HPA cannot go below one). Spot capacity is welcome: work is retried.

Rendering, by the cluster's `replica_autoscaler`: with `keda` (KEDA installed by Hangar) or
`keda-existing` (KEDA already in the cluster), a KEDA `ScaledObject` (keda.sh/v1alpha1; schema kept
in `schema/crds/`) with a Prometheus trigger on the engine's metrics (`sum(...)` with
`AverageValue`, so the target is per replica), the class's HPA behaviour, and a fallback replica
count when Prometheus cannot be read. Its `serverAddress` and `authenticationRef` come from the
cluster's metrics pipeline (`hangar.components.metrics`).

The series are those vLLM v0.11.2 and v0.33.0 export (vllm/v1/metrics/loggers.py at each tag,
`PrometheusStatLogger.__init__`, read again at v0.33.0 on 2026-12-02: same names, types and labels):
gauges `vllm:num_requests_running`, `vllm:num_requests_waiting` (at v0.33.0 counting the requests its
scheduler defers, e.g. for a LoRA slot, too: `record` sets it to capacity plus deferred) and
`vllm:kv_cache_usage_perc` (0..1), each labelled `model_name` (the served model name: the Hugging Face
id, which Hangar passes first wherever it passes `--served-model-name`, and vLLM labels with the first
name, vllm/config/model.py `get_served_model_name`) and `engine` (the engine core's index);
the scrape adds `namespace` (and `pod`). A query sums over one deployment's namespace and model, so
two models in one namespace never see each other's load; `tests/test_promql.py` proves each query
with `promtool test rules`. With `hpa` (`engine="hpa"` here) an autoscaling/v2
HorizontalPodAutoscaler on Pods metrics instead, served by a custom-metrics adapter the cluster runs
(such as prometheus-adapter, renaming `vllm:x` to `vllm_x`; its rules: `hangar.components.metrics_adapter`), with the same behaviour. An HPA cannot
go below one replica: a batch deployment keeps one there, and an explicit `min_replicas: 0` is
refused (the spec already refuses it on an `hpa` cluster).

At zero replicas the engine exports no metrics, so nothing in the engine can wake a batch
deployment: the serving step adds the KEDA HTTP add-on's `external-push` trigger, whose interceptor
counts (and holds) the requests that arrive meanwhile (`hangar.components.metrics_activation`). Another
signal (a queue's depth) can be given as `activation_query`, a Prometheus query whose value > 0 means
work waits.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from hangar.spec import ModelDeployment

HPA_MAX_WINDOW = 3600
"""HPA stabilisation windows are at most an hour; longer batch scale-down waits become KEDA's cooldown."""


@dataclasses.dataclass(frozen=True)
class ClassDefaults:
    min_replicas: int
    metric: str
    scale_up_window: int
    scale_down_window: int
    scale_up: tuple[dict[str, Any], ...]
    scale_down: tuple[dict[str, Any], ...]
    polling_seconds: int


LATENCY_CLASSES: dict[str, ClassDefaults] = {
    "realtime": ClassDefaults(
        1, "requests_waiting", 0, 600,
        ({"type": "Percent", "value": 100, "periodSeconds": 30}, {"type": "Pods", "value": 2, "periodSeconds": 30}),
        ({"type": "Pods", "value": 1, "periodSeconds": 120},),
        15,
    ),
    "interactive": ClassDefaults(
        1, "kv_cache_usage", 60, 300,
        ({"type": "Percent", "value": 100, "periodSeconds": 60},),
        ({"type": "Pods", "value": 1, "periodSeconds": 120},),
        30,
    ),
    "batch": ClassDefaults(
        0, "queue_depth", 120, 1800,
        ({"type": "Percent", "value": 100, "periodSeconds": 120},),
        ({"type": "Percent", "value": 50, "periodSeconds": 300},),
        60,
    ),
}  # fmt: skip

SERIES: dict[str, tuple[str, ...]] = {
    "requests_waiting": ("vllm:num_requests_waiting",),
    "requests_running": ("vllm:num_requests_running",),
    "kv_cache_usage": ("vllm:kv_cache_usage_perc",),
    "queue_depth": ("vllm:num_requests_waiting", "vllm:num_requests_running"),
}
"""vLLM (v1 engine) series per spec metric; queue_depth is the sum of two. Each is named exactly, never by a
`__name__` regex: GKE Managed Prometheus supports only exact metric-name matches
(cloud.google.com/stackdriver/docs/managed-prometheus/promql-differences, "Matching metric names", read 2026-12-01)."""


def default_target(metric: str, deployment: ModelDeployment) -> float:
    """Per-replica target of a metric when the spec gives none: one engine's, times the replica's `data_parallel` engines,
    each of which exports its own series (label `engine`; vllm/v1/metrics/loggers.py `PrometheusStatLogger`, a gauge per
    engine index, in the wheels of v0.11.2 and v0.33.0 read 2026-12-02), which the query sums."""
    engines = deployment.data_parallel
    if metric == "requests_waiting":
        return (1.0 if deployment.latency_class == "realtime" else 4.0) * engines
    if metric == "requests_running":
        return max(1.0, math.floor(deployment.max_concurrent_sequences * 0.75)) * engines
    if metric == "kv_cache_usage":
        return 0.7 * engines
    return float(deployment.max_concurrent_sequences * engines)


@dataclasses.dataclass(frozen=True)
class ScalingPolicy:
    """A deployment's scaling, its latency class's defaults overridden by its `autoscaling`."""

    latency_class: str
    min_replicas: int
    max_replicas: int
    metric: str
    target: float
    scale_up_window: int
    scale_down_window: int
    scale_up: tuple[dict[str, Any], ...]
    scale_down: tuple[dict[str, Any], ...]
    polling_seconds: int

    @property
    def scales_to_zero(self) -> bool:
        return self.min_replicas == 0

    def behavior(self) -> dict[str, Any]:
        """autoscaling/v2 HorizontalPodAutoscalerBehavior."""
        return {
            "scaleUp": {"stabilizationWindowSeconds": min(self.scale_up_window, HPA_MAX_WINDOW), "selectPolicy": "Max", "policies": [dict(p) for p in self.scale_up]},
            "scaleDown": {"stabilizationWindowSeconds": min(self.scale_down_window, HPA_MAX_WINDOW), "selectPolicy": "Min", "policies": [dict(p) for p in self.scale_down]},
        }


def scaling_policy(deployment: ModelDeployment, *, scale_to_zero: bool = True) -> ScalingPolicy:
    """The scaling policy of a deployment (the spec has already refused scale to zero outside batch).

    Without `scale_to_zero` (an HPA) the class's default minimum is at least one replica.
    """
    defaults = LATENCY_CLASSES[deployment.latency_class]
    given = deployment.autoscaling
    metric = given.metric or defaults.metric
    minimum = (defaults.min_replicas if scale_to_zero else max(defaults.min_replicas, 1)) if given.min_replicas is None else given.min_replicas
    return ScalingPolicy(
        latency_class=deployment.latency_class,
        min_replicas=min(minimum, given.max_replicas),
        max_replicas=given.max_replicas,
        metric=metric,
        target=given.target if given.target is not None else default_target(metric, deployment),
        scale_up_window=defaults.scale_up_window if given.scale_up_stabilization_seconds is None else given.scale_up_stabilization_seconds,
        scale_down_window=defaults.scale_down_window if given.scale_down_stabilization_seconds is None else given.scale_down_stabilization_seconds,
        scale_up=defaults.scale_up,
        scale_down=defaults.scale_down,
        polling_seconds=defaults.polling_seconds,
    )


def model_selector(namespace: str, model: str) -> str:
    """The label matchers of one deployment's series: its namespace (added by the scrape) and vLLM's served model name."""
    return f'namespace="{namespace}",model_name="{model}"'


def prometheus_query(policy: ScalingPolicy, namespace: str, model: str) -> str:
    """`sum()` of the policy's series over the deployment's pods (by namespace and served model name)."""
    selector = model_selector(namespace, model)
    return " + ".join(f"sum({series}{{{selector}}})" for series in SERIES[policy.metric])


def _number(value: float) -> str:
    return f"{value:g}"


class Autoscaler(pulumi.ComponentResource):
    """`hangar:serving:Autoscaler`: a KEDA ScaledObject (default) or an HPA for one model server workload.

    `target` is the workload's `{apiVersion, kind, name}`; `namespace` its namespace name.
    `trigger_metadata` is added to every prometheus trigger's metadata (the pipeline's, e.g. `awsRegion` for SigV4).
    `initial_cooldown_seconds` keeps a new workload from being scaled to zero while it loads; `extra_triggers`
    are added to a ScaledObject's (the HTTP add-on's `external-push` trigger that wakes it from zero).
    Outputs: `kind` (ScaledObject or HorizontalPodAutoscaler), `min_replicas`, `max_replicas`.
    """

    def __init__(
        self,
        name: str,
        deployment: ModelDeployment,
        *,
        target: dict[str, str],
        namespace: str,
        labels: dict[str, str],
        annotations: dict[str, str],
        engine: str = "keda",
        prometheus_url: pulumi.Input[str] | None = None,
        authentication: str | None = None,
        trigger_metadata: dict[str, str] | None = None,
        activation_query: str | None = None,
        extra_triggers: Sequence[dict[str, Any]] = (),
        initial_cooldown_seconds: int = 0,
        depends_on: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ):
        if engine not in ("keda", "hpa"):
            raise ValueError(f"autoscaler engine must be 'keda' or 'hpa'; got {engine!r}")
        if engine == "keda" and prometheus_url is None:
            raise ValueError(f"deployment {deployment.name!r}: a KEDA ScaledObject needs the metrics pipeline's query URL (prometheus_url)")
        policy = scaling_policy(deployment, scale_to_zero=engine == "keda")
        if engine == "hpa" and policy.scales_to_zero:
            raise ValueError(f"deployment {deployment.name!r}: scale to zero needs KEDA; a HorizontalPodAutoscaler keeps at least one replica")
        super().__init__("hangar:serving:Autoscaler", name, None, opts)
        self.policy = policy
        metadata = {"name": target["name"], "namespace": namespace, "labels": labels, "annotations": annotations}
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
        if engine == "keda":
            self.kind = "ScaledObject"
            self.resource = k8s.apiextensions.CustomResource(
                name,
                api_version="keda.sh/v1alpha1",
                kind="ScaledObject",
                metadata=metadata,
                spec=self._scaled_object(
                    deployment, target, namespace, prometheus_url, authentication, activation_query, initial_cooldown_seconds, extra_triggers, trigger_metadata or {}
                ),
                opts=child,
            )
        else:
            self.kind = "HorizontalPodAutoscaler"
            self.resource = k8s.autoscaling.v2.HorizontalPodAutoscaler(
                name, metadata=metadata, spec=self._hpa(target), opts=child
            )
        self.register_outputs({"kind": self.kind, "min_replicas": policy.min_replicas, "max_replicas": policy.max_replicas})

    def _scaled_object(
        self, deployment: ModelDeployment, target: dict[str, str], namespace: str, url: pulumi.Input[str], authentication: str | None,
        activation_query: str | None, initial_cooldown: int, extra_triggers: Sequence[dict[str, Any]] = (), more: dict[str, str] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        policy = self.policy
        auth = {"authenticationRef": {"name": authentication, "kind": "TriggerAuthentication"}} if authentication else {}
        triggers = [
            {
                "type": "prometheus",
                "name": policy.metric.replace("_", "-"),
                "metricType": "AverageValue",
                "metadata": {
                    "serverAddress": url,
                    "query": prometheus_query(policy, namespace, deployment.model),
                    "threshold": _number(policy.target),
                    "activationThreshold": "0",
                    **(more or {}),
                },
                **auth,
            }
        ]
        if activation_query:
            triggers.append(
                {"type": "prometheus", "name": "activation", "metricType": "AverageValue",
                 "metadata": {"serverAddress": url, "query": activation_query, "threshold": _number(policy.target), "activationThreshold": "0", **(more or {})}, **auth}
            )  # fmt: skip
        triggers += [dict(trigger) for trigger in extra_triggers]
        spec: dict[str, Any] = {
            "scaleTargetRef": dict(target),
            "minReplicaCount": policy.min_replicas,
            "maxReplicaCount": policy.max_replicas,
            "pollingInterval": policy.polling_seconds,
            "fallback": {"failureThreshold": 3, "replicas": max(policy.min_replicas, 1)},
            "advanced": {
                "restoreToOriginalReplicaCount": False,
                "horizontalPodAutoscalerConfig": {"name": target["name"], "behavior": policy.behavior()},
            },
            "triggers": triggers,
        }
        if policy.scales_to_zero:
            spec["cooldownPeriod"] = max(policy.scale_down_window, 300)
            spec["initialCooldownPeriod"] = initial_cooldown
        return spec

    def _hpa(self, target: dict[str, str]) -> dict[str, Any]:
        policy = self.policy
        names = [series.replace(":", "_") for series in SERIES[policy.metric]]
        metrics = [
            {"type": "Pods", "pods": {"metric": {"name": metric}, "target": {"type": "AverageValue", "averageValue": _number(policy.target)}}}
            for metric in names
        ]
        return {
            "scaleTargetRef": dict(target),
            "minReplicas": policy.min_replicas,
            "maxReplicas": policy.max_replicas,
            "metrics": metrics,
            "behavior": policy.behavior(),
        }
