"""Which layers of a DeepSeek Sparse Attention (DSA) model keep their own lightning indexer, and what its key cache costs.

A DSA model (DeepSeek-V3.2's `deepseek_v32`, Z.ai's GLM-5 family `glm_moe_dsa`) pairs latent attention with an indexer
that picks the `index_topk` tokens each query attends to. Each layer with an indexer caches the indexer's keys beside
the latent, in fp8 with one 4-byte scale per 128 elements, whatever `--kv-cache-dtype` says: head_dim +
head_dim // 128 * 4 uint8 per token and layer, one vector shared by all heads (`DeepseekV32IndexerCache`, an
`MLAAttentionSpec` with num_kv_heads 1; vLLM v0.11.2 `vllm/model_executor/models/deepseek_v2.py` `Indexer.__init__`,
`quant_block_size = 128`; vLLM v0.33.0 `vllm/models/deepseek_v32/attention.py` `DeepseekV32Indexer.__init__`, the same
size; PyPI wheels vllm-0.11.2 and vllm-0.33.0 (commit 4ba787ec9), read 2026-12-02).

GLM-5.2 shares one indexer among several layers ("IndexShare"): vLLM v0.33.0 builds an indexer (its weights and its
key cache) only on a layer that does not skip the top-k, `DeepseekV32Attention.__init__` in
vllm/models/deepseek_v32/attention.py (the CUDA model, `vllm/models/deepseek_v32/__init__.py` maps GlmMoeDsaForCausalLM
to it) and `DeepseekV2Attention.__init__` in vllm/model_executor/models/deepseek_v2.py (the generic one) alike:
with `index_topk_pattern` unset, layer i skips when max(i - `index_skip_topk_offset` + 1, 0) % `index_topk_freq` != 0
(defaults 2 and 1: every layer keeps one); with a pattern, layer i skips where its character is "S". A
multi-token-prediction layer (index >= num_hidden_layers) always builds one, but it is the draft model's, not
loaded without speculative decoding, and not counted here. DeepSeek-V3.2's config.json states none of these keys, so
every layer keeps an indexer in both releases (v0.11.2 reads none of them). transformers 5.16.1's `GlmMoeDsaConfig`
(models/glm_moe_dsa/configuration_glm_moe_dsa.py, PyPI wheel, read 2026-12-02) derives its `indexer_types` list
("full" / "shared" per layer) by the same rule; `hangar.catalog.layouts_glm5` refuses a config whose list disagrees.

Every layer attends to the `index_topk` tokens an indexer picks, a layer without one to the pick of the layer before it
(`DeepseekV32Attention._sparse_indexer_and_attn` skips the indexer where `skip_topk` and leaves `topk_indices_buffer` as
it was; the sparse MLA backends read that buffer: v0.33.0 vllm/v1/attention/backends/mla/flashmla_sparse.py). vLLM reads
`config.index_topk` (`DeepseekV32Indexer.topk_tokens`); transformers 5.16.1's `DeepseekV32Config` and `GlmMoeDsaConfig`
default it to 2048 (configuration_deepseek_v32.py, configuration_glm_moe_dsa.py, PyPI wheel, read 2026-12-03).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config_fields import ConfigError, config_int

if TYPE_CHECKING:
    from .model_row import Model

INDEX_TOPK_DEFAULT = 2048
"""transformers' `index_topk` default for DeepSeek-V3.2 and GLM-5 (the module docstring)."""
INDEXER_QUANT_BLOCK = 128
"""Elements of an indexer key per 4-byte fp8 scale (vLLM's `quant_block_size`)."""

def indexer_layers(text: dict, layers: int) -> list[bool]:
    """Per layer, whether it builds its own indexer (the module docstring has vLLM v0.33.0's rule)."""
    pattern = text.get("index_topk_pattern")
    if pattern is not None:
        if not isinstance(pattern, str) or set(pattern) - {"F", "S"}:
            raise ConfigError("index_topk_pattern", f"{pattern!r} is not a string of F (full) and S (shared) per layer, as vLLM v0.33.0 reads it")
        return [not (i < len(pattern) and pattern[i] == "S") for i in range(layers)]
    freq = config_int(text, "index_topk_freq", 1)
    offset = text.get("index_skip_topk_offset", 2)
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise ConfigError("index_skip_topk_offset", f"{offset!r} is not a whole number")
    return [max(i - offset + 1, 0) % freq == 0 for i in range(layers)]


def indexer_key_size(index_head_dim: int) -> int:
    """Bytes one token's indexer key of `index_head_dim` elements takes in one layer's cache: fp8 elements plus their
    4-byte scales (132 for DeepSeek-V3.2's and GLM-5's 128)."""
    return index_head_dim + index_head_dim // INDEXER_QUANT_BLOCK * 4


def indexer_key_bytes(text: dict) -> int:
    """`indexer_key_size` of a config's `index_head_dim`."""
    return indexer_key_size(config_int(text, "index_head_dim"))


def indexer_bytes_per_token(text: dict, attention_layers: int) -> int:
    """The indexer key cache one token costs over every layer that keeps an indexer."""
    return sum(indexer_layers(text, attention_layers)) * indexer_key_bytes(text)



def sparse_attention_fields(text: dict, attention_layers: int) -> dict[str, int]:
    """The row's `index_topk` (tokens each query attends to) and `sparse_attention_layers` (every attention layer) of a
    DSA config (the module docstring)."""
    return {"index_topk": config_int(text, "index_topk", INDEX_TOPK_DEFAULT), "sparse_attention_layers": attention_layers}


def own_indexer_layers(model: Model) -> int:
    """How many layers of a catalog row keep an indexer of their own: every layer, but where the row's indexer cache says
    fewer (GLM-5.2 shares one among four layers): its indexer bytes a token over one layer's key size."""
    if not model.indexer_bytes_per_token or not model.index_head_dim:
        return model.layers
    return model.indexer_bytes_per_token // indexer_key_size(model.index_head_dim)
