"""A deployment's precision agrees with the format its checkpoint is published in (hangar.precision).

DeepSeek-V3 is published in fp8: with `precision` unset it is sized at one byte a parameter, served with
`--quantization fp8`, and a 16-bit precision asked of it is a config error; a 16-bit checkpoint may be served
as published, cast, or quantised to fp8 as vLLM loads it, but not as awq, gptq or int8.
"""

from __future__ import annotations

import pytest

from hangar.catalog import load_catalog
from hangar.replica import replica_shape
from hangar.sizing import memory_fit
from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems as problems
from tests.h200_stacks import with_deployment
from tests.serving_plans import flags, plan_environment, server_container, workloads


def shape_of(raw):
    environment = environment_from_config(raw, "test")
    return replica_shape(environment, environment.deployments[0])


def test_an_unset_precision_serves_an_fp8_checkpoint_as_fp8(aws_environment):
    shape = shape_of(with_deployment(aws_environment, model="deepseek-ai/DeepSeek-V3"))

    assert shape.precision == "fp8"
    # 671.025 B parameters at one byte each, but embed_tokens and lm_head (2 x 129,280 x 7,168) at two: the download is
    # 1.85 GB more than one byte a parameter. At two bytes for all (the old bf16 default) 8 x H200 could not start it.
    embeddings = 2 * 129_280 * 7168
    assert shape.checkpoint_gib == pytest.approx((671.025e9 + embeddings) / 2**30)
    assert (shape.tensor_parallel, shape.auto_note) == (8, None)


def test_an_unset_precision_serves_a_bf16_checkpoint_as_bf16(aws_environment):
    shape = shape_of(with_deployment(aws_environment, model="meta-llama/Llama-3.1-8B-Instruct"))
    assert (shape.precision, shape.dtype) == ("bf16", "bfloat16")
    assert shape.checkpoint_gib == pytest.approx(load_catalog().model("meta-llama/Llama-3.1-8B-Instruct").params_total_b * 2e9 / 2**30)


def test_an_unknown_published_format_falls_back_to_bf16(aws_environment):
    # a model the catalog lacks: its format is unknown (gpt-oss's mxfp4 is known: tests/test_precision_mxfp4.py)
    raw = with_deployment(aws_environment, model="example-org/private-model", tensor_parallel=1)
    assert shape_of(raw).precision == "bf16"


def test_a_16_bit_checkpoint_may_be_quantised_to_fp8_as_it_loads(aws_environment):
    assert shape_of(with_deployment(aws_environment, model="meta-llama/Llama-3.1-8B-Instruct", precision="fp8")).precision == "fp8"


def test_the_fit_of_deepseek_counts_one_byte_a_parameter():
    model, h200 = load_catalog().model("deepseek-ai/DeepSeek-V3"), load_catalog().gpu("H200")
    as_published = memory_fit(model, h200, precision="fp8", tensor_parallel=8, max_context_tokens=8192)
    as_bf16 = memory_fit(model, h200, precision="bf16", tensor_parallel=8, max_context_tokens=8192)
    assert as_published.fits and not as_bf16.fits


RELEASES = ["v0.11.2", "v0.33.0"]


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("precision", ["bf16", "fp16", "int8", "awq", "gptq"])
def test_a_precision_an_fp8_checkpoint_cannot_be_served_in_is_a_config_error(aws_environment, precision, release):
    raw = with_deployment(aws_environment, model="deepseek-ai/DeepSeek-V3", precision=precision, engine_version=release)
    assert problems(raw) == [
        f"Pulumi.test.yaml: hangar:environment.deployments[0].precision: deepseek-ai/DeepSeek-V3 is published in fp8: vLLM {release} loads "
        f"deepseek-ai/DeepSeek-V3's fp8 quantization_config whatever --dtype says (vllm/config/model.py _verify_quantization); allowed: fp8 (or leave precision unset: fp8); got {precision!r}"
    ]


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("precision", ["awq", "gptq"])
def test_a_4_bit_precision_of_a_16_bit_checkpoint_is_a_config_error(aws_environment, precision, release):
    raw = with_deployment(aws_environment, model="meta-llama/Llama-3.1-8B-Instruct", precision=precision, engine_version=release)
    assert problems(raw) == [
        f"Pulumi.test.yaml: hangar:environment.deployments[0].precision: meta-llama/Llama-3.1-8B-Instruct is published in bf16: vLLM {release} "
        f"finds no {precision} quantisation config in a bf16 checkpoint ('Cannot find the config file for {precision}', vllm/model_executor/model_loader/weight_utils.py get_quant_config); serve a checkpoint "
        f"quantised ahead of time under its own id; allowed: bf16, fp16, fp8 (or leave precision unset: bf16); got {precision!r}"
    ]


