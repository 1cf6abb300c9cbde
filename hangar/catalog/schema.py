"""The typed rows of the catalog (the model row is in model_row.py, the licence row in licence_row.py), the cell types
they share, plus the TPU slice shape.

Every row is a fact with a `source` and an `as_of` date.  A value that is not
known is `None` — never 0, never a guess: a price left empty is an unknown
price, and the budget rule treats it as a violation, not as free.  Rows are
frozen and reject unknown columns, so a typo in a data file is an error, not
a silently ignored cell.

Instance `flags` are upper-case tokens that qualify a row.  The packaged data uses:
SUSPECT_LOW (price looks too low — do not use as a ceiling), SPOT_SUSPECT_LOW,
ESTIMATE (price derived from component rates), COMPUTED (summed from list
prices), AS_OF_APPROX (snapshot date undetermined; as_of is a bound),
SPEC_UNVERIFIED (vCPU/memory/GPU from knowledge), PRICE_UNKNOWN, NO_SPOT
(no spot offer in the source), GPU_COUNT_CORRECTED (source had a wrong GPU
count), GPU_VARIANT (the canonical GPU is a close variant, e.g. PCIe vs SXM).
Users may add their own tokens.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Iterable, Literal, Optional

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from .errors import RowProblem
from .topology import parse_topology, topology_chips

CLOUDS = ("aws", "gcp", "azure", "onprem")
Cloud = Literal["aws", "gcp", "azure", "onprem"]


def _split_words(value: object) -> object:
    """Space-separated cell -> tuple of words (lists/tuples pass through)."""
    if isinstance(value, str):
        return tuple(value.split())
    return value


def _check_topology(value: str) -> str:
    parse_topology(value)
    return value


PositiveFloat = Annotated[float, Field(gt=0)]
PositiveInt = Annotated[int, Field(gt=0)]
Price = Annotated[float, Field(gt=0, description="USD; leave the cell empty when unknown (0 is not a price)")]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")]
Text = Annotated[str, Field(min_length=1)]
Flags = Annotated[tuple[Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")], ...], BeforeValidator(_split_words)]
Words = Annotated[tuple[str, ...], BeforeValidator(_split_words)]
Topology = Annotated[str, AfterValidator(_check_topology)]
Topologies = Annotated[tuple[Topology, ...], BeforeValidator(_split_words), Field(min_length=1)]


class Row(BaseModel):
    """Base of every catalog row: frozen, no unknown columns, no NaN/inf."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class Gpu(Row):
    """An accelerator model: memory, bandwidth and the number formats vLLM can serve on it.

    `fp8` means native W8A8 fp8 (Ada/Hopper/Blackwell, MI300X); Ampere and
    older only run fp8 checkpoints weight-only.  `awq` and `gptq` are vLLM v0.11.2's docs table ("Supported Hardware",
    docs/features/quantization/README.md); Hangar judges them per vLLM release from the code instead
    (`hangar.sizing.quant_kernels`: NVIDIA GPUs by compute capability, AMD ones where the release's ROCm path was read),
    and `hangar catalog gpus` shows that judgement.  `peak_bf16_tflops` is the
    dense figure (a datasheet's sparse figure halved), given only where a vendor figure was read;
    `accelerator_performance.csv` holds every datasheet peak with the pages it was read from.
    """

    name: Text
    vendor: Text
    architecture: Text
    memory_gib: PositiveFloat
    memory_bandwidth_gbps: Optional[PositiveFloat] = None
    bf16: bool
    fp16: bool
    fp8: bool
    int8: bool
    awq: bool
    gptq: bool
    interconnect: Text
    peak_bf16_tflops: Optional[PositiveFloat] = None
    source: Text
    as_of: datetime.date
    notes: Optional[str] = None


class InstanceType(Row):
    """A machine with GPUs, priced per hour in one region.

    The key is (cloud, instance_type, region); the packaged data has one
    priced region per cloud (AWS us-east-1, GCP us-central1, Azure
    eastus).  An on-prem server priced at an amortised rate is a row with
    cloud=onprem.  `gke_accelerator` is the GKE node label value, for GCP only.
    A CPU-only machine (a cluster's system nodes, so that they can be priced)
    leaves `gpu` empty and has `gpu_count` 0; `Catalog.instances_for` skips
    such rows unless asked for them.
    """

    cloud: Cloud
    instance_type: Text
    region: Text
    gpu: Optional[Text] = None
    gpu_count: Annotated[int, Field(ge=0)]
    vcpus: Optional[PositiveInt] = None
    memory_gib: Optional[PositiveFloat] = None
    price_ondemand_usd_hr: Optional[Price] = None
    price_spot_usd_hr: Optional[Price] = None
    price_source: Optional[str] = None
    as_of: datetime.date
    spec_source: Text
    gke_accelerator: Optional[str] = None
    flags: Flags = ()
    notes: Optional[str] = None

    @model_validator(mode="after")
    def _consistent(self) -> "InstanceType":
        if self.gpu is None and self.gpu_count:
            raise RowProblem("gpu", None, f"required when gpu_count is {self.gpu_count} (a CPU-only machine has gpu empty and gpu_count 0)")
        if self.gpu is not None and not self.gpu_count:
            raise RowProblem("gpu_count", self.gpu_count, f"must be at least 1 for a machine with {self.gpu} GPUs (leave gpu empty for a CPU-only machine)")
        if self.gke_accelerator and self.cloud != "gcp":
            raise RowProblem("gke_accelerator", self.gke_accelerator, f"only GCP rows carry a GKE accelerator label (cloud is {self.cloud})")
        priced = self.price_ondemand_usd_hr is not None or self.price_spot_usd_hr is not None
        if priced and not self.price_source:
            raise RowProblem("price_source", None, "required when a price is given: say where the price comes from")
        return self

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.cloud, self.instance_type, self.region)

    def price_usd_hr(self, spot: bool = False) -> float | None:
        """On-demand (or spot) price of the whole machine; None when unknown."""
        return self.price_spot_usd_hr if spot else self.price_ondemand_usd_hr

    @property
    def has_gpu(self) -> bool:
        return self.gpu is not None

    def price_per_gpu_usd_hr(self, spot: bool = False) -> float | None:
        """Price per GPU-hour; None when the price is unknown or the machine has no GPU."""
        price = self.price_usd_hr(spot)
        return None if price is None or not self.gpu_count else price / self.gpu_count


