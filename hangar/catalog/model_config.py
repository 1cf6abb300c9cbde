"""Read a Hugging Face `config.json` into the architecture fields of a catalog model row.

One reader for `hangar catalog import-model` and for the packaged rows (a test re-derives every
packaged row that has a config.json fixture), so the two agree by construction. It knows the
attention layouts sizing needs — grouped-query attention, sliding-window and interleaved
local/global layers, multi-head latent attention, hybrid linear-attention/attention stacks, Mamba2/attention
hybrids (read by `hangar.catalog.mamba_layout`), Kimi Delta Attention/latent-attention hybrids (Kimi Linear, Kimi K3:
`hangar.catalog.kimi_linear`) — and mixtures of experts; anything else is refused with the field
that stopped it.

Sources, read 2026-12-01:
* field names and defaults: Hugging Face transformers' configuration classes. Gemma 3's published
  config.json files are short: they give only what differs from `Gemma3TextConfig.__init__`, so the
  reader applies that class's defaults (`_GEMMA3_DEFAULTS`, every one read from
  `src/transformers/models/gemma3/configuration_gemma3.py` at commit
  008f5c8c29be84d4721dc6d1e0fcd72300580be4: vocab_size 262,208, hidden_size 2,304,
  intermediate_size 9,216, num_hidden_layers 26, num_attention_heads 8, num_key_value_heads 4,
  head_dim 256, max_position_embeddings 131,072, sliding_window 4,096, sliding_window_pattern 6,
  tie_word_embeddings true); Gemma 2 slides on even layers (`is_sliding = not bool(layer_idx % 2)`),
  Gemma 3 on every layer but each `sliding_window_pattern`-th;
* Kimi K2 ships DeepSeek-V3's architecture under `model_type: kimi_k2` (MoonshotAI/Kimi-K2
  docs/deploy_guidance.md at c6157be8531e1c52f5dfd3bb91a1275b089eac50: change it to deepseek_v3 where a
  framework lacks it), so it is read as deepseek_v3; GLM-4.5/4.6 (`glm4_moe`) name their experts as
  DeepSeek does (n_routed_experts, n_shared_experts, first_k_dense_replace) with grouped-query attention;
* the context vLLM takes when `--max-model-len` is unset, at vLLM v0.33.0 (`max_context_tokens`) and what a yarn
  rope scaling implies, which vLLM v0.11.2 takes instead (`yarn_context_tokens`), and the shorter default both take for a
  longrope config when none is given (`default_context_tokens`): `hangar.catalog.context_length`;
* Cohere: Command R (`cohere`, CohereForCausalLM) and Command R7B (`cohere2`, Cohere2ForCausalLM: transformers'
  docs/source/en/model_doc/cohere2.md), from transformers' `CohereConfig` / `Cohere2Config`
  (src/transformers/models/cohere{,2}/configuration_cohere{,2}.py in the PyPI wheels transformers-4.57.1 and 5.16.1,
  read 2026-12-02) and vLLM's `vllm/model_executor/models/commandr.py`, which serves both (registry.py maps
  Cohere2ForCausalLM to commandr's CohereForCausalLM), at v0.11.2 and v0.33.0: every `cohere` layer is full attention
  (vLLM's `self.v1` gives no layer a window); a `cohere2` layer slides where `layer_types` says "sliding_attention",
  or, without `layer_types`, where (index + 1) % `sliding_window_pattern` (default 4, transformers' back-compatibility
  rule) is not 0; `Cohere2Config` sets head_dim = hidden_size // num_attention_heads whatever the file says, and
  v0.11.2's CohereAttention computes the same for `cohere`, so a config stating another head_dim is refused;
  num_key_value_heads defaults to num_attention_heads. A layer's attention and MLP read the same LayerNorm (weight,
  no bias) in parallel and the logits are scaled by `logit_scale`: neither changes the projections counted. vLLM
  v0.33.0 gives a sliding layer `sliding_window + 1` (Cohere's layer sees the window and the token itself), one token
  more than v0.11.2; the row keeps the config's window, since the token more fills no further KV block where the
  window and the batch are multiples of the block size (vLLM's defaults);
* Gemma 4 (`gemma4_text`): huggingface/transformers `src/transformers/models/gemma4/modeling_gemma4.py` at
  commit 0246b4f3335464614ef1de66531f9131a44ec801: a full-attention layer uses `global_head_dim` (512 where the file
  leaves it out, as transformers 5.16.1-5.20.2 build it for vLLM v0.33.0: `config_fields.GEMMA4_GLOBAL_HEAD_DIM`; a
  stated `per_layer_config` instead), and with `attention_k_eq_v` has `num_global_key_value_heads` KV heads and no v_proj (V is the normed k_proj output,
  so K and V are both cached: `past_key_values.update(key_states, value_states)`); a sliding layer uses
  `head_dim` and `num_key_value_heads`; `enable_moe_block` adds `num_experts` experts of
  `moe_intermediate_size` (top `top_k_experts`) beside the dense MLP of every layer; layers past
  `num_kv_shared_layers` reuse an earlier layer's KV and cache none (`attention_layers` counts the others), and
  per-layer input embeddings add weights (`hangar.catalog.gemma4_layers`, from vLLM v0.33.0's gemma4.py);
* Gemma 3n (`gemma3n`, `gemma3n_text`): `hangar.catalog.gemma3n`;
* Llama 4 (`llama4_text`): the attention of transformers' Llama4TextConfig; a layer is a mixture of experts when
  (index + 1) % `interleave_moe_layer_step` == 0 (vLLM v0.11.2 `models/llama4.py` Llama4DecoderLayer), with
  `num_local_experts` experts of `intermediate_size`, one shared expert of the same size and a router, the other
  layers a dense MLP of `intermediate_size_mlp`; its chunked local attention (`attention_chunk_size`) is cached
  like full attention, because vLLM v0.11.2 turns the hybrid KV-cache manager off when a model has chunked
  local attention unless VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE=1 (`vllm/config/vllm.py`);
* MiniMax-M2 (`minimax_m2`): `hangar.catalog.minimax`; MiniMax-M3 (`minimax_m3_vl`, and aiconfigurator's flat `minimax_m3`):
  `hangar.catalog.minimax_m3`;
  MiMo-V2-Flash (`mimo_v2_flash`): `hangar.catalog.mimo`; Step-3.7-Flash (`step3p7`): `hangar.catalog.step`; Laguna: `layouts_laguna`;
* DeepSeek Sparse Attention's indexer key cache, and which layers keep an indexer (GLM-5.2 shares one among four):
  `hangar.catalog.sparse_indexer`; Z.ai's GLM-5 family (`glm_moe_dsa`) is read as DeepSeek-V3.2's layout
  (`hangar.catalog.layouts_glm5`);
* Mistral 3 (`mistral3` with a `ministral3` or `mistral` text_config): Mistral's layout; transformers 5 writes the
  rope scaling as `rope_parameters`, read like `rope_scaling`; Mistral's own params.json, as vLLM adapts it: Mistral
  Large 3's `hangar.catalog.mistral_params`, a dense one (Ministral 3's) `hangar.catalog.mistral_dense`;
* the fixed state of a gated-delta-net (linear-attention) layer: vLLM v0.11.2
  `vllm/model_executor/layers/mamba/mamba_utils.py` `gated_delta_net_state_shape` (conv state
  (kernel - 1) x (2 x key heads x key dim + value heads x value dim), recurrent state value heads x
  key dim x value dim) in the model's dtype (`gated_delta_net_state_dtype`); vLLM v0.33.0 keeps Qwen3.5's recurrent
  state in the `mamba_ssm_dtype` its config names (`linear_state_bytes`).

Parameter counts are ESTIMATES from the weight shapes the fields imply: `hangar.catalog.model_params`.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, replace
from typing import Any

from pydantic import ValidationError

from .config_fields import MAMBA2_TYPES, MLA_TYPES, ConfigError, config_int, gemma4_bidirectional_window, gemma4_global_attention, tied_embeddings
from .context_length import context_fields, derived_context, unset_context, yarn_context
from .deepseek_v4 import MODEL_TYPE as V4_TYPE
from .deepseek_v4 import published_dtype as v4_dtype
from .deepseek_v4 import read_deepseek_v4
from .errors import RowProblem
from .family_layouts import FAMILY_LAYOUTS, TOP_LEVEL
from .gemma3n import GEMMA3N_TYPES, read_gemma3n
from .gemma4_layers import as_transformers_builds, shared_kv_layers
from .kimi_linear import KIMI_LINEAR_TYPES, kimi_k3_format, kimi_linear_fields
from .layer_shapes import layer_shapes
from .layouts_laguna import LAGUNA, read_laguna
from .mamba_layout import mamba2_fields
from .mimo import MIMO_V2_FLASH, read_mimo_v2_flash
from .minimax import MINIMAX_M2
from .minimax_m3 import MINIMAX_M3_TYPES, read_minimax_m3
from .mistral_dense import params_config, params_fields
from .mistral_params import is_mistral_params
from .model_params import estimate_parameters
from .model_row import Model
from .modelopt import HF_QUANT_CONFIG, is_modelopt
from .sparse_indexer import indexer_bytes_per_token, sparse_attention_fields
from .step import STEP3P7, read_step
from .text_layout import layer_kinds, layers_with_dense_mlp, linear_state_bytes, mlp_widths, routed_experts
from .weight_format import declared_kv_dtype, declared_quantisation, published_format, quantisation_method, unquantised_parameters

KNOWN_MODEL_TYPES: tuple[str, ...] = (
    "llama", "mistral", "qwen2", "qwen3", "phi3", "gemma2", "gemma3_text", "gpt_oss", "mixtral", "qwen2_moe", "qwen3_moe",
    "deepseek_v2", "deepseek_v3", "deepseek_v32", "kimi_k2", "glm4_moe", "qwen3_next", "qwen3_5_text", "qwen3_5_moe_text",
    "gemma4_text", "llama4_text", "ministral3", "cohere", "cohere2", "nemotron-nas", *MAMBA2_TYPES, MINIMAX_M2, MIMO_V2_FLASH, V4_TYPE, STEP3P7, *KIMI_LINEAR_TYPES,
    *MINIMAX_M3_TYPES, *GEMMA3N_TYPES, LAGUNA,
)
"""Text model types whose layout the reader knows (`model_type`, or `text_config.model_type`)."""

_GEMMA3_DEFAULTS = {
    "vocab_size": 262_208, "hidden_size": 2304, "intermediate_size": 9216, "num_hidden_layers": 26, "num_attention_heads": 8,
    "num_key_value_heads": 4, "head_dim": 256, "max_position_embeddings": 131_072, "sliding_window": 4096, "sliding_window_pattern": 6,
}
"""`Gemma3TextConfig.__init__` defaults, transformers commit 008f5c8c29be84d4721dc6d1e0fcd72300580be4 (read 2026-12-01)."""

_ALIASES = {"kimi_k2": "deepseek_v3", "ministral3": "mistral"}
"""Model types that are another's architecture under a new name."""

