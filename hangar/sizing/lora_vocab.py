"""The LoRA memory of the vocabulary: the slots of `embed_tokens` and `lm_head`, and the extra rows they add.

A model class that lists them in its `embedding_modules` (vLLM v0.11.2: Llama's, hence Mistral's and Phi-3's, and
Mixtral's both; Command R's `embed_tokens` only; the others none, the `SupportsLoRA` default) has them adapted too
(vllm/lora/utils.py `get_supported_lora_modules`), each slot able to add up to `lora_extra_vocab_size` tokens
(256 by default; Hangar does not set it). On every GPU, whole, per slot (V the vocabulary, H the hidden size,
r the rank, E = 256):

* embed_tokens (vllm/lora/layers/vocal_parallel_embedding.py `VocabParallelEmbeddingWithLoRA.create_lora_weights`):
  the added embeddings E x H, A (V + E) x r, B H x r;
* lm_head (vllm/lora/layers/logits_processor.py `LogitsProcessorWithLoRA.create_lora_weights`): A r x H,
  B pad(V + E, 256) x r (the LoRA vocabulary padding, `get_lora_vocab_padding_size`, 256 on CUDA), the added
  embeddings E x H.

The base layers grow too, split over the GPUs: Llama's and Mixtral's `embed_tokens` by E rows per slot
(`lora_vocab = lora_extra_vocab_size * max_loras`), and their `lm_head` to pad(pad(V, 256) + E, 256) rows where it
had pad(V, 64) (its padding becomes the LoRA one). Counted as if the head were untied: a model that ties it to
the embedding (Llama 3.2 1B/3B) shares that weight, and is over-counted by the head's few extra rows.

Source: the PyPI sdist vllm-0.11.2.tar.gz (commit 275de3417 per its vllm/_version.py), read 2026-12-02: the
files above, vllm/config/lora.py (`lora_extra_vocab_size` 256 or 512, default 256, deprecated),
vllm/platforms/interface.py (`get_lora_vocab_padding_size` returns 256; the CUDA platform keeps it),
vllm/model_executor/layers/vocab_parallel_embedding.py (`DEFAULT_VOCAB_PADDING_SIZE = 64`, `pad_vocab_size`),
vllm/model_executor/models/llama.py (`LlamaModel`, `LlamaForCausalLM`), mixtral.py and commandr.py.
"""

from __future__ import annotations

from hangar.catalog import Model

from .lora_architectures import EMBEDDING_MODULES, EXTRA_VOCAB, architecture

LORA_VOCAB_PADDING = 256
"""Rows the LoRA output head is padded to a multiple of (vLLM v0.11.2 `get_lora_vocab_padding_size` on CUDA)."""
VOCAB_PADDING = 64
"""Rows an embedding is padded to a multiple of without LoRA (`DEFAULT_VOCAB_PADDING_SIZE`)."""
GROWING_EMBEDDINGS = frozenset({"LlamaForCausalLM", "MistralForCausalLM", "Phi3ForCausalLM", "MixtralForCausalLM"})
"""Classes whose model adds `lora_extra_vocab_size` rows per slot to `embed_tokens` and to `lm_head` (llama.py, mixtral.py)."""


def adapted_vocabulary(model: Model) -> tuple[str, ...]:
    """The vocabulary modules vLLM v0.11.2 adapts for this model: `embed_tokens`, `lm_head`, both or none."""
    return EMBEDDING_MODULES.get(architecture(model) or "", ())


def vocabulary_elements(model: Model, slots: int, rank: int, tensor_parallel: int) -> int:
    """Elements (2 bytes each) the vocabulary's slots and extra rows take over all `tensor_parallel` GPUs of a replica."""
    modules = adapted_vocabulary(model)
    if not modules:
        return 0
    assert model.vocab_size and model.hidden_size
    vocab, hidden, grows = model.vocab_size, model.hidden_size, architecture(model) in GROWING_EMBEDDINGS
    total = 0
    if "embed_tokens" in modules:
        total += tensor_parallel * slots * (EXTRA_VOCAB * hidden + (vocab + EXTRA_VOCAB) * rank + hidden * rank)
        total += EXTRA_VOCAB * slots * hidden if grows else 0  # the base embedding's added rows, split over the GPUs
    if "lm_head" in modules:
        total += tensor_parallel * slots * (rank * hidden + _pad(vocab + EXTRA_VOCAB, LORA_VOCAB_PADDING) * rank + EXTRA_VOCAB * hidden)
        if grows:  # the base head's rows, split over the GPUs: LoRA padding and one slot's extra tokens
            total += (_pad(_pad(vocab, LORA_VOCAB_PADDING) + EXTRA_VOCAB, LORA_VOCAB_PADDING) - _pad(vocab, VOCAB_PADDING)) * hidden
    return total


def _pad(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple
