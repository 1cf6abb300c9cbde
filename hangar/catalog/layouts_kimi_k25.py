"""Kimi K2.5 (`kimi_k25`, `KimiK25ForConditionalGeneration`; K2.6 and K2.7 ship the same layout): Kimi K2's text model
(DeepSeek-V3's layout, `kimi_k2` or `deepseek_v3` in a `text_config`) beside a MoonViT vision tower and a patch-merger
projector, whose weights are counted here as vLLM loads them.

What vLLM v0.33.0 does with the file, read 2026-12-02 in the PyPI wheel vllm-0.33.0 (commit 4ba787ec9):
* vllm/model_executor/models/registry.py maps `KimiK25ForConditionalGeneration` to kimi_k25.py, whose class builds the
  text model as `DeepseekV2ForCausalLM` from `text_config` (`init_vllm_registered_model(..., architectures=
  ["DeepseekV2ForCausalLM"])`: MLA, routed and shared experts, its own `lm_head` - deepseek_v2.py never ties it to the
  embedding, so a file saying `tie_word_embeddings` true is refused), and declares `SupportsMultiModal`, `SupportsPP`,
  `SupportsQuant` and `SupportsEagle`/`SupportsEagle3`, not `SupportsLoRA`;
* the config object is transformers' `Kimi_K25Config` (vllm/transformers_utils/config.py `_CONFIG_REGISTRY`:
  kimi_k25="Kimi_K25Config", "Upstream class, hub remote code uses old schema"), whose `Kimi_K25VisionConfig`
  (transformers-5.16.1 wheel, the oldest v0.33.0 admits, models/kimi_k25/configuration_kimi_k25.py) has `hidden_size`
  1152, `num_hidden_layers` 27, `num_attention_heads` 16, `intermediate_size` 4304, `patch_size` 14, `merge_kernel_size`
  (2, 2) and `pos_emb_height`/`width`/`time` 64/64/4 as defaults and no reading of the hub schema's `vt_hidden_size`,
  `vt_num_hidden_layers`, `vt_num_attention_heads`, `vt_intermediate_size` (kept as plain attributes: loading Kimi K2.5's
  config.json with it gives hidden_size 1152 beside vt_hidden_size 1152). So vLLM builds the tower from the standard
  names or those defaults; a file whose `vt_*` field says another width is refused naming it (vLLM would build a tower
  of another shape than the checkpoint's weights);
* the tower, kimi_k25_vit.py `MoonViT3dPretrainedModel`: a patch embedding (Conv2d 3 -> hidden, kernel `patch_size`^2,
  with bias), a learned position table of `init_pos_emb_height` x `init_pos_emb_width` x hidden (the legacy names win,
  `_get_pos_emb_size`; `pos_emb_type` must be "divided_fixed", else NotImplementedError), `num_hidden_layers` blocks of
  a fused `wqkv` (3 h^2) and `wo` (h^2) and an MLP `fc0`/`fc1` (2 h x intermediate), and a final norm;
  `KimiK25MultiModalProjector` ("patchmerger", or "patchmergerv2" without biases): a `merge_kernel_size` patch merge to
  h x 4, `linear_1` (4h)^2 and `linear_2` 4h -> the text model's `hidden_size`. Counted as matrices (norms and biases
  left out), as `hangar.catalog.model_params` counts the text model: 470.7 million for Kimi K2.5 (its model card: "Vision
  Encoder MoonViT, Parameters of Vision Encoder 400M", MoonshotAI/Kimi-K2.5 README.md at 3e60763b);
* `_maybe_ignore_quant_config` gives the tower and projector no quantisation config when the checkpoint is
  compressed-tensors: they stay 16-bit, counted in the row's `unquantised_params_b` (`VISION_KEPT`). A ModelOpt
  checkpoint's config reaches them: the tower's linear layers (prefix `vision_tower.`) and the projector's
  (`mm_projector.linear_1`, `mm_projector.linear_2`) stay 16-bit where its exclude list matches them as vLLM matches it
  (`hangar.catalog.modelopt.keeps_16_bit`; NVIDIA's K2.5-K2.7 NVFP4 repacks list `vision_tower*` and `mm_projector*`),
  and are counted there too (`kimi_k25_vision_modules`).

vLLM v0.11.2 has no `KimiK25ForConditionalGeneration` (`hangar.sizing.engine_models` refuses it there).
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int

VISION_DEFAULTS: dict[str, Any] = {
    "hidden_size": 1152, "num_hidden_layers": 27, "num_attention_heads": 16, "intermediate_size": 4304, "patch_size": 14,
    "merge_kernel_size": [2, 2], "pos_emb_height": 64, "pos_emb_width": 64,
}  # fmt: skip
"""transformers-5.16.1 `Kimi_K25VisionConfig` defaults, which vLLM v0.33.0 builds the tower from where the file has no standard name."""
HUB_NAMES = {"vt_hidden_size": "hidden_size", "vt_num_hidden_layers": "num_hidden_layers", "vt_num_attention_heads": "num_attention_heads",
             "vt_intermediate_size": "intermediate_size", "mm_hidden_size": "hidden_size"}
"""The hub schema's names of the tower's sizes, which `Kimi_K25VisionConfig` does not read, and the name it reads."""
PROJECTORS = ("patchmerger", "patchmergerv2")
"""`mm_projector_type`s kimi_k25_vit.py builds (both: linear_1 (4h)^2 and linear_2 4h -> text hidden)."""
VISION_KEPT = ("compressed-tensors",)
"""Quantisation methods under which kimi_k25.py keeps the tower and projector in 16 bits (`_maybe_ignore_quant_config`)."""


def kimi_k25_text(config: dict[str, Any], text: dict[str, Any]) -> dict[str, Any]:
    """The text config (DeepSeek-V3's layout), with an untied head; a ConfigError names what vLLM would read otherwise."""
    if text is config:
        raise ConfigError("text_config", "missing: Kimi K2.5 keeps its text model's fields there")
    if text.get("model_type") not in ("kimi_k2", "deepseek_v3"):
        raise ConfigError("text_config.model_type", f"{text.get('model_type')!r}; Kimi K2.5's text model is kimi_k2 (deepseek_v3)")
    if not isinstance(config.get("vision_config"), dict):
        raise ConfigError("vision_config", "missing: Kimi K2.5's vision tower is sized from it")
    for source, field in ((text, "text_config.tie_word_embeddings"), (config, "tie_word_embeddings")):
        if source.get("tie_word_embeddings"):
            raise ConfigError(field, "true, but vLLM's DeepseekV2ForCausalLM always loads its own lm_head (deepseek_v2.py never ties it)")
    return {**text, "tie_word_embeddings": False}


def kimi_k25_vision_params(config: dict[str, Any]) -> int:
    """The vision tower's and projector's weight matrices as vLLM v0.33.0 builds them (see the module docstring)."""
    return sum(kimi_k25_vision_modules(config).values())


def kimi_k25_vision_modules(config: dict[str, Any]) -> dict[str, int]:
    """The tower's and projector's weights by vLLM's module prefix: `vision_tower` (patch embedding, position table and
    blocks), `mm_projector.linear_1` and `mm_projector.linear_2`."""
    vision = config["vision_config"]
    values = {**VISION_DEFAULTS, **{k: v for k, v in vision.items() if k in VISION_DEFAULTS}}
    for hub, name in HUB_NAMES.items():
        if hub in vision and vision[hub] != values[name]:
            raise ConfigError(f"vision_config.{hub}", f"{vision[hub]!r}, but vLLM v0.33.0 builds the tower with {name} {values[name]} (transformers' "
                                                      "Kimi_K25VisionConfig reads no vt_* field): it would not load these weights")
    if vision.get("pos_emb_type", "divided_fixed") != "divided_fixed":
        raise ConfigError("vision_config.pos_emb_type", f"{vision.get('pos_emb_type')!r}; vLLM's MoonViT builds 'divided_fixed' only")
    if vision.get("mm_projector_type", "patchmerger") not in PROJECTORS:
        raise ConfigError("vision_config.mm_projector_type", f"{vision.get('mm_projector_type')!r}; vLLM builds {', '.join(PROJECTORS)}")
    merge = values["merge_kernel_size"]
    if not isinstance(merge, list) or len(merge) != 2 or not all(isinstance(m, int) and m > 0 for m in merge):
        raise ConfigError("vision_config.merge_kernel_size", f"{merge!r} is not two positive whole numbers")

    def get(key: str) -> int:
        legacy = vision.get(f"init_{key}") if key.startswith("pos_emb_") else None
        return config_int({key: legacy if legacy is not None else values[key]}, key)

    width, inner = get("hidden_size"), get("intermediate_size")
    patch = 3 * get("patch_size") ** 2 * width
    positions = get("pos_emb_height") * get("pos_emb_width") * width
    blocks = get("num_hidden_layers") * (4 * width * width + 2 * width * inner)
    merged = width * merge[0] * merge[1]
    return {"vision_tower": patch + positions + blocks, "mm_projector.linear_1": merged * merged,
            "mm_projector.linear_2": merged * config_int(config["text_config"], "hidden_size")}
