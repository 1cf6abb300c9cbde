"""LoRA slots of Gemma 4 26B-A4B and Devstral Small 2 at vLLM v0.33.0 (hangar.sizing.lora_gemma4, hangar.sizing.lora).

Each slot is written out layer by layer, one slot on ONE GPU, from the shapes vllm-0.33.0's gemma4.py, gemma4_mm.py,
mistral3.py and mistral.py build (elements; 2 bytes each): Gemma 4's sliding layers at 8 KV heads x 256 and its
full-attention layers at 2 KV heads x 512 (16 query heads each), a dense MLP, the router and 128 experts in every layer;
Devstral's language model, Llama's layers with no vocabulary slots. Then what a user sees: the stack's verdicts.
"""

from __future__ import annotations

import re

import pytest
from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.base import CANNOT_JUDGE, HARDWARE_FIT

from hangar.catalog import load_catalog
from hangar.sizing import LoraSizeUnknown, LoraSlots, lora_bytes
from hangar.sizing.lora_architectures import lora_refusal
from tests.adapter_records import server
from tests.lora_plans import SQL, with_adapters
from tests.serving_plans import plan_environment

CAT = load_catalog()
GEMMA, DEVSTRAL = "google/gemma-4-26B-A4B", "mistralai/Devstral-Small-2-24B-Instruct-2512"
R = 16


