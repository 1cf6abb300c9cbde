"""A route's priced parts and their blend (ESTIMATE): the records `hangar.cost.routes` computes, kept apart from it.

A warm `hangar cost` reads them back from the cache (`hangar.costcache`) without importing what computes them:
the spec, the catalog and sizing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RoutePart:
    """One deployment behind a route: its declared share of the requests and its $ per million tokens (ESTIMATE)."""

    deployment: str
    share: float | None
    usd_per_million_tokens: float | None
    why_unknown: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"deployment": self.deployment, "share": self.share, "usd_per_million_tokens": self.usd_per_million_tokens, "why_unknown": self.why_unknown}


@dataclass(frozen=True)
class RouteCost:
    """A route's parts and their blend: $ per million tokens for its declared split (ESTIMATE); None when a part is unknown."""

    route: str
    parts: tuple[RoutePart, ...]

    @property
    def blended_usd_per_million_tokens(self) -> float | None:
        taking = [part for part in self.parts if part.share != 0]  # a failover route's fallbacks take no share while the primary is healthy
        if any(part.share is None or part.usd_per_million_tokens is None for part in taking):
            return None
        return sum(part.share * part.usd_per_million_tokens for part in taking)  # type: ignore[operator]

    def to_json(self) -> dict[str, Any]:
        return {"route": self.route, "parts": [p.to_json() for p in self.parts], "blended_usd_per_million_tokens": self.blended_usd_per_million_tokens, "label": "ESTIMATE"}
