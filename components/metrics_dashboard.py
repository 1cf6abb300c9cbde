"""The Grafana dashboard of an environment's model servers, provisioned where Grafana runs.

The in-cluster pipeline's kube-prometheus-stack runs Grafana with its dashboard sidecar, which loads
every ConfigMap labelled `grafana_dashboard: "1"` in any namespace (kube-prometheus-stack 88.5.3
values.yaml, `grafana.sidecar.dashboards.label` / `labelValue` / `searchNamespace: ALL`, commit
ea930baeebeba39f56d6b44e351f23b2a072a600) and provisions a Prometheus datasource with uid
`prometheus` (`grafana.sidecar.datasources.uid`), which every panel names. The JSON is Grafana's
classic dashboard model at `schemaVersion` 39, as the chart's own dashboards at that commit are
(templates/grafana/dashboards-1.14/*.yaml).

One row of panels per question, each per served model (`model_name`) in the environment's namespace:
request rate, queue (waiting and running), time to first token, inter-token latency (TPOT), KV-cache
usage, and replicas (engines reporting, and pods the scheduler cannot place). Series: vLLM v0.11.2's and v0.33.0's
(vllm/v1/metrics/loggers.py: `vllm:request_success` counter, `vllm:num_requests_waiting`,
`vllm:num_requests_running`, `vllm:kv_cache_usage_perc` gauges, `vllm:time_to_first_token_seconds`,
`vllm:inter_token_latency_seconds` histograms) and kube-state-metrics v2.20.0's
`kube_pod_status_unschedulable` (see `hangar.components.metrics_pending`).
"""

from __future__ import annotations

import json
from typing import Any

LABEL = ("grafana_dashboard", "1")
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
SCHEMA_VERSION = 39
WIDTH, HEIGHT = 12, 8


def _quantile(histogram: str, selector: str, q: float = 0.95) -> str:
    return f"histogram_quantile({q:g}, sum by (model_name, le) (rate({histogram}_bucket{{{selector}}}[5m])))"


def panels(namespace: str) -> list[dict[str, Any]]:
    """The dashboard's panels: title, unit and (query, legend) targets, laid out two per row."""
    ns = f'namespace="{namespace}"'
    spec = [
        ("Requests finished per second", "reqps", [(f"sum by (model_name) (rate(vllm:request_success_total{{{ns}}}[5m]))", "{{model_name}}")]),
        ("Queue", "short", [
            (f"sum by (model_name) (vllm:num_requests_waiting{{{ns}}})", "{{model_name}} waiting"),
            (f"sum by (model_name) (vllm:num_requests_running{{{ns}}})", "{{model_name}} running"),
        ]),
        ("Time to first token (p50, p95)", "s", [
            (_quantile("vllm:time_to_first_token_seconds", ns, 0.5), "{{model_name}} p50"),
            (_quantile("vllm:time_to_first_token_seconds", ns), "{{model_name}} p95"),
        ]),
        ("Inter-token latency / TPOT (p50, p95)", "s", [
            (_quantile("vllm:inter_token_latency_seconds", ns, 0.5), "{{model_name}} p50"),
            (_quantile("vllm:inter_token_latency_seconds", ns), "{{model_name}} p95"),
        ]),
        ("KV-cache usage (fullest replica)", "percentunit", [(f"max by (model_name) (vllm:kv_cache_usage_perc{{{ns}}})", "{{model_name}}")]),
        ("Replicas", "short", [
            (f"count by (model_name) (vllm:num_requests_running{{{ns}}})", "{{model_name}} serving"),
            (f"count(kube_pod_status_unschedulable{{{ns}}} == 1)", "pods waiting for a node"),
        ]),
    ]  # fmt: skip
    out = []
    for index, (title, unit, targets) in enumerate(spec):
        out.append(
            {
                "id": index + 1,
                "type": "timeseries",
                "title": title,
                "datasource": dict(DATASOURCE),
                "gridPos": {"h": HEIGHT, "w": WIDTH, "x": (index % 2) * WIDTH, "y": (index // 2) * HEIGHT},
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                "targets": [
                    {"refId": chr(ord("A") + n), "datasource": dict(DATASOURCE), "expr": expr, "legendFormat": legend}
                    for n, (expr, legend) in enumerate(targets)
                ],
            }
        )
    return out


def dashboard(environment_name: str, namespace: str) -> dict[str, Any]:
    """The dashboard of one environment's model servers (Grafana's classic JSON model)."""
    return {
        "uid": f"hangar-{environment_name}"[:40],
        "title": f"Hangar model servers: {environment_name}",
        "tags": ["hangar", "vllm"],
        "timezone": "utc",
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "schemaVersion": SCHEMA_VERSION,
        "panels": panels(namespace),
    }


def dashboard_text(environment_name: str, namespace: str) -> str:
    return json.dumps(dashboard(environment_name, namespace), indent=1, sort_keys=True)
