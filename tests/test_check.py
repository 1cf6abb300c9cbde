"""`hangar check` as a user and a CI pipeline run it: verdicts, exit codes, SARIF and Markdown."""

from __future__ import annotations

import json
import subprocess

from typer.testing import CliRunner

from hangar.cli import app
from tests.conftest import ROOT

runner = CliRunner()
BAD = str(ROOT / "tests" / "bad_stacks")


def check(*args: str):
    return runner.invoke(app, ["check", *args], catch_exceptions=False)


def violations(*args: str) -> list[dict]:
    result = check(*args, "--format", "json")
    return [v for stack in json.loads(result.stdout) for v in stack["violations"]]


READINESS_MISSING = {
    # What the examples really lack for serving readiness: a per-replica ReadWriteOnce weight cache (the spec's
    # default `weight_cache: pvc` for weights from the Hub) on GPU pools spanning zones, advised outside prod. eks-prod
    # (realtime, where it would be refused) stages its weights in a shared EFS store instead (weights.source: shared).
    ("aks-staging", "hangar-zonal-storage", "advisory"),
    ("gke-dev", "hangar-zonal-storage", "advisory"),
}
READINESS_POLICIES = {"hangar-zonal-storage", "hangar-autoscaler-metrics", "hangar-replica-room", "hangar-deploy-timeout", "hangar-schedulable-accelerators", "hangar-reachable-control-plane"}


def test_the_examples_carry_no_mandatory_violation_but_what_serving_readiness_finds_missing():
    result = check("--all", "-C", str(ROOT), "--format", "json")
    verdicts = json.loads(result.stdout)
    assert [v["stack"] for v in verdicts] == ["aks-staging", "edge", "eks-prod", "gke-chat", "gke-dev", "gke-tpu", "onprem"]
    readiness = {(stack["stack"], v["policy"], v["level"]) for stack in verdicts for v in stack["violations"] if v["policy"] in READINESS_POLICIES}
    assert readiness == READINESS_MISSING
    assert result.exit_code == (1 if any(level == "mandatory" for _, _, level in readiness) else 0), result.output
    others = [v for stack in verdicts for v in stack["violations"] if v["policy"] not in READINESS_POLICIES]
    assert all(v["level"] == "advisory" for v in others)
    # Every example is judged: only the edge site, whose amortised GPU rate is not given, cannot be priced.
    cannot_judge = {(stack["stack"], v["message"].split(":")[0]) for stack in verdicts for v in stack["violations"] if v["policy"] == "hangar-cannot-judge"}
    assert cannot_judge == {("edge", "cost unknown for pool l4 (hangar")}


def test_a_non_commercial_model_in_prod():
    found = violations("noncommercial-prod", "-C", BAD)
    assert {
        "policy": "hangar-licensing",
        "urn": next(v["urn"] for v in found if v["policy"] == "hangar-licensing"),
        "message": "command-r: CohereForAI/c4ai-command-r-v01: CC-BY-NC-4.0 + Cohere Labs (C4AI) Acceptable Use Policy (c4ai-cc-by-nc-4.0) allows non-commercial use only, and this is a prod stack",
        "level": "mandatory",
    } in found


def test_mau_above_the_licence_cap():
    found = [v["message"] for v in violations("mau-over-cap", "-C", BAD) if v["policy"] == "hangar-licensing"]
    assert found == [
        "llama-8b: meta-llama/Llama-3.1-8B-Instruct: Llama 3.1 Community License (llama-3.1-community) caps monthly active users at 700,000,000; "
        "this stack declares 800,000,000 — a separate licence is needed"
    ]


def test_a_70b_model_on_one_l4():
    (message,) = [v["message"] for v in violations("big-model-small-gpu", "-C", BAD) if v["policy"] == "hangar-hardware-fit"]
    assert message.startswith("llama-70b: meta-llama/Llama-3.3-70B-Instruct in bf16 on pool l4 (1 x L4 per node) does not fit: vLLM would not start: it needs ")


def test_fp8_on_an_a100():
    found = [v["message"] for v in violations("fp8-on-a100", "-C", BAD) if v["policy"] == "hangar-hardware-fit"]
    assert len(found) == 1 and found[0].startswith("qwen-7b: Qwen/Qwen2.5-7B-Instruct in fp8 on pool a100 (8 x A100-80GB per node): ")


def test_a_prod_budget_exceeded_by_max_size_pools():
    (found,) = [v for v in violations("over-budget", "-C", BAD) if v["policy"] == "hangar-budget"]
    assert found["level"] == "mandatory" and found["urn"] == ""
    assert found["message"].startswith("worst-case cost $")
    assert "exceeds the ceiling $100,000/month; largest: h100 (10 x p5.48xlarge) $396,288" in found["message"]


def test_a_public_endpoint_in_prod_is_refused_before_planning():
    result = check("public-endpoint-prod", "-C", BAD)
    assert result.exit_code == 2
    assert "hangar:environment.deployments[0].exposure.auth: a public endpoint in prod needs auth: api-key or oidc; got 'none'" in result.stderr


def test_raw_resources_of_a_foreign_program_are_judged():
    found = violations("prod", "-C", str(ROOT / "tests" / "raw_program"), "--policy-config", str(ROOT / "tests" / "raw_program" / "policy-prod.json"))
    messages = {(v["policy"], v["message"]) for v in found}
    assert ("hangar-hardware-fit", "gemma: requests 4 google.com/tpu, but pool l4-pool (1 x L4 per node) offers nvidia.com/gpu") in messages
    assert ("hangar-network-placement", "public-api: the EKS API endpoint is public to 0.0.0.0/0; set endpointPublicAccess false or list publicAccessCidrs") in messages
    assert any(p == "hangar-network-placement" and m.startswith("chat: the Service is an internet-facing load balancer") for p, m in messages)