ZONE_AREAS = ("us", "northamerica", "southamerica", "europe", "asia", "australia", "me", "africa")
"""GCP geographic areas: the first word of a region name (`us-central1` -> `us`)."""

_AI_ZONE = re.compile(r"-ai[0-9]+[a-z]?$")


def zone_area(zone: str) -> str:
    """The GCP area of a zone: `us-central1-a` -> `us`, `europe-west4-b` -> `europe`."""
    return zone.split("-", 1)[0]


def is_ai_zone(zone: str) -> bool:
    """An AI zone (`us-central1-ai1a`): specialised accelerator capacity, named per region."""
    return bool(_AI_ZONE.search(zone))


def _check_areas(value: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [area for area in value if area not in ZONE_AREAS]
    if unknown:
        raise ValueError(f"unknown GCP area {' '.join(unknown)!r}; allowed (the first word of a region name): {' '.join(ZONE_AREAS)}")
    return value


Areas = Annotated[tuple[str, ...], BeforeValidator(_split_words), AfterValidator(_check_areas)]


class TpuMachine(Row):
    """A GKE TPU machine type used either single-host or as part of multi-host slices.

    One row per (generation, machine_type, single_host).  Prices are per chip-hour.
    `zones` lists only zones the sources state; empty means unknown.
    `zones_complete_in` names the GCP areas (`us northamerica`, `europe`, ...)
    where `zones` is the whole list the source (`zones_source`) publishes: a
    zone of such an area that `zones` leaves out does not offer the generation,
    and a TPU slice there is a config error.  Elsewhere, and for AI zones
    (`us-central1-ai1a`), the list is no claim.  Empty (the default, and what
    an override row without the column gets) means no area is complete.
    """

    generation: Slug
    gke_accelerator: Text
    machine_type: Text
    chips_per_host: PositiveInt
    single_host: bool
    topologies: Topologies
    hbm_per_chip_gib: PositiveFloat
    hbm_bandwidth_gbps_per_chip: Optional[PositiveFloat] = None
    peak_bf16_tflops_per_chip: Optional[PositiveFloat] = None
    price_ondemand_usd_per_chip_hr: Optional[Price] = None
    price_spot_usd_per_chip_hr: Optional[Price] = None
    price_region: Optional[str] = None
    zones: Words = ()
    zones_complete_in: Areas = ()
    zones_source: Optional[str] = None
    price_source: Optional[str] = None
    source: Text
    as_of: datetime.date
    notes: Optional[str] = None

    @model_validator(mode="after")
    def _topologies_fit(self) -> "TpuMachine":
        for topo in self.topologies:
            chips = topology_chips(topo)
            if self.single_host and chips != self.chips_per_host:
                raise RowProblem(
                    "topologies", topo, f"a single-host row must have chips ({chips}) == chips_per_host ({self.chips_per_host})"
                )
            if not self.single_host and (chips <= self.chips_per_host or chips % self.chips_per_host):
                raise RowProblem(
                    "topologies",
                    topo,
                    f"a multi-host row needs more than one host: chips ({chips}) must be a multiple of "
                    f"chips_per_host ({self.chips_per_host}) greater than it",
                )
        if len(set(self.topologies)) != len(self.topologies):
            raise RowProblem("topologies", " ".join(self.topologies), "lists a topology twice")
        priced = self.price_ondemand_usd_per_chip_hr is not None or self.price_spot_usd_per_chip_hr is not None
        if priced and not (self.price_source and self.price_region):
            raise RowProblem("price_source", self.price_source, "a price needs both price_source and price_region")
        if self.zones_complete_in and not self.zones_source:
            raise RowProblem("zones_source", None, "required when zones_complete_in is given: say where the complete zone list comes from")
        return self

    @property
    def key(self) -> tuple[str, str, bool]:
        return (self.generation, self.machine_type, self.single_host)

    def zones_without(self, zones: Iterable[str]) -> list[str]:
        """The zones among `zones` that, per this row's complete list, do not offer the generation.

        Only zones of an area in `zones_complete_in` are judged, and never AI zones.
        """
        return [
            zone
            for zone in zones
            if zone_area(zone) in self.zones_complete_in and not is_ai_zone(zone) and zone not in self.zones
        ]
