"""Fit as vLLM v0.11.2 judges it, through the hardware rule and `hangar size`: no configuration vLLM starts is refused.

vLLM starts when weights + overhead + the KV cache of ONE sequence of max_model_len fit the usable memory
(`check_enough_kv_cache_memory`, cited in `hangar.sizing.engine`); how many sequences it then batches is
capacity, reported and never a fit failure.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.base import HARDWARE_FIT
from typer.testing import CliRunner

from hangar.cli import app
from hangar.records import ResourceRecord

QWEN = "Qwen/Qwen2.5-7B-Instruct"


def _record(type_: str, name: str, inputs: dict[str, Any]) -> ResourceRecord:
    return ResourceRecord(urn=f"urn:pulumi:test::raw::{type_}::{name}", type=type_, name=name, parent=None, custom=True, inputs=inputs)


def _pool(instance: str) -> ResourceRecord:
    scaling = {"minSize": 0.0, "maxSize": 1.0, "desiredSize": 0.0}
    return _record("aws:eks/nodeGroup:NodeGroup", "gpu", {"instanceTypes": [instance], "scalingConfig": scaling, "labels": {"hangar.dev/pool": "gpu"}})


def _deployment(*args: str, gpus: int = 1) -> ResourceRecord:
    """A raw Deployment as a team writes it: `vllm serve`'s flags, nothing from Hangar but the pool label."""
    container = {"name": "vllm", "image": "vllm/vllm-openai:v0.11.2", "args": list(args), "resources": {"limits": {"nvidia.com/gpu": str(gpus)}}}
    spec = {"template": {"spec": {"containers": [container], "nodeSelector": {"hangar.dev/pool": "gpu"}}}}
    return _record("kubernetes:apps/v1:Deployment", "llm", {"metadata": {"name": "llm"}, "spec": spec})


def _fit_messages(*records: ResourceRecord) -> list[str]:
    return [v.message for v in evaluate(list(records), load_pack_config({}, "test")) if v.policy == HARDWARE_FIT]


# --- the rule ------------------------------------------------------------------------------------------------


def test_the_false_positive_qwen_7b_at_32k_on_one_l4_fits():
    # vLLM serves this: 14.2 GiB of weights + 2 GiB overhead + 1.75 GiB for one 32k sequence < 21.6 GiB usable.
    # Hangar used to demand 256 (vLLM's default max_num_seqs) x 32,768 tokens of KV: "does not fit, 442 GiB short".
    assert _fit_messages(_pool("g6.xlarge"), _deployment("--model", QWEN, "--max-model-len", "32768")) == []


@pytest.mark.parametrize(
    "args",
    [
        ("--model", QWEN),  # every limit left to vLLM: max_model_len is the model's 32,768, max_num_seqs 256
        ("serve", QWEN, "--max-model-len", "32768", "--max-num-seqs", "256"),  # vLLM batches fewer full-length sequences: capacity, not fit
        ("--model", QWEN, "--max-model-len", "32768", "--gpu-memory-utilization", "0.85"),  # 20.4 GiB usable still holds one sequence
    ],
)
def test_its_neighbours_that_vllm_starts(args):
    assert _fit_messages(_pool("g6.xlarge"), _deployment(*args)) == []


def test_a_utilisation_too_low_to_hold_one_sequence_names_the_numbers():
    (message,) = _fit_messages(_pool("g6.xlarge"), _deployment("--model", QWEN, "--max-model-len", "32768", "--gpu-memory-utilization", "0.74"))
    assert message == (
        "llm: Qwen/Qwen2.5-7B-Instruct in bf16 on pool gpu (1 x L4 per node) does not fit: vLLM would not start: it needs 17.9 GiB "
        "(weights 14.2 + overhead 2.0 + KV cache of one 32,768-token sequence 1.8) but one L4 gives 17.8 GiB usable at 74%: 0.2 GiB short; "
        "a max_model_len of at most 29,504 tokens would fit"
    )


