"""One pricer per resource type: read a record's inputs, look its machines up in the catalog, return priced lines.

Records are plain `hangar.records.ResourceRecord`s in Pulumi's wire form (camelCase keys, numbers as
floats), so any Pulumi program's resources are priced, not only Hangar's. Recognised (`PRICERS`):

* `aws:eks/nodeGroup:NodeGroup` — `instanceTypes` x `scalingConfig.minSize`/`maxSize`, `capacityType`;
* `gcp:container/nodePool:NodePool` — `nodeConfig.machineType` (TPU `ct*`/`tpu7x-*` machines priced per
  chip-hour x chips per host), `autoscaling.totalMin/MaxNodeCount` (whole pool) or
  `autoscaling.min/maxNodeCount`, `nodeCount`, `initialNodeCount` (PER ZONE: x the pool's zones);
* `azure-native:containerservice:AgentPool` and the `agentPoolProfiles` of
  `azure-native:containerservice:ManagedCluster` — `vmSize`, `minCount`/`maxCount`/`count`,
  `scaleSetPriority`;
* `aws:ec2/instance:Instance`, `gcp:compute/instance:Instance` — one machine each;
* `hangar:onprem:GpuNodePool` — `gpu`, `gpusPerNode`, `minNodes`, `maxNodes`, `usdPerGpuHour` (an
  amortised rate; else a catalog `onprem` row of that GPU; else unknown).

A price the catalog cannot give stays unknown (None) on its line, with a note saying why.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hangar.catalog import Catalog, CatalogLookupError, InstanceType, TpuMachine
from hangar.records import ResourceRecord

from .report import PricedLine

POOL_KEYS = ("hangar.dev/pool", "hangar-dev_pool")
"""Label/tag keys that name a Hangar pool (AWS and Kubernetes spelling, GCP/Azure spelling)."""

GKE_DEFAULT_ZONES = 3
"""Zones a regional GKE node pool spans when neither it nor its cluster names them (GKE's default)."""

TPU_MACHINE_PREFIXES = ("ct4p-", "ct5lp-", "ct5p-", "ct6e-", "tpu7x-")


# --- shared helpers ---------------------------------------------------------------------------------------


@dataclass
class _Context:
    catalog: Catalog
    by_urn: dict[str, ResourceRecord]
    records: list[ResourceRecord]
    default_regions: dict[str, str]

    def provider_inputs(self, record: ResourceRecord) -> dict[str, Any]:
        """Inputs of the explicit provider a resource uses (its reference is `urn::id`)."""
        if not record.provider:
            return {}
        provider = self.by_urn.get(record.provider.rsplit("::", 1)[0])
        return provider.inputs if provider is not None else {}

    def reference_region(self, cloud: str) -> str | None:
        return next((row.region for row in self.catalog.instances if row.cloud == cloud), None)


def _count(value: Any) -> int | None:
    """A node count from a wire value (numbers arrive as floats); None when not a known whole number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) and float(value).is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value and not value.startswith("[") else None


def _pool_name(record: ResourceRecord, *mappings: Any, fallback: str | None = None) -> str:
    for mapping in mappings:
        if isinstance(mapping, dict):
            for key in POOL_KEYS:
                if isinstance(mapping.get(key), str):
                    return mapping[key]
    return fallback or record.name


def _capacity_label(*mappings: Any) -> str | None:
    for mapping in mappings:
        if isinstance(mapping, dict):
            for key in ("hangar.dev/capacity", "hangar-dev_capacity"):
                if isinstance(mapping.get(key), str):
                    return mapping[key]
    return None


@dataclass(frozen=True)
class _Price:
    each: float | None
    price_region: str | None
    source: str | None
    as_of: datetime.date | None
    accelerators: str | None
    notes: tuple[str, ...]


def _instance_price(ctx: _Context, cloud: str, machine_type: str | None, region: str | None, spot: bool) -> tuple[_Price, InstanceType | None]:
    """Price of one machine of `machine_type` from the catalog; unknown (None) when the catalog cannot say."""
    notes: list[str] = []
    if not machine_type:
        return _Price(None, None, None, None, None, ("machine type not known from the plan",)), None
    try:
        row = ctx.catalog.instance(cloud, machine_type, region) if region else ctx.catalog.instance(cloud, machine_type)
    except CatalogLookupError as error:
        if error.kind != "region":
            return _Price(None, None, None, None, None, (f"{machine_type} is not in the catalog: price unknown (add it with a catalog override)",)), None
        row = ctx.catalog.instance(cloud, machine_type)
        notes.append(f"priced at the {row.region} list price (the catalog has no {region} price for {machine_type})")
    if not region:
        notes.append(f"region not given by the plan: assumed the catalog's reference region {row.region}")
    each = row.price_usd_hr(spot)
    if each is None:
        notes.append(f"the catalog has no {'spot' if spot else 'on-demand'} price for {machine_type}")
    accelerators = f"{row.gpu_count} x {row.gpu}" if row.has_gpu else None
    for flag in ("SUSPECT_LOW", "ESTIMATE", "AS_OF_APPROX"):
        if flag in row.flags:
            notes.append(f"catalog flag {flag}")
    source = row.price_source if each is not None else None
    return _Price(each, row.region, source, row.as_of if each is not None else None, accelerators, tuple(notes)), row


def _line(record: ResourceRecord, cloud: str, pool: str, machine_type: str | None, region: str | None, price: _Price,
          count_min: int | None, count_max: int | None, capacity: str, extra_notes: Iterable[str] = ()) -> PricedLine:
    return PricedLine(
        urn=record.urn,
        name=record.name,
        type=record.type,
        pool=pool,
        cloud=cloud,
        machine_type=machine_type,
        region=region,
        price_region=price.price_region,
        accelerators=price.accelerators,
        count_min=count_min,
        count_max=count_max,
        capacity=capacity,
        usd_per_hour_each=price.each,
        price_source=price.source,
        as_of=price.as_of,
        notes=tuple(dict.fromkeys([*extra_notes, *price.notes])),
    )


# --- AWS ---------------------------------------------------------------------------------------------------


def _aws_region(record: ResourceRecord, ctx: _Context) -> str | None:
    return _text(ctx.provider_inputs(record).get("region")) or ctx.default_regions.get("aws")


def _eks_node_group(record: ResourceRecord, ctx: _Context) -> list[PricedLine]:
    inputs = record.inputs
    scaling = inputs.get("scalingConfig") or {}
    count_min, count_max = _count(scaling.get("minSize")), _count(scaling.get("maxSize"))
    capacity_type = inputs.get("capacityType") or "ON_DEMAND"
    reserved = _capacity_label(inputs.get("tags"), inputs.get("labels")) == "reserved"
    spot = capacity_type == "SPOT"
    capacity = "spot" if spot else "reserved" if reserved else "on-demand"
    region = _aws_region(record, ctx)
    pool = _pool_name(record, inputs.get("labels"), inputs.get("tags"), fallback=_text(inputs.get("nodeGroupName")))
    notes = []
    types = [t for t in inputs.get("instanceTypes") or [] if _text(t)]
    if capacity_type not in ("ON_DEMAND", "SPOT"):
        price = _Price(None, None, None, None, None, (f"capacityType {capacity_type}: not a list price the catalog has",))
        return [_line(record, "aws", pool, types[0] if types else None, region, price, count_min, count_max, "reserved")]
    if not types:
        price = _Price(None, None, None, None, None, ("no instanceTypes: the launch template or EKS's default decides; price unknown",))
        return [_line(record, "aws", pool, None, region, price, count_min, count_max, capacity)]
    priced = [(_instance_price(ctx, "aws", t, region, spot)[0], t) for t in types]
    if len(types) > 1:
        known = [(p, t) for p, t in priced if p.each is not None]
        if len(known) < len(priced):
            price, machine = next((p, t) for p, t in priced if p.each is None)
        else:
            price, machine = max(known, key=lambda pt: pt[0].each)
        notes.append(f"{len(types)} instance types ({', '.join(types)}): priced at the dearest")
    else:
        price, machine = priced[0]
    if reserved:
        notes.append("reserved capacity priced at the on-demand list price (paid whether used or not)")
    return [_line(record, "aws", pool, machine, region, price, count_min, count_max, capacity, notes)]


def _ec2_instance(record: ResourceRecord, ctx: _Context) -> list[PricedLine]:
    inputs = record.inputs
    machine = _text(inputs.get("instanceType"))
    spot = bool(inputs.get("instanceMarketOptions"))
    region = _aws_region(record, ctx)
    price, _ = _instance_price(ctx, "aws", machine, region, spot)
    return [_line(record, "aws", _pool_name(record, inputs.get("tags")), machine, region, price, 1, 1, "spot" if spot else "on-demand")]


# --- GCP ---------------------------------------------------------------------------------------------------

_ZONE = re.compile(r"^[a-z]+-[a-z]+[0-9]+-[a-z]$")


def _gcp_region(location: str | None) -> str | None:
    if not location:
        return None
    return location.rsplit("-", 1)[0] if _ZONE.match(location) else location


def _gke_zones(record: ResourceRecord, ctx: _Context) -> tuple[int | None, str | None]:
    """How many zones a node pool spans, and a note when that had to be assumed."""
    inputs = record.inputs
    locations = inputs.get("nodeLocations")
    if isinstance(locations, list) and locations:
        return len(locations), None
    cluster_name = _text(inputs.get("cluster"))
    for other in ctx.records:
        if other.type == "gcp:container/cluster:Cluster" and cluster_name and cluster_name in (other.inputs.get("name"), other.name):
            cluster_locations = other.inputs.get("nodeLocations")
            if isinstance(cluster_locations, list) and cluster_locations:
                return len(cluster_locations), None
    location = _text(inputs.get("location"))
    if location and _ZONE.match(location):
        return 1, None
    return GKE_DEFAULT_ZONES, f"zones not given: assumed {GKE_DEFAULT_ZONES} (GKE's default for a regional pool) for its per-zone counts"


def _gke_counts(record: ResourceRecord, ctx: _Context) -> tuple[int | None, int | None, list[str]]:
    inputs = record.inputs
    autoscaling = inputs.get("autoscaling") or {}
    notes: list[str] = []
    if "totalMinNodeCount" in autoscaling or "totalMaxNodeCount" in autoscaling:
        return _count(autoscaling.get("totalMinNodeCount", 0)), _count(autoscaling.get("totalMaxNodeCount")), notes
    zones, assumed = _gke_zones(record, ctx)
    if assumed:
        notes.append(assumed)

    def per_zone(value: Any) -> int | None:
        count = _count(value)
        return None if count is None or zones is None else count * zones

    if "minNodeCount" in autoscaling or "maxNodeCount" in autoscaling:
        notes.append(f"GKE min/maxNodeCount are per zone: x {zones} zones")
        return per_zone(autoscaling.get("minNodeCount", 0)), per_zone(autoscaling.get("maxNodeCount")), notes
    for key in ("nodeCount", "initialNodeCount"):
        if inputs.get(key) is not None:
            if zones != 1:
                notes.append(f"GKE {key} is per zone: x {zones} zones")
            count = per_zone(inputs.get(key))
            return count, count, notes
    notes.append("no node count in the plan")
    return None, None, notes


def _tpu_price(ctx: _Context, machine_type: str, topology: str | None, region: str | None, spot: bool) -> _Price | None:
    rows: list[TpuMachine] = [t for t in ctx.catalog.tpus if t.machine_type == machine_type]
    if not rows:
        return None
    if topology:
        row = next((t for t in rows if topology in t.topologies), rows[0])
    else:  # no topology in the plan: a single-host machine has exactly one
        row = next((t for t in rows if t.single_host), rows[0])
        topology = row.topologies[0] if row.single_host and len(row.topologies) == 1 else None
    per_chip = row.price_spot_usd_per_chip_hr if spot else row.price_ondemand_usd_per_chip_hr
    shape = f" {topology}" if topology else ""
    accelerators = f"TPU {row.generation}{shape} ({row.chips_per_host} chips/node)"
    notes = []
    if per_chip is None:
        notes.append(f"the catalog has no {'spot' if spot else 'on-demand'} price for TPU {row.generation}")
        return _Price(None, None, None, None, accelerators, tuple(notes))
    if region and row.price_region and region != row.price_region:
        notes.append(f"priced at the {row.price_region} per-chip rate (the catalog's TPU price region); the pool is in {region}")
    elif not region:
        notes.append(f"region not given by the plan: priced at the catalog's {row.price_region} per-chip rate")
    notes.append(f"{per_chip:g} $/chip-hour x {row.chips_per_host} chips per node")
    return _Price(per_chip * row.chips_per_host, row.price_region, row.price_source, row.as_of, accelerators, tuple(notes))


def _gke_node_pool(record: ResourceRecord, ctx: _Context) -> list[PricedLine]:
    inputs = record.inputs
    config = inputs.get("nodeConfig") or {}
    machine = _text(config.get("machineType"))
    spot = bool(config.get("spot") or config.get("preemptible"))
    affinity = (config.get("reservationAffinity") or {}).get("consumeReservationType")
    reserved = affinity in ("ANY_RESERVATION", "SPECIFIC_RESERVATION") or _capacity_label(config.get("resourceLabels"), config.get("labels")) == "reserved"
    capacity = "spot" if spot else "reserved" if reserved else "on-demand"
    region = _gcp_region(_text(inputs.get("location"))) or _text(ctx.provider_inputs(record).get("region")) or ctx.default_regions.get("gcp")
    pool = _pool_name(record, config.get("labels"), config.get("resourceLabels"), fallback=_text(inputs.get("name")))
    count_min, count_max, notes = _gke_counts(record, ctx)
    if machine is None:
        price = _Price(None, None, None, None, None, ("no nodeConfig.machineType (GKE would use its default): price unknown",))
        return [_line(record, "gcp", pool, None, region, price, count_min, count_max, capacity, notes)]
    if reserved:
        notes.append("reserved capacity priced at the on-demand list price (paid whether used or not)")
    topology = _text((inputs.get("placementPolicy") or {}).get("tpuTopology"))
    if machine.startswith(TPU_MACHINE_PREFIXES) or any(t.machine_type == machine for t in ctx.catalog.tpus):
        price = _tpu_price(ctx, machine, topology, region, spot)
        if price is None:
            price = _Price(None, None, None, None, None, (f"TPU machine type {machine} is not in the catalog: price unknown",))
        return [_line(record, "gcp", pool, machine, region, price, count_min, count_max, capacity, notes)]
    price, row = _instance_price(ctx, "gcp", machine, region, spot)
    accelerators = [a for a in config.get("guestAccelerators") or [] if isinstance(a, dict)]
    if row is not None and price.each is not None:
        problem = _gke_accelerator_problem(row, accelerators)
        if problem:
            price = _Price(None, None, None, None, price.accelerators, (problem,))
    return [_line(record, "gcp", pool, machine, region, price, count_min, count_max, capacity, notes)]


def _gke_accelerator_problem(row: InstanceType, attached: list[dict]) -> str | None:
    """The catalog prices N1 machines with their T4s attached, and CPU machines with none: check the plan agrees."""
    total = sum(_count(a.get("count")) or 0 for a in attached)
    if not row.has_gpu:
        return f"{row.instance_type} with {total} attached GPUs is not in the catalog: price unknown" if total else None
    if row.instance_type.startswith("n1-"):
        types = {a.get("type") for a in attached}
        if total != row.gpu_count or types != {row.gke_accelerator}:
            shown = ", ".join(f"{_count(a.get('count'))} x {a.get('type')}" for a in attached) or "no GPUs"
            return f"the catalog prices {row.instance_type} with {row.gpu_count} x {row.gke_accelerator}; the plan attaches {shown}: price unknown"
    elif total and total != row.gpu_count:
        return f"{row.instance_type} has {row.gpu_count} GPUs but the plan attaches {total}: price unknown"
    return None


def _gce_instance(record: ResourceRecord, ctx: _Context) -> list[PricedLine]:
    inputs = record.inputs
    machine = _text(inputs.get("machineType"))
    scheduling = inputs.get("scheduling") or {}
    spot = scheduling.get("provisioningModel") == "SPOT" or bool(scheduling.get("preemptible"))
    region = _gcp_region(_text(inputs.get("zone"))) or _text(ctx.provider_inputs(record).get("region")) or ctx.default_regions.get("gcp")
    price, _ = _instance_price(ctx, "gcp", machine, region, spot)
    return [_line(record, "gcp", _pool_name(record, inputs.get("labels")), machine, region, price, 1, 1, "spot" if spot else "on-demand")]


# --- Azure -------------------------------------------------------------------------------------------------


def _azure_region(record: ResourceRecord, ctx: _Context, cluster: ResourceRecord | None = None) -> str | None:
    if cluster is not None and _text(cluster.inputs.get("location")):
        return cluster.inputs["location"]
    return _text(record.inputs.get("location")) or _text(ctx.provider_inputs(record).get("location")) or ctx.default_regions.get("azure")


def _azure_pool(record: ResourceRecord, ctx: _Context, profile: Mapping[str, Any], region: str | None, pool_name: str | None) -> PricedLine:
    machine = _text(profile.get("vmSize"))
    spot = profile.get("scaleSetPriority") == "Spot"
    reserved = _capacity_label(profile.get("tags"), profile.get("nodeLabels")) == "reserved"
    capacity = "spot" if spot else "reserved" if reserved else "on-demand"
    notes = []
    autoscale = bool(profile.get("enableAutoScaling")) or (profile.get("minCount") is not None and profile.get("maxCount") is not None)
    if autoscale:
        count_min, count_max = _count(profile.get("minCount")), _count(profile.get("maxCount"))
    elif profile.get("count") is not None:
        count_min = count_max = _count(profile.get("count"))
    else:
        count_min = count_max = 1
        notes.append("no count: AKS's default of 1 node assumed")
    pool = _pool_name(record, profile.get("nodeLabels"), profile.get("tags"), fallback=pool_name)
    if machine is None:
        price = _Price(None, None, None, None, None, ("no vmSize (AKS would use its default): price unknown",))
    else:
        price, _ = _instance_price(ctx, "azure", machine, region, spot)
    if reserved:
        notes.append("reserved capacity priced at the on-demand list price (paid whether used or not)")
    return _line(record, "azure", pool, machine, region, price, count_min, count_max, capacity, notes)


def _aks_cluster_of(record: ResourceRecord, ctx: _Context) -> ResourceRecord | None:
    name = _text(record.inputs.get("resourceName"))
    for other in ctx.records:
        if other.type == "azure-native:containerservice:ManagedCluster" and name and name in (other.inputs.get("resourceName"), other.name):
            return other
    return None


def _aks_agent_pool(record: ResourceRecord, ctx: _Context) -> list[PricedLine]:
    region = _azure_region(record, ctx, _aks_cluster_of(record, ctx))
    return [_azure_pool(record, ctx, record.inputs, region, _text(record.inputs.get("agentPoolName")))]


def _aks_managed_cluster(record: ResourceRecord, ctx: _Context) -> list[PricedLine]:
    region = _azure_region(record, ctx, record)
    profiles = [p for p in record.inputs.get("agentPoolProfiles") or [] if isinstance(p, dict)]
    return [_azure_pool(record, ctx, profile, region, _text(profile.get("name"))) for profile in profiles]


# --- on-prem -----------------------------------------------------------------------------------------------


def _get(inputs: Mapping[str, Any], camel: str, snake: str) -> Any:
    return inputs.get(camel, inputs.get(snake))


def _onprem_pool(record: ResourceRecord, ctx: _Context) -> list[PricedLine]:
    inputs = record.inputs
    gpu = _text(inputs.get("gpu"))
    per_node = _count(_get(inputs, "gpusPerNode", "gpus_per_node"))
    rate = _get(inputs, "usdPerGpuHour", "usd_per_gpu_hour")
    count_min, count_max = _count(_get(inputs, "minNodes", "min_nodes")), _count(_get(inputs, "maxNodes", "max_nodes"))
    pool = _pool_name(record, inputs.get("labels"), fallback=_text(inputs.get("pool")) or record.name)
    accelerators = f"{per_node} x {gpu}" if gpu and per_node else None
    machine = _text(_get(inputs, "instanceType", "instance_type"))
    if isinstance(rate, (int, float)) and not isinstance(rate, bool) and rate > 0 and per_node:
        price = _Price(rate * per_node, None, "usd_per_gpu_hour in the stack config (amortised)", None, accelerators,
                       (f"{rate:g} $/GPU-hour x {per_node} GPUs per node (amortised, from the stack config)",))
    else:
        rows = [r for r in ctx.catalog.instances if r.cloud == "onprem" and r.gpu == gpu and (per_node is None or r.gpu_count == per_node)]
        if machine:
            rows = [r for r in ctx.catalog.instances if r.cloud == "onprem" and r.instance_type == machine] or rows
        priced = [r for r in rows if r.price_ondemand_usd_hr is not None]
        if priced:
            row = priced[0]
            price = _Price(row.price_ondemand_usd_hr, row.region, row.price_source, row.as_of, accelerators or f"{row.gpu_count} x {row.gpu}",
                           (f"amortised rate of catalog on-prem row {row.instance_type}",))
            machine = machine or row.instance_type
        else:
            price = _Price(None, None, None, None, accelerators,
                           ("no usd_per_gpu_hour in the stack config and no priced on-prem catalog row for this GPU: price unknown",))
    return [_line(record, "onprem", pool, machine, None, price, count_min, count_max, "reserved")]


PRICERS: dict[str, Callable[[ResourceRecord, _Context], list[PricedLine]]] = {
    "aws:eks/nodeGroup:NodeGroup": _eks_node_group,
    "aws:ec2/instance:Instance": _ec2_instance,
    "gcp:container/nodePool:NodePool": _gke_node_pool,
    "gcp:compute/instance:Instance": _gce_instance,
    "azure-native:containerservice:AgentPool": _aks_agent_pool,
    "azure-native:containerservice:ManagedCluster": _aks_managed_cluster,
    "hangar:onprem:GpuNodePool": _onprem_pool,
}
"""Type token -> a function from one record to its priced lines. Add an entry to price a new resource type."""

