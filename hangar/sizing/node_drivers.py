"""The NVIDIA driver branch each target installs on the GPU nodes Hangar creates, where a primary source says it.

* EKS (`AL2023_x86_64_NVIDIA`, no `releaseVersion`, so a node group gets the newest AMI release of its Kubernetes
  minor): awslabs/amazon-eks-ami at commit 81fec2e8 (2026-07-23), CHANGELOG.md "AMI Release v20260714": every
  `amazon-eks-node-al2023-x86_64-nvidia-1.30` to `-1.36` AMI ships `kmod-nvidia-latest-dkms` 580.159.03; the build
  takes `nvidia_driver_major_version` 580 from templates/al2023/variables-default.json, overridden to 570 for 1.28
  only (templates/al2023/variables-1.28.json). 1.29 is not in that release: unknown.
* On-prem with `gpu_operator: operator`: the NVIDIA GPU Operator chart Hangar pins installs its `driver.version`,
  595.91.07 at v26.7.0 (NVIDIA/gpu-operator deployments/gpu-operator/values.yaml at tag v26.7.0, commit 10ee5b36).
  With `device-plugin` or `none` the site installs its own driver: unknown.
* AKS (`gpuProfile.driver: Install`): AKS's node provisioning, Azure/AgentBaker at commit 06836ee2 (2026-08-21):
  pkg/agent/baker.go `GetGPUDriverType` gives CUDA compute sizes (T4, V100, A100, H100, H200, ...) the "cuda-lts"
  image, the converged sizes of pkg/agent/datamodel/gpu_components.go `ConvergedGPUDriverSizes` (NVads A10 v5,
  NCads A10 v4) the "grid" image; parts/common/components.json pins `aks-gpu-cuda-lts` 580.159.04 and `aks-gpu-grid`
  570.211.01.
* GKE (`gpuDriverInstallationConfig.gpuDriverVersion: DEFAULT`): the driver is the one Google's table names for the
  node's GKE version, which was not read here: unknown, so an image needing a newer driver is not judged there.
"""

from __future__ import annotations

from typing import Any

EKS_DRIVERS = {**{f"1.{minor}": 580 for minor in range(30, 37)}, "1.28": 570}
"""NVIDIA driver branch of the newest EKS AL2023 NVIDIA AMI, by Kubernetes minor (the module docstring has the source)."""

AKS_GRID_SIZES = frozenset(
    f"standard_{size}" for size in (
        "nv6ads_a10_v5", "nv12ads_a10_v5", "nv18ads_a10_v5", "nv36ads_a10_v5", "nv72ads_a10_v5", "nv36adms_a10_v5",
        "nc8ads_a10_v4", "nc16ads_a10_v4", "nc32ads_a10_v4",
    )
)
"""AgentBaker's `ConvergedGPUDriverSizes`: VM sizes that get the GRID (vGPU guest) driver, lower-cased."""
AKS_DRIVERS = {"cuda-lts": 580, "grid": 570}
"""The driver branch of each AKS GPU driver image (parts/common/components.json)."""

GPU_OPERATOR_DRIVERS = {"v26.7.0": 595}
"""The driver branch each GPU Operator chart release installs by default (its values.yaml `driver.version`)."""


def node_driver(cluster: Any, instance_type: str | None = None) -> tuple[int | None, str]:
    """(driver branch or None when unknown, what installs it) for the GPU nodes of a spec cluster (of this VM size on AKS)."""
    provider = cluster.provider
    if provider == "aws":
        version = cluster.kubernetes_version
        return EKS_DRIVERS.get(version), f"the EKS AL2023 NVIDIA AMI for Kubernetes {version}"
    if provider == "onprem":
        if cluster.gpu_operator == "operator":
            from hangar.installed_charts import GPU_OPERATOR_VERSION

            return GPU_OPERATOR_DRIVERS.get(GPU_OPERATOR_VERSION), f"the NVIDIA GPU Operator {GPU_OPERATOR_VERSION}"
        return None, "the site"
    if provider == "gcp":
        return None, "GKE's DEFAULT driver"
    if instance_type is None:
        return None, "AKS"
    image = "grid" if instance_type.lower() in AKS_GRID_SIZES else "cuda-lts"
    return AKS_DRIVERS[image], f"AKS's {image} driver image for {instance_type}"
