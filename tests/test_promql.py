"""Every query a ScaledObject uses, run by the real Prometheus engine (`promtool test rules`).

The rules are made from the planned ScaledObjects themselves (their `query`, `threshold`, min and
max replicas: `tests.promql.scaler_rules`), never from a copy of the query; the series are the `/metrics`
exposition of the default engine, vLLM v0.33.0, as scraped (`tests.vllm_exposition`), and of v0.11.2 where a test
names it (a deployment may pin it). Each case checks the value
KEDA reads and the replicas it asks for as load rises and falls, and that load of another model in
the same namespace (and of the same model in another namespace) is never counted.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests import promql
from tests.metrics_objects import the_rules
from tests.promql import Phase, Pod, expect, fired, rule_name, run_promtool, scaler_rules, start_of
from tests.serving_plans import example_plan, of_kind, plan_environment, raw_environment
from tests.vllm_exposition import RELEASES, Engine, page, scraped

NEIGHBOUR = "mistralai/Mistral-7B-Instruct-v0.3"
"""A model that is not in the plan, served beside it: its load must never count."""


def the_scaled_object(plan, name: str) -> dict[str, Any]:
    (scaled,) = [s for s in of_kind(plan, "ScaledObject") if s["metadata"]["name"] == name]
    return scaled


def neighbours(namespace: str, model: str, waiting: float = 40, running: float = 64) -> dict[Pod, Engine]:
    """A busy server of another model in the same namespace, and a busy server of the same model in another namespace."""
    busy = Engine(running=running, waiting=waiting, kv_cache_usage=0.99)
    return {Pod(namespace, "neighbour-0", NEIGHBOUR): busy, Pod("elsewhere", f"{namespace}-twin-0", model): busy}


def cases(name: str, timeline: list[Phase], expected: list[tuple[float | None, float | None]]) -> list[dict[str, Any]]:
    """At the end of each phase: the value KEDA reads and the replicas it asks for (None: no sample)."""
    out = []
    for index, (value, replicas) in enumerate(expected):
        at = start_of(timeline, index + 1) - 15
        out += [expect(rule_name("scaler_value", name), at, value), expect(rule_name("scaler_replicas", name), at, replicas)]
    return out


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_realtime_scales_on_waiting_requests_of_its_own_model_only(tmp_path, release):
    """eks-prod: Llama 3.3 70B, realtime: threshold 1 waiting request per replica, 2 to 4 replicas.

    Requests the engine defers (v0.33.0: waiting for a LoRA slot, say) wait too: its waiting gauge counts them."""
    plan = example_plan("eks-prod")
    scaled = the_scaled_object(plan, "llama-70b")
    assert (scaled["spec"]["triggers"][0]["metadata"]["threshold"], scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == ("1", 2, 4)
    model, namespace = "meta-llama/Llama-3.3-70B-Instruct", "eks-prod"
    pods = [Pod(namespace, f"llama-70b-{i}", model) for i in range(3)]
    others = neighbours(namespace, model)
    timeline = [
        Phase(8, {pods[0]: Engine(running=20), pods[1]: Engine(running=18), **others}),  # busy, nothing waits
        Phase(8, {pods[0]: Engine(running=32, waiting=2, deferred=1), pods[1]: Engine(running=32, waiting=1), **others}),  # batches full: 3 wait
        Phase(8, {pods[0]: Engine(running=32, waiting=6), pods[1]: Engine(running=32, waiting=5), pods[2]: Engine(waiting=1), **others}),
        Phase(8, {pods[0]: Engine(running=4), pods[1]: Engine(running=3), **others}),  # the burst is over: back to the minimum
    ]
    expected = [(0, 2), (3, 3), (12, 4), (0, 2)]
    run_promtool(tmp_path, scaler_rules([scaled]), timeline, expressions=cases("llama-70b", timeline, expected), release=release)


def test_interactive_scales_on_kv_cache_usage(tmp_path):
    """onprem: Llama 3.1 8B, interactive: 0.7 of the KV cache per replica, 2 to 8 replicas."""
    scaled = the_scaled_object(example_plan("onprem"), "llama-8b")
    assert (scaled["spec"]["triggers"][0]["metadata"]["threshold"], scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == ("0.7", 2, 8)
    model, namespace = "meta-llama/Llama-3.1-8B-Instruct", "onprem"
    a, b, c = (Pod(namespace, f"llama-8b-{i}", model) for i in range(3))
    others = neighbours(namespace, model)
    timeline = [
        Phase(8, {a: Engine(kv_cache_usage=0.3), b: Engine(kv_cache_usage=0.2), **others}),
        Phase(8, {a: Engine(kv_cache_usage=0.9), b: Engine(kv_cache_usage=0.85), **others}),  # long conversations fill the cache
        Phase(8, {a: Engine(kv_cache_usage=0.6), b: Engine(kv_cache_usage=0.55), c: Engine(kv_cache_usage=0.3), **others}),
        Phase(8, {a: Engine(kv_cache_usage=0.1), b: Engine(kv_cache_usage=0.1), c: Engine(kv_cache_usage=0.05), **others}),
    ]
    expected = [(0.5, 2), (1.75, 3), (1.45, 3), (0.25, 2)]
    run_promtool(tmp_path, scaler_rules([scaled]), timeline, expressions=cases("llama-8b", timeline, expected))


def test_batch_scales_on_the_whole_queue_and_to_zero(tmp_path):
    """gke-dev: Qwen 2.5 7B, batch: one replica per full batch (8 sequences), 0 to 2 replicas."""
    scaled = the_scaled_object(example_plan("gke-dev"), "qwen-7b")
    assert (scaled["spec"]["triggers"][0]["metadata"]["threshold"], scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == ("8", 0, 2)
    model, namespace = "Qwen/Qwen2.5-7B-Instruct", "gke-dev"
    a, b = (Pod(namespace, f"qwen-7b-{i}", model) for i in range(2))
    others = neighbours(namespace, model)
    timeline = [
        Phase(8, {a: Engine(running=8, waiting=4), **others}),  # 12 in the queue: a second replica
        Phase(8, {a: Engine(running=8, waiting=20), b: Engine(running=8, waiting=20), **others}),  # capped at max
        Phase(8, {a: Engine(running=3), b: Engine(), **others}),
        Phase(8, {a: Engine(), b: Engine(), **others}),  # idle: zero replicas asked for
        Phase(8, dict(others)),  # at zero: no pod, no series, no value (KEDA reads it as 0: nothing wakes it)
    ]
    expected = [(12, 2), (56, 2), (3, 1), (0, 0), (None, None)]
    run_promtool(tmp_path, scaler_rules([scaled]), timeline, expressions=cases("qwen-7b", timeline, expected))


def test_three_models_in_one_namespace_each_see_only_their_own_load(tmp_path):
    """One on-prem namespace serving a realtime, an interactive and a batch model: each query counts its own pods only."""
    environment = raw_environment("onprem")
    environment["tier"] = "staging"  # a single realtime replica at rest; prod realtime needs two (tests/test_spread.py)
    (interactive,) = environment["deployments"]
    environment["deployments"] += [
        {**interactive, "name": "qwen-rt", "model": "Qwen/Qwen2.5-7B-Instruct", "latency_class": "realtime", "autoscaling": {"min_replicas": 1, "max_replicas": 3}},
        {**interactive, "name": "mistral-batch", "model": NEIGHBOUR, "latency_class": "batch", "autoscaling": {"min_replicas": 0, "max_replicas": 3}},
    ]
    # the three share one pool, which must hold all their replicas at once (16 + 3 + 6 GPUs: 4 nodes of 8)
    (pool,) = [p for p in environment["clusters"][0]["node_pools"] if p["name"] == interactive["pool"]]
    pool["max_nodes"] = 4
    plan = plan_environment(environment)
    scaled = [the_scaled_object(plan, name) for name in ("llama-8b", "qwen-rt", "mistral-batch")]
    namespace = "onprem"
    llama, qwen, mistral = Pod(namespace, "llama-8b-0", interactive["model"]), Pod(namespace, "qwen-rt-0", "Qwen/Qwen2.5-7B-Instruct"), Pod(namespace, "mistral-batch-0", NEIGHBOUR)
    timeline = [
        Phase(8, {llama: Engine(kv_cache_usage=0.95, running=30, waiting=9), qwen: Engine(), mistral: Engine()}),  # only llama is busy
        Phase(8, {llama: Engine(), qwen: Engine(running=32, waiting=2), mistral: Engine()}),  # only qwen waits
        Phase(8, {llama: Engine(), qwen: Engine(), mistral: Engine(running=32, waiting=40)}),  # only the batch queue is long
    ]
    end = [start_of(timeline, i + 1) - 15 for i in range(3)]
    expressions = [
        expect(rule_name("scaler_replicas", "llama-8b"), end[0], 2), expect(rule_name("scaler_value", "llama-8b"), end[0], 0.95),
        expect(rule_name("scaler_replicas", "qwen-rt"), end[0], 1), expect(rule_name("scaler_replicas", "mistral-batch"), end[0], 0),
        expect(rule_name("scaler_replicas", "llama-8b"), end[1], 2), expect(rule_name("scaler_replicas", "qwen-rt"), end[1], 2),
        expect(rule_name("scaler_replicas", "mistral-batch"), end[1], 0),
        expect(rule_name("scaler_replicas", "qwen-rt"), end[2], 1), expect(rule_name("scaler_value", "mistral-batch"), end[2], 72),
        expect(rule_name("scaler_replicas", "mistral-batch"), end[2], 3),
    ]  # fmt: skip
    run_promtool(tmp_path, scaler_rules(scaled), timeline, expressions=expressions)


def test_a_wrong_query_is_caught_by_the_engine(tmp_path):
    """The harness is not a rubber stamp: a query that forgets the model label counts the neighbour and fails."""
    scaled = the_scaled_object(example_plan("eks-prod"), "llama-70b")
    broken = {**scaled, "spec": {**scaled["spec"], "triggers": [dict(scaled["spec"]["triggers"][0])]}}
    trigger = broken["spec"]["triggers"][0]
    trigger["metadata"] = {**trigger["metadata"], "query": trigger["metadata"]["query"].replace(',model_name="meta-llama/Llama-3.3-70B-Instruct"', "")}
    assert trigger["metadata"]["query"] != scaled["spec"]["triggers"][0]["metadata"]["query"]
    pod = Pod("eks-prod", "llama-70b-0", "meta-llama/Llama-3.3-70B-Instruct")
    timeline = [Phase(8, {pod: Engine(waiting=1), **neighbours("eks-prod", pod.model)})]
    try:
        run_promtool(tmp_path, scaler_rules([broken]), timeline, expressions=cases("llama-70b", timeline, [(1, 2)]))
    except AssertionError as failure:
        assert "FAILED" in str(failure) and "hangar:scaler_value:llama_70b" in str(failure)
    else:
        raise AssertionError("promtool accepted a query that counts another model's load")


# --- SLO alerts -----------------------------------------------------------------------------------------


def test_realtime_alerts_when_time_to_first_token_and_queue_time_break_the_slo(tmp_path):
    plan = example_plan("eks-prod")
    rules = the_rules(plan, "llama-70b")
    model, namespace = "meta-llama/Llama-3.3-70B-Instruct", "eks-prod"
    pods = [Pod(namespace, f"llama-70b-{i}", model) for i in range(2)]
    slow = Engine(time_to_first_token=(0.3,) * 10, queue_time=(0.2,) * 10)
    others = {Pod(namespace, "neighbour-0", NEIGHBOUR): Engine(time_to_first_token=(30.0,) * 10, queue_time=(60.0,) * 10, kv_cache_usage=1.0)}
    timeline = [
        Phase(40, {pod: slow for pod in pods} | others),  # 10 minutes within the SLO (p95 well under 1 s)
        Phase(40, {pods[0]: Engine(time_to_first_token=(4.0,) * 10, queue_time=(3.0,) * 10), pods[1]: slow} | others),  # half the requests slow
    ]
    calm, breach = start_of(timeline, 1) - 15, start_of(timeline, 2) - 15
    alerts = [
        fired(rules, "HangarTimeToFirstTokenHigh", calm, False), fired(rules, "HangarQueueTimeHigh", calm, False),
        fired(rules, "HangarTimeToFirstTokenHigh", breach, True), fired(rules, "HangarQueueTimeHigh", breach, True),
        fired(rules, "HangarKvCacheSaturated", breach, False),  # the neighbour's full cache is not this deployment's
    ]  # fmt: skip
    # ... and not before the class's 5 minutes have passed since the breach began
    alerts.append(fired(rules, "HangarTimeToFirstTokenHigh", start_of(timeline, 1) + 4 * 60, False))
    run_promtool(tmp_path, rules["spec"]["groups"], timeline, alerts=alerts)


def test_kv_cache_saturation_alerts_after_fifteen_minutes_and_batch_has_no_latency_slo(tmp_path):
    plan = example_plan("gke-dev")
    rules = the_rules(plan, "qwen-7b", "Rules")  # GKE: Managed Prometheus' own rule object
    assert [r["alert"] for group in rules["spec"]["groups"] for r in group["rules"]] == ["HangarKvCacheSaturated"]
    pod = Pod("gke-dev", "qwen-7b-0", "Qwen/Qwen2.5-7B-Instruct")
    timeline = [Phase(40, {pod: Engine(kv_cache_usage=0.9)}), Phase(80, {pod: Engine(kv_cache_usage=0.97)})]
    alerts = [
        fired(rules, "HangarKvCacheSaturated", start_of(timeline, 1) - 15, False),
        fired(rules, "HangarKvCacheSaturated", start_of(timeline, 1) + 14 * 60, False),
        fired(rules, "HangarKvCacheSaturated", start_of(timeline, 2) - 15, True),
    ]
    run_promtool(tmp_path, rules["spec"]["groups"], timeline, alerts=alerts)


def test_without_promtool_the_tests_fail_with_the_command_that_installs_it(monkeypatch):
    monkeypatch.setattr(promql.shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match=r"install it with: apt-get install -y prometheus"):
        promql.promtool()


# --- HPA mode: the prometheus-adapter rules ------------------------------------------------------------


def adapter_query(rule: dict[str, Any], series: str, namespace: str, pods: list[str]) -> str:
    """The query prometheus-adapter makes for an HPA's Pods metric, its template filled as its docs/config.md describes."""
    matchers = f'pod=~"{"|".join(pods)}",namespace="{namespace}"'
    return rule["metricsQuery"].replace("<<.Series>>", series).replace("<<.LabelMatchers>>", matchers).replace("<<.GroupBy>>", "pod")


