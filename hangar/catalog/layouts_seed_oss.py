"""ByteDance Seed's Seed-OSS (`seed_oss`), read as Llama's grouped-query layout with its own head size.

What vLLM does with it, read 2026-12-02: v0.11.2 (PyPI wheel vllm-0.11.2, commit 275de3417) maps `SeedOssForCausalLM`
to seed_oss.py (`SupportsLoRA`): attention of `config.head_dim` (80 query heads x 128 = 10,240 in Seed-OSS-36B's model
card, wider than its 5,120 residual) over `num_key_value_heads`, with q/k/v biases (`attention_bias`) and none on the
output projection (`attention_out_bias`), a dense SwiGLU MLP of `intermediate_size`, every layer full attention; the
head is the embedding where `tie_word_embeddings`. v0.33.0 (wheel vllm-0.33.0, commit 4ba787ec9) serves it through its
Transformers backend only (`_TRANSFORMERS_SUPPORTED_MODELS` -> `TransformersForCausalLM`, whose `Base` is
`SupportsLoRA`), with the same projections and cache. Biases are not counted (as for every layout).
transformers' `SeedOssConfig` (transformers-4.57.1 wheel, models/seed_oss/configuration_seed_oss.py) defaults `head_dim`
to 128 and `tie_word_embeddings` to false: a file leaving either out takes them, as the config vLLM builds does.
"""

from __future__ import annotations

from typing import Any

SEED_OSS_DEFAULTS = {"head_dim": 128, "tie_word_embeddings": False}
"""transformers-4.57.1 `SeedOssConfig.__init__` defaults the reader needs."""


def seed_oss_text(config: dict[str, Any], text: dict[str, Any]) -> dict[str, Any]:
    """The Seed-OSS config with `SeedOssConfig`'s defaults for the fields vLLM reads and the file leaves out."""
    return {**SEED_OSS_DEFAULTS, **{key: value for key, value in text.items() if value is not None}}
