"""Pulumi Kubernetes Operator objects for each environment whose deployer is the operator: a cluster that runs its stack itself.

The operator is a declared deployer like a runner (hangar/spec/deployer.py, `deployer: {kind: operator}`):
it runs inside the cluster it deploys to, so it reaches that API server without a network path of its
own. Only such environments get a `Stack`; asking for another one is an error naming its deployer
(its runner deploys it: hangar/gitops_workflows.py). An AKS environment needs a workspace image with
kubelogin, which `pulumi/pulumi` does not ship (pulumi/pulumi-docker-containers, docker/pulumi/Dockerfile
at c6f888350d3a0c8bc7fa402d3bd561ad8a955584 installs the AWS CLI, gcloud with gke-gcloud-auth-plugin
and the Azure CLI, not kubelogin; read 2026-12-01): pass an image that has it.

Pure rendering (`hangar gitops render` in hangar/cli/gitops_commands.py finds the defaults — the
git remote, the branch, the installed Pulumi version — and writes the files). Per environment:

* a `ServiceAccount` the stack's workspace pod runs as (bind your cloud identity to it: IRSA, GKE
  Workload Identity, Azure Workload Identity) and the `ClusterRoleBinding` to
  `system:auth-delegator` that operator v2 needs for it;
* a `pulumi.com/v1` `Stack` (schema: schema/crds/pulumi.com_stacks.yaml): this repository's URL,
  branch and project directory; the stack name; the backend; credentials only BY REFERENCE
  (`envRefs` to keys of a Kubernetes Secret, never a value); `refresh: true`; `destroyOnFinalize`
  only for dev tiers (deleting the object of a staging or prod stack never destroys its
  infrastructure); `useLocalStackOnly` for prod (the operator never creates a missing prod stack:
  it is created on purpose, with its secrets provider); the workspace image of the Pulumi CLI that
  matches the SDK this project installs.

A stack whose charts come from an OCI mirror (`chart_repository`) logs in to it from an init container of its
workspace pod, and pulumi's Helm releases read that login (`hangar.gitops_operator_login`).

The operator has no field for policy packs (pulumi/pulumi-kubernetes-operator#366), so each `Stack`
names its pack and config in annotations (`hangar.dev/policy-pack`, `hangar.dev/policy-pack-config`)
for the tooling that enforces them: `pulumi preview --policy-pack` in CI before the merge, and on
Pulumi Cloud a policy group (`pulumi policy enable ... --config`) that applies the pack to every
update, the operator's included. docs/gitops.md shows both.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import yaml

from hangar.gitops_operator_login import expiring, operator_login_problems, workspace_login
from hangar.spec import Environment

STACK_API_VERSION = "pulumi.com/v1"
MAX_STACK_OBJECT_NAME = 42
"""The CRD's CEL rule: `size(self.metadata.name) <= 42`."""
DEFAULT_IMAGE_REPOSITORY = "pulumi/pulumi:"
POLICY_PACK = "policies"
POLICY_CONFIG_DIR = "policies/config"
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


class GitopsError(ValueError):
    """Settings that cannot be rendered; one line per problem."""


@dataclasses.dataclass(frozen=True)
class GitopsSettings:
    """Where the operator finds the program and its state, and how it authenticates — by reference only."""

    repo: str
    """The repository the operator clones (https URL; ssh needs `git_secret`)."""
    branch: str = "main"
    repo_dir: str = ""
    """The project's directory inside the repository ('' for its root)."""
    project: str = "hangar"
    """The Pulumi project name (Pulumi.yaml `name`)."""
    backend: str | None = None
    """State backend URL; None is Pulumi Cloud (app.pulumi.com)."""
    organization: str | None = None
    """Pulumi Cloud organisation: stacks are then named org/project/stack."""
    namespace: str = "hangar"
    credentials_secret: str = "hangar-pulumi"
    """The Kubernetes Secret (in `namespace`) holding `accessToken` (Pulumi Cloud) or `passphrase` (other backends
    whose stacks encrypt secrets with a passphrase; with `secrets_provider`, none is needed)."""
    git_secret: str | None = None
    """A Kubernetes Secret holding `accessToken` (https) or `sshPrivateKey` (ssh) for a private repository."""
    secrets_provider: str | None = None
    """e.g. awskms://..., gcpkms://..., azurekeyvault://...; None keeps the stack's own (passphrase or service)."""
    image: str = "pulumi/pulumi:latest-nonroot"
    registry_secret: str = "hangar-helm-registry"
    """A Kubernetes Secret (in `namespace`) holding `username` and `password` for an OCI chart mirror that is no cloud's
    registry (`hangar.gitops_operator_login`); read only where a stack's `chart_repository` names one."""

    @property
    def pulumi_cloud(self) -> bool:
        return self.backend is None or self.backend.startswith(("https://", "http://"))


def operator_stacks(environments: dict[str, Environment]) -> list[str]:
    """The environments the operator deploys (`deployer.kind: operator`)."""
    return sorted(name for name, environment in environments.items() if environment.deployer and environment.deployer.kind == "operator")


def object_name(stack: str) -> str:
    return f"hangar-{stack}"


