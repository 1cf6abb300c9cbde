"""The figures docs/lora.md states in prose, with where each value comes from (part of tests/docs_facts.py's FACTS).

Moved out of tests/docs_facts.py unchanged, to keep each module under 500 lines.
"""

from __future__ import annotations

from tests.docs_prose import Fact
from tests.docs_values import ENGINE, catalog, constant

# --- docs/lora.md --------------------------------------------------------------------------------

LORA_RANKS = constant("hangar.spec.adapters", "MAX_LORA_RANKS")
LORA_EXAMPLE = (4, 320, 8192)
"""The page's example: slots and rank that stop Qwen2.5-7B-Instruct starting on one L4 at this many tokens."""


def _lora_example() -> tuple[float, int, float]:
    """(GiB of vLLM's default slot, its rank, GiB of the example's slots), checking that the example stops vLLM and the default does not."""
    from hangar.sizing import LoraSlots, lora_bytes, memory_fit

    qwen, l4 = catalog().models["Qwen/Qwen2.5-7B-Instruct"], catalog().gpus["L4"]
    default, example = LoraSlots(), LoraSlots(*LORA_EXAMPLE[:2])
    tokens = LORA_EXAMPLE[2]
    if not memory_fit(qwen, l4, max_context_tokens=tokens, lora=default).fits or memory_fit(qwen, l4, max_context_tokens=tokens, lora=example).fits:
        raise AssertionError("docs/lora.md's LoRA example no longer holds: the default slot must fit on one L4 and the example's slots must not")
    return lora_bytes(qwen, default) / 2**30, default.rank, lora_bytes(qwen, example) / 2**30


def _lora_release(index: int) -> str:
    from hangar.sizing.lora_releases import RULES

    return list(RULES)[index]


GEMMA, DEVSTRAL = "google/gemma-4-26B-A4B", "mistralai/Devstral-Small-2-24B-Instruct-2512"


def _slot_gib(hf_id: str) -> float:
    """GiB one slot of rank 16 takes on one GPU serving `hf_id` at the pinned release (hangar.sizing.lora)."""
    from hangar.sizing import LoraSlots, lora_bytes

    return lora_bytes(catalog().model(hf_id), LoraSlots(1, 16)) / 2**30


def _ministral3_served() -> str:
    """The first release that serves Devstral Small 2's `ministral3` text config (hangar.sizing.engine_models)."""
    from hangar.sizing.engine_models import TEXT_ARRIVALS, named

    return named(TEXT_ARRIVALS["ministral3"].served)


LORA_RELEASES = {"old": lambda: _lora_release(0), "new": lambda: _lora_release(1)}
"""The two releases whose LoRA layers were read (hangar.sizing.lora_releases)."""

def _minimax_lora(supports: bool) -> str:
    """The read release whose MiniMax-M2 class does (True) or does not (False) take adapters."""
    from hangar.sizing.lora_architectures import SUPPORTS_LORA_RELEASES

    return next(release for release, classes in SUPPORTS_LORA_RELEASES.items() if classes["MiniMaxM2ForCausalLM"] is supports)


