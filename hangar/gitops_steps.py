"""The steps and jobs both generated GitHub workflows share: Python and Hangar, the plan cache, the cloud logins, `pulumi`.

`hangar.gitops_deploy` (`pulumi up` on every merge) and `hangar.gitops_pull_request` (`pulumi preview` on every
pull request) build their jobs from these; `hangar.gitops_workflows` says where each environment runs and writes the files.

Action inputs as the actions define them (action.yml at the tag): pulumi/actions v7 (no `command`:
install the CLI only; `policyPacks`, `policyPackConfigs`, `refresh`, `diff`, `cloud-url`),
google-github-actions/setup-gcloud v3 (`install_components`), azure/use-kubelogin v1
(`kubelogin-version`), read 2026-12-01.

The plan cache (`.hangar-cache/`, hangar/plancache.py) travels between runs with actions/cache's
`restore` and `save` actions, pinned to the commit of tag v5.0.5 (27d5ce7f107fe9357f9df03efb73ab90386fccae,
github.com/actions/cache, read 2026-12-01): `restore` takes `key` and `restore-keys` ("an ordered
multiline string listing the prefix-matched keys ... used for restoring stale cache if no cache hit
occurred for key") and outputs `cache-hit` and `cache-primary-key`; `save` runs under `always()` so
a check that finds violations (a failed job) still saves its plans, and is skipped on an exact hit (a
cache is immutable: README "Always save cache"). Caches of the default branch can be restored by pull
requests (README "Cache scopes"). So each job saves under `hangar-plans-<os>-<commit>-<job>`: the
deploy workflow's check saves main's plans keyed by main's commit, and a pull request's diff restores
first the cache of its BASE commit (the base side of `hangar diff`, whose plans never change), then its
own head's, then the newest. Entries are content-addressed, so a restored stale cache can only
miss, never mislead.
"""

from __future__ import annotations

from typing import Any

from hangar.gitops_chart_login import chart_login_problems, chart_login_steps
from hangar.spec import Environment

TIERS = ("dev", "staging", "prod")
PYTHON = "3.12"
KUBELOGIN_VERSION = "v0.2.19"
"""The newest kubelogin release tag (github.com/Azure/kubelogin, tag v0.2.19, 2026-06-23)."""
CHECKOUT, SETUP_PYTHON, CACHE = "actions/checkout@v5", "actions/setup-python@v6", "actions/cache@v5"
CACHE_COMMIT = "27d5ce7f107fe9357f9df03efb73ab90386fccae"
"""actions/cache tag v5.0.5: the plan-cache steps are pinned to it."""
CACHE_RESTORE, CACHE_SAVE = f"actions/cache/restore@{CACHE_COMMIT}", f"actions/cache/save@{CACHE_COMMIT}"
PLAN_CACHE = ".hangar-cache"
PLAN_CACHE_PREFIX = "hangar-plans-${{ runner.os }}-"
HEAD_COMMIT, BASE_COMMIT = "${{ github.event.pull_request.head.sha }}", "${{ github.event.pull_request.base.sha }}"
PULUMI_ACTION = "pulumi/actions@v7"
AWS_LOGIN, GCP_LOGIN, AZURE_LOGIN = "aws-actions/configure-aws-credentials@v6", "google-github-actions/auth@v3", "azure/login@v3"
SETUP_GCLOUD, USE_KUBELOGIN = "google-github-actions/setup-gcloud@v3", "azure/use-kubelogin@v1"
PULUMI_ENV = {
    "PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
    "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
    "PULUMI_BACKEND_URL": "${{ vars.PULUMI_BACKEND_URL }}",
}


class WorkflowError(ValueError):
    """Stacks the workflows cannot be rendered for; one line per problem."""


def python_steps() -> list[dict[str, Any]]:
    return [
        {"uses": CHECKOUT},
        {"uses": SETUP_PYTHON, "with": {"python-version": PYTHON}},
        {"uses": CACHE, "with": {"path": "~/.cache/uv", "key": "uv-${{ runner.os }}-${{ hashFiles('pyproject.toml') }}"}},
    ]


def install_step(why: str = "") -> dict[str, Any]:
    """`./bin/hangar` installs hangar into .venv on first use; `why` says what else runs in it."""
    return {"name": f"Install hangar into .venv{f' ({why})' if why else ''}", "run": "./bin/hangar --help > /dev/null"}


def stack_steps(stack: str, environment: Environment, command: str) -> list[dict[str, Any]]:
    """What a job running `pulumi <command>` for one stack does once its Pulumi credentials are there: install, log in, run."""
    return [
        *python_steps(),
        install_step("the program and the policy pack run in it"),
        *_cloud_steps(environment),
        *chart_login_steps(environment),
        *_pulumi_steps(stack, command),
    ]


def fail_on_status(step: str, name: str, run: str) -> dict[str, Any]:
    """A last step failing the job with the exit status an earlier step (`set +e`) kept in its `status` output."""
    return {"name": name, "if": f"steps.{step}.outputs.status != '0'", "env": {"STATUS": f"${{{{ steps.{step}.outputs.status }}}}"}, "run": run}


