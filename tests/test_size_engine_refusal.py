"""`hangar size` gives the deployment path's verdict on a model its vLLM release cannot load, and on a GPU its image cannot run.

A deployment pinned to a release that cannot load its model is refused as a config error (`hangar.spec.engine_models`,
with `hangar.sizing.engine_models.engine_refusal`'s text), and one on a GPU the release's image has no kernels for is
refused too (`hangar.spec.engine_hardware`). The sizing commands (one model, traffic, --compare) must not offer what
that path refuses: no feasible option, the same reason, and the exit code of any other "nothing fits" (0).
"""

from __future__ import annotations

import copy
import json

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.cli import app
from hangar.sizing import rank_options
from hangar.sizing import ranking as ranking_module
from hangar.sizing.engine_models import engine_refusal
from tests.config_errors import config_problems
from tests.h200_stacks import with_deployment

CAT = load_catalog()
KIMI, QWEN35, QWEN25 = "moonshotai/Kimi-K2.5", "Qwen/Qwen3.5-9B", "Qwen/Qwen2.5-7B-Instruct"
TRAFFIC = ("--peak-rps", "2", "--prompt-tokens", "1000", "--output-tokens", "200")


def size(*args: str):
    return CliRunner().invoke(app, ["size", *args], catch_exceptions=False, env={"COLUMNS": "400"})


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_kimi_k25_at_v0_11_2_fits_nowhere_with_the_deployments_reason(aws_environment):
    refusal = engine_refusal(CAT.model(KIMI), "v0.11.2")
    assert refusal is not None and refusal.startswith(f"vLLM v0.11.2 cannot load {KIMI}: KimiK25ForConditionalGeneration is not in")
    deployment = [p for p in config_problems(with_deployment(copy.deepcopy(aws_environment), model=KIMI, engine_version="v0.11.2")) if ".model:" in p]
    assert len(deployment) == 1 and f"{refusal}: set deployments[0].engine_version to v0.15.0 or later" in deployment[0]

    result = size(KIMI, "--engine-version", "v0.11.2")
    assert result.exit_code == 0, result.output  # as any other "nothing fits"
    text = one_line(result.stdout)
    assert f"no feasible option: the vLLM release cannot load {KIMI} on any machine" in text
    assert f"{refusal}: set --engine-version to v0.15.0 or later, or size another model" in text
    assert "feasible options, ranked" not in text and "best:" not in text

    document = json.loads(size(KIMI, "--engine-version", "v0.11.2", "-f", "json").stdout)
    assert document["feasible"] == [] and document["best"] is None and document["refusal"] == refusal
    assert document["infeasible"] and all(r["reasons"] == [refusal] for r in document["infeasible"])
    why_not = one_line(size(KIMI, "--engine-version", "v0.11.2", "--why-not").stdout)
    assert "cannot serve it (why not)" in why_not and "int4" in why_not


@pytest.mark.parametrize(
    "model, refused_at, served_at",
    [
        (KIMI, "v0.14.1", "v0.15.0"),
        (QWEN35, "v0.16.0", "v0.17.0"),
        ("google/gemma-4-26B-A4B", "v0.19.0", "v0.19.1"),  # registered in v0.19.0, loadable from v0.19.1
        ("mistralai/Devstral-Small-2-24B-Instruct-2512", "v0.19.1", "v0.20.0"),  # its ministral3 text config
    ],
)
def test_a_release_refused_for_a_model_is_refused_by_size_and_the_first_serving_release_is_not(model, refused_at, served_at):
    row = CAT.model(model)
    refused = rank_options(row, CAT, precisions=["bf16"], clouds=["aws"], engine_version=refused_at)
    assert refused.refusal == engine_refusal(row, refused_at) is not None
    assert refused.feasible == () and all(r.reasons == (refused.refusal,) for r in refused.infeasible)
    served = rank_options(row, CAT, clouds=["aws"], engine_version=served_at)
    assert served.refusal is None and engine_refusal(row, served_at) is None
    assert not any("cannot load" in " ".join(r.reasons) for r in served.infeasible)


def test_traffic_planning_at_a_refusing_release_carries_nothing_and_says_why():
    refusal = engine_refusal(CAT.model(KIMI), "v0.11.2")
    result = size(KIMI, "--engine-version", "v0.11.2", *TRAFFIC)
    assert result.exit_code == 0, result.output
    text = one_line(result.stdout)
    assert f"no option carries it: the vLLM release cannot load {KIMI} on any machine" in text
    assert f"{refusal}: set --engine-version to v0.15.0 or later, or size another model" in text
    document = json.loads(size(KIMI, "--engine-version", "v0.11.2", *TRAFFIC, "-f", "json").stdout)
    assert document["options"] == [] and document["infeasible"] == [] and document["refusal"] == refusal
    assert f"{refusal}: set --engine-version to v0.15.0 or later, or size another model" in document["notes"]


