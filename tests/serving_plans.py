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

import pytest
import yaml

from hangar.plan import plan_program, plan_stack
from hangar.records import Plan, ResourceRecord
from hangar.render import is_kubernetes_object, manifest
from hangar.spec import Environment, ModelDeployment
from hangar.stackfile import StackConfigError, environment_from_config, read_environment, read_project, read_stack_config
from tests.conftest import AWS_ENVIRONMENT, ROOT
from tests.kube_schemas import problems

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


def schema_failures(plan: Plan) -> list[str]:
    """`Kind/name: problem` for each Kubernetes object of `plan` its schema (or its CRD's, from schema/crds/) refuses at Kubernetes 1.35.

    Secrets are passed over: their data is a secret Output, not a manifest value."""
    failures = []
    for record in kube_records(plan):
        document = manifest(record)
        if document["kind"] != "Secret":
            failures += [f"{document['kind']}/{record.name}: {line}" for line in problems(document, "1.35")]
    return failures


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


# --- gateway environments: the routing tests' stacks with a gateway and routes on each target ----------------


CHAT_SMALL_FIRST = {"name": "chat", "small_first": {"small": "qwen-small", "large": "qwen-7b", "share": 0.7}}


def gke(**gateway: Any) -> dict[str, Any]:
    """gke-dev serving a 7B and a 1.7B model behind one `chat` route (70 % of requests to the small one)."""
    raw = raw_environment("gke-dev")
    raw["clusters"][0]["node_pools"][0]["max_nodes"] = 3
    raw["deployments"][0].update(latency_class="interactive", autoscaling={"min_replicas": 1, "max_replicas": 1})
    raw["deployments"].append(
        {"name": "qwen-small", "model": "Qwen/Qwen3-1.7B", "pool": "l4-spot", "max_context_tokens": 8192, "autoscaling": {"min_replicas": 1, "max_replicas": 1}}
    )
    raw["gateway"] = {"proxy_only_cidr": "10.129.0.0/23", "picker_cpu": 1, "picker_memory_gib": 2, **gateway}
    raw["routes"] = [copy.deepcopy(CHAT_SMALL_FIRST)]
    return raw


def aks(**gateway: Any) -> dict[str, Any]:
    """aks-staging routing 90/10 to mixtral and a one-replica canary through the gateway, its system pool at most three nodes."""
    raw = raw_environment("aks-staging")
    raw["clusters"][0]["node_pools"][0]["max_nodes"] = 3
    second = copy.deepcopy(raw["deployments"][0])
    second.update(name="mixtral-canary", autoscaling={"min_replicas": 1, "max_replicas": 1})
    second.pop("traffic", None)
    raw["deployments"].append(second)
    raw["gateway"] = gateway
    raw["routes"] = [{"name": "chat", "split": [{"deployment": "mixtral", "weight": 90}, {"deployment": "mixtral-canary", "weight": 10}]}]
    return raw


def aws(route: dict[str, Any]) -> dict[str, Any]:
    """The test AWS environment with a small model on L4 and a large one on H100 behind `route`."""
    raw = copy.deepcopy(AWS_ENVIRONMENT)
    raw["deployments"] = [
        {"name": "qwen-small", "model": "Qwen/Qwen2.5-7B-Instruct", "pool": "l4", "autoscaling": {"min_replicas": 1, "max_replicas": 1}},
        {"name": "qwen-large", "model": "Qwen/Qwen3-32B", "pool": "h100", "autoscaling": {"min_replicas": 1, "max_replicas": 1}},
    ]
    raw["clusters"][0]["node_pools"][1]["min_nodes"] = 1
    raw["gateway"] = {}
    raw["routes"] = [route]
    return raw


def onprem() -> dict[str, Any]:
    raw = raw_environment("onprem")
    canary = {key: value for key, value in raw["deployments"][0].items() if key != "traffic"}  # declares no traffic of its own
    raw["deployments"].append({**canary, "name": "llama-canary", "autoscaling": {"min_replicas": 1, "max_replicas": 1}})
    raw["deployments"][0]["autoscaling"] = {"min_replicas": 1, "max_replicas": 4}
    raw["gateway"] = {}
    raw["routes"] = [{"name": "chat", "split": [{"deployment": "llama-8b", "weight": 90}, {"deployment": "llama-canary", "weight": 10}]}]
    return raw


AWS_HEADER = {"name": "chat", "small_first": {"small": "qwen-small", "large": "qwen-large", "header": {"name": "x-request-class", "value": "easy"}}}


def the(plan, kind: str, name: str | None = None) -> dict[str, Any]:
    found = [m for m in of_kind(plan, kind) if name is None or m["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


def refused(raw: dict[str, Any]) -> str:
    """The one-line problems a user sees for a stack config, joined."""
    with pytest.raises(StackConfigError) as raised:
        environment_from_config(raw, "Pulumi.test.yaml")
    return "\n".join(str(problem) for problem in raised.value.problems)


@functools.cache
def planned(target: str):
    raw = {"gke": gke, "gke-public": lambda: gke(scope="public"), "aws": lambda: aws(AWS_HEADER), "onprem": onprem}[target]()
    return plan_environment(raw)
