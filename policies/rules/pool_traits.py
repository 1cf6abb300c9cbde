"""What the scheduler and the node autoscaler see of a node pool beyond its hardware: taints, zones, sizes, device provider.

Read from any program's pool resources (EKS node groups, GKE node pools, AKS agent pools and the
pools inside a ManagedCluster, Hangar's on-prem pools) by type and inputs. An unknown stays unknown
(`None`): the readiness rules say so rather than guess.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from hangar.cost import PricedLine
from hangar.records import ResourceRecord

EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}
"""Cloud API taint effects (EKS `taints[].effect`, GKE `nodeConfig.taints[].effect`) in Kubernetes' spelling."""

PLATFORMS = {
    "aws:eks/nodeGroup:NodeGroup": "eks",
    "gcp:container/nodePool:NodePool": "gke",
    "azure-native:containerservice:AgentPool": "aks",
    "azure-native:containerservice:ManagedCluster": "aks",
    "hangar:onprem:GpuNodePool": "onprem",
}

BOTTLEROCKET_NVIDIA = ("BOTTLEROCKET_x86_64_NVIDIA", "BOTTLEROCKET_ARM_64_NVIDIA")
"""EKS AMI types whose image carries the NVIDIA device plugin: "When using the EKS-optimized Bottlerocket AMIs with
NVIDIA GPUs, you don't need to install the NVIDIA Kubernetes device plugin" (AL2023 NVIDIA AMIs do need it).
Source: https://docs.aws.amazon.com/eks/latest/userguide/ml-eks-k8s-device-plugin.html (read 2026-12-01)."""

GKE_DRIVER_OFF = "INSTALLATION_DISABLED"
"""`gpuDriverInstallationConfig.gpuDriverVersion` value that leaves the driver to the user (pulumi-gcp 10.2 schema:
GPU_DRIVER_VERSION_UNSPECIFIED | INSTALLATION_DISABLED | DEFAULT | LATEST). GKE runs its own device plugin on GPU
nodes; with the driver installed it advertises `nvidia.com/gpu`."""

_GCP_ZONE = re.compile(r"^[a-z]+-[a-z]+[0-9]+-[a-z]$")


@dataclasses.dataclass(frozen=True)
class PoolTraits:
    """Taints, zones, sizes and who provides the accelerators of one pool."""

    platform: str = "unknown"
    """eks, gke, aks, onprem or unknown."""
    taints: tuple[tuple[str, str, str], ...] = ()
    """(key, value, effect) with Kubernetes effect names."""
    zones: tuple[str, ...] | None = ()
    """The zones its nodes are spread over; () when the pool has no zone (on-prem); None when several but not listed."""
    zone_count: int | None = 1
    """How many zones (None: unknown)."""
    max_nodes: int | None = None
    fixed_nodes: int | None = None
    """EKS managed node groups: the desired size, all the nodes there are unless a node autoscaler grows the group."""
    devices_by_platform: bool = False
    """The platform itself advertises the accelerators (GKE GPU pool with driver installation, GKE TPU, Bottlerocket NVIDIA)."""
    why_not_by_platform: str = ""
    """For a pool whose platform does not provide them: what it would take."""


