"""Read NVIDIA's Llama-Nemotron layout (`model_type` "nemotron-nas", `DeciLMForCausalLM`) from its config.json.

A neural-architecture search (NVIDIA's Puzzle) cut Llama 3.3 70B down layer by layer: `block_configs` holds one entry
per layer, whose `attention` may be a no-op (the layer keeps only its MLP) and otherwise groups `n_heads_in_group`
query heads per KV head, and whose `ffn` may be a no-op or an MLP whose width `ffn_mult` sets (the rule below). The
reader returns what sizing needs: the KV heads and MLP width of every layer (`hangar.catalog.layer_runs` columns), the
attention layers, KV bytes per token summed over the layers' own heads, and the parameters ESTIMATED from the shapes.

What the engine builds, vLLM v0.11.2 (PyPI wheel vllm-0.11.2, commit 275de3417) and v0.33.0 (PyPI wheel vllm-0.33.0,
commit 4ba787ec9), `vllm/model_executor/models/nemotron_nas.py`, read 2026-12-02 (both register `DeciLMForCausalLM`
there, registry.py):

* `DeciLMDecoderLayer`: without `attention.no_op`, a Llama attention of `num_attention_heads` query heads and
  num_attention_heads // `attention.n_heads_in_group` KV heads, with its input RMSNorm; without `ffn.no_op`, a Llama
  MLP (gate, up, down) with its post-attention RMSNorm. No other field of a block is read: `replace_with_linear`,
  `window_length`, `num_sink_tokens` and `sparsify` are ignored (a layer marked `replace_with_linear` but not no-op
  gets attention built from a `n_heads_in_group` of null, which fails), so the reader refuses a config that sets them.
* MLP width `_ffn_mult_to_intermediate_size`: int(2 x ffn_mult x hidden_size / 3) rounded up to a multiple of 256.
  v0.33.0 also takes a block's `ffn.intermediate_size` where `ffn_mult` is absent; v0.11.2 reads `ffn_mult` only, so the
  reader asks for `ffn_mult`.
* The head size is Llama's: `head_dim` where the config gives one, else hidden_size / num_attention_heads; the
  embedding and output head are Llama's (`tie_word_embeddings`, DeciLMConfig extends LlamaConfig: default false).
* `ModelConfig.get_total_num_kv_heads` (v0.11.2 vllm/config/model.py; v0.33.0
  vllm/transformers_utils/model_arch_config_convertor.py `NemotronNasModelArchConfigConvertor`) reports the first
  attention layer's KV heads, and raises where no layer has attention: the row's `kv_heads` is that first layer's.
* Neither release nor transformers (4.57.1, 5.16.1) has a `nemotron-nas` config class (vllm/transformers_utils/config.py
  `_CONFIG_REGISTRY`, transformers/models/auto/configuration_auto.py): vLLM reads the config through the repository's own
  `configuration_decilm.py` (`auto_map`), which needs `--trust-remote-code`.

How each release pages a KV cache whose layers cache different head counts is `hangar.sizing.kv` (`kv_replication`).
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int
from .layer_runs import encode_runs

MLP_MULTIPLE = 256
"""vLLM's `_find_multiple(intermediate_size, 256)` in nemotron_nas.py (both releases)."""

_NO_SUCH_MODULES = (
    "q_lora_rank", "qk_nope_head_dim", "v_head_dim", "index_n_heads", "index_head_dim", "dense_mlp_layers",
    "shared_expert_intermediate_size", "linear_key_dim", "linear_value_dim", "linear_value_heads", "linear_conv_kernel_dim",
    "attn_output_gate",
)
"""The `hangar.catalog.layer_shapes` widths of modules this layout does not have (latent attention, experts, linear attention)."""
_IGNORED_ATTENTION = ("window_length", "num_sink_tokens", "sparsify")
_IGNORED_FFN = ("sparsify",)


def ffn_mult_to_width(ffn_mult: float, hidden: int) -> int:
    """vLLM's `_ffn_mult_to_intermediate_size`: int(2 x ffn_mult x hidden / 3), up to a multiple of 256."""
    width = int(2 * ffn_mult * hidden / 3)
    return -(-width // MLP_MULTIPLE) * MLP_MULTIPLE


def _flag(block: dict, key: str, where: str) -> bool:
    value = block.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}.{key}", f"{value!r} is not true or false")
    return value


