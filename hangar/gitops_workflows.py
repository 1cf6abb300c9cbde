"""The GitHub Actions workflows, generated from the stack configs: each environment runs where its `deployer:` says.

`pulumi up` (on every merge) and `pulumi preview` (on every pull request) must run where the
environment's API servers are reachable, so the per-environment jobs are rendered from each stack's
declared deployer (hangar/spec/deployer.py), never written by hand:

* `runs-on` is the deployer's `runs_on` (a self-hosted runner's labels start with `self-hosted`;
  a GitHub-hosted deployer is only ever declared for a way in that needs no network path — GKE's DNS
  endpoint, a public endpoint open to its static egress range);
* the cloud logins and credential helpers are those the environment's kubeconfigs run: `aws eks
  get-token` (the AWS CLI), `gke-gcloud-auth-plugin` (installed with `google-github-actions/setup-gcloud`
  `install_components`), `kubelogin` (`azure/use-kubelogin`, pinned; Hangar's AKS kubeconfig logs in
  with the Azure CLI session `azure/login` opens, never the device code);
* the first run creates the stack (`pulumi stack select --create`);
* environments deployed by the Pulumi Kubernetes Operator or Pulumi Deployments get no job: their
  deployer runs elsewhere (`hangar gitops render` writes the operator's objects).

Dev jobs run first, then staging, then prod, each job a GitHub environment named after its tier.
`hangar gitops workflows --write` writes them (and `.github/actionlint.yaml`, the runner labels); tests/test_workflows.py fails
when a committed workflow differs from what this module renders, and runs actionlint on them.

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

import math
from typing import Any, Callable, Iterable

import yaml

from hangar.records import ResourceRecord
from hangar.spec import Environment
from hangar.spec.deployer import HOSTED_IMAGE_LABEL

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
NO_JOB = {"operator": "the Pulumi Kubernetes Operator inside its cluster (`hangar gitops render`)", "pulumi-deployments": "Pulumi Deployments"}


class WorkflowError(ValueError):
    """Stacks the workflows cannot be rendered for; one line per problem."""


def _python_steps() -> list[dict[str, Any]]:
    return [
        {"uses": CHECKOUT},
        {"uses": SETUP_PYTHON, "with": {"python-version": PYTHON}},
        {"uses": CACHE, "with": {"path": "~/.cache/uv", "key": "uv-${{ runner.os }}-${{ hashFiles('pyproject.toml') }}"}},
    ]


def _install_step(why: str = "") -> dict[str, Any]:
    """`./bin/hangar` installs hangar into .venv on first use; `why` says what else runs in it."""
    return {"name": f"Install hangar into .venv{f' ({why})' if why else ''}", "run": "./bin/hangar --help > /dev/null"}


def _stack_steps(stack: str, environment: Environment, command: str) -> list[dict[str, Any]]:
    """What a job running `pulumi <command>` for one stack does once its Pulumi credentials are there: install, log in, run."""
    return [*_python_steps(), _install_step("the program and the policy pack run in it"), *_cloud_steps(environment), *_pulumi_steps(stack, command)]


def _fail_on_status(step: str, name: str, run: str) -> dict[str, Any]:
    """A last step failing the job with the exit status an earlier step (`set +e`) kept in its `status` output."""
    return {"name": name, "if": f"steps.{step}.outputs.status != '0'", "env": {"STATUS": f"${{{{ steps.{step}.outputs.status }}}}"}, "run": run}


def _plan_cache_steps(job: str, commit: str, restore_from: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
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


def _deployed_here(environments: dict[str, Environment]) -> list[tuple[str, Environment]]:
    """The environments a GitHub job deploys, dev first, then staging, then prod; an undeclared deployer is an error."""
    problems = [
        f"stack {stack}: no `deployer:` section: declare where pulumi up runs (hangar/spec/deployer.py), the workflow does not guess"
        for stack, environment in sorted(environments.items())
        if environment.deployer is None
    ]
    if problems:
        raise WorkflowError("\n".join(problems))
    ordered = sorted(environments.items(), key=lambda item: (TIERS.index(item[1].tier), item[0]))
    return [(stack, environment) for stack, environment in ordered if environment.deployer and environment.deployer.runs_on]


def _runs_on(environment: Environment) -> str | list[str]:
    labels = environment.deployer.runs_on if environment.deployer else []
    return labels[0] if len(labels) == 1 else labels


def _where(stack: str, environment: Environment) -> str:
    deployer = environment.deployer
    assert deployer is not None
    if deployer.kind in NO_JOB:
        pool = f", agent pool {deployer.agent_pool}" if deployer.agent_pool else ""
        return f"#   {stack} ({environment.tier}): {NO_JOB[deployer.kind]}{pool}; no job here"
    runner = "self-hosted runner" if deployer.kind == "self-hosted-runner" else "GitHub-hosted runner"
    return f"#   {stack} ({environment.tier}): {runner} [{', '.join(deployer.runs_on)}]"


DEPLOY_JOB_MINUTES = 120
"""The least time a deploy job gets: creating a cluster and its node pools takes most of an hour."""
CLOUD_MINUTES = 60
"""What a deploy job gets beyond its longest workload await: the cloud resources created before the workloads."""
AWAIT_ANNOTATION = "pulumi.com/timeoutSeconds"


def longest_await_seconds(records: Iterable[ResourceRecord]) -> int:
    """The longest a stack's `pulumi up` may wait for one workload: the largest `pulumi.com/timeoutSeconds` it sets
    (a 70B rollout replaces replicas one after the other, each loading for over half an hour)."""
    longest = 0
    for record in records:
        metadata = record.inputs.get("metadata")
        annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
        value = annotations.get(AWAIT_ANNOTATION) if isinstance(annotations, dict) else None
        if isinstance(value, str) and value.isdigit():
            longest = max(longest, int(value))
    return longest


def deploy_job_minutes(await_seconds: int) -> int:
    """`timeout-minutes` of a deploy job: GitHub cancels it past that, mid-update, so it must outlast the longest await."""
    return max(DEPLOY_JOB_MINUTES, math.ceil(await_seconds / 60) + CLOUD_MINUTES)


def deploy_workflow(environments: dict[str, Environment], awaits: dict[str, int] | None = None) -> dict[str, Any]:
    """`.github/workflows/deploy.yml`: check offline, then `pulumi up` per environment where its deployer runs.

    `awaits` gives each stack's longest workload await (`longest_await_seconds` of its plan), so its job outlasts it."""
    awaits = awaits or {}
    restore, save = _plan_cache_steps("check", "${{ github.sha }}", ())
    jobs: dict[str, Any] = {
        "check": {
            "name": "hangar check --all",
            "runs-on": "ubuntu-latest",
            "timeout-minutes": 20,
            "steps": [
                *_python_steps(),
                _install_step(),
                restore,
                {
                    "name": "hangar check --all (nothing is deployed past a mandatory violation)",
                    "run": '.venv/bin/hangar check --all --format markdown | tee -a "$GITHUB_STEP_SUMMARY"',
                },
                save,
            ],
        }
    }
    earlier: list[str] = []
    deployed = _deployed_here(environments)
    for tier in TIERS:
        here = []
        for stack, environment in deployed:
            if environment.tier != tier:
                continue
            job = f"up-{stack}"
            here.append(job)
            jobs[job] = {
                "name": f"pulumi up {stack} ({tier})",
                "needs": ["check", *earlier],
                "runs-on": _runs_on(environment),
                "timeout-minutes": deploy_job_minutes(awaits.get(stack, 0)),
                "environment": tier,
                "concurrency": {"group": f"pulumi-stack-{stack}", "cancel-in-progress": False},
                "permissions": {"contents": "read", "id-token": "write"},
                "env": dict(PULUMI_ENV),
                "steps": [
                    {
                        "name": "Pulumi credentials configured?",
                        "run": (
                            'if [ -z "$PULUMI_ACCESS_TOKEN" ] && [ -z "$PULUMI_BACKEND_URL" ]; then\n'
                            '  echo "::error::set the PULUMI_ACCESS_TOKEN secret (Pulumi Cloud) or the PULUMI_BACKEND_URL variable (self-managed backend)"\n'
                            "  exit 1\n"
                            "fi\n"
                        ),
                    },
                    *_stack_steps(stack, environment, "up"),
                ],
            }
        earlier += here
    return {
        "name": "deploy",
        "on": {"push": {"branches": ["main"]}, "workflow_dispatch": None},
        "permissions": {"contents": "read"},
        "concurrency": {"group": "deploy-${{ github.ref }}", "cancel-in-progress": False},
        "env": {"HANGAR_PYTHON": "python3"},
        "jobs": jobs,
    }


