"""The token embedding and output head of a quantised model: kept in 16 bits by vLLM, whatever the checkpoint's format.

Read from vLLM v0.11.2 (the PyPI sdist vllm-0.11.2.tar.gz, commit 275de3417 per vllm/_version.py, read 2026-12-02):

* vllm/model_executor/layers/vocab_parallel_embedding.py `VocabParallelEmbedding.__init__` asks the quantisation config
  for a method and takes `UnquantizedEmbeddingMethod` (weights in the model's dtype) when it gives none;
  `ParallelLMHead` is a `VocabParallelEmbedding`.
* vllm/model_executor/layers/quantization/fp8.py `Fp8Config.get_quant_method` quantises `LinearBase` and `FusedMoE`
  layers only (and gives `Attention` its KV-cache scales): an fp8 checkpoint (DeepSeek V3/R1/V3.2, Kimi K2, Qwen's FP8
  repacks) and a 16-bit one quantised as it loads (`--quantization fp8`) both keep embed_tokens and lm_head in bf16.
* awq.py `AWQConfig.get_quant_method` and gptq.py `GPTQConfig.get_quant_method` likewise quantise linear and MoE layers
  only; awq_marlin.py / gptq_marlin.py quantise a `ParallelLMHead` only when the checkpoint's quantisation config says
  `"lm_head": true` (`lm_head_quantized`, default false), which Hangar does not assume.
* mxfp4.py `Mxfp4Config.get_quant_method` quantises the MoE experts only (`hangar.sizing.mxfp4` counts the rest, these
  two included, in bf16 already).
* A model whose config ties the head to the embedding (`tie_word_embeddings`) holds one matrix: llama.py, qwen2.py,
  qwen3.py, qwen3_moe.py and mixtral.py set `lm_head = model.embed_tokens` when `config.tie_word_embeddings`;
  gemma2.py / gemma3.py assert it and compute the logits from `embed_tokens`.

Each matrix is vocab_size x hidden_size (vLLM pads the rows to a multiple of 64, `DEFAULT_VOCAB_PADDING_SIZE`: under 64
rows, not counted). Rows without `vocab_size`, `hidden_size` or `tie_word_embeddings` (gemma-2-9b's, whose source gives no vocabulary, or
a team's row written without them) cannot be split: `embedding_parameters` is None and every parameter is counted at the precision's bytes, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hangar.catalog import Model

EMBEDDING_BYTES = 2
"""embed_tokens and lm_head stay in the 16-bit model dtype."""


def embedding_parameters(model: Model) -> int | None:
    """Parameters of the token embedding and the output head (one matrix when tied); None when the row lacks their shape."""
    if model.vocab_size is None or model.hidden_size is None or model.tie_word_embeddings is None:
        return None
    return model.vocab_size * model.hidden_size * (1 if model.tie_word_embeddings else 2)


def head_parameters(model: Model) -> int | None:
    """Parameters of the output head alone: what a token computes with (the embedding is a lookup); None when unknown."""
    if model.vocab_size is None or model.hidden_size is None:
        return None
    return model.vocab_size * model.hidden_size


def sixteen_bit_active_parameters(model: Model, active: float) -> float:
    """Of a token's `active` parameters, those whose products stay in 16 bits in a quantised checkpoint: the output head
    and the modules a ModelOpt checkpoint excludes (`unquantised_params_b`); 0 where the head's shape is unknown."""
    kept = (head_parameters(model) or 0) + (model.unquantised_params_b or 0) * 1e9
    return min(active, kept)


def quantised_weight_bytes(model: Model, params: float, bytes_per_param: float, *, active: bool = False) -> float:
    """Bytes of `params` parameters served at `bytes_per_param`, with the embedding and head among them at 16 bits
    (`active`: only the head, as the active parameters count it), and the modules a ModelOpt checkpoint excludes
    (`unquantised_params_b`: attention blocks, dense MLPs, shared experts, which every token uses); all at
    `bytes_per_param` where the embedding's shape is unknown."""
    kept = head_parameters(model) if active else embedding_parameters(model)
    if kept is None or kept > params:
        return params * bytes_per_param
    if model.unquantised_params_b is not None:  # the modules a ModelOpt checkpoint excludes: attention, MLPs ... every token uses
        kept = min(params, kept + model.unquantised_params_b * 1e9)
    return (params - kept) * bytes_per_param + kept * EMBEDDING_BYTES