def test_a_context_too_long_for_the_gpu_says_what_would_fit():
    (message,) = _fit_messages(_pool("g6.xlarge"), _deployment("--model", "meta-llama/Llama-3.1-8B-Instruct"))
    assert message.startswith(
        "llm: meta-llama/Llama-3.1-8B-Instruct in bf16 on pool gpu (1 x L4 per node) does not fit (no --max-model-len: vLLM takes the model's 131,072): "
        "vLLM would not start: it needs 33.0 GiB (weights 15.0 + overhead 2.0 + KV cache of one 131,072-token sequence 16.0)"
    )
    assert message.endswith("11.4 GiB short; a max_model_len of at most 38,032 tokens would fit")
    assert _fit_messages(_pool("g6.xlarge"), _deployment("--model", "meta-llama/Llama-3.1-8B-Instruct", "--max-model-len", "38032")) == []
    assert _fit_messages(_pool("g6.xlarge"), _deployment("--model", "meta-llama/Llama-3.1-8B-Instruct", "--max-model-len", "38033"))


def test_a_genuinely_too_small_gpu():
    # one T4 (16 GiB, fp16): 14.2 GiB of weights alone exceed the 14.4 GiB usable once overhead is counted
    (message,) = _fit_messages(_pool("g4dn.xlarge"), _deployment("--model", QWEN, "--dtype", "float16", "--max-model-len", "4096"))
    assert message.startswith("llm: Qwen/Qwen2.5-7B-Instruct in fp16 on pool gpu (1 x T4 per node) does not fit: vLLM would not start: it needs 16.4 GiB")
    assert message.endswith("but one T4 gives 14.4 GiB usable at 90%: 2.0 GiB short")


def test_tensor_parallel_spreads_the_weights_and_the_start_up_check():
    # two L4 (g6.12xlarge has 4) start Llama-3.1-8B at its full 131,072 context: 16 GiB of KV split over 2 ranks
    assert _fit_messages(_pool("g6.12xlarge"), _deployment("--model", "meta-llama/Llama-3.1-8B-Instruct", "--tensor-parallel-size", "2", gpus=2)) == []


# --- hangar size -------------------------------------------------------------------------------------------


runner = CliRunner()


def _size(*args: str):
    return runner.invoke(app, ["size", *args], catch_exceptions=False, env={"COLUMNS": "240"})


def test_size_offers_one_l4_for_qwen_7b_at_32k_and_reports_its_capacity():
    result = _size(QWEN, "-p", "bf16", "--context", "32768", "--cloud", "aws", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    g6 = next(o for o in document["feasible"] if o["instance_type"] == "g6.xlarge")
    memory = g6["memory"]
    assert memory["fits"] and memory["capacity_sequences"] == 3 and memory["concurrent_sequences"] == 16
    assert memory["kv_per_sequence_gib"] == pytest.approx(1.75) and memory["batched_sequences"] == 3


def test_size_table_marks_options_that_batch_fewer_sequences_than_asked():
    result = _size(QWEN, "-p", "bf16", "--context", "32768", "--cloud", "aws", "--limit", "0")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "g6.xlarge" in line)
    assert "3 !" in row
    assert "vLLM starts, but its KV cache holds fewer than 16 sequences of 32,768 tokens" in result.stdout


def test_size_refuses_a_gpu_that_cannot_start_it_with_the_numbers():
    result = _size("meta-llama/Llama-3.1-8B-Instruct", "-p", "bf16", "--context", "131072", "--cloud", "aws", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    (g6,) = [r for r in document["infeasible"] if r["instance_type"] == "g6.xlarge"]
    assert "10.9 GiB short; a max_model_len of at most 41,936 tokens would fit" in g6["reasons"][0]
    # two L4 of a g6.12xlarge start it: TP 2 is an option
    assert any(o["instance_type"] == "g6.12xlarge" and o["tensor_parallel"] == 2 for o in document["feasible"])


def test_sliding_window_layers_keep_only_their_window_in_the_fit():
    # Gemma 3 27B at its full 131,072 tokens on one H100: 10 full layers hold 10 GiB, the 52 sliding layers
    # 1,024 - 1 + 8,192 batched tokens each (3.7 GiB); counted as 62 full layers it would be 62 GiB and "not fit"
    assert _fit_messages(_pool("p5.4xlarge"), _deployment("--model", "google/gemma-3-27b-it")) == []
    # ... but not on an A100-40GB's 36 GiB, where the weights alone need 51 GiB; there vLLM's smaller default
    # max_num_batched_tokens (2,048 below 70 GiB) leaves each window 1,024 - 1 + 2,048 tokens: 11.2 GiB for one sequence
    (message,) = _fit_messages(_pool("p4d.24xlarge"), _deployment("--model", "google/gemma-3-27b-it"))
    assert "KV cache of one 131,072-token sequence 11.2)" in message and "the weights alone do not fit" in message