def _layer(index: int, block: Any, heads: int, hidden: int) -> tuple[int, int]:
    """(KV heads, MLP width) of layer `index`, 0 for a no-op part; ConfigError naming the block's field otherwise."""
    where = f"block_configs[{index}]"
    if not isinstance(block, dict) or not isinstance(block.get("attention"), dict) or not isinstance(block.get("ffn"), dict):
        raise ConfigError(where, "expected an object with an 'attention' and an 'ffn' object")
    attention, ffn = block["attention"], block["ffn"]
    kv = width = 0
    for part, key, name in ((attention, "replace_with_linear", "attention"), (ffn, "replace_with_linear", "ffn")):
        if _flag(part, key, f"{where}.{name}") and not _flag(part, "no_op", f"{where}.{name}"):
            raise ConfigError(f"{where}.{name}.{key}", "true: vLLM v0.11.2 and v0.33.0 (nemotron_nas.py) build a layer's "
                                                      f"{name} or nothing (no_op), never a linear replacement")
    for part, keys, name in ((attention, _IGNORED_ATTENTION, "attention"), (ffn, _IGNORED_FFN, "ffn")):
        for key in keys:
            if part.get(key) not in (None, False):
                raise ConfigError(f"{where}.{name}.{key}", f"{part[key]!r}: vLLM v0.11.2 and v0.33.0 (nemotron_nas.py) ignore it and "
                                                          "serve the layer as full attention and a plain MLP, not the layer this config describes")
    if not _flag(attention, "no_op", f"{where}.attention"):
        group = config_int(attention, "n_heads_in_group", required=False)
        if group is None:
            raise ConfigError(f"{where}.attention.n_heads_in_group", "missing, for a layer with attention (no_op false)")
        if heads % group:
            raise ConfigError(f"{where}.attention.n_heads_in_group", f"{group} does not divide num_attention_heads {heads}")
        kv = heads // group
    if not _flag(ffn, "no_op", f"{where}.ffn"):
        mult = ffn.get("ffn_mult")
        if isinstance(mult, bool) or not isinstance(mult, (int, float)) or mult <= 0:
            why = "missing" if mult is None else f"{mult!r} is not a positive number"
            raise ConfigError(f"{where}.ffn.ffn_mult", f"{why}; vLLM v0.11.2 sizes a layer's MLP from ffn_mult only "
                                                       "(v0.33.0 also takes ffn.intermediate_size)")
        width = ffn_mult_to_width(mult, hidden)
    return kv, width


def read_nemotron_nas(config: dict[str, Any], *, max_model_len: int, dtype: str | None) -> dict[str, Any]:
    """The `Architecture` fields of a nemotron-nas config.json (`hangar.catalog.model_config` adds its context and dtype:
    `max_model_len`, `dtype`); ConfigError names the field it cannot read."""
    layers = config_int(config, "num_hidden_layers")
    heads = config_int(config, "num_attention_heads")
    hidden = config_int(config, "hidden_size")
    vocab = config_int(config, "vocab_size")
    head_dim = config_int(config, "head_dim", required=False)
    if head_dim is None:
        if hidden % heads:
            raise ConfigError("head_dim", f"missing, and hidden_size {hidden} is not a multiple of num_attention_heads {heads}")
        head_dim = hidden // heads
    blocks = config.get("block_configs")
    if not isinstance(blocks, list) or len(blocks) != layers:
        raise ConfigError("block_configs", f"expected a list of {layers} layer blocks (num_hidden_layers), one per layer")
    per_layer = [_layer(i, block, heads, hidden) for i, block in enumerate(blocks)]
    kv_heads = [kv for kv, _ in per_layer]
    widths = [width for _, width in per_layer]
    attention = [kv for kv in kv_heads if kv]
    if not attention:
        raise ConfigError("block_configs", "no layer has attention (every attention.no_op is true): vLLM's "
                                           "get_total_num_kv_heads raises for such a model")
    tied = config.get("tie_word_embeddings", False)
    if not isinstance(tied, bool):
        raise ConfigError("tie_word_embeddings", f"{tied!r} is not true or false")
    params = _parameters(per_layer, heads=heads, hidden=hidden, head_dim=head_dim, vocab=vocab, tied=tied)
    return {
        "model_type": "nemotron-nas", "text_model_type": "nemotron-nas", "layers": layers, "attention_heads": heads,
        "hidden_size": hidden, "vocab_size": vocab, "intermediate_size": None, "moe_intermediate_size": None,
        "kv_heads": attention[0], "head_dim": head_dim, "global_kv_heads": None, "global_head_dim": None,
        "kv_lora_rank": None, "qk_rope_head_dim": None,
        "attention_layers": len(attention) if len(attention) < layers else None,
        "sliding_window": None, "sliding_window_layers": None, "state_bytes_per_sequence": None, "indexer_bytes_per_token": None,
        "num_experts": None, "num_experts_per_tok": None, "max_context_tokens": max_model_len, "dtype": dtype,
        "params_total_b": round(params / 1e9, 3), "params_active_b": None,
        "kv_bytes_per_token_bf16": 2 * sum(attention) * head_dim * 2,
        "multimodal": False, "tie_word_embeddings": tied,
        "layer_kv_heads": encode_runs(kv_heads), "layer_mlp_widths": encode_runs(widths),
        **dict.fromkeys(_NO_SUCH_MODULES),
    }


def _parameters(per_layer: list[tuple[int, int]], *, heads: int, hidden: int, head_dim: int, vocab: int, tied: bool) -> int:
    """Weights the shapes imply (an ESTIMATE, as `hangar.catalog.model_params` counts): per attention layer q and o
    (hidden x heads x head_dim each), k and v (hidden x KV heads x head_dim each) and its RMSNorm; per MLP gate, up and
    down (3 x hidden x width) and its RMSNorm; the embedding, the output head unless tied, and the final norm."""
    total = vocab * hidden * (1 if tied else 2) + hidden
    for kv, width in per_layer:
        if kv:
            total += 2 * hidden * heads * head_dim + 2 * hidden * kv * head_dim + hidden
        if width:
            total += 3 * hidden * width + hidden
    return total
