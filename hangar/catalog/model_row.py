"""The catalog's model row: one Hugging Face model release, its architecture as config.json gives it, and its licence.

Kept apart from hangar.catalog.schema (the hardware rows and the cell types they share) to keep each module small.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal, Optional

from pydantic import Field, model_validator

from .config_fields import MINIMAX_M3_TYPES
from .errors import RowProblem
from .layer_runs import check_layer_columns, decode_runs
from .schema import PositiveFloat, PositiveInt, Row, Slug, Text


class Model(Row):
    """A Hugging Face model repo: size, attention shape, context and licence, from its config.json.

    `kv_bytes_per_token_bf16` is what one token costs if every attention layer cached it in 16 bits:
    2 (K,V) x attention_layers x kv_heads x head_dim x 2 bytes; for multi-head latent attention
    (DeepSeek V2/V3/R1, Kimi K2: `kv_lora_rank`, `qk_rope_head_dim` set, `kv_heads`/`head_dim` empty)
    it is layers x (kv_lora_rank + qk_rope_head_dim) x 2 bytes, the compressed latent.  Of the
    attention layers, `sliding_window_layers` attend only to the last `sliding_window` tokens
    (Gemma 2/3, gpt-oss, Mistral v0.1).  A hybrid model caches K/V in `attention_layers` of its
    `layers` only; its state-space (or linear-attention) layers keep `state_bytes_per_sequence`
    per sequence, whatever its length.  A mixture of experts keeps all `num_experts` resident and
    computes `num_experts_per_tok` per token (`params_active_b`).  A sparse-attention MLA model
    (DeepSeek-V3.2) also caches `indexer_bytes_per_token` (all layers, fp8 keys and their scales) for
    its indexer, whatever the KV-cache dtype; so does MiniMax-M3 (its sparse layers, bf16 index keys) beside
    its grouped-query K/V (`hangar.catalog.minimax_m3`). Every TP rank stores the indexer's keys whole.  Where the full-attention layers cache another shape than
    the sliding ones (Gemma 4), `global_kv_heads` x `global_head_dim` is theirs and `kv_heads` x
    `head_dim` the sliding layers'.  DeepSeek-V4 (`hangar.catalog.deepseek_v4`) caches one 512-wide latent (`kv_heads` 1,
    `head_dim` 512): every layer its last `sliding_window` tokens, `csa_layers` one compressed latent and one indexer key
    (`index_head_dim`) per 4 tokens, `hca_layers` one latent per 128 tokens, the rest (`sliding_window_layers`) the window
    only; its `kv_bytes_per_token_bf16` is the compressed latents a token adds in 16 bits, amortised.
    `hidden_size` is the residual width; `intermediate_size` the width of the dense MLP (gate/up/down), empty when
    every layer routes to experts; `moe_intermediate_size` one routed expert's width, for a mixture of experts only
    (what LoRA weights and other per-module shapes are sized from). Empty where no config.json was read.
    `moe_latent_size` is the width a latent MoE's routed experts work in (Nemotron 3 Super and Ultra: projected down from
    and back up to `hidden_size` around them, `hangar.catalog.mamba_layout`; Kimi K3's `routed_expert_hidden_size`,
    `hangar.catalog.kimi_linear`); empty for every other model.
    `vocab_size` is the rows of the token embedding (and of the output head): the text model's `vocab_size` in
    config.json (what LoRA's embedding and lm_head slots are sized from); empty where it was not read.
    `tie_word_embeddings` is true when the output head is the token embedding (one vocab_size x hidden_size matrix, not
    two): config.json's, or its transformers class default; empty where it was not read. Quantised serving keeps both
    in 16 bits (`hangar.sizing.embeddings`).
    The widths of the modules LoRA adapts beyond those (`q_lora_rank`, `qk_nope_head_dim`, `v_head_dim` of latent attention,
    `index_n_heads` and `index_head_dim` of DeepSeek-V3.2's indexer;
    `dense_mlp_layers` and `shared_expert_intermediate_size` of a mixture of experts; `linear_key_dim`, `linear_value_dim`,
    `linear_value_heads`, `linear_conv_kernel_dim` and `attn_output_gate` of a linear-attention hybrid) are
    `hangar.catalog.layer_shapes`'; empty where the layout has no such module or no config.json was read.
    `dtype` is the number format the weights are published in: fp8 or mxfp4 (its experts; gpt-oss) where the config's
    `quantization_config` says so (DeepSeek V3/R1/V3.2, Kimi K2), awq or gptq for a checkpoint quantised ahead of time in
    the 4-bit, group-128 layout Hangar sizes, w8a8-int8 or w8a8-fp8 for a compressed-tensors W8A8 checkpoint, w4a16-g<group>
    (-asym: with zero points) for a compressed-tensors W4A16 one (`hangar.catalog.compressed_tensors`), modelopt-fp8 or nvfp4 for an NVIDIA ModelOpt
    FP8 or NVFP4 checkpoint, whose format config.json's `quantization_config` or the `hf_quant_config.json` beside it
    declares (`hangar.catalog.modelopt`; nvfp4 also for a compressed-tensors NVFP4 W4A4 one), empty for a quantisation
    it does not name (8-bit GPTQ ...).
    `kv_cache_dtype` is the KV-cache type the checkpoint declares (a ModelOpt `kv_cache_quant_algo` FP8), which vLLM
    v0.33.0 allocates when `--kv-cache-dtype` is auto (`hangar.sizing.kv.served_kv_dtype`); empty when it declares none.
    `unquantised_params_b` is what a ModelOpt checkpoint keeps in 16 bits beyond its embedding and head (the layers,
    attention blocks or projections, MLPs and shared experts its `exclude_modules` names; ESTIMATE, billions), which
    sizing counts at 2 bytes (`hangar.sizing.embeddings`); empty when it keeps none.
    Where layers differ one from another (NVIDIA's Llama-Nemotron, `nemotron-nas`), `layer_kv_heads` gives each layer's
    KV heads (0 where it has no attention) and `layer_mlp_widths` each layer's MLP width (0 where it has none), as runs
    (`hangar.catalog.layer_runs`); `kv_heads` is then the first attention layer's, `kv_bytes_per_token_bf16` sums the
    layers' own heads, and `intermediate_size` is empty. Where the query heads differ by layer (poolside's Laguna:
    `num_attention_heads_per_layer`), `layer_attention_heads` gives each layer's, as runs; `attention_heads` stays the
    config's `num_attention_heads`, the count vLLM's `verify_with_parallel_config` divides by the TP degree.
    Where an attention layer's V heads are narrower than its K heads (MiMo-V2-Flash: K 192, V 128; `hangar.catalog.mimo`),
    `v_head_dim` is the V head size and `head_dim` the K (and query) head size; a token then costs K + V, kv_heads x
    (head_dim + v_head_dim) x 2 bytes a layer, not 2 x kv_heads x head_dim (vLLM v0.33.0 `AttentionSpec`: head_size +
    head_size_v). For latent attention `v_head_dim` is the up-projected V head of `kv_b_proj`, never cached.
    `text_model_type` is the text model's `model_type` as config.json states it (its text_config's where nested), which
    the engine's config classes are keyed by; empty where no config.json was read.
    A Mamba2 hybrid (Granite 4.0, Nemotron-H: `hangar.catalog.mamba_layout`) names its `state_layers` (its other layers
    may hold an MLP only; empty for other hybrids: every layer but the attention ones) and its mixer's `mamba_heads`,
    `mamba_head_dim`, `mamba_state_size`, `mamba_groups`, `mamba_conv_kernel`, and `mamba_ssm_dtype`, the temporal
    state's type where vLLM v0.33.0 keeps it in another than the model's, from which sizing splits the state per rank.
    `base_licence_id` names the licence inherited from a base model (e.g. a
    Llama-based distill published as MIT still carries the Llama terms); `base_model` names the
    catalog row of the model it derives from (a fine-tune, distillation or quantised repack),
    whose licences - and their base's, in turn - it inherits.  `multimodal` is true when the
    release takes images (its config.json has a `vision_config`, or, where no config.json was
    read, its model card says so - cited in `notes`), false when its config.json is text-only,
    and empty when unknown: some licences grant nothing to EU-domiciled licensees for
    multimodal models.
    `max_context_tokens` is the context vLLM v0.33.0 derives from config.json, the longest `--max-model-len` it starts
    with; `yarn_context_tokens` what a yarn rope scaling implies (original x factor), which v0.11.2 takes instead
    (`hangar.sizing.context` gives a release's); without a config.json read, the compiled context, at every release.
    `default_context_tokens`, where set, is the shorter max_model_len both releases take without `--max-model-len` (a
    longrope config's `original_max_position_embeddings`, `hangar.catalog.context_length.unset_context`).
    `source` names the config.json read (URL at a revision) and the licence text; `revision` is
    the revision of the config.json read, or None where none was read ("config.json not read").
    """

    hf_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*/[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
    family: Text
    params_total_b: PositiveFloat
    params_active_b: Optional[PositiveFloat] = None
    layers: PositiveInt
    attention_heads: PositiveInt
    kv_heads: Optional[PositiveInt] = None
    head_dim: Optional[PositiveInt] = None
    kv_bytes_per_token_bf16: PositiveInt
    max_context_tokens: PositiveInt
    licence_id: Slug
    base_licence_id: Optional[Slug] = None
    config_verified: bool
    source: Text
    as_of: datetime.date
    notes: Optional[str] = None
    attention_layers: Optional[PositiveInt] = None
    sliding_window: Optional[PositiveInt] = None
    sliding_window_layers: Optional[PositiveInt] = None
    kv_lora_rank: Optional[PositiveInt] = None
    qk_rope_head_dim: Optional[PositiveInt] = None
    state_bytes_per_sequence: Optional[PositiveInt] = None
    num_experts: Optional[PositiveInt] = None
    num_experts_per_tok: Optional[PositiveInt] = None
    dtype: Optional[Literal["bfloat16", "float16", "float32", "fp8", "mxfp4", "awq", "gptq", "w8a8-int8", "w8a8-fp8",
                            "w4a16-g32", "w4a16-g32-asym", "w4a16-g64", "w4a16-g64-asym", "w4a16-g128", "w4a16-g128-asym", "modelopt-fp8", "nvfp4"]] = None
    revision: Optional[Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]] = None
    multimodal: Optional[bool] = None
    base_model: Optional[Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*/[A-Za-z0-9][A-Za-z0-9_.\-]*$")]] = None
    indexer_bytes_per_token: Optional[PositiveInt] = None
    global_kv_heads: Optional[PositiveInt] = None
    global_head_dim: Optional[PositiveInt] = None
    hidden_size: Optional[PositiveInt] = None
    intermediate_size: Optional[PositiveInt] = None
    moe_intermediate_size: Optional[PositiveInt] = None
    vocab_size: Optional[PositiveInt] = None
    tie_word_embeddings: Optional[bool] = None
    q_lora_rank: Optional[PositiveInt] = None
    qk_nope_head_dim: Optional[PositiveInt] = None
    v_head_dim: Optional[PositiveInt] = None
    index_n_heads: Optional[PositiveInt] = None
    index_head_dim: Optional[PositiveInt] = None
    dense_mlp_layers: Optional[PositiveInt] = None
    shared_expert_intermediate_size: Optional[PositiveInt] = None
    linear_key_dim: Optional[PositiveInt] = None
    linear_value_dim: Optional[PositiveInt] = None
    linear_value_heads: Optional[PositiveInt] = None
    linear_conv_kernel_dim: Optional[PositiveInt] = None
    attn_output_gate: Optional[bool] = None
    text_model_type: Optional[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")]] = None
    layer_kv_heads: Optional[Annotated[str, Field(pattern=r"^[0-9x ]+$")]] = None
    layer_mlp_widths: Optional[Annotated[str, Field(pattern=r"^[0-9x ]+$")]] = None
    layer_attention_heads: Optional[Annotated[str, Field(pattern=r"^[0-9x ]+$")]] = None
    state_layers: Optional[PositiveInt] = None
    mamba_heads: Optional[PositiveInt] = None
    mamba_head_dim: Optional[PositiveInt] = None
    mamba_state_size: Optional[PositiveInt] = None
    mamba_groups: Optional[PositiveInt] = None
    mamba_conv_kernel: Optional[PositiveInt] = None
    mamba_ssm_dtype: Optional[Literal["float32", "bfloat16", "float16"]] = None
    kv_cache_dtype: Optional[Literal["fp8"]] = None
    unquantised_params_b: Optional[PositiveFloat] = None
    yarn_context_tokens: Optional[PositiveInt] = None
    default_context_tokens: Optional[PositiveInt] = None
    csa_layers: Optional[PositiveInt] = None
    """DeepSeek-V4: layers that compress 4 tokens into one cached latent and keep an indexer key for each
    (compressed sparse attention; `hangar.catalog.deepseek_v4`, vLLM v0.33.0 vllm/models/deepseek_v4/attention.py)."""
    hca_layers: Optional[PositiveInt] = None
    """DeepSeek-V4: layers that compress 128 tokens into one cached latent (heavily compressed attention; same source)."""
    index_topk: Optional[PositiveInt] = None
    """What a sparse-attention layer's indexer picks for each query, which the decode estimate reads: DeepSeek-V4's CSA
    layers, compressed latents (config.json's `index_topk`; vLLM v0.33.0 attention.py `DeepseekV4Indexer.topk_tokens`;
    `hangar.sizing.kv_deepseek_v4`); a DSA or MiniMax-M3 model's `sparse_attention_layers`, tokens
    (`hangar.sizing.sparse_decode`)."""
    sparse_attention_layers: Optional[PositiveInt] = None
    """Attention layers that attend only to the `index_topk` tokens their indexer picks: every layer of a DSA model
    (DeepSeek-V3.2, GLM-5, IndexShare layers reusing another's pick), MiniMax-M3's `sparse_attention_freq` ones."""
    moe_latent_size: Optional[PositiveInt] = None

    def _consistent_layer_shapes(self) -> None:
        """The per-module widths (`hangar.catalog.layer_shapes`) belong to the layouts that have those modules."""
        for column in ("q_lora_rank", "qk_nope_head_dim", "index_n_heads", "index_head_dim"):
            if getattr(self, column) is not None and self.kv_lora_rank is None and not (column.startswith("index_") and self.csa_layers):
                raise RowProblem(column, getattr(self, column), "only a latent-attention (MLA) model has it")
        if self.v_head_dim is not None and self.kv_lora_rank is None and self.kv_heads is None:
            raise RowProblem("v_head_dim", self.v_head_dim, "give it with kv_heads and head_dim (a V head narrower than K) or for an MLA model")
        for column in ("dense_mlp_layers", "shared_expert_intermediate_size", "moe_latent_size"):
            if getattr(self, column) is not None and self.num_experts is None:
                raise RowProblem(column, getattr(self, column), "only a mixture of experts (num_experts) has it")
        if self.dense_mlp_layers is not None and self.dense_mlp_layers > self.layers:
            raise RowProblem("dense_mlp_layers", self.dense_mlp_layers, f"exceeds layers ({self.layers})")
        linear = ("linear_key_dim", "linear_value_dim", "linear_value_heads", "linear_conv_kernel_dim")
        given = [column for column in linear if getattr(self, column) is not None]
        if given and (len(given) < len(linear) or self.attention_layers is None):
            raise RowProblem(given[0], getattr(self, given[0]), "give all four linear-attention widths, for a hybrid (attention_layers) only")
        mamba = ("state_layers", "mamba_heads", "mamba_head_dim", "mamba_state_size", "mamba_groups", "mamba_conv_kernel")
        given = [column for column in mamba if getattr(self, column) is not None]
        if (given or self.mamba_ssm_dtype) and (len(given) < len(mamba) or self.attention_layers is None or self.state_bytes_per_sequence is None):
            column = given[0] if given else "mamba_ssm_dtype"
            raise RowProblem(column, getattr(self, column), "give state_layers and all five mamba widths, for a hybrid (attention_layers, state_bytes_per_sequence) only")
        if self.state_layers is not None and self.attention_layers is not None and self.state_layers + self.attention_layers > self.layers:
            raise RowProblem("state_layers", self.state_layers, f"with attention_layers ({self.attention_layers}) exceeds layers ({self.layers})")

    def _consistent_mlp(self) -> None:
        """The MLP widths come with the residual width, and the expert width exactly when the model has experts."""
        widths = {"intermediate_size": self.intermediate_size, "moe_intermediate_size": self.moe_intermediate_size}
        if self.hidden_size is None:
            for column, value in widths.items():
                if value is not None:
                    raise RowProblem(column, value, "give hidden_size with the MLP widths")
            return
        if self.num_experts is None and self.moe_intermediate_size is not None:
            raise RowProblem("moe_intermediate_size", self.moe_intermediate_size, "only a mixture of experts (num_experts) has an expert width")
        if self.num_experts is None and self.intermediate_size is None and self.layer_mlp_widths is None:
            raise RowProblem("intermediate_size", None, "required with hidden_size for a dense model")
        if self.num_experts is not None and self.moe_intermediate_size is None:
            raise RowProblem("moe_intermediate_size", None, f"required with hidden_size for a mixture of {self.num_experts} experts")

    @model_validator(mode="after")
    def _consistent(self) -> "Model":
        self._consistent_mlp()
        self._consistent_layer_shapes()
        check_layer_columns(self)
        if self.indexer_bytes_per_token is not None and self.kv_lora_rank is None and self.text_model_type not in MINIMAX_M3_TYPES:
            raise RowProblem("indexer_bytes_per_token", self.indexer_bytes_per_token,
                             f"only a latent-attention (MLA) model or MiniMax-M3 (text_model_type {' or '.join(MINIMAX_M3_TYPES)}) has a sparse-attention indexer")
        if self.base_model == self.hf_id:
            raise RowProblem("base_model", self.base_model, "a model cannot derive from itself")
        if self.unquantised_params_b is not None and self.unquantised_params_b >= self.params_total_b:
            raise RowProblem("unquantised_params_b", self.unquantised_params_b, f"must be below params_total_b ({self.params_total_b})")
        if self.params_active_b is not None and self.params_active_b > self.params_total_b:
            raise RowProblem("params_active_b", self.params_active_b, f"exceeds params_total_b ({self.params_total_b})")
        if (self.kv_heads is None) != (self.head_dim is None):
            raise RowProblem("head_dim", self.head_dim, "give kv_heads and head_dim together (both empty only for MLA models)")
        if (self.kv_lora_rank is None) != (self.qk_rope_head_dim is None):
            raise RowProblem("qk_rope_head_dim", self.qk_rope_head_dim, "give kv_lora_rank and qk_rope_head_dim together (MLA models)")
        if (self.kv_heads is None) == (self.kv_lora_rank is None):
            raise RowProblem("kv_heads", self.kv_heads, "give kv_heads and head_dim, or for MLA models kv_lora_rank and qk_rope_head_dim (not both)")
        if self.attention_layers is not None and self.attention_layers > self.layers:
            raise RowProblem("attention_layers", self.attention_layers, f"exceeds layers ({self.layers})")
        compressed = (self.csa_layers or 0) + (self.hca_layers or 0)
        if self.index_topk is not None and not self.csa_layers and not self.sparse_attention_layers:
            raise RowProblem("index_topk", self.index_topk, "only a row with csa_layers (DeepSeek-V4) or sparse_attention_layers has an indexer that picks")
        if self.sparse_attention_layers is not None and (self.index_topk is None or self.indexer_bytes_per_token is None or self.csa_layers):
            raise RowProblem("sparse_attention_layers", self.sparse_attention_layers, "give it with index_topk and indexer_bytes_per_token (a DSA or MiniMax-M3 row)")
        if self.sparse_attention_layers is not None and (self.sparse_attention_layers > self.kv_layers or self.sliding_window_layers):
            raise RowProblem("sparse_attention_layers", self.sparse_attention_layers, f"at most the attention layers ({self.kv_layers}), none of them sliding-window")
        if compressed and (self.sliding_window is None or compressed + (self.sliding_window_layers or 0) != self.layers):
            raise RowProblem("csa_layers", self.csa_layers, f"with hca_layers and the window-only sliding_window_layers, must make up layers ({self.layers}), with sliding_window")
        if (self.sliding_window is None) != (self.sliding_window_layers is None) and not compressed:
            raise RowProblem("sliding_window_layers", self.sliding_window_layers, "give sliding_window and sliding_window_layers together")
        if self.sliding_window_layers is not None and self.sliding_window_layers > self.kv_layers:
            raise RowProblem("sliding_window_layers", self.sliding_window_layers, f"exceeds the attention layers ({self.kv_layers})")
        if (self.num_experts is None) != (self.num_experts_per_tok is None):
            raise RowProblem("num_experts_per_tok", self.num_experts_per_tok, "give num_experts and num_experts_per_tok together")
        if self.num_experts is not None and self.num_experts_per_tok is not None and self.num_experts_per_tok > self.num_experts:
            raise RowProblem("num_experts_per_tok", self.num_experts_per_tok, f"exceeds num_experts ({self.num_experts})")
        if (self.global_kv_heads is None) != (self.global_head_dim is None):
            raise RowProblem("global_head_dim", self.global_head_dim, "give global_kv_heads and global_head_dim together")
        if self.global_kv_heads is not None:
            if self.kv_heads is None or self.sliding_window_layers is None:
                raise RowProblem("global_kv_heads", self.global_kv_heads, "a separate full-attention shape needs kv_heads and sliding-window layers")
            if self.attention_heads % self.global_kv_heads:
                raise RowProblem("global_kv_heads", self.global_kv_heads, f"must divide attention_heads ({self.attention_heads})")
        if self.kv_heads is not None and self.head_dim is not None:
            if self.attention_heads % self.kv_heads:
                raise RowProblem("kv_heads", self.kv_heads, f"must divide attention_heads ({self.attention_heads})")
            expected = self.kv_layers * self.kv_heads * self.kv_head_bytes
            rule = "attention layers x kv_heads x (head_dim + V head size) x 2 bytes"
            if self.global_kv_heads is not None and self.global_head_dim is not None and self.sliding_window_layers is not None:
                full = self.kv_layers - self.sliding_window_layers
                expected = 2 * (self.sliding_window_layers * self.kv_heads * self.head_dim + full * self.global_kv_heads * self.global_head_dim) * 2
                if self.v_head_dim is not None:
                    raise RowProblem("v_head_dim", self.v_head_dim, "a V head size of its own is not sized beside a separate full-attention shape (global_kv_heads)")
                rule = "2 x (sliding layers x kv_heads x head_dim + full layers x global_kv_heads x global_head_dim) x 2 bytes"
            if self.layer_kv_heads is not None:
                expected = sum(decode_runs("layer_kv_heads", self.layer_kv_heads)) * self.kv_head_bytes
                rule = "the KV heads of all layers (layer_kv_heads) x (head_dim + V head size) x 2 bytes"
            if compressed:  # DeepSeek-V4: one latent per 4 (csa) or 128 (hca) tokens, amortised
                expected = (self.csa_layers or 0) * self.head_dim * 2 // 4 + (self.hca_layers or 0) * self.head_dim * 2 // 128
                rule = "csa_layers x head_dim x 2 / 4 + hca_layers x head_dim x 2 / 128 bytes"
        else:
            expected = self.kv_layers * (self.kv_lora_rank + self.qk_rope_head_dim) * 2
            rule = "layers x (kv_lora_rank + qk_rope_head_dim) x 2 bytes"
        if self.kv_bytes_per_token_bf16 != expected:
            raise RowProblem("kv_bytes_per_token_bf16", self.kv_bytes_per_token_bf16, f"must equal {rule} = {expected}")
        return self

    @property
    def kv_head_bytes(self) -> int:
        """Bytes of one KV head's K and V for one token in 16 bits: head_dim + the V head size (`v_head_dim` where a
        grouped-query model's V is narrower, else head_dim), x 2 bytes; 0 for latent attention."""
        if self.head_dim is None:
            return 0
        return (self.head_dim + (self.v_head_dim if self.v_head_dim is not None and self.kv_lora_rank is None else self.head_dim)) * 2

    @property
    def kv_layers(self) -> int:
        """Layers that hold a KV cache: all of them, except in a hybrid attention/state-space model and Gemma 4 with
        KV-shared layers (`attention_layers` counts those that cache)."""
        return self.attention_layers or self.layers

    @property
    def fixed_state_layers(self) -> int:
        """Layers that keep a fixed state per sequence: `state_layers`, else every layer but the attention ones (0 if none)."""
        if self.state_bytes_per_sequence is None or self.attention_layers is None:
            return 0
        return self.state_layers or self.layers - self.attention_layers

    @property
    def is_moe(self) -> bool:
        return self.params_active_b is not None

    @property
    def uses_mla(self) -> bool:
        return self.kv_lora_rank is not None
