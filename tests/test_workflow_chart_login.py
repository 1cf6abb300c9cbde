"""A job whose stack pulls charts from an OCI mirror logs in to it with `helm registry login` before pulumi runs.

The example stacks get a `chart_repository` each (ECR on eks-prod, Artifact Registry on gke-dev, ACR on aks-staging,
a site registry on edge); the rendered workflows are checked step by step, linted by actionlint with shellcheck,
and each login script is run against stand-in `aws`/`az`/`gcloud`/`helm` commands that record what they were given.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from hangar.gitops_steps import WorkflowError
from hangar.gitops_workflows import ACTIONLINT, DEPLOY, PULL_REQUEST, render_workflows
from hangar.stackfile import environment_from_config, read_project, read_stack_config
from tests.chart_login_standins import CLOUD_LOGINS, MIRRORS, environments, stand_ins
from tests.conftest import ROOT
from tests.workflow_checks import actionlint


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return render_workflows(environments(MIRRORS))


def logins(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if "helm registry login" in step.get("run", "")]


EXPECTED = {
    "eks-prod": (
        {"REGISTRY": "111122223333.dkr.ecr.us-east-1.amazonaws.com", "REGION": "us-east-1"},
        'aws ecr get-login-password --region "$REGION" | helm registry login --username AWS --password-stdin "$REGISTRY"',
        "aws-actions/configure-aws-credentials",
    ),
    "gke-dev": (
        {"REGISTRY": "us-docker.pkg.dev"},
        'gcloud auth print-access-token | helm registry login "$REGISTRY" --username oauth2accesstoken --password-stdin',
        "google-github-actions/setup-gcloud",
    ),
    "aks-staging": (
        {"REGISTRY": "hangarmirror.azurecr.io", "ACR_NAME": "hangarmirror"},
        'az acr login --name "$ACR_NAME" --expose-token --output tsv --query accessToken'
        ' | helm registry login "$REGISTRY" --username 00000000-0000-0000-0000-000000000000 --password-stdin',
        "azure/login",
    ),
    "edge": (
        {"REGISTRY": "harbor.dc1.internal:8443", "USERNAME": "${{ secrets.HELM_REGISTRY_USERNAME }}", "PASSWORD": "${{ secrets.HELM_REGISTRY_PASSWORD }}"},
        'printf \'%s\' "$PASSWORD" | helm registry login "$REGISTRY" --username "$USERNAME" --password-stdin',
        None,
    ),
}


@pytest.mark.parametrize(("path", "prefix"), [(DEPLOY, "up-"), (PULL_REQUEST, "preview-")])
def test_each_job_logs_in_to_its_chart_mirror_after_its_cloud_login_and_before_pulumi(rendered, path, prefix):
    jobs = yaml.safe_load(rendered[path])["jobs"]
    for stack, (env, command, cloud_login) in EXPECTED.items():
        steps = jobs[f"{prefix}{stack}"]["steps"]
        [login] = logins(jobs[f"{prefix}{stack}"])
        assert login["name"] == f"Helm registry login to {env['REGISTRY']} (the chart mirror pulumi's Helm releases pull from)"
        assert login["env"] == env
        assert command in login["run"].splitlines()
        assert login["run"].startswith("command -v helm > /dev/null ||")
        where = steps.index(login)
        pulumi = next(i for i, step in enumerate(steps) if step.get("name") == "Install the Pulumi CLI")
        assert where < pulumi, stack
        if cloud_login:
            assert next(i for i, step in enumerate(steps) if step.get("uses", "").startswith(cloud_login)) < where, stack
        if prefix == "preview-":  # skipped like the rest when no Pulumi credentials are configured
            assert login["if"] == "steps.creds.outputs.ok == 'true'"
    for stack in ("gke-chat", "gke-tpu"):  # no chart mirror, no login
        assert logins(jobs[f"{prefix}{stack}"]) == []
    assert not any(logins(job) for name, job in jobs.items() if not name.startswith(prefix))


def test_the_workflows_with_chart_logins_lint_clean(rendered, tmp_path: Path):
    for path, text in rendered.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)  # actionlint finds .github/actionlint.yaml (the runner labels) from the repository root
    result = actionlint(Path(DEPLOY), Path(PULL_REQUEST), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / ACTIONLINT).is_file()


def test_the_needs_header_names_the_registry_secrets_and_the_cloud_mirrors_only_where_stacks_use_them(rendered):
    """The header lists what to set before the first run: the HELM_REGISTRY_* secrets appear once a job needs them."""
    for path in (DEPLOY, PULL_REQUEST):
        header = [line for line in rendered[path].splitlines() if line.startswith("#")]
        assert header[-2:] == [
            "# The HELM_REGISTRY_USERNAME + HELM_REGISTRY_PASSWORD secrets for the OCI chart mirror of edge (`helm registry login`).",
            "# Pull access to the ECR / Artifact Registry / ACR chart mirror of aks-staging, eks-prod, gke-dev for that job's cloud identity.",
        ]
    plain = render_workflows(environments({}))[DEPLOY]
    assert "HELM_REGISTRY" not in plain and "chart mirror" not in plain
    only_edge = render_workflows(environments({"edge": MIRRORS["edge"]}))[DEPLOY]
    assert "HELM_REGISTRY_USERNAME + HELM_REGISTRY_PASSWORD secrets for the OCI chart mirror of edge" in only_edge and "Pull access" not in only_edge


def test_one_login_per_registry_and_none_for_a_helm_repository_over_https():
    envs = environments({"eks-prod": "https://charts.corp.internal/hangar", "gke-dev": MIRRORS["gke-dev"]})
    jobs = yaml.safe_load(render_workflows(envs)[DEPLOY])["jobs"]
    assert logins(jobs["up-eks-prod"]) == []
    raw = read_stack_config(read_project(ROOT), "gke-chat")["hangar:environment"]
    raw["clusters"].append({**raw["clusters"][0], "name": "second", "chart_repository": "oci://us-docker.pkg.dev/hangar-dev/other"})
    raw["clusters"][0]["chart_repository"] = "oci://us-docker.pkg.dev/hangar-dev/charts"
    for deployment in raw["deployments"]:
        deployment["cluster"] = raw["clusters"][0]["name"]
    raw["gateway"]["cluster"] = raw["clusters"][0]["name"]
    envs["gke-chat"] = environment_from_config(raw, "Pulumi.gke-chat.yaml", base=ROOT)
    jobs = yaml.safe_load(render_workflows(envs)[DEPLOY])["jobs"]
    assert [step["env"] for step in logins(jobs["up-gke-chat"])] == [{"REGISTRY": "us-docker.pkg.dev"}]


def test_a_mirror_the_job_cannot_log_in_to_is_refused_naming_stack_key_and_value():
    envs = environments({"gke-dev": MIRRORS["eks-prod"], "edge": "oci://hangarmirror.azurecr.io/charts"})
    with pytest.raises(WorkflowError) as error:
        render_workflows(envs)
    assert str(error.value).splitlines() == [
        "stack gke-dev: clusters[0].chart_repository: 'oci://111122223333.dkr.ecr.us-east-1.amazonaws.com/charts' is an Amazon ECR "
        "registry, but the job logs in to AWS only for EKS clusters and this stack has none; name a chart repository the job reaches "
        "with the HELM_REGISTRY_USERNAME/HELM_REGISTRY_PASSWORD secrets (any other OCI registry) or a Helm repository over https",
        "stack edge: clusters[0].chart_repository: 'oci://hangarmirror.azurecr.io/charts' is an Azure Container Registry registry, "
        "but the job logs in to Azure only for AKS clusters and this stack has none; name a chart repository the job reaches "
        "with the HELM_REGISTRY_USERNAME/HELM_REGISTRY_PASSWORD secrets (any other OCI registry) or a Helm repository over https",
    ]


# --- the scripts, run -----------------------------------------------------------------------------------------


def run_login(step: dict[str, Any], where: Path, env: dict[str, str] | None = None, tools: tuple[str, ...] = ("helm", "aws", "az", "gcloud")):
    """Run a login step's script as GitHub runs `shell: bash`, stand-ins for the CLIs first on PATH; returns (exit status, calls, output)."""
    assert step["shell"] == "bash"
    bin_dir = stand_ins(where, tools)
    path = f"{bin_dir}:/usr/bin:/bin"
    assert "helm" in tools or shutil.which("helm", path=path) is None
    calls = where / "calls"
    variables = {key: value for key, value in step["env"].items() if not value.startswith("${{")}
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],  # GitHub's `shell: bash` (workflow syntax, jobs.<id>.steps[*].shell)
        env={"PATH": path, "CALLS": str(calls), "HOME": str(where), **variables, **(env or {})},
        capture_output=True,
        text=True,
    )
    return done.returncode, calls.read_text().splitlines() if calls.exists() else [], done.stdout + done.stderr


