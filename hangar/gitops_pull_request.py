"""`.github/workflows/pull-request.yml`: tests, the pack offline, the diff comment, and `pulumi preview` per touched environment.

Each preview job references a GitHub environment of its own, `<tier>-preview`, with `deployment: false`:

* Secrets and variables stored in an environment reach only the jobs that reference it, so without one the
  preview never saw the HELM_REGISTRY_* secrets or the cloud-login variables a team scopes to its deploy
  environments ("Environment secrets", "Environment variables" in
  https://docs.github.com/en/actions/reference/workflows-and-actions/deployments-and-environments, github/docs
  content/actions/reference/workflows-and-actions/deployments-and-environments.md at 0460e4095b13, read 2026-12-02).
  Repository-level secrets still reach it; an environment's secret of the same name takes precedence
  (https://docs.github.com/en/actions/reference/security/secrets, "Naming your secrets", read 2026-12-02).
* Not the deploy job's environment (`dev`, `staging`, `prod`): its required reviewers would hold every pull
  request, and a deployment-branch rule admitting only `main` refuses a pull request's ref (`refs/pull/N/merge`,
  matched against GITHUB_REF; same page, "Deployment branches and tags"). A separate name also gives the preview
  its own OIDC subject, `repo:ORG/REPO:environment:<tier>-preview` (a job that references an environment is
  never `repo:ORG/REPO:pull_request`; content/actions/reference/security/oidc.md at 051718f297e1, "Example subject
  claims", read 2026-12-02), so a cloud role trusting only `environment:prod` is never assumable from a pull request.
* `deployment: false`: the job gets the environment's secrets and variables but files no deployment record on the
  pull request; required reviewers and wait timers still apply, and a custom deployment protection rule (a GitHub
  App) makes the job fail at once ("Using environments without deployments",
  https://docs.github.com/en/actions/how-tos/deploy/configure-and-manage-deployments/control-deployments, its
  published text read 2026-12-02, newer than the github/docs source read above; actionlint 1.17.0 knows the key).
* A workflow that references an environment that does not exist creates it with no protection rules and no
  secrets (https://docs.github.com/en/actions/how-tos/deploy/configure-and-manage-deployments/manage-environments,
  read 2026-12-02): until a team fills `<tier>-preview`, the preview finds what repository-level secrets give it.

A pull request from a fork gets no preview job at all: apart from GITHUB_TOKEN, secrets are not passed to a run
triggered from a fork, and its token gets no write scope such as `id-token: write` (github/docs
data/reusables/actions/forked-secrets.md at 1d2d8387ade6, forked-write-permission.md at 3f338cc38780, read
2026-12-02), so it could neither log in to a cloud nor read the state; and on a self-hosted runner a fork's code
would run inside your networks.
"""

from __future__ import annotations

from typing import Any

from hangar.gitops_steps import (
    BASE_COMMIT,
    CHECKOUT,
    HEAD_COMMIT,
    PULUMI_ENV,
    TIERS,
    deployed_here,
    fail_on_status,
    install_step,
    plan_cache_steps,
    python_steps,
    runs_on,
    stack_steps,
)
from hangar.spec import Environment

PREVIEW_SUFFIX = "-preview"
SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository"
"""True for a pull request from a branch of this repository, false for one from a fork."""


def preview_environment(tier: str) -> str:
    """The GitHub environment the preview jobs of a tier's stacks reference (see the module docstring)."""
    return f"{tier}{PREVIEW_SUFFIX}"


def preview_needs(deployed: list[tuple[str, Environment]]) -> list[str]:
    """What the pull-request workflow's header adds: the environments its previews reference and what to put in them."""
    tiers = [tier for tier in TIERS if any(environment.tier == tier for _, environment in deployed)]
    if not tiers:
        return []
    return [
        f"Previews run in the GitHub environments {', '.join(map(preview_environment, tiers))} (deployment: false; GitHub",
        "creates them empty on first use): put the secrets and variables this header names there too, or at repository level.",
        "No required reviewers there (every pull request would wait), no custom protection rules (they fail such a job).",
        "Their OIDC subject is repo:ORG/REPO:environment:<tier>-preview, not :pull_request: admit it in the trust policy of",
        "each role a preview assumes (a stack's deployer.eks_role_arn too). A pull request from a fork gets no preview.",
    ]


def pull_request_workflow(environments: dict[str, Environment]) -> dict[str, Any]:
    """`.github/workflows/pull-request.yml`: tests, the pack offline, the diff comment, and `pulumi preview` per touched environment where its deployer runs."""
    check_restore, check_save = plan_cache_steps("check", HEAD_COMMIT, (HEAD_COMMIT, BASE_COMMIT))
    diff_restore, diff_save = plan_cache_steps("diff", HEAD_COMMIT, (BASE_COMMIT, HEAD_COMMIT))
    jobs: dict[str, Any] = {
        "test": {
            "name": "tests",
            "runs-on": "ubuntu-latest",
            "timeout-minutes": 30,
            "steps": [*python_steps(), {"name": "Run the tests (./bin/test installs .venv on first use)", "run": "./bin/test -q"}],
        },
        "check": {
            "name": "policy check",
            "runs-on": "ubuntu-latest",
            "timeout-minutes": 20,
            "permissions": {"contents": "read", "security-events": "write"},
            "steps": [
                *python_steps(),
                install_step(),
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
                fail_on_status(
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
                *python_steps()[1:],
                install_step(),
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
                    "if": SAME_REPOSITORY,
                    "uses": "marocchino/sticky-pull-request-comment@v2",
                    "with": {"header": "hangar-diff", "path": "${{ runner.temp }}/hangar-diff.md"},
                },
                fail_on_status("diff", "Fail if the change cannot be planned", 'exit "$STATUS"'),
            ],
        },
    }
    gated = "steps.creds.outputs.ok == 'true'"
    for stack, environment in deployed_here(environments):
        # a fork's run gets no secrets and no OIDC token, and its code must never reach a runner inside your networks
        condition = f"contains(fromJSON(needs.diff.outputs.stacks), '{stack}') && {SAME_REPOSITORY}"
        steps = stack_steps(stack, environment, "preview")
        jobs[f"preview-{stack}"] = {
            "name": f"pulumi preview {stack}",
            "needs": "diff",
            "if": condition,
            "runs-on": runs_on(environment),
            "timeout-minutes": 45,
            "environment": {"name": preview_environment(environment.tier), "deployment": False},
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
                        f'  echo "::notice::Neither the PULUMI_ACCESS_TOKEN secret nor the PULUMI_BACKEND_URL variable is set '
                        f'(in the repository or its {preview_environment(environment.tier)} environment): '
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
