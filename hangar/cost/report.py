"""What a priced plan says: one line per node pool, the totals at min and max size, and the report around them.

Kept apart from the pricers so the report's arithmetic (an unpriced line makes a total unknown, never
zero) is read and reused (`hangar diff`, the policies) without the per-cloud parsing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hangar.month import HOURS_PER_MONTH

Capacity = str  # "on-demand" | "spot" | "reserved"


@dataclass(frozen=True)
class PricedLine:
    """One node pool (or machine) of the plan, and what one node of it costs per hour."""

    urn: str
    name: str
    type: str
    pool: str
    cloud: str
    machine_type: str | None
    region: str | None
    """Where the pool runs, when the plan says so."""
    price_region: str | None
    """The region whose price was used (the catalog's reference region when the pool's is not in it)."""
    accelerators: str | None
    """What each node carries, e.g. "8 x H100-SXM" or "TPU v5e 2x4 (8 chips)"; None for CPU nodes."""
    count_min: int | None
    count_max: int | None
    capacity: Capacity
    usd_per_hour_each: float | None
    price_source: str | None
    as_of: datetime.date | None
    notes: tuple[str, ...] = ()

    @property
    def priced(self) -> bool:
        return self.usd_per_hour_each is not None and self.count_min is not None and self.count_max is not None

    @property
    def usd_per_hour_min(self) -> float | None:
        return None if not self.priced else self.usd_per_hour_each * self.count_min

    @property
    def usd_per_hour_max(self) -> float | None:
        return None if not self.priced else self.usd_per_hour_each * self.count_max

    @property
    def usd_per_month_min(self) -> float | None:
        return None if not self.priced else self.usd_per_hour_min * HOURS_PER_MONTH

    @property
    def usd_per_month_max(self) -> float | None:
        return None if not self.priced else self.usd_per_hour_max * HOURS_PER_MONTH

    @property
    def why_unpriced(self) -> str | None:
        if self.priced:
            return None
        what = []
        if self.usd_per_hour_each is None:
            why = next((note for note in self.notes if "unknown" in note), None)
            what.append(f"no price for {self.machine_type or self.accelerators or 'its machine type'}" + (f" ({why})" if why else ""))
        if self.count_min is None or self.count_max is None:
            what.append("node count unknown")
        return "; ".join(what)

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "name": self.name,
            "type": self.type,
            "pool": self.pool,
            "cloud": self.cloud,
            "machine_type": self.machine_type,
            "region": self.region,
            "price_region": self.price_region,
            "accelerators": self.accelerators,
            "count_min": self.count_min,
            "count_max": self.count_max,
            "capacity": self.capacity,
            "usd_per_hour_each": self.usd_per_hour_each,
            "usd_per_hour_min": self.usd_per_hour_min,
            "usd_per_hour_max": self.usd_per_hour_max,
            "usd_per_month_min": self.usd_per_month_min,
            "usd_per_month_max": self.usd_per_month_max,
            "price_source": self.price_source,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class CostTotals:
    """Totals at min and max size; None (unknown) as soon as one line is unpriced."""

    complete: bool
    known_usd_per_hour_min: float
    known_usd_per_hour_max: float
    spot_usd_per_hour_max: float
    unpriced: tuple[str, ...]

    @property
    def usd_per_hour_min(self) -> float | None:
        return self.known_usd_per_hour_min if self.complete else None

    @property
    def usd_per_hour_max(self) -> float | None:
        return self.known_usd_per_hour_max if self.complete else None

    @property
    def usd_per_month_min(self) -> float | None:
        return None if self.usd_per_hour_min is None else self.usd_per_hour_min * HOURS_PER_MONTH

    @property
    def usd_per_month_max(self) -> float | None:
        return None if self.usd_per_hour_max is None else self.usd_per_hour_max * HOURS_PER_MONTH

    @property
    def known_usd_per_month_min(self) -> float:
        return self.known_usd_per_hour_min * HOURS_PER_MONTH

    @property
    def known_usd_per_month_max(self) -> float:
        return self.known_usd_per_hour_max * HOURS_PER_MONTH

    @property
    def spot_share_max(self) -> float | None:
        """Share of the cost at max size that runs on spot; None when the total is unknown or zero."""
        if not self.complete or not self.known_usd_per_hour_max:
            return None
        return self.spot_usd_per_hour_max / self.known_usd_per_hour_max

    @property
    def on_demand_share_max(self) -> float | None:
        share = self.spot_share_max
        return None if share is None else 1 - share

    def to_json(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "usd_per_hour_min": self.usd_per_hour_min,
            "usd_per_hour_max": self.usd_per_hour_max,
            "usd_per_month_min": self.usd_per_month_min,
            "usd_per_month_max": self.usd_per_month_max,
            "known_usd_per_hour_min": self.known_usd_per_hour_min,
            "known_usd_per_hour_max": self.known_usd_per_hour_max,
            "known_usd_per_month_min": self.known_usd_per_month_min,
            "known_usd_per_month_max": self.known_usd_per_month_max,
            "spot_usd_per_hour_max": self.spot_usd_per_hour_max,
            "spot_share_max": self.spot_share_max,
            "on_demand_share_max": self.on_demand_share_max,
            "unpriced": list(self.unpriced),
        }


@dataclass(frozen=True)
class CostReport:
    """The priced lines of a plan, their totals and what the numbers leave out."""

    lines: tuple[PricedLine, ...]
    totals: CostTotals
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "hours_per_month": HOURS_PER_MONTH,
            "lines": [line.to_json() for line in self.lines],
            "totals": self.totals.to_json(),
            "notes": list(self.notes),
        }


def totals_of(lines: Iterable[PricedLine]) -> CostTotals:
    lines = list(lines)
    unpriced = tuple(f"{line.pool} ({line.type} {line.name}): {line.why_unpriced}" for line in lines if not line.priced)
    priced = [line for line in lines if line.priced]
    return CostTotals(
        complete=not unpriced,
        known_usd_per_hour_min=sum(line.usd_per_hour_min for line in priced),
        known_usd_per_hour_max=sum(line.usd_per_hour_max for line in priced),
        spot_usd_per_hour_max=sum(line.usd_per_hour_max for line in priced if line.capacity == "spot"),
        unpriced=unpriced,
    )

