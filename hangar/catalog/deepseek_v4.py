"""Read DeepSeek-V4's layout (`model_type` "deepseek_v4", `DeepseekV4ForCausalLM`) from its config.json.

DeepSeek-V4 keeps no per-token K/V of the usual kind. Each layer's attention reads one 512-wide latent vector per
token (`head_dim`, shared by all heads: `num_key_value_heads` 1) from three places, chosen per layer by
`compress_ratios` (0, 4 or 128; one entry per layer, then one per multi-token-prediction layer):

* every layer caches the raw latents of the last `sliding_window` (128) tokens;
* a layer of ratio 4 ("compressed sparse attention", CSA) also stores one compressed latent per 4 tokens, and an
  indexer key (`index_head_dim` wide) per compressed latent, from which it picks `index_topk` latents to attend;
* a layer of ratio 128 ("heavily compressed attention", HCA) stores one compressed latent per 128 tokens;
* a layer of ratio 0 keeps only the window.

The row keeps `sliding_window` (128), `sliding_window_layers` (the window-only layers), `csa_layers`, `hca_layers`,
`kv_heads` 1 and `head_dim` 512, and `index_n_heads` / `index_head_dim`; `hangar.sizing.kv_deepseek_v4` sizes the caches
vLLM v0.33.0 builds from them. `kv_bytes_per_token_bf16` is the compressed latents a token adds in 16 bits, amortised:
csa_layers x 512 x 2 / 4 + hca_layers x 512 x 2 / 128 (the window and the indexer keys are sized there).

What the engine builds, vLLM v0.33.0 (PyPI wheel vllm-0.33.0, commit 4ba787ec9), read 2026-12-02:

* vllm/models/deepseek_v4/attention.py `DeepseekV4Attention.__init__`: a layer's ratio is
  `config.compress_rates[config.layer_types[layer]]`. v0.33.0 reads the config with transformers' own class
  (`Requires-Dist: transformers>=5.16.1,<5.21.0`): transformers 5.16.1's models/deepseek_v4/configuration_deepseek_v4.py
  (PyPI wheel, read 2026-12-02) maps a legacy `compress_ratios` list through {0: sliding_attention, 4:
  compressed_sparse_attention, 128: heavily_compressed_attention} and keeps its first `num_hidden_layers` entries (the
  rest are the MTP layers'), with `compress_rates` 4 and 128 by default; so the ratio of layer i is compress_ratios[i].
  An indexer only where the ratio is 4 ("Only C4A uses sparse
  attention and hence has indexer"); a compressor (its state cache) where it is above 1. compressor.py
  `CompressorStateCache` asserts a ratio of 4 or 128: the reader refuses any other.
* Attention weights: `fused_wqa_wkv` hidden x (q_lora_rank + head_dim), `wq_b` q_lora_rank x heads x head_dim,
  `wo_a` (heads x head_dim / o_groups) x (o_groups x o_lora_rank), `wo_b` (o_groups x o_lora_rank) x hidden, `q_norm`,
  `kv_norm` and a sink per head; a compressor `fused_wkv_wgate` hidden x 2 x coff x width and `ape` ratio x coff x
  width (coff 2 at ratio 4, else 1; width 512, or `index_head_dim` for the indexer's own), its norm; an indexer `wq_b`
  q_lora_rank x index_n_heads x index_head_dim and `weights_proj` hidden x index_n_heads.
* vllm/models/deepseek_v4/nvidia/model.py: every layer is a mixture of experts (`DeepseekV4MoE`: `n_routed_experts`
  routed, `n_shared_experts` x `moe_intermediate_size` shared, a router), two RMSNorms and its hyper-connection mixers
  (`hc_attn_fn`, `hc_ffn_fn`: (2 + hc_mult) x hc_mult x hc_mult x hidden each, float32, with their bases and scales).
  The multi-token-prediction layers (`num_nextn_predict_layers`) are built only as a speculative draft
  (`DeepSeekV4MTP`), which Hangar does not plan: not counted.
* vllm/models/deepseek_v4/quant_config.py `DeepseekV4FP8Config`: linear layers FP8 in 128 x 128 blocks; the routed
  experts MXFP4 where `expert_dtype` is "fp4" (its default), FP8 blocks where it is "fp8" (DeepSeek-V4-Flash-Base):
  the row's `dtype` is mxfp4 (experts) or fp8 (`hangar.sizing.mxfp4` sizes the rest in fp8).

The parameter count is an ESTIMATE from those shapes; left out: the hash layers' token-to-expert table
(`num_hash_layers` x vocab x top-k integers), the model's final hyper-connection mixer and norms' biases (none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config_fields import ConfigError, config_int

if TYPE_CHECKING:
    from .model_row import Model

MODEL_TYPE = "deepseek_v4"


def is_deepseek_v4(model: Model) -> bool:
    """Whether a catalog row is DeepSeek-V4's layout, which sizing reads through its own caches and weights."""
    return model.text_model_type == MODEL_TYPE


