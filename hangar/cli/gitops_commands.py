"""`hangar gitops render`: Pulumi Kubernetes Operator objects for each environment (see hangar/gitops.py);
`hangar gitops workflows`: the GitHub Actions workflows, from each stack's `deployer:` (hangar/gitops_workflows.py);
`hangar gitops deployment-settings`: Pulumi Deployments' pre-run chart-mirror logins (hangar/gitops_deployments.py).

Defaults come from the repository: `--repo` from the `origin` remote (an ssh remote is rendered
as its https URL), `--branch` from origin's default branch (else `main`), the project directory
inside the repository, the project name from Pulumi.yaml, and the workspace image from the Pulumi
SDK installed here (`pulumi/pulumi:<version>-nonroot`, the CLI of the same release).
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hangar.cli.app import ProjectOption, app, fail, out
from hangar.cli.formatting import print_json
from hangar.gitops import GitopsError, GitopsSettings, operator_stacks, render, to_yaml
from hangar.gitops_chart_login import chart_mirrors
from hangar.gitops_deploy import longest_await_seconds
from hangar.gitops_deployments import DeploymentsError, deployment_settings, deployments_stacks
from hangar.gitops_steps import WorkflowError
from hangar.gitops_workflows import DEPLOY, GENERATED_HEADER, render_workflows
from hangar.stackfile import PulumiProject, StackConfigError, read_environment, read_project
from hangar.starter_workflows import layout_of, render_for_project, uses_installed_hangar

if TYPE_CHECKING:  # only for annotations: the spec (pydantic) loads when a stack is read
    from hangar.spec import Environment

gitops_app = typer.Typer(help="GitOps: objects for a cluster that runs the stacks itself (Pulumi Kubernetes Operator).", no_args_is_help=True)
app.add_typer(gitops_app, name="gitops")


def read_environments(project: Path, stacks: list[str] | None) -> tuple[PulumiProject, dict[str, Environment]]:
    """The project and the environments of `stacks` (default: its every stack), or the bad-input exit naming each config problem."""
    try:
        pulumi_project = read_project(project)
        return pulumi_project, {name: read_environment(pulumi_project, name) for name in (stacks or pulumi_project.stacks())}
    except StackConfigError as error:
        raise fail([str(p) for p in error.problems])


@gitops_app.command("render")
def render_command(
    stacks: list[str] | None = typer.Argument(None, help="Environments to render (default: every stack whose deployer is the operator)."),
    out_dir: Path | None = typer.Option(None, "--out", help="Write one file per environment, a namespace and a kustomization.yaml here (default: print)."),
    repo: str | None = typer.Option(None, "--repo", help="Repository URL the operator clones (default: the origin remote)."),
    branch: str | None = typer.Option(None, "--branch", help="Branch the operator follows (default: origin's default branch, else main)."),
    backend: str | None = typer.Option(None, "--backend", help="State backend URL, e.g. s3://bucket (default: Pulumi Cloud)."),
    organization: str | None = typer.Option(None, "--org", help="Pulumi Cloud organisation: stacks are named ORG/PROJECT/STACK."),
    namespace: str = typer.Option("hangar", "--namespace", help="Namespace of the Stack objects and their Secrets."),
    credentials_secret: str = typer.Option("hangar-pulumi", "--credentials-secret", help="Secret with key accessToken (Pulumi Cloud) or passphrase."),
    git_secret: str | None = typer.Option(None, "--git-secret", help="Secret with key accessToken (https) or sshPrivateKey, for a private repository."),
    secrets_provider: str | None = typer.Option(None, "--secrets-provider", help="e.g. awskms://alias/hangar?region=us-east-1."),
    image: str | None = typer.Option(None, "--image", help="Workspace image (default: pulumi/pulumi:<installed SDK version>-nonroot)."),
    registry_secret: str = typer.Option(
        "hangar-helm-registry", "--registry-secret", help="Secret with keys username and password, for an OCI chart mirror that is no cloud's registry."
    ),
    project: Path = ProjectOption,
) -> None:
    """Render a Pulumi Kubernetes Operator `Stack` (with its ServiceAccount) per environment, for Argo CD or Flux to apply."""
    pulumi_project, environments = read_environments(project, stacks)
    if not stacks:  # by default, the environments whose deployer is the operator
        environments = {name: environments[name] for name in operator_stacks(environments)}
        if not environments:
            raise fail(["no stack declares `deployer: {kind: operator}`: the operator deploys none of them"])
    top = _git(project, "rev-parse", "--show-toplevel")
    repo_dir = ""
    if top:
        relative = project.resolve().relative_to(Path(top).resolve()).as_posix()
        repo_dir = "" if relative == "." else relative
    if repo is not None and has_credentials(repo):
        # Never echo the URL: it holds the credential.
        raise fail(["--repo: the URL holds credentials (user:token@host); give it without them, and the token in the Secret named by --git-secret"])
    url = repo or https_url(_git(project, "remote", "get-url", "origin"))
    if not url:
        raise fail(["no --repo given and no 'origin' remote to take it from: pass --repo https://github.com/ORG/REPO.git"])
    default_branch = (_git(project, "symbolic-ref", "--short", "refs/remotes/origin/HEAD") or "origin/main").split("/", 1)[-1]
    settings = GitopsSettings(
        repo=url,
        branch=branch or default_branch,
        repo_dir=repo_dir,
        project=pulumi_project.name,
        backend=backend,
        organization=organization,
        namespace=namespace,
        credentials_secret=credentials_secret,
        git_secret=git_secret,
        secrets_provider=secrets_provider,
        image=image or default_image(),
        registry_secret=registry_secret,
    )
    try:
        files = render(environments, settings)
    except GitopsError as error:
        raise fail(str(error).splitlines())
    if out_dir is None:
        sys.stdout.write("---\n".join(to_yaml(objects) for name, objects in files.items() if name != "kustomization.yaml"))
        return
    foreign = [out_dir / name for name in files if not _ours(out_dir / name)]
    if foreign:
        raise fail([f"{path}: exists and was not written by hangar gitops render (its first line is not {GITOPS_HEADER!r}); move it or choose another --out" for path in foreign])
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, objects in files.items():
        header = f"{GITOPS_HEADER}; re-render rather than edit. Source: {settings.repo} ({settings.branch}).\n"
        (out_dir / name).write_text(header + to_yaml(objects), encoding="utf-8")
        out.print(f"wrote {out_dir / name}")


GITOPS_HEADER = "# Rendered by `hangar gitops render`"
"""The first line of every file `gitops render` writes: the only files it may overwrite."""


def _ours(path: Path) -> bool:
    """True when `path` does not exist or an earlier `gitops render` wrote it (a symlink or a directory never is)."""
    if not path.exists() and not path.is_symlink():
        return True
    if path.is_symlink() or not path.is_file():
        return False
    try:
        with path.open(encoding="utf-8") as handle:
            return handle.readline().startswith(GITOPS_HEADER)
    except (OSError, UnicodeDecodeError):
        return False


def has_credentials(url: str) -> bool:
    """Whether a repository URL carries a user or token before its host (`https://user:TOKEN@github.com/...`)."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@]+@", url.strip()) is not None


