"""The policy pack on vLLM servers whose image does not match their pool's GPU vendor (any program, not only Hangar's):
a CUDA `vllm-openai` image asking for `amd.com/gpu` on an MI300X pool, a ROCm tag of a release without a ROCm image, and
vLLM's ROCm image on an NVIDIA pool are refused by `hangar-hardware-fit`; Hangar's own AMD server passes. An AMD
instance on a cloud pool (only a catalog override can name one) is a config error."""

from __future__ import annotations

import copy
import dataclasses

from hangar.policies.rules import evaluate, load_pack_config

from hangar.records import ResourceRecord
from tests.amd_plans import DEPLOYMENT, STATEFULSET, amd_environment
from tests.azure_plans import AZURE_ENVIRONMENT
from tests.catalog_overrides import override
from tests.config_errors import config_problems
from tests.onprem_plans import plan_environment

A100 = {"name": "a100", "gpu": "A100-80GB", "gpus_per_node": 8, "max_nodes": 1, "node_selector": {"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB"}}


def fit_findings(raw: dict, image: str | None = None) -> list[tuple[str, str]]:
    """(level, message) of hangar-hardware-fit on the planned environment, its server's image replaced by `image`."""
    plan, _ = plan_environment(raw)
    records = [_with_image(r, image) if image and r.type == STATEFULSET else r for r in plan]
    configs = load_pack_config({}, "test")
    return [(v.level, v.message) for v in evaluate(records, configs) if v.policy == "hangar-hardware-fit"]


def _with_image(record: ResourceRecord, image: str) -> ResourceRecord:
    inputs = copy.deepcopy(record.inputs)
    inputs["spec"]["template"]["spec"]["containers"][0]["image"] = image
    return dataclasses.replace(record, inputs=inputs)


def test_hangars_own_server_on_an_mi300x_pool_fits():
    assert fit_findings(amd_environment()) == []


def test_a_cuda_image_asking_for_amd_gpus_is_refused():
    ((level, message),) = fit_findings(amd_environment(), "vllm/vllm-openai:v0.33.0")
    assert level == "mandatory"
    assert message.endswith(
        "the vllm/vllm-openai:v0.33.0 image is built for CUDA (NVIDIA GPUs) and cannot start on MI300X, an AMD GPU; "
        "run vLLM's ROCm image vllm/vllm-openai-rocm:v0.33.0"
    ), message


def test_a_rocm_tag_of_a_release_without_a_rocm_image_is_refused():
    ((_, message),) = fit_findings(amd_environment(), "registry.dc1.internal:5000/mirror/vllm/vllm-openai-rocm:v0.11.2")
    assert message.endswith("vLLM v0.11.2 publishes no ROCm image Hangar has read (vllm/vllm-openai-rocm releases read: v0.33.0)"), message


def test_vllms_rocm_image_on_an_nvidia_pool_is_refused():
    raw = amd_environment(A100)
    raw["deployments"] = [{**DEPLOYMENT, "pool": "a100"}]
    assert fit_findings(raw) == []
    ((_, message),) = fit_findings(raw, "vllm/vllm-openai-rocm:v0.33.0")
    assert message.endswith(
        "the vllm/vllm-openai-rocm:v0.33.0 image is built for ROCm (AMD GPUs), and A100-80GB is an NVIDIA GPU; run vllm/vllm-openai:v0.33.0"
    ), message


def test_an_amd_instance_on_a_cloud_pool_is_refused_at_config_time(tmp_path):
    """Only a catalog override can put an AMD GPU on a cloud pool: the cloud targets install NVIDIA's stack, so it is refused."""
    override(tmp_path / "ours", "instances.csv", "instance_type", "Standard_ND96isr_H100_v5", instance_type="Standard_ND96isr_MI300X_v5", gpu="MI300X")
    raw = copy.deepcopy(AZURE_ENVIRONMENT)
    raw["catalog_overrides"] = str(tmp_path / "ours")
    raw["clusters"][0]["node_pools"][1]["instance_type"] = "Standard_ND96isr_MI300X_v5"
    raw["deployments"] = [{**DEPLOYMENT, "pool": "h100"}]
    assert config_problems(raw) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].node_pools[1].instance_type: Hangar GPU pools run NVIDIA drivers, "
        "and Standard_ND96isr_MI300X_v5 has AMD MI300X; got 'Standard_ND96isr_MI300X_v5'"
    ]
