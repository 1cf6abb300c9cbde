"""compressed-tensors `quantization_config`s as llm-compressor saves them, on real config.json files, and the rows
`hangar catalog import-model` makes of them: shared by tests/test_compressed_tensors_checkpoints.py (W8A8) and
tests/test_w4a16_checkpoints.py (W4A16). Each `QuantizationArgs` is written as compressed-tensors serialises it (PyPI
compressed_tensors-0.20.1, compressed_tensors/quantization/quant_args.py and quant_scheme.py, read 2026-12-02)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from hangar.policies.rules import evaluate, load_pack_config

from hangar.catalog.model_config import model_row

CONFIGS = Path(__file__).parent / "model_configs"


def args(num_bits, kind, strategy, *, dynamic=False, group_size=None, symmetric=True):
    """One `QuantizationArgs` as compressed-tensors serialises it."""
    return {"num_bits": num_bits, "type": kind, "symmetric": symmetric, "group_size": group_size, "strategy": strategy,
            "block_structure": None, "dynamic": dynamic, "actorder": None, "observer": None if dynamic else "minmax", "observer_kwargs": {}}


def quantization(scheme: dict, layout: str, **extra) -> dict:
    return {"quant_method": "compressed-tensors", "format": layout, "quantization_status": "compressed", "kv_cache_scheme": None,
            "ignore": ["lm_head"], "config_groups": {"group_0": {"targets": ["Linear"], "output_activations": None, **scheme}}, **extra}


def llama(quant: dict) -> dict:
    """meta-llama/Llama-3.1-8B-Instruct's config.json with `quant` as its `quantization_config`."""
    return {**json.loads((CONFIGS / "llama-3.1-8b-instruct.json").read_text()), "quantization_config": quant}


def row(hf_id: str, config: dict):
    """The catalog row of a Llama 3.1 8B Instruct repack read from `config`."""
    return model_row(hf_id, config, licence_id="llama-3.1-community", base_model="meta-llama/Llama-3.1-8B-Instruct", source="a compressed-tensors repack's config.json",
                     as_of=datetime.date(2026, 12, 2))


def judged(records, policy):
    """The messages of `policy`'s findings over a plan's records."""
    return [v.message for v in evaluate(list(records), load_pack_config({}, "test")) if v.policy == policy]