NOT_SERVED = {
    "MllamaForConditionalGeneration": "0.10.2", "BartModel": "0.10.2", "BartForConditionalGeneration": "0.10.2",
    "DonutForConditionalGeneration": "0.10.2", "Florence2ForConditionalGeneration": "0.10.2", "MBartForConditionalGeneration": "0.10.2",
    "MotifForCausalLM": "0.10.2", "Phi4FlashForCausalLM": "0.10.2", "Phi3SmallForCausalLM": "0.9.2",
}
"""Architectures vLLM v0.11.2, the server Hangar deploys, refuses to load, with the last release that served each: its
`_PREVIOUSLY_SUPPORTED_MODELS` (vllm/model_executor/models/registry.py in the PyPI sdist vllm-0.11.2, commit 275de3417,
read 2026-12-02), which makes vLLM raise "Model architecture ... was supported in vLLM until v..., and is not supported
anymore". Encoder-decoder models other than Whisper - Llama 3.2 Vision's `mllama` among them - went with the V0 engine."""


@dataclass(frozen=True)
class Architecture:
    """The sizing fields of one model, as its config.json states them (parameters ESTIMATED from shapes)."""

    model_type: str
    """The layout read (aliases resolved: kimi_k2 is read as deepseek_v3), or the family read through one (`family_layouts`)."""
    text_model_type: str
    """The text model's `model_type` as the config states it (its text_config's where it nests one), for the engine's
    config classes (`hangar.sizing.engine_models`)."""
    layers: int
    attention_heads: int
    hidden_size: int
    vocab_size: int
    intermediate_size: int | None
    moe_intermediate_size: int | None
    kv_heads: int | None
    head_dim: int | None
    global_kv_heads: int | None
    global_head_dim: int | None
    kv_lora_rank: int | None
    qk_rope_head_dim: int | None
    attention_layers: int | None
    sliding_window: int | None
    sliding_window_layers: int | None
    state_bytes_per_sequence: int | None
    indexer_bytes_per_token: int | None
    num_experts: int | None
    num_experts_per_tok: int | None
    max_context_tokens: int
    yarn_context_tokens: int | None
    default_context_tokens: int | None
    dtype: str | None
    params_total_b: float
    params_active_b: float | None
    kv_bytes_per_token_bf16: int
    multimodal: bool
    tie_word_embeddings: bool
    q_lora_rank: int | None
    qk_nope_head_dim: int | None
    v_head_dim: int | None
    index_n_heads: int | None
    index_head_dim: int | None
    dense_mlp_layers: int | None
    shared_expert_intermediate_size: int | None
    linear_key_dim: int | None
    linear_value_dim: int | None
    linear_value_heads: int | None
    linear_conv_kernel_dim: int | None
    attn_output_gate: bool | None
    layer_kv_heads: str | None = None  # per-layer KV heads / MLP widths as runs where layers differ (nemotron-nas,
    layer_mlp_widths: str | None = None  # hangar.catalog.layer_runs)
    layer_attention_heads: str | None = None  # per-layer query heads as runs where they differ (laguna)
    state_layers: int | None = None
    mamba_heads: int | None = None
    mamba_head_dim: int | None = None
    mamba_state_size: int | None = None
    mamba_groups: int | None = None
    mamba_conv_kernel: int | None = None
    mamba_ssm_dtype: str | None = None
    kv_cache_dtype: str | None = None
    """The KV-cache type the checkpoint declares (`hangar.catalog.weight_format`)."""
    unquantised_params_b: float | None = None
    """Parameters a ModelOpt checkpoint keeps in 16 bits beyond its embedding and head (ESTIMATE, `weight_format`)."""
    csa_layers: int | None = None  # DeepSeek-V4's compressed-sparse and heavily-compressed layers (hangar.catalog.deepseek_v4)
    hca_layers: int | None = None
    index_topk: int | None = None
    sparse_attention_layers: int | None = None  # DSA and MiniMax-M3 (hangar.catalog.sparse_indexer, minimax_m3)
    moe_latent_size: int | None = None
    """The width a latent MoE's routed experts work in (Nemotron 3 Super and Ultra, `hangar.catalog.mamba_layout`;
    Kimi K3, `hangar.catalog.kimi_linear`)."""

    def row_fields(self) -> dict[str, Any]:
        """The `models.csv` columns this architecture fills."""
        fields = asdict(self)
        fields.pop("model_type")
        return fields