def pull_request_workflow(environments: dict[str, Environment]) -> dict[str, Any]:
    """`.github/workflows/pull-request.yml`: tests, the pack offline, the diff comment, and `pulumi preview` per touched environment where its deployer runs."""
    check_restore, check_save = _plan_cache_steps("check", HEAD_COMMIT, (HEAD_COMMIT, BASE_COMMIT))
    diff_restore, diff_save = _plan_cache_steps("diff", HEAD_COMMIT, (BASE_COMMIT, HEAD_COMMIT))
    jobs: dict[str, Any] = {
        "test": {
            "name": "tests",
            "runs-on": "ubuntu-latest",
            "timeout-minutes": 30,
            "steps": [*_python_steps(), {"name": "Run the tests (./bin/test installs .venv on first use)", "run": "./bin/test -q"}],
        },
        "check": {
            "name": "policy check",
            "runs-on": "ubuntu-latest",
            "timeout-minutes": 20,
            "permissions": {"contents": "read", "security-events": "write"},
            "steps": [
                *_python_steps(),
                _install_step(),
                check_restore,
                {
                    "name": "hangar check --all (SARIF)",
                    "id": "check",
                    "run": 'set +e\n.venv/bin/hangar check --all --format sarif > hangar.sarif\necho "status=$?" >> "$GITHUB_OUTPUT"\n',
                },
                check_save,
                {
                    "name": "Upload to code scanning",
                    "if": "always() && hashFiles('hangar.sarif') != ''",
                    "uses": "github/codeql-action/upload-sarif@v4",
                    "with": {"sarif_file": "hangar.sarif", "category": "hangar"},
                },
                _fail_on_status(
                    "check", "Fail on mandatory violations or bad input",
                    'echo "::error::hangar check exited $STATUS (1: mandatory policy violations, 2: a stack that cannot be planned)"\nexit "$STATUS"\n',
                ),
            ],
        },
        "diff": {
            "name": "cost and policy diff",
            "runs-on": "ubuntu-latest",
            "timeout-minutes": 20,
            "permissions": {"contents": "read", "pull-requests": "write"},
            "outputs": {"stacks": "${{ steps.changed.outputs.stacks }}"},
            "steps": [
                {"uses": CHECKOUT, "with": {"fetch-depth": 0}},
                *_python_steps()[1:],
                _install_step(),
                diff_restore,
                {
                    "name": "hangar diff against the base branch",
                    "id": "diff",
                    "env": {"BASE_REF": "${{ github.base_ref }}"},
                    "run": (
                        "set +e\n"
                        '.venv/bin/hangar diff --base "origin/$BASE_REF" --all --format markdown > "$RUNNER_TEMP/hangar-diff.md"\n'
                        'echo "status=$?" >> "$GITHUB_OUTPUT"\n'
                        'cat "$RUNNER_TEMP/hangar-diff.md" >> "$GITHUB_STEP_SUMMARY"\n'
                    ),
                },
                {
                    "name": "Environments the change touches",
                    "id": "changed",
                    "env": {"BASE_REF": "${{ github.base_ref }}"},
                    "run": (
                        '.venv/bin/hangar diff --base "origin/$BASE_REF" --all --format json > "$RUNNER_TEMP/hangar-diff.json" || true\n'
                        "stacks=$(jq -c '[.stacks[] | select(.status != \"unchanged\" and .status != \"removed\") | .stack]' "
                        "\"$RUNNER_TEMP/hangar-diff.json\" 2>/dev/null || echo '[]')\n"
                        'echo "stacks=${stacks:-[]}" >> "$GITHUB_OUTPUT"\n'
                    ),
                },
                diff_save,
                {
                    "name": "Post or update the pull-request comment",
                    "if": "github.event.pull_request.head.repo.full_name == github.repository",
                    "uses": "marocchino/sticky-pull-request-comment@v2",
                    "with": {"header": "hangar-diff", "path": "${{ runner.temp }}/hangar-diff.md"},
                },
                _fail_on_status("diff", "Fail if the change cannot be planned", 'exit "$STATUS"'),
            ],
        },
    }
    gated = "steps.creds.outputs.ok == 'true'"
    for stack, environment in _deployed_here(environments):
        condition = f"contains(fromJSON(needs.diff.outputs.stacks), '{stack}')"
        if environment.deployer and environment.deployer.kind == "self-hosted-runner":
            # never run a fork's code on a runner inside your networks
            condition += " && github.event.pull_request.head.repo.full_name == github.repository"
        steps = _stack_steps(stack, environment, "preview")
        jobs[f"preview-{stack}"] = {
            "name": f"pulumi preview {stack}",
            "needs": "diff",
            "if": condition,
            "runs-on": _runs_on(environment),
            "timeout-minutes": 45,
            "permissions": {"contents": "read", "id-token": "write", "pull-requests": "write"},
            "env": dict(PULUMI_ENV),
            "steps": [
                {
                    "name": "Pulumi credentials configured?",
                    "id": "creds",
                    "run": (
                        'if [ -n "$PULUMI_ACCESS_TOKEN" ] || [ -n "$PULUMI_BACKEND_URL" ]; then\n'
                        '  echo "ok=true" >> "$GITHUB_OUTPUT"\n'
                        "else\n"
                        '  echo "::notice::Neither the PULUMI_ACCESS_TOKEN secret nor the PULUMI_BACKEND_URL variable is set: '
                        'pulumi preview is skipped (hangar check and hangar diff ran offline)."\n'
                        "fi\n"
                    ),
                },
                *({**step, "if": gated if "if" not in step else f"{gated} && {step['if']}"} for step in steps),
            ],
        }
    return {
        "name": "pull request",
        "on": {"pull_request": {"branches": ["main"]}},
        "permissions": {"contents": "read"},
        "concurrency": {"group": "pull-request-${{ github.event.pull_request.number }}", "cancel-in-progress": True},
        "env": {"HANGAR_PYTHON": "python3"},
        "jobs": jobs,
    }