def test_compare_lists_a_model_the_release_cannot_load_last_with_its_reason():
    refusal = engine_refusal(CAT.model(QWEN35), "v0.11.2")
    result = size("--compare", QWEN35, QWEN25, "--engine-version", "v0.11.2", *TRAFFIC)
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if line.startswith("│")]
    assert QWEN25 in rows[0] and "vLLM cannot load it" not in rows[0]
    assert QWEN35 in rows[1] and "vLLM cannot load it" in rows[1]
    assert f"{refusal}: set --engine-version to v0.17.0 or later, or size another model" in one_line(result.stdout)
    document = json.loads(size("--compare", QWEN35, QWEN25, "--engine-version", "v0.11.2", *TRAFFIC, "-f", "json").stdout)
    by_model = {m["model"]: m for m in document["models"]}
    assert by_model[QWEN35]["carried"] is False and by_model[QWEN35]["refusal"].startswith(refusal)
    assert by_model[QWEN25]["carried"] is True and by_model[QWEN25]["refusal"] is None


def test_a_model_both_releases_serve_is_sized_as_before(monkeypatch):
    for release in ("v0.11.2", "v0.33.0"):
        judged = rank_options(QWEN25, CAT, clouds=["aws", "gcp"], engine_version=release)
        assert judged.refusal is None and judged.feasible
        monkeypatch.setattr(ranking_module, "engine_refusal", lambda model, version: None)  # the ranking without the check
        unjudged = rank_options(QWEN25, CAT, clouds=["aws", "gcp"], engine_version=release)
        monkeypatch.undo()
        assert judged.to_json() == unjudged.to_json()
    result = size(QWEN25, "--engine-version", "v0.11.2", "--limit", "1")
    assert result.exit_code == 0 and "feasible options, ranked by $/month" in result.stdout and "cannot load" not in result.stdout


def test_size_offers_no_gpu_the_deployment_path_refuses_for_the_image(aws_environment):
    """vLLM v0.33.0's image has no kernels for a V100: a deployment on a V100 pool is refused, and size lists no V100 node."""
    kernels = "is built for compute capability 7.5, 8.0, 8.6, 8.9, 9.0, 10.0, 11.0, 12.0 only"
    raw = copy.deepcopy(aws_environment)
    raw["clusters"][0]["node_pools"].append({"name": "v100", "gpu": "V100-16GB", "instance_type": "p3.8xlarge", "min_nodes": 0, "max_nodes": 1})
    raw["deployments"] = [{"name": "m", "model": QWEN25, "pool": "v100", "latency_class": "batch", "engine_version": "v0.33.0",
                           "autoscaling": {"min_replicas": 0, "max_replicas": 1}}]
    deployment = [p for p in config_problems(raw) if ".engine_version:" in p]
    assert len(deployment) == 1 and kernels in deployment[0] and "has 7.0: its server would fail with no kernel for the GPU" in deployment[0]

    document = json.loads(size(QWEN25, "--cloud", "aws", "-f", "json").stdout)
    assert not [o for o in document["feasible"] if o["accelerator"] == "V100-16GB"]
    v100 = [r for r in document["infeasible"] if r["accelerator"] == "V100-16GB"]
    assert v100 and all(any(kernels in reason and "V100-16GB has 7.0: its server would fail with no kernel for the GPU" in reason
                            for reason in r["reasons"]) for r in v100)
    older = json.loads(size(QWEN25, "--cloud", "aws", "--engine-version", "v0.11.2", "-f", "json").stdout)
    assert [o for o in older["feasible"] if o["accelerator"] == "V100-16GB"]  # v0.11.2's image runs on it


def test_size_says_a_deployment_must_trust_the_repositorys_code_where_the_release_reads_its_config_only_so():
    from hangar.sizing.engine_models import remote_code

    model = "nvidia/Llama-3_3-Nemotron-Super-49B-v1"
    needs_code = remote_code(CAT.model(model), "v0.33.0")
    assert needs_code is not None
    result = size(model, "--limit", "1")
    assert result.exit_code == 0, result.output
    assert f"{needs_code}: a deployment of it must set trust_remote_code: true, or its stack is refused" in one_line(result.stdout)
    assert "must set trust_remote_code" not in size(QWEN25, "--limit", "1").stdout
