"""What differs between the vLLM releases Hangar read, decided by the release a workload runs (hangar.sizing.engine).

vLLM v0.33.0's defaults differ from v0.11.2's in two ways the fit reads: `gpu_memory_utilization` is 0.92 (was 0.90),
and GPUs of 160 GiB or more get 16384 batched tokens. A raw program's vLLM server is judged with the defaults of the
release its `vllm-openai` image tag names, and an image built without kernels for the pool's GPU (v0.33.0 on a V100)
violates `hangar-hardware-fit`. The generated arguments are verified for both releases.
"""

from __future__ import annotations

from typing import Any

import pytest
from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.base import HARDWARE_FIT

from hangar.records import ResourceRecord
from hangar.sizing.engine import ENGINE_VERSION, VERIFIED_RELEASES, engine_limits, release_defaults

LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
SMALL = "meta-llama/Llama-3.2-1B-Instruct"
CONTEXT = "40000"
"""Llama 3.1 8B on one L4 holds ONE sequence of 40,000 tokens in 92 % of the memory, not in 90 % (vLLM's start-up rule)."""


def _record(type_: str, name: str, inputs: dict[str, Any]) -> ResourceRecord:
    return ResourceRecord(urn=f"urn:pulumi:test::raw::{type_}::{name}", type=type_, name=name, parent=None, custom=True, inputs=inputs)


def _server(image: str, instance: str, *args: str, model: str = LLAMA) -> list[ResourceRecord]:
    """A raw vLLM Deployment on a one-pool EKS node group of `instance`."""
    scaling = {"minSize": 0.0, "maxSize": 1.0, "desiredSize": 0.0}
    pool = _record("aws:eks/nodeGroup:NodeGroup", "gpu", {"instanceTypes": [instance], "scalingConfig": scaling, "labels": {"hangar.dev/pool": "gpu"}})
    container = {"name": "vllm", "image": image, "args": [model, *args], "resources": {"limits": {"nvidia.com/gpu": "1"}}}
    spec = {"template": {"spec": {"containers": [container], "nodeSelector": {"hangar.dev/pool": "gpu"}}}}
    return [pool, _record("kubernetes:apps/v1:Deployment", "llm", {"metadata": {"name": "llm"}, "spec": spec})]


def _fit(records: list[ResourceRecord]) -> list[str]:
    return [v.message for v in evaluate(records, load_pack_config({}, "test")) if v.policy == HARDWARE_FIT]


def test_v0_33_0_defaults_to_92_percent_of_the_memory_and_v0_11_2_to_90():
    assert release_defaults("v0.11.2").gpu_memory_utilization == 0.90
    assert release_defaults("0.33.0").gpu_memory_utilization == 0.92
    assert release_defaults("v0.20.0") == release_defaults(ENGINE_VERSION)  # a release not read: the pinned one's
    assert VERIFIED_RELEASES == ("v0.11.2", "v0.33.0")


@pytest.mark.parametrize(
    ("gpu", "memory", "version", "limits"),
    [
        ("B200", 180, "v0.11.2", (1024, 8192)),
        ("B200", 180, "v0.33.0", (1024, 16384)),
        ("H100-SXM", 80, "v0.33.0", (1024, 8192)),
        ("A100-80GB", 80, "v0.33.0", (256, 2048)),
        ("L4", 24, "v0.33.0", (256, 2048)),
        ("B200", 180, "v0.20.0", (1024, 16384)),  # a release not read: the pinned v0.33.0's
    ],
)
def test_batch_defaults_follow_the_release(gpu, memory, version, limits):
    got = engine_limits(gpu, "gpu", memory, max_model_len=131072, engine_version=version)
    assert (got.max_num_seqs, got.max_num_batched_tokens) == limits


def test_a_context_that_fits_only_in_v0_33_0s_default_memory_share_is_judged_by_the_image_release():
    old = _fit(_server("vllm/vllm-openai:v0.11.2", "g6.xlarge", "--max-model-len", CONTEXT))
    assert len(old) == 1 and "does not fit" in old[0]
    assert _fit(_server("vllm/vllm-openai:v0.33.0", "g6.xlarge", "--max-model-len", CONTEXT)) == []
    # said explicitly, the share is the workload's own, whatever the release
    assert len(_fit(_server("vllm/vllm-openai:v0.33.0", "g6.xlarge", "--max-model-len", CONTEXT, "--gpu-memory-utilization", "0.9"))) == 1


def test_the_v0_33_0_image_on_a_v100_violates_hardware_fit_and_v0_11_2_does_not():
    (message,) = _fit(_server("vllm/vllm-openai:v0.33.0", "p3.2xlarge", "--max-model-len", "4096", "--dtype", "float16", model=SMALL))
    assert "the vllm/vllm-openai:v0.33.0 image (CUDA 13.0.3) is built for compute capability 7.5, 8.0, 8.6, 8.9, 9.0, 10.0, 11.0, 12.0 only, and V100-16GB has 7.0" in message
    assert _fit(_server("vllm/vllm-openai:v0.11.2", "p3.2xlarge", "--max-model-len", "4096", "--dtype", "float16", model=SMALL)) == []