HEADERS = {
    "deploy.yml": (
        "Every merge to main: check offline, then `pulumi up` per environment — dev, then staging, then prod —",
        "each job a GitHub environment named after its tier (give `prod` required reviewers) and its own concurrency",
        "group (a stack is never updated by two runs at once, a deployment never cancelled half way).",
    ),
    "pull-request.yml": (
        "Every pull request: the tests, the policy pack offline (code-scanning annotations), one comment with what the",
        "change does to each stack, and — where Pulumi credentials are configured — `pulumi preview` with the policy",
        "pack for every environment the change touches, where that environment's deployer runs (a self-hosted",
        "runner never runs a fork's code).",
    ),
}
NEEDS = (
    "Needs: the PULUMI_ACCESS_TOKEN secret (Pulumi Cloud) or the PULUMI_BACKEND_URL variable (with PULUMI_CONFIG_PASSPHRASE",
    "for passphrase-encrypted stacks); cloud logins by OIDC: the stack's deployer.eks_role_arn (else the AWS_ROLE_ARN",
    "variable), GCP_WORKLOAD_IDENTITY_PROVIDER + GCP_SERVICE_ACCOUNT, AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_SUBSCRIPTION_ID",
    "(set them per GitHub environment to give each tier its own identity). See docs/running.md, \"Running it for real\".",
)


