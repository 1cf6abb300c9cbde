"""`.github/workflows/pull-request.yml`: tests, the pack offline, the diff comment, and `pulumi preview` per touched environment."""

from __future__ import annotations

from typing import Any

from hangar.gitops_steps import (
    BASE_COMMIT,
    CHECKOUT,
    HEAD_COMMIT,
    PULUMI_ENV,
    deployed_here,
    fail_on_status,
    install_step,
    plan_cache_steps,
    python_steps,
    runs_on,
    stack_steps,
)
from hangar.spec import Environment


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
                    "if": "github.event.pull_request.head.repo.full_name == github.repository",
                    "uses": "marocchino/sticky-pull-request-comment@v2",
                    "with": {"header": "hangar-diff", "path": "${{ runner.temp }}/hangar-diff.md"},
                },
                fail_on_status("diff", "Fail if the change cannot be planned", 'exit "$STATUS"'),
            ],
        },
    }
    gated = "steps.creds.outputs.ok == 'true'"
    for stack, environment in deployed_here(environments):
        condition = f"contains(fromJSON(needs.diff.outputs.stacks), '{stack}')"
        if environment.deployer and environment.deployer.kind == "self-hosted-runner":
            # never run a fork's code on a runner inside your networks
            condition += " && github.event.pull_request.head.repo.full_name == github.repository"
        steps = stack_steps(stack, environment, "preview")
        jobs[f"preview-{stack}"] = {
            "name": f"pulumi preview {stack}",
            "needs": "diff",
            "if": condition,
            "runs-on": runs_on(environment),
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
