"""GPU memory that vLLM reserves for LoRA adapters: `max_loras` slots of `max_lora_rank` in every layer it adapts, as the
deployment's release builds them.

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

A mixture of experts whose every layer routes to experts (vLLM's `MixtralForCausalLM`, `Qwen3MoeForCausalLM` and
`GptOssForCausalLM`: no shared experts, no dense layers in the catalog's rows) has instead of the dense MLP, per
layer and slot:

* gate, the router, a ReplicatedLinear whole on every GPU: A r x H, B E x r (E the experts); gpt-oss's router is
  a plain torch.nn.Linear, which vLLM does not adapt;
* experts, one FusedMoE (vllm/lora/layers/fused_moe.py `FusedMoEWithLoRA.create_lora_weights`): for each of the
  E experts, all on every GPU (LoRA refuses expert parallelism there: "EP support for Fused MoE LoRA is not
  implemented yet"), w1 and w3 each A r x H and B Ie/tp x r, w2 A r x Ie/tp and B H x r (Ie the expert's
  width, `moe_intermediate_size`); `--fully-sharded-loras` does not split them. (At v0.33.0 it does, gpt-oss's router
  and experts differ, and expert parallelism is served: `hangar.sizing.lora_releases`.) gpt-oss's mxfp4 experts run on
  the Marlin backend when LoRA is on (vllm/model_executor/layers/quantization/mxfp4.py
  `get_mxfp4_backend_with_lora`), whose `create_weights` pads Ie/tp up to a multiple of 128 and H to one of 256
  and keeps them on the layer: the slots take the padded sizes.

The model classes that adapt `embed_tokens` and `lm_head` too (Llama's, Mixtral's) add their slots and the extra
vocabulary rows (`hangar.sizing.lora_vocab`). Not counted: Punica's small index buffers.

Latent attention (DeepSeek V3/R1/V3.2, Kimi K2: `DeepseekV3ForCausalLM`, with its dense first layers, shared experts
and V3.2's indexer), Qwen3-Next's and (at v0.33.0) Qwen3.5's hybrids of gated-delta-net and gated-attention layers, and
GLM-4.5 to 4.7 are sized by `hangar.sizing.lora_layouts`; IBM Granite's shared MLP (Granite MoE Shared, Granite 4.0's
attention-only layout) by `hangar.sizing.lora_granite`; Gemma 4 (at v0.33.0: its sliding and full-attention layers of
two widths, a dense MLP beside the experts in every layer) by `hangar.sizing.lora_gemma4`.

Devstral Small 2 (`Mistral3ForConditionalGeneration`, text config `ministral3`, which vLLM serves from v0.20.0): at
v0.33.0 (PyPI wheel vllm-0.33.0, commit 4ba787ec9, read 2026-12-02) vllm/model_executor/models/mistral3.py implements
`SupportsLoRA` with qkv_proj and gate_up_proj packed (`packed_modules_mapping`) and builds its language model with
`init_vllm_registered_model(hf_config=config.text_config)`: a text config without `architectures` takes transformers'
causal-LM class for its model_type (vllm/config/vllm.py `with_hf_config`: `ministral3` -> `Ministral3ForCausalLM` in
transformers 5.16.1 to 5.20.2, models/auto/modeling_auto.py), which the registry maps to mistral.py's
`MistralForCausalLM`: llama's layers (qkv_proj, o_proj, gate_up_proj, down_proj) and `embedding_modules = {}` ("We
don't support LoRA on the embedding layers"), so no vocabulary slots. The Pixtral vision tower and the projector get
none without `--enable-tower-connector-lora` (`hangar.sizing.lora_releases`). v0.11.2 cannot load it
(`hangar.sizing.engine_models`).

Not sized, the reason said (`LoraSizeUnknown`): another mixture of experts with dense layers or shared experts (its
class's layers were not read); other hybrids; architectures the release has no class of its own for; rows without their
widths. A model whose class does not implement `SupportsLoRA` (GPT-2) is refused, not sized
(`hangar.sizing.lora_architectures.lora_refusal`).

Source: the PyPI sdist vllm-0.11.2.tar.gz (commit 275de3417 per its vllm/_version.py), read 2026-12-01 and
2026-12-02; vllm/model_executor/models/llama.py, qwen2.py, qwen3.py, gemma2.py, gemma3.py, gemma3_mm.py (q/k/v and
gate/up packed), registry.py (`MistralForCausalLM` is llama's class), phi3.py (`Phi3ForCausalLM`: qkv_proj and
gate_up_proj packed from one checkpoint module each), mixtral.py (`MixtralMoE`) and qwen3_moe.py
(`Qwen3MoeSparseMoeBlock`: `gate` a ReplicatedLinear of hidden_size x num_experts, `experts` a FusedMoE of
moe_intermediate_size; `num_shared_experts = 0`), gpt_oss.py (`MLPBlock`: `router` a torch.nn.Linear),
vllm/lora/utils.py (`get_supported_lora_modules` adds every LinearBase and FusedMoE module; `from_layer`),
vllm/lora/layers/replicated_linear.py and base_linear.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from hangar.catalog import Model

from .engine import ENGINE_VERSION, sized_release
from .engine_models import engine_refusal
from .lora_architectures import architecture, lora_refusal, supports_lora
from .lora_gemma4 import GEMMA4, gemma4_elements, gemma4_unsized
from .lora_granite import SHARED_MLP_CLASSES, granite_elements, granite_unsized
from .lora_layouts import LAYOUT_CLASSES, Shapes, layout_elements, layout_unsized
from .lora_releases import engine_label, lora_rules
from .lora_vocab import adapted_vocabulary, vocabulary_elements

LORA_BYTES = 2
"""Bytes per LoRA weight: vLLM's `lora_dtype` is the model's dtype (auto), float16 or bfloat16 (vllm/config/lora.py at both
releases)."""
PACKED_CLASSES = frozenset({
    "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM", "Gemma2ForCausalLM", "Gemma3ForCausalLM",
    "Gemma3ForConditionalGeneration", "CohereForCausalLM", "Cohere2ForCausalLM", "Mistral3ForConditionalGeneration",
    "GraniteForCausalLM", "GraniteSWAForCausalLM",
})  # fmt: skip
"""Classes that support LoRA with q/k/v packed into qkv_proj and gate/up into gate_up_proj, a SwiGLU-style MLP (v0.33.0:
the same `packed_modules_mapping` in llama.py, which mistral.py's own class extends, qwen2.py, qwen3.py, gemma2.py,
gemma3.py, gemma3_mm.py; commandr.py's CohereForCausalLM, which also serves Cohere2ForCausalLM: QKVParallelLinear
qkv_proj, MergedColumnParallelLinear gate_up_proj, RowParallelLinear o_proj and down_proj, no lm_head - its logits come
from embed_tokens - in v0.11.2 and v0.33.0; mistral3.py's Mistral3ForConditionalGeneration, whose language model is
mistral.py's MistralForCausalLM, at v0.33.0 only: `TEXT_MODEL_UNREAD`)."""
TEXT_MODEL_UNREAD = {"Mistral3ForConditionalGeneration": "v0.11.2"}
"""Classes whose language model's LoRA layers were not read at that release (v0.11.2 cannot load Devstral Small 2, the
catalog's one `Mistral3ForConditionalGeneration` row, at all)."""
FUSED_CHECKPOINT_CLASSES = frozenset({"Phi3ForCausalLM"})
"""vLLM's `Phi3ForCausalLM` (Phi-3, Phi-4): qkv_proj and gate_up_proj are one checkpoint module each, so one A matrix each
(phi3.py at both releases)."""
ROUTED_EXPERT_CLASSES = frozenset({"MixtralForCausalLM", "Qwen3MoeForCausalLM", "GptOssForCausalLM", "MiniMaxM2ForCausalLM", "GraniteMoeForCausalLM"})
"""Mixture-of-experts classes with q/k/v packed and a FusedMoE `experts` in every layer, no shared experts (MiniMax-M2's
at v0.33.0: minimax_m2.py `MiniMaxM2MoE`, a `GateLinear` router and w1/w3/w2 experts of `intermediate_size`; its q/k
RMS norms are not linear layers)."""
DEFAULT_MAX_LORAS = 1
DEFAULT_MAX_LORA_RANK = 16
"""vLLM's defaults for `--max-loras` and `--max-lora-rank` (vllm/config/lora.py `LoRAConfig`, both releases)."""


class LoraSizeUnknown(ValueError):
    """The model's LoRA slots cannot be sized from its catalog row (the message says why)."""


@dataclass(frozen=True)
class LoraSlots:
    """What `--enable-lora` reserves: `slots` (--max-loras) of `rank` (--max-lora-rank), `fully_sharded` (--fully-sharded-loras).

    `expert_parallel`: vLLM shards a mixture of experts' experts over more than one GPU (`--enable-expert-parallel`), which
    v0.11.2's LoRA refuses and v0.33.0's serves under conditions (`hangar.sizing.lora_architectures.lora_refusal`), over
    tensor x `data_parallel` (--data-parallel-size) GPUs; `all2all_backend` its --all2all-backend, None where unset."""

    slots: int = DEFAULT_MAX_LORAS
    rank: int = DEFAULT_MAX_LORA_RANK
    fully_sharded: bool = False
    expert_parallel: bool = False
    data_parallel: int = 1
    all2all_backend: str | None = None

    def describe(self) -> str:
        return f"{self.slots} LoRA slot{'s' if self.slots != 1 else ''} of rank {self.rank}"


def lora_bytes(model: Model, lora: LoraSlots, tensor_parallel: int = 1, engine_version: str | None = None) -> float:
    """Bytes the slots take over all `tensor_parallel` GPUs of a replica, as vLLM `engine_version` (the pinned release when
    None; a release not read by the pinned one's rules) builds them; `LoraSizeUnknown` when the row cannot say."""
    why = _unsized(model, lora, tensor_parallel, engine_version)
    if why:
        raise LoraSizeUnknown(f"{model.hf_id}: the GPU memory of its LoRA slots is not sized: {why}")
    name = architecture(model)
    assert name is not None
    rules = lora_rules(engine_version)
    experts_on = tensor_parallel * lora.data_parallel if lora.expert_parallel and model.num_experts is not None else 1
    shapes = Shapes(lora.rank, tensor_parallel, lora.fully_sharded, rules, experts_on)
    vocabulary = vocabulary_elements(model, lora.slots, lora.rank, tensor_parallel, engine_version)
    if name in LAYOUT_CLASSES:  # latent attention, the hybrids, GLM (hangar.sizing.lora_layouts)
        return (layout_elements(model, shapes, name) * tensor_parallel * lora.slots + vocabulary) * LORA_BYTES
    if name == GEMMA4:  # two attention widths, a dense MLP beside the experts (hangar.sizing.lora_gemma4)
        return (gemma4_elements(model, shapes) * tensor_parallel * lora.slots + vocabulary) * LORA_BYTES
    if name in SHARED_MLP_CLASSES:  # Granite's shared MLP (hangar.sizing.lora_granite)
        return (granite_elements(model, shapes, name) * tensor_parallel * lora.slots + vocabulary) * LORA_BYTES
    assert model.hidden_size and model.kv_heads and model.head_dim
    tp, rank, hidden = tensor_parallel, lora.rank, model.hidden_size
    query = model.attention_heads * model.head_dim
    kv = max(1, model.kv_heads // tp) * model.head_dim  # QKVParallelLinear keeps at least one KV head per GPU
    fused = name in FUSED_CHECKPOINT_CLASSES
    column_rank = rank / tp if lora.fully_sharded else rank  # A of a column-parallel layer: rank x input
    row_out = hidden / tp if lora.fully_sharded else hidden  # B of a row-parallel layer: output x rank
    attention = (
        column_rank * hidden * (1 if fused else 3) + (query / tp + 2 * kv) * rank  # qkv_proj
        + rank * query / tp + row_out * rank  # o_proj
    )  # fmt: skip
    if model.num_experts is None:
        assert model.intermediate_size
        inner = model.intermediate_size
        mlp = (
            column_rank * hidden * (1 if fused else 2) + 2 * inner / tp * rank  # gate_up_proj
            + rank * inner / tp + row_out * rank  # down_proj
        )  # fmt: skip
    else:
        assert model.moe_intermediate_size
        # gate, the router: replicated, whole on every GPU, where the release adapts it (gpt-oss's is a torch.nn.Linear at
        # v0.11.2). gpt-oss's mxfp4 experts run on Marlin when LoRA is on, which pads them and keeps the padded sizes on the
        # layer (hangar.sizing.mxfp4: so at both releases).
        router = rank * hidden + model.num_experts * rank if name in rules.linear_routers else 0
        mlp = router + shapes.experts(
            model.num_experts, hidden, model.moe_intermediate_size,
            fused_w13=name in rules.fused_w13_classes, marlin=name == "GptOssForCausalLM",
        )  # fmt: skip
    return ((attention + mlp) * tp * model.layers * lora.slots + vocabulary) * LORA_BYTES


def _unsized(model: Model, lora: LoraSlots | None = None, tensor_parallel: int = 1, engine_version: str | None = None) -> str | None:
    name = architecture(model)
    if name is None:
        return f"its family {model.family!r} is not one whose vLLM model class was read"
    engine = engine_label(engine_version)
    unloadable = engine_refusal(model, engine_version or ENGINE_VERSION)
    if unloadable:
        return unloadable  # the release cannot load the model at all (hangar.sizing.engine_models)
    if supports_lora(name, engine_version) is None:
        return (
            f"its architecture {name} is not one of {engine}'s own model classes (vLLM may serve it through its Transformers "
            "backend, whose LoRA layers were not read)"
        )
    refusal = lora_refusal(model, engine_version, lora, tensor_parallel)
    if refusal:
        return refusal
    if name == GEMMA4:
        return gemma4_unsized(model)
    if TEXT_MODEL_UNREAD.get(name) == sized_release(engine_version):
        return f"{engine}'s {name} serves LoRA, but its language model's LoRA layers were not read at that release"
    if name in LAYOUT_CLASSES:
        return layout_unsized(model, name)
    if name in SHARED_MLP_CLASSES:
        return granite_unsized(model)
    if model.kv_lora_rank is not None:
        return f"latent attention in a model class ({name}) whose LoRA layers were not read"
    if model.csa_layers or model.hca_layers:  # DeepSeek-V4: low-rank query and grouped output projections, compressors
        return f"compressed latent attention in a model class ({name}) whose LoRA layers were not read"
    if model.layer_kv_heads is not None or model.layer_mlp_widths is not None:
        return "its layers differ one from another (per-layer KV heads and MLP widths), which LoRA's slot sizing does not read"
    if model.attention_layers is not None and model.attention_layers != model.layers:
        return "a hybrid whose other layers' projections (linear attention or state space) are not in the catalog"
    if model.global_kv_heads is not None:
        return "its full-attention layers have another shape than its sliding ones"
    mlp_width = model.moe_intermediate_size if model.num_experts is not None else model.intermediate_size
    if model.hidden_size is None or mlp_width is None or model.kv_heads is None or model.head_dim is None:
        return "its catalog row has no hidden_size/intermediate_size (no config.json read)"
    if adapted_vocabulary(model, engine_version) and model.vocab_size is None:
        return f"its class {name} adapts its vocabulary too, and its catalog row has no vocab_size"
    if model.num_experts is not None:
        if name not in ROUTED_EXPERT_CLASSES or model.intermediate_size is not None:
            return "a mixture of experts with dense layers or shared experts (their count and widths are not in the catalog)"
        return None
    if name not in PACKED_CLASSES | FUSED_CHECKPOINT_CLASSES:
        return f"its vLLM model class {name} was not read for its LoRA layers"
    return None


def lora_gib(model: Model, lora: LoraSlots | None, tensor_parallel: int = 1, engine_version: str | None = None) -> tuple[float, str | None]:
    """(GiB the slots take over the replica, None) or, when the row cannot size them, (0, why): counted as nothing, said so."""
    if lora is None:
        return 0.0, None
    try:
        return lora_bytes(model, lora, tensor_parallel, engine_version) / 2**30, None
    except LoraSizeUnknown as error:
        return 0.0, str(error)
