"""awq and gptq as the catalog's `dtype`: a checkpoint quantised ahead of time, and the only way to serve those formats.

The reader names awq / gptq from a config's `quantization_config` only in the layout Hangar sizes (4 bits, groups of 128,
AWQ with zero points, symmetric GPTQ: hangar.catalog.config_fields.quantised_format); such a row is served in its own
format and nothing else, and `hangar size` offers awq / gptq for no row whose format is unknown.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.model_config import model_row, read_config
from hangar.cli import app
from hangar.precision import checkpoint_bytes, engine_precision, mismatch, resolve
from hangar.sizing import rank_options
from hangar.sizing.memory import BYTES_PER_PARAM

CONFIGS = Path(__file__).parent / "model_configs"
CAT = load_catalog()
AWQ = {"quant_method": "awq", "bits": 4, "group_size": 128, "zero_point": True, "version": "gemm"}
GPTQ = {"quant_method": "gptq", "bits": 4, "group_size": 128, "sym": True, "desc_act": False}
REPACK = "example-org/Qwen3-8B-AWQ"


def qwen(quant: dict | None) -> dict:
    config = json.loads((CONFIGS / "qwen3-8b.json").read_text())
    return config if quant is None else {**config, "quantization_config": quant}


def awq_row():
    return model_row(REPACK, qwen(AWQ), licence_id="apache-2.0", source="an AutoAWQ repack's config.json", as_of=datetime.date(2026, 12, 2))


# --- the column --------------------------------------------------------------------------------------------------


def test_the_sized_layouts_are_named():
    assert read_config(qwen(AWQ)).dtype == "awq"
    assert read_config(qwen({"quant_method": "awq", "w_bit": 4, "q_group_size": 128, "zero_point": True})).dtype == "awq"  # AutoAWQ's older keys
    assert read_config(qwen(GPTQ)).dtype == "gptq"


@pytest.mark.parametrize(
    "quant",
    [
        {**AWQ, "zero_point": False},  # not a layout Marlin takes
        {**AWQ, "group_size": 64},
        {**GPTQ, "bits": 8},
        {**GPTQ, "sym": False},
        {k: v for k, v in GPTQ.items() if k != "desc_act"},
        {**GPTQ, "lm_head": True},  # a quantised output head is not what Hangar sizes
        {"quant_method": "awq", "bits": 4},  # layout not stated
    ],
)
def test_another_layout_is_unknown_not_mis_sized(quant):
    assert read_config(qwen(quant)).dtype is None


def test_a_bad_dtype_is_refused_naming_the_column():
    from pydantic import ValidationError

    from hangar.catalog.model_row import Model

    with pytest.raises(ValidationError, match="dtype"):
        Model(**{**awq_row().model_dump(), "dtype": "int4"})


# --- serving and sizing ----------------------------------------------------------------------------------------------


def test_an_awq_checkpoint_is_served_in_awq_only():
    assert resolve(None, "awq") == "awq" and resolve(None, "gptq") == "gptq"
    assert mismatch("awq", "awq", REPACK) is None
    assert mismatch("fp8", "awq", REPACK) == (
        f"{REPACK} is published in awq: vLLM v0.33.0 loads {REPACK}'s awq quantization_config whatever --dtype says (vllm/config/model.py _verify_quantization); "
        "allowed: awq (or leave precision unset: awq)"
    )
    assert mismatch("gptq", "awq", REPACK) is not None
    assert engine_precision("bf16", None, "awq") == "awq"  # a raw server without --quantization still loads awq


def test_its_download_counts_4_bit_weights_and_a_16_bit_embedding_and_head():
    row = awq_row()
    embeddings = 2 * 151_936 * 4096  # untied
    expected = (row.params_total_b * 1e9 - embeddings) * BYTES_PER_PARAM["awq"] + embeddings * 2
    assert checkpoint_bytes(row) == pytest.approx(expected)
    # 5.68 GiB: the 1.24B-parameter embedding pair at 2 bytes is a fifth of it; under half the bf16 checkpoint's 2 bytes a weight
    assert checkpoint_bytes(row) / 2**30 == pytest.approx(5.68, abs=0.01)
    assert checkpoint_bytes(row) < row.params_total_b * 1e9


def test_size_offers_an_awq_checkpoint_in_awq_only_and_says_why():
    ranking = rank_options(awq_row(), CAT)
    assert ranking.feasible and {o.precision for o in ranking.feasible} == {"awq"}
    note = next(n for n in ranking.notes if n.startswith("not offered: "))
    assert note == f"not offered: bf16, fp16, fp8, int8, gptq ({REPACK} is published in awq, which vLLM v0.33.0 loads whatever --dtype says)"


def test_size_offers_no_awq_gptq_or_int8_where_the_published_format_is_unknown():
    unknown = CAT.model("microsoft/Phi-3-mini-4k-instruct")  # read from Phi3Config's defaults, which do not say the format
    assert unknown.dtype is None
    ranking = rank_options(unknown, CAT)
    tried = {o.precision for o in ranking.feasible} | {r.precision for r in ranking.infeasible}
    assert not tried & {"awq", "gptq", "int8"} and "bf16" in tried
    note = next(n for n in ranking.notes if n.startswith("not offered: "))
    assert note == ("not offered: awq, gptq, int8 (no awq, gptq or int8 checkpoint of it is known (its published format is unknown): import one "
                    "quantised ahead of time under its own id)")
    for precision in ("gptq", "int8"):
        asked = rank_options(unknown, CAT, precisions=[precision])
        assert asked.feasible == () and asked.infeasible
        assert all(r.reasons == (f"{unknown.hf_id}: the catalog knows no {precision} checkpoint of it (its published format is unknown), and vLLM "
                                 f"v0.33.0 serves {precision} only from a checkpoint quantised to it ahead of time; import one under its own id",)
                   for r in asked.infeasible)


def test_import_model_writes_the_awq_row_and_size_serves_it(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(qwen(GPTQ)))
    overrides = tmp_path / "overrides"
    imported = CliRunner().invoke(app, ["catalog", "import-model", "example-org/Qwen3-8B-GPTQ", "--config", str(config), "--licence",
                                        "apache-2.0", "--overrides", str(overrides)], catch_exceptions=False, env={"COLUMNS": "200"})
    assert imported.exit_code == 0, imported.output
    catalog = load_catalog(overrides)
    assert catalog.model("example-org/Qwen3-8B-GPTQ").dtype == "gptq"
    ranking = rank_options("example-org/Qwen3-8B-GPTQ", catalog, clouds=["aws"])
    assert {o.precision for o in ranking.feasible} == {"gptq"}
