"""The catalog's nodes as `hangar size` offers them, and what a ranking says of each: a feasible option or a rejection.

Kept apart from `hangar.sizing.ranking` (which checks and orders them) so each module has one job: these are the
records, with their JSON forms; unknown prices stay None, never free.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from hangar.catalog import Catalog, InstanceType

from .accelerators import with_performance
from .memory import Accelerator, MemoryFit
from .throughput import ThroughputEstimate, usd_per_million_tokens, usd_per_month


@dataclass(frozen=True)
class Machine:
    """One purchasable node: a cloud instance type or a single-host TPU slice machine."""

    cloud: str
    instance_type: str
    region: str
    accelerator: Accelerator
    accelerators: int
    price_ondemand_usd_hr: float | None
    price_spot_usd_hr: float | None
    price_source: str | None
    as_of: datetime.date
    flags: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return self.accelerator.kind

    def price(self, spot: bool) -> float | None:
        return self.price_spot_usd_hr if spot else self.price_ondemand_usd_hr


def machines(catalog: Catalog, clouds: Iterable[str] | None = None, *, include_tpus: bool = True) -> list[Machine]:
    """Every GPU instance row (reference regions) and every single-host GKE TPU machine of the catalog.

    Multi-host TPU slices are not offered: serving one replica across hosts is multi-node serving.
    """
    wanted = set(clouds) if clouds else None
    found: list[Machine] = []
    for row in catalog.instances:
        if not row.has_gpu or (wanted is not None and row.cloud not in wanted):
            continue
        found.append(_machine_of_instance(catalog, row))
    if include_tpus and (wanted is None or "gcp" in wanted):
        for tpu in catalog.tpus:
            if not tpu.single_host:
                continue
            chips = tpu.chips_per_host
            found.append(
                Machine(
                    cloud="gcp",
                    instance_type=tpu.machine_type,
                    region=tpu.price_region or "unknown",
                    accelerator=with_performance(catalog, tpu),
                    accelerators=chips,
                    price_ondemand_usd_hr=None if tpu.price_ondemand_usd_per_chip_hr is None else tpu.price_ondemand_usd_per_chip_hr * chips,
                    price_spot_usd_hr=None if tpu.price_spot_usd_per_chip_hr is None else tpu.price_spot_usd_per_chip_hr * chips,
                    price_source=tpu.price_source,
                    as_of=tpu.as_of,
                    flags=("TPU", f"TOPOLOGY_{tpu.topologies[0]}"),
                )
            )
    return found


def _machine_of_instance(catalog: Catalog, row: InstanceType) -> Machine:
    return Machine(
        cloud=row.cloud,
        instance_type=row.instance_type,
        region=row.region,
        accelerator=with_performance(catalog, catalog.gpu(row.gpu)),
        accelerators=row.gpu_count,
        price_ondemand_usd_hr=row.price_ondemand_usd_hr,
        price_spot_usd_hr=row.price_spot_usd_hr,
        price_source=row.price_source,
        as_of=row.as_of,
        flags=row.flags,
    )


@dataclass(frozen=True)
class Option:
    """A feasible way to serve the model: a node of `machine`, `replicas_per_node` replicas of TP `tensor_parallel`."""

    machine: Machine
    precision: str
    kv_cache_dtype: str
    tensor_parallel: int
    replicas_per_node: int
    spot: bool
    fit: MemoryFit
    throughput: ThroughputEstimate
    data_parallel: int = 1
    """Engines per replica (`--data-parallel-size`), each of `tensor_parallel` accelerators."""
    expert_parallel: bool = False

    @property
    def cloud(self) -> str:
        return self.machine.cloud

    @property
    def instance_type(self) -> str:
        return self.machine.instance_type

    @property
    def usd_per_hour(self) -> float | None:
        return self.machine.price(self.spot)

    @property
    def usd_per_month(self) -> float | None:
        return usd_per_month(self.usd_per_hour)

    @property
    def node_decode_tokens_per_s(self) -> float | None:
        """ESTIMATE: output tokens/s of the whole node (every replica it holds)."""
        tps = self.throughput.decode_tokens_per_s
        return None if tps is None else tps * self.replicas_per_node

    @property
    def usd_per_million_tokens(self) -> float | None:
        """ESTIMATE: $ per million output tokens with the node fully busy; None when price or speed is unknown."""
        return usd_per_million_tokens(self.usd_per_hour, self.node_decode_tokens_per_s)

    def to_json(self) -> dict:
        m = self.machine
        return {
            "cloud": m.cloud,
            "instance_type": m.instance_type,
            "region": m.region,
            "accelerator": m.accelerator.name,
            "accelerators_per_node": m.accelerators,
            "precision": self.precision,
            "kv_cache_dtype": self.kv_cache_dtype,
            "tensor_parallel": self.tensor_parallel,
            "data_parallel": self.data_parallel,
            "expert_parallel": self.expert_parallel,
            "replicas_per_node": self.replicas_per_node,
            "capacity": "spot" if self.spot else "on-demand",
            "usd_per_hour": self.usd_per_hour,
            "usd_per_month": self.usd_per_month,
            "node_decode_tokens_per_s_estimate": self.node_decode_tokens_per_s,
            "usd_per_million_output_tokens_estimate": self.usd_per_million_tokens,
            "price_source": m.price_source,
            "as_of": m.as_of.isoformat(),
            "flags": list(m.flags),
            "memory": self.fit.to_json(),
            "throughput": self.throughput.to_json(),
        }


@dataclass(frozen=True)
class Rejected:
    """A (machine, precision) that cannot serve the model, and why."""

    machine: Machine
    precision: str
    reasons: tuple[str, ...]
    needs_multiple_nodes: bool = False

    def to_json(self) -> dict:
        m = self.machine
        return {
            "cloud": m.cloud,
            "instance_type": m.instance_type,
            "accelerator": m.accelerator.name,
            "accelerators_per_node": m.accelerators,
            "precision": self.precision,
            "reasons": list(self.reasons),
            "needs_multiple_nodes": self.needs_multiple_nodes,
        }
