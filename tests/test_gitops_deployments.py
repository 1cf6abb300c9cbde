"""A stack Pulumi Deployments deploys logs in to its OCI chart mirror in the pre-run commands of its deployment settings.

`hangar gitops deployment-settings` prints the settings PATCH body; each pre-run command is run here as Deployments
runs one (its own shell) against a stand-in `helm` (the recorder of tests/chart_login_standins.py). Cloud
registries are refused with the reason, as is a stack another deployer runs.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.cli import app
from hangar.gitops_deployments import DeploymentsError, deployment_settings
from hangar.gitops_workflows import DEPLOY, render_workflows
from hangar.spec import Deployer, Environment
from tests.chart_login_standins import MIRRORS, environments, stand_ins
from tests.conftest import ROOT

runner = CliRunner()
DEPLOYMENTS = Deployer(kind="pulumi-deployments", agent_pool="site-pool")


def by_deployments(stack: str, repository: str) -> Environment:
    return environments({stack: repository})[stack].model_copy(update={"deployer": DEPLOYMENTS})


def run_pre_run(command: str, where: Path, env: dict[str, str]) -> tuple[int, list[str], str]:
    """One pre-run command in its own shell, a stand-in helm first on PATH."""
    stand_ins(where, ("helm",))
    calls = where / "calls"
    done = subprocess.run(["sh", "-c", command], env={"PATH": f"{where / 'bin'}:/usr/bin:/bin", "CALLS": str(calls), **env}, capture_output=True, text=True)
    return done.returncode, calls.read_text().splitlines() if calls.exists() else [], done.stdout + done.stderr


def test_a_site_registry_logs_in_before_pulumi_with_the_settings_secret_variables(tmp_path: Path):
    bodies = deployment_settings({"edge": by_deployments("edge", MIRRORS["edge"])})
    (command,) = bodies["edge"]["operationContext"]["preRunCommands"]
    assert set(bodies) == {"edge"} and set(bodies["edge"]) == {"operationContext"}  # nothing else of the settings is touched
    assert command.startswith("bash -o pipefail -c ")
    assert "s3cret" not in json.dumps(bodies)
    status, calls, output = run_pre_run(command, tmp_path / "set", {"HELM_REGISTRY_USERNAME": "robot$hangar", "HELM_REGISTRY_PASSWORD": "s3cret"})
    assert status == 0, output
    assert calls == ["helm [registry] [login] [harbor.dc1.internal:8443] [--username] [robot$hangar] [--password-stdin]", "stdin=s3cret"]
    status, calls, output = run_pre_run(command, tmp_path / "unset", {})
    assert status == 1 and calls == []
    assert "set HELM_REGISTRY_USERNAME and HELM_REGISTRY_PASSWORD as secret environment variables of the deployment settings" in output
    status, calls, output = run_pre_run(command, tmp_path / "failing", {"HELM_REGISTRY_USERNAME": "u", "HELM_REGISTRY_PASSWORD": "p", "FAIL": "helm"})
    assert status == 3, output  # a refused login fails the deployment before pulumi runs


def test_cloud_registries_and_other_deployers_are_refused_with_the_reason():
    with pytest.raises(DeploymentsError) as error:
        deployment_settings({"gke-dev": by_deployments("gke-dev", MIRRORS["gke-dev"]), "eks-prod": environments({})["eks-prod"]})
    assert str(error.value).splitlines() == [
        "stack eks-prod: its deployer is kind self-hosted-runner, not Pulumi Deployments: its deployment settings are not Hangar's to write",
        "stack gke-dev: clusters[0].chart_repository: 'oci://us-docker.pkg.dev/hangar-dev/charts' is an Artifact Registry registry, whose login "
        "needs the cloud's CLI signed in, and Pulumi documents no cloud session for Deployments' pre-run commands; name a registry it logs in "
        "to with the HELM_REGISTRY_USERNAME/HELM_REGISTRY_PASSWORD environment variables, or run the stack from a workflow",
    ]
    with pytest.raises(DeploymentsError, match="stack edge: no `oci://` chart_repository: Pulumi Deployments needs no registry login for it"):
        deployment_settings({"edge": by_deployments("edge", "https://charts.dc1.internal/hangar")})


def test_the_command_prints_the_bodies_and_says_when_there_is_nothing_to_write(tmp_path: Path):
    project = tmp_path / "infra"
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    text = (ROOT / "stacks" / "Pulumi.edge.yaml").read_text()
    text = text.replace("      kind: self-hosted-runner\n      runner_labels: [self-hosted, linux, edge-site]\n", "      kind: pulumi-deployments\n      agent_pool: site-pool\n")
    assert "pulumi-deployments" in text
    (project / "stacks" / "Pulumi.edge.yaml").write_text(text)
    nothing = runner.invoke(app, ["gitops", "deployment-settings", "-C", str(project)])
    assert nothing.exit_code == 2
    assert "no stack deployed by Pulumi Deployments pulls its charts from an oci:// chart_repository" in nothing.output
    text = text.replace("        distribution: k3s\n", f"        distribution: k3s\n        chart_repository: {MIRRORS['edge']}\n")
    (project / "stacks" / "Pulumi.edge.yaml").write_text(text)
    printed = runner.invoke(app, ["gitops", "deployment-settings", "-C", str(project)])
    assert printed.exit_code == 0, printed.output
    bodies = json.loads(printed.stdout)
    assert list(bodies) == ["edge"] and len(bodies["edge"]["operationContext"]["preRunCommands"]) == 1
    refused = runner.invoke(app, ["gitops", "deployment-settings", "eks-prod", "-C", str(ROOT)])
    assert refused.exit_code == 2 and "stack eks-prod: its deployer is kind self-hosted-runner, not Pulumi Deployments" in refused.output


def test_the_workflows_header_points_a_deployments_stack_with_a_mirror_to_its_settings():
    envs = environments({})
    envs["edge"] = by_deployments("edge", MIRRORS["edge"])
    header = [line for line in render_workflows(envs)[DEPLOY].splitlines() if line.startswith("#   edge ")]
    assert header == ["#   edge (staging): Pulumi Deployments, agent pool site-pool; no job here; its chart-mirror login: `hangar gitops deployment-settings`"]
    envs["edge"] = by_deployments("edge", "https://charts.dc1.internal/hangar")
    assert "deployment-settings" not in render_workflows(envs)[DEPLOY]
