"""The figures docs/sizing.md states in prose about ModelOpt MIXED_PRECISION checkpoints, with where each value comes from
(part of tests/docs_facts.py's FACTS): the bytes per format (`hangar.sizing.mixed`), and nvidia/Qwen3.6-27B-NVFP4's
weights as the reader and sizing give them from the config.json kept in tests/model_configs/."""

from __future__ import annotations

import datetime
import functools
import json
from pathlib import Path

from tests.docs_prose import Fact

QWEN = Path(__file__).parent / "model_configs" / "nvidia-qwen3.6-27b-nvfp4.json"


@functools.cache
def _qwen():
    from hangar.catalog.model_config import model_row

    return model_row("nvidia/Qwen3.6-27B-NVFP4", json.loads(QWEN.read_text()), licence_id="apache-2.0", source="tests/model_configs",
                     as_of=datetime.date(2026, 12, 3))


def _bytes(form: str):
    from hangar.sizing.mixed import MIXED_BYTES

    return lambda: f"{MIXED_BYTES[form]:g}"


def _gib() -> float:
    from hangar.sizing.memory import weight_bytes

    return weight_bytes(_qwen(), "nvfp4") / 2**30


def _served() -> str:
    from hangar.sizing.engine_models import first_served

    return first_served(_qwen()) or "the pinned release"


def _refused() -> str:
    from hangar.sizing.engine_models import FIRST_READ, engine_refusal, named

    return named(FIRST_READ) if engine_refusal(_qwen(), named(FIRST_READ)) else "no release"


MIXED_FACTS = [
    Fact("docs/sizing.md", "(NVIDIA's Qwen3.6, MiniMax-M3 and Nemotron 3.5 Lightning NVFP4 repacks)", why="the models' names"),
    Fact("docs/sizing.md", "(nvfp4 {nvfp4} bytes a weight, fp8 {fp8}, mxfp8 {mxfp8})", {f: _bytes(f) for f in ("nvfp4", "fp8", "mxfp8")}),
    Fact("docs/sizing.md", "nvidia/Qwen3.6-27B-NVFP4 holds {gib:.2f} GiB of weights", {"gib": _gib}),
    Fact("docs/sizing.md", "It is served in nvfp4 from {served} ({old} takes no MIXED_PRECISION)", {"served": _served, "old": _refused}),
]