def plan_cache_steps(job: str, commit: str, restore_from: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Restore the plan cache before a job's hangar commands and save it after them (see the module docstring).

    The key is this commit's and job's; `restore_from` lists the commits whose caches to fall back on, in
    order, before the newest cache of any commit.
    """
    restore = {
        "name": "Restore the plan cache (.hangar-cache)",
        "id": "plan-cache",
        "uses": CACHE_RESTORE,
        "with": {
            "path": PLAN_CACHE,
            "key": f"{PLAN_CACHE_PREFIX}{commit}-{job}",
            "restore-keys": "\n".join([*(f"{PLAN_CACHE_PREFIX}{c}-" for c in restore_from), PLAN_CACHE_PREFIX]) + "\n",
        },
    }
    save = {
        "name": "Save the plan cache (also after a failed check)",
        "if": "always() && steps.plan-cache.outputs.cache-hit != 'true'",
        "uses": CACHE_SAVE,
        "with": {"path": PLAN_CACHE, "key": "${{ steps.plan-cache.outputs.cache-primary-key }}"},
    }
    return restore, save


def _clouds(environment: Environment) -> list[str]:
    return sorted({cluster.provider for cluster in environment.clusters})


def _cloud_steps(environment: Environment) -> list[dict[str, Any]]:
    """The logins and the credential helpers the environment's kubeconfigs run."""
    deployer, clouds, steps = environment.deployer, _clouds(environment), []
    if "aws" in clouds:
        region = next(cluster.region for cluster in environment.clusters if cluster.provider == "aws")
        role = (deployer.eks_role_arn if deployer else None) or "${{ vars.AWS_ROLE_ARN }}"
        steps += [
            {"name": "AWS login (OIDC) as the deployer's role", "uses": AWS_LOGIN, "with": {"role-to-assume": role, "aws-region": region}},
            {
                "name": "The AWS CLI is here (the EKS kubeconfig runs aws eks get-token)",
                "run": 'command -v aws > /dev/null || { echo "::error::install the AWS CLI v2 on this runner"; exit 1; }',
            },
        ]
    if "gcp" in clouds:
        steps += [
            {
                "name": "Google Cloud login (workload identity federation)",
                "uses": GCP_LOGIN,
                "with": {"workload_identity_provider": "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}", "service_account": "${{ vars.GCP_SERVICE_ACCOUNT }}"},
            },
            {"name": "gcloud and gke-gcloud-auth-plugin (the GKE kubeconfig runs it)", "uses": SETUP_GCLOUD, "with": {"install_components": "gke-gcloud-auth-plugin"}},
        ]
    if "azure" in clouds:
        steps += [
            {
                "name": "Azure login (OIDC): the session kubelogin's azurecli login uses",
                "uses": AZURE_LOGIN,
                "with": {"client-id": "${{ vars.AZURE_CLIENT_ID }}", "tenant-id": "${{ vars.AZURE_TENANT_ID }}", "subscription-id": "${{ vars.AZURE_SUBSCRIPTION_ID }}"},
            },
            {"name": "kubelogin (the AKS kubeconfig runs it)", "uses": USE_KUBELOGIN, "with": {"kubelogin-version": KUBELOGIN_VERSION}},
        ]
    return steps


def _pulumi_steps(stack: str, command: str) -> list[dict[str, Any]]:
    run = {
        "command": command,
        "stack-name": stack,
        "cloud-url": "${{ vars.PULUMI_BACKEND_URL }}",
        "policyPacks": "policies",
        "policyPackConfigs": f"policies/config/{stack}.json",
    }
    if command == "up":
        run |= {"refresh": True, "diff": True, "message": "${{ github.event.head_commit.message || github.sha }}"}
    else:
        run |= {"diff": True, "comment-on-pr": False}
    return [
        {"name": "Install the Pulumi CLI", "uses": PULUMI_ACTION},
        {"name": "Create the stack on its first run", "env": {"STACK": stack}, "run": 'pulumi stack select --create "$STACK"'},
        {"name": f"pulumi {command} with the policy pack", "uses": PULUMI_ACTION, "with": run},
    ]


def deployed_here(environments: dict[str, Environment]) -> list[tuple[str, Environment]]:
    """The environments a GitHub job deploys, dev first, then staging, then prod; an undeclared deployer, or a chart
    mirror the job cannot log in to (`hangar.gitops_chart_login`), is an error."""
    problems = [
        f"stack {stack}: no `deployer:` section: declare where pulumi up runs (hangar/spec/deployer.py), the workflow does not guess"
        for stack, environment in sorted(environments.items())
        if environment.deployer is None
    ]
    if problems:
        raise WorkflowError("\n".join(problems))
    ordered = sorted(environments.items(), key=lambda item: (TIERS.index(item[1].tier), item[0]))
    here = [(stack, environment) for stack, environment in ordered if environment.deployer and environment.deployer.runs_on]
    problems = [problem for stack, environment in here for problem in chart_login_problems(stack, environment)]
    if problems:
        raise WorkflowError("\n".join(problems))
    return here


def runs_on(environment: Environment) -> str | list[str]:
    labels = environment.deployer.runs_on if environment.deployer else []
    return labels[0] if len(labels) == 1 else labels