@gitops_app.command("workflows")
def workflows_command(
    write: bool = typer.Option(False, "--write", help="Write .github/workflows/deploy.yml, pull-request.yml and .github/actionlint.yaml into the project (default: print deploy.yml)."),
    project: Path = ProjectOption,
) -> None:
    """Render the GitHub Actions workflows from the stack configs: each environment's jobs run where its `deployer:` says."""
    from hangar.plan import PlanError  # the planner loads Pulumi: only this command needs it
    from hangar.stackplan import plan_project_stack

    try:
        pulumi_project = read_project(project)
        environments = {name: read_environment(pulumi_project, name) for name in pulumi_project.stacks()}
        awaits = {name: longest_await_seconds(plan_project_stack(project, name).plan) for name in environments}
        # A project using the installed Hangar (hangar init), perhaps in a folder: its workflows go to the repository root.
        layout = layout_of(project) if uses_installed_hangar(project) else None
        texts = render_for_project(environments, awaits, layout) if layout else render_workflows(environments, awaits)
    except StackConfigError as error:
        raise fail([str(p) for p in error.problems])
    except WorkflowError as error:
        raise fail(str(error).splitlines())
    except (PlanError, ValueError) as error:  # a stack whose program cannot be planned: its awaits are unknown
        raise fail([line for line in str(error).splitlines() if line.strip()])
    if not write:
        sys.stdout.write(texts[DEPLOY])
        return
    base = layout.repository if layout else project
    foreign = [name for name in texts if (base / name).exists() and not (base / name).read_text(encoding="utf-8").startswith(GENERATED_HEADER)]
    if foreign:
        raise fail([f"{base / name}: not written by `hangar gitops workflows` (no generated header): move it away, or delete it, and run again" for name in foreign])
    for name, text in texts.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out.print(f"wrote {path}")


@gitops_app.command("deployment-settings")
def deployment_settings_command(
    stacks: list[str] | None = typer.Argument(None, help="Environments (default: every stack whose deployer is pulumi-deployments)."),
    project: Path = ProjectOption,
) -> None:
    """Print, per stack Pulumi Deployments deploys, the deployment-settings PATCH body whose pre-run commands log in to its OCI chart mirror."""
    _, environments = read_environments(project, stacks)
    if not stacks:  # by default, the Deployments stacks that pull charts from an OCI mirror
        environments = {name: environments[name] for name in deployments_stacks(environments) if chart_mirrors(environments[name])}
        if not environments:
            raise fail(["no stack deployed by Pulumi Deployments pulls its charts from an oci:// chart_repository: no pre-run login to write"])
    try:
        bodies = deployment_settings(environments)
    except DeploymentsError as error:
        raise fail(str(error).splitlines())
    print_json(bodies)


def default_image() -> str:
    try:
        return f"pulumi/pulumi:{importlib.metadata.version('pulumi')}-nonroot"
    except importlib.metadata.PackageNotFoundError:
        return "pulumi/pulumi:latest-nonroot"


def https_url(remote: str) -> str:
    """`git@github.com:org/repo.git` → `https://github.com/org/repo.git`; https and other URLs unchanged (credentials dropped)."""
    remote = remote.strip()
    scp = re.fullmatch(r"[^@/]+@([^:/]+):(.+)", remote)
    if scp:
        return f"https://{scp.group(1)}/{scp.group(2)}"
    ssh = re.fullmatch(r"ssh://(?:[^@/]+@)?([^/:]+)(?::\d+)?/(.+)", remote)
    if ssh:
        return f"https://{ssh.group(1)}/{ssh.group(2)}"
    return re.sub(r"^(https?://)[^@/]+@", r"\1", remote)


def _git(project: Path, *args: str) -> str:
    try:
        completed = subprocess.run(["git", "-C", str(project), *args], capture_output=True, text=True)
    except FileNotFoundError:
        return ""
    return completed.stdout.strip() if completed.returncode == 0 else ""