def read_config(config: dict[str, Any], quant_config: dict[str, Any] | None = None) -> Architecture:
    """The architecture of a model from its config.json contents; ConfigError names the field it cannot read.
    `quant_config` is the `hf_quant_config.json` beside it, if any, which vLLM reads where config.json declares no
    quantisation (`hangar.catalog.modelopt`)."""
    if not isinstance(config, dict):
        raise ConfigError("(file)", "a config.json holds one JSON object")
    if quant_config is not None and not isinstance(quant_config, dict):
        raise ConfigError(HF_QUANT_CONFIG, "holds one JSON object")
    if is_mistral_params(config):  # Mistral's own params.json, read as vLLM adapts it (hangar.catalog.mistral_params)
        return replace(read_config(params_config(config), quant_config), **params_fields(config))
    architectures = config.get("architectures")
    for name in architectures if isinstance(architectures, list) else ():
        if name in NOT_SERVED:
            raise ConfigError("architectures", f"{name} is not served by vLLM v0.11.2, the server Hangar deploys: "
                                               f"vLLM served it until v{NOT_SERVED[name]}")
    text = config.get("text_config") if isinstance(config.get("text_config"), dict) else config
    model_type = text.get("model_type") or config.get("model_type")
    if model_type in ("gemma3", "gemma4") and text is not config:
        model_type = f"{model_type}_text"
    if model_type == "llama4" and text is not config:
        model_type = "llama4_text"
    # the text config's own type, which transformers and vLLM key its config class by (Mistral3Config builds a text_config
    # without one as "mistral"); Mistral-Small-3.1 writes "mistral", Devstral Small 2 "ministral3": one layout
    text_model_type = "mistral" if model_type == "mistral3" and text is not config else model_type
    if model_type == "mistral3" and text is not config:
        model_type = "ministral3"
    family = FAMILY_LAYOUTS.get(model_type)  # a family read through a known layout (hangar.catalog.family_layouts)
    if config.get("model_type") == STEP3P7:  # Step-3.7-Flash: a vision tower around step3p5's text (hangar.catalog.step)
        return Architecture(**read_step(config, text, dtype=_own_layout_format(config, text, quant_config, "Step-3.7-Flash")))
    if config.get("model_type") in TOP_LEVEL and text is not config:  # Kimi K2.5: its text_config names kimi_k2 / deepseek_v3
        model_type = config["model_type"]
        family = FAMILY_LAYOUTS[model_type]
    if model_type in GEMMA3N_TYPES:  # AltUp, LAuReL, per-layer inputs, shared KV, two towers: hangar.catalog.gemma3n
        return Architecture(**read_gemma3n(config, text), dtype=_own_layout_format(config, text, quant_config, "Gemma 3n"))
    if model_type not in KNOWN_MODEL_TYPES and family is None:
        raise ConfigError("model_type", f"{model_type!r} is not a layout Hangar can read; known: {', '.join([*KNOWN_MODEL_TYPES, *FAMILY_LAYOUTS])}")
    reported = model_type
    if family is not None:
        text, model_type = family.text(config, text), family.reads_as
    model_type = _ALIASES.get(model_type, model_type)
    if model_type == "nemotron-nas":  # per-layer blocks: its own reader (hangar.catalog.nemotron_nas)
        from .nemotron_nas import read_nemotron_nas

        return Architecture(**read_nemotron_nas(config, max_model_len=derived_context(config, model_type), dtype=published_format(config, config, quant_config)),
                            yarn_context_tokens=yarn_context(config, model_type), default_context_tokens=unset_context(config, model_type))
    if model_type in MINIMAX_M3_TYPES:  # sparse attention with an indexer, its own reader (hangar.catalog.minimax_m3)
        return Architecture(**read_minimax_m3(config, text, model_type, quant_config))
    if model_type == V4_TYPE:  # compressed, windowed and indexed latents: its own reader (hangar.catalog.deepseek_v4)
        return Architecture(**read_deepseek_v4(config), **context_fields(config, model_type), dtype=v4_dtype(config),
                            tie_word_embeddings=tied_embeddings(config, config, model_type))
    if model_type in KIMI_LINEAR_TYPES:  # KDA + MLA hybrids (Kimi Linear, Kimi K3): hangar.catalog.kimi_linear
        return _kimi(config, text, model_type, quant_config)
    if model_type in MAMBA2_TYPES:  # Mamba2 hybrids (Granite 4.0, Nemotron-H): hangar.catalog.mamba_layout
        return Architecture(model_type=model_type, text_model_type=text_model_type, **context_fields(text, model_type),
                            dtype=published_format(config, text, quant_config), kv_cache_dtype=declared_kv_dtype(config, text, quant_config),
                            multimodal=False, **mamba2_fields(config, text, model_type, quant_config))
    if model_type == LAGUNA:  # per-layer query heads, a head-wise output gate: its own reader (hangar.catalog.layouts_laguna)
        return Architecture(**read_laguna(config, quant_config))
    if model_type == MIMO_V2_FLASH:  # per-layer KV heads, V narrower than K: its own reader (hangar.catalog.mimo)
        return Architecture(**read_mimo_v2_flash(text, max_model_len=derived_context(text, model_type), dtype=_own_layout_format(config, text, quant_config, "MiMo-V2-Flash")),
                            yarn_context_tokens=yarn_context(text, model_type), default_context_tokens=unset_context(text, model_type))
    defaults = _GEMMA3_DEFAULTS if model_type == "gemma3_text" else {}
    # a field the file leaves out takes its transformers default (Gemma 3); Gemma 4's layer_types and window as transformers fills them
    text = as_transformers_builds(text) if model_type == "gemma4_text" else {**defaults, **text}

    def get(key: str, required: bool = True) -> int | None:
        return config_int(text, key, defaults.get(key), required=required)

    layers = get("num_hidden_layers")
    heads = get("num_attention_heads")
    hidden = get("hidden_size")
    vocab = get("vocab_size")
    mla = model_type in MLA_TYPES
    kv_heads = head_dim = lora = rope = None
    if mla:
        lora, rope = get("kv_lora_rank"), get("qk_rope_head_dim")
    else:
        kv_heads = config_int(text, "num_key_value_heads", defaults.get("num_key_value_heads", heads))
        head_dim = config_int(text, "head_dim", defaults.get("head_dim"), required=False) or _whole(hidden, heads, "head_dim")
        if model_type in COHERE_TYPES and head_dim != _whole(hidden, heads, "hidden_size"):
            raise ConfigError("head_dim", f"{head_dim} differs from hidden_size / num_attention_heads = {hidden // heads}, "
                                          "the head size transformers' Cohere2Config and vLLM v0.11.2's CohereAttention use")
        if heads % kv_heads:
            raise ConfigError("num_key_value_heads", f"{kv_heads} does not divide num_attention_heads {heads}")
    kinds = layer_kinds(text, model_type, layers, defaults)
    global_kv = global_dim = None
    if model_type == "gemma4_text":
        global_kv, global_dim = gemma4_global_attention(text, heads, kv_heads, head_dim)
    # Gemma 4's last `num_kv_shared_layers` layers cache nothing of their own (hangar.catalog.gemma4_layers)
    cached = kinds[: layers - shared_kv_layers(text, kinds)] if model_type == "gemma4_text" else kinds
    attention = cached.count("full") + cached.count("sliding")
    sliding = cached.count("sliding")
    linear = kinds.count("linear")
    window = get("sliding_window") if sliding else None
    if window and model_type == "gemma4_text" and text.get("use_bidirectional_attention") == "all":
        window = gemma4_bidirectional_window(window)
    state = linear_state_bytes(text, model_type) * linear if linear else None
    indexer, sparse = None, {}
    if model_type == "deepseek_v32":  # DeepSeek Sparse Attention: the indexer's key cache beside the latent (hangar.catalog.sparse_indexer)
        indexer, sparse = indexer_bytes_per_token(text, attention), sparse_attention_fields(text, attention)
    if mla:
        per_token_bytes = attention * (lora + rope) * 2
    elif global_kv is not None:  # sliding layers and full layers cache different shapes
        per_token_bytes = 2 * (sliding * kv_heads * head_dim + (attention - sliding) * global_kv * global_dim) * 2
    else:
        per_token_bytes = 2 * attention * kv_heads * head_dim * 2
    experts, active = routed_experts(text, model_type)
    dense_width, expert_width = mlp_widths(text, model_type, layers, experts)
    counted = config if family is None or family.vision_params is None else {k: v for k, v in config.items() if k != "vision_config"}
    total, active_params = estimate_parameters(counted, text, model_type, kinds, hidden=hidden, heads=heads, kv_heads=kv_heads,
                                               head_dim=head_dim, vocab=vocab, experts=experts, active=active)
    if counted is not config:  # the family counts its vision tower as vLLM loads it
        total, active_params = total + family.vision_params(config), active_params + family.vision_params(config)
    kept = unquantised_parameters(config, text, quant_config, model_type, kinds, hidden=hidden, heads=heads, kv_heads=kv_heads, head_dim=head_dim,
                                  experts=experts)
    if counted is not config and quantisation_method(config, text, quant_config) in family.vision_unquantised:  # a tower vLLM keeps 16-bit
        kept = (kept or 0) + family.vision_params(config) / 1e9
    return Architecture(
        model_type=reported if family is not None else model_type,
        text_model_type=text_model_type,
        layers=layers,
        attention_heads=heads,
        hidden_size=hidden,
        vocab_size=vocab,
        intermediate_size=dense_width,
        moe_intermediate_size=expert_width,
        kv_heads=kv_heads,
        head_dim=head_dim,
        global_kv_heads=global_kv,
        global_head_dim=global_dim,
        kv_lora_rank=lora,
        qk_rope_head_dim=rope,
        attention_layers=attention if linear or len(cached) < layers else None,
        sliding_window=window,
        sliding_window_layers=sliding or None,
        state_bytes_per_sequence=state,
        indexer_bytes_per_token=indexer,
        **sparse,
        num_experts=experts,
        num_experts_per_tok=active,
        **context_fields(text, model_type),
        dtype=published_format(config, text, quant_config, experts=experts is not None),
        kv_cache_dtype=declared_kv_dtype(config, text, quant_config),
        unquantised_params_b=round(kept, 3) or None if kept is not None else None,  # under half a million: not counted
        params_total_b=round(total / 1e9, 3),
        params_active_b=None if experts is None else round(active_params / 1e9, 3),
        kv_bytes_per_token_bf16=per_token_bytes,
        multimodal=isinstance(config.get("vision_config"), dict),
        tie_word_embeddings=tied_embeddings(config, text, model_type),
        **layer_shapes(text, model_type, kinds, experts, layers_with_dense_mlp(text, model_type, layers) if experts is not None else set()),
    )


def _own_layout_format(config: dict, text: dict, quant_config: dict | None, name: str) -> str | None:
    """The published format of a layout read by its own module, refusing a quantisation that keeps modules in 16 bits
    (a ModelOpt exclude list, an fp8 `ignored_layers` / `modules_to_not_convert`): those modules are not sized there."""
    declared = declared_quantisation(config, text, quant_config)
    if declared is not None:
        key, quant = declared
        kept = next((k for k in ("ignored_layers", "modules_to_not_convert") if quant.get(k)), None)
        if is_modelopt(quant) or kept is not None:
            raise ConfigError(f"{key}.{kept}" if kept else key, f"a {name} checkpoint that keeps some modules in 16 bits: "
                                                               "which ones is not sized for this layout")
    return published_format(config, text, quant_config, experts=True)


def _kimi(config: dict, text: dict, model_type: str, quant_config: dict | None) -> Architecture:
    """A Kimi Linear config, or a Kimi K3 one (`model_type` kimi_k3 whose `text_config` is kimi_linear)."""
    if config.get("model_type") == "kimi_k3":
        if text is config or text.get("model_type") != "kimi_linear":
            raise ConfigError("text_config", "a kimi_k3 config carries its kimi_linear text model there")
        model_type = "kimi_k3"
    elif text is not config:
        raise ConfigError("model_type", f"{config.get('model_type')!r} with a kimi_linear text_config; the reader knows kimi_k3's only")
    quant = text.get("quantization_config") if isinstance(text.get("quantization_config"), dict) else config.get("quantization_config")
    dtype = kimi_k3_format(quant) if model_type == "kimi_k3" and isinstance(quant, dict) else None
    fields = kimi_linear_fields(config, text, model_type)
    return Architecture(model_type=model_type, text_model_type=text.get("model_type") or model_type, **context_fields(text, model_type),
                        dtype=dtype or published_format(config, text, quant_config, experts=fields["num_experts"] is not None),
                        multimodal=isinstance(config.get("vision_config"), dict), **fields)


