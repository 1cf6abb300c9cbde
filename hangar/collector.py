"""The garbage collector's thresholds of a process that plans: the `hangar` console script's and diff's base planner's.

It imports nothing, so the base planner (`hangar/base_planner.py`, a script that must not import today's
`hangar` package) loads it by path.
"""

from __future__ import annotations

COLLECTOR_THRESHOLDS = (50_000, 20, 100)
"""The cyclic garbage collector's thresholds for a `hangar` run, instead of CPython's (700, 10, 10).

`gc.set_threshold(threshold0, threshold1, threshold2)`: generation 0 is collected once allocations minus
deallocations exceed threshold0, generation 1 after threshold1 collections of generation 0, generation 2
after threshold2 of generation 1 (docs.python.org/3.11/library/gc.html#gc.set_threshold, read 2026-12-01).
A plan imports the provider SDKs, hundreds of thousands of objects that live as long as the process,
and with the defaults each collection of the older generations walks them again. Measured 2026-12-01
(CPU time, the shared 2-core machine): a cold `hangar plan gke-dev` 3.3 → 2.35 s, a cold `check --all`
9.5 → 5.6 s, a plan of 5,853 resources 31.5 → 20.8 s with peak memory 276 → 282 MiB. Cycles are still
collected, young ones as before within 50,000 allocations.
"""