@pytest.mark.parametrize("release", RELEASES)
def test_int8_of_a_16_bit_checkpoint_is_a_config_error(aws_environment, release):
    raw = with_deployment(aws_environment, model="meta-llama/Llama-3.1-8B-Instruct", precision="int8", engine_version=release)
    assert problems(raw) == [
        f"Pulumi.test.yaml: hangar:environment.deployments[0].precision: meta-llama/Llama-3.1-8B-Instruct is published in bf16: vLLM {release} "
        "quantises no dense weights to int8 as it loads (its online experts_int8 covers a mixture of experts' experts only, a layout Hangar "
        "does not size: vllm/model_executor/layers/quantization/experts_int8.py), so int8 takes a W8A8 int8 checkpoint: serve one under its own id; allowed: bf16, fp16, fp8 (or leave precision unset: "
        "bf16); got 'int8'"
    ]


def test_an_unnamed_release_is_judged_by_the_pinned_one(aws_environment):
    raw = with_deployment(aws_environment, model="meta-llama/Llama-3.1-8B-Instruct", precision="awq", engine_version="v0.20.0")
    (message,) = problems(raw)
    assert "vLLM v0.33.0 finds no awq quantisation config in a bf16 checkpoint" in message


def test_a_model_the_catalog_does_not_know_takes_any_precision(aws_environment):
    raw = with_deployment(aws_environment, model="example-org/private-model-AWQ", precision="awq", tensor_parallel=1)
    assert shape_of(raw).precision == "awq"


def test_the_server_of_an_fp8_checkpoint_is_told_fp8(aws_environment):
    raw = with_deployment(aws_environment, model="deepseek-ai/DeepSeek-V3", max_context_tokens=8192)
    (workload,) = workloads(plan_environment(raw))
    args = flags(server_container(workload)["args"])
    # vLLM would load fp8 anyway; the flag makes the rendered args (which the policies read) say so.
    assert (args["--quantization"], args["--dtype"], args["--tensor-parallel-size"]) == ("fp8", "bfloat16", "8")


def test_the_hardware_rule_judges_the_rendered_deepseek_server_in_fp8(aws_environment):
    from hangar.policies.rules import evaluate, load_pack_config
    from hangar.policies.rules.base import HARDWARE_FIT

    plan = plan_environment(with_deployment(aws_environment, model="deepseek-ai/DeepSeek-V3", max_context_tokens=8192))
    judged = evaluate(list(plan), load_pack_config({}, "test"))
    # In bf16 (what the args said before: --dtype bfloat16, no --quantization) 1,342 GB of weights exceed 8 x H200.
    assert [v.message for v in judged if v.policy == HARDWARE_FIT] == []


def test_the_cost_of_a_deepseek_route_part_is_planned_in_fp8():
    from hangar.cost import price_plan
    from hangar.cost.routes import route_costs
    from hangar.sizing.accelerators import accelerator_named
    from hangar.sizing.capacity import Demand, plan_capacity
    from tests.serving_plans import raw_environment

    raw = raw_environment("gke-chat")
    raw["clusters"][0]["node_pools"].append({"name": "h200", "gpu": "H200", "gpus_per_node": 8, "min_nodes": 0, "max_nodes": 1, "disk_gib": 1000, "zones": ["us-central1-a"]})
    large = raw["deployments"][1]
    del large["precision"]
    large.update(model="deepseek-ai/DeepSeek-V3", pool="h200")
    environment = environment_from_config(raw, "Pulumi.test.yaml")
    report = price_plan(plan_environment(raw))
    (chat,) = route_costs(environment, report, load_catalog())
    deepseek = chat.parts[1]

    catalog, deployment = load_catalog(), environment.deployments[1]
    (price,) = {line.usd_per_hour_each for line in report.lines if line.pool == "h200"}
    expected = plan_capacity(
        catalog.model("deepseek-ai/DeepSeek-V3"), accelerator_named(catalog, "H200"), Demand.declared(deployment.traffic, deployment.slo),
        accelerators_per_node=8, tensor_parallel=8, precision="fp8", kv_cache_dtype="auto", max_concurrent_sequences=deployment.max_concurrent_sequences,
        gpu_memory_utilization=deployment.gpu_memory_utilization, usd_per_hour_per_node=price, min_replicas=1,
    )  # fmt: skip
    assert expected.usd_per_million_tokens is not None
    assert deepseek.deployment == "qwen-32b" and deepseek.usd_per_million_tokens == pytest.approx(expected.usd_per_million_tokens)