LORA_FACTS: list[Fact] = [
    Fact("docs/lora.md", "(GPT-2, and MiniMax-M2 at {old},\n  whose class takes adapters from {new}",
         {"old": lambda: _minimax_lora(False), "new": lambda: _minimax_lora(True)}),
    Fact("docs/lora.md", "an imported MiMo-V2-Flash or Step-3.7-Flash at {v}: vLLM would refuse", {"v": lambda: next(
        release for release, classes in constant("hangar.sizing.lora_architectures", "SUPPORTS_LORA_RELEASES")().items()
        if classes.get("MiMoV2FlashForCausalLM") is False and classes.get("Step3p7ForConditionalGeneration") is False)}),
    Fact("docs/lora.md", "for the pinned engine (vLLM {v})", {"v": ENGINE}),
    Fact("docs/lora.md", "too (at {v} Llama's, hence Mistral's", {"v": lambda: constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[0]}),
    Fact("docs/lora.md", "the rank, plus at {v} the extra tokens", {"v": lambda: constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[0]}),
    Fact("docs/lora.md", "own release: at\n{v} there are no extra tokens", {"v": lambda: constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[1]}),
    Fact("docs/lora.md", "(the smallest value vLLM accepts, {ranks} or {last},",
         {"ranks": lambda: ", ".join(str(r) for r in LORA_RANKS()[:-1]), "last": lambda: LORA_RANKS()[-1]}),
    Fact("docs/lora.md", "a revision that is not a 40-hex commit; a rank above {top};", {"top": lambda: LORA_RANKS()[-1]},
         why="a commit is 40 hexadecimal digits"),
    Fact("docs/lora.md", "Inference Extension {v}'s Body-Based Routing (BBR, image `bbr:{v}`)", {"v": constant("hangar.components.routing_pool", "EPP_VERSION")}),
    Fact("docs/serving.md", "Body-Based Routing (image `bbr:{v}`, one pod on the system", {"v": constant("hangar.components.routing_pool", "EPP_VERSION")}),
    Fact("docs/lora.md", "it takes precedence (Gateway API {v})", {"v": constant("hangar.components.routing", "GATEWAY_API_VERSION")}),
    Fact("docs/lora.md", "over several GPUs: {old}\n  refuses them all; {new} only with `--fully-sharded-loras`", LORA_RELEASES,
         why="lora_releases.RULES: expert_parallel is false at the first read release, true at the second (tests/test_lora_releases.py)"),
    Fact("docs/lora.md", "every expert of every layer. At {old} each GPU holds all the experts", LORA_RELEASES),
    Fact("docs/lora.md", "gpt-oss's router is not adapted. At {new}\n`--fully-sharded-loras` splits the experts' ranks too", LORA_RELEASES),
    Fact("docs/lora.md", "`shared_expert_intermediate_size`). {old} wraps each of those attention projections twice", LORA_RELEASES),
    Fact("docs/lora.md", "both wrappers allocate slots; {new} wraps a layer once", LORA_RELEASES),
    Fact("docs/lora.md", "and shared expert (at {new} in the shared expert's gate too); Qwen3.5, which {new} serves", LORA_RELEASES),
    Fact("docs/lora.md", "their shared expert, and at {new} their router", LORA_RELEASES),
    Fact("docs/lora.md", "Gemma 4, which {new} serves, gets them", LORA_RELEASES),
    Fact("docs/lora.md", "(16 query heads and 8 KV heads of {sliding})\nand of its full-attention layers at their own width (16 query heads and 2 KV heads of {full})",
         {"sliding": lambda: catalog().model(GEMMA).head_dim, "full": lambda: catalog().model(GEMMA).global_head_dim}),
    Fact("docs/lora.md", "one slot of rank {r} on gemma-4-26B-A4B takes {gib:.2f} GiB on one GPU", {"r": lambda: 16, "gib": lambda: _slot_gib(GEMMA)}),
    Fact("docs/lora.md", "Devstral\nSmall 2 ({v} and later)", {"v": lambda: _ministral3_served()}),
    Fact("docs/lora.md", "projector or vocabulary: {gib:.2f} GiB for one slot of rank {r} on one GPU", {"r": lambda: 16, "gib": lambda: _slot_gib(DEVSTRAL)}),
    Fact("docs/lora.md", "cannot load the model at all ({old} and Qwen3.5 or\nGemma 4)", LORA_RELEASES),
    Fact("docs/lora.md", "Qwen2.5-7B-Instruct's {one:.2f} GiB for one slot of rank {rank} is nothing on an L4, but {slots} slots of rank {big} take "
         "{many:.1f} GiB and vLLM would no longer start there at {tokens:,} tokens",
         {"one": lambda: _lora_example()[0], "rank": lambda: _lora_example()[1], "slots": lambda: LORA_EXAMPLE[0], "big": lambda: LORA_EXAMPLE[1],
          "many": lambda: _lora_example()[2], "tokens": lambda: LORA_EXAMPLE[2]}),  # fmt: skip
]
