"""AWQ and GPTQ per vLLM release (hangar.sizing.quant_kernels): the `--quantization` Hangar passes, and which GPUs run them.

v0.11.2: asked `--quantization awq`, vLLM forces the slow AWQ kernel even where the checkpoint runs with awq_marlin (it
logs "forcing awq"); left to itself it picks awq_marlin on compute capability 8.0 and newer, and the plain kernels run
AWQ from 7.5 and GPTQ from 6.0. v0.33.0: awq, awq_marlin and auto_awq are one AutoAWQConfig that picks Marlin itself
(from 7.5), and GPTQ runs on Marlin only, so a V100 (7.0) that ran GPTQ at v0.11.2 runs it no longer.
"""

from __future__ import annotations

import pytest
from hangar.policies.rules.workloads import serving_workloads

from hangar.catalog import load_catalog
from hangar.sizing import capability_problems
from hangar.sizing.quant_kernels import quantization_flag
from tests.h200_stacks import H200_POOL
from tests.serving_plans import flags, plan_environment, server_container, workloads

T4_POOL = {"name": "t4", "gpu": "T4", "instance_type": "g4dn.12xlarge", "min_nodes": 0, "max_nodes": 1}
CATALOG = load_catalog()


def with_deployment(aws_environment, pool, **deployment):
    aws_environment["clusters"][0]["node_pools"].append(pool)
    aws_environment["deployments"] = [
        {"name": "m", "pool": pool["name"], "latency_class": "batch", "autoscaling": {"min_replicas": 0, "max_replicas": 1}, **deployment}
    ]
    return aws_environment


@pytest.mark.parametrize(
    ("precision", "capability", "release", "flag"),
    [
        ("awq", 90, "v0.11.2", "awq_marlin"), ("awq", 80, "v0.11.2", "awq_marlin"), ("awq", 75, "v0.11.2", "awq"),
        ("gptq", 100, "v0.11.2", "gptq_marlin"), ("gptq", 86, "v0.11.2", "gptq_marlin"), ("gptq", 70, "v0.11.2", "gptq"),
        ("awq", None, "v0.11.2", "awq"),
        ("awq", 90, "v0.33.0", "auto_awq"), ("awq", 75, "v0.33.0", "auto_awq"), ("gptq", 100, "v0.33.0", "auto_gptq"), ("awq", None, "v0.33.0", "auto_awq"),
        ("awq", 90, None, "auto_awq"),  # the pinned release
        ("fp8", 90, "v0.33.0", "fp8"), ("mxfp4", 90, "v0.11.2", "mxfp4"), ("int8", 90, "v0.33.0", None), ("bf16", 90, None, None), ("fp16", 75, None, None),
    ],
)  # fmt: skip
def test_the_flag_is_the_method_vllm_resolves_to_at_the_release(precision, capability, release, flag):
    assert quantization_flag(precision, capability, release) == flag


@pytest.mark.parametrize(
    ("release", "pool", "flag"),
    [("v0.11.2", H200_POOL, "awq_marlin"), ("v0.11.2", T4_POOL, "awq"), ("v0.33.0", H200_POOL, "auto_awq"), ("v0.33.0", T4_POOL, "auto_awq")],
)
def test_an_awq_server_is_told_the_method_of_its_release(aws_environment, release, pool, flag):
    raw = with_deployment(
        aws_environment, pool, model="example-org/private-model-AWQ", precision="awq", tensor_parallel=1, max_context_tokens=4096, engine_version=release
    )
    (workload,) = workloads(plan_environment(raw))
    args = flags(server_container(workload)["args"])
    assert args["--quantization"] == flag


@pytest.mark.parametrize(("release", "flag"), [("v0.11.2", "gptq_marlin"), ("v0.33.0", "auto_gptq")])
def test_a_gptq_server_on_hopper_gets_its_release_s_method(aws_environment, release, flag):
    raw = with_deployment(
        aws_environment, H200_POOL, model="example-org/private-model-GPTQ", precision="gptq", tensor_parallel=1, max_context_tokens=4096, engine_version=release
    )
    (workload,) = workloads(plan_environment(raw))
    assert flags(server_container(workload)["args"])["--quantization"] == flag


@pytest.mark.parametrize(("release", "flag"), [("v0.11.2", "awq_marlin"), ("v0.33.0", "auto_awq")])
def test_the_policies_read_either_release_s_flag_as_the_4_bit_precision(aws_environment, release, flag):
    raw = with_deployment(
        aws_environment, H200_POOL, model="example-org/private-model-AWQ", precision="awq", tensor_parallel=1, max_context_tokens=4096, engine_version=release
    )
    (read,) = serving_workloads(list(plan_environment(raw)))
    assert (read.quantization, read.precision) == (flag, "awq")


def test_a_v100_runs_gptq_at_v0_11_2_and_not_at_v0_33_0():
    v100 = CATALOG.gpu("V100-32GB")
    assert capability_problems(v100, "gptq", "v0.11.2") == []
    assert capability_problems(v100, "gptq", "v0.33.0") == [
        "V100-32GB (Volta (SM70)) cannot serve gptq: vLLM v0.33.0 runs gptq only from compute capability 7.5 (AutoGPTQLinearMethod's "
        "verify_marlin_supported (quantization/auto_gptq.py, utils/marlin_utils.py)), and this GPU has 7.0"
    ]


@pytest.mark.parametrize("release", ["v0.11.2", "v0.33.0"])
def test_awq_runs_from_a_t4_on_and_not_on_a_v100_at_either_release(release):
    source = {"v0.11.2": "AWQConfig.get_min_capability (quantization/awq.py)", "v0.33.0": "AutoAWQConfig.get_min_capability (quantization/auto_awq.py)"}
    assert capability_problems(CATALOG.gpu("T4"), "awq", release) == []
    assert capability_problems(CATALOG.gpu("V100-16GB"), "awq", release) == [
        f"V100-16GB (Volta (SM70)) cannot serve awq: vLLM {release} runs awq only from compute capability 7.5 ({source[release]}), and this GPU has 7.0"
    ]


def test_no_awq_or_gptq_off_nvidia():
    assert capability_problems(CATALOG.gpu("MI300X"), "awq") == ["vLLM has no AWQ kernels for MI300X (CDNA3 (gfx942))"]
