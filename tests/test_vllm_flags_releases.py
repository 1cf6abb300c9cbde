"""A raw program's `vllm serve` line is read with the options of the release its image tag names (vllm_flags).

v0.33.0 added switches (`--language-model-only`, `--grpc`, ...) and one-dash aliases (`-ep` for
`--enable-expert-parallel`, `-cc` for `--compilation-config`, `-O` now `--optimization-level`); a word after a switch
is the model, a word after an option its value.
"""

from __future__ import annotations

from typing import Any

from hangar.policies.rules.workloads import serving_workloads

from hangar.records import ResourceRecord

MODEL = "Qwen/Qwen3-30B-A3B"


def _server(image: str, *args: str) -> ResourceRecord:
    container: dict[str, Any] = {"name": "vllm", "image": image, "command": ["vllm", "serve", *args], "resources": {"limits": {"nvidia.com/gpu": "2"}}}
    inputs = {"metadata": {"name": "llm"}, "spec": {"template": {"spec": {"containers": [container]}}}}
    return ResourceRecord(urn="urn:pulumi:test::raw::kubernetes:apps/v1:Deployment::llm", type="kubernetes:apps/v1:Deployment", name="llm", parent=None, custom=True, inputs=inputs)


def test_a_v0_33_0_switch_before_the_model_leaves_the_model_positional():
    (workload,) = serving_workloads([_server("vllm/vllm-openai:v0.33.0", "--language-model-only", MODEL)])
    assert workload.model == MODEL


def test_the_same_words_on_a_v0_11_2_image_give_the_unknown_option_the_model_as_its_value():
    # v0.11.2 has no --language-model-only switch: argparse would take the next word as its value (and refuse it).
    (workload,) = serving_workloads([_server("vllm/vllm-openai:v0.11.2", "--language-model-only", MODEL)])
    assert workload.model is None


def test_dash_ep_turns_on_expert_parallelism_at_v0_33_0_only():
    args = ("-tp", "2", "--enable-lora", "-ep", MODEL)
    (new,) = serving_workloads([_server("vllm/vllm-openai:v0.33.0", *args)])
    (old,) = serving_workloads([_server("vllm/vllm-openai:v0.11.2", *args)])
    assert new.tensor_parallel == old.tensor_parallel == 2
    assert new.lora is not None and new.lora.expert_parallel is True
    assert old.lora is not None and old.lora.expert_parallel is False
    assert new.model == old.model == MODEL


def test_the_one_dash_data_parallel_ranks_are_read_by_their_own_names():
    # -dpn is --data-parallel-rank and -dpr --data-parallel-start-rank in both releases: each takes its value.
    for image in ("vllm/vllm-openai:v0.11.2", "vllm/vllm-openai:v0.33.0"):
        (workload,) = serving_workloads([_server(image, "-dpn", "1", "-dpr", "0", MODEL)])
        assert workload.model == MODEL


def test_an_image_that_names_no_release_is_read_with_the_pinned_release_s_options():
    (workload,) = serving_workloads([_server("registry.example.com/our-vllm:latest", "--enforce-eager", MODEL)])
    assert workload.model == MODEL
