"""Weakening is visible: overridden catalog rows, lowered or disabled policies, waivers — named in every report.

Before (issue 16): a stack's own catalog overrides could turn a non-commercial licence into a
commercial one, give an L4 800 GiB or price a p5.48xlarge at $0.0001/h, and the verdict just
changed; a policy lowered to advisory or disabled in the policy config left no trace in the report.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hangar.cli import app
from tests.catalog_overrides import override, project
from tests.conftest import ROOT

runner = CliRunner()


def check_json(root: Path, stack: str, *extra: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["check", stack, "-C", str(root), "--format", "json", *extra])
    assert result.exit_code in (0, 1), result.output
    (verdict,) = json.loads(result.stdout)
    return result.exit_code, verdict


def test_a_prod_stack_may_not_make_a_non_commercial_licence_commercial(tmp_path: Path):
    root = project(tmp_path, "noncommercial-prod")
    override(root / "ours", "licences.csv", "id", "c4ai-cc-by-nc-4.0", commercial_use="yes")
    code, verdict = check_json(root, "noncommercial-prod")
    assert code == 1
    found = [v for v in verdict["violations"] if v["policy"] == "hangar-licensing"]
    assert [v["level"] for v in found] == ["mandatory"]
    assert found[0]["message"] == (
        "a prod verdict may not rest on an override of a packaged licence term or hardware fact: "
        "licences.csv row c4ai-cc-by-nc-4.0 (from ours/licences.csv): commercial_use no → yes; "
        "correct the catalog upstream, or allow it explicitly with hangar-licensing.allowFactOverrides: true"
    )
    assert "catalog override in force: licences.csv row c4ai-cc-by-nc-4.0 (from ours/licences.csv): commercial_use no → yes" in verdict["weakened"]


def test_allowing_fact_overrides_is_explicit_and_listed(tmp_path: Path):
    root = project(tmp_path, "noncommercial-prod")
    override(root / "ours", "licences.csv", "id", "c4ai-cc-by-nc-4.0", commercial_use="yes")
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"hangar-budget": {"monthlyCeilingUsd": 200000}, "hangar-licensing": {"tier": "prod", "catalogOverrides": "ours", "allowFactOverrides": True, "acceptedGatedModels": ["CohereForAI/c4ai-command-r-v01"]}}))
    code, verdict = check_json(root, "noncommercial-prod", "--policy-config", str(config))
    licensing = [(v["level"], v["message"]) for v in verdict["violations"] if v["policy"] == "hangar-licensing"]
    assert licensing == [("advisory", "this verdict rests on an overridden catalog row: licences.csv row c4ai-cc-by-nc-4.0 (from ours/licences.csv): commercial_use no → yes")]
    assert "hangar-licensing: allowFactOverrides lets prod verdicts rest on overridden licence terms or hardware facts" in verdict["weakened"]


def test_an_l4_with_800_gib_is_named_in_the_verdict_it_changes(tmp_path: Path):
    root = project(tmp_path, "big-model-small-gpu")  # a dev stack: the override is allowed, never silent
    override(root / "ours", "gpus.csv", "name", "L4", memory_gib="800")
    code, verdict = check_json(root, "big-model-small-gpu")
    fit = [(v["level"], v["message"]) for v in verdict["violations"] if v["policy"] == "hangar-hardware-fit"]
    assert ("advisory", "this verdict rests on an overridden catalog row: gpus.csv row L4 (from ours/gpus.csv): memory_gib 24.0 → 800.0") in fit
    assert not [level for level, _ in fit if level == "mandatory"]  # the override made it fit...
    assert "catalog override in force: gpus.csv row L4 (from ours/gpus.csv): memory_gib 24.0 → 800.0" in verdict["weakened"]  # ...and says so


def test_the_same_l4_override_in_prod_is_refused(tmp_path: Path):
    root = project(tmp_path, "big-model-small-gpu")
    stack_file = root / "stacks" / "Pulumi.big-model-small-gpu.yaml"
    stack_file.write_text(stack_file.read_text().replace("tier: dev", "tier: prod", 1))
    override(root / "ours", "gpus.csv", "name", "L4", memory_gib="800")
    code, verdict = check_json(root, "big-model-small-gpu")
    assert code == 1
    assert any(v["policy"] == "hangar-hardware-fit" and v["level"] == "mandatory" and "gpus.csv row L4 (from ours/gpus.csv): memory_gib 24.0 → 800.0" in v["message"] for v in verdict["violations"])


def test_a_price_override_is_allowed_but_named(tmp_path: Path):
    root = project(tmp_path, "over-budget")
    override(root / "ours", "instances.csv", "instance_type", "p5.48xlarge", price_ondemand_usd_hr="0.0001")
    code, verdict = check_json(root, "over-budget")
    budget = [(v["level"], v["message"]) for v in verdict["violations"] if v["policy"] == "hangar-budget"]
    assert budget == [("advisory", "this verdict rests on an overridden catalog row: instances.csv row aws p5.48xlarge us-east-1 (from ours/instances.csv): price_ondemand_usd_hr 55.04 → 0.0001")]
    table = runner.invoke(app, ["check", "over-budget", "-C", str(root)], env={"COLUMNS": "300"})
    assert "weakened: over-budget: catalog override in force: instances.csv row aws p5.48xlarge us-east-1 (from ours/instances.csv)" in table.stdout


def test_a_policy_lowered_or_disabled_is_listed_in_every_format(tmp_path: Path):
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"hangar-budget": {"enforcementLevel": "advisory", "monthlyCeilingUsd": 1000}, "hangar-licensing": "disabled"}))
    args = ["check", "prod", "-C", str(ROOT / "tests" / "raw_program"), "--policy-config", str(config)]
    expected = ["hangar-budget is advisory in the policy config (its default is mandatory)", "hangar-licensing is disabled in the policy config (its default is mandatory)"]
    as_json = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert as_json[0]["weakened"] == expected
    sarif = json.loads(runner.invoke(app, [*args, "--format", "sarif"]).stdout)
    assert sarif["runs"][0]["properties"]["weakened"] == {"prod": expected}
    markdown = runner.invoke(app, [*args, "--format", "markdown"]).stdout
    assert all(f"- ⚠️ `prod` weakened: {line}" in markdown for line in expected)
    table = runner.invoke(app, args, env={"COLUMNS": "300"}).stdout
    assert all(f"weakened: prod: {line}" in table for line in expected)


def test_an_undecodable_override_csv_names_its_file(tmp_path: Path):
    root = project(tmp_path, "over-budget")
    (root / "ours").mkdir()
    (root / "ours" / "instances.csv").write_bytes("cloud,instance_type\naws,caf\xe9\n".encode("latin-1"))
    result = runner.invoke(app, ["check", "over-budget", "-C", str(root)])
    assert result.exit_code == 2
    assert "ours/instances.csv: cannot be read: not UTF-8 text (invalid continuation byte at byte 27); save it as UTF-8 CSV" in result.stderr
    assert "Traceback" not in result.output


def test_no_overrides_no_weakening_for_a_prod_example():
    _, verdict = check_json(ROOT, "eks-prod")
    assert verdict["weakened"] == []


def test_the_pull_request_comment_lists_the_weakenings_too(tmp_path: Path):
    from tests.shop_repo import git

    root = project(tmp_path, "over-budget")
    override(root / "ours", "instances.csv", "instance_type", "p5.48xlarge", price_ondemand_usd_hr="0.0001")
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "base")
    markdown = runner.invoke(app, ["diff", "--all", "--base", "HEAD", "--format", "markdown", "-C", str(root)])
    assert markdown.exit_code == 0, markdown.output
    line = "- ⚠️ `over-budget` weakened: catalog override in force: instances.csv row aws p5.48xlarge us-east-1 (from ours/instances.csv): price_ondemand_usd_hr 55.04 → 0.0001"
    assert line in markdown.stdout.splitlines()
    as_json = json.loads(runner.invoke(app, ["diff", "--all", "--base", "HEAD", "--format", "json", "-C", str(root)]).stdout)
    assert as_json["stacks"][0]["weakened"]["head"] == [line.split("weakened: ", 1)[1]]


def test_the_generated_config_of_every_example_weakens_nothing():
    """`hangar policy-config` makes some policies advisory outside prod by design: that is their level there, not a weakening."""
    for stack in ("aks-staging", "edge", "eks-prod", "gke-dev", "gke-tpu", "onprem"):
        _, verdict = check_json(ROOT, stack)
        assert [line for line in verdict["weakened"] if "in the policy config" in line] == [], stack
