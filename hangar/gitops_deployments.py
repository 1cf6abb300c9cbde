"""The pre-run commands with which Pulumi Deployments logs in to a stack's OCI chart mirror before pulumi runs.

A stack whose deployer is `pulumi-deployments` runs in Pulumi Cloud's executor (or a customer-managed agent), where
no workflow step of Hangar's runs; Helm must still be logged in to an `oci://` chart mirror before the Helm releases
load their charts (`hangar.gitops_chart_login`). Deployments runs "arbitrary shell commands before the deployment
process starts ... authentication with private package repositories", each line "in a separate shell"
(https://www.pulumi.com/docs/deployments/concepts/settings/pre-run-commands/, read 2026-12-02), set in the stack's
deployment settings as `operationContext.preRunCommands` (REST schema OperationContext,
https://www.pulumi.com/docs/reference/cloud-rest-api/schema/operationcontext/). `hangar gitops deployment-settings`
prints, per such stack, the settings PATCH body holding them
(`PATCH https://api.pulumi.com/api/stacks/{org}/{project}/{stack}/deployments/settings`, the Deployments REST API;
a list property of the body replaces the stack's, so merge it with pre-run commands you already have).

The default executor image, `pulumi/pulumi` (https://www.pulumi.com/docs/deployments/concepts/settings/custom-executor-images/),
installs Helm and bash (pulumi/pulumi-docker-containers docker/pulumi/Dockerfile at c6f888350d3a0c8bc7fa402d3bd561ad8a955584).
Each login is one line, `bash -o pipefail -c '...'`, so a failed command fails it. What is built, and what is refused:

* any other OCI registry (a site's Harbor): the `HELM_REGISTRY_USERNAME` and `HELM_REGISTRY_PASSWORD` environment
  variables, which you set as secret environment variables of the stack's deployment settings (never rendered here);
* ECR, Artifact Registry and ACR are refused with the reason: their logins need the cloud's CLI signed in, and
  Pulumi documents no cloud session for pre-run commands — an ESC environment's credentials reach them only
  through `pulumi env run <environment> -- <command>` (the pre-run commands page above), an environment Hangar
  cannot name — so a mirror there is a Deployments stack's problem Hangar will not paper over.
"""

from __future__ import annotations

import shlex
from typing import Any

from hangar.gitops_chart_login import SECRET_PASSWORD, SECRET_USER, VENDORS, ChartMirror, chart_mirrors, login_line
from hangar.spec import Environment

KIND = "pulumi-deployments"


class DeploymentsError(ValueError):
    """Stacks whose deployment settings cannot be rendered; one line per problem."""


def deployments_stacks(environments: dict[str, Environment]) -> list[str]:
    """The environments Pulumi Deployments deploys (`deployer.kind: pulumi-deployments`)."""
    return sorted(name for name, environment in environments.items() if environment.deployer and environment.deployer.kind == KIND)


def deployment_settings(environments: dict[str, Environment]) -> dict[str, dict[str, Any]]:
    """Stack -> the deployment-settings PATCH body whose pre-run commands log in to its OCI chart mirrors."""
    problems, bodies = [], {}
    for stack, environment in sorted(environments.items()):
        deployer = environment.deployer
        if deployer is None or deployer.kind != KIND:
            given = f"kind {deployer.kind}" if deployer else "not declared"
            problems.append(f"stack {stack}: its deployer is {given}, not Pulumi Deployments: its deployment settings are not Hangar's to write")
            continue
        mirrors = chart_mirrors(environment)
        if not mirrors:
            problems.append(f"stack {stack}: no `oci://` chart_repository: Pulumi Deployments needs no registry login for it")
            continue
        refused = [mirror for mirror in mirrors if mirror.vendor is not None]
        problems += [
            f"stack {stack}: {mirror.key}: {mirror.repository!r} is {VENDORS[mirror.vendor][0]} registry, whose login needs the cloud's CLI signed in, "  # type: ignore[index]
            "and Pulumi documents no cloud session for Deployments' pre-run commands; name a registry it logs in to with the "
            f"{SECRET_USER}/{SECRET_PASSWORD} environment variables, or run the stack from a workflow"
            for mirror in refused
        ]
        if not refused:
            bodies[stack] = {"operationContext": {"preRunCommands": [pre_run_command(mirror) for mirror in mirrors]}}
    if problems:
        raise DeploymentsError("\n".join(problems))
    return bodies


def pre_run_command(mirror: ChartMirror) -> str:
    """One line: check the two variables are set, then log Helm in to the site registry, pipefail on."""
    script = (
        f'if [ -z "${{{SECRET_USER}:-}}" ] || [ -z "${{{SECRET_PASSWORD}:-}}" ]; then '
        f'echo "set {SECRET_USER} and {SECRET_PASSWORD} as secret environment variables of the deployment settings: '
        f'the chart mirror {mirror.host} needs a login" >&2; exit 1; fi; '
        f'REGISTRY={shlex.quote(mirror.host)} USERNAME="${SECRET_USER}" PASSWORD="${SECRET_PASSWORD}"; {login_line(mirror)}'
    )
    return f"bash -o pipefail -c {shlex.quote(script)}"
