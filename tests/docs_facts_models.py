"""Docs facts about the model families read since the catalog's first layouts - MiMo-V2-Flash, MiniMax-M3, DeepSeek-V4 -
and the vLLM releases that first load them (split from tests/docs_facts.py, which adds MODEL_FACTS to its FACTS)."""

from __future__ import annotations

from tests.docs_prose import Fact
from tests.docs_sync import ROOT
from tests.docs_values import constant, exit_code, v4_flash_h200


def minimax_m3() -> dict:
    """aiconfigurator's flat form of MiniMax-M3's text model (tests/model_configs/minimax-m3.json)."""
    import json

    return json.loads((ROOT / "tests" / "model_configs" / "minimax-m3.json").read_text())


def read_fixture(fields: dict):
    from hangar.catalog.model_config import read_config

    return read_config(fields)


def first_arrival(name: str) -> str:
    from hangar.sizing.engine_models import ARRIVALS, named

    return named(ARRIVALS[name].served)


def _mimo_kv() -> int:
    """Bytes a token of MiMo-V2-Flash's config (tests/model_configs) costs in bf16, as the reader sizes it."""
    import json

    from hangar.catalog.model_config import read_config

    return read_config(json.loads((ROOT / "tests/model_configs/mimo-v2-flash.json").read_text())).kv_bytes_per_token_bf16


def _mimo_release() -> str:
    """The vLLM release Hangar sizes MiMo-V2-Flash for (hangar.sizing.engine_models.UNREGISTERED)."""
    from hangar.sizing.engine_models import UNREGISTERED, named

    return named(UNREGISTERED["MiMoV2FlashForCausalLM"][1])


MODEL_FACTS: list[Fact] = [
    Fact("docs/sizing.md", "makes vLLM {v} cache like full ones, {b:,} bytes a token in bf16", {"v": _mimo_release, "b": _mimo_kv}),
    Fact("docs/sizing.md", "its {n} sparse layers keep their indexer's keys, {b:,} bytes a token in bf16",
         {"n": lambda: sum(minimax_m3()["sparse_attention_config"]["sparse_attention_freq"]), "b": lambda: read_fixture(minimax_m3()).indexer_bytes_per_token}),
    Fact("docs/sizing.md", "vLLM serves it from {v},\nnot at v0.11.2", {"v": lambda: first_arrival("MiniMaxM3SparseForConditionalGeneration")}),
    Fact("docs/sizing.md", "Granite's SWA checkpoints (`granite_swa`, `granitemoe_swa`), which vLLM serves from {v},",
         {"v": lambda: first_arrival("GraniteSWAForCausalLM")}),
    Fact("docs/sizing.md", "one per {csa} tokens with an indexer key (`csa_layers`) or one per {hca} (`hca_layers`)",
         {"csa": constant("hangar.sizing.kv_deepseek_v4", "CSA_RATIO"), "hca": constant("hangar.sizing.kv_deepseek_v4", "HCA_RATIO")}),
    Fact("docs/sizing.md", "one {f[0]:,}-token sequence of DeepSeek-V4-Flash takes {f[1]:,} blocks of {f[2]:,} bytes on each H200",
         {"f": v4_flash_h200}),
    Fact("docs/sizing.md", "only on Hopper and Blackwell, {m}.x included, and AMD GPUs, and not at {v})",
         {"m": lambda: constant("hangar.sizing.kv_deepseek_v4", "SERVED_MAJORS")()[-1],
          "v": lambda: "v{}.{}.{}".format(*constant("hangar.sizing.engine_models", "FIRST_READ")())}),
]


def _served_from(table: str, key: str) -> str:
    """The first release that loads an architecture (or text model type) `hangar.sizing.engine_models` names."""
    from hangar.sizing import engine_models

    return engine_models.named(getattr(engine_models, table)[key].served)


def _unregistered_until(name: str) -> str:
    from hangar.sizing.engine_models import FIRST_READ, UNREGISTERED, named

    assert name in UNREGISTERED, name
    return named(FIRST_READ)


MODEL_FACTS += [
    Fact("docs/sizing.md", "(Kimi K2.5 before {k}, Qwen3.5 before {q}, Gemma 4 before {g}, Devstral Small 2 before {d}, Kimi K3 before {k3}, DeepSeek-V4 at {v})",
         {"k": lambda: _served_from("ARRIVALS", "KimiK25ForConditionalGeneration"), "q": lambda: _served_from("ARRIVALS", "Qwen3_5ForConditionalGeneration"),
          "g": lambda: _served_from("ARRIVALS", "Gemma4ForConditionalGeneration"), "d": lambda: _served_from("TEXT_ARRIVALS", "ministral3"),
          "k3": lambda: _served_from("ARRIVALS", "KimiK3ForConditionalGeneration"), "v": lambda: _unregistered_until("DeepseekV4ForCausalLM")}),
    Fact("docs/sizing.md", 'like any other "nothing fits", the command exits {code}', {"code": exit_code("ok")}),
    Fact("docs/sizing.md", "Pixtral vision tower kept unquantised; served from vLLM {v})", {"v": lambda: first_arrival("MistralLarge3ForCausalLM")}),
]