def test_exit_1_on_a_mandatory_violation_and_a_table_by_default():
    result = check("over-budget", "-C", BAD)
    assert result.exit_code == 1
    assert "over-budget" in result.stdout and "hangar-budget" in result.stdout and "mandatory" in result.stdout


def test_sarif_points_at_the_stack_file_and_the_key():
    result = check("over-budget", "fp8-on-a100", "-C", BAD, "--format", "sarif")
    assert result.exit_code == 1
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    budget = next(r for r in results if r["ruleId"] == "hangar-budget")
    assert budget["level"] == "error"
    location = budget["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "tests/bad_stacks/stacks/Pulumi.over-budget.yaml"  # relative to the repository root
    budget_line = (ROOT / location["artifactLocation"]["uri"]).read_text().splitlines()[location["region"]["startLine"] - 1]
    assert budget_line.strip() == "monthly_ceiling_usd: 100000"
    fit = next(r for r in results if r["ruleId"] == "hangar-hardware-fit")
    line = fit["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert (ROOT / "tests" / "bad_stacks" / "stacks" / "Pulumi.fp8-on-a100.yaml").read_text().splitlines()[line - 1].strip() == "- name: qwen-7b"
    assert {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]} >= {"hangar-budget", "hangar-licensing"}


def test_markdown_for_a_pull_request_comment():
    result = check("over-budget", "-C", BAD, "--format", "markdown")
    mandatory = sum(v["level"] == "mandatory" for v in violations("over-budget", "-C", BAD))
    assert result.stdout.startswith(f"### Hangar policy check\n\n| stack | mandatory | advisory |\n|---|---:|---:|\n| ❌ `over-budget` | {mandatory} |")
    assert "<details><summary><code>over-budget</code>" in result.stdout


def test_a_bad_policy_config_exits_2(tmp_path):
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"hangar-budget": {"monthlyCeilingUsd": -5}}))
    result = check("eks-prod", "-C", str(ROOT), "--policy-config", str(config))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: stack eks-prod: {config}: hangar-budget.monthlyCeilingUsd: Input should be greater than 0; got -5"


def test_check_needs_stacks_or_all():
    result = check("-C", str(ROOT))
    assert result.exit_code == 2 and "name the stacks to check, or pass --all" in result.stderr


def test_catalog_overrides_price_an_on_prem_gpu_for_plan_check_and_pack(tmp_path):
    """Your own catalog rows, named in the stack config, reach the budget rule offline and in the pack."""
    import shutil

    from hangar.stack_policy import stack_policy_configs
    from hangar.stackfile import read_project
    from hangar.stackplan import plan_project_stack
    from tests.onprem_plans import edge_with_catalog_overrides
    from tests.pack_agreement import offline_verdicts, pack_verdicts

    edge = edge_with_catalog_overrides(tmp_path, "0.75")

    result = runner.invoke(app, ["check", "edge", "-C", str(tmp_path), "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not [v for v in json.loads(result.stdout)[0]["violations"] if v["policy"] == "hangar-cannot-judge"]

    cost = runner.invoke(app, ["cost", "edge", "-C", str(tmp_path), "--format", "json"], catch_exceptions=False)
    assert json.loads(cost.stdout)["totals"]["usd_per_month_max"] == 0.75 * 720

    (tmp_path / "stacks" / "Pulumi.edge.yaml").write_text(edge.replace("monthly_ceiling_usd: 600", "monthly_ceiling_usd: 500"))
    stack_plan = plan_project_stack(tmp_path, "edge")
    configs = stack_policy_configs(read_project(tmp_path), "edge", None)  # our-catalog/ is read from the project, whatever the working directory
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    verdicts = pack_verdicts(stack_plan.plan.resources, configs, pack_dir=tmp_path / "policies")  # the pack works from the project directory, where our-catalog/ is
    assert ("hangar-budget", "", "worst-case cost $540/month (every pool at max size) exceeds the ceiling $500/month; largest: l4 (1 x l4-box) $540", "mandatory") in verdicts
    assert verdicts == offline_verdicts(stack_plan.plan.resources, configs)


def _project_in(directory, over_budget: str) -> None:
    (directory / "stacks").mkdir(parents=True)
    (directory / "Pulumi.yaml").write_text(f"name: hangar\nruntime: python\nmain: {ROOT}\nstackConfigDir: stacks\n")
    (directory / "stacks" / "Pulumi.over-budget.yaml").write_text(over_budget)


def test_sarif_of_a_project_in_a_subfolder_is_relative_to_the_repository_root(tmp_path):
    over_budget = (ROOT / "tests" / "bad_stacks" / "stacks" / "Pulumi.over-budget.yaml").read_text()
    _project_in(tmp_path / "infra", over_budget)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = check("over-budget", "-C", str(tmp_path / "infra"), "--format", "sarif")
    location = json.loads(result.stdout)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "infra/stacks/Pulumi.over-budget.yaml"


def test_sarif_outside_git_is_relative_to_the_project(tmp_path):
    over_budget = (ROOT / "tests" / "bad_stacks" / "stacks" / "Pulumi.over-budget.yaml").read_text()
    _project_in(tmp_path / "infra", over_budget)
    result = check("over-budget", "-C", str(tmp_path / "infra"), "--format", "sarif")
    location = json.loads(result.stdout)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "stacks/Pulumi.over-budget.yaml"