RATIOS = (0, 4, 128)
"""Compression ratios vLLM v0.33.0 builds (`CompressorStateCache`: 4 or 128; 0 = window only)."""
LATENT_WIDTH = 512
"""The latent every cache stores (`head_dim`); the fp8_ds_mla layout and the compressor kernels take 512 only."""


def compress_ratios(text: dict[str, Any], layers: int) -> list[int]:
    """The ratio of each of the `layers` decoder layers, or ConfigError naming `compress_ratios`."""
    ratios = text.get("compress_ratios")
    if not isinstance(ratios, list) or not all(isinstance(r, int) and not isinstance(r, bool) for r in ratios):
        raise ConfigError("compress_ratios", "must be a list of integers, one per layer (0, 4 or 128)")
    if len(ratios) < layers:
        raise ConfigError("compress_ratios", f"has {len(ratios)} entries for {layers} layers (num_hidden_layers)")
    mine = ratios[:layers]
    if odd := sorted({r for r in mine if r not in RATIOS}):
        raise ConfigError("compress_ratios", f"holds {odd}; vLLM v0.33.0 builds ratios 0 (window only), 4 and 128")
    return mine


def read_deepseek_v4(config: dict[str, Any]) -> dict[str, Any]:
    """The Architecture fields of a DeepSeek-V4 config (context, dtype and text type left to the caller)."""

    def get(key: str, required: bool = True) -> int | None:
        return config_int(config, key, required=required)

    layers, heads, hidden, vocab = get("num_hidden_layers"), get("num_attention_heads"), get("hidden_size"), get("vocab_size")
    head_dim = get("head_dim")
    if head_dim != LATENT_WIDTH:
        raise ConfigError("head_dim", f"{head_dim}: vLLM v0.33.0's DeepSeek-V4 caches (fp8_ds_mla, compressor) take {LATENT_WIDTH} only")
    if get("num_key_value_heads") != 1:
        raise ConfigError("num_key_value_heads", "DeepSeek-V4 attends one shared latent: vLLM v0.33.0 builds 1 only")
    window = get("sliding_window")
    ratios = compress_ratios(config, layers)
    csa, hca = ratios.count(4), ratios.count(128)
    q_lora, o_lora, o_groups = get("q_lora_rank"), get("o_lora_rank"), get("o_groups")
    index_heads = index_dim = topk = None
    if csa:
        index_heads, index_dim, topk = get("index_n_heads"), get("index_head_dim"), get("index_topk")
    experts, active, expert_width = get("n_routed_experts"), get("num_experts_per_tok"), get("moe_intermediate_size")
    shared = get("n_shared_experts", required=False) or 0
    hc = get("hc_mult")
    if heads * head_dim % o_groups:
        raise ConfigError("o_groups", f"{o_groups} does not divide num_attention_heads x head_dim ({heads * head_dim})")

    def compressor(ratio: int, width: int) -> int:
        coff = 2 if ratio == 4 else 1
        return hidden * 2 * coff * width + ratio * coff * width + width

    attention = (hidden * (q_lora + head_dim) + q_lora + q_lora * heads * head_dim + head_dim
                 + heads * head_dim // o_groups * o_groups * o_lora + o_groups * o_lora * hidden + heads)
    per_ratio = {0: 0, 4: compressor(4, head_dim), 128: compressor(128, head_dim)}
    if csa:
        assert index_heads and index_dim
        per_ratio[4] += q_lora * index_heads * index_dim + hidden * index_heads + compressor(4, index_dim)
    mixers = 2 * ((2 + hc) * hc * hc * hidden + (2 + hc) * hc + 3)
    expert = 3 * hidden * expert_width
    dense_part = attention + mixers + 2 * hidden + hidden * experts + shared * expert  # norms, router, shared experts
    body = sum(dense_part + per_ratio[r] for r in ratios)
    embeddings = 2 * vocab * hidden + hidden  # embedding and untied output head (tie_word_embeddings false), final norm
    total = body + layers * experts * expert + embeddings
    active_params = body + layers * active * expert + embeddings
    return {
        "model_type": MODEL_TYPE, "text_model_type": MODEL_TYPE, "layers": layers, "attention_heads": heads, "hidden_size": hidden,
        "vocab_size": vocab, "intermediate_size": None, "moe_intermediate_size": expert_width, "kv_heads": 1, "head_dim": head_dim,
        "global_kv_heads": None, "global_head_dim": None, "kv_lora_rank": None, "qk_rope_head_dim": None, "attention_layers": None,
        "sliding_window": window, "sliding_window_layers": ratios.count(0) or None, "state_bytes_per_sequence": None,
        "indexer_bytes_per_token": None, "num_experts": experts, "num_experts_per_tok": active,
        "params_total_b": round(total / 1e9, 3), "params_active_b": round(active_params / 1e9, 3),
        "kv_bytes_per_token_bf16": csa * head_dim * 2 // 4 + hca * head_dim * 2 // 128,
        "multimodal": isinstance(config.get("vision_config"), dict), "q_lora_rank": None, "qk_nope_head_dim": None, "v_head_dim": None,
        "index_n_heads": index_heads, "index_head_dim": index_dim, "dense_mlp_layers": None,
        "shared_expert_intermediate_size": shared * expert_width or None, "linear_key_dim": None, "linear_value_dim": None,
        "linear_value_heads": None, "linear_conv_kernel_dim": None, "attn_output_gate": None,
        "csa_layers": csa or None, "hca_layers": hca or None, "index_topk": topk,
    }


DEEPSEEK_QUANT_KEYS = {"activation_scheme", "fmt", "quant_method", "scale_fmt", "weight_block_size"}
"""The `quantization_config` DeepSeek's own V4 checkpoints carry (deepseek-ai's config.json of Flash and Pro)."""


def published_dtype(config: dict[str, Any]) -> str:
    """mxfp4 where the routed experts are published in MXFP4 (`expert_dtype` "fp4", vLLM's default), fp8 where in FP8;
    ConfigError for a checkpoint that declares another quantisation than DeepSeek's own fp8 blocks."""
    quant = config.get("quantization_config")
    if not isinstance(quant, dict) or quant.get("quant_method") != "fp8" or quant.get("weight_block_size") != [128, 128]:
        raise ConfigError("quantization_config", "Hangar reads DeepSeek-V4 as DeepSeek publishes it: quant_method fp8 in 128 x 128 blocks")
    if "moe_quant_algo" in quant:  # NVIDIA's NVFP4 repacks
        raise ConfigError("quantization_config.moe_quant_algo", f"{quant['moe_quant_algo']!r}: vLLM v0.33.0 serves its routed experts "
                          "so (vllm/models/deepseek_v4/quant_config.py DeepseekV4FP8Config.get_quant_method: NVFP4 takes "
                          "ModelOptNvFp4FusedMoE, e2m1 with an fp8 scale per 16), but Hangar sizes DeepSeek-V4 only as DeepSeek "
                          "publishes it (MXFP4 or FP8 experts beside FP8 blocks)")
    if other := sorted(set(quant) - DEEPSEEK_QUANT_KEYS):
        raise ConfigError(f"quantization_config.{other[0]}", "Hangar sizes DeepSeek-V4 only as DeepSeek publishes it (FP8 blocks, "
                                                            "experts per expert_dtype); a repack that quantises its experts otherwise is not read")
    expert_dtype = config.get("expert_dtype", "fp4")
    if expert_dtype not in ("fp4", "fp8"):
        raise ConfigError("expert_dtype", f"{expert_dtype!r}; vLLM v0.33.0 takes fp4 or fp8 (quant_config.py)")
    return "mxfp4" if expert_dtype == "fp4" else "fp8"