def pool_traits(line: PricedLine, record: ResourceRecord, by_urn: dict[str, ResourceRecord]) -> PoolTraits:
    """The traits of the pool a priced line describes (its record is the node group / pool / cluster)."""
    platform = PLATFORMS.get(record.type, "unknown")
    inputs = record.inputs
    if record.type == "aws:eks/nodeGroup:NodeGroup":
        zones = _eks_zones(record, by_urn)
        scaling = inputs.get("scalingConfig") or {}
        ami = str(inputs.get("amiType") or "")
        by_platform = ami in BOTTLEROCKET_NVIDIA
        return PoolTraits(
            platform, _api_taints(inputs.get("taints")), zones, _zone_count(zones, len(inputs.get("subnetIds") or [])),
            line.count_max, _int(scaling.get("desiredSize")), by_platform,
            "" if by_platform else f"its AMI type {ami or 'default'} carries no device plugin (only the Bottlerocket NVIDIA AMIs do)",
        )  # fmt: skip
    if record.type == "gcp:container/nodePool:NodePool":
        node_config = inputs.get("nodeConfig") or {}
        zones = _gke_zones(record, by_urn)
        by_platform, why = _gke_devices(node_config, line)
        return PoolTraits(platform, _api_taints(node_config.get("taints")), zones, _zone_count(zones, 0), line.count_max, None, by_platform, why)
    if record.type in ("azure-native:containerservice:AgentPool", "azure-native:containerservice:ManagedCluster"):
        profile = inputs
        if record.type.endswith("ManagedCluster"):
            profile = next((p for p in inputs.get("agentPoolProfiles") or [] if isinstance(p, dict) and p.get("name") == line.pool), {})
        zones = tuple(str(z) for z in profile.get("availabilityZones") or ())
        return PoolTraits(
            platform, _string_taints(profile.get("nodeTaints")), zones, len(zones) or 1, line.count_max, None, False,
            "AKS installs the NVIDIA driver but not the device plugin",
        )  # fmt: skip
    if record.type == "hangar:onprem:GpuNodePool":
        taints = tuple(
            (str(t.get("key", "")), str(t.get("value", "")), EFFECTS.get(str(t.get("effect")), str(t.get("effect"))))
            for t in inputs.get("taints") or []
            if isinstance(t, dict)
        )
        return PoolTraits(platform, taints, (), 1, line.count_max, None, False, "on-prem nodes get no device plugin from the platform")
    return PoolTraits(platform, (), None, None, line.count_max, None, False, "the platform is not known to provide one")


def _api_taints(taints: Any) -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (str(t.get("key", "")), str(t.get("value", "")), EFFECTS.get(str(t.get("effect")), str(t.get("effect"))))
        for t in taints or []
        if isinstance(t, dict)
    )


def _string_taints(taints: Any) -> tuple[tuple[str, str, str], ...]:
    """AKS `nodeTaints`: `key=value:Effect` strings."""
    found = []
    for text in taints or []:
        pair, _, effect = str(text).rpartition(":")
        key, _, value = pair.partition("=")
        found.append((key, value, effect))
    return tuple(found)


def _eks_zones(record: ResourceRecord, by_urn: dict[str, ResourceRecord]) -> tuple[str, ...] | None:
    """Zones of the subnets a node group depends on; None when its subnets are not planned with literal zones."""
    subnets = [by_urn[d] for d in record.dependencies if d in by_urn and by_urn[d].type == "aws:ec2/subnet:Subnet"]
    zones = {str(s.inputs.get("availabilityZone") or s.inputs.get("availabilityZoneId") or "") for s in subnets}
    if subnets and "" not in zones:
        return tuple(sorted(zones))
    return None if len(record.inputs.get("subnetIds") or []) > 1 else ()


def _gke_zones(record: ResourceRecord, by_urn: dict[str, ResourceRecord]) -> tuple[str, ...] | None:
    inputs = record.inputs
    if inputs.get("nodeLocations"):
        return tuple(str(z) for z in inputs["nodeLocations"])
    for dependency in record.dependencies:
        cluster = by_urn.get(dependency)
        if cluster is not None and cluster.type == "gcp:container/cluster:Cluster" and cluster.inputs.get("nodeLocations"):
            return tuple(str(z) for z in cluster.inputs["nodeLocations"])
    location = str(inputs.get("location") or "")
    return (location,) if _GCP_ZONE.match(location) else None


def _zone_count(zones: tuple[str, ...] | None, subnets: int) -> int | None:
    if zones is None:
        return None
    return len(zones) or (1 if subnets <= 1 else None)


def _gke_devices(node_config: dict[str, Any], line: PricedLine) -> tuple[bool, str]:
    """GKE advertises TPUs itself; GPUs once their driver is installed (gpuDriverInstallationConfig)."""
    if str(line.machine_type or "").startswith(("ct", "tpu")):
        return True, ""
    accelerators = [a for a in node_config.get("guestAccelerators") or [] if isinstance(a, dict)]
    if not accelerators:
        return False, "it has no guestAccelerators"
    driver = (accelerators[0].get("gpuDriverInstallationConfig") or {}).get("gpuDriverVersion")
    if driver and driver != GKE_DRIVER_OFF:
        return True, ""
    if driver == GKE_DRIVER_OFF:
        return False, "its GPU driver installation is disabled (INSTALLATION_DISABLED)"
    return False, "it sets no gpuDriverInstallationConfig (GKE installs a driver by default only from 1.30.1-gke.1156000)"


def _int(value: Any) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None
