"""`hangar diff --base REF`: on a scripted git history, and the Markdown it posts on a pull request.

The scripted repository holds only a project file, the two-line program and one prod stack file:
its components, catalog and policies are the ones installed (as in a repository that depends on
Hangar). Its history: a base, a commit that resizes the GPU pool, a commit that swaps the model for
one whose licence forbids commercial use. The Markdown of a hand-built report is a snapshot
(`tests/__snapshots__/test_diff/*.md`; update with `pytest --snapshot-update` and review the diff).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hangar.policies.rules.base import Violation
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
from typer.testing import CliRunner

from hangar.cli import app
from hangar.cost import CostTotals
from hangar.diff import ABSENT, DiffReport, Side, diff_inputs, diff_stack, diff_violations
from hangar.diff_render import MARKER, format_value, to_markdown
from hangar.records import Plan, ResourceRecord
from tests.shop_repo import PROJECT, STACK, git, shop_project

runner = CliRunner()

FORBIDDEN_MODEL = "CohereForAI/c4ai-command-r-v01"  # CC-BY-NC-4.0: non-commercial only


class MarkdownSnapshot(SingleFileSnapshotExtension):
    file_extension = "md"
    _write_mode = WriteMode.TEXT


@pytest.fixture
def md_snapshot(snapshot):
    return snapshot.use_extension(MarkdownSnapshot)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """base → "resize the h100 pool" → "swap the model", committed; the working tree is the last commit."""
    root = tmp_path_factory.mktemp("shop")
    stack_file = shop_project(root)
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "shop-prod: one H100 node, Llama 3.1 8B")
    stack_file.write_text(STACK.replace("max_nodes: 2", "max_nodes: 4"))
    git(root, "commit", "--quiet", "-am", "shop-prod: let the h100 pool grow to 4 nodes")
    stack_file.write_text(stack_file.read_text().replace("model: meta-llama/Llama-3.1-8B-Instruct", f"model: {FORBIDDEN_MODEL}"))
    git(root, "commit", "--quiet", "-am", "shop-prod: serve Command R")
    return root


def run_diff(repo: Path, *args: str):
    return runner.invoke(app, ["diff", *args, "-C", str(repo)], catch_exceptions=False, env={"COLUMNS": "200"})


def stack_json(repo: Path, base: str) -> dict:
    result = run_diff(repo, "--base", base, "--all", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [s["stack"] for s in document["stacks"]] == ["shop-prod"]
    return document["stacks"][0]


# --- the scripted history ----------------------------------------------------------------------------------


def test_resize_and_forbidden_licence_show_cost_change_and_new_violation(repo):
    shop = stack_json(repo, "HEAD~2")
    assert shop["status"] == "changed" and not shop["errors"]
    pool = next(c for c in shop["resources"]["changes"] if c["type"] == "aws:eks/nodeGroup:NodeGroup" and c["name"].endswith("h100"))
    assert {"path": "scalingConfig.maxSize", "before": 2, "after": 4} in pool["inputs"]
    before, after = shop["cost"]["before"], shop["cost"]["after"]
    assert before["complete"] and after["complete"]
    assert after["usd_per_month_min"] == pytest.approx(before["usd_per_month_min"])  # min size unchanged
    two_more_p5 = after["usd_per_month_max"] - before["usd_per_month_max"]  # two more p5.48xlarge at max size
    assert 50_000 < two_more_p5 < 100_000 and shop["cost"]["delta_usd_per_month_max"] == pytest.approx(two_more_p5)
    new = shop["violations"]["new"]
    licensing = [v for v in new if v["policy"] == "hangar-licensing"]
    assert any("non-commercial" in v["message"] and v["level"] == "mandatory" and v["urn"].endswith("assistant") for v in licensing), new
    assert shop["resources"]["added"] == 0 and shop["resources"]["removed"] == 0
    model_paths = [c for change in shop["resources"]["changes"] for c in change.get("inputs", ()) if c.get("after") == FORBIDDEN_MODEL]
    assert model_paths, "the model id appears among the changed inputs"


def test_each_commit_alone(repo):
    resize = stack_json(repo, "HEAD~2")
    swap_only = stack_json(repo, "HEAD~1")
    assert swap_only["cost"]["delta_usd_per_month_max"] == 0  # the swap changes no hardware
    assert any(v["policy"] == "hangar-licensing" for v in swap_only["violations"]["new"])
    assert swap_only["violations"]["new"] == [v for v in resize["violations"]["new"]]
    unchanged = stack_json(repo, "HEAD")
    assert unchanged["status"] == "unchanged" and unchanged["resources"]["changes"] == [] and unchanged["violations"] == {"new": [], "fixed": []}


def test_markdown_from_the_scripted_history(repo):
    result = run_diff(repo, "--base", "HEAD~2", "shop-prod", "--format", "markdown")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith(MARKER + "\n### Hangar diff against `HEAD~2` (")
    row = next(line for line in text.splitlines() if line.startswith("| `shop-prod` |"))
    assert "→" in row and "at max)" in row and "❌" in row and "0 fixed" in row
    assert "<details><summary><code>shop-prod</code>" in text and "**New violations**" in text
    assert "`scalingConfig.maxSize`: `2` → `4`" in text
    assert "non-commercial" in text


def test_table_output_and_stacks_on_one_side(repo, tmp_path):
    result = run_diff(repo, "--base", "HEAD~2", "--all")
    assert result.exit_code == 0, result.output
    assert "shop-prod" in result.stdout and "scalingConfig.maxSize: 2 → 4" in result.stdout
    # A stack that only the working tree has is new, whole.
    extra = repo / "stacks" / "Pulumi.shop-dev.yaml"
    extra.write_text(STACK.replace("shop-prod", "shop-dev").replace("tier: prod", "tier: dev"))
    try:
        added = run_diff(repo, "--base", "HEAD", "shop-dev", "--format", "json")
    finally:
        extra.unlink()
    assert added.exit_code == 0, added.output
    document = json.loads(added.stdout)["stacks"][0]
    assert document["status"] == "added" and document["resources"]["removed"] == 0 and document["resources"]["added"] > 10
    assert document["cost"]["before"] is None and document["cost"]["delta_usd_per_month_max"] == pytest.approx(document["cost"]["after"]["usd_per_month_max"])


def test_the_users_tree_is_not_touched(repo):
    status_before = git(repo, "status", "--porcelain", "--untracked-files=all")
    run_diff(repo, "--base", "HEAD~1", "--all", "--format", "json")
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == status_before
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1  # the temporary worktree is gone
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "main"


def test_the_base_runs_its_own_copy_of_a_package_it_holds(tmp_path):
    """A base that holds a `hangar` package is planned with that copy only, never topped up with today's modules."""
    root = tmp_path / "vendored"
    shop_project(root)
    (root / "hangar").mkdir()
    (root / "hangar" / "__init__.py").write_text('"""An old vendored copy: no planner in it."""\n')
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "vendored hangar")
    (root / "hangar" / "__init__.py").unlink()
    (root / "hangar").rmdir()  # the working tree uses the installed hangar
    result = run_diff(root, "--base", "HEAD", "--all", "--format", "json")
    assert result.exit_code == 0, result.output
    (shop,) = json.loads(result.stdout)["stacks"]
    assert shop["status"] == "error"
    (error,) = shop["errors"]
    assert error.startswith("base: the base checkout could not be planned") and "'hangar.plan' in the base checkout" in error


