"""The LoRA memory of the vocabulary: the slots of `embed_tokens` and `lm_head`, and any rows they add, per vLLM release.

A model class that lists them in its `embedding_modules` has them adapted too (vllm/lora/utils.py
`get_supported_lora_modules`, which collects the `embedding_modules` of every module of the model); every other
class keeps `SupportsLoRA`'s empty default (vllm/model_executor/models/interfaces.py). On every GPU, whole, per slot
(V the vocabulary, H the hidden size, r the rank):

vLLM v0.11.2 (PyPI sdist vllm-0.11.2.tar.gz, commit 275de3417 per its vllm/_version.py, read 2026-12-02). Llama's
(hence Mistral's and Phi-3's) and Mixtral's classes adapt both, Command R's `embed_tokens` only, and each slot may
add up to `lora_extra_vocab_size` tokens, E = 256 by default (vllm/config/lora.py; Hangar does not set it):

* embed_tokens (vllm/lora/layers/vocal_parallel_embedding.py `VocabParallelEmbeddingWithLoRA.create_lora_weights`):
  the added embeddings E x H, A (V + E) x r, B H x r;
* lm_head (vllm/lora/layers/logits_processor.py `LogitsProcessorWithLoRA.create_lora_weights`): A r x H,
  B pad(V + E, 256) x r (the LoRA vocabulary padding, vllm/platforms/interface.py `get_lora_vocab_padding_size`, 256
  on CUDA), the added embeddings E x H; it refuses a head of more than 257,024 tokens, the extra ones included.
* The base layers grow too, split over the GPUs: Llama's and Mixtral's `embed_tokens` by E rows per slot
  (`lora_vocab = lora_extra_vocab_size * max_loras`), and their `lm_head` to pad(pad(V, 256) + E, 256) rows where it
  had pad(V, 64) (vllm/model_executor/layers/vocab_parallel_embedding.py `DEFAULT_VOCAB_PADDING_SIZE = 64`;
  vllm/model_executor/models/llama.py, mixtral.py, commandr.py).

vLLM v0.33.0 (PyPI sdist vllm-0.33.0.tar.gz, commit 4ba787ec9 per its vllm/_version.py, read 2026-12-02) has no
`lora_extra_vocab_size` (vllm/config/lora.py; no file of the release names it) and no LoRA vocabulary padding
(`get_lora_vocab_padding_size` is gone): an adapter adds no tokens, and the base layers keep their size. Llama's
(hence Phi-3's), Mixtral's, Qwen3's, Qwen3-MoE's and Qwen3.5's language model's classes adapt both, Command R's
`embed_tokens` only, and `MistralForCausalLM` is now a class of its own that adapts neither (vllm/model_executor/models/
mistral.py: "We don't support LoRA on the embedding layers"):

* embed_tokens (vllm/lora/layers/vocab_parallel_embedding.py): A V x r (`org_vocab_size`), B H x r;
* lm_head (vllm/lora/layers/logits_processor.py): A r x H, B V x r (the logits processor's `vocab_size`, the
  config's), refusing a vocabulary above 258,048 ("When using LoRA, vocab size must be <= 258048").

Counted as if the head were untied: a model that ties it to the embedding (Llama 3.2 1B/3B) shares that weight, and
at v0.11.2 is over-counted by the head's few extra rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from hangar.catalog import Model

from .engine import sized_release
from .kv import round_up
from .lora_architectures import EMBEDDING_MODULES, EXTRA_VOCAB, MAX_LORA_HEAD_VOCAB, architecture
from .lora_granite import GRANITE_EMBEDDINGS

LORA_VOCAB_PADDING = 256
"""Rows the LoRA output head is padded to a multiple of (vLLM v0.11.2 `get_lora_vocab_padding_size` on CUDA)."""
VOCAB_PADDING = 64
"""Rows an embedding is padded to a multiple of without LoRA (`DEFAULT_VOCAB_PADDING_SIZE`)."""
GROWING_EMBEDDINGS = frozenset({"LlamaForCausalLM", "MistralForCausalLM", "Phi3ForCausalLM", "MixtralForCausalLM", "GraniteForCausalLM"})
"""v0.11.2 classes whose model adds `lora_extra_vocab_size` rows per slot to `embed_tokens` and to `lm_head` (llama.py, mixtral.py,
granite.py)."""


@dataclass(frozen=True)
class VocabularyRules:
    """How one vLLM release adapts the vocabulary (the module docstring has the sources)."""

    modules: dict[str, tuple[str, ...]]
    """Model class -> the vocabulary modules it adapts."""
    extra_vocab: int
    """Tokens each adapter may add (`lora_extra_vocab_size`), 0 where the release has none."""
    max_head_vocab: int
    """The largest output-head vocabulary (extra tokens included) whose LoRA the release builds."""
    padded: bool
    """Whether the head's LoRA is padded to `LORA_VOCAB_PADDING` rows and the base layers grow."""


