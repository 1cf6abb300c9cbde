"""The LoRA slots of the layers vLLM builds for latent attention (DeepSeek V3/R1/V3.2, Kimi K2), Qwen3-Next's and Qwen3.5's
gated-delta-net layers, GLM's grouped-query attention, dense MLPs beside experts and shared experts, and the experts
themselves: elements per decoder layer and slot on each GPU, per read release (what v0.33.0 changes:
`hangar.sizing.lora_releases`).

The wrappers' shapes are those `hangar.sizing.lora` states (vllm/lora/layers/base_linear.py and column_parallel_linear.py:
a column-parallel layer's A is r x input, its B output/tp x r; a row-parallel layer's A r x input/tp, its B output x r; a
replicated one whole; `--fully-sharded-loras` splits a column layer's rank and a row layer's output over the GPUs; a layer
built with `disable_tp` is whole on every GPU). Which layers the model classes build, read from the PyPI sdist
vllm-0.11.2.tar.gz (commit 275de3417 per its vllm/_version.py), read 2026-12-02:

* vllm/model_executor/models/deepseek_v2.py `DeepseekV2MLAAttention`: with `q_lora_rank`, `fused_qkv_a_proj` (a
  MergedColumnParallelLinear of hidden -> [q_lora_rank, kv_lora_rank + qk_rope_head_dim], `disable_tp=True`) and
  `q_b_proj` (column, q_lora_rank -> heads x (qk_nope_head_dim + qk_rope_head_dim)); without it `kv_a_proj_with_mqa`
  (replicated, hidden -> kv_lora_rank + qk_rope_head_dim) and `q_proj` (column, hidden -> heads x qk head); `kv_b_proj`
  (column, kv_lora_rank -> heads x (qk_nope_head_dim + v_head_dim)) and `o_proj` (row, heads x v_head_dim -> hidden).
  The same layer objects are also attributes of its `mla_attn` (vllm/model_executor/layers/mla.py
  `MultiHeadLatentAttentionWrapper` keeps fused_qkv_a_proj, kv_a_proj_with_mqa, q_b_proj, q_proj, kv_b_proj and o_proj),
  and vllm/lora/models.py `_create_lora_modules` walks `named_modules(remove_duplicate=False)` and replaces each name on
  its own parent (`replace_submodule`): every one of these layers is wrapped, and its slots allocated, twice.
* DeepSeek-V3.2 (`hasattr(config, "index_topk")`): each attention layer's `Indexer` has `wq_b` (replicated, q_lora_rank
  -> index_n_heads x index_head_dim), `wk` (replicated, hidden -> index_head_dim) and `weights_proj` (replicated, hidden
  -> index_n_heads); the attention module and `mla_attn` hold the same Indexer object, whose children are wrapped once.
  A layer that shares another's indexer (GLM-5.2, `hangar.catalog.sparse_indexer`) has none: only the row's indexer
  layers (its indexer cache over one layer's) are counted.
* `DeepseekV2DecoderLayer`: layers below `first_k_dense_replace` keep a `DeepseekV2MLP` (gate_up_proj merged column of
  2 x intermediate_size, down_proj row); the others a `DeepseekV2MoE`: `gate` (replicated hidden -> n_routed_experts),
  `experts` (a SharedFusedMoE, vllm/lora/layers/fused_moe.py as for the other mixtures) and `shared_experts`, a
  DeepseekV2MLP of n_shared_experts x moe_intermediate_size (tensor-parallel: `use_sequence_parallel_moe` needs expert
  parallelism, which LoRA refuses). SharedFusedMoE keeps the router and the shared experts as `_gate` and
  `_shared_experts`: no target name ends so (`_match_target_modules` matches `.gate`), and the shared MLP is one object
  whose children are already wrapped, so neither is wrapped twice.
* vllm/model_executor/models/qwen3_next.py: a linear-attention layer's `Qwen3NextGatedDeltaNet` has `conv1d` (column,
  linear_conv_kernel_dim -> 2 x key dim + value dim), `in_proj_qkvz` (column, hidden -> 2 x key dim + 2 x value dim),
  `in_proj_ba` (column, hidden -> 2 x value heads), `out_proj` (row, value dim -> hidden); a full-attention layer's
  `qkv_proj` packs q (doubled by the output gate, `attn_output_gate` default true), k and v, and `o_proj`; every MoE
  layer's `Qwen3NextSparseMoeBlock` a replicated `gate`, the experts, and `shared_expert` (Qwen2MoeMLP of
  shared_expert_intermediate_size); its `shared_expert_gate` is a torch.nn.Linear, which vLLM does not adapt.
* vllm/model_executor/models/glm4_moe.py (GLM-4.5 to 4.7, `Glm4MoeForCausalLM`): `qkv_proj` packs q, k and v
  (`packed_modules_mapping`), `o_proj`; layers below `first_k_dense_replace` a `Glm4MoeMLP` of intermediate_size, the others
  `gate` (a torch.nn.Linear, not adapted), the experts (a SharedFusedMoE) and `shared_experts`, a Glm4MoeMLP of
  n_shared_experts x moe_intermediate_size (wrapped once, as DeepSeek's).

Read at v0.33.0 (the PyPI sdist vllm-0.33.0.tar.gz, commit 4ba787ec9 per its vllm/_version.py, read 2026-12-02), beyond
`hangar.sizing.lora_releases`: glm4_moe.py and qwen3_next.py build the same layers (their routers now `GateLinear`);
Qwen3.5 (qwen3_5.py `Qwen3_5DecoderLayer`, a Qwen3-Next layer) has Qwen3-Next's gated attention, a `Qwen3NextMLP`
(Qwen2MoeMLP: gate_up_proj, down_proj) in its dense rows and Qwen3-Next's sparse MoE block in its MoE rows, and a
linear-attention layer (vllm/model_executor/layers/mamba/gdn/qwen_gdn_linear_attn.py `QwenGatedDeltaNetAttention` with
`gqa_interleaved_layout=False`) whose `in_proj_qkvz` is a MergedColumnParallelLinear of four outputs (key, key, value,
value dims) that its `packed_modules_mapping` packs from two checkpoint modules (in_proj_qkv, in_proj_z):
`MergedColumnParallelLinearWithLoRA` builds one A per output, four; `in_proj_ba` two outputs of value heads (two A;
replicated only for AWQ, GPTQ or INC checkpoints, `maybe_disable_tp`); `conv1d` and `out_proj` as Qwen3-Next's.
"""

from __future__ import annotations

from dataclasses import dataclass

from hangar.catalog import Model
from hangar.catalog.sparse_indexer import own_indexer_layers

from .kv import round_up
from .lora_releases import RULES, LoraRules

GATED_MOE_CLASSES = frozenset({"Qwen3NextForCausalLM", "Qwen3_5MoeForConditionalGeneration"})
"""Classes whose MoE block has a `shared_expert_gate` (qwen3_next.py `Qwen3NextSparseMoeBlock`)."""
GLM_MOE_DSA = "GlmMoeDsaForCausalLM"
"""GLM-5's architecture, which vLLM v0.33.0 serves with DeepSeek-V3.2's class (`hangar.sizing.lora_releases`)."""
QWEN3_5_CLASSES = frozenset({"Qwen3_5ForConditionalGeneration", "Qwen3_5MoeForConditionalGeneration"})


@dataclass(frozen=True)
class Shapes:
    """One replica's LoRA geometry: rank r over tp GPUs, fully sharded or not, by one release's rules; `expert_gpus` the GPUs
    expert parallelism shards the experts over (1: none, each GPU holds every expert's share)."""

    rank: int
    tp: int
    fully_sharded: bool
    rules: LoraRules = RULES["v0.11.2"]
    expert_gpus: int = 1

    def column(self, inputs: float, outputs: float, slices: int = 1, *, split: bool = True) -> float:
        """A column-parallel layer (`slices` packed ones share the output): A per slice, B of the output share."""
        tp = self.tp if split else 1
        a_rank = self.rank / tp if self.fully_sharded else self.rank
        return slices * a_rank * inputs + outputs / tp * self.rank

    def row(self, inputs: float, outputs: float) -> float:
        """A row-parallel layer: A of the input share, B of the output (split when fully sharded)."""
        b_out = outputs / self.tp if self.fully_sharded else outputs
        return self.rank * inputs / self.tp + b_out * self.rank

    def replicated(self, inputs: float, outputs: float) -> float:
        return self.rank * inputs + outputs * self.rank

    def mlp(self, hidden: int, inner: int) -> float:
        """gate_up_proj (two packed slices) and down_proj of a SwiGLU MLP of width `inner`."""
        return self.column(hidden, 2 * inner, slices=2) + self.row(inner, hidden)

    def experts(self, experts: int, hidden: int, inner: int, *, fused_w13: bool = False, marlin: bool = False) -> float:
        """A FusedMoE's w1, w3 (A r x H each, or one A where `fused_w13`; B Ie/tp x r) and w2 (A r x Ie/tp, B H x r) for
        each expert a GPU holds: all of them, or 1/`expert_gpus` of them at their whole width under expert parallelism.
        `marlin`: gpt-oss's MXFP4 Marlin kernels pad H to 256 and the per-GPU Ie to 128 (`hangar.sizing.lora`)."""
        local, share = (experts / self.expert_gpus, float(inner)) if self.expert_gpus > 1 else (experts, inner / self.tp)
        if marlin:
            hidden, share = round_up(hidden, 256), round_up(int(share), 128)
        split = self.rules.sharded_experts and self.fully_sharded  # v0.33.0: w1/w3 A's rank and w2 B's H over the GPUs
        a_rank, b_hidden = (self.rank / self.tp, hidden / self.tp) if split else (self.rank, hidden)
        w13 = (1 if fused_w13 else 2) * a_rank * hidden + 2 * share * self.rank
        return local * (w13 + self.rank * share + b_hidden * self.rank)


