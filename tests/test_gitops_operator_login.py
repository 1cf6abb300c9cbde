"""A stack the Pulumi Kubernetes Operator deploys logs in to its OCI chart mirror from its workspace pod.

The rendered `Stack` still validates against the operator's CRD copy; the pod template it adds validates as a
Kubernetes PodTemplate; the init container's script is run against stand-in `helm`/`aws`/`gcloud` commands (the
recorder of tests/chart_login_standins.py); the registry credentials stay references to a Secret.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from hangar.gitops import GitopsError, GitopsSettings, render_environment
from hangar.gitops_operator_login import LOGIN_CONTAINER, PROVIDER_REGISTRY_CONFIG, REGISTRY_CONFIG
from hangar.spec import Environment
from tests.chart_login_standins import CLOUD_LOGINS, MIRRORS, environments, stand_ins
from tests.operator_stacks import KUBERNETES_VERSION, REPO, as_operator, validate

SITE = "oci://harbor.dc1.internal:8443/charts"


def operator_environment(stack: str, repository: str) -> Environment:
    return as_operator(environments({stack: repository})[stack])


def stack_object(stack: str, repository: str, **settings: Any) -> dict[str, Any]:
    objects = render_environment(stack, operator_environment(stack, repository), GitopsSettings(repo=REPO, **settings))
    (stack_doc,) = [doc for doc in objects if doc["kind"] == "Stack"]
    return stack_doc


def login_container(stack_doc: dict[str, Any]) -> dict[str, Any]:
    (container,) = stack_doc["spec"]["workspaceTemplate"]["spec"]["podTemplate"]["spec"]["initContainers"]
    return container


def run(container: dict[str, Any], where: Path, env: dict[str, str] | None = None, tools: tuple[str, ...] = ("helm", "aws", "gcloud")):
    """The init container's command with stand-ins first on PATH; its `/share` is a directory of the test's."""
    bin_dir = stand_ins(where, tools)
    calls, share = where / "calls", where / "share"
    variables = {item["name"]: item["value"] for item in container["env"] if "value" in item}
    variables["HELM_REGISTRY_CONFIG"] = variables["HELM_REGISTRY_CONFIG"].replace("/share", str(share), 1)
    command = container["command"]
    done = subprocess.run(command, env={"PATH": f"{bin_dir}:/usr/bin:/bin", "CALLS": str(calls), "HOME": str(where), **variables, **(env or {})},
                          capture_output=True, text=True)  # fmt: skip
    return done.returncode, calls.read_text().splitlines() if calls.exists() else [], done.stdout + done.stderr, share


def test_a_site_registry_logs_in_from_an_init_container_with_the_registry_secret_by_reference(tmp_path: Path):
    stack_doc = stack_object("onprem", SITE)
    validate(stack_doc)  # the operator's CRD: workspaceTemplate.spec.env and podTemplate
    workspace = stack_doc["spec"]["workspaceTemplate"]["spec"]
    assert workspace["env"] == [{"name": PROVIDER_REGISTRY_CONFIG, "value": REGISTRY_CONFIG}]
    kubernetes_validate.validate(
        {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "workspace"}, "template": workspace["podTemplate"] | {"spec": {
            **workspace["podTemplate"]["spec"], "containers": [{"name": "pulumi", "image": "pulumi/pulumi"}], "volumes": [{"name": "share", "emptyDir": {}}]}}},
        KUBERNETES_VERSION, strict=True,
    )  # fmt: skip
    container = login_container(stack_doc)
    assert container["name"] == LOGIN_CONTAINER and container["image"] == GitopsSettings(repo=REPO).image  # the workspace image: helm is in it
    assert container["volumeMounts"] == [{"name": "share", "mountPath": "/share"}]
    secrets = [item for item in container["env"] if "valueFrom" in item]
    assert secrets == [
        {"name": "USERNAME", "valueFrom": {"secretKeyRef": {"name": "hangar-helm-registry", "key": "username"}}},
        {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "hangar-helm-registry", "key": "password"}}},
    ]
    assert "workspaceReclaimPolicy" not in stack_doc["spec"]  # a static credential does not expire with the pod
    status, calls, output, share = run(container, tmp_path, {"USERNAME": "robot$hangar", "PASSWORD": "s3cret"})
    assert status == 0, output
    assert calls == ["helm [registry] [login] [harbor.dc1.internal:8443] [--username] [robot$hangar] [--password-stdin]", "stdin=s3cret"]
    assert (share / "hangar").is_dir()  # where helm writes the file pulumi's Helm releases then read


def test_the_registry_secret_is_named_by_the_settings():
    container = login_container(stack_object("onprem", SITE, registry_secret="site-harbor"))
    assert {item["valueFrom"]["secretKeyRef"]["name"] for item in container["env"] if "valueFrom" in item} == {"site-harbor"}


@pytest.mark.parametrize(("stack", "calls"), [(stack, CLOUD_LOGINS[stack]) for stack in ("eks-prod", "gke-dev")])
def test_a_cloud_registry_logs_in_with_the_workspaces_identity_and_the_workspace_is_not_kept(tmp_path: Path, stack: str, calls: list[str]):
    stack_doc = stack_object(stack, MIRRORS[stack])
    validate(stack_doc)
    assert stack_doc["spec"]["workspaceReclaimPolicy"] == "Delete"  # every update logs in afresh: the token expires
    container = login_container(stack_doc)
    assert not [item for item in container["env"] if "valueFrom" in item]  # no Secret: the ServiceAccount's cloud identity
    status, recorded, output, _ = run(container, tmp_path / "ok")
    assert status == 0, output
    assert sorted(recorded) == sorted(calls)
    status, recorded, output, _ = run(container, tmp_path / "failing", {"FAIL": calls[0].split(" ", 1)[0]})
    assert status == 3, output  # pipefail: no token, no login, and the pod does not start


def test_a_stack_without_an_oci_mirror_gets_no_login():
    stack_doc = stack_object("onprem", "https://charts.dc1.internal/hangar")
    assert set(stack_doc["spec"]["workspaceTemplate"]["spec"]) == {"image", "resources"}
    assert "workspaceReclaimPolicy" not in stack_doc["spec"]


def test_mirrors_the_workspace_cannot_log_in_to_are_refused_with_the_reason():
    with pytest.raises(GitopsError) as error:
        render_environment("onprem", operator_environment("onprem", MIRRORS["eks-prod"]), GitopsSettings(repo=REPO))
    assert str(error.value) == (
        "stack onprem: clusters[0].chart_repository: 'oci://111122223333.dkr.ecr.us-east-1.amazonaws.com/charts' is Amazon ECR, but the "
        "workspace gets that cloud's identity only on EKS and this stack has no such cluster; name a registry it logs in to with the registry Secret"
    )
    aks = operator_environment("aks-staging", MIRRORS["aks-staging"])
    with pytest.raises(GitopsError) as error:
        render_environment("aks-staging", aks, GitopsSettings(repo=REPO, image="registry.example.com/pulumi-kubelogin:3.200.0"))
    assert str(error.value) == (
        "stack aks-staging: clusters[0].chart_repository: 'oci://hangarmirror.azurecr.io/charts' is an Azure Container Registry: its login "
        "(`az acr login`) needs an Azure CLI session, which the operator's workspace does not have (it holds Workload Identity's federated "
        "token); name a registry it logs in to with the registry Secret"
    )
