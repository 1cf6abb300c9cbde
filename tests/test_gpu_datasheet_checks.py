"""Each GPU row says which of its three datasheet facts (memory, memory bandwidth, interconnect) were checked against a
primary source — the vendor's own document, or a cloud's instance docs — and which were not, so that an unverified
figure is marked as such in the catalog `hangar catalog gpus` shows, never passed off as read."""

from __future__ import annotations

import re

import pytest

from hangar.catalog import load_catalog

CATALOG = load_catalog()
FACTS = ("memory", "memory bandwidth", "interconnect")
CHECKED = re.compile(r"Primary-checked \((\d{4}-\d{2}-\d{2})\): ([a-z ,]+)\.")
UNVERIFIED = re.compile(r"Unverified \(no primary source read\): ([a-z ,]+)\.")


def accounting(notes: str) -> tuple[list[str], list[str], list[str]]:
    """(facts checked, facts unverified, dates the checks were read) as a row's notes state them."""
    checked = [fact.strip() for match in CHECKED.finditer(notes) for fact in match.group(2).split(",")]
    unverified = [fact.strip() for match in UNVERIFIED.finditer(notes) for fact in match.group(1).split(",")]
    return checked, unverified, [match.group(1) for match in CHECKED.finditer(notes)]


@pytest.mark.parametrize("gpu", sorted(CATALOG.gpus))
def test_each_gpu_row_accounts_for_its_memory_bandwidth_and_interconnect_once(gpu):
    checked, unverified, _ = accounting(CATALOG.gpus[gpu].notes or "")
    assert sorted(checked + unverified) == sorted(FACTS), f"{gpu}: say which facts were checked against a primary source and which were not"


@pytest.mark.parametrize("gpu", sorted(CATALOG.gpus))
def test_a_checked_fact_cites_the_primary_source_read_on_the_day_it_names(gpu):
    row = CATALOG.gpus[gpu]
    checked, _, dates = accounting(row.notes or "")
    for day in dates:
        assert f"(read {day})" in row.source, f"{gpu}: the source read on {day} is not cited"
    if "interconnect" in checked:
        assert "from knowledge" not in row.interconnect, gpu


def test_the_accounting_sees_a_fact_left_out_or_counted_twice():
    assert accounting("HBM3; Primary-checked (2026-12-01): memory, interconnect.") == (["memory", "interconnect"], [], ["2026-12-01"])
    checked, unverified, _ = accounting("Primary-checked (2026-12-01): memory. Unverified (no primary source read): memory, interconnect.")
    assert sorted(checked + unverified) != sorted(FACTS)


def test_the_rows_checked_this_way_keep_the_vendors_figures():
    """What the primary sources said, where a row's figure was checked against one (sources in each row)."""
    gib = {name: row.memory_gib for name, row in CATALOG.gpus.items()}
    assert (gib["H100-SXM"], gib["H100-NVL"], gib["H100-PCIe"], gib["H200"], gib["B200"]) == (80, 94, 80, 141, 180)
    assert (gib["A100-80GB"], gib["A100-40GB"], gib["L40S"], gib["L4"], gib["A10G"], gib["A10"], gib["T4"]) == (80, 40, 48, 24, 24, 24, 16)
    assert (gib["V100-16GB"], gib["V100-32GB"], gib["MI300X"]) == (16, 32, 192)
    assert CATALOG.gpus["MI300X"].memory_bandwidth_gbps == 5300
    assert CATALOG.gpus["H100-NVL"].interconnect.startswith("NVLink 4 bridge: 600 GB/s")


def test_the_bandwidths_and_links_checked_against_nvidias_and_intels_own_tables_keep_their_figures():
    """NVIDIA's TensorRT-LLM and aiconfigurator tables, its MLPerf DGX B200 description and Intel's Gaudi network docs (each row cites them)."""
    bandwidth = {name: row.memory_bandwidth_gbps for name, row in CATALOG.gpus.items()}
    checked = ("H100-SXM", "H100-PCIe", "H200", "A100-80GB", "A100-40GB", "L40S", "L4", "A10", "A10G")
    assert [bandwidth[name] for name in checked] == [3350, 2000, 4800, 2039, 1555, 864, 300, 600, 600]
    links = {name: row.interconnect for name, row in CATALOG.gpus.items()}
    assert links["A100-80GB"].startswith("NVLink 3: 600 GB/s") and links["A100-40GB"].startswith("NVLink 3: 600 GB/s")
    assert links["B200"].startswith("NVLink 5: 1.8 TB/s per GPU")
    assert links["A10"] == links["A10G"] == "none (PCIe Gen4)"
    assert links["Gaudi3"] == "RoCE Ethernet: 24x 200 Gb/s ports (21 scale-up, 3 scale-out)"


@pytest.mark.parametrize("gpu", sorted(CATALOG.gpus))
def test_a_bandwidth_checked_against_a_primary_source_is_not_called_an_estimate(gpu):
    row = CATALOG.gpus[gpu]
    checked, _, _ = accounting(row.notes or "")
    if "memory bandwidth" in checked:
        assert "ESTIMATE" not in f"{row.source} {row.notes}", gpu


def test_the_figures_read_this_session_from_nvidias_and_intels_own_documents():
    """V100 from NVIDIA's TensorRT-LLM table (@a17b14f6d89b), B200 from NVIDIA's aiconfigurator (7.7 TB/s, corrected from
    8 to the Blackwell datasheet), Gaudi 3 from Intel's Hot Chips 2024 presentation (each row cites them)."""
    rows = CATALOG.gpus
    assert [rows[name].memory_bandwidth_gbps for name in ("V100-16GB", "V100-32GB", "B200", "Gaudi3")] == [900, 900, 7700, 3670]
    assert rows["V100-16GB"].interconnect == rows["V100-32GB"].interconnect == "NVLink 2 (SXM2): 300 GB/s"
    assert rows["Gaudi3"].memory_gib == 128
    assert CATALOG.performance["B200"].memory_bandwidth_gbps == 7700
    assert "Unverified (no primary source read): memory bandwidth" in (rows["H100-NVL"].notes or "")


def test_the_t4_keeps_googles_figures_for_the_t4s_it_attaches_to_n1_machines():
    """Google's 'GPU machine types' page (updated 2026-04-14): '16 GB GDDR6 @ 320 GBps' and no interconnect, where the
    V100 on the same N1 machines has NVLink (the row cites it); T4 was the last NVIDIA row with no checked bandwidth."""
    t4 = CATALOG.gpus["T4"]
    assert (t4.memory_gib, t4.memory_bandwidth_gbps, t4.interconnect) == (16, 320, "none")
    checked, unverified, _ = accounting(t4.notes or "")
    assert sorted(checked) == sorted(FACTS) and unverified == []
    assert "docs.cloud.google.com/compute/docs/gpus" in t4.source
