"""Licences read on 2026-12-02 for releases teams import: the Stability AI Community License, whose grants end past
US$1,000,000 of the licensee's annual revenue (Stability-AI/stable-fast-3d LICENSE.md at ff21fc49), and Kimi K2.5's
modified MIT (MoonshotAI/Kimi-K2.5 LICENSE at 3e60763b), each judged for a model imported with
`hangar catalog import-model --licence ID`, offline and by the pack over gRPC.
"""

from __future__ import annotations

import json

import pytest
from hangar.policies.rules.base import LICENCE_NOTICES, LICENSING
from hangar.policies.rules.config import pack_config_for
from typer.testing import CliRunner

from hangar.catalog import CatalogError, load_catalog
from hangar.cli import app
from hangar.spec import Environment
from tests.catalog_overrides import override
from tests.licence_imports import imported, judged

STABILITY = "Stability AI Community License Agreement (Last Updated: July 5, 2024)"
CAP_DUTY = ("keeping the licensee's annual revenue (with its affiliates, from any source) at or under US$1,000,000, "
            "past which the licence ends and a separate one is needed")


def test_the_stability_row_is_read_from_stability_ais_own_copy():
    row = load_catalog().licence("stability-ai-community")
    assert (row.commercial_use, row.licensee_annual_revenue_cap_usd, row.mau_cap) == ("conditional", 1_000_000, None)
    assert (row.attribution_required, row.acceptable_use_policy, row.hosted_service_restricted, row.non_production_only) == (True, True, True, False)
    assert row.source.startswith("https://github.com/Stability-AI/stable-fast-3d/blob/ff21fc491b4dc5314bf6734c7c0dabd86b5f5bb2/")
    assert "'Powered by Stability AI'" in row.conditions and "register with Stability AI" in row.conditions
    assert not any(lic.licensee_annual_revenue_cap_usd for lic in load_catalog().licences.values() if lic.id != "stability-ai-community")


def test_a_stability_model_is_refused_once_the_declared_revenue_passes_the_cap(tmp_path):
    overrides = imported(tmp_path, "example-org/stable-2b", "stability-ai-community")
    assert judged("example-org/stable-2b", overrides, LICENSING, tier="prod", monthlyRevenueUsd=100_000) == [(
        f"chat: example-org/stable-2b: {STABILITY} (stability-ai-community) ends for a licensee whose annual revenue (with its affiliates, "
        "from any source) passes US$1,000,000; this stack declares US$100,000 monthly revenue (US$1,200,000 a year) for its product alone "
        "— a separate licence from the licensor is needed", "mandatory")]


@pytest.mark.parametrize("tier", ["dev", "prod"])
def test_under_the_cap_or_undeclared_a_stability_model_is_allowed_even_in_prod(tmp_path, tier):
    overrides = imported(tmp_path, "example-org/stable-2b", "stability-ai-community")
    assert judged("example-org/stable-2b", overrides, LICENSING, tier=tier, commercialUse=True, monthlyRevenueUsd=80_000) == []
    assert judged("example-org/stable-2b", overrides, LICENSING, tier=tier, commercialUse=True) == []


@pytest.mark.parametrize(
    ("revenue", "verdict"),
    [
        (None, "monthly revenue not declared (licence.monthly_revenue_usd in the stack config), so Hangar cannot tell whether it has been passed"),
        (50_000, "this stack declares US$50,000 monthly revenue (US$600,000 a year), its product's alone: the organisation's whole revenue decides"),
        (90_000, "passed: this stack declares US$90,000 monthly revenue (US$1,080,000 a year)"),
    ],
)
def test_the_notice_states_the_revenue_duty_and_what_the_declared_revenue_tells(tmp_path, revenue, verdict):
    overrides = imported(tmp_path, "example-org/stable-2b", "stability-ai-community")
    config = {} if revenue is None else {"monthlyRevenueUsd": revenue}
    ((notice, level),) = judged("example-org/stable-2b", overrides, LICENCE_NOTICES, hostedService=True, **config)
    assert level == "advisory"
    assert notice.startswith(f"chat: example-org/stable-2b: {STABILITY} comes with attribution, an acceptable-use policy, "
                             f"terms for hosting it as a service, {CAP_DUTY} — {verdict}: §II:")


