"""Quantised repacks are catalog rows of their own, derived from their base (hangar.catalog, hangar.precision).

Qwen publishes fp8 repacks of Qwen3 under their own ids: each row is read from the repack's config.json (its
`quantization_config` says fp8), names its base as `base_model`, carries the base's licence and shares its
architecture; a deployment of one is sized and served in fp8 with its precision unset.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hangar.catalog import load_catalog
from hangar.replica import replica_shape
from hangar.stackfile import StackConfigError, environment_from_config
from tests.serving_plans import flags, plan_environment, server_container, workloads

CONFIGS = Path(__file__).parent / "model_configs"
CATALOG = load_catalog()
REPACKS = {
    "Qwen/Qwen3-32B-FP8": ("qwen3-32b-fp8.json", "Qwen/Qwen3-32B"),
    "Qwen/Qwen3-30B-A3B-FP8": ("qwen3-30b-a3b-fp8.json", "Qwen/Qwen3-30B-A3B"),
    "Qwen/Qwen3-235B-A22B-FP8": ("qwen3-235b-a22b-fp8.json", "Qwen/Qwen3-235B-A22B"),
}
ARCHITECTURE = ("params_total_b", "params_active_b", "layers", "attention_heads", "kv_heads", "head_dim", "vocab_size", "hidden_size", "intermediate_size", "moe_intermediate_size",
                "num_experts", "num_experts_per_tok", "max_context_tokens", "kv_bytes_per_token_bf16")  # fmt: skip


@pytest.mark.parametrize("hf_id", sorted(REPACKS))
def test_a_repack_row_is_read_from_its_own_config_and_names_its_base(hf_id):
    fixture, base_id = REPACKS[hf_id]
    config = json.loads((CONFIGS / fixture).read_text())
    assert config["quantization_config"]["quant_method"] == "fp8"
    repack, base = CATALOG.model(hf_id), CATALOG.model(base_id)
    assert (repack.dtype, base.dtype) == ("fp8", "bfloat16")
    assert repack.base_model == base_id and repack.config_verified
    assert repack.source.startswith("config.json: https://github.com/ai-dynamo/aiconfigurator/blob/095f58a51c4ca8e61b66ec108d86f223f8d559ce/")
    assert {column: getattr(repack, column) for column in ARCHITECTURE} == {column: getattr(base, column) for column in ARCHITECTURE}


@pytest.mark.parametrize("hf_id", sorted(REPACKS))
def test_a_repack_inherits_its_base_licence(hf_id):
    _, base_id = REPACKS[hf_id]
    assert [model.hf_id for model in CATALOG.lineage(hf_id)] == [hf_id, base_id]
    assert CATALOG.model(hf_id).licence_id == CATALOG.model(base_id).licence_id == "apache-2.0"
    assert [licence.id for licence, _ in CATALOG.model_licences(hf_id)] == ["apache-2.0"]


H100 = {"name": "gpu", "gpu": "H100-SXM", "instance_type": "p5.48xlarge", "min_nodes": 0, "max_nodes": 1}


def with_deployment(aws_environment, **deployment):
    aws_environment["clusters"][0]["node_pools"].append(H100)
    aws_environment["deployments"] = [{"name": "m", "pool": "gpu", "latency_class": "batch", "autoscaling": {"min_replicas": 0, "max_replicas": 1}, **deployment}]
    return aws_environment


def test_a_deployment_of_a_repack_is_served_and_sized_in_fp8(aws_environment):
    raw = with_deployment(aws_environment, model="Qwen/Qwen3-32B-FP8", tensor_parallel=1, max_context_tokens=8192)
    environment = environment_from_config(raw, "t")
    shape = replica_shape(environment, environment.deployments[0])
    assert shape.precision == "fp8"
    # one byte a parameter, but the untied embedding and output head (2 x 151,936 x 5,120) at two, as vLLM loads them
    embeddings = 2 * 151_936 * 5120
    assert shape.checkpoint_gib == pytest.approx((CATALOG.model("Qwen/Qwen3-32B-FP8").params_total_b * 1e9 + embeddings) / 2**30)
    # so a little over half the 16-bit base's download (31.96 GiB against 61.02)
    assert shape.checkpoint_gib == pytest.approx(31.96, abs=0.01)
    assert shape.checkpoint_gib == pytest.approx(CATALOG.model("Qwen/Qwen3-32B").params_total_b * 2e9 / 2**30 / 2 + embeddings / 2**30)
    (workload,) = workloads(plan_environment(raw))
    assert flags(server_container(workload)["args"])["--quantization"] == "fp8"


def test_a_16_bit_precision_of_a_repack_is_a_config_error(aws_environment):
    with pytest.raises(StackConfigError) as raised:
        environment_from_config(with_deployment(aws_environment, model="Qwen/Qwen3-32B-FP8", precision="bf16"), "Pulumi.test.yaml")
    (problem,) = raised.value.problems
    assert "Qwen/Qwen3-32B-FP8 is published in fp8" in str(problem) and "allowed: fp8" in str(problem)
