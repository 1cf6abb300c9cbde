"""Right-size the model: candidate models side by side at the same traffic and SLO — ESTIMATES.

For each model, `traffic_ranking.plan_for_traffic` finds every catalog option that carries the peak
within the objective; the comparison keeps each model's cheapest (priced) option, and what a million
tokens costs there. "Don't run the big model when a small one suffices", made concrete: which
model's cheapest hardware carries the traffic, at what $/month, and how far apart they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hangar.catalog import Catalog, Model

from .capacity import Demand
from .ranking import release_advice_note
from .throughput import HOURS_PER_MONTH
from .traffic_ranking import TrafficOption, plan_for_traffic


@dataclass(frozen=True)
class ModelComparison:
    """One candidate model at the demand: its cheapest option (None when nothing carries it) and how many options do."""

    model: Model
    best: TrafficOption | None
    options: tuple[TrafficOption, ...]
    """Every option that carries the demand, cheapest at peak first."""
    rejected: int
    """Options where vLLM starts but the SLO cannot be met or the speed cannot be estimated."""
    refusal: str | None = None
    """Why the vLLM release cannot load the model at all (`Ranking.refusal`), and which release to size at instead."""

    def usd_per_million_tokens_at_peak(self, demand: Demand) -> float | None:
        """$ per million (prompt + output) tokens with the peak traffic all month: the peak cost over the peak's tokens."""
        if self.best is None or self.best.plan.usd_per_month_at_peak is None:
            return None
        tokens = demand.peak_requests_per_second * (demand.prompt_tokens + demand.output_tokens) * HOURS_PER_MONTH * 3600
        return self.best.plan.usd_per_month_at_peak / tokens * 1e6

    def to_json(self, demand: Demand) -> dict:
        best = self.best
        return {
            "model": self.model.hf_id,
            "params_total_b": self.model.params_total_b,
            "params_active_b": self.model.params_active_b,
            "licence": self.model.licence_id,
            "carried": best is not None,
            "best": None if best is None else best.to_json(),
            "usd_per_month": None if best is None else best.plan.usd_per_month_at_peak,
            "usd_per_million_tokens_at_peak": self.usd_per_million_tokens_at_peak(demand),
            "usd_per_million_tokens_average": None if best is None else best.plan.usd_per_million_tokens,
            "options": len(self.options),
            "rejected": self.rejected,
            "refusal": self.refusal,
            "label": "ESTIMATE",
        }


def _order(comparison: ModelComparison) -> tuple:
    best = comparison.best
    cost = None if best is None else best.plan.usd_per_month_at_peak
    return (best is None, cost is None, cost or 0.0, comparison.model.hf_id)


def compare_models(models: Sequence[Model | str], catalog: Catalog, demand: Demand, **options) -> list[ModelComparison]:
    """Each model's cheapest way to carry `demand`, cheapest model first; models nothing carries last.

    `options` go to `plan_for_traffic` (precisions, clouds, spot, include_tpus, ...). The same model
    named twice is compared once. A model the vLLM release cannot load is carried by nothing, with the engine's reason.
    """
    seen: dict[str, ModelComparison] = {}
    for model in models:
        resolved = catalog.model(model) if isinstance(model, str) else model
        if resolved.hf_id in seen:
            continue
        found = plan_for_traffic(resolved, catalog, demand, **options)
        feasible = found.feasible
        priced = [t for t in feasible if t.plan.usd_per_month_at_peak is not None]
        best = priced[0] if priced else (feasible[0] if feasible else None)
        refusal = None if found.refusal is None else release_advice_note(resolved, found.refusal)
        seen[resolved.hf_id] = ModelComparison(resolved, best, tuple(feasible), len(found.infeasible), refusal)
    return sorted(seen.values(), key=_order)


def latency_cost_points(comparisons: Iterable[ModelComparison]) -> list[tuple[str, TrafficOption]]:
    """(model id, option) for every priced option of every model: what a cost-against-latency plot draws."""
    return [(c.model.hf_id, t) for c in comparisons for t in c.options if t.plan.usd_per_month_at_peak is not None]
