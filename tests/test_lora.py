"""LoRA adapters on a base deployment (issue 15): vLLM v0.11.2's multi-LoRA flags, the pinned download, the config errors.

The adapters here are declared as a user would declare them; their repositories and commits are not read from
the Hub (the build machine cannot reach it): what is tested is what Hangar makes of the declaration.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hangar.components.serving_lora import ADAPTERS_DIR, DOWNLOAD_SCRIPT

from hangar.spec.adapters import ADAPTERS_ANNOTATION
from tests.conftest import AWS_ENVIRONMENT
from tests.lora_plans import SQL, SUPPORT, planned, with_adapters
from tests.serving_plans import plan_environment, pod_templates, refused, schema_failures, server_container, workloads


def server(plan) -> dict[str, Any]:
    (workload,) = workloads(plan)
    return workload


def lora_flags(args: list[str]) -> tuple[dict[str, str | None], list[dict[str, Any]]]:
    """The LoRA flags of a `vllm serve` command line and the JSON modules after `--lora-modules`."""
    found: dict[str, str | None] = {}
    modules: list[dict[str, Any]] = []
    index = args.index("--enable-lora")
    found["--enable-lora"] = None
    index += 1
    while index < len(args):
        flag = args[index]
        if flag == "--lora-modules":
            index += 1
            while index < len(args) and not args[index].startswith("--"):
                modules.append(json.loads(args[index]))
                index += 1
            continue
        if flag in ("--max-loras", "--max-lora-rank", "--max-cpu-loras"):
            found[flag] = args[index + 1]
            index += 2
            continue
        index += 1
    return found, modules


def test_the_server_serves_every_adapter_under_its_name_from_its_downloaded_directory():
    container = server_container(server(planned()))
    flags, modules = lora_flags(container["args"])
    # Two adapters, both held in one batch; the largest rank (16) is an accepted --max-lora-rank as it is.
    assert flags == {"--enable-lora": None, "--max-loras": "2", "--max-lora-rank": "16"}
    assert modules == [
        {"name": "sql", "path": f"{ADAPTERS_DIR}/sql", "base_model_name": "Qwen/Qwen2.5-7B-Instruct"},
        {"name": "support", "path": f"{ADAPTERS_DIR}/support", "base_model_name": "Qwen/Qwen2.5-7B-Instruct"},
    ]
    # The model stays the first positional word, so the policies still read Qwen2.5-7B as the served model.
    assert container["args"][0] == "Qwen/Qwen2.5-7B-Instruct"


def test_fewer_slots_than_adapters_keep_the_rest_in_cpu_memory():
    flags, _ = lora_flags(server_container(server(planned(slots=1)))["args"])
    assert flags["--max-loras"] == "1" and flags["--max-cpu-loras"] == "2"


@pytest.mark.parametrize("ranks, expected", [((8,), "8"), ((12,), "16"), ((16, 33), "64"), ((300,), "320"), ((1,), "1")])
def test_the_max_lora_rank_is_the_smallest_value_vllm_accepts_that_holds_the_largest_adapter(ranks, expected):
    from hangar.spec.adapters import Lora

    lora = Lora.model_validate({"adapters": [{**SQL, "name": f"a{index}", "rank": rank} for index, rank in enumerate(ranks)]})
    assert str(lora.max_rank) == expected


def test_each_adapter_is_downloaded_at_its_pinned_commit_before_the_server_starts():
    workload = server(planned())
    (template,) = pod_templates(workload)
    (download,) = template["spec"]["initContainers"]
    command = download["command"]
    assert command[:3] == ["python3", "-c", DOWNLOAD_SCRIPT]
    assert command[3:] == [
        SQL["source"], SQL["revision"], f"{ADAPTERS_DIR}/sql",
        SUPPORT["source"], SUPPORT["revision"], f"{ADAPTERS_DIR}/support",
    ]  # fmt: skip
    assert "revision=revision" in DOWNLOAD_SCRIPT and "local_dir=directory" in DOWNLOAD_SCRIPT
    # It writes to the server's weight-cache volume, runs as the server's user under a read-only root, and uses its token.
    assert {"name": "model-cache", "mountPath": "/models"} in download["volumeMounts"]
    assert download["securityContext"]["readOnlyRootFilesystem"] is True and download["securityContext"]["runAsNonRoot"] is True
    assert any(entry["name"] == "HF_TOKEN" and "secretKeyRef" in entry["valueFrom"] for entry in download["env"])
    assert download["image"] == server_container(workload)["image"]


def test_adapters_come_from_the_deployments_hub_mirror_when_its_weights_do():
    raw = with_adapters(SQL)
    raw["deployments"][0]["weights"] = {"source": "mirror", "endpoint": "https://hf-mirror.internal"}
    (template,) = pod_templates(server(plan_environment(raw)))
    (download,) = template["spec"]["initContainers"]
    assert {"name": "HF_ENDPOINT", "value": "https://hf-mirror.internal"} in download["env"]


def test_the_workload_names_its_adapters_for_the_licensing_policies():
    workload = server(planned())
    listed = json.loads(workload["metadata"]["annotations"][ADAPTERS_ANNOTATION])
    assert listed == [SQL, SUPPORT]


def test_a_deployment_without_adapters_keeps_its_arguments_and_pod():
    plan = plan_environment(copy.deepcopy(AWS_ENVIRONMENT))
    workload = server(plan)
    assert "--enable-lora" not in server_container(workload)["args"]
    assert "initContainers" not in pod_templates(workload)[0]["spec"]
    assert ADAPTERS_ANNOTATION not in workload["metadata"]["annotations"]


def test_every_object_with_adapters_validates_against_the_kubernetes_schema():
    failures = schema_failures(planned())
    assert not failures, "\n".join(failures)


# --- config errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("adapters, lora, key, words", [
    ([SQL, {**SUPPORT, "name": "sql"}], {}, "lora.adapters", "names an adapter more than once: ['sql']"),
    ([SQL], {"max_loras": 2}, "lora.max_loras", "at most the number of adapters (1)"),
    ([{**SQL, "revision": "main"}], {}, "adapters[0].revision", "should match pattern"),
    ([{**SQL, "rank": 513}], {}, "adapters[0].rank", "less than or equal to 512"),
    ([{**SQL, "licence": "Apache 2.0"}], {}, "adapters[0].licence", "should match pattern"),
    ([{**SQL, "name": "Qwen/Qwen2.5-7B-Instruct"}], {}, "adapters[0].name", "lower-case letters"),
    ([], {}, "lora.adapters", "at least 1 item"),
])  # fmt: skip
def test_adapter_mistakes_are_refused_naming_the_key(adapters, lora, key, words):
    message = refused(with_adapters(*adapters, **lora))
    assert key in message and words in message, message


def test_an_adapter_named_like_a_route_is_refused_since_clients_could_not_tell_them_apart():
    raw = with_adapters({**SQL, "name": "chat"})
    raw["deployments"][0].update(latency_class="interactive", autoscaling={"min_replicas": 1, "max_replicas": 1})
    raw["gateway"] = {}
    raw["routes"] = [{"name": "chat", "split": [{"deployment": "qwen", "weight": 1}, {"deployment": "other", "weight": 1}]}]
    raw["deployments"].append({"name": "other", "model": "Qwen/Qwen3-8B", "pool": "l4", "autoscaling": {"min_replicas": 1, "max_replicas": 1}})
    message = refused(raw)
    assert "deployments[0].lora.adapters[0].name" in message and "already routes[0]" in message, message


def test_two_deployments_may_not_serve_adapters_of_one_name():
    raw = with_adapters(SQL)
    raw["deployments"].append({**copy.deepcopy(raw["deployments"][0]), "name": "qwen-b"})
    message = refused(raw)
    assert "deployments[1].lora.adapters[0].name" in message and "already deployments[0].lora.adapters[0].name" in message, message


def test_an_air_gapped_cluster_takes_adapters_only_from_the_deployments_hub_mirror():
    raw = with_adapters(SQL)
    raw["clusters"][0].update(network={"egress": "none"}, registry_mirror="registry.internal:5000", chart_repository="oci://registry.internal:5000/charts")
    raw["deployments"][0]["weights"] = {"source": "volume", "claim": "qwen-weights"}
    message = refused(raw)
    assert "deployments[0].weights.source" in message and "air-gapped" in message and "use weights.source mirror" in message, message
