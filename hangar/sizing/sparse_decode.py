"""What one decode step of a sparse-attention model reads and computes: an ESTIMATE, as the rest of the performance model.

A sparse layer (the row's `sparse_attention_layers`: every layer of DeepSeek-V3.2 and GLM-5, MiniMax-M3's sparse ones)
attends only to the `index_topk` tokens its indexer picks, and the indexer scores every token of the context from its own
key cache. Read in the PyPI wheels vllm-0.33.0 (commit 4ba787ec9) and vllm-0.11.2, 2026-12-03:

* DSA: the indexer's decode computes logits over each sequence's whole context from the paged indexer keys
  (vllm/model_executor/layers/sparse_attn_indexer.py `sparse_attn_indexer`: `fp8_fp4_paged_mqa_logits(..., seq_lens,
  block_table, ...)`, then `topk_indices_buffer[:, :topk_tokens]`; v0.11.2 vllm/model_executor/models/deepseek_v2.py
  `fp8_paged_mqa_logits`, `top_k_per_row_decode`), and the sparse MLA decode gathers only those tokens' latents
  (v0.33.0 vllm/v1/attention/backends/mla/flashmla_sparse.py `FlashMLASparseImpl`: `flash_mla_with_kvcache` with
  `topk_indices`, `topk_length`; v0.11.2 the same file, `indices=topk_indices`). A GLM-5.2 layer without an indexer
  reuses the previous layer's pick (`hangar.catalog.sparse_indexer`), so it reads top-k latents and no keys.
* MiniMax-M3: the indexer scores every 128-token block from the keys of the whole context (vllm/models/minimax_m3/
  common/ops/index_topk.py `minimax_m3_index_decode`) and each KV head attends to its `sparse_topk_blocks` blocks
  (common/sparse_attention.py `minimax_m3_sparse_attn_decode` over `topk`); its first dense layers read the whole context.

So a step reads, per sequence at `context` tokens: min(context, `index_topk`) tokens' latent (or K/V) on each sparse layer,
the whole context on the others, and every indexer key (`indexer_bytes_per_token` x context); and computes attention over
those tokens plus the indexer's scoring products, 2 x index heads x index width FLOPs a key on each layer with an indexer
(DSA: `index_n_heads` x `index_head_dim`; MiniMax-M3: one index head per KV head, of the head size), counted at the
model's products' rate though DeepGEMM scores in fp8. Left out: the top-k selection itself and the logits it writes and
reads (4 bytes a token and indexer layer, against the keys' 132 for DSA).
"""

from __future__ import annotations

from hangar.catalog import Model
from hangar.catalog.sparse_indexer import own_indexer_layers

from .kv import kv_bytes_per_token


def is_sparse(model: Model) -> bool:
    """Whether the row's decode attends to an indexer's pick (DeepSeek-V4 has its own reckoning, `kv_deepseek_v4`)."""
    return bool(model.sparse_attention_layers and model.index_topk and model.indexer_bytes_per_token)


def _attended_tokens(model: Model, context: float) -> float:
    """Tokens the attention layers attend to at `context`, summed over the layers."""
    sparse = model.sparse_attention_layers or 0
    return (model.kv_layers - sparse) * context + sparse * min(context, model.index_topk or context)


def decode_read_bytes(model: Model, served_kv_dtype: str, tensor_parallel: int, context: float) -> float:
    """KV bytes one sequence at `context` tokens reads per decode step, over the TP group: the picked latents (or K/V)
    replicated as the cache is, and the indexer keys, which every rank keeps whole."""
    keys = (model.indexer_bytes_per_token or 0) * tensor_parallel
    per_layer = (kv_bytes_per_token(model, served_kv_dtype, tensor_parallel) - keys) / model.kv_layers
    return per_layer * _attended_tokens(model, context) + keys * context


def _indexer_flops_per_key(model: Model) -> float:
    """Scoring FLOPs of one key, summed over the layers with an indexer."""
    if model.kv_lora_rank is not None:  # DSA: one key cache per indexer layer
        if not (model.index_n_heads and model.index_head_dim):
            return 0.0
        layers = own_indexer_layers(model)
        return 2 * model.index_n_heads * model.index_head_dim * layers
    return 2 * (model.kv_heads or 0) * (model.head_dim or 0) * (model.sparse_attention_layers or 0)


def decode_attended(model: Model, context: float, attention_width: int) -> float:
    """`performance._attended` for one decode token of a sparse model: the tokens its layers attend to, plus the indexer's
    scoring over the context expressed as attended tokens of the same FLOPs (4 x `attention_width` each)."""
    return _attended_tokens(model, context) + _indexer_flops_per_key(model) * context / (4 * attention_width)
