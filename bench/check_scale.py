"""How the policy rules scale: offline evaluation beside the same resources sent through the pack over gRPC.

For plans of about 100, 1,000 and 10,000 resources (synthetic AWS environments from
`bench/plan_scale.py`, every pool serving a model), prints microseconds per resource for
`hangar.policies.rules.evaluate` offline and for the pack (Configure + Analyze per resource +
AnalyzeStack) started as the Pulumi CLI starts it, and their ratio. Targets: offline under
50 µs per resource, at least 10x faster than gRPC, and flat per resource as plans grow
(no quadratic joins). The plan's own objects are moved out of the garbage collector's way
(`gc.freeze()`) before the clocks start: otherwise each collection re-scans the whole plan heap and
the per-resource time grows with the plan for reasons that are not the rules'. Offline times are
given by the wall clock and, beside it, by the process's CPU time (`time.process_time`), which other
work on a shared machine inflates far less. Run by hand:
`.venv/bin/python bench/check_scale.py [--offline] [--by-policy] [SIZES...]` (`--offline` skips
the pack; `--by-policy` adds each policy's own µs per resource, offline, to find the one that grows).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.plan_scale import synthetic_environment  # noqa: E402

SIZES = (100, 1_000, 10_000)


def serving_environment(resources: int) -> dict:
    """The synthetic environment with one model deployment on every pool."""
    raw = synthetic_environment(resources)
    raw["deployments"] = [
        {
            "name": f"m-{cluster['name']}-{pool['name']}",
            "model": "Qwen/Qwen2.5-7B-Instruct",
            "cluster": cluster["name"],
            "pool": pool["name"],
            "max_context_tokens": 4096,
            "max_concurrent_sequences": 4,
            "tensor_parallel": 1,
            "latency_class": "batch",
            "autoscaling": {"min_replicas": 0, "max_replicas": 2},
        }
        for cluster in raw["clusters"]
        for pool in cluster["node_pools"]
    ]
    return raw


def by_policy(records, configs) -> dict[str, float]:
    """Each enabled policy's CPU seconds on these records, over one shared `StackFacts` (as `evaluate` runs them)."""
    from hangar.policies.rules import POLICIES, run_policy
    from hangar.policies.rules.facts import StackFacts

    facts = StackFacts(records)
    seconds = {}
    for policy in POLICIES:
        if configs[policy.name].enforcement_level == "disabled":
            continue
        start = time.process_time()
        run_policy(policy, facts, configs[policy.name])
        seconds[policy.name] = time.process_time() - start
    return seconds


def main() -> None:
    from hangar.components.environment import HangarEnvironment
    from hangar.policies.rules import evaluate, load_pack_config
    from hangar.policies.rules.config import pack_config_for, protocol_config
    from hangar.policies.rules.workloads import serving_workloads

    from hangar.analyzer import running_pack
    from hangar.plan import plan_program
    from hangar.stackfile import environment_from_config

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(SIZES))
    parser.add_argument("--offline", action="store_true", help="skip the pack over gRPC")
    parser.add_argument("--by-policy", action="store_true", help="also print each policy's µs per resource")
    args = parser.parse_args()
    print(
        f"{'size':>6} {'resources':>9} {'workloads':>9} | {'offline µs/res':>14} {'(CPU)':>7} {'gRPC µs/res':>12} | {'gRPC/offline':>12} | violations"
    )
    with contextlib.ExitStack() as stack:
        pack = None if args.offline else stack.enter_context(running_pack(ROOT / "policies"))
        for size in args.sizes:
            environment = environment_from_config(serving_environment(size), "bench")
            records = plan_program(lambda: HangarEnvironment("bench", environment), project="hangar", stack="bench").resources
            configs = load_pack_config(pack_config_for(environment), "bench")
            workloads = len(serving_workloads(records))
            gc.collect()
            gc.freeze()

            start, start_cpu = time.perf_counter(), time.process_time()
            offline = evaluate(records, configs)
            offline_s, offline_cpu = time.perf_counter() - start, time.process_time() - start_cpu
            per_offline = offline_s / len(records) * 1e6

            remote_cells = f"{'-':>12} | {'-':>12}"
            if pack is not None:
                start = time.perf_counter()  # the pack runs in its own process: wall clock, as a user waits for it
                pack.configure(protocol_config(configs))
                remote = pack.verdicts(records)
                remote_s = time.perf_counter() - start
                assert len(remote) == len(offline), "the pack and the offline rules disagree"
                per_remote = remote_s / len(records) * 1e6
                remote_cells = f"{per_remote:>12.1f} | {per_remote / per_offline:>12.1f}"
            print(
                f"{size:>6} {len(records):>9} {workloads:>9} | {per_offline:>14.1f} {offline_cpu / len(records) * 1e6:>7.1f} {remote_cells} | {len(offline)}",
                flush=True,
            )
            if args.by_policy:
                for name, seconds in sorted(by_policy(records, configs).items(), key=lambda item: -item[1]):
                    print(f"{'':>6} {name:<40} {seconds / len(records) * 1e6:>8.1f} µs/res", flush=True)
            gc.unfreeze()


if __name__ == "__main__":
    main()
