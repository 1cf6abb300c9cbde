"""A raw program's vLLM server whose image release cannot load its model violates hangar-hardware-fit.

The release is the `vllm-openai` image's tag; the same facts as the config error (hangar.sizing.engine_models) and the
same verdict over gRPC as offline.
"""

from __future__ import annotations

import pytest
from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.base import CANNOT_JUDGE, HARDWARE_FIT
from hangar.policies.rules.engine_models import image_release

from hangar.records import ResourceRecord

REFUSAL = (
    "qwen: vLLM v0.11.2 cannot load Qwen/Qwen3.5-9B: Qwen3_5ForConditionalGeneration is not in v0.11.2's model registry, and its "
    "Transformers backend cannot stand in: the model_type qwen3_5 came in transformers 5.2.0, and v0.11.2 requires "
    "transformers>=4.56.0,<5; vLLM serves it from v0.17.0"
)


def server(image: str, model: str = "Qwen/Qwen3.5-9B") -> list[ResourceRecord]:
    """A raw program's vLLM Deployment of `model` in `image` on one GPU of an H200 node group."""
    container = {"name": "vllm", "image": image, "args": ["--model", model, "--max-model-len", "8192"], "resources": {"limits": {"nvidia.com/gpu": "1"}}}
    inputs = {"metadata": {"name": "qwen"}, "spec": {"template": {"spec": {"containers": [container], "nodeSelector": {"hangar.dev/pool": "h200"}}}}}
    pool = {"instanceTypes": ["p5en.48xlarge"], "scalingConfig": {"minSize": 0.0, "maxSize": 1.0, "desiredSize": 0.0}, "capacityType": "ON_DEMAND", "labels": {"hangar.dev/pool": "h200"}}
    return [
        ResourceRecord(urn="urn:pulumi:test::raw::kubernetes:apps/v1:Deployment::qwen", type="kubernetes:apps/v1:Deployment", name="qwen", parent=None, custom=True, inputs=inputs),
        ResourceRecord(urn="urn:pulumi:test::raw::aws:eks/nodeGroup:NodeGroup::h200", type="aws:eks/nodeGroup:NodeGroup", name="h200", parent=None, custom=True, inputs=pool),
    ]


def fit(records: list[ResourceRecord]) -> list[tuple[str, str, str]]:
    return [(v.policy, v.level, v.message) for v in evaluate(records, load_pack_config({}, "test")) if v.policy in (HARDWARE_FIT, CANNOT_JUDGE)]


def test_qwen3_5_in_the_v0_11_2_image_violates_hardware_fit():
    assert fit(server("vllm/vllm-openai:v0.11.2")) == [(HARDWARE_FIT, "mandatory", REFUSAL)]


@pytest.mark.parametrize("image", ["vllm/vllm-openai:v0.17.0", "docker.io/vllm/vllm-openai:v0.33.0", "vllm/vllm-openai:latest", "example.com/own-vllm:v0.11.2"])
def test_a_release_that_loads_it_or_an_image_naming_no_release_is_not_refused(image):
    assert fit(server(image)) == []


def test_a_model_v0_11_2_serves_is_not_refused_in_its_image():
    assert fit(server("vllm/vllm-openai:v0.11.2", model="meta-llama/Llama-3.1-8B-Instruct")) == []


@pytest.mark.parametrize(
    ("image", "release"),
    [
        ("vllm/vllm-openai:v0.11.2", "v0.11.2"),
        ("registry.example.com:5000/mirror/vllm/vllm-openai:v0.19.1", "v0.19.1"),
        ("vllm/vllm-openai:v0.11.2@sha256:" + "a" * 64, "v0.11.2"),
        ("vllm/vllm-openai:v0.11.2-cu130", None),
        ("vllm/vllm-openai@sha256:" + "a" * 64, None),
        ("acme/my-vllm-openai:v0.11.2", None),
        ("vllm/vllm-tpu:v0.11.2", None),
    ],
)
def test_the_release_is_read_from_the_vllm_openai_tag_only(image, release):
    assert image_release(image) == release


def test_the_pack_over_grpc_refuses_it_as_the_offline_check_does():
    from tests.pack_agreement import offline_verdicts, pack_verdicts

    records, configs = server("vllm/vllm-openai:v0.11.2"), load_pack_config({}, "test")
    offline = offline_verdicts(records, configs)
    assert any(policy == HARDWARE_FIT and message == REFUSAL for policy, _, message, _ in offline)
    assert pack_verdicts(records, configs) == offline
