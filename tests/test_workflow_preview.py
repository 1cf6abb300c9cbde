"""The pull request's `pulumi preview` jobs reference a GitHub environment of their own, so environment-scoped secrets
and variables reach them, without the deploy environments' reviewers, branch rules or OIDC subject; forks get none.

Why each choice (GitHub's docs, cited) is in hangar/gitops_pull_request.py's docstring; here the rendered workflows
are checked job by job and linted by actionlint with shellcheck.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from hangar.gitops_pull_request import SAME_REPOSITORY
from hangar.gitops_workflows import ACTIONLINT, DEPLOY, PULL_REQUEST, render_workflows
from tests.chart_login_standins import environments as with_mirrors
from tests.workflow_checks import WORKFLOWS, actionlint, deployed_by_a_job, environments, load, runs_on


def header(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.startswith("#"))


def lint(rendered: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    for path, text in rendered.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)  # actionlint reads .github/actionlint.yaml from the repository root
    return actionlint(Path(DEPLOY), Path(PULL_REQUEST), cwd=tmp_path)


def test_each_preview_references_its_tiers_preview_environment_and_files_no_deployment():
    previews, ups = load(WORKFLOWS / "pull-request.yml")["jobs"], load(WORKFLOWS / "deploy.yml")["jobs"]
    envs = environments()
    assert deployed_by_a_job(), "the examples deploy no stack from a job"
    for stack in deployed_by_a_job():
        tier = envs[stack].tier
        assert previews[f"preview-{stack}"]["environment"] == {"name": f"{tier}-preview", "deployment": False}, stack
        assert ups[f"up-{stack}"]["environment"] == tier  # never the deploy job's: its reviewers and branch rule stay on `pulumi up`
    assert previews["preview-eks-prod"]["environment"]["name"] == "prod-preview"
    assert previews["preview-aks-staging"]["environment"]["name"] == "staging-preview"
    assert previews["preview-gke-dev"]["environment"]["name"] == "dev-preview"
    assert not any("environment" in job for name, job in previews.items() if not name.startswith("preview-"))  # tests, check, diff hold no secret


def test_no_preview_for_a_pull_request_from_a_fork_on_any_runner():
    jobs = load(WORKFLOWS / "pull-request.yml")["jobs"]
    kinds = set()
    for stack in deployed_by_a_job():
        job = jobs[f"preview-{stack}"]
        assert job["if"] == f"contains(fromJSON(needs.diff.outputs.stacks), '{stack}') && {SAME_REPOSITORY}", stack
        kinds.add("self-hosted" in runs_on(job))
    assert kinds == {True, False}  # hosted runners (gke-dev) as well as self-hosted ones (eks-prod, edge)
    assert jobs["diff"]["steps"][-2]["if"] == SAME_REPOSITORY  # the comment is skipped for forks as before


def test_the_skip_notice_names_where_the_pulumi_credentials_may_be():
    jobs = load(WORKFLOWS / "pull-request.yml")["jobs"]
    creds = next(step for step in jobs["preview-eks-prod"]["steps"] if step.get("id") == "creds")
    assert "(in the repository or its prod-preview environment): pulumi preview is skipped" in creds["run"]


def test_the_pull_request_header_says_what_the_preview_environments_need():
    rendered = render_workflows(environments())
    text = header(rendered[PULL_REQUEST])
    assert "# Previews run in the GitHub environments dev-preview, staging-preview, prod-preview (deployment: false" in text
    assert "repo:ORG/REPO:environment:<tier>-preview, not :pull_request" in text
    assert "# No required reviewers there (every pull request would wait)" in text and "A pull request from a fork gets no preview." in text
    assert "Previews run in" not in header(rendered[DEPLOY])


def test_the_header_names_only_the_tiers_a_preview_runs_in():
    envs = {name: env for name, env in environments().items() if env.tier == "dev" or env.deployer.kind == "operator"}
    text = header(render_workflows(envs)[PULL_REQUEST])
    assert "the GitHub environments dev-preview (deployment: false" in text and "prod-preview" not in text
    operated = {name: env for name, env in environments().items() if env.deployer.kind == "operator"}
    assert operated, "the examples have no operator-deployed stack"
    rendered = render_workflows(operated)
    assert "Previews run in" not in header(rendered[PULL_REQUEST])  # no preview job, nothing to set up
    assert not any(name.startswith("preview-") for name in yaml.safe_load(rendered[PULL_REQUEST])["jobs"])


def test_a_site_mirrors_registry_secrets_reach_the_preview_through_its_environment():
    jobs = yaml.safe_load(render_workflows(with_mirrors({"edge": "oci://harbor.dc1.internal:8443/charts"}))[PULL_REQUEST])["jobs"]
    job = jobs["preview-edge"]
    [login] = [step for step in job["steps"] if "helm registry login" in step.get("run", "")]
    assert login["env"]["USERNAME"] == "${{ secrets.HELM_REGISTRY_USERNAME }}"  # a secret of staging-preview (or the repository)
    assert environments()["edge"].tier == "staging" and job["environment"] == {"name": "staging-preview", "deployment": False}


def test_the_rendered_previews_lint_clean_and_actionlint_checks_the_environment_keys(tmp_path: Path):
    rendered = render_workflows(with_mirrors({"edge": "oci://harbor.dc1.internal:8443/charts"}))
    result = lint(rendered, tmp_path / "good")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "good" / ACTIONLINT).is_file()
    broken = {**rendered, PULL_REQUEST: rendered[PULL_REQUEST].replace("\n      deployment: false\n", "\n      deploymnt: false\n", 1)}
    refused = lint(broken, tmp_path / "broken")
    assert refused.returncode == 1 and 'unexpected key "deploymnt" for "environment" section' in refused.stdout