def test_bad_input_exits_2(repo, tmp_path):
    unknown_ref = run_diff(repo, "--base", "no-such-branch", "--all")
    assert unknown_ref.exit_code == 2 and "no such commit" in unknown_ref.output
    no_stacks = run_diff(repo, "--base", "HEAD")
    assert no_stacks.exit_code == 2 and "--all" in no_stacks.output
    unknown_stack = run_diff(repo, "--base", "HEAD", "nope")
    assert unknown_stack.exit_code == 2 and "shop-prod" in unknown_stack.output
    (tmp_path / "Pulumi.yaml").write_text(PROJECT)
    not_a_repo = runner.invoke(app, ["diff", "--base", "HEAD", "--all", "-C", str(tmp_path)])
    assert not_a_repo.exit_code == 2 and "not inside a git repository" in not_a_repo.output


def test_a_broken_head_is_reported_then_exits_2(repo):
    stack_file = repo / "stacks" / "Pulumi.shop-prod.yaml"
    good = stack_file.read_text()
    stack_file.write_text(good.replace("tier: prod", "tier: production"))
    try:
        result = run_diff(repo, "--base", "HEAD~1", "--all", "--format", "markdown")
    finally:
        stack_file.write_text(good)
    assert result.exit_code == 2
    assert "⚠ not planned" in result.stdout and "tier" in result.output


# --- pure parts ----------------------------------------------------------------------------------------------


def test_diff_inputs_paths_and_values():
    before = {"scalingConfig": {"maxSize": 2.0, "minSize": 1.0}, "labels": {"hangar.dev/model": "a"}, "args": ["--x", "1"], "password": "[secret]"}
    after = {"scalingConfig": {"maxSize": 4.0, "minSize": 1}, "labels": {"hangar.dev/model": "b"}, "args": ["--x"], "password": "[secret]", "new": True}
    changes = {c.path: (c.before, c.after) for c in diff_inputs(before, after)}
    assert set(changes) == {"scalingConfig.maxSize", 'labels["hangar.dev/model"]', "args[1]", "new"}
    assert format_value(changes["args[1]"][1]) == "(absent)" and format_value(4.0) == "4" and format_value("[secret]") == "[secret]"
    long_a, long_b = "x" * 100 + "tail-a", "x" * 100 + "tail-b"
    assert format_value(long_a, long_b) != format_value(long_b, long_a) and "tail-a" in format_value(long_a, long_b)


