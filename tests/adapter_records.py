"""A raw program's vLLM Deployment serving LoRA modules on an L4 node group: the records the adapter-licensing, LoRA-architecture and LoRA-memory tests judge."""

from __future__ import annotations

import json
from typing import Any

from hangar.records import ResourceRecord
from hangar.spec.adapters import ADAPTERS_ANNOTATION


def server(
    modules: list[str], declared: list[dict[str, Any]] | None = None, model: str = "Qwen/Qwen2.5-7B-Instruct", release: str = "v0.11.2",
    max_model_len: int = 8192,
) -> list[ResourceRecord]:
    """A raw program's vLLM Deployment (image vllm/vllm-openai:`release`) serving `modules` (after one --lora-modules) on an L4 node group."""
    args = ["--model", model, "--max-model-len", str(max_model_len), "--enable-lora", "--lora-modules", *modules]
    container = {"name": "vllm", "image": f"vllm/vllm-openai:{release}", "args": args, "resources": {"limits": {"nvidia.com/gpu": "1"}}}
    annotations = {ADAPTERS_ANNOTATION: json.dumps(declared)} if declared is not None else {}
    inputs = {"metadata": {"name": "qwen", "annotations": annotations}, "spec": {"template": {"spec": {"containers": [container], "nodeSelector": {"hangar.dev/pool": "l4"}}}}}
    pool = {"instanceTypes": ["g6.xlarge"], "scalingConfig": {"minSize": 0.0, "maxSize": 1.0, "desiredSize": 0.0}, "capacityType": "ON_DEMAND", "labels": {"hangar.dev/pool": "l4"}}
    return [
        ResourceRecord(urn="urn:pulumi:test::raw::kubernetes:apps/v1:Deployment::qwen", type="kubernetes:apps/v1:Deployment", name="qwen", parent=None, custom=True, inputs=inputs),
        ResourceRecord(urn="urn:pulumi:test::raw::aws:eks/nodeGroup:NodeGroup::l4", type="aws:eks/nodeGroup:NodeGroup", name="l4", parent=None, custom=True, inputs=pool),
    ]
