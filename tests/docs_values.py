"""Where the docs' figures come from, for tests/docs_facts.py: a constant or a snippet of a module, the catalog,
pyproject.toml, the bench, the CLI's exit codes, a chart's pinned version, the committed PR workflow, an example stack.

Moved out of tests/docs_facts.py unchanged (the helpers every page's facts share; a page's own helpers stay there).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
from collections.abc import Callable

from tests.docs_sync import ROOT


def code_says(module: str, snippet: str, value: object) -> Callable[[], object]:
    """A value the code states in its source rather than as a constant: the snippet must be in the module."""

    def get() -> object:
        source = inspect.getsource(importlib.import_module(module))
        if snippet not in source:
            raise AssertionError(f"{module} no longer says {snippet!r}: what the docs state from it may be stale")
        return value

    return get


def constant(module: str, name: str) -> Callable[[], object]:
    return lambda: getattr(importlib.import_module(module), name)


ENGINE = constant("hangar.sizing.engine", "ENGINE_VERSION")
"""The pinned vLLM release, which several pages name."""


@functools.cache
def catalog():
    from hangar.catalog import load_catalog

    return load_catalog()


def python_floor() -> str:
    return re.search(r'^requires-python = ">=([\d.]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)


def bench_sizes() -> tuple[int, ...]:
    text = (ROOT / "bench" / "plan_scale.py").read_text()
    return tuple(int(n.replace("_", "")) for n in re.search(r"^SIZES = \(([^)]*)\)", text, re.M).group(1).split(","))


def exit_code(meaning: str) -> Callable[[], int]:
    """An exit code as the CLI's module docstring lists it (`0 ok, 1 policy violations, 2 bad input`)."""

    def get() -> int:
        doc = " ".join(importlib.import_module("hangar.cli.app").__doc__.split())
        codes = {m.group(2): int(m.group(1)) for m in re.finditer(r"(\d+) ([a-z ]+?)(?= \(|,)", doc)}
        return codes[meaning]

    return get


def chart_version(module: str, name: str) -> Callable[[], str]:
    return lambda: getattr(importlib.import_module(module), name).version


def kube_state_charts() -> str:
    """The kube-state-metrics chart pinned per cluster minor, in minor order: "6.1.5 on Kubernetes 1.32, 7.0.1 on 1.33, ..."."""
    charts = importlib.import_module("hangar.components.metrics_kube_state").KUBE_STATE_CHARTS
    pinned = [f"{chart.version} on {minor}" for minor, chart in sorted(charts.items(), key=lambda item: tuple(map(int, item[0].split("."))))]
    return ", ".join([pinned[0].replace(" on ", " on Kubernetes "), *pinned[1:]])


def kube_state_image(minor: str) -> str:
    """The kube-state-metrics image tag kube-prometheus-stack runs on a cluster of `minor`."""
    return importlib.import_module("hangar.components.metrics_kube_state").bundled_kube_state_values(minor)["image"]["tag"]


def workflow_step_value(key: str) -> Callable[[], object]:
    """A value the generated workflows pass to a step (`fetch-depth`), from the committed PR workflow."""

    def get() -> object:
        text = (ROOT / ".github" / "workflows" / "pull-request.yml").read_text()
        values = set(re.findall(rf"\b{re.escape(key)}: (\S+)", text))
        assert len(values) == 1, f"{key}: {values}"
        return values.pop()

    return get


@functools.cache
def stack(name: str):
    """An example stack's Environment, as `hangar plan` validates it."""
    import yaml

    from hangar.stackfile import environment_from_config

    path = ROOT / "stacks" / f"Pulumi.{name}.yaml"
    return environment_from_config(yaml.safe_load(path.read_text())["config"]["hangar:environment"], str(path))


def deployment(stack_name: str):
    (only,) = [d for d in stack(stack_name).deployments if not d.name.endswith("-small")] or stack(stack_name).deployments
    return only


def pool_of(stack_name: str):
    d = deployment(stack_name)
    return next(p for c in stack(stack_name).clusters for p in c.node_pools if p.name == d.pool)


def seconds(duration: str) -> int:
    """`15s`, `15m` as seconds."""
    return int(duration[:-1]) * {"s": 1, "m": 60}[duration[-1]]


@functools.cache
def v4_flash_h200() -> tuple[int, int, int]:
    """DeepSeek-V4-Flash (tests/model_configs, no packaged row) at its full context on 8 x H200: (tokens, blocks of the
    pool one sequence takes, bytes of a block on one rank); the pool's null block is one block."""
    import datetime
    import json

    from hangar.catalog.model_config import model_row
    from hangar.sizing import GIB, memory_fit

    config = json.loads((ROOT / "tests" / "model_configs" / "deepseek-v4-flash.json").read_text())
    model = model_row("deepseek-ai/DeepSeek-V4-Flash", config, licence_id="mit", source="tests", as_of=datetime.date(2026, 12, 2))
    fit = memory_fit(model, catalog().gpu("H200"), precision="mxfp4", tensor_parallel=8)
    return fit.max_context_tokens, round(fit.kv_per_sequence_gib / fit.kv_reserved_gib), round(fit.kv_reserved_gib * GIB / 8)