def mla_attention(model: Model, shapes: Shapes) -> float:
    """One MLA layer's projections, each wrapped twice (at v0.11.2), without a sparse-attention indexer (`mla_indexer`)."""
    assert model.hidden_size and model.kv_lora_rank and model.qk_rope_head_dim and model.qk_nope_head_dim and model.v_head_dim
    hidden, heads, latent, rope = model.hidden_size, model.attention_heads, model.kv_lora_rank, model.qk_rope_head_dim
    qk_head = model.qk_nope_head_dim + rope
    if model.q_lora_rank is not None:
        query = shapes.column(hidden, model.q_lora_rank + latent + rope, slices=2, split=False)  # fused_qkv_a_proj
        query += shapes.column(model.q_lora_rank, heads * qk_head)  # q_b_proj
    else:
        query = shapes.replicated(hidden, latent + rope) + shapes.column(hidden, heads * qk_head)  # kv_a_proj_with_mqa, q_proj
    kv_b = shapes.column(latent, heads * (model.qk_nope_head_dim + model.v_head_dim))
    out = shapes.row(heads * model.v_head_dim, hidden)
    return shapes.rules.mla_wrappers * (query + kv_b + out)


def mla_indexer(model: Model, shapes: Shapes) -> float:
    """The LoRA of one layer's own sparse-attention indexer (DeepSeek-V3.2, GLM-5): wq_b, and at v0.11.2 wk and
    weights_proj; 0 for a model without one."""
    if not (model.index_n_heads and model.index_head_dim and model.q_lora_rank and model.hidden_size):
        return 0.0
    index_heads, index_dim = model.index_n_heads, model.index_head_dim
    indexer = shapes.replicated(model.q_lora_rank, index_heads * index_dim)
    if shapes.rules.indexer_wk:
        indexer += shapes.replicated(model.hidden_size, index_dim) + shapes.replicated(model.hidden_size, index_heads)
    return indexer


def gated_delta_net(model: Model, shapes: Shapes, name: str) -> float:
    """One linear-attention layer's conv1d, in_proj_qkvz, in_proj_ba and out_proj: Qwen3-Next's one A each, Qwen3.5's four
    and two A matrices in its split projections."""
    assert model.hidden_size and model.linear_key_dim and model.linear_value_dim and model.linear_value_heads and model.linear_conv_kernel_dim
    hidden, keys, values = model.hidden_size, model.linear_key_dim, model.linear_value_dim
    split = name in QWEN3_5_CLASSES
    return (
        shapes.column(model.linear_conv_kernel_dim, 2 * keys + values)  # conv1d
        + shapes.column(hidden, 2 * keys + 2 * values, slices=4 if split else 1)  # in_proj_qkvz
        + shapes.column(hidden, 2 * model.linear_value_heads, slices=2 if split else 1)  # in_proj_ba
        + shapes.row(values, hidden)  # out_proj
    )


