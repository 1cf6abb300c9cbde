"""The LoRA memory of the vocabulary in each read vLLM release (hangar.sizing.lora_vocab).

v0.11.2 lets each slot add 256 tokens (`lora_extra_vocab_size`), pads the head's LoRA to 256 rows and grows Llama's
base layers; v0.33.0 has none of that: a slot of embed_tokens is A V x r + B H x r, of lm_head A r x H + B V x r.
Which classes adapt their vocabulary changed too: Mistral's no longer does, Qwen3's and Qwen3-MoE's now do.
"""

from __future__ import annotations

from hangar.catalog import load_catalog
from hangar.sizing import memory_fit
from hangar.sizing.lora import LoraSlots, lora_gib
from hangar.sizing.lora_architectures import lora_refusal
from hangar.sizing.lora_vocab import adapted_vocabulary, vocabulary_elements

CATALOG = load_catalog()
LLAMA = CATALOG.models["meta-llama/Llama-3.1-8B-Instruct"]
MISTRAL = CATALOG.models["mistralai/Mistral-7B-Instruct-v0.3"]
QWEN = CATALOG.models["Qwen/Qwen3-8B"]
V, H, R = 128256, 4096, 16
"""Llama 3.1 8B's vocabulary and hidden size, and vLLM's default --max-lora-rank."""


def _pad(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def test_llama_s_vocabulary_slot_at_v0_33_0_is_two_plain_low_rank_pairs():
    assert vocabulary_elements(LLAMA, 1, R, 1, "v0.33.0") == (V * R + H * R) + (R * H + V * R)


def test_llama_s_vocabulary_slot_at_v0_11_2_adds_256_tokens_and_pads_the_head():
    embed = 256 * H + (V + 256) * R + H * R + 256 * H  # the slot, then the base embedding's added rows
    head = R * H + _pad(V + 256, 256) * R + 256 * H + (_pad(_pad(V, 256) + 256, 256) - _pad(V, 64)) * H
    assert vocabulary_elements(LLAMA, 1, R, 1, "v0.11.2") == embed + head
    assert vocabulary_elements(LLAMA, 1, R, 1) == embed + head  # the pinned release


def test_the_difference_reaches_the_memory_fit():
    lora = LoraSlots(slots=4, rank=R)
    old = memory_fit(LLAMA, CATALOG.gpus["L4"], max_context_tokens=8192, lora=lora, engine_version="v0.11.2")
    new = memory_fit(LLAMA, CATALOG.gpus["L4"], max_context_tokens=8192, lora=lora, engine_version="v0.33.0")
    saved = (vocabulary_elements(LLAMA, 4, R, 1, "v0.11.2") - vocabulary_elements(LLAMA, 4, R, 1, "v0.33.0")) * 2 / 2**30
    assert old.lora_gib - new.lora_gib == saved
    # per slot: 256 added embeddings in each module (2 x 256 x H), the base embedding's 256 rows, 256 more rows in each
    # A/B of rank R; once: the base head's 256 rows
    assert saved == (4 * (3 * 256 * H + 2 * 256 * R) + 256 * H) * 2 / 2**30


def test_mistral_stops_and_qwen3_starts_adapting_its_vocabulary_at_v0_33_0():
    assert adapted_vocabulary(MISTRAL, "v0.11.2") == ("embed_tokens", "lm_head")
    assert adapted_vocabulary(MISTRAL, "v0.33.0") == ()
    assert adapted_vocabulary(QWEN, "v0.11.2") == ()
    assert adapted_vocabulary(QWEN, "v0.33.0") == ("embed_tokens", "lm_head")
    assert lora_gib(MISTRAL, LoraSlots(), 1, "v0.33.0")[0] < lora_gib(MISTRAL, LoraSlots(), 1, "v0.11.2")[0]
    assert lora_gib(QWEN, LoraSlots(), 1, "v0.33.0")[0] - lora_gib(QWEN, LoraSlots(), 1, "v0.11.2")[0] == (
        (151936 + 4096) * 16 * 2 * 2 / 2**30
    )


def test_the_head_vocabulary_limit_is_the_release_s():
    # A Llama-class head of 257,000 tokens: v0.11.2 refuses it with its 256 extra tokens, v0.33.0 takes up to 258,048.
    wide = LLAMA.model_copy(update={"vocab_size": 257000})
    assert lora_refusal(wide, engine_version="v0.11.2") == (
        "vLLM v0.11.2's LlamaForCausalLM adapts the output head of meta-llama/Llama-3.1-8B-Instruct, and the head's LoRA refuses "
        "its 257,256 tokens (257,000 and 256 extra): with --enable-lora vLLM refuses to start above 257,024"
    )
    assert lora_refusal(wide, engine_version="v0.33.0") is None
    wider = LLAMA.model_copy(update={"vocab_size": 262144})
    assert lora_refusal(wider, engine_version="v0.33.0") == (
        "vLLM v0.33.0's LlamaForCausalLM adapts the output head of meta-llama/Llama-3.1-8B-Instruct, and the head's LoRA refuses "
        "its 262,144 tokens: with --enable-lora vLLM refuses to start above 258,048"
    )
