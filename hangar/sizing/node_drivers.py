"""The NVIDIA driver branch each target installs on the GPU nodes Hangar creates, where a primary source says it.

* EKS (`AL2023_x86_64_NVIDIA`, no `releaseVersion`, so a node group gets the newest AMI release of its Kubernetes
  minor): awslabs/amazon-eks-ami at commit 81fec2e8 (2026-07-23), CHANGELOG.md "AMI Release v20260714": every
  `amazon-eks-node-al2023-x86_64-nvidia-1.30` to `-1.36` AMI ships `kmod-nvidia-latest-dkms` 580.159.03; the build
  takes `nvidia_driver_major_version` 580 from templates/al2023/variables-default.json, overridden to 570 for 1.28
  only (templates/al2023/variables-1.28.json). 1.29 is not in that release: unknown.
* On-prem with `gpu_operator: operator`: the NVIDIA GPU Operator chart Hangar pins installs its `driver.version`,
  595.91.07 at v26.7.0 (NVIDIA/gpu-operator deployments/gpu-operator/values.yaml at tag v26.7.0, commit 10ee5b36).
  With `device-plugin` or `none` the site installs its own driver: unknown.
* GKE (`gpuDriverInstallationConfig.gpuDriverVersion: DEFAULT`) and AKS (`gpuProfile.driver: Install`): the driver
  version is the node image's. Google's table of default drivers per GKE version and the AKS node image's driver
  were not read here: unknown, so an image needing a newer driver is not judged there.
"""

from __future__ import annotations

from typing import Any

EKS_DRIVERS = {**{f"1.{minor}": 580 for minor in range(30, 37)}, "1.28": 570}
"""NVIDIA driver branch of the newest EKS AL2023 NVIDIA AMI, by Kubernetes minor (the module docstring has the source)."""

GPU_OPERATOR_DRIVERS = {"v26.7.0": 595}
"""The driver branch each GPU Operator chart release installs by default (its values.yaml `driver.version`)."""


def node_driver(cluster: Any) -> tuple[int | None, str]:
    """(driver branch or None when unknown, what installs it) for the GPU nodes of a spec cluster."""
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
    return None, "the AKS node image"
