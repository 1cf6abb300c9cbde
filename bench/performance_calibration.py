"""Calibrate the performance model's efficiency factors on the catalog's published measurements, and report its error.

    .venv/bin/python bench/performance_calibration.py            # fit, then print the error table (markdown)
    .venv/bin/python bench/performance_calibration.py --check    # only the error of the factors in the code

The fit is a grid search over the four factors of `hangar.sizing.performance.Efficiency`, minimising the
mean of the median absolute errors of the four groups (saturated throughput, throughput at a
concurrency, TPOT, TTFT). The result goes into `performance.CALIBRATED` by hand, and the errors it prints
into `calibration.MEASURED_ERROR`, `bench/RESULTS-performance.md` and README; a test checks they agree.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
import zlib
from dataclasses import replace

from hangar.catalog import load_catalog
from hangar.sizing.calibration import GROUPS, compare, summarize
from hangar.sizing.performance import CALIBRATED, Efficiency

GRID = {
    "memory": [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95],
    "compute": [0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8],
    "step_ms": [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0],
    "allreduce_us": [0.0, 2.5, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0],
    "compute_fp8": [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7],
    "interconnect": [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
    "request_ms": [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 15.0, 20.0],
}
"""Values tried for each factor (coordinate descent from `CALIBRATED`, rounds until nothing improves)."""


def score(catalog, eff: Efficiency) -> float:
    found = summarize(compare(catalog, eff))
    return statistics.mean(found[g].median for g in GROUPS if g in found)


def fit(catalog, start: Efficiency) -> Efficiency:
    """Coordinate descent over GRID: each factor in turn takes its best grid value, until a round changes nothing."""
    best, best_score = start, score(catalog, start)
    for _ in range(6):
        changed = False
        for name, values in GRID.items():
            for value in values:
                candidate = replace(best, **{name: value})
                candidate_score = score(catalog, candidate)
                if candidate_score < best_score - 1e-9:
                    best, best_score, changed = candidate, candidate_score, True
        if not changed:
            break
    return best


def report(catalog, eff: Efficiency) -> str:
    comparisons = compare(catalog, eff)
    lines = [f"efficiency: {eff}", "",
             "| group | rows | median abs error | worst abs error | median signed (bias) |", "|---|---:|---:|---:|---:|"]
    for name, s in summarize(comparisons).items():
        lines.append(f"| {name} | {s.rows} | {s.median:.1%} | {s.worst:.1%} | {s.bias:+.1%} |")
    for title, key in (("engine", lambda c: f"{c.group} / {c.row.engine}"), ("accelerator", lambda c: f"{c.group} / {c.row.accelerator}")):
        lines += ["", f"by {title}:", "", "| group / " + title + " | rows | median abs error | worst abs error | bias |", "|---|---:|---:|---:|---:|"]
        for name, s in summarize(comparisons, key).items():
            lines.append(f"| {name} | {s.rows} | {s.median:.1%} | {s.worst:.1%} | {s.bias:+.1%} |")
    skipped = [c for c in comparisons if c.predicted is None]
    if skipped:
        lines += ["", f"{len(skipped)} rows could not be predicted:"] + [f"- {c.row.id}: {c.reason}" for c in skipped]
    worst = sorted((c for c in comparisons if c.error is not None), key=lambda c: -abs(c.error))[:10]
    lines += ["", "worst rows:", "", "| row | measured | predicted | error |", "|---|---:|---:|---:|"]
    lines += [f"| {c.row.id} | {c.row.value:,.1f} | {c.predicted:,.1f} | {c.error:+.0%} |" for c in worst]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report the factors in the code; do not fit")
    parser.add_argument("--holdout", action="store_true", help="fit on half the rows (by id), report the error on the other half")
    args = parser.parse_args()
    catalog = load_catalog()
    eff = CALIBRATED
    if args.holdout:
        halves = ([], [])
        for row in catalog.measurements:
            halves[zlib.crc32(row.id.encode()) % 2].append(row)
        fitted = fit(dataclasses.replace(catalog, measurements=tuple(halves[0])), CALIBRATED)
        print(f"fitted on {len(halves[0])} rows: {fitted}; error on the other {len(halves[1])} rows:")
        print(report(dataclasses.replace(catalog, measurements=tuple(halves[1])), fitted))
        return 0
    if not args.check:
        started = time.perf_counter()
        eff = fit(catalog, CALIBRATED)
        print(f"fitted in {time.perf_counter() - started:.0f} s over {len(catalog.measurements)} measurements", file=sys.stderr)
    print(report(catalog, eff))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