GENERATED_HEADER = "# GENERATED by `hangar gitops workflows`"
"""The first line of every file `gitops workflows --write` writes: the only files it overwrites."""
DEFAULT_RUNNER_LABELS = {"self-hosted", "linux", "windows", "macos", "x64", "arm", "arm64"}
"""Labels GitHub gives self-hosted runners itself; actionlint knows them (the rest must be declared to it)."""
DEPLOY, PULL_REQUEST, ACTIONLINT = ".github/workflows/deploy.yml", ".github/workflows/pull-request.yml", ".github/actionlint.yaml"


def actionlint_config(environments: dict[str, Environment]) -> str:
    """`.github/actionlint.yaml`: the runner labels the deployers declare, so actionlint checks the rest of `runs-on`."""
    labels = sorted(
        {
            label
            for environment in environments.values()
            if environment.deployer
            for label in environment.deployer.runs_on
            if label.lower() not in DEFAULT_RUNNER_LABELS and not HOSTED_IMAGE_LABEL.match(label)
        }
    )
    header = f"{GENERATED_HEADER}: the runner labels of the stacks' deployers (self-hosted and larger runners).\n"
    return header + yaml.dump({"self-hosted-runner": {"labels": labels}}, Dumper=_Dumper, sort_keys=False, default_flow_style=False)


