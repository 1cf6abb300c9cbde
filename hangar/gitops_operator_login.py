"""The chart-mirror login of a stack the Pulumi Kubernetes Operator deploys: an init container of its workspace pod.

A workflow job logs in to an OCI chart mirror before `pulumi` runs (`hangar.gitops_chart_login`); the operator runs
no job and its `Stack` has no pre-run command (schema/crds/pulumi.com_stacks.yaml: no such field), so the login
goes where the operator lets a stack add to its workspace: the `workspaceTemplate`, applied to the Workspace as a
strategic merge patch. Read in pulumi/pulumi-kubernetes-operator at 475dbc6c9d34ccab38ba1d3b16c924dd8a1c59b1
(2026-08-21), operator/internal/controller/auto/workspace_controller.go and operator/api/auto/v1alpha1/workspace_types.go:

* the workspace pod runs the `pulumi` container with an emptyDir `share` mounted at `/share`, after the operator's
  own init containers (`bootstrap`, `fetch`); `podTemplate` is merged into that pod, its init containers after the
  operator's (`$setElementOrder/initContainers`), and `env` is set on the `pulumi` container;
* so one more init container, `hangar-chart-login`, in the workspace image, mounts `share` and runs `helm registry
  login` per mirror with `HELM_REGISTRY_CONFIG` (helm v3.20.2 pkg/cli/environment.go) pointing at a file there,
  and the `pulumi` container gets `PULUMI_K8S_HELM_REGISTRY_CONFIG_PATH` at that file: the variable
  pulumi-kubernetes reads when no provider setting names one (provider/pkg/provider/provider.go at
  94977969d64112b04e19945818a7d5d5f38f631d), handed to Helm's registry client, which reads Docker-format
  credentials from it (helm v3.20.2 pkg/registry/client.go, oras-go credentials.NewStore).

The workspace image has what the logins run: Helm, the AWS CLI v2 and the Google Cloud CLI
(pulumi/pulumi-docker-containers docker/pulumi/Dockerfile at c6f888350d3a0c8bc7fa402d3bd561ad8a955584). Per mirror:

* any other OCI registry (a site's Harbor): the `username` and `password` keys of a Kubernetes Secret the operator's
  namespace holds (`registry_secret`), by reference only;
* Amazon ECR: `aws ecr get-login-password`, with the AWS identity bound to the workspace's ServiceAccount (IRSA:
  the EKS pod identity webhook puts its variables into init containers too, aws/amazon-eks-pod-identity-webhook
  pkg/handler/handler.go at 3bf80a348116483b2162190e43232e4d243f76c4);
* Artifact Registry: `gcloud auth print-access-token` as `oauth2accesstoken`, with the Google identity bound to it
  (GKE Workload Identity).

Those two tokens expire (ECR's after 12 hours, an Artifact Registry token is to be used within the hour: the
sources in `hangar.gitops_chart_login`) while a retained workspace pod lives on, so such a stack's workspace is
deleted after each successful sync (`workspaceReclaimPolicy: Delete`, "whether the workspace should be deleted or
retained after the Stack is successfully updated", operator/api/pulumi/shared/stack_types.go): every update starts a
pod that logs in afresh. A failed update keeps its pod, and a retry after the token expired fails to pull: delete
the workspace to retry. Refused, each with its reason: an Azure Container Registry (`az acr login` needs an Azure
CLI session, and the workspace holds only Azure Workload Identity's federated token, which Hangar does not turn
into one), and a cloud registry whose cloud the stack has no cluster in (no identity of that cloud is bound).
"""

from __future__ import annotations

import shlex
from typing import Any

from hangar.gitops_chart_login import ChartMirror, chart_mirrors, login_line
from hangar.spec import Environment

LOGIN_CONTAINER = "hangar-chart-login"
SHARE_VOLUME, SHARE_PATH = "share", "/share"
"""The workspace pod's shared emptyDir and where its `pulumi` container mounts it (WorkspaceShareVolumeName/-MountPath)."""
REGISTRY_CONFIG = f"{SHARE_PATH}/hangar/helm-registry.json"
PROVIDER_REGISTRY_CONFIG = "PULUMI_K8S_HELM_REGISTRY_CONFIG_PATH"
SECRET_KEYS = ("username", "password")
CLOUDS = {"aws": "Amazon ECR", "gcp": "Artifact Registry", "azure": "Azure Container Registry"}
TARGETS = {"aws": "EKS", "gcp": "GKE", "azure": "AKS"}


def operator_login_problems(stack: str, environment: Environment) -> list[str]:
    """The chart mirrors an operator-deployed stack's workspace cannot log in to, one line each with the reason."""
    clouds = {cluster.provider for cluster in environment.clusters}
    problems = []
    for mirror in chart_mirrors(environment):
        where = f"stack {stack}: {mirror.key}: {mirror.repository!r}"
        if mirror.vendor == "azure":
            problems.append(
                f"{where} is an Azure Container Registry: its login (`az acr login`) needs an Azure CLI session, which the operator's "
                "workspace does not have (it holds Workload Identity's federated token); name a registry it logs in to with the registry Secret"
            )
        elif mirror.vendor is not None and mirror.vendor not in clouds:
            problems.append(
                f"{where} is {CLOUDS[mirror.vendor]}, but the workspace gets that cloud's identity only on {TARGETS[mirror.vendor]} "
                "and this stack has no such cluster; name a registry it logs in to with the registry Secret"
            )
    return problems


def expiring(environment: Environment) -> bool:
    """Whether a mirror's login is a token that expires (ECR, Artifact Registry): the workspace must not outlive it."""
    return any(mirror.vendor is not None for mirror in chart_mirrors(environment))


def workspace_login(environment: Environment, image: str, registry_secret: str) -> dict[str, Any] | None:
    """The `workspaceTemplate.spec` fields that log the workspace in to the stack's chart mirrors; None without one."""
    mirrors = chart_mirrors(environment)
    if not mirrors:
        return None
    env: list[dict[str, Any]] = [{"name": "HELM_REGISTRY_CONFIG", "value": REGISTRY_CONFIG}]
    if any(mirror.vendor is None for mirror in mirrors):
        env += [{"name": key.upper(), "valueFrom": {"secretKeyRef": {"name": registry_secret, "key": key}}} for key in SECRET_KEYS]
    container = {
        "name": LOGIN_CONTAINER,
        "image": image,
        "command": ["bash", "-c", script(mirrors)],
        "env": env,
        "volumeMounts": [{"name": SHARE_VOLUME, "mountPath": SHARE_PATH}],
    }
    return {"env": [{"name": PROVIDER_REGISTRY_CONFIG, "value": REGISTRY_CONFIG}], "podTemplate": {"spec": {"initContainers": [container]}}}


def script(mirrors: list[ChartMirror]) -> str:
    """The init container's script: one `helm registry login` per mirror, failing on the first that fails (pipefail)."""
    lines = ["set -euo pipefail", 'mkdir -p "$(dirname "$HELM_REGISTRY_CONFIG")"']
    for mirror in mirrors:
        assigned = [f"REGISTRY={shlex.quote(mirror.host)}"]
        if mirror.vendor == "aws":
            assigned.append(f"REGION={shlex.quote(mirror.region)}")
        lines.append(f"( {' '.join(assigned)}; {login_line(mirror)} )")
    return "\n".join(lines) + "\n"
