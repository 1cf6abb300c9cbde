"""Qwen3-VL (`qwen3_vl`, dense; `qwen3_vl_moe`, mixture of experts): Qwen3's text layout inside a `text_config`, beside
a vision tower whose weights are counted here as vLLM loads them.

What vLLM does with the file, read 2026-12-02 in the PyPI wheels vllm-0.11.2 (commit 275de3417) and vllm-0.33.0 (commit
4ba787ec9), vllm/model_executor/models/qwen3_vl.py and qwen3_vl_moe.py; both registries map
`Qwen3VLForConditionalGeneration` and `Qwen3VLMoeForConditionalGeneration` to them, both classes `SupportsLoRA`:
* the text model is `Qwen3LLMForCausalLM` (a `Qwen3ForCausalLM`: grouped-query attention of `head_dim`, every layer
  full attention, a dense SwiGLU MLP) or `Qwen3MoeLLMForCausalLM` (a `Qwen3MoeForCausalLM`: `num_experts` experts of
  `moe_intermediate_size`, top `num_experts_per_tok`, dense where `mlp_only_layers` / `decoder_sparse_step` say, no
  shared expert), built from `text_config`; the cache is the text model's. DeepStack adds the vision features of
  some ViT blocks to the first layers' hidden states: no weight, no cache;
* the output head is the embedding where `tie_word_embeddings`: v0.11.2 reads it from `text_config`, v0.33.0 from the
  top-level config (`vllm_config.model_config.hf_config`). A file whose two disagree, or that leaves out the top-level
  one, is refused naming `tie_word_embeddings`: the two releases would size different heads, or v0.33.0's is unknown;
* the vision tower (`Qwen3_VisionTransformer`): a Conv3d patch embedding (`in_channels` x `temporal_patch_size` x
  `patch_size`^2 -> `hidden_size`), a learned position table (`num_position_embeddings` x `hidden_size`), `depth`
  blocks of attention (fused qkv 3 h^2 and a projection h^2) and an MLP (`linear_fc1`, `linear_fc2`: 2 h x
  `intermediate_size`), a patch merger (`spatial_merge_size`^2 patches -> `linear_fc1` of that width squared ->
  `linear_fc2` to `out_hidden_size`) and one more merger of the same shape per `deepstack_visual_indexes` entry.
  Counted as matrices, as `hangar.catalog.model_params` counts the text model (norms and biases left out).

A vision field the file leaves out takes transformers' `Qwen3VLVisionConfig` / `Qwen3VLMoeVisionConfig` default
(transformers-4.57.1 wheel, models/qwen3_vl/configuration_qwen3_vl.py and qwen3_vl_moe/configuration_qwen3_vl_moe.py,
read 2026-12-02; the same for both), as the config object vLLM builds carries it.
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int

VISION_DEFAULTS: dict[str, Any] = {
    "depth": 27, "hidden_size": 1152, "intermediate_size": 4304, "in_channels": 3, "patch_size": 16, "spatial_merge_size": 2,
    "temporal_patch_size": 2, "out_hidden_size": 3584, "num_position_embeddings": 2304, "deepstack_visual_indexes": [8, 16, 24],
}  # fmt: skip
"""transformers-4.57.1 `Qwen3VLVisionConfig.__init__` defaults (the MoE class's are the same)."""


def qwen3_vl_text(config: dict[str, Any], text: dict[str, Any]) -> dict[str, Any]:
    """The text config, with the output head both pinned releases agree on; a ConfigError names what they would read apart."""
    if text is config:
        raise ConfigError("text_config", "missing: Qwen3-VL keeps its text model's fields there")
    if not isinstance(config.get("vision_config"), dict):
        raise ConfigError("vision_config", "missing: Qwen3-VL's vision tower is sized from it")
    nested, top = text.get("tie_word_embeddings", False), config.get("tie_word_embeddings")  # Qwen3VLTextConfig default False
    if top is None or nested != top:
        raise ConfigError("tie_word_embeddings", f"text_config says {nested!r} (or leaves it out: false), the top level {top!r}: vLLM "
                                                 "v0.11.2 reads text_config's, v0.33.0 the top-level one, so they must be stated alike")
    return {**text, "tie_word_embeddings": top}


def qwen3_vl_vision_params(config: dict[str, Any]) -> int:
    """The vision tower's weight matrices as vLLM builds them (see the module docstring)."""
    vision = {**VISION_DEFAULTS, **config["vision_config"]}

    def get(key: str) -> int:
        return config_int(vision, key)

    width, inner = get("hidden_size"), get("intermediate_size")
    deepstack = vision["deepstack_visual_indexes"]
    if not isinstance(deepstack, list) or any(not isinstance(i, int) or not 0 <= i < get("depth") for i in deepstack):
        raise ConfigError("deepstack_visual_indexes", f"{deepstack!r} is not a list of block indexes below depth {get('depth')}")
    patch = get("in_channels") * get("temporal_patch_size") * get("patch_size") ** 2 * width
    positions = get("num_position_embeddings") * width
    blocks = get("depth") * (4 * width * width + 2 * width * inner)
    merged = width * get("spatial_merge_size") ** 2
    merger = merged * merged + merged * get("out_hidden_size")
    return patch + positions + blocks + (1 + len(deepstack)) * merger