def gemma_per_gpu(tp: int) -> float:
    """One slot of rank 16 on one of `tp` GPUs: H 2816, 25 sliding and 5 full-attention layers, MLP 2112, experts 704."""
    h = 2816
    sliding = (3 * R * h + (16 * 256 / tp + 2 * max(1, 8 // tp) * 256) * R) + (R * 16 * 256 / tp + h * R)  # qkv_proj, o_proj
    full = (3 * R * h + (16 * 512 / tp + 2 * max(1, 2 // tp) * 512) * R) + (R * 16 * 512 / tp + h * R)  # one KV head a GPU at TP 4
    mlp = (2 * R * h + 2 * 2112 / tp * R) + (R * 2112 / tp + h * R)
    router = R * h + 128 * R  # router.proj, a GateLinear: whole on every GPU
    experts = 128 * (2 * R * h + 2 * 704 / tp * R + R * 704 / tp + h * R)  # w1, w3, w2 of every expert
    return 25 * sliding + 5 * full + 30 * (mlp + router + experts)


@pytest.mark.parametrize("tp", [1, 2, 4])
def test_gemma_4s_slots_are_its_two_attention_widths_its_dense_mlp_and_its_experts(tp):
    gemma = CAT.model(GEMMA)
    assert (gemma.sliding_window_layers, gemma.global_kv_heads, gemma.global_head_dim, gemma.dense_mlp_layers) == (25, 2, 512, 30)
    assert lora_refusal(gemma, "v0.33.0") is None
    assert lora_bytes(gemma, LoraSlots(1, R), tp, "v0.33.0") == gemma_per_gpu(tp) * tp * 2


def test_gemma_4s_experts_dominate_and_grow_with_the_gpus_that_each_hold_them_all():
    gemma = CAT.model(GEMMA)
    one, four = (lora_bytes(gemma, LoraSlots(1, R), tp, "v0.33.0") / 2**30 for tp in (1, 4))
    assert round(one, 2) == 1.25 and round(four, 2) == 4.21
    # a release v0.33.0's rules size (Gemma 4 is served from v0.19.1) gets the same
    assert lora_bytes(gemma, LoraSlots(2, 64), 2, "v0.20.0") == lora_bytes(gemma, LoraSlots(2, 64), 2, "v0.33.0")


@pytest.mark.parametrize("tp", [1, 2, 4])
def test_devstral_small_2s_slots_are_its_language_models_llama_layers_without_vocabulary(tp):
    devstral = CAT.model(DEVSTRAL)
    # H 5120, 32 heads x 128, 8 KV heads, MLP 32768, 40 layers; the vision tower and projector take none
    h, i = 5120, 32768
    attention = (3 * R * h + (4096 / tp + 2 * 8 / tp * 128) * R) + (R * 4096 / tp + h * R)
    mlp = (2 * R * h + 2 * i / tp * R) + (R * i / tp + h * R)
    assert lora_bytes(devstral, LoraSlots(1, R), tp, "v0.33.0") == 40 * (attention + mlp) * tp * 2


def stack_verdicts(model: str, slots: int, rank: int, context: int) -> list[tuple[str, str]]:
    raw = with_adapters(*[{**SQL, "name": f"a{n}", "rank": rank} for n in range(slots)])
    raw["deployments"][0].update(model=model, pool="h100", max_context_tokens=context, tensor_parallel=1)
    return [(v.policy, v.message) for v in evaluate(list(plan_environment(raw)), load_pack_config({}, "test")) if v.policy in (HARDWARE_FIT, CANNOT_JUDGE)]


def test_a_stack_serving_adapters_on_gemma_4_is_judged_with_its_slots():
    assert stack_verdicts(GEMMA, 1, 16, 8192) == []  # was hangar-cannot-judge: the slots were not sized
    (refused,) = stack_verdicts(GEMMA, 8, 64, 8192)
    assert refused == (
        HARDWARE_FIT,
        "qwen: google/gemma-4-26B-A4B in bf16 on pool h100 (8 x H100-SXM per node) does not fit: vLLM would not start: it needs "
        "91.4 GiB (weights 47.8 + overhead 2.0 + 8 LoRA slots of rank 64 39.9 + KV cache of one 8,192-token sequence 1.7) but "
        "one H100-SXM gives 73.6 GiB usable at 92%: 17.8 GiB short",
    )


def test_a_stack_serving_adapters_on_devstral_small_2_is_judged_with_its_slots():
    assert stack_verdicts(DEVSTRAL, 1, 16, 8192) == []  # was hangar-cannot-judge: Mistral3's LoRA layers were not read
    (refused,) = stack_verdicts(DEVSTRAL, 8, 512, 65536)
    assert refused[0] == HARDWARE_FIT
    assert "(weights 23.5 + overhead 2.0 + 8 LoRA slots of rank 512 44.1 + KV cache of one 65,536-token sequence 10.0)" in refused[1]


def test_a_raw_program_serving_gemma_4_at_v0_33_0_counts_its_slots_against_the_gpu():
    records = server(["sql=/x"], [{**SQL, "rank": R}], model=GEMMA, release="v0.33.0")
    found = [(v.policy, v.message) for v in evaluate(records, load_pack_config({}, "test")) if v.policy in (HARDWARE_FIT, CANNOT_JUDGE)]
    assert [policy for policy, _ in found] == [HARDWARE_FIT]  # 26B in bf16 does not fit an L4, and nothing is left unjudged
    assert "+ 1 LoRA slot of rank 16 1.2 +" in found[0][1], found


def test_a_mistral3_row_that_v0_11_2_loads_is_not_sized_by_v0_33_0s_reading():
    # a Mistral Small 3.1-like override row (family Devstral, text config `mistral`): v0.11.2 loads it, but its language
    # model's LoRA layers (llama's class there, which adapts the vocabulary too) were read only at v0.33.0
    row = CAT.model(DEVSTRAL).model_copy(update={"text_model_type": "mistral"})
    with pytest.raises(LoraSizeUnknown, match=re.escape(
        "vLLM v0.11.2's Mistral3ForConditionalGeneration serves LoRA, but its language model's LoRA layers were not read at that release"
    )):  # fmt: skip
        lora_bytes(row, LoraSlots(), 1, "v0.11.2")
    assert lora_bytes(row, LoraSlots(), 1, "v0.33.0") == lora_bytes(CAT.model(DEVSTRAL), LoraSlots(), 1, "v0.33.0")
