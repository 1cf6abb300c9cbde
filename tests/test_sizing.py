"""Sizing: memory fit, tensor-parallel degree, and the optimiser against brute force (capability and throughput:
tests/test_sizing_throughput.py).

Figures are checked against published statements (cited beside each test) and vLLM v0.11.2's own
rules (`hangar.sizing.engine` names the files). Pure core: no Pulumi.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hangar.catalog import load_catalog
from hangar.sizing import (
    GIB,
    GPU_MEMORY_UTILIZATION,
    RUNTIME_OVERHEAD_GIB_PER_GPU,
    Accelerator,
    SizingError,
    auto_tp,
    estimate_throughput,
    kv_bytes_per_token,
    kv_replication,
    memory_fit,
    pareto_front,
    rank_options,
    smallest_tp,
    tp_problems,
    valid_tp_degrees,
    weight_bytes,
)
from hangar.sizing.replicated_weights import engine_extra_bytes

CAT = load_catalog()
LLAMA_70B = CAT.model("meta-llama/Llama-3.1-70B-Instruct")
LLAMA_8B = CAT.model("meta-llama/Llama-3.1-8B-Instruct")
H100 = CAT.gpu("H100-SXM")


# --- facts against published figures ------------------------------------------------------------------


def test_llama_70b_weights_match_published_footprint():
    # 70.55B parameters from its config.json -> ~141 GB in bf16 (Hugging Face "Llama 3.1" blog: 140 GB)
    assert weight_bytes(LLAMA_70B, "bf16") / 1e9 == pytest.approx(141.2, abs=0.5)
    # quantised, its untied embedding and head (2 x 128,256 x 8,192 = 2.10B) stay 16-bit as vLLM loads them
    embeddings = 2 * 128_256 * 8192
    assert (LLAMA_70B.vocab_size, LLAMA_70B.hidden_size, LLAMA_70B.tie_word_embeddings) == (128_256, 8192, False)
    assert weight_bytes(LLAMA_70B, "fp8") / 1e9 == pytest.approx(72.65, abs=0.01)
    assert weight_bytes(LLAMA_70B, "fp8") == pytest.approx((LLAMA_70B.params_total_b * 1e9 - embeddings) + 2 * embeddings)
    # 4-bit, a 16-bit scale and a 4-bit zero per group of 128 (ESTIMATE)
    assert weight_bytes(LLAMA_70B, "awq") / 1e9 == pytest.approx(39.76, abs=0.01)


def test_h100_memory_and_vllm_usable_share():
    assert H100.memory_gib == 80
    fit = memory_fit(LLAMA_8B, H100, max_context_tokens=1024, concurrent_sequences=1)
    assert fit.usable_gib == pytest.approx(80 * 0.92) and GPU_MEMORY_UTILIZATION == 0.92  # vLLM v0.33.0's default
    assert memory_fit(LLAMA_8B, H100, max_context_tokens=1024, engine_version="v0.11.2").usable_gib == pytest.approx(80 * 0.90)


def test_v5e_2x4_slice_has_eight_chips_of_16_gib():
    shape = CAT.tpu_slice("v5e", "2x4")
    assert shape.chips == 8 and shape.nodes == 1
    chip = Accelerator.of(next(t for t in CAT.tpus if t.machine_type == shape.machine_type))
    assert chip.memory_gib == 16 and chip.kind == "tpu" and chip.formats == frozenset({"bf16"})


def test_kv_cache_matches_hf_llama31_table():
    # Hugging Face "Llama 3.1" blog (https://huggingface.co/blog/llama31), KV cache in fp16: 0.125 GB (8B) and 0.313 GB (70B) per 1k tokens
    assert kv_bytes_per_token(LLAMA_8B) * 1024 / GIB == pytest.approx(0.125)
    assert kv_bytes_per_token(LLAMA_70B) * 1024 / GIB == pytest.approx(0.3125)
    assert kv_bytes_per_token(LLAMA_70B) * 131072 / GIB == pytest.approx(40.0)  # 2 x 80 layers x 8 KV heads x 128 x 2 bytes x 131,072
    assert kv_bytes_per_token(LLAMA_70B, "fp8") == kv_bytes_per_token(LLAMA_70B) / 2


def test_planning_example_70b_bf16_on_two_h100():
    # 2 x H100-80GB give 147.2 GiB usable at 92 %; ~131 GiB of weights; ~11.8 GiB left after ~2 GiB/GPU
    fit = memory_fit(LLAMA_70B, H100, precision="bf16", tensor_parallel=2, max_context_tokens=1, concurrent_sequences=1)
    assert fit.usable_gib == pytest.approx(147.2)
    assert fit.weights_gib == pytest.approx(131.5, abs=0.1)
    assert fit.headroom_gib == pytest.approx(11.8, abs=0.1)
    # ... which holds about 38k tokens in total at 320 KiB/token
    tokens = fit.headroom_gib * GIB / kv_bytes_per_token(LLAMA_70B)
    assert 38_000 < tokens < 39_000


def test_gpt_oss_120b_4bit_fits_one_80gb_gpu_as_published():
    # gpt-oss-120b runs "on a single H100 GPU" with its MXFP4 experts (openai/gpt-oss README.md); hangar.sizing.mxfp4 sizes them
    gpt_oss = CAT.model("openai/gpt-oss-120b")
    fit = memory_fit(gpt_oss, H100, precision="mxfp4", max_context_tokens=8192, concurrent_sequences=4)
    assert fit.fits
    assert not memory_fit(gpt_oss, H100, precision="bf16", max_context_tokens=1024, concurrent_sequences=1).fits


# --- memory breakdown ----------------------------------------------------------------------------------


def test_breakdown_adds_up_and_explains_a_miss():
    # vLLM starts Llama-70B fp8 on one H100 at 4k: weights (67.7 GiB, the embeddings in 16 bits) + overhead + ONE 4k sequence fit ...
    fit = memory_fit(LLAMA_70B, H100, precision="fp8", max_context_tokens=4096, concurrent_sequences=16)
    assert fit.weights_gib == pytest.approx(weight_bytes(LLAMA_70B, "fp8") / GIB) == pytest.approx(67.66, abs=0.01)
    assert fit.kv_per_sequence_gib == pytest.approx(1.25)  # 320 KiB x 4096
    assert fit.overhead_gib == RUNTIME_OVERHEAD_GIB_PER_GPU
    assert fit.kv_budget_gib == pytest.approx(fit.usable_gib - fit.weights_gib - fit.overhead_gib)
    assert fit.headroom_gib == pytest.approx(fit.usable_gib - fit.required_gib)
    assert fit.fits and fit.reason is None
    # ... and its KV cache then holds three such sequences, not the 16 asked for: capacity, not a failure
    assert fit.capacity_sequences == 3 and not fit.holds_all_sequences and fit.batched_sequences == 3
    assert "holds 3 sequences of 4,096 tokens at once, fewer than max_num_seqs 16" in fit.capacity_note()
    # without --max-model-len vLLM takes the model's 131,072 tokens, and then it does not start
    miss = memory_fit(LLAMA_70B, H100, precision="fp8")
    assert miss.max_context_tokens == 131072 and "max_context_tokens" in miss.defaulted
    assert not miss.fits and miss.capacity_sequences == 0
    assert "36.1 GiB short" in miss.reason and "KV cache of one 131,072-token sequence 40.0" in miss.reason
    # vLLM's own estimate of the longest max_model_len that fits: whole 16-token blocks of 320 KiB in the 3.94 GiB left,
    # less the one block v0.33.0 holds back
    assert miss.max_tokens_that_fit == 12_880 and "at most 12,880 tokens would fit" in miss.reason
    assert memory_fit(LLAMA_70B, H100, precision="fp8", max_context_tokens=12_880).fits
    assert not memory_fit(LLAMA_70B, H100, precision="fp8", max_context_tokens=12_881).fits


def test_vllm_defaults_fill_what_the_arguments_leave_out():
    qwen = CAT.model("Qwen/Qwen2.5-7B-Instruct")
    on_l4 = memory_fit(qwen, CAT.gpu("L4"))
    assert (on_l4.max_context_tokens, on_l4.concurrent_sequences, on_l4.max_num_batched_tokens) == (32768, 256, 2048)
    on_h100 = memory_fit(qwen, H100)  # >= 70 GiB and not an A100: vLLM's larger batch defaults
    assert (on_h100.concurrent_sequences, on_h100.max_num_batched_tokens) == (1024, 8192)
    on_a100 = memory_fit(qwen, CAT.gpu("A100-80GB"))
    assert (on_a100.concurrent_sequences, on_a100.max_num_batched_tokens) == (256, 2048)
    given = memory_fit(qwen, H100, max_context_tokens=4096, concurrent_sequences=8)
    assert (given.max_context_tokens, given.concurrent_sequences) == (4096, 8) and given.defaulted == ("max_num_batched_tokens",)


def test_the_qwen_7b_false_positive_on_one_l4():
    # `--model Qwen/Qwen2.5-7B-Instruct --max-model-len 32768` on one L4: vLLM starts (one 32k sequence is 1.75 GiB)
    fit = memory_fit(CAT.model("Qwen/Qwen2.5-7B-Instruct"), CAT.gpu("L4"), max_context_tokens=32768)
    assert fit.fits and fit.kv_per_sequence_gib == pytest.approx(1.75)
    assert fit.required_gib == pytest.approx(7.615e9 * 2 / GIB + 2 + 1.75 + 16 * 57_344 / GIB)  # + the null block: 16 tokens of 56 KiB
    assert fit.capacity_sequences == 3  # (21.6 - 14.19 - 2) GiB / 1.75 GiB


def test_moe_is_sized_by_total_parameters_and_computed_by_active():
    mixtral = CAT.model("mistralai/Mixtral-8x7B-Instruct-v0.1")
    assert mixtral.is_moe
    fit = memory_fit(mixtral, H100, precision="bf16", max_context_tokens=1024, concurrent_sequences=1)
    # the row's counts are read from its config.json: 46.703B total, 12.749B active
    assert fit.weights_gib == pytest.approx(mixtral.params_total_b * 1e9 * 2 / GIB) == pytest.approx(87.0, abs=0.1)  # every expert resident, not 25.8 GB
    assert not fit.fits and "the weights alone do not fit" in fit.reason  # 87 GiB of weights > 72 GiB usable on one H100
    estimate = estimate_throughput(mixtral, H100, precision="bf16", max_context_tokens=1024, concurrent_sequences=1)
    assert estimate.bytes_per_decode_step == pytest.approx(mixtral.params_active_b * 1e9 * 2 + 131072 * 1024)
    assert estimate.flops_per_token == pytest.approx(2 * mixtral.params_active_b * 1e9)
    assert any("MoE" in note for note in estimate.assumptions)


def test_long_context_kv_dominates_and_fp8_kv_rescues_it():
    l4 = CAT.gpu("L4")
    full = memory_fit(LLAMA_8B, l4, precision="bf16", max_context_tokens=131072, concurrent_sequences=1)
    assert full.kv_per_sequence_gib == pytest.approx(16.0)  # 128 KiB x 131,072
    assert not full.fits and "10.9 GiB short" in full.reason
    halved = memory_fit(LLAMA_8B, l4, precision="fp8", kv_cache_dtype="fp8", max_context_tokens=131072, concurrent_sequences=1)
    assert halved.kv_per_sequence_gib == pytest.approx(8.0) and halved.fits


def test_context_longer_than_the_model_is_refused():
    with pytest.raises(SizingError, match="exceeds .*32,768"):
        rank_options("Qwen/Qwen2.5-7B-Instruct", CAT, max_context_tokens=65536)
    with pytest.raises(SizingError, match="unknown precision"):
        memory_fit(LLAMA_8B, H100, precision="int3")


def test_a_checkpoint_published_in_fp8_is_not_sized_in_bf16_and_needs_a_whole_large_node():
    deepseek = CAT.model("deepseek-ai/DeepSeek-V3")
    # vLLM v0.11.2 loads its fp8 quantization_config whatever --dtype says: bf16 is refused on every machine, with the reason
    bf16 = rank_options(deepseek, CAT, precisions=["bf16"])
    assert bf16.feasible == () and bf16.best is None and bf16.infeasible
    assert {r.reasons[0] for r in bf16.infeasible} == {
        "deepseek-ai/DeepSeek-V3 is published in fp8: vLLM v0.33.0 loads deepseek-ai/DeepSeek-V3's fp8 quantization_config whatever --dtype "
        "says (vllm/config/model.py _verify_quantization); allowed: fp8 (or leave precision unset: fp8)"
    }
    assert "not offered: bf16 (deepseek-ai/DeepSeek-V3 is published in fp8, which vLLM v0.33.0 loads whatever --dtype says)" in bf16.notes
    # in fp8 (its native format) one 8 x H200 node holds it at 8k
    fp8 = rank_options(deepseek, CAT, precisions=["fp8"])
    assert {o.instance_type for o in fp8.feasible} >= {"p5en.48xlarge", "a3-ultragpu-8g"}
    assert all(o.machine.accelerator.name in ("H200", "B200") for o in fp8.feasible)
    # Kimi K2 (1T parameters, fp8) at its full 131,072-token context: only 8 x B200
    kimi = CAT.model("moonshotai/Kimi-K2-Instruct")
    full = rank_options(kimi, CAT, max_context_tokens=kimi.max_context_tokens)
    assert {(o.instance_type, o.precision, o.tensor_parallel) for o in full.feasible} == {("p6-b200.48xlarge", "fp8", 8)}


def test_mla_latent_cache_is_replicated_across_tp():
    deepseek = CAT.model("deepseek-ai/DeepSeek-V3")
    assert kv_replication(deepseek, 8) == 8
    assert kv_bytes_per_token(deepseek, tensor_parallel=8) == 70_272 * 8


# --- tensor parallelism --------------------------------------------------------------------------------


def test_tp_that_does_not_divide_the_heads():
    phi4 = CAT.model("microsoft/phi-4")  # 40 heads, 10 KV heads
    assert any("10 KV heads" in p for p in tp_problems(phi4, 4))
    assert valid_tp_degrees(phi4, 16) == [1, 2]  # 10 KV heads: only TP 1 or 2 among powers of two
    qwen7b = CAT.model("Qwen/Qwen2.5-7B-Instruct")  # 28 heads, 4 KV heads
    assert any("28 attention heads" in p for p in tp_problems(qwen7b, 8))
    assert valid_tp_degrees(qwen7b, 16) == [1, 2, 4]
    assert 16 not in valid_tp_degrees(CAT.model("Qwen/Qwen2.5-32B"), 16)  # 40 heads
    assert valid_tp_degrees(CAT.model("google/gemma-2-9b-it"), 16) == [1, 2, 4, 8, 16]
    assert tp_problems(LLAMA_70B, 3) == ["TP 3 is not a power of two"]


@pytest.mark.parametrize(
    "hf_id, expected",
    [  # vLLM's head-divisibility rules applied to each model's heads
        ("meta-llama/Llama-3.1-8B-Instruct", [1, 2, 4, 8, 16]),
        ("Qwen/Qwen3-235B-A22B", [1, 2, 4, 8, 16]),
        ("deepseek-ai/DeepSeek-V3", [1, 2, 4, 8, 16]),
        ("microsoft/Phi-3-mini-4k-instruct", [1, 2, 4, 8, 16]),
        ("deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", [1, 2, 4, 8]),  # 40 heads, 8 KV heads
        ("openai-community/gpt2", [1, 2, 4]),
    ],
)
def test_valid_tp_degrees_match_the_reference_table(hf_id, expected):
    assert valid_tp_degrees(CAT.model(hf_id), 16) == expected


def test_kv_heads_replicate_when_tp_exceeds_them():
    qwen3 = CAT.model("Qwen/Qwen3-235B-A22B")  # 4 KV heads
    assert kv_replication(qwen3, 4) == 1
    assert kv_replication(qwen3, 8) == 2 and kv_replication(qwen3, 16) == 4
    fit = memory_fit(qwen3, CAT.gpu("H200"), precision="fp8", tensor_parallel=8, max_context_tokens=8192)
    assert fit.kv_replication == 2
    assert fit.kv_per_sequence_gib == pytest.approx(qwen3.kv_bytes_per_token_bf16 * 2 * 8192 / GIB)


def test_smallest_tp():
    choice = smallest_tp(LLAMA_70B, H100, 8, precision="bf16")
    assert choice.tensor_parallel == 4 and choice.fit.fits  # 131 GiB of bf16 weights leave too little on 2 x 72 GiB
    assert smallest_tp(LLAMA_70B, H100, 8, precision="fp8").tensor_parallel == 2
    assert smallest_tp(LLAMA_8B, H100, 8).tensor_parallel == 1


def test_auto_tp_wants_the_declared_sequences_and_settles_for_a_start():
    qwen = CAT.model("Qwen/Qwen2.5-7B-Instruct")
    # TP 1 starts (capacity 3), TP 2 holds 14, TP 4 holds all 16 sequences of 32k: auto takes TP 4
    assert smallest_tp(qwen, CAT.gpu("L4"), 4, max_context_tokens=32768, concurrent_sequences=16).tensor_parallel == 1
    choice = auto_tp(qwen, CAT.gpu("L4"), 4, max_context_tokens=32768, concurrent_sequences=16)
    assert (choice.tensor_parallel, choice.fit.capacity_sequences, choice.note) == (4, 37, None)
    # 64 sequences are held by no degree of one node: the most capacity it has, and a note with the numbers
    crowded = auto_tp(qwen, CAT.gpu("L4"), 4, max_context_tokens=32768, concurrent_sequences=64)
    assert crowded.tensor_parallel == 4
    assert crowded.note.startswith("no TP degree within one node of 4 x L4 holds all 64 sequences of 32,768 tokens; at TP 4 its KV cache holds 37")
    # Llama-70B fp8: one H100 starts it but holds one 8k sequence; two hold 30
    assert auto_tp(LLAMA_70B, H100, 8, precision="fp8", max_context_tokens=8192, concurrent_sequences=16).tensor_parallel == 2


def test_smallest_tp_says_when_the_heads_forbid_it():
    phi4 = CAT.model("microsoft/phi-4")  # 27.4 GiB of fp16 weights: 2 x T4 are too few, 4 x T4 would do, TP 4 is invalid
    choice = smallest_tp(phi4, CAT.gpu("T4"), 8, precision="fp16", max_context_tokens=16384, concurrent_sequences=8)
    assert choice.tensor_parallel is None and not choice.needs_multiple_nodes
    assert choice.min_accelerators == 4
    assert "no valid TP degree <= 8" in choice.reason and "TP 4 does not divide the 10 KV heads" in choice.reason


def test_smallest_tp_says_when_it_needs_more_than_one_node():
    choice = smallest_tp(CAT.model("deepseek-ai/DeepSeek-V3"), H100, 8, precision="fp8")
    assert choice.tensor_parallel is None and choice.needs_multiple_nodes and choice.min_accelerators == 16
    assert choice.reason.startswith("needs more than one node: at least 16 x H100-SXM")


# --- the optimiser -------------------------------------------------------------------------------------------

BYTES = {"bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "awq": 0.5 + 2.5 / 128, "gptq": 0.5 + 2.5 / 128}
SERVED_FROM = {"bfloat16": {"bf16", "fp16", "fp8"}, "float16": {"bf16", "fp16", "fp8"}, "fp8": {"fp8"}, "modelopt-fp8": {"fp8"},
               **{f"w4a16-g{group}{asym}": set() for group in (32, 64, 128) for asym in ("", "-asym")}}
"""What vLLM v0.11.2 serves a checkpoint published in each format in (a quantised one only in its own format: a W4A16
checkpoint, Kimi K2.5's, only as int4, which this brute force does not size)."""


def _weights(model, precision):
    """Weights as vLLM holds them: quantised formats keep the token embedding and output head in 16 bits."""
    if BYTES[precision] == 2.0 or model.vocab_size is None or model.hidden_size is None or model.tie_word_embeddings is None:
        return model.params_total_b * 1e9 * BYTES[precision]
    embeddings = model.vocab_size * model.hidden_size * (1 if model.tie_word_embeddings else 2)
    return (model.params_total_b * 1e9 - embeddings) * BYTES[precision] + embeddings * 2


def _one_sequence_kv(model, context, kv_dtype, tp, memory, name, kind):
    """KV bytes of ONE sequence as vLLM v0.33.0 (the pinned release) allocates it, written out from its per-layer specs."""
    if kv_dtype == "auto" and model.kv_cache_dtype == "fp8":  # v0.33.0 takes a ModelOpt checkpoint's declared fp8 KV for auto
        kv_dtype = "fp8"
    capability = Accelerator.of(CAT.gpu(name)).compute_capability if kind == "gpu" else None
    if kv_dtype == "auto" and model.text_model_type == "glm_moe_dsa" and capability is not None and capability // 10 == 10:
        kv_dtype = "fp8"  # GLM-5 on Blackwell: v0.33.0 defaults its KV cache to fp8 (hangar.sizing.kv.served_kv_dtype)
    heads = model.kv_heads
    replication = tp if heads is None else max(1, heads // tp) * tp / heads
    per_layer_token = model.kv_bytes_per_token_bf16 / model.kv_layers * (0.5 if kv_dtype == "fp8" else 1.0) * replication
    full_token = sliding_token = per_layer_token
    if model.global_kv_heads:  # Gemma 4: full-attention layers of their own shape, replicated by their own head count
        global_replication = max(1, model.global_kv_heads // tp) * tp / model.global_kv_heads
        full_token = 2 * model.global_kv_heads * model.global_head_dim * (1 if kv_dtype == "fp8" else 2) * global_replication
        sliding_token = 2 * model.kv_heads * model.head_dim * (1 if kv_dtype == "fp8" else 2) * replication
    blackwell = name == "B200"  # the catalog's one compute capability 10.0 GPU
    if model.indexer_bytes_per_token:  # DeepSeek-V3.2: latent (656-byte fp8_ds_mla in fp8, plain fp8 on B200) + indexer keys, on every rank
        latent = (model.kv_lora_rank + model.qk_rope_head_dim) * (2 if kv_dtype != "fp8" else 1 if blackwell else 0) or 656
        full_token = sliding_token = (latent + model.indexer_bytes_per_token / model.kv_layers) * tp
    sliding = model.sliding_window_layers or 0
    # blocks: 64 tokens for a sparse latent model, 32 for latent attention on B200 (FLASHINFER_MLA), else 16
    block = 64 if model.indexer_bytes_per_token else 32 if model.kv_lora_rank and blackwell and kind == "gpu" else 16
    full_tokens = math.ceil(context / block) * block
    if sliding and kind == "gpu":  # hybrid KV-cache manager: the window + two batches in flight of max_num_batched_tokens, + 1 block
        batched = 16384 if memory >= 160 else 8192 if memory >= 70 and "A100" not in name else 2048
        sliding_tokens = (math.ceil(min(model.sliding_window - 1 + 2 * batched, context) / block) + 1) * block
    else:
        sliding_tokens = full_tokens
    one = full_token * (model.kv_layers - sliding) * full_tokens + sliding_token * sliding * sliding_tokens + (model.state_bytes_per_sequence or 0)
    # the null block vLLM v0.33.0's start-up check holds back: one block of the pool, every layer's page where the layers
    # form one group, else a group of the larger page (groups of the smaller kind's count, or the larger's under 1.5x)
    full = model.kv_layers - sliding
    if kind != "gpu" or not sliding or not full:
        null = block * (full_token * full + sliding_token * sliding)
    else:
        group = max(full, sliding) if max(full, sliding) < 1.5 * min(full, sliding) else min(full, sliding)
        null = block * group * max(full_token, sliding_token)
        if full_token == sliding_token:  # one page size: groups of `group` layers, the last of each kind padded, counted whole
            one = null * (math.ceil(full / group) * full_tokens + math.ceil(sliding / group) * sliding_tokens) / block
    return one, null


def _brute_force(model, precisions, context, concurrency, kv_dtype="auto", clouds=None, spot=False, utilization=0.92):
    """Every (cloud, instance, precision, tp) on which vLLM starts the model, with its price and capacity."""
    machines = []
    for row in CAT.instances:
        if row.gpu is None or (clouds and row.cloud not in clouds):
            continue
        gpu = CAT.gpu(row.gpu)
        if gpu.architecture.startswith("Volta"):  # v0.33.0's image: kernels from capability 7.5 only (hangar.sizing.engine_images)
            continue
        supports = {"bf16": gpu.bf16, "fp16": gpu.fp16, "fp8": gpu.fp8, "int8": gpu.int8, "awq": gpu.awq, "gptq": gpu.gptq}
        price = row.price_spot_usd_hr if spot else row.price_ondemand_usd_hr
        machines.append((row.cloud, row.instance_type, gpu.name, "gpu", gpu.memory_gib, row.gpu_count, supports, price))
    if not clouds or "gcp" in clouds:
        for tpu in CAT.tpus:
            if tpu.single_host:
                per_chip = tpu.price_spot_usd_per_chip_hr if spot else tpu.price_ondemand_usd_per_chip_hr
                price = None if per_chip is None else per_chip * tpu.chips_per_host
                supports = {p: p == "bf16" for p in BYTES}
                machines.append(("gcp", tpu.machine_type, f"TPU {tpu.generation}", "tpu", tpu.hbm_per_chip_gib, tpu.chips_per_host, supports, price))
    found = {}
    for cloud, instance, name, kind, memory, count, supports, price in machines:
        for precision in precisions:
            if not supports[precision] or model.dtype == "mxfp4":  # a checkpoint published in mxfp4 is served only so
                continue
            if model.dtype is not None and precision not in SERVED_FROM[model.dtype]:
                continue
            if model.dtype is None and precision in ("awq", "gptq", "int8"):  # no checkpoint in it is known to exist
                continue
            for tp in (1, 2, 4, 8, 16, 32):
                if tp > count or model.attention_heads % tp:
                    continue
                if any(h is not None and ((h >= tp and h % tp) or (h < tp and tp % h)) for h in (model.kv_heads, model.global_kv_heads)):
                    continue
                weights = _weights(model, precision) + engine_extra_bytes(model, precision, BYTES[precision], tp)  # kept whole on each GPU
                one, null = _one_sequence_kv(model, context, kv_dtype, tp, memory, name, kind)
                budget = memory * tp * utilization * GIB - weights - 2 * tp * GIB
                if budget >= one + null:
                    found[(cloud, instance, precision, tp)] = (price, int((budget - null) // one))
    return found


CASES = [
    ("meta-llama/Llama-3.1-70B-Instruct", ["fp8"], 8192, 16, "auto", None, False),
    ("meta-llama/Llama-3.1-70B-Instruct", ["bf16", "fp8", "awq"], 32768, 64, "fp8", None, False),
    ("meta-llama/Llama-3.1-8B-Instruct", ["bf16", "fp16"], 8192, 16, "auto", None, False),
    ("Qwen/Qwen2.5-7B-Instruct", ["bf16"], 8192, 8, "auto", ["gcp"], True),
    ("microsoft/phi-4", ["bf16", "fp8"], 16384, 32, "auto", ["aws", "azure"], False),
    ("mistralai/Mixtral-8x7B-Instruct-v0.1", ["bf16", "int8", "gptq"], 16384, 16, "auto", None, False),
    ("google/gemma-2-9b-it", ["bf16"], 8192, 32, "auto", ["gcp"], False),
    ("Qwen/Qwen3-235B-A22B", ["fp8", "awq"], 32768, 16, "fp8", None, True),
    ("meta-llama/Llama-3.1-405B-Instruct", ["fp8"], 8192, 8, "auto", None, False),
]


@pytest.mark.parametrize("hf_id, precisions, context, concurrency, kv_dtype, clouds, spot", CASES)
def test_optimiser_agrees_with_brute_force(hf_id, precisions, context, concurrency, kv_dtype, clouds, spot):
    model = CAT.model(hf_id)
    ranking = rank_options(model, CAT, precisions=precisions, max_context_tokens=context, concurrent_sequences=concurrency,
                           kv_cache_dtype=kv_dtype, clouds=clouds, spot=spot)
    brute = _brute_force(model, precisions, context, concurrency, kv_dtype, clouds, spot)
    got = {(o.cloud, o.instance_type, o.precision, o.tensor_parallel): (o.usd_per_hour, o.fit.capacity_sequences) for o in ranking.feasible}
    assert got == brute
    priced = {key: price for key, (price, _) in brute.items() if price is not None}
    if priced:
        cheapest = min(priced.values())
        assert ranking.best.usd_per_hour == pytest.approx(cheapest)
        assert ranking.feasible[0].usd_per_hour == pytest.approx(cheapest)
        winners = {key for key, price in priced.items() if price == cheapest}
        assert (ranking.best.cloud, ranking.best.instance_type, ranking.best.precision, ranking.best.tensor_parallel) in winners
    # ranked by $/month, unknown prices last
    months = [o.usd_per_month for o in ranking.feasible]
    known = [m for m in months if m is not None]
    assert known == sorted(known) and months == known + [None] * (len(months) - len(known))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    # a hybrid (linear-attention) model's pages and groups are derived by hand in tests/test_kv_pool.py; a W4A16 checkpoint
    # (Kimi K2.5's int4 experts) is sampled too: SERVED_FROM says none of these precisions serves it
    hf_id=st.sampled_from(sorted(m for m, row in CAT.models.items()
                                 if row.state_bytes_per_sequence is None and (row.dtype in (None, "mxfp4") or row.dtype in SERVED_FROM))),
    precision=st.sampled_from(["bf16", "fp16", "fp8", "int8", "awq", "gptq"]),
    context_exp=st.integers(min_value=10, max_value=17),
    concurrency=st.sampled_from([1, 4, 16, 64, 256]),
    kv_dtype=st.sampled_from(["auto", "fp8"]),
)
def test_optimiser_agrees_with_brute_force_everywhere(hf_id, precision, context_exp, concurrency, kv_dtype):
    model = CAT.model(hf_id)
    context = min(2**context_exp, model.max_context_tokens)
    ranking = rank_options(model, CAT, precisions=[precision], max_context_tokens=context, concurrent_sequences=concurrency, kv_cache_dtype=kv_dtype)
    brute = _brute_force(model, [precision], context, concurrency, kv_dtype)
    assert {(o.cloud, o.instance_type, o.precision, o.tensor_parallel): o.fit.capacity_sequences for o in ranking.feasible} == {
        key: capacity for key, (_, capacity) in brute.items()
    }
    priced = [p for p, _ in brute.values() if p is not None]
    if priced:
        assert ranking.best.usd_per_hour == pytest.approx(min(priced))


def test_every_machine_precision_pair_is_either_an_option_or_a_reason():
    ranking = rank_options(LLAMA_70B, CAT, precisions=["bf16", "fp8"])
    feasible = {(o.instance_type, o.precision) for o in ranking.feasible}
    rejected = {(r.machine.instance_type, r.precision) for r in ranking.infeasible}
    assert not feasible & rejected
    machines = {t.machine_type for t in CAT.tpus if t.single_host} | {r.instance_type for r in CAT.instances if r.gpu}
    assert feasible | rejected == {(m, p) for m in machines for p in ("bf16", "fp8")}
    assert all(r.reasons and all(r.reasons) for r in ranking.infeasible)


def test_default_precisions_use_fp16_only_where_bf16_is_missing():
    ranking = rank_options(LLAMA_8B, CAT)
    by_gpu = {(o.machine.accelerator.name, o.precision) for o in ranking.feasible}
    assert ("T4", "fp16") in by_gpu and ("T4", "bf16") not in by_gpu
    assert ("H100-SXM", "bf16") in by_gpu and ("H100-SXM", "fp16") not in by_gpu


def test_unknown_prices_rank_last_and_never_count_as_free():
    ranking = rank_options(LLAMA_70B, CAT, precisions=["fp8"], clouds=["aws"])
    p5e = [o for o in ranking.feasible if o.instance_type == "p5e.48xlarge"]
    assert p5e and all(o.usd_per_hour is None and o.usd_per_month is None and o.usd_per_million_tokens is None for o in p5e)
    assert ranking.feasible[-1].usd_per_hour is None and ranking.best.usd_per_hour is not None


def test_replicas_per_node_multiply_node_throughput():
    ranking = rank_options(LLAMA_8B, CAT, precisions=["bf16"], clouds=["aws"])
    p5_tp1 = next(o for o in ranking.feasible if o.instance_type == "p5.48xlarge" and o.tensor_parallel == 1)
    assert p5_tp1.replicas_per_node == 8
    assert p5_tp1.node_decode_tokens_per_s == pytest.approx(8 * p5_tp1.throughput.decode_tokens_per_s)
    assert p5_tp1.usd_per_million_tokens == pytest.approx(55.04 / (p5_tp1.node_decode_tokens_per_s * 3600) * 1e6)


def test_sort_by_cost_per_token():
    ranking = rank_options(LLAMA_70B, CAT, precisions=["fp8"], sort="tokens")
    per_token = [o.usd_per_million_tokens for o in ranking.feasible if o.usd_per_million_tokens is not None]
    assert per_token == sorted(per_token)


def test_pareto_front_is_exactly_the_non_dominated_options():
    options = rank_options(LLAMA_70B, CAT, precisions=["fp8", "bf16"]).feasible
    known = [o for o in options if o.usd_per_hour is not None and o.node_decode_tokens_per_s is not None]
    front = pareto_front(options)
    assert front and all(o in known for o in front)

    def beats(a, b):
        return (a.usd_per_hour <= b.usd_per_hour and a.node_decode_tokens_per_s >= b.node_decode_tokens_per_s
                and (a.usd_per_hour < b.usd_per_hour or a.node_decode_tokens_per_s > b.node_decode_tokens_per_s))

    for o in known:
        assert (o in front) == (not any(beats(p, o) for p in known))
    prices = [o.usd_per_hour for o in front]
    assert prices == sorted(prices)
    assert math.isclose(front[0].usd_per_hour, min(o.usd_per_hour for o in known))
