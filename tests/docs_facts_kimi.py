"""The figures docs/sizing.md states in prose about Kimi Delta Attention hybrids (Kimi Linear, Kimi K3), with where each
value comes from (part of tests/docs_facts.py's FACTS). K3 has no packaged row: its figures are read from the config.json
kept in tests/model_configs/ by the reader `hangar catalog import-model` uses."""

from __future__ import annotations

import datetime
import functools
import json
from pathlib import Path

from tests.docs_prose import Fact
from tests.docs_values import ENGINE, constant

K3_CONFIG = Path(__file__).parent / "model_configs" / "kimi-k3.json"
TP = 8


@functools.cache
def _k3():
    from hangar.catalog.model_config import model_row

    return model_row("moonshotai/Kimi-K3", json.loads(K3_CONFIG.read_text()), licence_id="kimi-k2.5-modified-mit",
                     source="tests/model_configs/kimi-k3.json", as_of=datetime.date(2026, 12, 2))


def _block() -> int:
    from hangar.sizing.kv_blocks import kv_layout
    from hangar.sizing.kv_pool import hybrid_pages

    layout = kv_layout(ENGINE(), mla=True, capability=90)
    return hybrid_pages(_k3(), kv_cache_dtype="auto", tensor_parallel=TP, engine_version=ENGINE(), capability=90,
                        attention_block=layout.block_size).block_size


def _first_served() -> str | None:
    from hangar.sizing.engine_models import first_served

    return first_served(_k3())


KIMI_FACTS = [
    Fact("docs/sizing.md", "K3's {kda} KDA layers keep {mib:.1f} MiB a sequence",
         {"kda": lambda: _k3().fixed_state_layers, "mib": lambda: _k3().state_bytes_per_sequence / 2**20}),
    Fact("docs/sizing.md", "At {v} the block is a multiple of {align} tokens", {"v": ENGINE, "align": lambda: constant("hangar.sizing.kv_pool", "MLA_HYBRID_ALIGNMENT")()["v0.33.0"]}),
    Fact("docs/sizing.md", "{block} tokens for K3 at TP {tp} on an H200", {"block": _block, "tp": lambda: TP}),
    Fact("docs/sizing.md", "K3 is registered from {first}", {"first": _first_served}),
]
