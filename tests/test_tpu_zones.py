"""A TPU slice in a zone without its generation is one config error, where the catalog's zone list is complete.

The packaged TPU rows hold the zones Google's TPU regions-and-zones page lists (its North America
tables, read in full) together with the SkyPilot snapshot's zones, and mark `us`/`northamerica` as
complete (`zones_complete_in`): a us-* zone they leave out is refused; zones of other areas, AI zones
and rows without the column (an override's) are not judged.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path
from typing import Any

from hangar.catalog import load_catalog
from hangar.stackfile import environment_from_config, read_environment, read_project
from tests.config_errors import config_problems
from tests.conftest import ROOT, make_environment

TPU_ENVIRONMENT: dict[str, Any] = make_environment(
    {"provider": "gcp", "name": "g", "region": "us-west4", "zones": ["us-west4-a"], "tpu_slices": [{"name": "v5e-2x4", "generation": "v5e", "topology": "2x4"}]},
    name="tpu",
    owner="o",
    cost_centre="c",
    monthly_ceiling_usd=1,
)


def environment(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(TPU_ENVIRONMENT)
    cluster = raw["clusters"][0]
    cluster["tpu_slices"][0].update(changes.pop("tpu_slice", {}))
    cluster.update(changes)
    return raw


def test_a_zone_with_the_generation_validates():
    assert environment_from_config(environment(), "test").clusters[0].tpu_slices[0].generation == "v5e"
    slice_zones = environment(zones=[], tpu_slice={"zones": ["us-west4-b"]})
    assert environment_from_config(slice_zones, "test").clusters[0].tpu_slices[0].zones == ["us-west4-b"]


def test_a_slice_zone_without_the_generation_is_one_line_naming_key_value_and_the_region_zones_that_have_it():
    (line,) = config_problems(environment(zones=[], tpu_slice={"zones": ["us-west4-a", "us-west4-c"]}))
    assert line.startswith("Pulumi.test.yaml: hangar:environment.clusters[0].tpu_slices[0].zones: v5e TPUs are not offered in us-west4-c; ")
    assert "zones of us-west4 that offer it: us-west4-a, us-west4-b " in line
    assert "https://cloud.google.com/tpu/docs/regions-zones" in line  # the source of the zone list
    assert line.endswith('; got ["us-west4-c"]')


def test_the_cluster_zones_are_judged_for_a_slice_without_its_own():
    (line,) = config_problems(environment(zones=["us-west4-c"]))
    assert line.startswith(
        "Pulumi.test.yaml: hangar:environment.clusters[0].zones: TPU slice 'v5e-2x4' runs in the cluster's zones, "
        "and v5e TPUs are not offered in us-west4-c; zones of us-west4 that offer it: us-west4-a, us-west4-b "
    )
    assert line.endswith('; got ["us-west4-c"]')


def test_a_region_without_the_generation_lists_every_zone_that_has_it():
    (line,) = config_problems(environment(region="us-west2", zones=["us-west2-a"], tpu_slice={"generation": "v6e"}))
    assert "clusters[0].zones: " in line and "v6e TPUs are not offered in us-west2-a; no zone of us-west2 offers it; zones that do: " in line
    v6e = next(t for t in load_catalog().tpus if t.generation == "v6e")
    assert ", ".join(v6e.zones) in line and line.endswith('; got ["us-west2-a"]')


def test_one_line_per_slice_at_fault():
    raw = environment(zones=["us-west4-a"])
    raw["clusters"][0]["tpu_slices"].append({"name": "trillium", "generation": "v6e", "topology": "2x4"})
    (line,) = config_problems(raw)  # v5e is in us-west4-a, v6e is not
    assert "TPU slice 'trillium' runs in the cluster's zones, and v6e TPUs are not offered in us-west4-a" in line


def test_zones_outside_the_complete_areas_and_ai_zones_are_not_refused():
    europe = environment(region="europe-west4", zones=["europe-west4-c"])  # only North America is complete
    assert environment_from_config(europe, "test").clusters[0].zones == ["europe-west4-c"]
    ai_zone = environment(region="us-central1", zones=[], tpu_slice={"zones": ["us-central1-ai1a"]})
    assert environment_from_config(ai_zone, "test").clusters[0].tpu_slices[0].zones == ["us-central1-ai1a"]


def _override_row(row, **changes) -> dict[str, str]:
    cells = {name: row.model_dump()[name] for name in ("generation", "gke_accelerator", "machine_type", "chips_per_host", "hbm_per_chip_gib", "source", "as_of")}
    cells.update(single_host=str(row.single_host).lower(), topologies=" ".join(row.topologies), zones=" ".join(row.zones))
    cells.update(changes)
    return {key: str(value) for key, value in cells.items()}


def _write_tpus(directory: Path, rows: list[dict[str, str]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "tpus.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return directory


def test_a_generation_whose_zone_list_is_incomplete_is_not_refused(tmp_path):
    eight_chip = next(t for t in load_catalog().tpus if t.machine_type == "ct5lp-hightpu-8t")
    overrides = _write_tpus(tmp_path / "catalog", [_override_row(eight_chip, zones="us-central1-a")])  # no zones_complete_in
    raw = {**environment(zones=["us-west4-c"]), "catalog_overrides": str(overrides)}
    assert environment_from_config(raw, "test").clusters[0].zones == ["us-west4-c"]

    complete = _write_tpus(tmp_path / "complete", [_override_row(eight_chip, zones="us-west4-c", zones_complete_in="us", zones_source="our TAM")])
    raw["catalog_overrides"] = str(complete)
    assert environment_from_config(raw, "test").clusters[0].zones == ["us-west4-c"]
    raw["clusters"][0]["zones"] = ["us-west4-a"]
    (line,) = config_problems(raw)
    assert "v5e TPUs are not offered in us-west4-a; zones of us-west4 that offer it: us-west4-c (zone list: our TAM;" in line


def test_the_tpu_example_stack_runs_where_its_generation_is_offered():
    environment = read_environment(read_project(ROOT), "gke-tpu")
    cluster = environment.clusters[0]
    catalog = load_catalog()
    for tpu_slice in cluster.tpu_slices:
        rows = catalog.tpu_machines(tpu_slice.generation)
        for zone in tpu_slice.zones or cluster.zones:
            assert all(zone in row.zones for row in rows), (tpu_slice.generation, zone)
        assert all(row.zones_complete_in for row in rows)  # so the check ran