def render_environment(stack: str, environment: Environment, settings: GitopsSettings) -> list[dict[str, Any]]:
    """The ServiceAccount, its ClusterRoleBinding and the Stack for one environment."""
    name = object_name(stack)
    problems = []
    deployer = environment.deployer
    if deployer is None or deployer.kind != "operator":
        given = f"kind {deployer.kind}" if deployer else "not declared"
        problems.append(f"stack {stack}: its deployer is {given}, not the operator: a Stack object is for `deployer: {{kind: operator}}` environments")
    if any(cluster.provider == "azure" for cluster in environment.clusters) and settings.image.startswith(DEFAULT_IMAGE_REPOSITORY):
        problems.append(
            f"stack {stack}: the AKS kubeconfig runs kubelogin, which the {DEFAULT_IMAGE_REPOSITORY} workspace image does not ship: pass --image with one that has it"
        )
    problems += operator_login_problems(stack, environment)
    if len(name) > MAX_STACK_OBJECT_NAME:
        problems.append(f"stack {stack}: the Stack object name {name!r} is longer than the operator's {MAX_STACK_OBJECT_NAME} characters")
    if not DNS_LABEL.match(name):
        problems.append(f"stack {stack}: {name!r} is not a Kubernetes object name (lowercase letters, digits and '-')")
    if problems:
        raise GitopsError("\n".join(problems))
    labels = {
        "app.kubernetes.io/managed-by": "hangar",
        "app.kubernetes.io/part-of": settings.project,
        "hangar.dev/environment": stack,
        "hangar.dev/tier": environment.tier,
    }
    meta = {"name": name, "namespace": settings.namespace, "labels": labels}
    service_account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": f"{settings.namespace}:{name}:system:auth-delegator", "labels": labels},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:auth-delegator"},
        "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": settings.namespace}],
    }
    spec: dict[str, Any] = {
        "stack": f"{settings.organization}/{settings.project}/{stack}" if settings.organization else stack,
        "projectRepo": settings.repo,
        "branch": settings.branch,
        "shallow": True,
    }
    if settings.repo_dir:
        spec["repoDir"] = settings.repo_dir
    if settings.backend:
        spec["backend"] = settings.backend
    if settings.pulumi_cloud:
        spec["envRefs"] = {"PULUMI_ACCESS_TOKEN": _secret_ref(settings.credentials_secret, "accessToken")}
    elif not settings.secrets_provider:  # a self-managed backend with passphrase-encrypted stack secrets
        spec["envRefs"] = {"PULUMI_CONFIG_PASSPHRASE": _secret_ref(settings.credentials_secret, "passphrase")}
    if settings.git_secret:
        if settings.repo.startswith("https://"):
            spec["gitAuth"] = {"accessToken": _secret_ref(settings.git_secret, "accessToken")}
        else:
            spec["gitAuth"] = {"sshAuth": {"sshPrivateKey": _secret_ref(settings.git_secret, "sshPrivateKey")}}
    if settings.secrets_provider:
        spec["secretsProvider"] = settings.secrets_provider
    workspace: dict[str, Any] = {
        "image": settings.image,
        # The provider SDKs are large: installing and running them needs room.
        "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "4Gi"}},
    }
    workspace |= workspace_login(environment, settings.image, settings.registry_secret) or {}
    spec.update(
        {
            "serviceAccountName": name,
            "refresh": True,
            "destroyOnFinalize": environment.tier == "dev",
            "useLocalStackOnly": environment.tier == "prod",
            "workspaceTemplate": {"metadata": {"labels": labels}, "spec": workspace},
        }
    )
    if expiring(environment):  # a cloud registry's token dies with time: each update starts a pod that logs in afresh
        spec["workspaceReclaimPolicy"] = "Delete"
    policy_config = f"{settings.repo_dir.rstrip('/') + '/' if settings.repo_dir else ''}{POLICY_CONFIG_DIR}/{stack}.json"
    stack_object = {
        "apiVersion": STACK_API_VERSION,
        "kind": "Stack",
        "metadata": meta
        | {
            "annotations": {
                "hangar.dev/policy-pack": f"{settings.repo_dir.rstrip('/') + '/' if settings.repo_dir else ''}{POLICY_PACK}",
                "hangar.dev/policy-pack-config": policy_config,
            }
        },
        "spec": spec,
    }
    return [service_account, binding, stack_object]


def render(environments: dict[str, Environment], settings: GitopsSettings) -> dict[str, list[dict[str, Any]]]:
    """File name → objects: a namespace, one file per environment, and a kustomization listing them."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@]+@", settings.repo):  # a credential must never be written into the objects
        raise GitopsError("repo: the URL holds credentials (user:token@host); give it without them and the token in git_secret")
    problems = []
    files: dict[str, list[dict[str, Any]]] = {
        "namespace.yaml": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": settings.namespace, "labels": {"app.kubernetes.io/managed-by": "hangar"}}}]
    }
    for stack, environment in sorted(environments.items()):
        try:
            files[f"{stack}.yaml"] = render_environment(stack, environment, settings)
        except GitopsError as error:
            problems.append(str(error))
    if problems:
        raise GitopsError("\n".join(problems))
    files["kustomization.yaml"] = [
        {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": [name for name in files if name != "kustomization.yaml"]}
    ]
    return files


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # plain YAML: no &anchors for the labels the objects share
        return True


def to_yaml(objects: list[dict[str, Any]]) -> str:
    return yaml.dump_all(objects, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=120)


def _secret_ref(name: str, key: str) -> dict[str, Any]:
    return {"type": "Secret", "secret": {"name": name, "key": key}}
