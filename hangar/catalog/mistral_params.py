"""Mistral AI's own `params.json` (Mistral Large 3), read as vLLM adapts it: the config vLLM builds from it, and the
Pixtral vision tower it builds around the text model.

A Mistral repository that ships `consolidated*.safetensors` and a `params.json` is loaded from them: vLLM v0.33.0's
`get_config` picks the "mistral" config format when `is_mistral_model_repo` finds those weights and the file exists,
before it looks for a config.json (vllm/transformers_utils/config.py, repo_utils.py), and `MistralConfigParser` turns
params.json into a Hugging Face config with `adapt_config_dict` (vllm/transformers_utils/configs/mistral.py). Read in
the PyPI wheel vllm-0.33.0 (commit 4ba787ec9) on 2026-12-03, that function:

* renames `dim`, `norm_eps`, `n_kv_heads`, `n_layers`, `n_heads`, `hidden_dim` to hidden_size, rms_norm_eps,
  num_key_value_heads, num_hidden_layers, num_attention_heads, intermediate_size; `tied_embeddings` (default false)
  to tie_word_embeddings; copies `max_position_embeddings` to `max_seq_len` (its parser fills a missing one from the
  repository's config.json, which is not read here: such a file is refused);
* reads a `moe` block with `num_shared_experts` > 0 as Mistral Large 3: `model_type` deepseek_v3, `architectures`
  MistralLarge3ForCausalLM (mistral_large_3.py: DeepseekV3ForCausalLM with Mistral's weight names), the block's
  num_experts, num_experts_per_tok, expert_hidden_dim, num_shared_experts, first_k_dense_replace, route_every_n,
  num_expert_groups(_per_tok) and routed_scale renamed to DeepSeek's n_routed_experts, num_experts_per_tok,
  moe_intermediate_size, n_shared_experts, first_k_dense_replace, moe_layer_freq, n_group, topk_group and
  routed_scaling_factor, and asserts a `llama_4_scaling` with original_max_position_embeddings and beta; a `moe`
  without shared experts it reads as Mixtral, and latent attention without `moe` it gives one dense "expert" - neither
  is Mistral Large 3's layout, so both are refused here (give such a model's config.json); a dense file (no `moe`, no
  latent attention: Ministral 3's) is `hangar.catalog.mistral_dense`'s;
* turns `yarn` (factor, original_max_position_embeddings, beta, alpha) into yarn `rope_parameters` (beta_fast,
  beta_slow), with `rope_theta`;
* turns `quantization` with `qformat_weight` fp8_e4m3 into fp8 (`activation_scheme` dynamic for `qscheme_act`
  NO_SCALES, else static), passes a compressed-tensors one through, and raises on any other; a `quantization_config`
  already in the file is kept as it is;
* wraps a file with a `vision_encoder` (or `multimodal.vision_encoder_args`) as `model_type` pixtral,
  PixtralForConditionalGeneration, the text model as `text_config` and the encoder's fields as `vision_config`
  (an audio encoder, Voxtral's, is not read here).

vLLM v0.12.0 (PyPI wheel, commit 4fd9d6a85, read 2026-12-03) is the first release after v0.11.2 to register
MistralLarge3ForCausalLM, and its `adapt_config_dict` reads a `moe` block with shared experts the same way; v0.11.2's `adapt_config_dict` reads any `moe` block as
MixtralForCausalLM (`hangar.sizing.engine_models` refuses the model there).

The vision tower (`pixtral_vision_params`), as vLLM v0.33.0's pixtral.py builds it (`VisionEncoderArgs` read from
`vision_config`): a patch convolution (num_channels x patch_size^2 -> hidden, no bias), `num_hidden_layers` blocks of
qkv (3 h^2, head_dim hidden / heads) and o (h^2) and a SwiGLU gate_up (2 h x intermediate) and down (intermediate x h),
a `PatchMerger` (h x spatial_merge_size^2 -> h) where `mm_projector_id` is "patch_merge", and the
`VisionLanguageAdapter` w_in (h -> the text model's hidden_size) and w_out (that width squared); norms and biases left
out, as `hangar.catalog.model_params` counts the text model. `PixtralForConditionalGeneration.__init__` builds the
tower, merger and adapter with no quantisation config, so they stay 16-bit whatever the checkpoint's quantisation
(`VISION_KEPT`).
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int

MISTRAL_LARGE_3 = "mistral_large_3"
"""The layout name the reader reports for Mistral Large 3 (params.json has no model_type; vLLM's module is mistral_large_3.py)."""
TEXT_ARCHITECTURE = "MistralLarge3ForCausalLM"
RENAMED = {"dim": "hidden_size", "norm_eps": "rms_norm_eps", "n_kv_heads": "num_key_value_heads", "n_layers": "num_hidden_layers",
            "n_heads": "num_attention_heads", "hidden_dim": "intermediate_size"}
_MOE = {"route_every_n": "moe_layer_freq", "first_k_dense_replace": "first_k_dense_replace", "num_experts_per_tok": "num_experts_per_tok",
        "num_experts": "n_routed_experts", "expert_hidden_dim": "moe_intermediate_size", "routed_scale": "routed_scaling_factor",
        "num_shared_experts": "n_shared_experts", "num_expert_groups": "n_group", "num_expert_groups_per_tok": "topk_group"}
_YARN = {"factor": "factor", "original_max_position_embeddings": "original_max_position_embeddings", "beta": "beta_fast", "alpha": "beta_slow"}
VISION_KEPT = ("fp8", "compressed-tensors")
"""The quantisations vLLM's Mistral adapter passes on (`quant_method`), under each of which pixtral.py keeps the vision
tower, patch merger and adapter in 16 bits: counted in the row's `unquantised_params_b`."""


def is_mistral_params(config: Any) -> bool:
    """Whether the file is Mistral's own params.json (its `dim` and `n_layers`), not a Hugging Face config.json."""
    return isinstance(config, dict) and "dim" in config and "n_layers" in config and "architectures" not in config


def vllm_config(params: dict[str, Any]) -> dict[str, Any]:
    """The Hugging Face config vLLM v0.33.0 builds from a Mistral Large 3 params.json; a ConfigError names a field it
    would read as another layout, or that Hangar does not read (see the module docstring)."""
    moe = params.get("moe")
    if not isinstance(moe, dict) or not moe.get("num_shared_experts"):
        field = "moe.num_shared_experts" if isinstance(moe, dict) else "moe"
        why = "vLLM reads a params.json without shared experts as Mixtral's" if isinstance(moe, dict) else (
            "vLLM reads latent attention without a moe block as one dense expert (a dense params.json without it is Mistral's dense layout)")
        raise ConfigError(field, f"missing or 0: {why}; the reader sizes Mistral Large 3's params.json only - give the model's config.json")
    unknown = sorted(set(moe) - set(_MOE) - {"expert_parallel", "expert_model_parallel", "renorm_strategy", "use_load_balancing_bias"})
    if unknown:
        raise ConfigError(f"moe.{unknown[0]}", f"not a field vLLM's Mistral adapter renames ({', '.join(_MOE)}); its effect is not sized")
    scaling = params.get("llama_4_scaling")
    if not isinstance(scaling, dict) or not {"original_max_position_embeddings", "beta"} <= set(scaling):
        raise ConfigError("llama_4_scaling", "vLLM asserts Mistral Large 3's params.json states it, with original_max_position_embeddings and beta")
    return adapted_config(params, model_type="deepseek_v3", architecture=TEXT_ARCHITECTURE, wrapper_type="pixtral",
                          extra={new: moe[old] for old, new in _MOE.items() if old in moe})


def adapted_config(params: dict[str, Any], *, model_type: str, architecture: str, wrapper_type: str, extra: dict[str, Any]) -> dict[str, Any]:
    """What vLLM's `adapt_config_dict` makes of any params.json, latent MoE or dense: its fields renamed, `extra` (the
    layout's own) added, yarn as `rope_parameters`, `quantization` mapped, and a vision encoder wrapped as Pixtral
    (`wrapper_type` is the wrapper's model_type as the reader keys it)."""
    if params.get("max_position_embeddings") is None:
        raise ConfigError("max_position_embeddings", "missing: vLLM then takes it from the repository's config.json, which is not read here")
    if (params.get("multimodal") or {}).get("whisper_model_args"):
        raise ConfigError("multimodal.whisper_model_args", "an audio encoder (Voxtral's layout) is not read from params.json")
    text = {k: v for k, v in params.items() if k not in ("moe", "yarn", "quantization", "vision_encoder", "multimodal", "tied_embeddings")}
    for old, new in RENAMED.items():
        if old in text:
            text[new] = text.pop(old)
    text.update({"model_type": model_type, "architectures": [architecture], "tie_word_embeddings": bool(params.get("tied_embeddings", False)),
                 "max_seq_len": params["max_position_embeddings"], **extra})
    if params.get("yarn"):
        text["rope_parameters"] = rope_parameters(params)
    quant = quantisation_config(params)
    if quant is not None:
        text["quantization_config"] = quant
    vision = params.get("vision_encoder") or (params.get("multimodal") or {}).get("vision_encoder_args")
    if not vision:
        return text
    if not isinstance(vision, dict):
        raise ConfigError("vision_encoder", "holds one JSON object")
    wrapped = {"model_type": wrapper_type, "architectures": ["PixtralForConditionalGeneration"], "text_config": text, "vision_config": dict(vision)}
    return {**wrapped, "quantization_config": quant} if quant is not None else wrapped


def rope_parameters(params: dict[str, Any]) -> dict[str, Any]:
    yarn = params["yarn"]
    if not isinstance(yarn, dict):
        raise ConfigError("yarn", "holds one JSON object")
    unknown = sorted(set(yarn) - set(_YARN) - {"apply_scale"})
    if unknown:
        raise ConfigError(f"yarn.{unknown[0]}", f"vLLM asserts no yarn field but {', '.join([*_YARN, 'apply_scale'])} ('Unparsed yarn config')")
    rope: dict[str, Any] = {"rope_type": "yarn", "mscale_all_dim": 1, **{new: yarn[old] for old, new in _YARN.items() if old in yarn}}
    if params.get("rope_theta") is not None:
        rope["rope_theta"] = params["rope_theta"]
    if yarn.get("apply_scale", True) is False:  # no magnitude correction: transformers' attention_factor 1
        rope["attention_factor"] = 1.0
    return rope


def quantisation_config(params: dict[str, Any]) -> dict[str, Any] | None:
    declared = params.get("quantization")
    if not declared:
        kept = params.get("quantization_config")
        return kept if isinstance(kept, dict) else None
    if not isinstance(declared, dict):
        raise ConfigError("quantization", "holds one JSON object")
    if declared.get("qformat_weight") == "fp8_e4m3":
        scheme = declared.get("qscheme_act")
        if scheme not in ("NO_SCALES", "TENSOR", None):
            raise ConfigError("quantization.qscheme_act", f"{scheme!r}: vLLM asserts NO_SCALES or TENSOR (the default)")
        return {"quant_method": "fp8", "activation_scheme": "dynamic" if scheme == "NO_SCALES" else "static"}
    if str(declared.get("quant_method", "")).lower().replace("_", "-") == "compressed-tensors":
        return {**declared, "quant_method": "compressed-tensors"}
    raise ConfigError("quantization", f"{declared!r}: vLLM's Mistral adapter raises 'Found unknown quantization' (it reads qformat_weight "
                                      "fp8_e4m3 or a compressed-tensors quant_method)")


def mistral_large_3_text(config: dict[str, Any], text: dict[str, Any]) -> dict[str, Any]:
    """The text config inside vLLM's pixtral wrapper: Mistral Large 3's (DeepSeek-V3's layout) only, with an untied head."""
    if text is config or text.get("architectures") != [TEXT_ARCHITECTURE]:
        raise ConfigError("text_config", "the reader reads a pixtral config only as vLLM builds it from Mistral Large 3's params.json")
    if text.get("tie_word_embeddings"):
        raise ConfigError("tied_embeddings", "true, but vLLM's DeepseekV3ForCausalLM (MistralLarge3ForCausalLM's base) always loads its own lm_head")
    return text


def pixtral_vision_params(config: dict[str, Any]) -> int:
    """The vision tower's, patch merger's and adapter's weight matrices as vLLM v0.33.0's pixtral.py builds them."""
    vision = {f"vision_encoder.{k}": v for k, v in config["vision_config"].items()}

    def get(key: str) -> int:
        return config_int(vision, f"vision_encoder.{key}")

    width, inner, heads = get("hidden_size"), get("intermediate_size"), get("num_attention_heads")
    if width % heads:
        raise ConfigError("vision_encoder.num_attention_heads", f"{heads} does not divide hidden_size {width} (pixtral.py asserts it does)")
    text_width = config_int(config["text_config"], "hidden_size")
    patch = get("num_channels") * get("patch_size") ** 2 * width
    blocks = get("num_hidden_layers") * (4 * width * width + 3 * width * inner)
    merger = width * get("spatial_merge_size") ** 2 * width if vision.get("vision_encoder.mm_projector_id") == "patch_merge" else 0
    return patch + blocks + merger + width * text_width + text_width * text_width
