"""A deployment whose vLLM image cannot run on its GPU, or on its nodes' driver, is a config error (hangar.spec.engine_hardware).

vLLM v0.33.0's image is CUDA 13.0.3 built for compute capability 7.5 and newer (its docker/Dockerfile; its wheel's
kernels start at sm_75), so a V100 (7.0) cannot run it while v0.11.2's image (CUDA 12.9.1, built for 7.0 and newer)
is not refused there; CUDA 13 needs NVIDIA driver 580 (NVIDIA's minor version compatibility table), which the EKS
AL2023 NVIDIA AMIs of 1.30 to 1.36 ship (580.159.03) and the one of 1.28 does not (570); AKS installs 580 on its CUDA
sizes and the GRID driver 570 on its A10 (converged) sizes.
"""

from __future__ import annotations

import copy
import json

import pytest

from hangar.sizing.engine_images import driver_refusal, engine_image, gpu_refusal, newest_image_for
from hangar.sizing.node_drivers import node_driver
from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems
from tests.conftest import make_environment
from tests.onprem_plans import onprem_environment

V100_POOL = {"name": "v100", "gpu": "V100-16GB", "instance_type": "p3.2xlarge", "min_nodes": 0, "max_nodes": 1}
T4_POOL = {"name": "t4", "gpu": "T4", "instance_type": "g4dn.xlarge", "min_nodes": 0, "max_nodes": 1}
SMALL = "meta-llama/Llama-3.2-1B-Instruct"


def stack(aws_environment, pool: dict, engine_version: str | None = None) -> dict:
    deployment = {"name": "m", "model": SMALL, "pool": pool["name"], "latency_class": "batch", "autoscaling": {"min_replicas": 0, "max_replicas": 1}}
    if engine_version is not None:
        deployment["engine_version"] = engine_version
    raw = copy.deepcopy(aws_environment)
    raw["clusters"][0]["node_pools"].append(pool)
    raw["deployments"] = [deployment]
    return raw


def test_v100_cannot_run_the_v0_33_0_image_and_the_error_names_the_release_that_still_can(aws_environment):
    assert config_problems(stack(aws_environment, V100_POOL, "v0.33.0")) == [
        "Pulumi.test.yaml: hangar:environment.deployments[0].engine_version: the vllm/vllm-openai:v0.33.0 image (CUDA 13.0.3) is "
        "built for compute capability 7.5, 8.0, 8.6, 8.9, 9.0, 10.0, 11.0, 12.0 only, and pool v100's V100-16GB has 7.0: its server "
        "would fail with no kernel for the GPU; set engine_version to v0.11.2 or put the deployment on a newer GPU; got 'v0.33.0'"
    ]


def test_the_default_engine_v0_33_0_on_a_v100_is_the_same_error(aws_environment):
    (message,) = config_problems(stack(aws_environment, V100_POOL, None))
    assert "the vllm/vllm-openai:v0.33.0 image (CUDA 13.0.3)" in message and "set engine_version to v0.11.2" in message


@pytest.mark.parametrize(("pool", "version"), [(V100_POOL, "v0.11.2"), (T4_POOL, None), (T4_POOL, "v0.33.0"), (V100_POOL, "v0.20.0")])
def test_a_gpu_the_image_is_built_for_or_a_release_not_read_is_accepted(aws_environment, pool, version):
    environment = environment_from_config(stack(aws_environment, pool, version), "Pulumi.test.yaml")
    assert environment.deployments[0].pool == pool["name"]


def test_the_images_read_name_their_cuda_driver_and_oldest_gpu():
    old, new = engine_image("v0.11.2"), engine_image("0.33.0")
    assert (old.cuda, old.min_driver, old.min_capability) == ("12.9.1", 525, 70)
    assert (new.cuda, new.min_driver, new.min_capability) == ("13.0.3", 580, 75)
    assert engine_image("v0.17.0") is None
    assert newest_image_for(70) == "v0.11.2" and newest_image_for(75) == "v0.33.0" and newest_image_for(60) is None
    assert newest_image_for(80, 570) == "v0.11.2" and newest_image_for(80, 580) == "v0.33.0" and newest_image_for(driver=470) is None


def test_gpu_refusal_is_silent_where_the_capability_or_release_is_unknown():
    assert gpu_refusal("v0.33.0", "a GPU", None) is None
    assert gpu_refusal("v0.25.0", "V100", 70) is None
    assert gpu_refusal("v0.33.0", "T4", 75) is None


def test_a_driver_older_than_the_image_cuda_is_refused_and_an_unknown_one_is_not():
    assert driver_refusal("v0.33.0", 570, "the EKS AL2023 NVIDIA AMI for Kubernetes 1.28") == (
        "the vllm/vllm-openai:v0.33.0 image runs CUDA 13.0.3, which needs NVIDIA driver 580 or newer, and the EKS AL2023 "
        "NVIDIA AMI for Kubernetes 1.28 installs driver 570: its server would fail to initialise CUDA"
    )
    assert driver_refusal("v0.11.2", 570, "x") is None
    assert driver_refusal("v0.33.0", 580, "x") is None
    assert driver_refusal("v0.33.0", None, "x") is None


