"""How planning scales: Hangar's seconds and memory beside the bare Pulumi mock runtime's.

For each size (about 100, 1,000 and 10,000 resources) three runs, each in a fresh process:

- hangar:  validate a synthetic AWS environment and plan it with `hangar.plan.plan_program`
           (spec, catalog, plausible mocks, the recording monitor) — what `hangar plan` does;
- program: the same components under the SDK's plain `MockMonitor` (with Hangar's plausible
           mocks, which the program needs to read cluster outputs; no validation, no recording) —
           the cost of the Pulumi resources themselves;
- trivial: the SDK's plain mock runtime registering the same number of trivial resources.

Imports are done before the clock starts. Memory is the growth of peak RSS during the run.
Hangar's own overhead is hangar ÷ program; hangar ÷ trivial also counts what the provider
SDKs' resources cost over a bare resource. Run by hand: `.venv/bin/python bench/plan_scale.py`.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = (100, 1_000, 10_000)
PER_CLUSTER = 41  # resources of an AWS cluster with no GPU pool (network over 2 zones, cluster, system pool)
PER_POOL = 6  # component, role, two policy attachments, launch template, node group


def synthetic_environment(resources: int) -> dict:
    """An AWS environment of roughly `resources` resources: clusters of up to 150 GPU pools each."""
    clusters = []
    remaining = resources
    index = 0
    while remaining > PER_CLUSTER:
        pools = min(150, max(1, (remaining - PER_CLUSTER) // PER_POOL))
        clusters.append(
            {
                "provider": "aws",
                "name": f"c{index}",
                "region": "us-east-1",
                "zones": ["us-east-1a", "us-east-1b"],
                "node_pools": [{"name": f"p{n}", "gpu": "L4", "gpus_per_node": 1, "max_nodes": 2} for n in range(pools)],
            }
        )
        remaining -= PER_CLUSTER + pools * PER_POOL
        index += 1
    return {
        "name": "bench",
        "tier": "dev",
        "owner": "bench",
        "cost_centre": "bench",
        "budget": {"monthly_ceiling_usd": 10**9},
        "clusters": clusters,
    }


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(mode: str, size: int) -> dict:
    """Run one mode at one size in this process; return seconds, MiB and the resources registered."""
    import asyncio

    import pulumi
    import pulumi_aws  # noqa: F401
    import pulumi_kubernetes  # noqa: F401
    from hangar.components.environment import HangarEnvironment
    from pulumi.runtime import settings
    from pulumi.runtime.mocks import MockMonitor
    from pulumi.runtime.stack import run_pulumi_func

    from hangar.mocks import PlausibleMocks
    from hangar.plan import plan_program
    from hangar.stackfile import environment_from_config

    raw = synthetic_environment(size)
    # Load the SDK submodules the program touches, so that no mode pays import time on the clock.
    plan_program(lambda: HangarEnvironment("warm", environment_from_config(synthetic_environment(50), "bench")))

    class TrivialMocks(pulumi.runtime.Mocks):
        def new_resource(self, args):
            return f"{args.name}-id", dict(args.inputs)

        def call(self, args):
            return {}

    def bare_run(program, mocks: pulumi.runtime.Mocks) -> int:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        monitor = MockMonitor(mocks)
        settings.ROOT.set(None)
        pulumi.runtime.set_mocks(monitor.mocks, project="bench", stack="bench", preview=False, monitor=monitor)
        loop.run_until_complete(run_pulumi_func(program))
        loop.close()
        return len(monitor.resources)

    before = _rss_mib()
    start = time.perf_counter()
    if mode == "hangar":
        registered = len(plan_program(lambda: HangarEnvironment("bench", environment_from_config(raw, "bench"))))
    elif mode == "program":
        validated = environment_from_config(raw, "bench")  # validation is Hangar's cost: keep it off this clock
        start = time.perf_counter()
        registered = bare_run(lambda: HangarEnvironment("bench", validated), PlausibleMocks())
    else:
        count = size
        registered = bare_run(lambda: [pulumi.CustomResource("bench:index:Thing", f"r{i}", {"index": i}) for i in range(count)], TrivialMocks())
    seconds = time.perf_counter() - start
    return {"mode": mode, "size": size, "resources": registered, "seconds": seconds, "mib": max(0.0, _peak_rss_mib() - before)}


def run_in_subprocess(mode: str, size: int) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--one", mode, str(size)], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]))))
        return
    sizes = [int(arg) for arg in sys.argv[1:]] or list(SIZES)
    header = f"{'size':>6} {'resources':>9} | {'hangar s':>8} {'program s':>9} {'trivial s':>9} | {'h/prog':>6} {'h/triv':>6} | {'hangar MiB':>10} {'prog MiB':>8} {'triv MiB':>8} | {'h/prog':>6} {'h/triv':>6}"
    print(header)
    print("-" * len(header))
    for size in sizes:
        hangar = run_in_subprocess("hangar", size)
        program = run_in_subprocess("program", size)
        trivial = run_in_subprocess("trivial", hangar["resources"])
        print(
            f"{size:>6} {hangar['resources']:>9} | {hangar['seconds']:>8.2f} {program['seconds']:>9.2f} {trivial['seconds']:>9.2f} | "
            f"{hangar['seconds'] / program['seconds']:>6.2f} {hangar['seconds'] / trivial['seconds']:>6.2f} | "
            f"{hangar['mib']:>10.0f} {program['mib']:>8.0f} {trivial['mib']:>8.0f} | "
            f"{hangar['mib'] / max(program['mib'], 1):>6.2f} {hangar['mib'] / max(trivial['mib'], 1):>6.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
