"""The cheapest hardware for a declared traffic and SLO: every catalog option sized by `capacity.plan_capacity`.

`rank_for_traffic` takes every (machine, precision, tensor-parallel degree) on which vLLM starts one
replica with a context of prompt + output tokens (`ranking.rank_options`), plans each for the demand,
and ranks the ones that meet the SLO by monthly cost at peak. A model the vLLM release cannot load has no option
(`Ranking.refusal` says why, as a deployment pinned to that release is refused). Every speed is an ESTIMATE (see
`capacity` for what is and is not modelled).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hangar.catalog import Catalog, Model

from .capacity import CapacityPlan, Demand, plan_capacity
from .ranking import Option, Ranking, rank_options


@dataclass(frozen=True)
class TrafficOption:
    """One way to carry the demand: a catalog option and its capacity plan."""

    option: Option
    plan: CapacityPlan

    def to_json(self) -> dict:
        o, p = self.option, self.plan
        return {
            "cloud": o.cloud,
            "instance_type": o.instance_type,
            "accelerator": o.machine.accelerator.name,
            "accelerators_per_node": o.machine.accelerators,
            "precision": o.precision,
            "tensor_parallel": o.tensor_parallel,
            "data_parallel": o.data_parallel,
            "expert_parallel": o.expert_parallel,
            "replicas": p.replicas_at_peak,
            "nodes": p.nodes_at_peak,
            "usd_per_month": p.usd_per_month_at_peak,
            "usd_per_month_average": p.usd_per_month_average,
            "usd_per_million_tokens": p.usd_per_million_tokens,
            "ttft_ms": p.ttft_ms,
            "tpot_ms": p.tpot_ms,
            "concurrency": p.concurrency,
            "kv_concurrency": p.kv_concurrency,
            "output_tokens_per_second": p.output_tokens_per_second_per_replica * p.replicas_at_peak,
            "output_tokens_per_second_per_replica": p.output_tokens_per_second_per_replica,
            "usd_per_hour_per_node": p.usd_per_hour_per_node,
            "capacity": "spot" if o.spot else "on-demand",
            "price_source": o.machine.price_source,
            "label": "ESTIMATE",
        }


def _cost_order(t: TrafficOption) -> tuple:
    p, o = t.plan, t.option
    unknown = p.usd_per_month_at_peak is None
    return (unknown, p.usd_per_month_at_peak or 0.0, p.nodes_at_peak, o.cloud, o.instance_type, o.precision, o.tensor_parallel)


@dataclass(frozen=True)
class TrafficRanking:
    """What `plan_for_traffic` found: the options that carry the demand (cheapest at peak first), those that start but
    cannot, and the ranking of machines they came from (its `refusal`: the release cannot load the model at all)."""

    feasible: list[TrafficOption]
    infeasible: list[TrafficOption]
    ranking: Ranking

    @property
    def refusal(self) -> str | None:
        return self.ranking.refusal


def rank_for_traffic(model: Model | str, catalog: Catalog, demand: Demand, **options) -> tuple[list[TrafficOption], list[TrafficOption]]:
    """(options that carry the peak within the SLO, cheapest at peak first; options that cannot, with their plan's reason):
    `plan_for_traffic` without the ranking it came from."""
    found = plan_for_traffic(model, catalog, demand, **options)
    return found.feasible, found.infeasible


def plan_for_traffic(
    model: Model | str,
    catalog: Catalog,
    demand: Demand,
    *,
    precisions: Sequence[str] | None = None,
    kv_cache_dtype: str = "auto",
    concurrent_sequences: int | None = None,
    clouds: Iterable[str] | None = None,
    spot: bool = False,
    include_tpus: bool = True,
    gpu_memory_utilization: float | None = None,
    engine_version: str | None = None,
    data_parallel: int = 1,
    expert_parallel: bool = False,
) -> TrafficRanking:
    """The options that carry the peak within the SLO, cheapest at peak first, and those that cannot, with their plan's reason.

    An option whose price is unknown ranks after every priced one: unknown is not free.
    `concurrent_sequences` is vLLM's max_num_seqs; None takes the engine's default for the accelerator. Judged as vLLM
    `engine_version` does (`rank_options`); a replica of `data_parallel` engines (`expert_parallel`) as
    `capacity.plan_capacity` times it.
    """
    ranking = rank_options(
        model, catalog, precisions=precisions, kv_cache_dtype=kv_cache_dtype, max_context_tokens=demand.prompt_tokens + demand.output_tokens,
        concurrent_sequences=concurrent_sequences or 1, clouds=clouds, spot=spot, include_tpus=include_tpus, gpu_memory_utilization=gpu_memory_utilization,
        engine_version=engine_version, data_parallel=data_parallel, expert_parallel=expert_parallel,
    )  # fmt: skip
    feasible, infeasible = [], []
    for option in ranking.feasible:
        plan = plan_capacity(
            ranking.model, option.machine.accelerator, demand, accelerators_per_node=option.machine.accelerators,
            tensor_parallel=option.tensor_parallel, precision=option.precision, kv_cache_dtype=kv_cache_dtype,
            max_concurrent_sequences=concurrent_sequences, gpu_memory_utilization=ranking.gpu_memory_utilization, usd_per_hour_per_node=option.usd_per_hour,
            engine_version=engine_version, data_parallel=data_parallel, expert_parallel=expert_parallel,
        )  # fmt: skip
        (feasible if plan.feasible else infeasible).append(TrafficOption(option, plan))
    feasible.sort(key=_cost_order)
    return TrafficRanking(feasible, infeasible, ranking)
