"""Plans of the example stacks for the serving tests, made once per test run, and manifest helpers.

A record's manifest is `hangar.render.manifest` (what `hangar render` writes, before it drops a
Secret's values with `without_secret_values`), re-exported here for the tests.

Every example is planned with a Hugging Face token (and, on-prem, a kubeconfig) as secret stack
config, as a user would have set them with `pulumi config set --secret`.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

from hangar.plan import plan_program, plan_stack
from hangar.records import Plan, ResourceRecord
from hangar.render import is_kubernetes_object, manifest
from hangar.spec import Environment, ModelDeployment
from hangar.stackfile import read_environment, read_project, read_stack_config
from tests.conftest import ROOT

HF_TOKEN = "hf_ThisIsTheTestTokenAndMustNeverAppear"
API_KEY = "sk-ThisIsTheTestApiKeyAndMustNeverAppear"
KUBECONFIG = yaml.safe_dump(
    {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "dc", "cluster": {"server": "https://10.0.0.1:6443"}}],
        "users": [{"name": "dc", "user": {"token": "kube-token-must-never-appear"}}],
        "contexts": [{"name": "dc", "context": {"cluster": "dc", "user": "dc"}}],
        "current-context": "dc",
    }
)
SECRETS = {"hangar:huggingface_token": HF_TOKEN, "hangar:kubeconfig": KUBECONFIG}
SERVING_KINDS = ("Deployment", "StatefulSet", "LeaderWorkerSet")


@functools.cache
def example_plan(stack: str) -> Plan:
    return plan_stack(ROOT, stack, extra_secrets=SECRETS)


@functools.cache
def example_environment(stack: str) -> Environment:
    return read_environment(read_project(ROOT), stack)


def raw_environment(stack: str) -> dict[str, Any]:
    """An example's `hangar:environment` as a plain dict, safe to mutate."""
    return copy.deepcopy(read_stack_config(read_project(ROOT), stack)["hangar:environment"])


def plan_environment(raw: dict[str, Any], secrets: dict[str, str] | None = None) -> Plan:
    """Plan the Hangar program for an environment given as a dict, with secrets as secret config."""
    from hangar.components.program import build_stack

    secrets = {**SECRETS, **(secrets or {})}
    return plan_program(
        build_stack, project="hangar", stack="test", config={"hangar:environment": raw, **secrets}, secret_keys=tuple(secrets)
    )


def kube_records(plan: Plan) -> list[ResourceRecord]:
    """Records of Kubernetes objects (not providers, not Helm releases)."""
    return [r for r in plan if is_kubernetes_object(r)]


def of_kind(plan: Plan, kind: str) -> list[dict[str, Any]]:
    return [manifest(r) for r in kube_records(plan) if r.inputs.get("kind") == kind]


NODE_CHARTS = ("nvidia-device-plugin", "cluster-autoscaler", "aws-efs-csi-driver")
"""Charts a cluster installs for its nodes (GPU device plugin, node autoscaler, the shared weight store's CSI driver): not the serving layer's."""


def serving_releases(plan) -> list:
    return [r for r in plan if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"] not in NODE_CHARTS]


def workloads(plan: Plan) -> list[dict[str, Any]]:
    return [m for kind in SERVING_KINDS for m in of_kind(plan, kind)]


def servers(plan: Plan) -> list[dict[str, Any]]:
    """The model-server workloads of a plan: vLLM's (`app.kubernetes.io/name: vllm`), not an endpoint picker's or another Deployment."""
    return [w for w in workloads(plan) if w["metadata"].get("labels", {}).get("app.kubernetes.io/name") == "vllm"]


def server_of(plan: Plan, deployment: str) -> dict[str, Any]:
    """The one model-server workload of `deployment`."""
    found = [w for w in servers(plan) if w["metadata"]["name"] == deployment]
    assert len(found) == 1, f"{deployment}: {len(found)} server workloads"
    return found[0]


def example_servers(stack: str) -> list[tuple[ModelDeployment, dict[str, Any]]]:
    """Each deployment of an example, in the stack file's order, with its model-server workload.

    An example may serve several models (e.g. two behind one route): tests that hold for every
    server loop over these instead of unpacking one.
    """
    environment, plan = example_environment(stack), example_plan(stack)
    by_name = {w["metadata"]["name"]: w for w in servers(plan)}
    assert sorted(by_name) == sorted(d.name for d in environment.deployments), f"{stack}: servers {sorted(by_name)}"
    return [(deployment, by_name[deployment.name]) for deployment in environment.deployments]


def example_deployments(stack: str) -> list[ModelDeployment]:
    """The deployments of an example, in the stack file's order."""
    return list(example_environment(stack).deployments)


def pod_templates(workload: dict[str, Any]) -> list[dict[str, Any]]:
    if workload["kind"] == "LeaderWorkerSet":
        template = workload["spec"]["leaderWorkerTemplate"]
        return [template["leaderTemplate"], template["workerTemplate"]]
    return [workload["spec"]["template"]]


def server_container(workload: dict[str, Any]) -> dict[str, Any]:
    """The container that runs `vllm serve` (the leader's, for a LeaderWorkerSet)."""
    (container,) = pod_templates(workload)[0]["spec"]["containers"]
    return container


def flags(args: list[str]) -> dict[str, str | None]:
    """`--flag value` pairs (a flag followed by another flag has the value None)."""
    found: dict[str, str | None] = {}
    for index, arg in enumerate(args):
        if arg.startswith("--"):
            following = args[index + 1] if index + 1 < len(args) else None
            found[arg] = None if following is None or following.startswith("--") else following
    return found


def example_stacks() -> list[str]:
    return read_project(Path(ROOT)).stacks()
