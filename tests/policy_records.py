"""Plain resource records (a node group, a vLLM Deployment) and the pack's verdicts on them: what the policy-rule tests build and read."""

from __future__ import annotations

from typing import Any

from hangar.policies.rules import evaluate, load_pack_config

from hangar.records import ResourceRecord

P5_MONTH = 55.04 * 720  # p5.48xlarge on demand, us-east-1 (catalog, 2026-01-19), for a 30-day month


def record(type_: str, name: str, inputs: dict[str, Any]) -> ResourceRecord:
    return ResourceRecord(urn=f"urn:pulumi:test::raw::{type_}::{name}", type=type_, name=name, parent=None, custom=True, inputs=inputs)


def node_group(name: str, instance: str, max_size: int, *, labels: dict | None = None, capacity: str = "ON_DEMAND") -> ResourceRecord:
    return record(
        "aws:eks/nodeGroup:NodeGroup",
        name,
        {
            "instanceTypes": [instance],
            "scalingConfig": {"minSize": 0.0, "maxSize": float(max_size), "desiredSize": 0.0},
            "capacityType": capacity,
            "labels": labels or {"hangar.dev/pool": name},
        },
    )


def vllm(name: str, model: str, *, pool: str, gpus: int = 1, resource: str = "nvidia.com/gpu", extra: list[str] = ()) -> ResourceRecord:
    args = ["--model", model, "--tensor-parallel-size", str(gpus), "--max-model-len", "8192", "--max-num-seqs", "8", *extra]
    container = {"name": "vllm", "image": "vllm/vllm-openai:v0.11.2", "args": args, "resources": {"limits": {resource: str(gpus)}}}
    return record(
        "kubernetes:apps/v1:Deployment",
        name,
        {"metadata": {"name": name}, "spec": {"template": {"spec": {"containers": [container], "nodeSelector": {"hangar.dev/pool": pool}}}}},
    )


def verdicts(records: list[ResourceRecord], config: dict | None = None) -> list[tuple[str, str, str]]:
    configs = load_pack_config(config or {}, "test")
    return [(v.policy, v.level, v.message) for v in evaluate(records, configs)]


def messages(records: list[ResourceRecord], policy: str, config: dict | None = None) -> list[str]:
    return [message for name, _, message in verdicts(records, config) if name == policy]
