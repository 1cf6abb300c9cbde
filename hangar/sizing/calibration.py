"""The performance model against published measurements: each row of the catalog's calibration table
(`serving_measurements.csv`) predicted by `hangar.sizing.performance`, and the error.

`MEASURED_ERROR` is the error of `performance.CALIBRATED` on the packaged table, per metric, as
`bench/performance_calibration.py` measured it; a test recomputes it and fails when the code and the
table disagree, or when the median absolute error of saturated throughput or of time per output token
exceeds `TARGET_MEDIAN_ERROR` (issue 14). Every estimate Hangar prints carries this band.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from hangar.catalog import Catalog, ServingMeasurement

from .accelerators import accelerator_named
from .performance import CALIBRATED, Efficiency, PerformanceUnknown, Replica, at_request_rate, operating_point, saturated

TARGET_MEDIAN_ERROR = 0.25
"""Issue 14's target: median absolute error at most 25 % on saturated throughput and on TPOT."""

GROUPS = ("saturated throughput", "throughput at a concurrency", "TPOT", "TTFT")

MEASURED_ERROR: dict[str, tuple[int, float, float]] = {
    "saturated throughput": (243, 0.14, 1.84),
    "throughput at a concurrency": (8, 0.04, 0.24),
    "TPOT": (36, 0.08, 0.23),
    "TTFT": (10, 0.07, 0.34),
}
"""Per group: (rows, median |error|, worst |error|) of `CALIBRATED` on the packaged calibration table, to the whole
percent (so that a catalog row edited elsewhere moves it only when the error it states would change)."""


def group_of(row: ServingMeasurement) -> str:
    if row.metric == "tpot_ms":
        return "TPOT"
    if row.metric == "ttft_ms":
        return "TTFT"
    return "saturated throughput" if row.load == "saturated" else "throughput at a concurrency"


@dataclass(frozen=True)
class Comparison:
    """A measurement, the model's prediction of it, and the signed relative error (prediction / measured - 1)."""

    row: ServingMeasurement
    predicted: float | None
    reason: str | None = None

    @property
    def group(self) -> str:
        return group_of(self.row)

    @property
    def error(self) -> float | None:
        return None if self.predicted is None else self.predicted / self.row.value - 1


def measured_release(row: ServingMeasurement) -> str | None:
    """The vLLM release a vLLM row was measured on (`v0.11.0`, `0.23.0`: sized by the rules of a read release,
    `hangar.engine_release.sized_release`); None for another engine, which has no vLLM release."""
    return row.engine_version if row.engine == "vllm" else None


def predict(row: ServingMeasurement, catalog: Catalog, eff: Efficiency = CALIBRATED) -> Comparison:
    """What the model predicts for one measurement (None with the reason when it cannot)."""
    model = catalog.models.get(row.model)
    if model is None:
        return Comparison(row, None, f"model {row.model} is not in the catalog")
    try:
        acc = accelerator_named(catalog, row.accelerator)
    except KeyError:
        return Comparison(row, None, f"accelerator {row.accelerator} is not in the catalog")
    # a vLLM row at its own release. A Replica reads the release only for MXFP4 experts (their kernel's padding), NVFP4's
    # compute format and LoRA slots; the table's `precision` cannot name mxfp4 or nvfp4 nor its rows LoRA, so no prediction
    # of the packaged table moves with it
    replica = Replica(model, acc, row.tensor_parallel, row.precision, row.kv_cache_dtype, engine_version=measured_release(row))
    replicas = row.replicas
    P, O = row.prompt_tokens, row.output_tokens
    try:
        if row.metric == "ttft_ms":
            return Comparison(row, replica.ttft(P, eff) * 1000)
        most = replica.max_concurrency(P, O, gpu_memory_utilization=row.gpu_memory_utilization, max_num_seqs=row.max_num_seqs,
                                       kv_admission=row.kv_admission)  # fmt: skip
        if most < 1:
            return Comparison(row, None, "not one sequence fits the KV cache by the model's memory arithmetic")
        if row.load == "saturated":
            cap = most if row.load_value is None else min(most, row.load_value / replicas)
            point = operating_point(replica, P, O, cap, eff)
        elif row.load == "concurrency":
            point = operating_point(replica, P, O, min(most, row.load_value / replicas), eff)
        else:
            point = at_request_rate(replica, P, O, row.load_value / replicas, most, eff) or saturated(
                replica, P, O, gpu_memory_utilization=row.gpu_memory_utilization, max_num_seqs=row.max_num_seqs, kv_admission=row.kv_admission, eff=eff
            )
    except PerformanceUnknown as error:
        return Comparison(row, None, str(error))
    if row.metric == "tpot_ms":
        return Comparison(row, point.tpot_s * 1000)
    return Comparison(row, point.output_tokens_per_s * replicas)


def compare(catalog: Catalog, eff: Efficiency = CALIBRATED, rows: Iterable[ServingMeasurement] | None = None) -> list[Comparison]:
    """Every calibration row against the model."""
    return [predict(row, catalog, eff) for row in (catalog.measurements if rows is None else rows)]


@dataclass(frozen=True)
class ErrorSummary:
    group: str
    rows: int
    median: float
    """Median absolute relative error."""
    worst: float
    bias: float
    """Median signed error: > 0 the model overestimates."""


def summarize(comparisons: Iterable[Comparison], key=lambda c: c.group) -> dict[str, ErrorSummary]:
    """Median and worst absolute error per group (rows that cannot be predicted are left out)."""
    groups: dict[str, list[float]] = {}
    for c in comparisons:
        if c.error is not None:
            groups.setdefault(key(c), []).append(c.error)
    return {
        name: ErrorSummary(name, len(errors), statistics.median(abs(e) for e in errors), max(abs(e) for e in errors), statistics.median(errors))
        for name, errors in sorted(groups.items())
    }


def error_band(group: str = "saturated throughput") -> str:
    """'median ±X %, worst ±Y % over N published measurements' for estimate labels."""
    rows, median, worst = MEASURED_ERROR[group]
    return f"median error {median:.0%}, worst {worst:.0%} over {rows} published measurements"
