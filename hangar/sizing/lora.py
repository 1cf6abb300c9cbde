"""GPU memory that vLLM reserves for LoRA adapters: `max_loras` slots of `max_lora_rank` in every layer it adapts.

With `--enable-lora`, vLLM v0.11.2 wraps every linear layer of the model (vllm/lora/utils.py
`get_supported_lora_modules`: "all linear layers support LoRA") and each wrapper's `create_lora_weights`
allocates, at start, zeroed A and B matrices for `max_loras` slots at `max_lora_rank`, in `lora_dtype`
(vllm/config/lora.py: "auto", the model's dtype, or float16/bfloat16: 2 bytes either way), whatever
rank or modules the adapters themselves have (vllm/lora/layers/base_linear.py, column_parallel_linear.py,
row_parallel_linear.py). They are allocated while the model loads, inside the `DeviceMemoryProfiler`
that measures the weights (vllm/v1/worker/gpu_model_runner.py `load_model` -> `load_lora_model`), so they
come out of what is left for the KV cache.

Per decoder layer and slot, on each of the `tp` GPUs (r the rank, H the hidden size, I the MLP's
intermediate size, q = heads x head_dim, kv = KV heads per GPU x head_dim):

* qkv_proj, column-parallel: A r x H per packed slice (3: q, k, v; 1 where the checkpoint itself fuses
  qkv, Phi-3's `packed_modules_mapping`), B (q/tp + 2 kv) x r;
* o_proj, row-parallel: A r x q/tp, B H x r;
* gate_up_proj, column-parallel: A r x H per packed slice (2; 1 where the checkpoint fuses them), B 2I/tp x r;
* down_proj, row-parallel: A r x I/tp, B H x r.

With `--fully-sharded-loras` the column layers' A split their rank and the row layers' B their H over the GPUs.
Not counted: the slots of `embed_tokens` and `lm_head` for the model classes that adapt them too (Llama's
`embedding_modules`: about vocabulary x rank per slot each), and Punica's small index buffers.

Sized only for a dense model with one attention shape in every layer, whose catalog row gives
`hidden_size` and `intermediate_size`, of a family whose vLLM model class was read (`PACKED_FAMILIES`,
`FUSED_CHECKPOINT_FAMILIES`): the LoRA memory of a mixture of experts (shared experts and
dense layers are not in the catalog), of latent attention, or of a hybrid is not sized here.

Source: the PyPI sdist vllm-0.11.2.tar.gz (commit 275de3417 per its vllm/_version.py), read 2026-12-01;
vllm/model_executor/models/llama.py, qwen2.py, qwen3.py, gemma2.py, gemma3.py, gemma3_mm.py (q/k/v and gate/up
packed), registry.py (`MistralForCausalLM` is llama's class), phi3.py (`Phi3ForCausalLM`: qkv_proj and gate_up_proj
packed from one checkpoint module each) and gpt2.py (`GPT2LMHeadModel` does not implement `SupportsLoRA`).
"""

from __future__ import annotations

from dataclasses import dataclass

from hangar.catalog import Model

LORA_BYTES = 2
"""Bytes per LoRA weight: vLLM v0.11.2's `lora_dtype` is the model's dtype (auto), float16 or bfloat16."""
PACKED_FAMILIES = frozenset({
    "Llama 3.1", "Llama 3.2", "Llama 3.3", "Mistral", "Qwen2.5", "Qwen3", "Gemma 2", "Gemma 3",
    "DeepSeek-R1 distill (Llama base)", "DeepSeek-R1 distill (Qwen base)",
})  # fmt: skip
"""Catalog families whose vLLM v0.11.2 class (LlamaForCausalLM, also MistralForCausalLM's; Qwen2ForCausalLM, Qwen3ForCausalLM,
Gemma2ForCausalLM, Gemma3ForCausalLM / Gemma3ForConditionalGeneration) supports LoRA with q/k/v packed into qkv_proj and
gate/up into gate_up_proj, a SwiGLU-style MLP (DeepSeek-R1's distills are Llama and Qwen2 models)."""
FUSED_CHECKPOINT_FAMILIES = frozenset({"Phi-3", "Phi-4"})
"""Catalog families served by vLLM's `Phi3ForCausalLM`, whose qkv_proj and gate_up_proj are one checkpoint module each."""
DEFAULT_MAX_LORAS = 1
DEFAULT_MAX_LORA_RANK = 16
"""vLLM v0.11.2's defaults for `--max-loras` and `--max-lora-rank` (vllm/config/lora.py `LoRAConfig`)."""


