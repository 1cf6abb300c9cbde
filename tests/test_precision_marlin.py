"""`--quantization` for awq and gptq is the kernel vLLM v0.11.2 would choose itself (hangar.sizing.quant_kernels).

Asked `--quantization awq`, vLLM forces the slow AWQ kernel even where the checkpoint runs with awq_marlin (it logs
"forcing awq"); left to itself it picks awq_marlin on compute capability 8.0 and newer. Hangar passes that choice.
"""

from __future__ import annotations

import pytest
from hangar.policies.rules.workloads import serving_workloads

from hangar.sizing.quant_kernels import quantization_flag
from tests.h200_stacks import H200_POOL
from tests.serving_plans import flags, plan_environment, server_container, workloads

T4_POOL = {"name": "t4", "gpu": "T4", "instance_type": "g4dn.12xlarge", "min_nodes": 0, "max_nodes": 1}


def with_deployment(aws_environment, pool, **deployment):
    aws_environment["clusters"][0]["node_pools"].append(pool)
    aws_environment["deployments"] = [
        {"name": "m", "pool": pool["name"], "latency_class": "batch", "autoscaling": {"min_replicas": 0, "max_replicas": 1}, **deployment}
    ]
    return aws_environment


@pytest.mark.parametrize(
    ("precision", "capability", "flag"),
    [
        ("awq", 90, "awq_marlin"), ("awq", 80, "awq_marlin"), ("awq", 75, "awq"),
        ("gptq", 100, "gptq_marlin"), ("gptq", 86, "gptq_marlin"), ("gptq", 70, "gptq"),
        ("awq", None, "awq"), ("fp8", 90, "fp8"), ("mxfp4", 90, "mxfp4"), ("int8", 90, None), ("bf16", 90, None), ("fp16", 75, None),
    ],
)  # fmt: skip
def test_the_flag_is_vllms_own_choice_on_the_gpu(precision, capability, flag):
    assert quantization_flag(precision, capability) == flag


@pytest.mark.parametrize(("pool", "flag"), [(H200_POOL, "awq_marlin"), (T4_POOL, "awq")])
def test_an_awq_server_is_told_the_kernel_vllm_would_pick_there(aws_environment, pool, flag):
    raw = with_deployment(aws_environment, pool, model="example-org/private-model-AWQ", precision="awq", tensor_parallel=1, max_context_tokens=4096)
    (workload,) = workloads(plan_environment(raw))
    args = flags(server_container(workload)["args"])
    assert args["--quantization"] == flag


def test_a_gptq_server_on_hopper_gets_gptq_marlin(aws_environment):
    raw = with_deployment(aws_environment, H200_POOL, model="example-org/private-model-GPTQ", precision="gptq", tensor_parallel=1, max_context_tokens=4096)
    (workload,) = workloads(plan_environment(raw))
    assert flags(server_container(workload)["args"])["--quantization"] == "gptq_marlin"


def test_the_policies_read_the_marlin_flag_as_the_4_bit_precision(aws_environment):
    raw = with_deployment(aws_environment, H200_POOL, model="example-org/private-model-AWQ", precision="awq", tensor_parallel=1, max_context_tokens=4096)
    (read,) = serving_workloads(list(plan_environment(raw)))
    assert (read.quantization, read.precision) == ("awq_marlin", "awq")
