"""Read StepFun's Step-3.7-Flash layout (`model_type` step3p7, `Step3p7ForConditionalGeneration`: a Step-3.5 language
model in `text_config` and a vision tower) from its config.json, as vLLM v0.33.0 builds it.

Read in the PyPI wheel vllm-0.33.0 (commit 4ba787ec9), read 2026-12-02. registry.py maps `Step3p7ForConditionalGeneration`
to step3p7.py, whose language model is step3p5.py's `Step3p5ForCausalLM` built from `text_config`
(`init_vllm_registered_model(hf_config=config.text_config)`). A config naming another architecture is refused, naming
`architectures`: NVIDIA aiconfigurator's curated copies name `Step3p7FlashForCausalLM`, which its own commit 848f5e11
says "exist[s] only in this repo['s] curated configs", and no vLLM release read registers it.

The config is read through the repository's own configuration class: step_vl.py's `PerceptionEncoder` reads
`vision_config.width`, `.layers` and `.heads`, which transformers-5.16.1's `Step3p7VisionConfig` pops into
hidden_size / num_hidden_layers / num_attention_heads, so only the hub class keeps what vLLM reads (vLLM's recipe serves
the release with `--trust-remote-code`; `hangar.sizing.engine_models.REMOTE_CODE_TYPES`). That class was not read here,
so the reader takes no defaults: it reads the fields step3p5.py reads, by the names it reads them, through its
"remote code configs" paths:

* `Step3p5DecoderLayer` (the first `num_hidden_layers` layers; `layer_types` may carry trailing entries for the
  multi-token-prediction layers, read only past `num_hidden_layers`): attention of `num_attention_groups` KV heads of
  `head_dim` (else hidden_size / num_attention_heads) in every layer, a `sliding_window` on "sliding_attention" layers.
  The query heads are `num_attention_heads`, except on sliding layers where `num_sliding_attention_heads`, or an
  `attention_other_setting` whose `attention_type` is "sliding_attention", names others (`_get_num_attention_heads`;
  that setting's KV groups or head size are not read). With `use_head_wise_attn_gate` a `g_proj` (hidden x query heads)
  gates each head. q/k RMS norms, partial rotary and per-layer rope thetas change nothing cached.
* The hybrid KV-cache manager keeps only a sliding layer's window unless the text config has an `attention_chunk_size`
  (vllm/config/vllm.py; `hangar.catalog.mimo` has the rule): then every layer is cached as full attention.
* MLP: layer i routes to experts where `mlp_layer_types[i]` is "sparse", else (no `mlp_layer_types`) where i is in the
  comma-separated string `moe_layers_enum`, else where 0 < i < num_hidden_layers (`_is_moe_layer`); a routed layer has
  `moe_num_experts` experts of `moe_intermediate_size`, top `moe_top_k`, a float32 router of hidden x experts, and a
  shared expert of `share_expert_dim` (`FusedMoEBlock`, which reads `use_moe_router_bias` and `need_fp32_gate` and
  asserts both true); the other layers a dense SiLU MLP of `intermediate_size`.
* `Step3p5ForCausalLM` has its own `ParallelLMHead` (never tied) and `load_weights` skips the
  `num_nextn_predict_layers` prediction layers (`get_spec_layer_idx_from_weight_name`, and any layer index past
  `num_hidden_layers`): not counted.
* The vision tower (step_vl.py `PerceptionEncoder`, from `vision_config`): a patch convolution (3 x `width` x
  `patch_size`^2), `layers` blocks of attention (qkv 3 x width^2, out width^2) and an MLP of int(width x `mlp_ratio`),
  two 3x3 downsampling convolutions (width -> 2 width -> 4 width), a positional embedding of (image_size / patch_size)^2
  (+1 with a class token) x width where `use_abs_posemb`; then `vit_large_projector`, 4 width -> the text hidden size.

Not sized: the sliding layers' wider query projection in a row's `attention_heads` (the row keeps the full layers'
count; the parameter ESTIMATE counts each layer's own). vLLM v0.11.2 registers no Step-3.7 class
(`hangar.sizing.engine_models`); at v0.33.0 neither step3p7.py's class nor step3p5.py's is `SupportsLoRA`.
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int
from .context_length import context_fields

STEP3P7 = "step3p7"
"""The model type of Step-3.7-Flash (its text_config's is step3p5, Step-3.5-Flash's)."""
STEP_ARCHITECTURES = ("Step3p7ForConditionalGeneration",)
"""What vLLM v0.33.0's registry serves this layout as (registry.py)."""

