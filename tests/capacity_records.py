"""Raw records for the capacity rule (a node group, a vLLM Deployment with its demand annotations, a ScaledObject or HPA) and its findings."""

from __future__ import annotations

from typing import Any

from hangar.policies.rules import evaluate, load_pack_config

from hangar.records import ResourceRecord
from hangar.sizing.capacity import Demand, demand_annotations
from tests.policy_records import record

CAPACITY = "hangar-capacity"


def node_group(max_size: int) -> ResourceRecord:
    return record(
        "aws:eks/nodeGroup:NodeGroup", "h100",
        {"instanceTypes": ["p5.48xlarge"], "scalingConfig": {"minSize": 0.0, "maxSize": float(max_size), "desiredSize": 0.0}, "labels": {"hangar.dev/pool": "h100"}},
    )  # fmt: skip


def server(annotations: dict[str, str], *, replicas: int | None = None, tier: str | None = None) -> ResourceRecord:
    args = ["serve", "Qwen/Qwen2.5-7B-Instruct", "--max-model-len", "8192", "--max-num-seqs", "64"]
    container = {"name": "vllm", "image": "vllm/vllm-openai:v0.11.2", "command": ["vllm"], "args": args, "resources": {"limits": {"nvidia.com/gpu": "1"}}}
    metadata = {"name": "qwen", "namespace": "llm", "annotations": annotations, "labels": {"hangar.dev/tier": tier} if tier else {}}
    spec: dict[str, Any] = {"template": {"spec": {"containers": [container], "nodeSelector": {"hangar.dev/pool": "h100"}}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return record("kubernetes:apps/v1:Deployment", "qwen", {"metadata": metadata, "spec": spec})


def scaled_object(max_replicas: int | None) -> ResourceRecord:
    spec: dict[str, Any] = {"scaleTargetRef": {"name": "qwen"}, "triggers": []}
    if max_replicas is not None:
        spec["maxReplicaCount"] = max_replicas
    return record("kubernetes:keda.sh/v1alpha1:ScaledObject", "qwen", {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "qwen", "namespace": "llm"}, "spec": spec})


def hpa(max_replicas: int) -> ResourceRecord:
    spec = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "qwen"}, "minReplicas": 1, "maxReplicas": max_replicas}
    return record("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "qwen", {"metadata": {"name": "qwen", "namespace": "llm"}, "spec": spec})


DEMAND = demand_annotations(Demand(peak_requests_per_second=60, prompt_tokens=1000, output_tokens=200, ttft_ms=1000, tpot_ms=30))


def found(records: list[ResourceRecord], tier: str = "prod") -> list[tuple[str, str]]:
    configs = load_pack_config({CAPACITY: {"tier": tier, "enforcementLevel": "mandatory"}}, "test")
    return [(v.level, v.message) for v in evaluate(records, configs) if v.policy == CAPACITY]