def test_the_stack_config_passes_its_revenue_to_the_licensing_policy(aws_environment):
    env = Environment.model_validate({**aws_environment, "licence": {"monthly_revenue_usd": 120_000}})
    assert pack_config_for(env)[LICENSING]["monthlyRevenueUsd"] == 120_000
    undeclared = env.model_copy(update={"licence": env.licence.model_copy(update={"monthly_revenue_usd": None})})
    assert "monthlyRevenueUsd" not in pack_config_for(undeclared)[LICENSING]


def test_a_revenue_cap_on_a_licence_said_to_allow_any_commercial_use_is_refused(tmp_path):
    override(tmp_path, "licences.csv", "id", "mit", id="acme-capped", licensee_annual_revenue_cap_usd="5000000")
    with pytest.raises(CatalogError) as raised:
        load_catalog(tmp_path)
    assert "commercial_use" in str(raised.value) and "is 'conditional'" in str(raised.value)


def test_catalog_licences_shows_the_cap_and_the_k25_display_duty():
    table = CliRunner().invoke(app, ["catalog", "licences"], catch_exceptions=False, env={"COLUMNS": "400"}).stdout
    line = next(line for line in table.splitlines() if "stability-ai-community" in line)
    assert "│ conditional " in line and "ends past US$1,000,000/year licensee revenue" in line
    assert 'display "Kimi K2.5" past 100,000,000 MAU or US$20,000,000/month' in table
    rows = {row["id"]: row for row in json.loads(CliRunner().invoke(app, ["catalog", "licences", "--format", "json"], catch_exceptions=False).stdout)}
    assert (rows["stability-ai-community"]["licensee_annual_revenue_cap_usd"], rows["mit"]["licensee_annual_revenue_cap_usd"]) == (1_000_000, None)


# --- Kimi K2.5: its own row, the K2 text with "Kimi K2.5" to display -------------------------------------------------


def test_the_k25_row_differs_from_k2_only_in_the_name_to_display():
    catalog = load_catalog()
    k2, k25 = catalog.licence("kimi-k2-modified-mit"), catalog.licence("kimi-k2.5-modified-mit")
    assert k25.source == "https://github.com/MoonshotAI/Kimi-K2.5/blob/3e60763b943e93c443287c383e0468ffe05b188f/LICENSE"
    assert (k25.display_name, k2.display_name) == ("Kimi K2.5", "Kimi K2")
    assert (k25.display_mau_threshold, k25.display_monthly_revenue_usd_threshold) == (k2.display_mau_threshold, k2.display_monthly_revenue_usd_threshold)
    assert (k25.commercial_use, k25.attribution_required) == ("yes", True)


def test_a_k25_import_is_told_to_display_kimi_k25_past_the_users_threshold(tmp_path):
    overrides = imported(tmp_path, "moonshotai/Kimi-K2.5", "kimi-k2.5-modified-mit")
    assert judged("moonshotai/Kimi-K2.5", overrides, LICENSING, tier="prod", monthlyActiveUsers=150_000_000) == []
    ((notice, _),) = judged("moonshotai/Kimi-K2.5", overrides, LICENCE_NOTICES, monthlyActiveUsers=150_000_000, monthlyRevenueUsd=1_000)
    assert ('prominently displaying "Kimi K2.5" on the user interface of a commercial product past 100,000,000 monthly active users or '
            "US$20,000,000 monthly revenue — required now: this stack declares 150,000,000 monthly active users") in notice


def test_import_model_names_the_new_licences_among_those_it_knows(tmp_path):
    result = CliRunner().invoke(app, ["catalog", "import-model", "example-org/x", "--config", "missing.json", "--licence", "stability-community",
                                      "--overrides", str(tmp_path / "ours")], env={"COLUMNS": "400"})
    assert result.exit_code != 0
    assert "unknown licence 'stability-community'" in result.output
    assert "stability-ai-community" in result.output and "kimi-k2.5-modified-mit" in result.output
