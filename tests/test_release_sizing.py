"""`tensor_parallel: auto`, the capacity rule and a route's price per token size a server at its own vLLM release, not the pinned one.

The cases sit where the releases' sliding-window KV layouts differ (`hangar.sizing.kv_blocks`): v0.11.2 admits a
window plus one batch of tokens per sliding layer, v0.33.0 a window plus two (async scheduling), so Gemma's sliding
layers hold more KV cache at v0.33.0 and fewer sequences fit.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hangar.policies.rules import load_pack_config
from hangar.policies.rules.config import pack_config_for

from hangar.analyzer import PackClient
from hangar.catalog import load_catalog
from hangar.cost import price_plan
from hangar.cost.routes import route_costs
from hangar.records import ResourceRecord
from hangar.sizing.capacity import Demand, demand_annotations
from hangar.spec import Environment
from hangar.stackfile import environment_from_config
from tests.capacity_records import CAPACITY
from tests.h200_stacks import with_deployment
from tests.pack_agreement import offline_verdicts, pack_verdicts
from tests.policy_records import node_group, record
from tests.serving_plans import flags, plan_environment, raw_environment, server_container, servers


@pytest.mark.parametrize(("release", "tensor_parallel"), [("v0.11.2", "1"), ("v0.33.0", "2")])
def test_auto_tensor_parallelism_sizes_at_the_deployment_s_release(aws_environment, pack: PackClient, release, tensor_parallel):
    """Eight 65,536-token sequences of Gemma 3 27B: one H200 holds them at v0.11.2 (90% of its memory); at v0.33.0 its
    sliding layers keep another batch of tokens and one H200 holds 5 (at 92%; its sliding groups
    padded to ten layers each), so auto takes two."""
    environment = with_deployment(
        aws_environment, model="google/gemma-3-27b-it", tensor_parallel="auto", max_context_tokens=65536, max_concurrent_sequences=8,
        engine_version=release,
    )  # fmt: skip
    plan = plan_environment(environment)
    (server,) = servers(plan)
    assert flags(server_container(server)["args"])["--tensor-parallel-size"] == tensor_parallel
    configs = load_pack_config(pack_config_for(Environment.model_validate(environment)), "test")
    assert pack_verdicts(plan.resources, configs, pack=pack) == offline_verdicts(plan.resources, configs)


DEMAND = demand_annotations(Demand(peak_requests_per_second=0.05, prompt_tokens=7192, output_tokens=1000, ttft_ms=5000, tpot_ms=200))


def gemma_on_l4(image: str) -> ResourceRecord:
    """A raw `vllm serve` of Gemma 2 9B at 8,192 tokens on one L4, its memory share set to 90% whatever the release."""
    args = ["serve", "google/gemma-2-9b-it", "--max-model-len", "8192", "--gpu-memory-utilization", "0.9"]
    container = {"name": "vllm", "image": image, "command": ["vllm"], "args": args, "resources": {"limits": {"nvidia.com/gpu": "1"}}}
    metadata = {"name": "gemma", "namespace": "llm", "annotations": DEMAND}
    spec: dict[str, Any] = {"template": {"spec": {"containers": [container], "nodeSelector": {"hangar.dev/pool": "l4"}}}}
    return record("kubernetes:apps/v1:Deployment", "gemma", {"metadata": metadata, "spec": spec})


def capacity_messages(records: list[ResourceRecord], pack: PackClient) -> list[str]:
    """The capacity rule's messages offline, once the pack over gRPC is shown to give the same verdicts."""
    configs = load_pack_config({CAPACITY: {"tier": "prod", "enforcementLevel": "mandatory"}}, "test")
    offline = offline_verdicts(records, configs, CAPACITY)
    assert pack_verdicts(records, configs, CAPACITY, pack=pack) == offline
    return [message for _, _, message, _ in offline]


def test_the_capacity_rule_plans_a_raw_server_at_its_image_s_release(pack: PackClient):
    """One 8,192-token sequence fits one L4 at v0.11.2, and is 0.2 GiB short at v0.33.0 (its sliding layers' second batch)."""
    scaler = record("kubernetes:keda.sh/v1alpha1:ScaledObject", "gemma", {
        "metadata": {"name": "gemma", "namespace": "llm"}, "spec": {"scaleTargetRef": {"name": "gemma"}, "maxReplicaCount": 1, "triggers": []},
    })  # fmt: skip
    pool = node_group("l4", "g6.xlarge", 100)

    (older,) = capacity_messages([pool, gemma_on_l4("vllm/vllm-openai:v0.11.2"), scaler], pack)
    assert older.startswith(
        "gemma: carrying the declared peak of 0.05 requests/s (7,192 prompt + 1,000 output tokens each) within its SLO "
        "(p95 TTFT 5000 ms, p95 TPOT 200 ms) needs "
    )
    assert " replicas on pool l4 (1 x L4 per node) with tensor parallelism 1 (ESTIMATE: " in older
    assert older.endswith("but its ScaledObject gemma (maxReplicaCount) allows at most 1")

    (newer,) = capacity_messages([pool, gemma_on_l4("vllm/vllm-openai:v0.33.0"), scaler], pack)
    assert newer.startswith(
        "gemma: on pool l4 (1 x L4 per node) with tensor parallelism 1 its SLO (p95 TTFT 5000 ms, p95 TPOT 200 ms) cannot be met (ESTIMATE): "
        "one 8,192-token sequence does not fit: vLLM would not start: "
    )
    assert "but one L4 gives 21.6 GiB usable at 90%: 0.2 GiB short" in newer


@pytest.mark.parametrize("release", ["v0.11.2", "v0.33.0"])
def test_a_route_s_price_per_token_plans_the_deployment_at_its_release(release):
    """`hangar cost`'s $ per million tokens: the chat example's small model made Gemma 2 9B at 8,192 tokens on an L4 at 90%."""
    raw = raw_environment("gke-chat")
    small = raw["deployments"][0]
    del small["precision"]
    small.update(model="google/gemma-2-9b-it", engine_version=release, gpu_memory_utilization=0.9, max_concurrent_sequences=1)
    small["traffic"].update(prompt_tokens=7192, output_tokens=1000)
    environment = environment_from_config(copy.deepcopy(raw), "Pulumi.test.yaml")
    (chat,) = route_costs(environment, price_plan(plan_environment(raw)), load_catalog())
    gemma = chat.parts[0]
    if release == "v0.11.2":
        assert gemma.usd_per_million_tokens is not None and gemma.usd_per_million_tokens > 0 and gemma.why_unknown is None
    else:
        assert gemma.usd_per_million_tokens is None
        assert gemma.why_unknown.startswith("cannot be estimated: one 8,192-token sequence does not fit: vLLM would not start: ")
        assert gemma.why_unknown.endswith("but one L4 gives 21.6 GiB usable at 90%: 0.2 GiB short; a max_model_len of at most 7,424 tokens would fit")
