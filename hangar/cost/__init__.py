"""Price the compute of a plan: node pools and TPU slices at their min and max size, per hour and month.

Works on plain `hangar.records.ResourceRecord`s, so it prices ANY Pulumi program's plan, not only
Hangar's. `price_records` runs each record through its pricer (`hangar.cost.pricers`, which lists the
recognised resource types and is imported, with the catalog, only when something is priced) and totals the
lines (`hangar.cost.report`); every public name is re-exported here (import from `hangar.cost`; `X as X`
imports keep a name importable without adding it to `__all__`).

A price that is unknown stays unknown: a line without one is listed as unpriced and makes the totals
unknown (the known part is still reported) — never zero. Only compute is priced: control-plane fees,
disks, NAT gateways, load balancers and egress are not, and the managed storage and metrics services a plan
creates (Filestore, Azure Files, EFS, the managed Prometheus services) are each named in a note as outside the
totals (`hangar.cost.services`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from hangar.month import HOURS_PER_MONTH
from hangar.records import Plan, ResourceRecord

from .report import Capacity as Capacity
from .report import CostReport, CostTotals, PricedLine, totals_of
from .services import SERVICES as SERVICES
from .services import unpriced_services

if TYPE_CHECKING:
    from hangar.catalog import Catalog

PRICER_NAMES = frozenset({"GKE_DEFAULT_ZONES", "PRICERS", "POOL_KEYS", "TPU_MACHINE_PREFIXES"})
"""Names of `hangar.cost.pricers` re-exported here, imported on first use: the pricers import the catalog, and a report
read back from the cache (`hangar diff`, a warm `hangar cost`) needs only the records above."""


def __getattr__(name: str) -> Any:
    if name in PRICER_NAMES:
        from . import pricers

        return getattr(pricers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

NOT_PRICED = "only compute nodes are priced: control-plane fees, disks, NAT gateways, load balancers and egress are not"


def price_records(
    records: Iterable[ResourceRecord],
    catalog: Catalog | None = None,
    *,
    default_regions: Mapping[str, str | None] | None = None,
) -> CostReport:
    """Price every recognised resource of `records` with `catalog` (the packaged one by default).

    `default_regions` (cloud -> region, e.g. from the stack's `aws:region`) is used for resources whose
    provider does not say; without either, the catalog's reference region is assumed, and each line says so.
    """
    from hangar.catalog import load_catalog

    from .pricers import PRICERS, _Context

    catalog = catalog or load_catalog()
    records = list(records)
    context = _Context(catalog, {r.urn: r for r in records}, records, {k: v for k, v in (default_regions or {}).items() if v})
    lines: list[PricedLine] = []
    for record in records:
        pricer = PRICERS.get(record.type)
        if pricer is not None:
            lines.extend(pricer(record, context))
    notes = [NOT_PRICED, *unpriced_services(records), f"a month is {HOURS_PER_MONTH} hours; prices are catalog list prices (source and as_of per line)"]
    if any(not line.priced for line in lines):
        notes.append("unpriced lines make the totals unknown: the known part is shown, unknown is never counted as zero")
    lines.sort(key=lambda line: (line.cloud, line.pool, line.urn))  # resources register in no fixed order
    return CostReport(tuple(lines), totals_of(lines), tuple(notes))


def price_plan(plan: Plan, catalog: Catalog | None = None, *, default_regions: Mapping[str, str | None] | None = None) -> CostReport:
    """`price_records` over every resource of a plan."""
    return price_records(plan.resources, catalog, default_regions=default_regions)


def default_regions_from_config(config: Mapping[str, Any]) -> dict[str, str]:
    """Cloud -> region from a stack's provider config keys (`aws:region`, `gcp:region`, `azure-native:location`)."""
    keys = {"aws": ("aws:region",), "gcp": ("gcp:region",), "azure": ("azure-native:location", "azure:location")}
    found = {}
    for cloud, names in keys.items():
        for name in names:
            if isinstance(config.get(name), str):
                found[cloud] = config[name]
                break
    return found


__all__ = [
    "GKE_DEFAULT_ZONES",
    "HOURS_PER_MONTH",
    "PRICERS",
    "CostReport",
    "CostTotals",
    "PricedLine",
    "default_regions_from_config",
    "price_plan",
    "price_records",
    "totals_of",
]
