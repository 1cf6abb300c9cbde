"""The prometheus-adapter rules an `hpa` cluster needs: vLLM's gauges as per-pod custom metrics.

With `replica_autoscaler: hpa` each server gets an autoscaling/v2 HorizontalPodAutoscaler on Pods
metrics named `vllm_<name>` (`hangar.components.serving_autoscaler`: `vllm:num_requests_waiting` becomes
`vllm_num_requests_waiting`, since a custom-metrics API name cannot hold a colon). The cluster's
prometheus-adapter serves them when its configuration holds these rules; Hangar renders them as a
ConfigMap `hangar-prometheus-adapter-rules` (key `config.yaml`) in the serving namespace, for the
adapter's `rules` (or its chart's `rules.custom`).

Rule format (kubernetes-sigs/prometheus-adapter docs/config.md, commit 03bc47e9fb9154a8ba5a39ec944e3670ad781094):
`seriesQuery` finds the series, `resources.overrides` maps the scrape's `namespace` and `pod`
labels to those resources, `name.matches`/`as` renames, and `metricsQuery` is a Go template with
`<<.Series>>`, `<<.LabelMatchers>>` (the requested pods and their namespace) and `<<.GroupBy>>` (pod).
The HPA asks for its own pods only, so another model's pods in the namespace are never counted.
"""

from __future__ import annotations

from typing import Any

import yaml
from hangar.components.serving_autoscaler import SERIES

ADAPTER_METRICS: dict[str, str] = {series.replace(":", "_"): series for all_series in SERIES.values() for series in all_series}
"""Custom-metrics API name -> vLLM series (queue_depth is served as its two parts, waiting and running)."""
METRICS_QUERY = "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)"
CONFIG_MAP = "hangar-prometheus-adapter-rules"


def adapter_rules() -> dict[str, Any]:
    """The adapter configuration (its `rules`) for every vLLM gauge an HPA may scale on: one rule per series, named
    exactly (GKE Managed Prometheus matches metric names only exactly, and each rule then finds one metric alone)."""
    return {
        "rules": [
            {
                "seriesQuery": f'{series}{{namespace!="",pod!=""}}',
                "resources": {"overrides": {"namespace": {"resource": "namespace"}, "pod": {"resource": "pod"}}},
                "name": {"matches": f"^{series}$", "as": name},
                "metricsQuery": METRICS_QUERY,
            }
            for name, series in sorted(ADAPTER_METRICS.items())
        ]
    }


def adapter_config_text() -> str:
    return yaml.safe_dump(adapter_rules(), sort_keys=False)