_NOT_IN_LAYOUT = (
    "global_kv_heads", "global_head_dim", "kv_lora_rank", "qk_rope_head_dim", "attention_layers", "state_bytes_per_sequence",
    "indexer_bytes_per_token", "q_lora_rank", "qk_nope_head_dim", "v_head_dim", "index_n_heads", "index_head_dim",
    "linear_key_dim", "linear_value_dim", "linear_value_heads", "linear_conv_kernel_dim", "attn_output_gate", "layer_kv_heads",
    "layer_mlp_widths",
)


def _layer_types(text: dict, layers: int) -> list[str]:
    declared = text.get("layer_types")
    if not isinstance(declared, list) or len(declared) < layers:
        raise ConfigError("layer_types", f"expected a list of at least {layers} layer types (num_hidden_layers; trailing "
                                         "entries for the prediction layers are not read)")
    kinds = declared[:layers]
    unknown = sorted({k for k in kinds if k not in ("full_attention", "sliding_attention")}, key=repr)
    if unknown:
        raise ConfigError("layer_types", f"{', '.join(map(repr, unknown))} not understood; known: full_attention, sliding_attention")
    return kinds


def _sliding_heads(text: dict, heads: int) -> int:
    """Query heads of a sliding layer, as `_get_num_attention_heads` reads them."""
    if text.get("num_sliding_attention_heads"):
        return config_int(text, "num_sliding_attention_heads")
    other = text.get("attention_other_setting") or {}
    if not isinstance(other, dict):
        raise ConfigError("attention_other_setting", f"{other!r} is not an object")
    if other.get("attention_type") == "sliding_attention":
        return config_int(other, "num_attention_heads")
    return heads


def _routed(text: dict, layers: int) -> list[bool]:
    """Which layers route to experts (`_is_moe_layer`)."""
    declared = text.get("mlp_layer_types")
    if declared is not None:
        if not isinstance(declared, list):
            raise ConfigError("mlp_layer_types", f"{declared!r} is not a list of 'dense' / 'sparse'")
        return [i < len(declared) and declared[i] == "sparse" for i in range(layers)]
    enum = text.get("moe_layers_enum")
    if enum is not None:
        if not isinstance(enum, str):
            raise ConfigError("moe_layers_enum", f"{enum!r}: vLLM v0.33.0 reads a comma-separated string of layer indices")
        try:
            chosen = {int(i) for i in enum.strip().split(",")}
        except ValueError:
            raise ConfigError("moe_layers_enum", f"{enum!r} is not a comma-separated list of layer indices") from None
        return [i in chosen for i in range(layers)]
    return [0 < i < layers for i in range(layers)]


