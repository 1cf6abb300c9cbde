"""The NVIDIA device plugin on cloud GPU pools whose node image does not run one (EKS, AKS).

Without a device plugin a GPU node advertises no `nvidia.com/gpu`, so every pod that asks for one
stays Pending. What each cloud gives by itself (read 2026-12-01):

* EKS: the accelerated AL2023 AMI (`AL2023_x86_64_NVIDIA`) ships the driver and the container
  toolkit, not the plugin — "When using the EKS-optimized AL2023 AMIs with NVIDIA GPUs, you must
  install the NVIDIA Kubernetes device plugin" (https://docs.aws.amazon.com/eks/latest/userguide/ml-eks-k8s-device-plugin.html;
  only the Bottlerocket NVIDIA AMIs and EKS Auto Mode include it).
* AKS: the node image installs the driver (`gpuProfile.driver: Install`; the installed
  pulumi-azure-native 3.29 `containerservice.GPUProfile` has no other setting than `driver`,
  Install | None), and "While the NVidia drivers are installed by default on GPU capable nodes, you
  need to install the device plugin" (MicrosoftDocs/azure-aks-docs articles/aks/gpu-cluster.md,
  commit 002d7f48fe70f0bce043c7c32ef3880e0d832204, "Options for using NVIDIA GPUs").
* GKE installs its own plugin with the driver (`gpuDriverInstallationConfig` on the pool), and TPU
  pools advertise `google.com/tpu` themselves: nothing to install there.
* On-prem installs the GPU Operator or this same chart itself (`hangar.components.onprem`).

`NvidiaDevicePlugin` is the pinned `nvidia-device-plugin` Helm chart (the same pin as on-prem),
restricted to the Hangar GPU pools by node affinity on `hangar.dev/pool` and tolerating every
taint those pools carry, so it lands on exactly the nodes the model servers land on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pulumi
from hangar.components.helm import chart_release
from hangar.components.labels import POOL
from hangar.components.onprem import DEVICE_PLUGIN, DEVICE_PLUGIN_IMAGES
from hangar.components.placement import GPU_RESOURCE, PoolPlacement

# The chart read at tag v0.20.0 of github.com/NVIDIA/k8s-device-plugin (commit
# 1b826acc6af3079d8923bac395c3124b8861a9a6, 2026-08-19), deployments/helm/nvidia-device-plugin:
# - values.yaml: `tolerations` (default CriticalAddonsOnly and nvidia.com/gpu Exists NoSchedule),
#   `nodeSelector` ({}), `affinity` (default: nodes labelled by node-feature-discovery as having an
#   NVIDIA PCI device, or `nvidia.com/gpu.present=true` — labels cloud GPU nodes do not carry
#   unless NFD runs), `image.repository` nvcr.io/nvidia/k8s-device-plugin, `gfd.enabled` false;
# - templates/daemonset-device-plugin.yml renders nodeSelector, affinity and tolerations as given
#   (toYaml); Helm replaces lists, so our tolerations and nodeSelectorTerms replace the defaults;
# - templates/validation.yml refuses the `default` namespace.
# The chart ships no values.schema.json.
CRITICAL_ADDONS_TOLERATION = {"key": "CriticalAddonsOnly", "operator": "Exists"}
"""Kept from the chart's defaults (its values.yaml marks it deprecated but keeps it)."""


def gpu_pools(pools: Mapping[str, PoolPlacement]) -> list[PoolPlacement]:
    """The pools whose nodes advertise `nvidia.com/gpu` (TPU slices are not among them)."""
    return [placement for placement in pools.values() if placement.accelerator_resource == GPU_RESOURCE]


def plugin_tolerations(pools: Iterable[PoolPlacement]) -> list[dict[str, str]]:
    """Every taint of every GPU pool, once each, plus the chart's CriticalAddonsOnly toleration."""
    tolerations = [CRITICAL_ADDONS_TOLERATION]
    for placement in pools:
        tolerations += [t for t in placement.tolerations if t not in tolerations]
    return tolerations


def plugin_values(pools: Iterable[PoolPlacement], image_registry: pulumi.Input[str] | None = None) -> dict[str, Any]:
    """Chart values: tolerate the pools' taints, run only on their nodes, images from `image_registry` if set."""
    pools = list(pools)
    values: dict[str, Any] = {
        "tolerations": plugin_tolerations(pools),
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": [{"key": POOL, "operator": "In", "values": sorted(p.pool for p in pools)}]}]
                }
            }
        },
    }
    if image_registry is not None:
        values["image"] = {"repository": mirrored_image(image_registry)}
    return values


def mirrored_image(image_registry: pulumi.Input[str]) -> pulumi.Output[str]:
    """`<registry>/nvidia/k8s-device-plugin`: the upstream path under a private registry, as on-prem mirrors do."""
    return pulumi.Output.concat(image_registry, "/", DEVICE_PLUGIN_IMAGES["image"].split("/", 1)[1])


class NvidiaDevicePlugin(pulumi.ComponentResource):
    """`hangar:device_plugin:NvidiaDevicePlugin`: the pinned NVIDIA device plugin release on a cluster's GPU pools.

    One Helm release (`DEVICE_PLUGIN`, namespace `nvidia-device-plugin`) whose DaemonSet runs only on
    nodes whose `hangar.dev/pool` is one of `pools`' GPU pools and tolerates their taints (the GPU
    taint, each pool's own, AKS's spot taint). With `image_registry` (an air-gapped cluster's private
    registry) the image comes from there and must be imported into it first; `mirrored_images` says
    what from where. The chart comes from `cluster_spec.chart_repository` (the cluster's chart mirror) when set.
    """

    def __init__(
        self,
        name: str,
        pools: Mapping[str, PoolPlacement],
        *,
        provider: pulumi.ProviderResource,
        image_registry: pulumi.Input[str] | None = None,
        cluster_spec: Any = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("hangar:device_plugin:NvidiaDevicePlugin", name, None, opts)
        gpu = gpu_pools(pools)
        self.mirrored_images: dict[str, pulumi.Output[str]] = {}
        if image_registry is not None:
            self.mirrored_images[DEVICE_PLUGIN_IMAGES["image"]] = mirrored_image(image_registry)
        self.release = chart_release(
            name,
            DEVICE_PLUGIN,
            plugin_values(gpu, image_registry),
            cluster=cluster_spec,
            description="Installed by Hangar: advertises nvidia.com/gpu on the GPU pools",
            opts=pulumi.ResourceOptions(parent=self, provider=provider),
        )
        self.register_outputs({"pools": sorted(p.pool for p in gpu), "mirrored_images": self.mirrored_images})