def test_an_hpa_reads_each_of_its_pods_through_the_rendered_adapter_rules(tmp_path):
    environment = raw_environment("eks-prod")
    environment["clusters"][0]["replica_autoscaler"] = "hpa"
    plan = plan_environment(environment)
    (config,) = [c for c in of_kind(plan, "ConfigMap") if c["metadata"]["name"] == "hangar-prometheus-adapter-rules"]
    rules = yaml.safe_load(config["data"]["config.yaml"])["rules"]
    assert [r["name"]["as"] for r in rules] == ["vllm_kv_cache_usage_perc", "vllm_num_requests_running", "vllm_num_requests_waiting"]
    (rule,) = [r for r in rules if r["seriesQuery"].startswith("vllm:num_requests_waiting{")]
    (hpa,) = of_kind(plan, "HorizontalPodAutoscaler")
    (metric,) = hpa["spec"]["metrics"]
    name, target = metric["pods"]["metric"]["name"], float(metric["pods"]["target"]["averageValue"])
    # the adapter's naming turns the series into the HPA's metric name, and its discovery finds the series
    assert re.fullmatch(rule["name"]["matches"], "vllm:num_requests_waiting") and (rule["name"]["as"], name, target) == ("vllm_num_requests_waiting",) * 2 + (1.0,)
    assert rule["resources"]["overrides"]["pod"] == {"resource": "pod"}
    model, namespace = "meta-llama/Llama-3.3-70B-Instruct", "eks-prod"
    pods = [Pod(namespace, f"llama-70b-{i}", model) for i in range(2)]
    query = adapter_query(rule, "vllm:num_requests_waiting", namespace, [p.name for p in pods])
    spec = hpa["spec"]
    groups = [{"name": "adapter", "interval": "15s", "rules": [
        {"record": "hangar:adapter_per_pod", "expr": query},
        {"record": "hangar:hpa_replicas", "expr": f"clamp(ceil(sum({query}) / {target:g}), {spec['minReplicas']}, {spec['maxReplicas']})"},
    ]}]  # fmt: skip
    timeline = [
        Phase(8, {pods[0]: Engine(waiting=0), pods[1]: Engine(waiting=0), **neighbours(namespace, model)}),
        Phase(8, {pods[0]: Engine(waiting=4), pods[1]: Engine(waiting=1), **neighbours(namespace, model)}),
    ]
    at = start_of(timeline, 2) - 15
    expressions = [
        expect("hangar:hpa_replicas", start_of(timeline, 1) - 15, 2),
        {"expr": "hangar:adapter_per_pod", "eval_time": f"{at}s",
         "exp_samples": [{"labels": f'hangar:adapter_per_pod{{pod="{p.name}"}}', "value": v} for p, v in zip(pods, (4, 1))]},
        expect("hangar:hpa_replicas", at, 4),
    ]  # fmt: skip
    run_promtool(tmp_path, groups, timeline, expressions=expressions)


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_every_series_a_rendered_query_names_is_one_each_verified_vllm_release_exports(release):
    """Scalers, alerts and adapter rules of every example name only series vLLM's page (as scraped) holds, in each release."""
    exported = set()
    for series in scraped(page("m", Engine(), release), {"namespace": "n", "pod": "p"}):
        exported.add(series.split("{", 1)[0])
    named = set()
    for stack in ("eks-prod", "gke-dev", "onprem"):
        plan = example_plan(stack)
        texts = [t["metadata"]["query"] for s in of_kind(plan, "ScaledObject") for t in s["spec"]["triggers"] if t["type"] == "prometheus"]
        texts += [r["expr"] for kind in ("PrometheusRule", "Rules") for obj in of_kind(plan, kind) for g in obj["spec"]["groups"] for r in g["rules"]]
        named |= {name for text in texts for name in re.findall(r"vllm:[a-z_]+", text)}
    hpa = plan_environment({**raw_environment("eks-prod"), "clusters": [{**raw_environment("eks-prod")["clusters"][0], "replica_autoscaler": "hpa"}]})
    (config,) = [c for c in of_kind(hpa, "ConfigMap") if c["metadata"]["name"] == "hangar-prometheus-adapter-rules"]
    named |= {name for rule in yaml.safe_load(config["data"]["config.yaml"])["rules"] for name in re.findall(r"vllm:[a-z_]+", rule["seriesQuery"])}
    assert named and named <= exported, sorted(named - exported)
    assert {"vllm:num_requests_waiting", "vllm:kv_cache_usage_perc", "vllm:time_to_first_token_seconds_bucket", "vllm:request_queue_time_seconds_bucket"} <= named
