"""AMD GPU pools (MI300X) on the on-prem target: served with vLLM's ROCm image where the release publishes one (v0.33.0),
refused at config time where it does not (v0.11.2, releases not read) and for accelerators Hangar serves no image for.

What a user would notice: the server pod's image, `amd.com/gpu` requests and tolerations; the namespace quota on
`requests.amd.com/gpu`; the AMD device plugin chart (and no NVIDIA GPU stack on an AMD-only cluster); `hangar check`
green for v0.33.0, and `hangar plan` / `hangar check` exiting 2 (a config error) with the refusal for v0.11.2. NVIDIA pools beside
them keep their image, resource and stack.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hangar.cli import app
from hangar.sizing.rocm_images import amd_refusal, rocm_image
from tests.amd_plans import DEPLOYMENT, MI300, amd_environment, charts, server_pod
from tests.config_errors import config_problems
from tests.onprem_plans import QUOTA, copy_project, plan_environment

runner = CliRunner()


def test_a_deployment_on_an_mi300x_pool_runs_vllms_rocm_image_on_amd_gpus():
    plan, _ = plan_environment(amd_environment())
    pod = server_pod(plan)
    (container,) = pod["containers"]
    assert container["image"] == "vllm/vllm-openai-rocm:v0.33.0"
    assert container["resources"]["requests"]["amd.com/gpu"] == container["resources"]["limits"]["amd.com/gpu"] == "1"
    assert "nvidia.com/gpu" not in json.dumps(container["resources"])
    assert pod["tolerations"] == [{"key": "amd.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert pod["nodeSelector"] == {"example.com/gpu-class": "mi300x"}
    assert "runtimeClassName" not in pod


def test_an_amd_only_cluster_gets_the_amd_device_plugin_and_an_amd_gpu_quota_not_the_nvidia_stack():
    plan, _ = plan_environment(amd_environment())
    installed = charts(plan)
    assert set(installed) == {"amd-gpu"}  # no gpu-operator, no dcgm-exporter on a cluster without NVIDIA GPUs
    plugin = installed["amd-gpu"]
    assert (plugin["version"], plugin["namespace"], plugin["repositoryOpts"]["repo"]) == ("0.21.0", "kube-system", "https://rocm.github.io/k8s-device-plugin")
    assert plugin["values"]["tolerations"] == [
        {"key": "CriticalAddonsOnly", "operator": "Exists"},
        {"key": "amd.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
    ]
    (quota,) = plan.of_type(QUOTA)
    assert quota.inputs["spec"]["hard"] == {"requests.amd.com/gpu": "16"}


def test_a_mixed_cluster_keeps_its_nvidia_stack_on_the_nvidia_pools_and_quotas_each_resource():
    a100 = {"name": "a100", "gpu": "A100-80GB", "gpus_per_node": 8, "max_nodes": 1, "node_selector": {"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB"}}
    tainted = {**MI300, "taints": [{"key": "example.com/dedicated", "value": "amd", "effect": "NoSchedule"}]}
    raw = amd_environment(a100, tainted, gpu_operator="device-plugin")
    raw["deployments"].append({**DEPLOYMENT, "name": "qwen-nv", "pool": "a100"})
    plan, _ = plan_environment(raw)
    assert server_pod(plan, "qwen-nv")["containers"][0]["image"] == "vllm/vllm-openai:v0.33.0"
    assert server_pod(plan, "qwen-nv")["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    installed = charts(plan)
    assert set(installed) == {"amd-gpu", "nvidia-device-plugin", "dcgm-exporter"}
    assert {"key": "amd.com/gpu", "operator": "Exists", "effect": "NoSchedule"} not in installed["nvidia-device-plugin"]["values"]["tolerations"]
    assert {"key": "example.com/dedicated", "operator": "Equal", "value": "amd", "effect": "NoSchedule"} in installed["amd-gpu"]["values"]["tolerations"]
    terms = installed["dcgm-exporter"]["values"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [{"matchExpressions": [{"key": "nvidia.com/gpu.product", "operator": "In", "values": ["NVIDIA-A100-SXM4-80GB"]}]}]
    (quota,) = plan.of_type(QUOTA)
    assert quota.inputs["spec"]["hard"] == {"requests.nvidia.com/gpu": "8", "requests.amd.com/gpu": "16"}


def test_behind_a_registry_mirror_both_the_server_and_the_plugin_image_come_from_it():
    mirror = "registry.dc1.internal:5000/mirror"
    raw = amd_environment(air_gapped=True, registry_mirror=mirror, chart_repository="oci://registry.dc1.internal:5000/charts")
    raw["deployments"][0]["weights"] = {"source": "mirror", "endpoint": "https://hf-mirror.dc1.internal"}
    plan, cluster = plan_environment(raw)
    assert server_pod(plan)["containers"][0]["image"] == f"{mirror}/vllm/vllm-openai-rocm:v0.33.0"
    assert charts(plan)["amd-gpu"]["values"]["dp"] == {"image": {"repository": f"{mirror}/rocm/k8s-device-plugin"}}
    assert cluster.mirrored_images == {"docker.io/rocm/k8s-device-plugin": f"{mirror}/rocm/k8s-device-plugin"}


def test_with_the_gpu_stack_managed_elsewhere_no_plugin_is_installed():
    plan, _ = plan_environment(amd_environment(gpu_operator="none", dcgm_exporter=False))
    assert charts(plan) == {}


@pytest.mark.parametrize("engine_version", ["v0.11.2", "v0.20.0"])
def test_a_release_without_a_rocm_image_on_an_amd_pool_is_a_config_error_at_the_pool(engine_version):
    assert config_problems(amd_environment(engine_version=engine_version)) == [
        "Pulumi.test.yaml: hangar:environment.deployments[0].pool: pool mi300's MI300X is an AMD GPU, and vLLM "
        f"{engine_version} publishes no ROCm image Hangar has read (a vllm/vllm-openai image is CUDA only and would crash there); "
        "set engine_version to v0.33.0 (served as vllm/vllm-openai-rocm) or put the deployment on an NVIDIA GPU pool; got 'mi300'"
    ]


def test_an_intel_gaudi_pool_is_sized_but_refused_for_serving():
    gaudi = {"name": "gaudi", "gpu": "Gaudi3", "gpus_per_node": 8, "max_nodes": 1, "node_selector": {"example.com/gpu-class": "gaudi3"}}
    raw = amd_environment(gaudi)
    raw["deployments"][0]["pool"] = "gaudi"
    assert config_problems(raw) == [
        "Pulumi.test.yaml: hangar:environment.deployments[0].pool: pool gaudi's Gaudi3 is an Intel accelerator: Hangar sizes it but "
        "serves only NVIDIA GPUs (vllm/vllm-openai) and AMD GPUs (vllm/vllm-openai-rocm), and pins no vLLM image for it; "
        "put the deployment on an NVIDIA or AMD GPU pool; got 'gaudi'"
    ]


def test_the_rocm_image_is_refused_for_a_gpu_its_kernels_are_not_built_for():
    assert rocm_image("0.33.0").reference == "vllm/vllm-openai-rocm:v0.33.0"
    assert amd_refusal("v0.33.0", "pool x's MI300X", "CDNA3 (gfx942)") is None
    assert amd_refusal("v0.33.0", "pool x's MI100", "CDNA (gfx908)") == (
        "the vllm/vllm-openai-rocm:v0.33.0 image (ROCm 10.0.0) is built for gfx90a, gfx942, gfx950, gfx1100, gfx1101, gfx1200, "
        "gfx1201, gfx1150, gfx1151 only, and pool x's MI100 is gfx908: its server would fail with no kernel for the GPU; "
        "put the deployment on another GPU pool"
    )


STACK = """config:
  hangar:environment:
    name: mi
    tier: dev
    owner: ml-platform
    cost_centre: cc-1
    budget:
      monthly_ceiling_usd: 100000
    clusters:
      - provider: onprem
        name: dc1
        node_pools:
          - name: mi300
            gpu: MI300X
            gpus_per_node: 8
            max_nodes: 1
            usd_per_gpu_hour: 2.5
            node_selector:
              example.com/gpu-class: mi300x
    deployments:
      - name: qwen
        model: Qwen/Qwen2.5-7B-Instruct
        pool: mi300
        latency_class: batch
        engine_version: {version}
        autoscaling:
          min_replicas: 1
          max_replicas: 1
"""


def test_hangar_check_passes_an_mi300x_stack_at_v0_33_0_and_plan_and_check_refuse_it_at_v0_11_2(tmp_path):
    (tmp_path / "served").mkdir()
    (tmp_path / "refused").mkdir()
    served = copy_project(tmp_path / "served", "mi", STACK.replace("{version}", "v0.33.0"))
    result = runner.invoke(app, ["check", "mi", "-C", str(served), "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [v for stack in json.loads(result.stdout) for v in stack["violations"] if v["level"] == "mandatory"] == []
    refused = copy_project(tmp_path / "refused", "mi", STACK.replace("{version}", "v0.11.2"))
    for command in ("plan", "check"):
        result = runner.invoke(app, [command, "mi", "-C", str(refused)], catch_exceptions=False)
        assert result.exit_code == 2, result.output  # a config error, as every bad stack file
        assert "hangar:environment.deployments[0].pool: pool mi300's MI300X is an AMD GPU, and vLLM v0.11.2 publishes no ROCm image" in result.output
