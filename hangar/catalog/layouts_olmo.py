"""AllenAI's OLMo 2 (`olmo2`) and OLMo 3 (`olmo3`) configs, read as Llama's grouped-query layout.

What vLLM does with them, read 2026-12-02:
* v0.11.2 (PyPI wheel vllm-0.11.2, commit 275de3417): registry.py maps both `Olmo2ForCausalLM` and `Olmo3ForCausalLM`
  to olmo2.py's `Olmo2ForCausalLM` (`SupportsLoRA`). Every layer is grouped-query attention over
  `num_key_value_heads` (default `num_attention_heads`) heads of `hidden_size // num_attention_heads` - the class reads
  no `head_dim` - with a dense SwiGLU MLP of `intermediate_size`; a layer whose `layer_types` entry is
  "sliding_attention" caches a `sliding_window` (`per_layer_sliding_window`). QK-norms and the post-attention /
  post-MLP norms change no projection counted. The output head is the embedding where `tie_word_embeddings`.
  vLLM's own `Olmo3Config` (vllm/transformers_utils/configs/olmo3.py, in `_CONFIG_REGISTRY`) defaults
  `sliding_window` to 4096, `tie_word_embeddings` to false and, without `layer_types`, slides on every layer but each
  fourth (`"sliding_attention" if (i + 1) % 4 != 0 else "full_attention"`): those defaults are applied here.
* v0.33.0 (PyPI wheel vllm-0.33.0, commit 4ba787ec9): registry.py serves `Olmo2ForCausalLM` and `Olmo3ForCausalLM`
  through its Transformers backend only (`_TRANSFORMERS_SUPPORTED_MODELS` -> `TransformersForCausalLM`, whose `Base`
  implements `SupportsLoRA`); vllm/model_executor/models/transformers/base.py `_create_attention_instances` gives a
  layer whose `layer_types` entry is "sliding_attention" the text config's `sliding_window`, the others full attention.
  The cache is the same.

A config stating a `head_dim` other than hidden_size / num_attention_heads is refused: v0.11.2 would ignore it.
transformers' `Olmo2Config` and `Olmo3Config` (transformers-4.57.1 wheel, read 2026-12-02) default `tie_word_embeddings`
to false too, and `Olmo3Config` has vLLM's window and layer pattern.
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int

OLMO3_SLIDING_WINDOW = 4096
"""vLLM v0.11.2 `Olmo3Config`'s default `sliding_window`."""
OLMO3_FULL_EVERY = 4
"""vLLM v0.11.2 `Olmo3Config` without `layer_types`: every fourth layer full attention, the others sliding."""


def olmo_text(config: dict[str, Any], text: dict[str, Any]) -> dict[str, Any]:
    """The OLMo 2 / 3 text config in Llama's field names, with vLLM's `Olmo3Config` defaults applied."""
    hidden, heads = config_int(text, "hidden_size"), config_int(text, "num_attention_heads")
    if hidden % heads:
        raise ConfigError("num_attention_heads", f"{heads} does not divide hidden_size {hidden}, as OLMo's head size needs")
    stated = text.get("head_dim")
    if stated is not None and stated != hidden // heads:
        raise ConfigError("head_dim", f"{stated!r} differs from hidden_size / num_attention_heads = {hidden // heads}, the head size "
                                      "vLLM v0.11.2's Olmo2Attention uses whatever the config says")
    read = dict(text)
    if read.get("tie_word_embeddings", config.get("tie_word_embeddings")) is None:
        read["tie_word_embeddings"] = False
    if read.get("model_type") == "olmo2":
        return read
    if read.get("sliding_window") is None:
        read["sliding_window"] = OLMO3_SLIDING_WINDOW
    if read.get("layer_types") is None:
        layers = config_int(text, "num_hidden_layers")
        read["layer_types"] = ["full_attention" if (i + 1) % OLMO3_FULL_EVERY == 0 else "sliding_attention" for i in range(layers)]
    return read