def test_violations_matched_by_policy_and_resource():
    old = [Violation("hangar-budget", "", "costs $100", "mandatory"), Violation("hangar-licensing", "urn:a", "bad", "mandatory")]
    new = [Violation("hangar-budget", "", "costs $120", "mandatory"), Violation("hangar-hardware-fit", "urn:a", "too big", "mandatory")]
    added, fixed = diff_violations(old, new)
    assert [v.policy for v in added] == ["hangar-hardware-fit"] and [v.policy for v in fixed] == ["hangar-licensing"]


# --- the Markdown, as a snapshot ---------------------------------------------------------------------------


def _record(stack: str, type_: str, name: str, **inputs) -> ResourceRecord:
    return ResourceRecord(f"urn:pulumi:{stack}::shop::{type_}::{name}", type_, name, None, True, inputs)


def _cost(low: float, high: float, unpriced: tuple[str, ...] = ()) -> CostTotals:
    return CostTotals(complete=not unpriced, known_usd_per_hour_min=low / 720, known_usd_per_hour_max=high / 720, spot_usd_per_hour_max=0.0, unpriced=unpriced)


def sample_report() -> DiffReport:
    pool_type, sts = "aws:eks/nodeGroup:NodeGroup", "kubernetes:apps/v1:StatefulSet"
    base_prod = Plan("shop", "prod", (
        _record("prod", pool_type, "prod-h100", scalingConfig={"minSize": 1.0, "maxSize": 2.0}, instanceTypes=["p5.48xlarge"]),
        _record("prod", sts, "assistant", spec={"replicas": 1.0, "args": ["--model", "meta-llama/Llama-3.1-8B-Instruct"]}, token="[secret]"),
        _record("prod", "kubernetes:core/v1:ConfigMap", "old-dashboard", data={"a": "b"}),
    ))
    head_prod = Plan("shop", "prod", (
        _record("prod", pool_type, "prod-h100", scalingConfig={"minSize": 1.0, "maxSize": 4.0}, instanceTypes=["p5.48xlarge"]),
        _record("prod", sts, "assistant", spec={"replicas": 1.0, "args": ["--model", FORBIDDEN_MODEL]}, token="[secret]"),
        _record("prod", "kubernetes:core/v1:Service", "assistant-metrics", spec={"type": "ClusterIP"}),
    ))
    licence = Violation("hangar-licensing", "urn:pulumi:prod::shop::kubernetes:apps/v1:StatefulSet::assistant",
                        f"assistant: {FORBIDDEN_MODEL}: CC-BY-NC-4.0 allows non-commercial use only, and this is a prod stack", "mandatory")
    notice = Violation("hangar-licence-notices", "urn:pulumi:prod::shop::kubernetes:apps/v1:StatefulSet::assistant", "Llama: display 'Built with Llama'", "advisory")
    dev_plan = Plan("shop", "dev", (_record("dev", pool_type, "dev-l4", scalingConfig={"minSize": 0.0, "maxSize": 1.0}),))
    edge_plan = Plan("shop", "edge", (_record("edge", "hangar:onprem:GpuNodePool", "site-l4", gpu="L4"),))
    return DiffReport("origin/main", "0123456789abcdef0123456789abcdef01234567", (
        diff_stack("dev", Side(plan=dev_plan, cost=_cost(0, 587.52), violations=()), Side(plan=dev_plan, cost=_cost(0, 587.52), violations=())),
        diff_stack("edge", ABSENT, Side(plan=edge_plan, cost=_cost(0, 0, ("l4 (hangar:onprem:GpuNodePool site-l4): no price for L4",)), violations=())),
        diff_stack("prod", Side(plan=base_prod, cost=_cost(39_767, 79_465), violations=(notice,)),
                   Side(plan=head_prod, cost=_cost(39_767, 158_930), violations=(licence,))),
    ))


def test_markdown_snapshot(md_snapshot):
    text = to_markdown(sample_report())
    assert text == md_snapshot
    assert text.count("<details>") == 2  # unchanged stacks are not folded out


def test_json_of_the_sample_report():
    document = sample_report().to_json()
    prod = document["stacks"][2]
    assert prod["resources"] | {"changes": None} == {"added": 1, "changed": 2, "removed": 1, "changes": None}
    assert prod["cost"]["delta_usd_per_month_max"] == pytest.approx(79_465)
    edge = document["stacks"][1]
    assert edge["status"] == "added" and edge["cost"]["after"]["usd_per_month_max"] is None and edge["cost"]["delta_usd_per_month_max"] is None
