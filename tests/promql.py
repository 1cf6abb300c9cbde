"""Run PromQL on the real Prometheus engine: `promtool test rules`, fed series of vLLM's exposition.

`promtool` comes from Debian's `prometheus` package; `bin/test` installs it when it can. Without it
these tests fail (never skip) with the one command that installs it.

A timeline is a list of phases; each phase holds, for some scrape steps (the scrape interval,
15 s), what each pod's engine reports (`tests.vllm_exposition.Engine`: its gauges, and the
latencies it observes during each step, which its histograms accumulate). The series are what a
scrape of each pod's page stores, as the default engine's release writes it unless a test names another
(`tests.vllm_exposition.RELEASES`); a pod that is gone gets a staleness marker, as Prometheus writes
when a target disappears, and then no samples.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from hangar.engine_release import ENGINE_VERSION
from tests.vllm_exposition import Engine, page, scraped

INSTALL = "apt-get install -y prometheus"
STEP_SECONDS = 15


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail(f"promtool (the real Prometheus engine) is not installed; install it with: {INSTALL}  (bin/test does, as root)")
    return path


@dataclasses.dataclass(frozen=True)
class Pod:
    namespace: str
    name: str
    model: str


@dataclasses.dataclass(frozen=True)
class Phase:
    steps: int
    engines: dict[Pod, Engine]


def start_of(timeline: list[Phase], index: int) -> int:
    """Seconds from the start of the timeline to the start of phase `index`."""
    return sum(phase.steps for phase in timeline[:index]) * STEP_SECONDS


def input_series(timeline: list[Phase], release: str = ENGINE_VERSION) -> list[dict[str, str]]:
    """promtool `input_series`: every pod's scraped series as vLLM `release` exports them, one value per scrape step."""
    total = sum(phase.steps for phase in timeline)
    values: dict[str, list[str]] = {}
    observed: dict[Pod, Engine] = {}
    step = 0
    for phase in timeline:
        for _ in range(phase.steps):
            for pod, engine in phase.engines.items():
                # Histograms and counters count everything since the server started: each step adds the phase's.
                before = observed.get(pod, Engine())
                observed[pod] = now = dataclasses.replace(
                    engine,
                    time_to_first_token=before.time_to_first_token + engine.time_to_first_token,
                    queue_time=before.queue_time + engine.queue_time,
                    inter_token_latency=before.inter_token_latency + engine.inter_token_latency,
                    finished=before.finished + engine.finished,
                )
                target = {"namespace": pod.namespace, "pod": pod.name, "job": f"{pod.namespace}/{pod.name.rsplit('-', 1)[0]}", "instance": f"{pod.name}:8000"}
                for series, value in scraped(page(pod.model, now, release), target).items():
                    values.setdefault(series, ["_"] * total)[step] = f"{value:g}"
            step += 1
    for samples in values.values():  # a target that disappears: one staleness marker after its last sample
        for index in range(1, total):
            if samples[index] == "_" and samples[index - 1] not in ("_", "stale"):
                samples[index] = "stale"
    return [{"series": series, "values": " ".join(samples)} for series, samples in sorted(values.items())]


def rule_name(kind: str, name: str) -> str:
    return f"hangar:{kind}:{re.sub(r'[^a-zA-Z0-9_]', '_', name)}"


def scaler_rules(scaled_objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Recording rules from the planned ScaledObjects' own queries: the value KEDA reads, and the replicas it asks for.

    KEDA feeds a prometheus trigger to the HPA as an External metric of type AverageValue, and the
    HPA then wants ceil(value / threshold) replicas, bounded by min and max replicas (Kubernetes docs,
    "Horizontal Pod Autoscaling > Algorithm details", read 2026-12-01; its 10 % tolerance aside).
    """
    rules = []
    for scaled in scaled_objects:
        name, spec = scaled["metadata"]["name"], scaled["spec"]
        for trigger in (t for t in spec["triggers"] if t["type"] == "prometheus"):  # the HTTP add-on's wake-up is not PromQL
            query, threshold = trigger["metadata"]["query"], float(trigger["metadata"]["threshold"])
            suffix = name if trigger["name"] != "activation" else f"{name}_activation"
            rules.append({"record": rule_name("scaler_value", suffix), "expr": query})
            rules.append(
                {"record": rule_name("scaler_replicas", suffix), "expr": f"clamp(ceil(({query}) / {threshold:g}), {spec['minReplicaCount']}, {spec['maxReplicaCount']})"}
            )
    return [{"name": "hangar-scalers", "interval": f"{STEP_SECONDS}s", "rules": rules}]


def expect(expr: str, seconds: int, value: float | None, labels: str | None = None) -> dict[str, Any]:
    """One promql_expr_test case: `expr` at `seconds` is `value` (None: no sample at all)."""
    samples = [] if value is None else [{"labels": labels or expr, "value": value}]
    return {"expr": expr, "eval_time": f"{seconds}s", "exp_samples": samples}


def run_promtool(tmp_path: Path, groups: list[dict[str, Any]], timeline: list[Phase], *, expressions: list[dict[str, Any]] = (),
                 alerts: list[dict[str, Any]] = (), extra_series: list[dict[str, str]] = (), release: str = ENGINE_VERSION) -> None:  # fmt: skip
    """Write the rule file and the test file, and run `promtool test rules`; a failure shows promtool's report.

    The timeline's engines export vLLM `release`'s page; `extra_series` are other exporters' series (e.g.
    `tests.kube_state_series`), in promtool's notation.
    """
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    case: dict[str, Any] = {"interval": f"{STEP_SECONDS}s", "input_series": input_series(timeline, release) + list(extra_series)}
    if expressions:
        case["promql_expr_test"] = list(expressions)
    if alerts:
        case["alert_rule_test"] = list(alerts)
    tests = tmp_path / "tests.yaml"
    tests.write_text(yaml.safe_dump({"rule_files": [rules.name], "evaluation_interval": f"{STEP_SECONDS}s", "tests": [case]}, sort_keys=False))
    check = subprocess.run([promtool(), "check", "rules", str(rules)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    result = subprocess.run([promtool(), "test", "rules", str(tests)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def fired(rules: dict[str, Any], alert: str, at: int, firing: bool) -> dict[str, Any]:
    """An alert_rule_test case: at `at` seconds `alert` fires (with its rule's labels and annotations) or does not."""
    (rule,) = [r for group in rules["spec"]["groups"] for r in group["rules"] if r.get("alert") == alert]
    expected = [{"exp_labels": rule["labels"], "exp_annotations": rule["annotations"]}] if firing else []
    return {"eval_time": f"{at}s", "alertname": alert, "exp_alerts": expected}
