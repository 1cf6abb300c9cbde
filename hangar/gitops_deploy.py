"""`.github/workflows/deploy.yml`: on every merge to main, check offline, then `pulumi up` per environment where its deployer runs."""

from __future__ import annotations

import math
from typing import Any, Iterable

from hangar.gitops_steps import PULUMI_ENV, TIERS, deployed_here, install_step, plan_cache_steps, python_steps, runs_on, stack_steps
from hangar.records import ResourceRecord
from hangar.spec import Environment

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
    restore, save = plan_cache_steps("check", "${{ github.sha }}", ())
    jobs: dict[str, Any] = {
        "check": {
            "name": "hangar check --all",
            "runs-on": "ubuntu-latest",
            "timeout-minutes": 20,
            "steps": [
                *python_steps(),
                install_step(),
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
    deployed = deployed_here(environments)
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
                "runs-on": runs_on(environment),
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
                    *stack_steps(stack, environment, "up"),
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
