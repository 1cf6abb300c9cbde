"""The loaded catalog and its lookups.

`Catalog` is an immutable value built by `hangar.catalog.loader`; every
lookup of a name it does not know raises `CatalogLookupError` listing what it
does know, so a typo in a stack config reads as a suggestion, not a KeyError.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional

from .errors import CatalogLookupError
from .kubernetes import KubernetesCloud, KubernetesVersion, Support, support
from .licence_row import Licence
from .model_row import Model
from .performance import AcceleratorPerformance, ServingMeasurement
from .schema import (
    CLOUDS,
    Gpu,
    InstanceType,
    PositiveFloat,
    PositiveInt,
    Row,
    TpuMachine,
)
from .topology import parse_topology, topology_chips, topology_hosts


class TpuSliceShape(Row):
    """What a (generation, topology) asks of GKE: machine type, node count, chips, prices."""

    generation: str
    topology: str
    machine_type: str
    gke_accelerator: str
    chips: PositiveInt
    hosts: PositiveInt
    chips_per_host: PositiveInt
    single_host: bool
    hbm_per_chip_gib: PositiveFloat
    price_ondemand_usd_per_chip_hr: Optional[float] = None
    price_spot_usd_per_chip_hr: Optional[float] = None
    price_region: Optional[str] = None
    source: str
    as_of: datetime.date

    @property
    def nodes(self) -> int:
        """Kubernetes nodes of the node pool (= hosts)."""
        return self.hosts

    @property
    def hbm_total_gib(self) -> float:
        return self.hbm_per_chip_gib * self.chips

    def price_usd_hr(self, spot: bool = False) -> float | None:
        """Price of the whole slice per hour; None when the per-chip price is unknown."""
        per_chip = self.price_spot_usd_per_chip_hr if spot else self.price_ondemand_usd_per_chip_hr
        return None if per_chip is None else per_chip * self.chips


def _price_order(row: InstanceType) -> tuple:
    price = row.price_ondemand_usd_hr
    return (price is None, price if price is not None else 0.0, row.gpu_count, row.instance_type, row.region)


@dataclass(frozen=True)
class Catalog:
    """GPUs, GPU instance types, GKE TPU machines, models and licences, validated and cross-checked."""

    gpus: Mapping[str, Gpu]
    instances: tuple[InstanceType, ...]
    tpus: tuple[TpuMachine, ...]
    models: Mapping[str, Model]
    licences: Mapping[str, Licence]
    kubernetes_versions: tuple[KubernetesVersion, ...] = ()
    performance: Mapping[str, AcceleratorPerformance] = field(default_factory=dict)
    """Datasheet peaks per accelerator name (`accelerator_performance.csv`)."""
    measurements: tuple[ServingMeasurement, ...] = ()
    """Published serving measurements: the performance model's calibration table (`serving_measurements.csv`)."""

    def __post_init__(self) -> None:
        # Read-only views: the catalog is cached and shared, so nobody may mutate it.
        object.__setattr__(self, "gpus", MappingProxyType(dict(self.gpus)))
        object.__setattr__(self, "models", MappingProxyType(dict(self.models)))
        object.__setattr__(self, "licences", MappingProxyType(dict(self.licences)))
        object.__setattr__(self, "instances", tuple(self.instances))
        object.__setattr__(self, "tpus", tuple(self.tpus))
        object.__setattr__(self, "kubernetes_versions", tuple(self.kubernetes_versions))
        object.__setattr__(self, "performance", MappingProxyType(dict(self.performance)))
        object.__setattr__(self, "measurements", tuple(self.measurements))

    # --- Kubernetes versions ------------------------------------------------------

    def kubernetes_support(self, cloud: KubernetesCloud, version: str, today: datetime.date) -> Support:
        """Where a Kubernetes version stands on a cloud (eks, gke, aks, upstream) on a day: standard, extended, ended or unknown."""
        return support(self.kubernetes_versions, cloud, version, today)

    # --- GPUs, models, licences -------------------------------------------------

    def gpu(self, name: str) -> Gpu:
        """The GPU with this canonical name (e.g. "H100-SXM")."""
        try:
            return self.gpus[name]
        except KeyError:
            raise CatalogLookupError("GPU", name, sorted(self.gpus)) from None

    def model(self, hf_id: str) -> Model:
        """The model with this Hugging Face repo id (e.g. "meta-llama/Llama-3.1-70B-Instruct")."""
        try:
            return self.models[hf_id]
        except KeyError:
            raise CatalogLookupError("model", hf_id, sorted(self.models)) from None

    def lineage(self, hf_id: str) -> tuple[Model, ...]:
        """The model and the models it derives from, nearest first (a base the catalog lacks ends the chain)."""
        chain: list[Model] = []
        current = self.models.get(hf_id)
        while current is not None and current not in chain:  # a cycle stops at the first repeat
            chain.append(current)
            current = self.models.get(current.base_model) if current.base_model else None
        return tuple(chain)

    def model_licences(self, hf_id: str) -> tuple[tuple[Licence, Model], ...]:
        """Every licence whose terms bind a deployment of `hf_id`, each with the model row that carries it.

        A derived model (fine-tune, distillation, quantised repack) carries its own licence and
        inherits its base's - `base_licence_id`, and the licences of its `base_model` chain.
        """
        found: dict[str, tuple[Licence, Model]] = {}
        for model in self.lineage(hf_id):
            for licence_id in (model.licence_id, model.base_licence_id):
                if licence_id and licence_id not in found:
                    found[licence_id] = (self.licence(licence_id), model)
        return tuple(found.values())

    def licence(self, licence_id: str) -> Licence:
        """The licence with this id (e.g. "llama-3.1-community")."""
        try:
            return self.licences[licence_id]
        except KeyError:
            raise CatalogLookupError("licence", licence_id, sorted(self.licences)) from None

    # --- instances ----------------------------------------------------------------

    def _check_cloud(self, cloud: str) -> None:
        if cloud not in CLOUDS:
            raise CatalogLookupError("cloud", cloud, CLOUDS)

    def instance(self, cloud: str, instance_type: str, region: str | None = None) -> InstanceType:
        """The row for this instance type; without `region`, the first (reference-region) row."""
        self._check_cloud(cloud)
        rows = [r for r in self.instances if r.cloud == cloud and r.instance_type == instance_type]
        if not rows:
            known = list(dict.fromkeys(r.instance_type for r in self.instances if r.cloud == cloud))
            raise CatalogLookupError("instance type", instance_type, known, f" on {cloud}")
        if region is None:
            return rows[0]
        for row in rows:
            if row.region == region:
                return row
        raise CatalogLookupError("region", region, [r.region for r in rows], f" for {cloud} {instance_type}")

    def instances_for(
        self, cloud: str, gpu: str | None = None, gpu_count: int | None = None, region: str | None = None, *, cpu_only: bool = False
    ) -> list[InstanceType]:
        """GPU instance rows of a cloud, optionally filtered, cheapest on-demand first; unknown prices last.

        CPU-only rows (system node types) are left out; `cpu_only=True` lists just those instead.
        """
        self._check_cloud(cloud)
        if gpu is not None:
            self.gpu(gpu)  # raises with the known GPU names
        rows = [
            r
            for r in self.instances
            if r.cloud == cloud
            and r.has_gpu != cpu_only
            and (gpu is None or r.gpu == gpu)
            and (gpu_count is None or r.gpu_count == gpu_count)
            and (region is None or r.region == region)
        ]
        return sorted(rows, key=_price_order)

    # --- TPUs -----------------------------------------------------------------------

    def tpu_generations(self) -> list[str]:
        """TPU generation ids in catalog order (v4, v5e, v5p, v6e, tpu7x, then any added by overrides)."""
        return list(dict.fromkeys(t.generation for t in self.tpus))

    def tpu_machines(self, generation: str) -> list[TpuMachine]:
        """The machine rows of one generation (single-host rows first)."""
        rows = [t for t in self.tpus if t.generation == generation]
        if not rows:
            raise CatalogLookupError("TPU generation", generation, self.tpu_generations())
        return sorted(rows, key=lambda t: not t.single_host)

    def tpu_slice(self, generation: str, topology: str, machine_type: str | None = None) -> TpuSliceShape:
        """The GKE shape of a TPU slice: machine type, chips, nodes and per-chip prices.

        When a topology is offered both single-host (e.g. v5e 2x4 on
        ct5lp-hightpu-8t, one node) and multi-host (2x4 on two
        ct5lp-hightpu-4t nodes), the single-host shape wins unless
        `machine_type` picks the other.
        """
        rows = self.tpu_machines(generation)
        if machine_type is not None:
            rows = [t for t in rows if t.machine_type == machine_type]
            if not rows:
                known = sorted({t.machine_type for t in self.tpu_machines(generation)})
                raise CatalogLookupError("TPU machine type", machine_type, known, f" for {generation}")
        try:
            parse_topology(topology)
            wanted = topology.strip()
        except ValueError:
            wanted = None
        for row in rows:
            if wanted is not None and wanted in row.topologies:
                return TpuSliceShape(
                    generation=row.generation,
                    topology=wanted,
                    machine_type=row.machine_type,
                    gke_accelerator=row.gke_accelerator,
                    chips=topology_chips(wanted),
                    hosts=topology_hosts(wanted, row.chips_per_host, row.single_host),
                    chips_per_host=row.chips_per_host,
                    single_host=row.single_host,
                    hbm_per_chip_gib=row.hbm_per_chip_gib,
                    price_ondemand_usd_per_chip_hr=row.price_ondemand_usd_per_chip_hr,
                    price_spot_usd_per_chip_hr=row.price_spot_usd_per_chip_hr,
                    price_region=row.price_region,
                    source=row.source,
                    as_of=row.as_of,
                )
        valid = sorted({t for row in rows for t in row.topologies}, key=lambda t: (topology_chips(t), t))
        where = f" for {generation}" + (f" on {machine_type}" if machine_type else "")
        raise CatalogLookupError("TPU topology", topology, valid, where)
