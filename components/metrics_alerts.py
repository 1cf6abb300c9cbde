"""Alerts for the serving SLOs of one deployment: time to first token, time queued, KV-cache saturation.

Rendered by the metrics pipeline as a `PrometheusRule` (monitoring.coreos.com/v1: the in-cluster
Prometheus, or an existing one that reads PodMonitors) or a `Rules` object (monitoring.googleapis.com/v1:
GKE Managed Prometheus' rule evaluator), named `<deployment>-slos`, one group per deployment.

The thresholds are Hangar's per latency class, chosen as the autoscaling defaults are
(`hangar.components.serving_autoscaler`): an alert means the autoscaler has not kept up, so it waits
longer than the class's scale-up window before it fires. Batch has no latency SLO (throughput is
its goal), so only KV-cache saturation is watched there.

| class       | TTFT p95 over 5 m | queue time p95 over 5 m | for  | severity |
|-------------|-------------------|-------------------------|------|----------|
| realtime    | > 1 s             | > 0.5 s                 | 5 m  | critical |
| interactive | > 2.5 s           | > 2 s                   | 10 m | warning  |
| batch       | —                 | —                       | —    | —        |

KV-cache saturation (every class): the fullest replica's `vllm:kv_cache_usage_perc` > 0.95 for 15 m
— vLLM then preempts running sequences (recomputing them later), and the replicas are at their maximum
or the autoscaler would have added one.

Series (vllm v0.11.2 vllm/v1/metrics/loggers.py, the same names, labels and buckets at v0.33.0, whose bucket lists
moved to vllm/v1/metrics/buckets.py): histograms `vllm:time_to_first_token_seconds` and
`vllm:request_queue_time_seconds` (`_bucket{le=...}` per engine), gauge `vllm:kv_cache_usage_perc`.
The thresholds sit on bucket bounds of those histograms (TTFT 1.0 and 2.5; queue time 0.5 and 2.0),
so `histogram_quantile` does not interpolate across a bound to reach them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hangar.components.serving_autoscaler import model_selector

from hangar.spec import ModelDeployment


@dataclasses.dataclass(frozen=True)
class LatencySlo:
    time_to_first_token_seconds: float
    queue_seconds: float
    for_: str
    severity: str


LATENCY_SLOS: dict[str, LatencySlo] = {
    "realtime": LatencySlo(1.0, 0.5, "5m", "critical"),
    "interactive": LatencySlo(2.5, 2.0, "10m", "warning"),
}
KV_CACHE_SATURATED = 0.95
KV_CACHE_FOR = "15m"


def _p95(histogram: str, selector: str) -> str:
    return f"histogram_quantile(0.95, sum by (le) (rate({histogram}_bucket{{{selector}}}[5m])))"


def slo_rules(deployment: ModelDeployment, namespace: str) -> list[dict[str, Any]]:
    """The rule groups (Prometheus rule-file format) of one deployment's SLO alerts."""
    selector = model_selector(namespace, deployment.model)
    labels = {"namespace": namespace, "deployment": deployment.name}
    rules: list[dict[str, Any]] = []
    slo = LATENCY_SLOS.get(deployment.latency_class)
    if slo is not None:
        rules += [
            {
                "alert": "HangarTimeToFirstTokenHigh",
                "expr": f"{_p95('vllm:time_to_first_token_seconds', selector)} > {slo.time_to_first_token_seconds:g}",
                "for": slo.for_,
                "labels": {**labels, "severity": slo.severity},
                "annotations": {
                    "summary": f"{deployment.name}: 95th percentile time to first token above {slo.time_to_first_token_seconds:g} s ({deployment.latency_class})",
                    "description": "Replicas are not keeping up: check the autoscaler's replicas against its maximum, and pending pods waiting for accelerators.",
                },
            },
            {
                "alert": "HangarQueueTimeHigh",
                "expr": f"{_p95('vllm:request_queue_time_seconds', selector)} > {slo.queue_seconds:g}",
                "for": slo.for_,
                "labels": {**labels, "severity": slo.severity},
                "annotations": {"summary": f"{deployment.name}: 95th percentile time queued above {slo.queue_seconds:g} s ({deployment.latency_class})"},
            },
        ]
    rules.append(
        {
            "alert": "HangarKvCacheSaturated",
            "expr": f"max(vllm:kv_cache_usage_perc{{{selector}}}) > {KV_CACHE_SATURATED:g}",
            "for": KV_CACHE_FOR,
            "labels": {**labels, "severity": "warning"},
            "annotations": {"summary": f"{deployment.name}: a replica's KV cache is above {KV_CACHE_SATURATED:.0%} full; sequences are being preempted"},
        }
    )
    return [{"name": f"hangar-slos-{deployment.name}", "rules": rules}]
