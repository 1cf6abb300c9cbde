"""Licences restored from their texts: CC BY-NC 4.0 (Creative Commons' legal code) and the NVIDIA Open Model License
(the October 24, 2025 version NVIDIA ships with its weights), each judged for a model imported with
`hangar catalog import-model --licence ID`, in dev and prod, offline and by the pack over gRPC.

The Mistral Research and Non-Production licences and the Qwen RESEARCH LICENSE stay out of the catalog: their
restricting clauses were not readable here (hangar/catalog/data/README.md); test_licensing_use_restrictions.py shows
how such a licence, added as an override row, is refused.
"""

from __future__ import annotations

import json

import pytest
from hangar.policies.rules.base import LICENCE_NOTICES, LICENSING
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.cli import app
from tests.licence_imports import CONFIG, imported, judged

CC = "Creative Commons Attribution-NonCommercial 4.0 International (CC BY-NC 4.0) (cc-by-nc-4.0)"
NVIDIA = "NVIDIA Open Model License Agreement (Last Modified: October 24, 2025)"
GUARDRAILS = "keeping the model's safety guardrails (bypassing or weakening one without a substantially similar guardrail ends the licence by itself)"


# --- CC BY-NC 4.0 -------------------------------------------------------------------------------------------------


def test_the_cc_by_nc_row_is_read_from_the_legal_code():
    cc = load_catalog().licence("cc-by-nc-4.0")
    assert (cc.commercial_use, cc.attribution_required, cc.acceptable_use_policy, cc.non_production_only, cc.research_only) == ("no", True, False, False, False)
    assert "'for NonCommercial purposes only'" in cc.conditions and "§3(a)" in cc.conditions
    assert "creativecommons/creativecommons.org" in cc.verified and cc.gated is None


def test_a_cc_by_nc_model_is_refused_in_prod_and_allowed_in_dev(tmp_path):
    overrides = imported(tmp_path, "example-org/nc-7b", "cc-by-nc-4.0")
    assert judged("example-org/nc-7b", overrides, LICENSING, tier="prod") == [
        (f"chat: example-org/nc-7b: {CC} allows non-commercial use only, and this is a prod stack", "mandatory")]
    assert judged("example-org/nc-7b", overrides, LICENSING, tier="dev", commercialUse=False) == []
    ((commercial, _),) = judged("example-org/nc-7b", overrides, LICENSING, tier="dev", commercialUse=True)
    assert commercial.endswith("allows non-commercial use only, and this stack declares commercial use")


def test_a_cc_by_nc_model_in_dev_is_told_to_attribute(tmp_path):
    overrides = imported(tmp_path, "example-org/nc-7b", "cc-by-nc-4.0")
    ((notice, level),) = judged("example-org/nc-7b", overrides, LICENCE_NOTICES)
    assert level == "advisory"
    assert notice.startswith("chat: example-org/nc-7b: Creative Commons Attribution-NonCommercial 4.0 International (CC BY-NC 4.0) comes with attribution: §2(a)(1)")


# --- NVIDIA Open Model License --------------------------------------------------------------------------------------


def test_the_nvidia_row_is_the_october_2025_text_with_its_guardrail_clause():
    nvidia = load_catalog().licence("nvidia-open-model-license")
    assert (nvidia.commercial_use, nvidia.attribution_required, nvidia.acceptable_use_policy, nvidia.guardrail_termination) == ("yes", True, True, True)
    assert "NVlabs/GR00T-WholeBodyControl/blob/1983e88888217f6c69283cf3a9d1af01e87f07af" in nvidia.source
    assert "'Licensed by NVIDIA Corporation under the NVIDIA Open Model License'" in nvidia.conditions
    assert not any(lic.guardrail_termination for lic in load_catalog().licences.values() if lic.id != "nvidia-open-model-license")


@pytest.mark.parametrize("tier", ["dev", "prod"])
def test_an_nvidia_open_model_is_allowed_in_dev_and_prod_even_for_commercial_use(tmp_path, tier):
    overrides = imported(tmp_path, "example-org/open-8b", "nvidia-open-model-license")
    assert judged("example-org/open-8b", overrides, LICENSING, tier=tier, commercialUse=True, monthlyActiveUsers=900_000_000) == []


def test_an_nvidia_open_model_comes_with_its_guardrail_and_notice_duties(tmp_path):
    overrides = imported(tmp_path, "example-org/open-8b", "nvidia-open-model-license")
    ((notice, _),) = judged("example-org/open-8b", overrides, LICENCE_NOTICES)
    assert notice.startswith(f"chat: example-org/open-8b: {NVIDIA} comes with attribution, an acceptable-use policy, {GUARDRAILS}: Preamble:")
    assert notice.endswith("(source: https://github.com/NVlabs/GR00T-WholeBodyControl/blob/1983e88888217f6c69283cf3a9d1af01e87f07af/decoupled_wbc/sim2mujoco/"
                           "resources/robots/g1/policy/NVIDIA%20Open%20Model%20License and "
                           "https://www.nvidia.com/en-us/agreements/enterprise-software/nvidia-open-model-license/, as of 2026-12-02)")


def test_a_fine_tune_of_an_nvidia_open_model_inherits_the_guardrail_duty(tmp_path):
    overrides = imported(tmp_path, "example-org/open-8b", "nvidia-open-model-license")
    result = CliRunner().invoke(app, ["catalog", "import-model", "example-org/open-8b-support", "--config", str(CONFIG), "--licence", "apache-2.0",
                                      "--base-model", "example-org/open-8b", "--overrides", overrides], catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    notices = [m for m, _ in judged("example-org/open-8b-support", overrides, LICENCE_NOTICES)]
    inherited = [m for m in notices if "(inherited from its base example-org/open-8b)" in m]
    assert len(inherited) == 1 and GUARDRAILS in inherited[0]


def test_catalog_licences_lists_both_with_their_terms():
    result = CliRunner().invoke(app, ["catalog", "licences"], catch_exceptions=False, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.count("│") > 2}
    assert "│ no " in lines["cc-by-nc-4.0"] and "│ attribution " in lines["cc-by-nc-4.0"]
    assert "│ yes " in lines["nvidia-open-model-license"] and "attribution, AUP, ends if guardrails are bypassed" in lines["nvidia-open-model-license"]
    as_json = CliRunner().invoke(app, ["catalog", "licences", "--format", "json"], catch_exceptions=False)
    rows = {row["id"]: row for row in json.loads(as_json.stdout)}
    assert (rows["nvidia-open-model-license"]["guardrail_termination"], rows["cc-by-nc-4.0"]["guardrail_termination"]) == (True, False)