class LoraSizeUnknown(ValueError):
    """The model's LoRA slots cannot be sized from its catalog row (the message says why)."""


@dataclass(frozen=True)
class LoraSlots:
    """What `--enable-lora` reserves: `slots` (--max-loras) of `rank` (--max-lora-rank), `fully_sharded` (--fully-sharded-loras)."""

    slots: int = DEFAULT_MAX_LORAS
    rank: int = DEFAULT_MAX_LORA_RANK
    fully_sharded: bool = False

    def describe(self) -> str:
        return f"{self.slots} LoRA slot{'s' if self.slots != 1 else ''} of rank {self.rank}"


def lora_bytes(model: Model, lora: LoraSlots, tensor_parallel: int = 1) -> float:
    """Bytes the slots take over all `tensor_parallel` GPUs of a replica; `LoraSizeUnknown` when the row cannot say."""
    why = _unsized(model)
    if why:
        raise LoraSizeUnknown(f"{model.hf_id}: the GPU memory of its LoRA slots is not sized: {why}")
    assert model.hidden_size and model.intermediate_size and model.kv_heads and model.head_dim
    tp, rank, hidden, inner = tensor_parallel, lora.rank, model.hidden_size, model.intermediate_size
    query = model.attention_heads * model.head_dim
    kv = max(1, model.kv_heads // tp) * model.head_dim  # QKVParallelLinear keeps at least one KV head per GPU
    fused = model.family in FUSED_CHECKPOINT_FAMILIES
    column_rank = rank / tp if lora.fully_sharded else rank  # A of a column-parallel layer: rank x input
    row_out = hidden / tp if lora.fully_sharded else hidden  # B of a row-parallel layer: output x rank
    per_gpu = (
        column_rank * hidden * (1 if fused else 3) + (query / tp + 2 * kv) * rank  # qkv_proj
        + rank * query / tp + row_out * rank  # o_proj
        + column_rank * hidden * (1 if fused else 2) + 2 * inner / tp * rank  # gate_up_proj
        + rank * inner / tp + row_out * rank  # down_proj
    )  # fmt: skip
    return per_gpu * tp * model.layers * lora.slots * LORA_BYTES


def _unsized(model: Model) -> str | None:
    if model.num_experts is not None:
        return "a mixture of experts (the LoRA slots of its experts are not sized here)"
    if model.kv_lora_rank is not None:
        return "latent attention (its projections are not in the catalog)"
    if model.attention_layers is not None and model.attention_layers != model.layers:
        return "a hybrid whose other layers' projections are not in the catalog"
    if model.global_kv_heads is not None:
        return "its full-attention layers have another shape than its sliding ones"
    if model.hidden_size is None or model.intermediate_size is None or model.kv_heads is None or model.head_dim is None:
        return "its catalog row has no hidden_size/intermediate_size (no config.json read)"
    if model.family not in PACKED_FAMILIES | FUSED_CHECKPOINT_FAMILIES:
        # e.g. GPT-2: vLLM v0.11.2's GPT2LMHeadModel does not support LoRA at all, and its MLP has no gate
        return f"its family {model.family!r} is not one whose vLLM model class was read for its LoRA layers"
    return None


def lora_gib(model: Model, lora: LoraSlots | None, tensor_parallel: int = 1) -> tuple[float, str | None]:
    """(GiB the slots take over the replica, None) or, when the row cannot size them, (0, why): counted as nothing, said so."""
    if lora is None:
        return 0.0, None
    try:
        return lora_bytes(model, lora, tensor_parallel) / 2**30, None
    except LoraSizeUnknown as error:
        return 0.0, str(error)