@pytest.mark.parametrize(("stack", "calls"), [(stack, CLOUD_LOGINS[stack]) for stack in ("eks-prod", "gke-dev", "aks-staging")])
def test_a_cloud_login_hands_the_vendors_token_to_helm_on_stdin(rendered, tmp_path: Path, stack: str, calls: list[str]):
    [step] = logins(yaml.safe_load(rendered[DEPLOY])["jobs"][f"up-{stack}"])
    status, recorded, output = run_login(step, tmp_path / "ok")
    assert status == 0, output
    assert sorted(recorded) == sorted(calls)  # the two ends of a pipe start in either order
    token_command = calls[0].split(" ", 1)[0]
    status, recorded, output = run_login(step, tmp_path / "failing", {"FAIL": token_command})
    assert status == 3, output  # pipefail: helm got no token, and the step fails with the token command's status


def test_a_site_registry_logs_in_with_the_secrets_and_says_which_are_missing(rendered, tmp_path: Path):
    [step] = logins(yaml.safe_load(rendered[DEPLOY])["jobs"]["up-edge"])
    status, recorded, output = run_login(step, tmp_path / "set", {"USERNAME": "robot$hangar", "PASSWORD": "s3cret"})
    assert status == 0, output
    assert recorded == ["helm [registry] [login] [harbor.dc1.internal:8443] [--username] [robot$hangar] [--password-stdin]", "stdin=s3cret"]
    status, recorded, output = run_login(step, tmp_path / "unset", {"USERNAME": "", "PASSWORD": ""})
    assert status == 1 and recorded == []
    assert "::error::set the HELM_REGISTRY_USERNAME and HELM_REGISTRY_PASSWORD secrets: the chart mirror harbor.dc1.internal:8443 needs a login" in output


def test_no_helm_on_the_runner_stops_the_job_saying_so(rendered, tmp_path: Path):
    [step] = logins(yaml.safe_load(rendered[DEPLOY])["jobs"]["up-eks-prod"])
    status, recorded, output = run_login(step, tmp_path / "no-helm", tools=("aws",))
    assert status == 1 and recorded == []
    assert "::error::install Helm 3.8 or later on this runner: pulumi pulls the charts from an OCI mirror" in output
