"""The engine starts in the pinned image: `vllm serve MODEL`, a user and home the compilers resolve, caches on volumes.

And the policy rules read the served model in every form vLLM takes it: a raw workload that passes
the model positionally is judged exactly like one that uses `--model`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hangar.policies.rules.base import CANNOT_JUDGE, HARDWARE_FIT, LICENSING
from hangar.policies.rules.workloads import serving_workloads

from hangar.records import ResourceRecord
from tests.conftest import EXAMPLE_STACKS
from tests.policy_records import node_group, record, verdicts
from tests.serving_plans import example_servers, plan_environment, pod_templates, raw_environment, workloads

CACHE_VARIABLES = ("HOME", "XDG_CACHE_HOME", "VLLM_CACHE_ROOT", "TORCHINDUCTOR_CACHE_DIR", "TRITON_CACHE_DIR", "FLASHINFER_WORKSPACE_BASE", "HF_HOME", "TMPDIR")
"""Where the engine, PyTorch's compilers, Triton, FlashInfer and the Hub client write (see components.serving_pod)."""


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item.get("value") for item in container["env"]}


def _writable(container: dict[str, Any], pod: dict[str, Any], path: str) -> bool:
    """Whether `path` lies on a volume mounted writable into the container (the root filesystem is read-only)."""
    volumes = {volume["name"] for volume in pod["volumes"]}
    for mount in container["volumeMounts"]:
        claimed = mount["name"] == "model-cache"  # a volumeClaimTemplate of the workload, not listed in the pod's volumes
        inside = path == mount["mountPath"] or path.startswith(mount["mountPath"].rstrip("/") + "/")
        if inside and not mount.get("readOnly") and (mount["name"] in volumes or claimed):
            return True
    return False


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_the_model_is_vllm_serves_positional_argument_and_never_the_deprecated_flag(stack):
    for deployment, workload in example_servers(stack):
        container = pod_templates(workload)[0]["spec"]["containers"][0]
        # the Hub id, or the directory a volume holds the weights in, then `--served-model-name <hub id>`
        directory = {"shared": deployment.model, "volume": deployment.weights.path}.get(deployment.weights.source)
        model = [deployment.model] if directory is None else [f"/weights/{directory}".rstrip("/"), "--served-model-name", deployment.model]
        if container["command"] != ["vllm", "serve"]:  # a multi-host leader: the shell runs `vllm serve "$@"` with the container's args after $0
            assert container["command"][-1] == "vllm" and 'exec vllm serve "$@"' in container["command"][2]
        assert container["args"][: len(model)] == model, deployment.name
        assert "--model" not in container["args"] and not any(arg.startswith("--model=") for arg in container["args"])


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_a_user_and_home_the_compiler_resolves_and_every_cache_on_a_writable_volume(stack):
    for template in (template for _, workload in example_servers(stack) for template in pod_templates(workload)):
        pod = template["spec"]
        (container,) = pod["containers"]
        env = _env(container)
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["runAsUser"] == 1000
        assert env["USER"] == env["LOGNAME"] == "vllm"  # getpass.getuser() returns these before asking the passwd database
        for variable in CACHE_VARIABLES:
            assert _writable(container, pod, env[variable]), f"{stack}: {variable}={env[variable]} is on the read-only root"
        assert env["VLLM_CACHE_ROOT"].startswith(env["XDG_CACHE_HOME"])
        assert env["XDG_CACHE_HOME"].startswith("/models/")  # kept with the weights: a restart finds its compiled kernels


def test_a_multi_host_leader_and_its_workers_get_the_same_writable_caches():
    environment = raw_environment("eks-prod")
    environment["deployments"][0].update(tensor_parallel=16, autoscaling={"min_replicas": 1, "max_replicas": 1})
    environment["deployments"][0]["latency_class"] = "interactive"
    (workload,) = workloads(plan_environment(environment))
    leader, worker = (template["spec"]["containers"][0] for template in pod_templates(workload))
    assert _env(leader) == _env(worker)
    assert leader["args"][:3] == ["/weights/meta-llama/Llama-3.3-70B-Instruct", "--served-model-name", "meta-llama/Llama-3.3-70B-Instruct"]