def gated_attention(model: Model, shapes: Shapes) -> float:
    """One full-attention layer: qkv_proj (q doubled by Qwen3-Next's and Qwen3.5's output gate) and o_proj."""
    assert model.hidden_size and model.kv_heads and model.head_dim
    query = model.attention_heads * model.head_dim
    kv = max(1, model.kv_heads // shapes.tp) * model.head_dim * shapes.tp  # at least one KV head per GPU
    gate = 2 if model.attn_output_gate else 1
    return shapes.column(model.hidden_size, gate * query + 2 * kv, slices=3) + shapes.row(query, model.hidden_size)


def moe_layer(model: Model, shapes: Shapes, name: str) -> float:
    """A MoE layer: the router where the release adapts it, the experts, the shared expert MLP and its gate."""
    assert model.hidden_size and model.num_experts and model.moe_intermediate_size
    hidden, rules = model.hidden_size, shapes.rules
    total = shapes.replicated(hidden, model.num_experts) if name in rules.linear_routers else 0.0
    total += shapes.experts(model.num_experts, hidden, model.moe_intermediate_size, fused_w13=name in rules.fused_w13_classes)
    if model.shared_expert_intermediate_size:
        total += shapes.mlp(hidden, model.shared_expert_intermediate_size)
        if rules.shared_expert_gate and name in GATED_MOE_CLASSES:
            total += shapes.replicated(hidden, 1)
    return total


LAYOUT_CLASSES = frozenset({
    "DeepseekV3ForCausalLM", "DeepseekV32ForCausalLM", GLM_MOE_DSA, "Qwen3NextForCausalLM", "Glm4MoeForCausalLM", *QWEN3_5_CLASSES,
})  # fmt: skip
"""Classes sized here: latent attention with dense and shared-expert MLPs, Qwen3-Next's and Qwen3.5's hybrids, GLM's
dense and shared-expert MLPs beside grouped-query attention."""


def layout_elements(model: Model, shapes: Shapes, name: str) -> float:
    """Elements of one slot on one GPU over every decoder layer of a `LAYOUT_CLASSES` model of class `name`."""
    assert model.hidden_size
    if model.num_experts is None:  # Qwen3.5's dense rows: an MLP in every layer
        assert model.intermediate_size
        mlp = model.layers * shapes.mlp(model.hidden_size, model.intermediate_size)
    else:
        dense = model.dense_mlp_layers or 0
        mlp = (model.layers - dense) * moe_layer(model, shapes, name)
        if dense:
            assert model.intermediate_size
            mlp += dense * shapes.mlp(model.hidden_size, model.intermediate_size)
    if model.kv_lora_rank is not None:
        return model.layers * mla_attention(model, shapes) + own_indexer_layers(model) * mla_indexer(model, shapes) + mlp
    attention = model.attention_layers or model.layers
    linear = model.layers - attention
    return (linear * gated_delta_net(model, shapes, name) if linear else 0.0) + attention * gated_attention(model, shapes) + mlp


def layout_unsized(model: Model, name: str) -> str | None:
    """Why a `LAYOUT_CLASSES` row cannot be sized from its columns; None when it can."""
    if name == "Qwen3_5ForConditionalGeneration":
        if model.hidden_size is None or model.intermediate_size is None:
            return "its catalog row has no hidden_size/intermediate_size (no config.json read)"
    elif model.hidden_size is None or model.moe_intermediate_size is None or model.num_experts is None:
        return "its catalog row has no hidden_size/moe_intermediate_size (no config.json read)"
    if model.dense_mlp_layers and model.intermediate_size is None:
        return "its dense layers' intermediate_size is not in its catalog row"
    if name in ("DeepseekV3ForCausalLM", "DeepseekV32ForCausalLM", GLM_MOE_DSA):
        if model.qk_nope_head_dim is None or model.v_head_dim is None:
            return "latent attention whose qk_nope_head_dim and v_head_dim are not in its catalog row"
        if name != "DeepseekV3ForCausalLM" and (model.index_n_heads is None or model.q_lora_rank is None):
            return "DeepSeek-V3.2's sparse-attention indexer widths (index_n_heads, index_head_dim) are not in its catalog row"
        return None
    if model.kv_heads is None or model.head_dim is None:
        return "its catalog row has no kv_heads/head_dim (no config.json read)"
    if name == "Glm4MoeForCausalLM":
        return None
    if model.linear_key_dim is None:
        return "a hybrid whose linear-attention widths are not in its catalog row"
    return None
