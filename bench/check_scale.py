"""How the policy rules scale: offline evaluation beside the same resources sent through the pack over gRPC.

For plans of about 100, 1,000 and 10,000 resources (synthetic AWS environments from
`bench/plan_scale.py`, every pool serving a model), prints microseconds per resource for
`hangar.policies.rules.evaluate` offline and for the pack (Configure + Analyze per resource +
AnalyzeStack) started as the Pulumi CLI starts it, and their ratio. Targets: offline under
50 µs per resource, at least 10x faster than gRPC, and flat per resource as plans grow
(no quadratic joins). The plan's own objects are moved out of the garbage collector's way
(`gc.freeze()`) before the clocks start: otherwise each collection re-scans the whole plan heap and
the per-resource time grows with the plan for reasons that are not the rules'. Run by hand:
`.venv/bin/python bench/check_scale.py [SIZES...]`.
"""

from __future__ import annotations

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


def main() -> None:
    from hangar.components.environment import HangarEnvironment
    from hangar.policies.rules import evaluate, load_pack_config
    from hangar.policies.rules.config import pack_config_for, protocol_config
    from hangar.policies.rules.workloads import serving_workloads

    from hangar.analyzer import running_pack
    from hangar.plan import plan_program
    from hangar.stackfile import environment_from_config

    sizes = [int(arg) for arg in sys.argv[1:]] or list(SIZES)
    print(f"{'size':>6} {'resources':>9} {'workloads':>9} | {'offline µs/res':>14} {'gRPC µs/res':>12} | {'gRPC/offline':>12} | violations")
    with running_pack(ROOT / "policies") as pack:
        for size in sizes:
            environment = environment_from_config(serving_environment(size), "bench")
            records = plan_program(lambda: HangarEnvironment("bench", environment), project="hangar", stack="bench").resources
            configs = load_pack_config(pack_config_for(environment), "bench")
            workloads = len(serving_workloads(records))
            gc.collect()
            gc.freeze()

            start = time.perf_counter()
            offline = evaluate(records, configs)
            offline_s = time.perf_counter() - start

            start = time.perf_counter()
            pack.configure(protocol_config(configs))
            remote = pack.verdicts(records)
            remote_s = time.perf_counter() - start

            assert len(remote) == len(offline), "the pack and the offline rules disagree"
            per_offline = offline_s / len(records) * 1e6
            per_remote = remote_s / len(records) * 1e6
            print(
                f"{size:>6} {len(records):>9} {workloads:>9} | {per_offline:>14.1f} {per_remote:>12.1f} | {per_remote / per_offline:>12.1f} | {len(offline)}",
                flush=True,
            )


if __name__ == "__main__":
    main()