RULES: dict[str, VocabularyRules] = {
    "v0.11.2": VocabularyRules(EMBEDDING_MODULES, EXTRA_VOCAB, MAX_LORA_HEAD_VOCAB, True),
    "v0.33.0": VocabularyRules(
        {
            "LlamaForCausalLM": ("embed_tokens", "lm_head"),
            "Phi3ForCausalLM": ("embed_tokens", "lm_head"),
            "MixtralForCausalLM": ("embed_tokens", "lm_head"),
            "Qwen3ForCausalLM": ("embed_tokens", "lm_head"),
            "Qwen3MoeForCausalLM": ("embed_tokens", "lm_head"),
            "Qwen3_5ForConditionalGeneration": ("embed_tokens", "lm_head"),
            "Qwen3_5MoeForConditionalGeneration": ("embed_tokens", "lm_head"),
            "CohereForCausalLM": ("embed_tokens",),
            "Cohere2ForCausalLM": ("embed_tokens",),  # registry.py: commandr's CohereForCausalLM
            "Ernie4_5ForCausalLM": ("embed_tokens", "lm_head"),  # ernie45.py extends llama.py's LlamaForCausalLM
            # served through the Transformers backend, whose Base adapts embed_tokens only (transformers/base.py)
            "Olmo2ForCausalLM": ("embed_tokens",),
            "Olmo3ForCausalLM": ("embed_tokens",),
            "SeedOssForCausalLM": ("embed_tokens",),
            **GRANITE_EMBEDDINGS,  # every Granite class adapts both (hangar.sizing.lora_granite)
        },
        0,
        258048,
        False,
    ),
}
"""The read releases' vocabulary rules."""


def vocabulary_rules(engine_version: str | None = None) -> VocabularyRules:
    """The rules of release `engine_version`; the pinned release's where None or not read."""
    return RULES[sized_release(engine_version)]


def adapted_vocabulary(model: Model, engine_version: str | None = None) -> tuple[str, ...]:
    """The vocabulary modules vLLM `engine_version` adapts for this model: `embed_tokens`, `lm_head`, both or none."""
    return vocabulary_rules(engine_version).modules.get(architecture(model) or "", ())


def vocabulary_elements(model: Model, slots: int, rank: int, tensor_parallel: int, engine_version: str | None = None) -> int:
    """Elements (2 bytes each) the vocabulary's slots and extra rows take over all `tensor_parallel` GPUs of a replica."""
    rules = vocabulary_rules(engine_version)
    modules = adapted_vocabulary(model, engine_version)
    if not modules:
        return 0
    assert model.vocab_size and model.hidden_size
    vocab, hidden, extra = model.vocab_size, model.hidden_size, rules.extra_vocab
    grows = rules.padded and architecture(model) in GROWING_EMBEDDINGS
    total = 0
    if "embed_tokens" in modules:
        total += tensor_parallel * slots * (extra * hidden + (vocab + extra) * rank + hidden * rank)
        total += extra * slots * hidden if grows else 0  # the base embedding's added rows, split over the GPUs
    if "lm_head" in modules:
        head = round_up(vocab + extra, LORA_VOCAB_PADDING) if rules.padded else vocab
        total += tensor_parallel * slots * (rank * hidden + head * rank + extra * hidden)
        if grows:  # the base head's rows, split over the GPUs: LoRA padding and one slot's extra tokens
            total += (round_up(round_up(vocab, LORA_VOCAB_PADDING) + extra, LORA_VOCAB_PADDING) - round_up(vocab, VOCAB_PADDING)) * hidden
    return total


def head_refusal(model: Model, engine_version: str | None = None) -> str | None:
    """Why the release's LoRA output head refuses this model's vocabulary; None where it takes it (or the class adapts
    no head)."""
    rules = vocabulary_rules(engine_version)
    if "lm_head" not in adapted_vocabulary(model, engine_version) or not model.vocab_size:
        return None
    head = model.vocab_size + rules.extra_vocab
    if head <= rules.max_head_vocab:
        return None
    tokens = f"{head:,} tokens ({model.vocab_size:,} and {rules.extra_vocab} extra)" if rules.extra_vocab else f"{head:,} tokens"
    return (
        f"vLLM {sized_release(engine_version)}'s {architecture(model)} adapts the output head of {model.hf_id}, and the head's LoRA "
        f"refuses its {tokens}: with --enable-lora vLLM refuses to start above {rules.max_head_vocab:,}"
    )