def read_step(config: dict[str, Any], text: dict[str, Any], *, dtype: str | None) -> dict[str, Any]:
    """The `Architecture` fields of a Step-3.7-Flash config.json (`text` its text_config); ConfigError names the field it
    cannot read or that vLLM v0.33.0 would serve otherwise."""
    named = config.get("architectures")
    names = named if isinstance(named, list) else []
    if not any(name in STEP_ARCHITECTURES for name in names):
        raise ConfigError("architectures", f"{names!r}: vLLM v0.33.0 serves this layout only as {' or '.join(STEP_ARCHITECTURES)} "
                                           "(its registry.py); a config naming another is not one it loads")
    if text.get("att_impl_type", "GQA") != "GQA":
        raise ConfigError("att_impl_type", f"{text['att_impl_type']!r}: vLLM's Step3p5DecoderLayer supports GQA only")
    if not isinstance(config.get("text_config"), dict):
        raise ConfigError("text_config", "missing: Step3p7ForConditionalGeneration builds its language model from it")
    if text.get("tie_word_embeddings", False) is not False:
        raise ConfigError("tie_word_embeddings", f"{text['tie_word_embeddings']!r}: Step3p5ForCausalLM builds its own output head")
    layers, hidden, vocab = config_int(text, "num_hidden_layers"), config_int(text, "hidden_size"), config_int(text, "vocab_size")
    heads = config_int(text, "num_attention_heads")
    kv_heads = config_int(text, "num_attention_groups")
    head_dim = config_int(text, "head_dim", hidden // heads)
    kinds = _layer_types(text, layers)
    sliding_heads = _sliding_heads(text, heads)
    for name, count in (("num_attention_heads", heads), ("num_sliding_attention_heads", sliding_heads)):
        if count % kv_heads:
            raise ConfigError(name, f"{count} is not a multiple of num_attention_groups {kv_heads}")
    sliding = kinds.count("sliding_attention")
    window = config_int(text, "sliding_window") if sliding else None
    cached_as_full = sliding and text.get("attention_chunk_size") is not None  # the hybrid manager off
    routed = _routed(text, layers)
    experts = active = expert_width = shared = None
    if any(routed):
        for flag in ("use_moe_router_bias", "need_fp32_gate"):
            if text.get(flag) is not True:
                raise ConfigError(flag, f"{text.get(flag)!r}: vLLM's FusedMoEBlock reads it and asserts it is true")
        experts, active = config_int(text, "moe_num_experts"), config_int(text, "moe_top_k")
        expert_width, shared = config_int(text, "moe_intermediate_size"), config_int(text, "share_expert_dim")
    dense_width = config_int(text, "intermediate_size") if not all(routed) else None
    gate = bool(text.get("use_head_wise_attn_gate", False))
    total = active_total = vocab * hidden
    total += vocab * hidden
    for kind, moe in zip(kinds, routed, strict=True):
        q = sliding_heads if kind == "sliding_attention" else heads
        attention = 2 * hidden * q * head_dim + 2 * hidden * kv_heads * head_dim + (hidden * q if gate else 0)
        if moe:
            assert experts is not None and active is not None and expert_width is not None and shared is not None
            common = attention + 3 * hidden * shared + hidden * experts
            total += common + experts * 3 * hidden * expert_width
            active_total += common + active * 3 * hidden * expert_width
        else:
            assert dense_width is not None
            total += attention + 3 * hidden * dense_width
            active_total += attention + 3 * hidden * dense_width
    vision = config.get("vision_config")
    if not isinstance(vision, dict):
        raise ConfigError("vision_config", "missing: Step3p7ForConditionalGeneration builds its vision tower from it")
    tower = vision_params(vision, hidden)
    return {
        "model_type": STEP3P7, "text_model_type": text.get("model_type") or STEP3P7, "layers": layers, "attention_heads": heads, "hidden_size": hidden,
        "vocab_size": vocab, "intermediate_size": dense_width, "moe_intermediate_size": expert_width, "kv_heads": kv_heads,
        "head_dim": head_dim, "sliding_window": None if cached_as_full else window,
        "sliding_window_layers": None if cached_as_full else (sliding or None),
        "num_experts": experts, "num_experts_per_tok": active,
        **context_fields(text, STEP3P7), "dtype": dtype,
        "params_total_b": round((total + tower) / 1e9, 3), "params_active_b": None if experts is None else round((active_total + tower) / 1e9, 3),
        "kv_bytes_per_token_bf16": 2 * layers * kv_heads * head_dim * 2, "multimodal": True,
        "tie_word_embeddings": False, "dense_mlp_layers": (routed.count(False) or None) if experts is not None else None,
        "shared_expert_intermediate_size": shared, **dict.fromkeys(_NOT_IN_LAYOUT),
    }


def vision_params(vision: dict, text_hidden: int) -> int:
    """Step-3.7's PerceptionEncoder and `vit_large_projector` as vLLM v0.33.0 builds them (module docstring); biases and
    norms left out, as elsewhere."""
    def get(key: str) -> int:
        try:
            return config_int(vision, key)  # type: ignore[return-value]
        except ConfigError as error:
            raise ConfigError(f"vision_config.{key}", str(error).split(": ", 1)[1]) from None

    width, depth, patch = get("width"), get("layers"), get("patch_size")
    ratio = vision.get("mlp_ratio")
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or ratio <= 0:
        raise ConfigError("vision_config.mlp_ratio", f"{ratio!r} is not a positive number")
    inner = int(width * ratio)
    blocks = depth * (4 * width * width + 2 * width * inner)
    downsample = 9 * width * 2 * width + 9 * 2 * width * 4 * width
    grid = get("image_size") // patch
    posemb = (int(bool(vision.get("use_cls_token"))) + grid * grid) * width if vision.get("use_abs_posemb") else 0
    return 3 * width * patch * patch + blocks + downsample + posemb + 4 * width * text_hidden