def test_each_target_says_what_driver_its_gpu_nodes_get(aws_environment):
    eks = environment_from_config(aws_environment, "Pulumi.test.yaml").clusters[0]
    assert node_driver(eks) == (580, f"the EKS AL2023 NVIDIA AMI for Kubernetes {eks.kubernetes_version}")
    onprem = environment_from_config(onprem_environment(), "test").clusters[0]
    assert node_driver(onprem) == (595, "the NVIDIA GPU Operator v26.7.0")
    own = environment_from_config(onprem_environment(gpu_operator="device-plugin"), "test").clusters[0]
    assert node_driver(own) == (None, "the site")


def test_the_v0_33_0_image_on_eks_and_on_the_gpu_operator_is_accepted(aws_environment):
    raw = stack(aws_environment, {"name": "h100", "gpu": "H100-SXM", "instance_type": "p5.48xlarge", "min_nodes": 0, "max_nodes": 1}, "v0.33.0")
    raw["clusters"][0]["node_pools"].pop()  # the fixture already has an h100 pool
    assert environment_from_config(raw, "Pulumi.test.yaml").deployments[0].engine_version == "v0.33.0"
    onprem = onprem_environment()
    onprem["deployments"] = [{"name": "m", "model": SMALL, "pool": "l4", "latency_class": "batch", "engine_version": "v0.33.0"}]
    assert environment_from_config(onprem, "test").deployments[0].engine_version == "v0.33.0"


def aks(pool: dict, engine_version: str) -> dict:
    cluster = {"provider": "azure", "name": "main", "region": "eastus", "zones": ["1", "2", "3"], "node_pools": [pool]}
    deployment = {"name": "m", "model": SMALL, "pool": pool["name"], "latency_class": "batch", "engine_version": engine_version,
                  "autoscaling": {"min_replicas": 0, "max_replicas": 1}}
    return make_environment(cluster, deployments=[deployment])


A10_POOL = {"name": "a10", "instance_type": "Standard_NV36ads_A10_v5", "min_nodes": 0, "max_nodes": 1}


def test_aks_a10_sizes_get_the_grid_driver_which_cannot_run_the_v0_33_0_image():
    assert config_problems(aks(A10_POOL, "v0.33.0")) == [
        "Pulumi.test.yaml: hangar:environment.deployments[0].engine_version: the vllm/vllm-openai:v0.33.0 image runs CUDA 13.0.3, "
        "which needs NVIDIA driver 580 or newer, and AKS's grid driver image for Standard_NV36ads_A10_v5 installs driver 570: "
        "its server would fail to initialise CUDA; set engine_version to v0.11.2 or put the deployment on GPU nodes that get a "
        "newer driver; got 'v0.33.0'"
    ]
    assert environment_from_config(aks(A10_POOL, "v0.11.2"), "Pulumi.test.yaml").deployments[0].engine_version == "v0.11.2"


def test_aks_cuda_sizes_get_the_r580_driver_and_run_the_v0_33_0_image():
    pool = {"name": "a100", "gpu": "A100-80GB", "gpus_per_node": 1, "min_nodes": 0, "max_nodes": 1}
    environment = environment_from_config(aks(pool, "v0.33.0"), "Pulumi.test.yaml")
    cluster = environment.clusters[0]
    assert node_driver(cluster, "Standard_NC24ads_A100_v4") == (580, "AKS's cuda-lts driver image for Standard_NC24ads_A100_v4")
    assert node_driver(cluster, "standard_nv72ads_a10_v5")[0] == 570
    assert node_driver(cluster) == (None, "AKS")


def test_hangar_size_does_not_offer_a_gpu_the_releases_image_has_no_kernels_for():
    from typer.testing import CliRunner

    from hangar.cli import app

    def v100_options(*extra: str) -> tuple[set[str], list[str]]:
        result = CliRunner().invoke(app, ["size", "Qwen/Qwen2.5-7B-Instruct", "--precision", "fp16", "--cloud", "aws", "--why-not", "--limit", "0",
                                          "--format", "json", *extra])  # fmt: skip
        assert result.exit_code == 0, result.output
        document = json.loads(result.stdout)
        feasible = {o["instance_type"] for o in document["feasible"] if o["accelerator"] == "V100-16GB"}
        reasons = [" ".join(r["reasons"]) for r in document["infeasible"] if r["accelerator"] == "V100-16GB"]
        return feasible, reasons

    pinned, reasons = v100_options()
    assert not pinned and reasons
    assert all("the vllm/vllm-openai:v0.33.0 image (CUDA 13.0.3) is built for compute capability 7.5" in r for r in reasons)
    assert all("V100-16GB has 7.0: its server would fail with no kernel for the GPU" in r for r in reasons)
    older, _ = v100_options("--engine-version", "v0.11.2")
    assert {"p3.8xlarge", "p3.16xlarge"} <= older
