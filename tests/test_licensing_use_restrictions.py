"""A licence that allows research or non-production use only is refused in prod and wherever commercial use is declared.

No packaged licence has these terms today (the texts of the Mistral Non-Production and Qwen Research licences were
not read here, so their rows are left out: hangar/catalog/data/README.md); an organisation adds such a licence as a
catalog override row, and the rule judges it the same way.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hangar.policies.rules.base import LICENSING

from hangar.catalog import load_catalog
from tests.policy_records import messages, vllm

BASE = load_catalog().model("Qwen/Qwen3-8B")


def _overrides(directory: Path, **terms: str) -> str:
    licence = {
        "id": "acme-eval", "name": "Acme Evaluation Licence", "commercial_use": "no", "non_production_only": "false", "research_only": "false",
        "attribution_required": "false", "acceptable_use_policy": "false", "hosted_service_restricted": "false", "eu_multimodal_restriction": "false",
        "conditions": "evaluation only", "source": "acme legal, contract 2026-17", "as_of": "2026-12-01", "verified": "the signed contract", **terms,
    }
    model = {**BASE.model_dump(mode="json", exclude={"multimodal", "base_model", "revision"}), "hf_id": "acme/eval-8b", "licence_id": "acme-eval",
             "config_verified": False, "source": "acme's own model; config.json not imported"}
    for name, row in (("licences.csv", licence), ("models.csv", model)):
        with (directory / name).open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(row))
            writer.writeheader()
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return str(directory)


def _refusals(workload, config: dict) -> list[str]:
    # the rule also lists the override rows its verdict rests on; these tests are about the refusal itself
    return [m for m in messages(workload, LICENSING, {LICENSING: config}) if not m.startswith("this verdict rests on an overridden catalog row")]


@pytest.mark.parametrize("terms, kind", [({"research_only": "true"}, "research"), ({"non_production_only": "true"}, "non-production"), ({}, "non-commercial")])
def test_a_restricted_licence_is_refused_in_prod_and_for_commercial_use(tmp_path, terms, kind):
    overrides = _overrides(tmp_path, **terms)
    workload = [vllm("eval", "acme/eval-8b", pool="x")]
    (prod,) = _refusals(workload, {"tier": "prod", "commercialUse": False, "catalogOverrides": overrides})
    assert prod == f"eval: acme/eval-8b: Acme Evaluation Licence (acme-eval) allows {kind} use only, and this is a prod stack"
    (commercial,) = _refusals(workload, {"tier": "dev", "commercialUse": True, "catalogOverrides": overrides})
    assert commercial.endswith(f"allows {kind} use only, and this stack declares commercial use")
    assert _refusals(workload, {"tier": "dev", "commercialUse": False, "catalogOverrides": overrides}) == []