def _whole(hidden: int, heads: int, field: str) -> int:
    if hidden % heads:
        raise ConfigError(field, f"missing, and hidden_size {hidden} is not a multiple of num_attention_heads {heads}")
    return hidden // heads


COHERE_TYPES = ("cohere", "cohere2")
"""Cohere's layouts: one head size, hidden_size / num_attention_heads (see the module docstring)."""

def model_row(
    hf_id: str,
    config: dict[str, Any],
    *,
    licence_id: str,
    source: str,
    as_of: datetime.date,
    revision: str | None = None,
    family: str | None = None,
    base_licence_id: str | None = None,
    base_model: str | None = None,
    notes: str | None = None,
    quant_config: dict[str, Any] | None = None,
) -> Model:
    """A validated catalog row for `hf_id` from its config.json (ConfigError if the config cannot be read), with the
    `hf_quant_config.json` beside it (`quant_config`) where there is one."""
    arch = read_config(config, quant_config)
    try:
        return Model(
            hf_id=hf_id,
            family=family or arch.model_type,
            licence_id=licence_id,
            base_licence_id=base_licence_id,
            base_model=base_model,
            config_verified=True,
            source=source,
            as_of=as_of,
            revision=revision,
            notes=notes,
            **arch.row_fields(),
        )
    except ValidationError as error:
        first = error.errors()[0]
        blamed = (first.get("ctx") or {}).get("error")
        if isinstance(blamed, RowProblem):
            raise ConfigError(blamed.column, f"{blamed.value!r}: {blamed.message}") from None
        raise ConfigError(str((first.get("loc") or ("(row)",))[0]), first.get("msg", "invalid")) from None