def render_workflows(
    environments: dict[str, Environment], awaits: dict[str, int] | None = None, adapt: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
) -> dict[str, str]:
    """Path (from the repository root) → text of both workflows, with a header saying where each environment runs, and actionlint's config.

    `awaits`: each stack's longest workload await in seconds (see `deploy_workflow`). `adapt(path, workflow)`: the
    workflow for another project than Hangar's own repository (`hangar.starter_workflows`: installed Hangar, a subfolder)."""
    _deployed_here(environments)  # raises on an undeclared deployer
    where = [_where(stack, environments[stack]) for stack in sorted(environments, key=lambda s: (TIERS.index(environments[s].tier), s))]
    texts = {}
    for name, workflow in ((DEPLOY, deploy_workflow(environments, awaits)), (PULL_REQUEST, pull_request_workflow(environments))):
        if adapt is not None:
            workflow = adapt(name, workflow)
        header = [
            f"{GENERATED_HEADER} from the stack configs: edit a stack's `deployer:`, then re-render",
            "# (tests/test_workflows.py fails when this file and the rendering differ)." if adapt is None else "# (`hangar gitops workflows --write`).",
            "#",
            *(f"# {line}" for line in HEADERS[name.rsplit("/", 1)[-1]]),
            "#",
            "# Where each environment's pulumi runs (its `deployer:`):",
            *where,
            "#",
            *(f"# {line}" for line in NEEDS),
        ]
        texts[name] = "\n".join(header) + "\n" + yaml.dump(workflow, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=1000)
    texts[ACTIONLINT] = actionlint_config(environments)
    return texts


class _Dumper(yaml.SafeDumper):
    """Plain YAML for GitHub: no anchors, multi-line scripts as literal blocks, `on` unquoted, null as an empty value."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _none(dumper: yaml.SafeDumper, value: None) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:null", "")


_Dumper.add_representer(str, _str)
_Dumper.add_representer(type(None), _none)
