"""The environment's Grafana dashboard: where it is provisioned, that it parses, and that its queries are real.

Every query must parse as PromQL (`promtool check rules` on the queries as recording rules), name only
series vLLM exports (v0.33.0, the default engine, and v0.11.2; as scraped: `tests.vllm_exposition`) or the
kube-state-metrics series the pending alert cites, and, run by the real engine on two models' servers of each
release, show each model its own numbers (v0.33.0's request counter has two more finish reasons; the rate sums them all).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hangar.components.metrics_dashboard import dashboard

from tests.kube_state_series import KubePod, PodState, series
from tests.promql import Phase, Pod, expect, run_promtool, start_of
from tests.serving_plans import example_plan, of_kind, plan_environment, raw_environment
from tests.vllm_exposition import RELEASES, Engine, page, scraped

KUBE_STATE = {"kube_pod_status_unschedulable", "kube_pod_status_phase", "kube_pod_container_resource_requests", "kube_pod_owner"}
"""kube-state-metrics v2.20.0 series cited in components.metrics_pending."""
RELEASE = "kubernetes:helm.sh/v3:Release"


def dashboards(plan) -> list[dict[str, Any]]:
    return [c for c in of_kind(plan, "ConfigMap") if c["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]


def queries(board: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in board["panels"] for target in panel["targets"]]


@pytest.mark.parametrize(("stack", "namespace"), [("eks-prod", "eks-prod"), ("aks-staging", "aks-staging"), ("onprem", "onprem")])
def test_in_cluster_provisions_one_dashboard_the_grafana_sidecar_loads(stack, namespace):
    plan = example_plan(stack)
    (config,) = dashboards(plan)
    assert config["metadata"]["namespace"] == "monitoring" and config["metadata"]["name"] == f"hangar-dashboard-{stack}"
    ((key, text),) = config["data"].items()
    board = json.loads(text)
    assert key == f"hangar-{stack}.json" and board["uid"] == f"hangar-{stack}" and board["schemaVersion"] == 39
    assert [p["title"] for p in board["panels"]] == [
        "Requests finished per second", "Queue", "Time to first token (p50, p95)", "Inter-token latency / TPOT (p50, p95)",
        "KV-cache usage (fullest replica)", "Replicas",
    ]  # fmt: skip
    for panel in board["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": "prometheus"} and panel["targets"]
        assert all(f'namespace="{namespace}"' in target["expr"] for target in panel["targets"])
    # ... and the chart runs the Grafana that reads it
    (release,) = [r.inputs for r in plan if r.type == RELEASE and r.inputs["chart"] == "kube-prometheus-stack"]
    assert release["values"]["grafana"]["enabled"] is True


def test_no_dashboard_where_hangar_runs_no_grafana():
    assert dashboards(example_plan("gke-dev")) == []  # GKE Managed Prometheus
    environment = raw_environment("eks-prod")
    environment["clusters"][0]["metrics"] = {"pipeline": "existing", "url": "http://prometheus.obs.svc:9090", "scraper_namespace": "obs"}
    assert dashboards(plan_environment(environment)) == []


@pytest.mark.parametrize("engine_release", sorted(RELEASES))
def test_every_query_parses_and_names_only_series_vllm_or_kube_state_metrics_export(tmp_path, engine_release):
    exported = {name.split("{", 1)[0] for name in scraped(page("m", Engine(), engine_release), {"namespace": "n", "pod": "p"})} | KUBE_STATE
    (config,) = dashboards(example_plan("eks-prod"))
    board = json.loads(next(iter(config["data"].values())))
    texts = queries(board)
    named = {name for text in texts for name in re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", text)}
    assert named and named <= exported, sorted(named - exported)
    assert {"vllm:request_success_total", "vllm:inter_token_latency_seconds_bucket", "vllm:kv_cache_usage_perc"} <= named
    groups = [{"name": "dashboard", "rules": [{"record": f"hangar:panel_{i}", "expr": text} for i, text in enumerate(texts)]}]
    run_promtool(tmp_path, groups, [Phase(1, {})], release=engine_release)  # promtool check rules: every query parses


def test_a_misspelt_query_is_refused_by_promtool(tmp_path):
    groups = [{"name": "dashboard", "rules": [{"record": "hangar:panel", "expr": 'sum by (model_name) (rate(vllm:request_success_total{namespace="x"}))'}]}]
    with pytest.raises(AssertionError, match="range vector"):
        run_promtool(tmp_path, groups, [Phase(1, {})])


@pytest.mark.parametrize("engine_release", sorted(RELEASES))
def test_each_model_sees_its_own_numbers(tmp_path, engine_release):
    board = dashboard("eks-prod", "eks-prod")
    texts = queries(board)
    namespace = "eks-prod"
    llama = [Pod(namespace, f"llama-70b-{i}", "llama") for i in range(2)]
    qwen = Pod(namespace, "qwen-0", "qwen")
    timeline = [Phase(40, {
        llama[0]: Engine(running=10, waiting=2, kv_cache_usage=0.5, finished=3, inter_token_latency=(0.02,) * 20),
        llama[1]: Engine(running=12, waiting=1, kv_cache_usage=0.8, finished=3, inter_token_latency=(0.02,) * 20),
        qwen: Engine(running=2, kv_cache_usage=0.1, finished=30, inter_token_latency=(0.3,) * 20),
    })]  # fmt: skip
    at = start_of(timeline, 1) - 15
    rule = {text: f"hangar:panel_{i}" for i, text in enumerate(texts)}
    groups = [{"name": "dashboard", "interval": "15s", "rules": [{"record": name, "expr": text} for text, name in rule.items()]}]
    rate, waiting, _running, _ttft_p50, _ttft_p95, _itl_p50, itl_p95, kv, serving, pending = texts

    def per_model(text: str, llama_value: float, qwen_value: float) -> dict[str, Any]:
        name = rule[text]
        return {"expr": name, "eval_time": f"{at}s", "exp_samples": [
            {"labels": f'{name}{{model_name="llama"}}', "value": llama_value}, {"labels": f'{name}{{model_name="qwen"}}', "value": qwen_value}]}  # fmt: skip

    expressions = [
        per_model(rate, 6 / 15, 30 / 15),  # requests finished per scrape step of 15 s
        per_model(waiting, 3, 0),
        per_model(kv, 0.8, 0.1),
        per_model(serving, 2, 1),
        expect(rule[pending], at, 1, rule[pending]),
    ]
    # p95 of inter-token latency, interpolated within the bucket holding every observation: (0.01, 0.025] and (0.2, 0.3]
    expressions.append(per_model(itl_p95, 0.02425, 0.295))
    pending_pod = {KubePod(namespace, "llama-70b-2", "StatefulSet", "llama-70b"): [PodState("Pending", unschedulable=True)] * 40}
    run_promtool(tmp_path, groups, timeline, expressions=expressions, extra_series=series(pending_pod), release=engine_release)
