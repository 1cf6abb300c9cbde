"""gpt-oss is published with MXFP4 experts and is sized, served and judged so (hangar.sizing.mxfp4, hangar.precision).

Its config.json's `quantization_config` says mxfp4; with `precision` unset a deployment is served with
`--quantization mxfp4`, its checkpoint counts 4.25-bit experts and a bf16 rest, its fit counts the padding of the
kernel the deployment's vLLM release picks on the GPU, and a GPU below compute capability 8.0 is a hardware-fit violation.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hangar.catalog import load_catalog
from hangar.catalog.model_config import read_config
from hangar.replica import replica_shape
from hangar.sizing import memory_fit
from hangar.sizing.ranking import rank_options
from hangar.stackfile import StackConfigError, environment_from_config
from tests.serving_plans import flags, plan_environment, server_container, workloads

CONFIGS = Path(__file__).parent / "model_configs"
GIB = 2**30
CATALOG = load_catalog()
GPT_OSS_120B, GPT_OSS_20B = CATALOG.model("openai/gpt-oss-120b"), CATALOG.model("openai/gpt-oss-20b")


def expected_bytes(model, *, inner: int, hidden: int, tensor_parallel: int = 1) -> float:
    """gpt-oss's weights written out from its config: per expert and rank, gate+up (2 x inner rows) and down of 4-bit
    values with a one-byte scale per 32, and bf16 biases; everything outside the experts in bf16, the router (layers x
    2,880 x experts) whole on every rank."""
    per_expert = 3 * inner * hidden * (0.5 + 1 / 32) + (2 * inner + hidden) * 2
    experts_in_checkpoint = model.layers * model.num_experts * 3 * 2880 * 2880
    routers = model.layers * 2880 * model.num_experts * 2 * (tensor_parallel - 1)
    return model.layers * model.num_experts * per_expert * tensor_parallel + (model.params_total_b * 1e9 - experts_in_checkpoint) * 2 + routers


def with_pool(aws_environment, pool: dict, **deployment):
    aws_environment["clusters"][0]["node_pools"].append({"name": "gpu", "min_nodes": 0, "max_nodes": 1, **pool})
    aws_environment["deployments"] = [{"name": "m", "pool": "gpu", "latency_class": "batch", "autoscaling": {"min_replicas": 0, "max_replicas": 1}, **deployment}]
    return aws_environment


H100 = {"gpu": "H100-SXM", "instance_type": "p5.4xlarge"}
L4 = {"gpu": "L4", "instance_type": "g6.xlarge"}
T4 = {"gpu": "T4", "instance_type": "g4dn.xlarge"}


def hardware_violations(plan) -> list[str]:
    from hangar.policies.rules import evaluate, load_pack_config
    from hangar.policies.rules.base import HARDWARE_FIT

    return [v.message for v in evaluate(list(plan), load_pack_config({}, "test")) if v.policy == HARDWARE_FIT]


# --- the catalog ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture, model", [("gpt-oss-120b.json", GPT_OSS_120B), ("gpt-oss-20b.json", GPT_OSS_20B)])
def test_gpt_oss_is_catalogued_as_published_in_mxfp4(fixture, model):
    config = json.loads((CONFIGS / fixture).read_text())
    assert config["quantization_config"]["quant_method"] == "mxfp4"
    assert read_config(config).dtype == model.dtype == "mxfp4"


def test_another_quantisation_method_stays_unknown():
    config = json.loads((CONFIGS / "gpt-oss-20b.json").read_text())
    config["quantization_config"]["quant_method"] = "awq"
    assert read_config(config).dtype is None


# --- the checkpoint and the served precision --------------------------------------------------------------


@pytest.mark.parametrize("model, gib", [(GPT_OSS_120B, 60.77), (GPT_OSS_20B, 12.82)])
def test_the_checkpoint_counts_4_25_bit_experts_and_a_bf16_rest(aws_environment, model, gib):
    shape = replica_shape(environment := environment_from_config(with_pool(aws_environment, H100, model=model.hf_id, tensor_parallel=1), "t"), environment.deployments[0])
    assert shape.precision == "mxfp4"
    assert shape.checkpoint_gib == pytest.approx(expected_bytes(model, inner=2880, hidden=2880) / GIB)
    assert shape.checkpoint_gib == pytest.approx(gib, abs=0.01)
    # about a third of the 16-bit size the catalog sized it at before, or less
    assert shape.checkpoint_gib < model.params_total_b * 2e9 / GIB * 0.35


def test_an_unset_precision_serves_gpt_oss_with_the_mxfp4_flag(aws_environment):
    raw = with_pool(aws_environment, H100, model="openai/gpt-oss-120b", max_context_tokens=8192)
    (workload,) = workloads(plan_environment(raw))
    args = flags(server_container(workload)["args"])
    assert (args["--quantization"], args["--dtype"], args["--tensor-parallel-size"]) == ("mxfp4", "bfloat16", "1")


@pytest.mark.parametrize("precision", ["bf16", "fp16", "fp8", "awq"])
def test_a_precision_other_than_mxfp4_of_gpt_oss_is_a_config_error(aws_environment, precision):
    raw = with_pool(aws_environment, H100, model="openai/gpt-oss-20b", precision=precision)
    with pytest.raises(StackConfigError) as raised:
        environment_from_config(raw, "Pulumi.test.yaml")
    assert [str(p) for p in raised.value.problems] == [
        f"Pulumi.test.yaml: hangar:environment.deployments[0].precision: openai/gpt-oss-20b is published in mxfp4: vLLM v0.33.0 loads "
        f"openai/gpt-oss-20b's mxfp4 quantization_config whatever --dtype says (vllm/config/model.py _verify_quantization); allowed: mxfp4 (or leave precision unset: mxfp4); got {precision!r}"
    ]


def test_mxfp4_of_a_16_bit_checkpoint_is_a_config_error(aws_environment):
    raw = with_pool(aws_environment, H100, model="meta-llama/Llama-3.1-8B-Instruct", precision="mxfp4")
    with pytest.raises(StackConfigError) as raised:
        environment_from_config(raw, "Pulumi.test.yaml")
    (problem,) = raised.value.problems
    assert ("is published in bf16: Hangar plans mxfp4 only for a checkpoint published in it (gpt-oss's MXFP4 experts); vLLM v0.33.0's "
            "online mxfp4 of a 16-bit checkpoint is a layout Hangar does not size; allowed") in str(problem)
    assert "allowed: bf16, fp16, fp8 (or leave precision unset: bf16); got 'mxfp4'" in str(problem)


# --- the fit: the kernel's padding -------------------------------------------------------------------------


def test_on_hopper_v0_11_2_s_marlin_kernel_pads_the_experts():
    fit = memory_fit(GPT_OSS_120B, CATALOG.gpu("H100-SXM"), precision="mxfp4", max_context_tokens=8192, engine_version="v0.11.2")
    # Marlin: the expert width 2880 rounds up to 2944 (a multiple of 128), the hidden 2880 to 3072 (of 256)
    assert fit.weights_gib == pytest.approx(expected_bytes(GPT_OSS_120B, inner=2944, hidden=3072) / GIB)
    assert fit.weights_gib == pytest.approx(65.90, abs=0.01)
    two = memory_fit(GPT_OSS_120B, CATALOG.gpu("H100-SXM"), precision="mxfp4", max_context_tokens=8192, tensor_parallel=2, engine_version="v0.11.2")
    assert two.weights_gib == pytest.approx(expected_bytes(GPT_OSS_120B, inner=1536, hidden=3072, tensor_parallel=2) / GIB)


def test_on_blackwell_v0_11_2_s_flashinfer_kernel_pads_both_widths_to_256():
    fit = memory_fit(GPT_OSS_120B, CATALOG.gpu("B200"), precision="mxfp4", max_context_tokens=8192, engine_version="v0.11.2")
    assert fit.weights_gib == pytest.approx(expected_bytes(GPT_OSS_120B, inner=3072, hidden=3072) / GIB)


def test_with_lora_blackwell_takes_marlin_too():
    from hangar.sizing import LoraSlots

    fit = memory_fit(GPT_OSS_20B, CATALOG.gpu("B200"), precision="mxfp4", max_context_tokens=8192, lora=LoraSlots(1, 8))
    assert fit.weights_gib == pytest.approx(expected_bytes(GPT_OSS_20B, inner=2944, hidden=3072) / GIB)


def test_the_padding_decides_whether_gpt_oss_120b_starts_at_full_context_on_one_h100():
    # vLLM v0.33.0 serves the experts with the OAI Triton kernels on Hopper, unpadded, in 92 % of the memory: it starts
    assert memory_fit(GPT_OSS_120B, CATALOG.gpu("H100-SXM"), precision="mxfp4").fits
    fit = memory_fit(GPT_OSS_120B, CATALOG.gpu("H100-SXM"), precision="mxfp4", engine_version="v0.11.2")
    assert fit.max_context_tokens == 131072 and not fit.fits
    assert fit.reason.startswith("vLLM would not start: it needs 72.7 GiB (weights 65.9 + overhead 2.0 + KV cache of one 131,072-token sequence 4.8)")
    assert fit.reason.endswith("a max_model_len of at most 111,184 tokens would fit")
    unpadded = expected_bytes(GPT_OSS_120B, inner=2880, hidden=2880) / GIB
    assert unpadded + fit.overhead_gib + fit.kv_per_sequence_gib < fit.usable_gib  # the checkpoint's own size would have started


def test_gpt_oss_20b_fits_one_l4_in_mxfp4_not_in_bf16(aws_environment):
    plan = plan_environment(with_pool(aws_environment, L4, model="openai/gpt-oss-20b", tensor_parallel=1, max_context_tokens=8192))
    assert hardware_violations(plan) == []
    assert not memory_fit(GPT_OSS_20B, CATALOG.gpu("L4"), precision="bf16", max_context_tokens=8192).fits


# --- which GPUs -----------------------------------------------------------------------------------------------


def test_a_gpu_below_compute_capability_8_is_a_hardware_fit_violation(aws_environment):
    plan = plan_environment(with_pool(aws_environment, T4, model="openai/gpt-oss-20b", tensor_parallel=1, max_context_tokens=2048))
    messages = hardware_violations(plan)
    assert (
        "m: openai/gpt-oss-20b in mxfp4 on pool gpu (1 x T4 per node): T4 (Turing (SM75)) cannot serve mxfp4: vLLM's Mxfp4Config (v0.11.2 and v0.33.0) needs compute "
        "capability >= 8.0 and this GPU has 7.5, so vLLM refuses to start ('The quantization method mxfp4 is not supported for the current GPU')"
    ) in messages


def test_a_server_without_the_flag_is_judged_in_the_format_vllm_loads(aws_environment):
    plan = plan_environment(with_pool(aws_environment, L4, model="openai/gpt-oss-20b", tensor_parallel=1, max_context_tokens=8192))
    (server,) = [r for r in plan if r.inputs.get("kind") == "StatefulSet" and r.inputs["metadata"]["name"] == "m"]
    args = server.inputs["spec"]["template"]["spec"]["containers"][0]["args"]
    at = args.index("--quantization")
    del args[at : at + 2]  # a raw program that leaves vLLM to read the checkpoint's quantization_config
    # judged in bf16 (41.8 GB of weights) it would not fit one L4; vLLM loads it in mxfp4, which does
    assert hardware_violations(plan) == []


def test_sizing_ranks_gpt_oss_in_mxfp4_only_and_says_why_a_t4_cannot():
    ranking = rank_options(GPT_OSS_20B, CATALOG, max_context_tokens=4096, clouds=["aws"], include_tpus=False)
    assert ranking.feasible and {option.precision for option in ranking.feasible} == {"mxfp4"}
    (t4,) = [r for r in ranking.infeasible if r.machine.instance_type == "g4dn.xlarge"]
    assert t4.precision == "mxfp4" and "needs compute capability >= 8.0 and this GPU has 7.5" in t4.reasons[0]
    (bf16,) = rank_options(GPT_OSS_20B, CATALOG, precisions=["bf16"], max_context_tokens=4096, clouds=["aws"], include_tpus=False).infeasible[:1]
    assert bf16.reasons == (
        "openai/gpt-oss-20b is published in mxfp4: vLLM v0.33.0 loads openai/gpt-oss-20b's mxfp4 quantization_config whatever --dtype says (vllm/config/model.py _verify_quantization); "
        "allowed: mxfp4 (or leave precision unset: mxfp4)",
    )


def test_the_active_weights_of_gpt_oss_count_the_bf16_rest_and_the_active_experts_in_mxfp4():
    from hangar.sizing.memory import weight_bytes

    rest = GPT_OSS_20B.params_total_b * 1e9 - GPT_OSS_20B.layers * GPT_OSS_20B.num_experts * 3 * 2880 * 2880
    active = weight_bytes(GPT_OSS_20B, "mxfp4", active=True)
    assert active == pytest.approx(rest * 2 + (GPT_OSS_20B.params_active_b * 1e9 - rest) * (0.5 + 1 / 32))
    assert active < weight_bytes(GPT_OSS_20B, "mxfp4")