# --- the rules read both forms -------------------------------------------------------------------------


def _deployment(name: str, command: list[str], args: list[str], *, gpus: int = 1) -> ResourceRecord:
    container = {"name": "server", "image": "vllm/vllm-openai:v0.11.2", "command": command, "args": args, "resources": {"limits": {"nvidia.com/gpu": str(gpus)}}}
    pod = {"containers": [container], "nodeSelector": {"hangar.dev/pool": "l4"}}
    return record("kubernetes:apps/v1:Deployment", name, {"metadata": {"name": name}, "spec": {"template": {"spec": pod}}})


LLAMA_8B = "meta-llama/Llama-3.1-8B-Instruct"
FLAGS = ["--tensor-parallel-size", "1", "--max-model-len", "8192", "--max-num-seqs", "8"]
FORMS = {
    "--model flag": ([], ["--model", LLAMA_8B, *FLAGS]),
    "--model=": (["vllm", "serve"], [f"--model={LLAMA_8B}", *FLAGS]),
    "positional first": (["vllm", "serve"], [LLAMA_8B, *FLAGS]),
    "positional last": (["vllm", "serve"], [*FLAGS, LLAMA_8B]),
    "positional after a switch": (["vllm", "serve"], ["--enforce-eager", "--enable-prefix-caching", LLAMA_8B, *FLAGS]),
    "positional after a short option": (["/opt/venv/bin/vllm", "serve"], ["-tp", "1", LLAMA_8B, *FLAGS[2:]]),
    "shell leader": (["/bin/sh", "-c", 'ray start --head --port=6379 && exec vllm serve "$@"', "vllm"], [LLAMA_8B, *FLAGS]),
    "OpenAI server module": (["python3", "-m", "vllm.entrypoints.openai.api_server"], ["--model", LLAMA_8B, *FLAGS]),
}


@pytest.mark.parametrize("form", FORMS)
def test_every_form_of_the_served_model_is_read_alike(form):
    command, args = FORMS[form]
    (workload,) = serving_workloads([_deployment("llama", command, args)])
    (reference,) = serving_workloads([_deployment("llama", *FORMS["--model flag"])])
    assert workload.model == LLAMA_8B
    assert workload.prefix_caching is (True if "--enable-prefix-caching" in args else None)  # the one switch a form adds
    assert dataclasses.replace(workload, urn=reference.urn, prefix_caching=None) == reference


def test_a_raw_deployment_with_a_positional_model_is_judged_like_one_with_the_flag():
    """A 70B model on one L4 in both forms: the same refusals, the same licence verdicts, nothing left unjudged."""
    model = "meta-llama/Llama-3.3-70B-Instruct"
    positional = [node_group("l4", "g6.xlarge", 1), _deployment("llama", ["vllm", "serve"], [model, *FLAGS])]
    flagged = [node_group("l4", "g6.xlarge", 1), _deployment("llama", [], ["--model", model, *FLAGS])]
    judged = verdicts(positional)
    assert judged == verdicts(flagged)
    assert {policy for policy, _, _ in judged} >= {HARDWARE_FIT, LICENSING}
    assert CANNOT_JUDGE not in {policy for policy, _, _ in judged}


def test_weights_from_a_directory_are_known_by_their_served_model_name():
    args = ["/weights/llama-8b", "--served-model-name", LLAMA_8B, *FLAGS]
    (workload,) = serving_workloads([_deployment("llama", ["vllm", "serve"], args)])
    assert workload.model == LLAMA_8B
    (unnamed,) = serving_workloads([_deployment("llama", ["vllm", "serve"], ["/weights/llama-8b", *FLAGS])])
    assert unnamed.model == "/weights/llama-8b"  # not in the catalog: cannot be judged, fail closed
    assert any(policy == CANNOT_JUDGE for policy, _, _ in verdicts([_deployment("llama", ["vllm", "serve"], ["/weights/llama-8b", *FLAGS])]))
