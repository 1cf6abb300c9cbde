"""The GPU rows cite what was read: no pointer to an unnamed "reference", and the figures they share with the
datasheet table (accelerator_performance.csv: memory bandwidth, the dense bf16 peak) agree with it."""

from __future__ import annotations

import re

import pytest

from hangar.catalog import load_catalog
from tests.docs_sync import ROOT

CATALOG = load_catalog()
UNNAMED = re.compile(r"\bthe reference\b|\breference (?:notes|row|verified)\b", re.I)


@pytest.mark.parametrize("path", ["hangar/catalog/data/gpus.csv", "hangar/catalog/schema.py", "hangar/catalog/model_row.py", "hangar/catalog/licence_row.py"])
def test_no_unnamed_reference_is_cited(path):
    lines = [f"{path}:{n}: {line.strip()[:120]}" for n, line in enumerate((ROOT / path).read_text().splitlines(), 1) if UNNAMED.search(line)]
    assert not lines, "name the source read (a vendor datasheet, a cloud's docs, with the date read):\n" + "\n".join(lines)


def test_the_check_finds_an_unnamed_reference():
    assert UNNAMED.search("peak quoted in the reference notes") and UNNAMED.search("(reference verified=no)")
    assert not UNNAMED.search("one priced region per cloud") and not UNNAMED.search("a dangling reference to a licence")


@pytest.mark.parametrize("gpu", sorted(set(CATALOG.gpus) & set(CATALOG.performance)))
def test_a_gpu_row_agrees_with_its_datasheet_row(gpu):
    row, datasheet = CATALOG.gpus[gpu], CATALOG.performance[gpu]
    assert row.memory_bandwidth_gbps == datasheet.memory_bandwidth_gbps, gpu
    if row.peak_bf16_tflops is not None:
        assert round(row.peak_bf16_tflops) == round(datasheet.dense_bf16_tflops), gpu
    assert "accelerator_performance.csv" in row.source, f"{gpu}: name the datasheet row the figures were checked against"
