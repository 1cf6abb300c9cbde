"""How fast the inner loop and a pull request are: `hangar check --all` and `hangar diff --base`, cold and warm,
beside Checkov over the same stacks' rendered manifests and beside the floor. Ratios printed; run by hand:

    .venv/bin/python bench/speed.py [--repeat N] [--only check|diff|pr]

Every measurement is a fresh process, as a user or CI runs it: its wall clock (median of N runs, and
the fastest and the slowest) and its CPU time (user + system of it and its children, median), which other load on
the machine moves less than the wall clock. It works on a clone of this repository's HEAD in a temporary directory (your working
tree and your `.hangar-cache/` are not touched):

- checkov:      Checkov (pinned below, installed from PyPI into `bench/.venv-checkov/` on first use, a
                venv of its own) over every stack's manifests as `hangar render` writes them
                (`--framework kubernetes`; `helm-releases.yaml`, which is not a manifest, skipped);
- check cold:   `hangar check --all` with an empty plan cache (every stack planned, then stored);
- check warm:   the same again (every plan from the cache);
- floor:        the same programs (each stack's `__main__.py` with its config) on the SDK's plain
                `MockMonitor` in one process: their imports and registrations, no validation by
                Hangar outside the program, no recording, no pricing, no policies — what any offline
                plan of these programs costs, with CPython's default garbage collector;
- floor tuned:  the same with the collector's thresholds `hangar` runs with (hangar.collector.COLLECTOR_THRESHOLDS),
                so that cold / floor compares like with like;
- diff cold:    `hangar diff --base HEAD~1 --all` with an empty cache, HEAD changing one stack file;
- diff warm:    the same again (both sides from the cache);
- diff PR:      the pull-request case: the cache holds the base commit's plans (as the deploy
                workflow's `hangar check --all` on main saves them) and the changed stack is planned;
- plan changed: `hangar plan <changed stack> --no-cache`, one cold plan of the changed stack as a user
                runs it (planned, priced and judged, the tree printed);
- split:        diff PR and plan changed each run through a wrapper (`SPLIT`) that also takes the CPU time
                spent inside the program's plan (`hangar.stackplan.plan_stack`): the planner's time swings far
                more from run to run than what the two commands do differently, so their CPU outside the plan
                (imports, the cache's bookkeeping, pricing, judging, printing) is printed apart;
- 2 processes:  the concurrency probe: the cold check split over two processes running at once
                (three stacks each, split by cloud so each loads fewer SDKs) beside one process
                (bench/RESULTS.md says why Hangar does not plan stacks concurrently).

Targets (issue 17): check warm >= 5x faster than Checkov; check cold <= 1.2x the floor; diff PR no
slower than one cold plan of the changed stack. Other load on the machine moves the wall clock: the
load average is printed before and after; ratios are given by wall clock and by CPU time.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKOV_VERSION = "3.3.30"
"""Checkov's release on PyPI when this was written (the newest listed, 2026-10)."""
CHECKOV_VENV = Path(__file__).resolve().parent / ".venv-checkov"
CHANGED = "gke-dev"
HALVES = (("gke-dev", "gke-tpu", "edge"), ("eks-prod", "aks-staging", "onprem"))
FLOOR = """
import asyncio, runpy, sys
from pathlib import Path
import pulumi
from pulumi.runtime import settings
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.stack import run_pulumi_func
from hangar.mocks import PlausibleMocks
from hangar.stackfile import read_project, read_stack_config
from hangar.stackplan import OFFLINE_KUBECONFIG

root = Path(sys.argv[1])
if sys.argv[2:] == ["tuned"]:
    import gc
    from hangar.collector import COLLECTOR_THRESHOLDS
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
project = read_project(root)
for stack in project.stacks():
    config = read_stack_config(project, stack)
    secrets = [key for key, value in config.items() if isinstance(value, dict) and set(value) == {"secure"}]
    for cluster in config.get("hangar:environment", {}).get("clusters", []):  # the placeholder kubeconfig hangar plan uses too
        if cluster.get("provider") == "onprem":
            secrets.append("hangar:" + cluster.get("kubeconfig_secret", "kubeconfig"))
            config.setdefault(secrets[-1], OFFLINE_KUBECONFIG)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    monitor = MockMonitor(PlausibleMocks())
    settings.ROOT.set(None)
    pulumi.runtime.set_all_config({k: v if isinstance(v, str) else __import__("json").dumps(v) for k, v in config.items()}, secrets)
    pulumi.runtime.set_mocks(monitor.mocks, project=project.name, stack=stack, preview=False, monitor=monitor)
    settings.SETTINGS.root_directory = str(root)
    sys.path.insert(0, str(root))
    loop.run_until_complete(run_pulumi_func(lambda: runpy.run_path(str(root / "__main__.py"), run_name="__main__")))
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()
    print(stack, len(monitor.resources))
"""

SPLIT = """
import sys, time
import hangar.stackplan

real, inside = hangar.stackplan.plan_stack, [0.0]


def timed(*args, **kwargs):
    start = time.process_time()
    try:
        return real(*args, **kwargs)
    finally:
        inside[0] += time.process_time() - start


hangar.stackplan.plan_stack = timed  # looked up when called (hangar.stackplan.plan_project_stack)
from hangar.cli import app

try:
    app(sys.argv[2:])
finally:
    with open(sys.argv[1], "w", encoding="utf-8") as stream:
        stream.write(repr(inside[0]))
"""
"""`hangar ARGS` as the console script runs it (`hangar.cli.app`), writing the CPU seconds spent planning to the file named first."""


def hangar() -> str:
    return str(Path(sys.executable).parent / "hangar")


def environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in ("HANGAR_NO_CACHE", "HANGAR_CACHE_MAX_MB")}


@dataclasses.dataclass(frozen=True)
class Sample:
    """One run: wall-clock seconds, and CPU seconds (user + system of the process and its children)."""

    wall: float
    cpu: float
    planning: float | None = None
    """CPU seconds inside the program's plan (runs made through `SPLIT` only)."""


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], cwd: Path, allowed: tuple[int, ...] = (0,)) -> Sample:
    """One fresh process; an exit code not in `allowed` stops the bench."""
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if done.returncode not in allowed:
        raise SystemExit(f"{' '.join(command)}: exit {done.returncode}\n{done.stderr[-2000:]}")
    return Sample(wall, children_cpu() - cpu)


def run_split(arguments: list[str], cwd: Path, allowed: tuple[int, ...] = (0,)) -> Sample:
    """`hangar ARGUMENTS` through `SPLIT`: one fresh process, with the CPU time it spent inside the program's plan."""
    with tempfile.NamedTemporaryFile(prefix="hangar-bench-split-", suffix=".txt") as planning:
        # -P: the project directory (Hangar's own repository here) must not shadow the installed `hangar`
        sample = run([sys.executable, "-P", "-c", SPLIT, planning.name, *arguments], cwd, allowed)
        return dataclasses.replace(sample, planning=float(Path(planning.name).read_text(encoding="utf-8")))


def ensure_checkov() -> Path:
    """Checkov in a venv of its own (its dependencies would clash with Hangar's), installed from PyPI on first use."""
    checkov = CHECKOV_VENV / "bin" / "checkov"
    if not checkov.exists():
        print(f"installing checkov {CHECKOV_VERSION} into {CHECKOV_VENV} (first run only)...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(CHECKOV_VENV)], check=True)
        subprocess.run([str(CHECKOV_VENV / "bin" / "pip"), "install", "--quiet", f"checkov=={CHECKOV_VERSION}"], check=True)
    return checkov


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def workspace(scratch: Path) -> Path:
    """A clone of HEAD with one more commit that changes `CHANGED`'s stack file (its budget ceiling)."""
    repo = scratch / "repo"
    git(ROOT, "clone", "--quiet", "--no-hardlinks", str(ROOT), str(repo))
    stack_file = repo / "stacks" / f"Pulumi.{CHANGED}.yaml"
    text = stack_file.read_text(encoding="utf-8")
    stack_file.write_text(re.sub(r"monthly_ceiling_usd: (\d+)", lambda m: f"monthly_ceiling_usd: {int(m.group(1)) + 1}", text, count=1), encoding="utf-8")
    git(repo, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "--quiet", "-am", f"bench: change {CHANGED}")
    return repo


def clear_cache(repo: Path) -> None:
    shutil.rmtree(repo / ".hangar-cache", ignore_errors=True)


def repeat(times: int, measure, prepare=None) -> list[Sample]:  # noqa: ANN001 - callables
    samples = []
    for _ in range(times):
        if prepare is not None:
            prepare()
        samples.append(measure())
    return samples


def two_processes(repo: Path) -> Sample:
    """The cold check split over two processes running at once."""
    clear_cache(repo)
    cpu, start = children_cpu(), time.perf_counter()
    workers = [
        subprocess.Popen([hangar(), "check", *half, "--format", "json", "-C", str(repo)], env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for half in HALVES
    ]
    codes = [worker.wait() for worker in workers]
    if any(code not in (0, 1) for code in codes):
        raise SystemExit(f"the split check failed: exit codes {codes}")
    return Sample(time.perf_counter() - start, children_cpu() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the median is reported)")
    parser.add_argument(
        "--only", choices=("check", "diff", "pr"), help="only the check measurements (beside Checkov and the floor), only the diff ones, or only the PR case and the cold plan"
    )
    arguments = parser.parse_args()
    times, only = arguments.repeat, arguments.only
    checkov = ensure_checkov() if only not in ("diff", "pr") else None  # the diff measurements need no Checkov
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores; median of {times} runs", flush=True)
    with tempfile.TemporaryDirectory(prefix="hangar-bench-") as scratch_name:
        scratch = Path(scratch_name)
        repo = workspace(scratch)
        check = [hangar(), "check", "--all", "--format", "json", "-C", str(repo)]
        diff = [hangar(), "diff", "--base", "HEAD~1", "--all", "--format", "json", "-C", str(repo)]
        manifests = scratch / "manifests"
        stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in (repo / "stacks").glob("Pulumi.*.yaml"))
        for stack in stacks if checkov is not None else ():  # Checkov's input
            run([hangar(), "render", stack, "--out", str(manifests), "-C", str(repo)], repo)
        count = sum(1 for path in manifests.rglob("*.yaml") if path.name != "helm-releases.yaml")

        results: dict[str, list[Sample]] = {}
        if only not in ("diff", "pr"):
            results["checkov"] = repeat(times, lambda: run([str(checkov), "-d", str(manifests), "--framework", "kubernetes", "--skip-path", "helm-releases.yaml", "--quiet", "--compact", "-o", "json"], repo, (0, 1)))
            results["check cold"] = repeat(times, lambda: run(check, repo, (0, 1)), lambda: clear_cache(repo))
            results["check warm"] = repeat(times, lambda: run(check, repo, (0, 1)))
            results["floor"] = repeat(times, lambda: run([sys.executable, "-c", FLOOR, str(repo)], repo))
            results["floor tuned"] = repeat(times, lambda: run([sys.executable, "-c", FLOOR, str(repo), "tuned"], repo))
            results["2 processes"] = repeat(times, lambda: two_processes(repo))
        if only == "check":
            report(results, count, len(stacks))
            return
        if only != "pr":
            results["diff cold"] = repeat(times, lambda: run(diff, repo), lambda: clear_cache(repo))
            results["diff warm"] = repeat(times, lambda: run(diff, repo))

        def base_plans_cached() -> None:  # what main's deploy workflow leaves in the cache for the PR's base commit
            clear_cache(repo)
            git(repo, "checkout", "--quiet", "HEAD~1")
            run(check, repo, (0, 1))
            git(repo, "checkout", "--quiet", "-")

        # The two sides of the PR target alternate, run for run, so that a change of the machine's load between
        # blocks of runs cannot favour one of them (the other measurements run in blocks).
        results["diff PR"], results["plan changed"] = [], []
        for _ in range(times):
            base_plans_cached()
            results["diff PR"].append(run_split(diff[1:], repo))
            results["plan changed"].append(run_split(["plan", CHANGED, "--no-cache", "-C", str(repo)], repo, (0, 1)))
    report(results, count, len(stacks))


def report(results: dict[str, list[Sample]], count: int, stacks: int) -> None:
    """The table: each measurement's median wall clock, fastest run and median CPU, with the ratios its targets are stated in."""
    wall = {name: statistics.median(sample.wall for sample in samples) for name, samples in results.items()}
    cpu = {name: statistics.median(sample.cpu for sample in samples) for name, samples in results.items()}
    rows = [
        ("checkov", f"Checkov {CHECKOV_VERSION}: {count} manifests of {stacks} stacks", None),
        ("check cold", "hangar check --all, empty cache", ("floor tuned", "cold / tuned floor", "<= 1.2", False)),
        ("check warm", "hangar check --all, every plan cached", ("checkov", "Checkov / warm", ">= 5", True)),
        ("floor", "floor: the programs on the bare mock runtime", ("floor tuned", "default / tuned GC", "", False)),
        ("floor tuned", "floor, with hangar's collector thresholds", None),
        ("2 processes", "hangar check, stacks split over 2 processes, cold", ("check cold", "split / one process", "< 1 pays", False)),
        ("diff cold", "hangar diff --base HEAD~1 --all, empty cache", None),
        ("diff warm", "hangar diff, both sides cached", ("plan changed", "warm / plan changed", "", False)),
        ("diff PR", f"hangar diff, base cached, {CHANGED} changed", ("plan changed", "PR / plan changed", "<= 1", False)),
        ("plan changed", f"hangar plan {CHANGED} --no-cache (one cold plan)", None),
    ]
    header = f"{'measurement':<52} {'wall s':>7} {'min':>6} {'max':>6} {'cpu s':>6} | {'ratio':<20} {'wall':>5} {'cpu':>5} {'target':>8}"
    print(header)
    print("-" * len(header))
    for name, label, ratio in rows:
        if name not in results:
            continue
        cell = ""
        if ratio and ratio[0] in results:
            other, title, target, inverse = ratio
            by_wall, by_cpu = (wall[other] / wall[name], cpu[other] / cpu[name]) if inverse else (wall[name] / wall[other], cpu[name] / cpu[other])
            cell = f"{title:<20} {by_wall:>5.2f} {by_cpu:>5.2f} {target:>8}"
        walls = [sample.wall for sample in results[name]]
        print(f"{label:<52} {wall[name]:>7.2f} {min(walls):>6.2f} {max(walls):>6.2f} {cpu[name]:>6.2f} | {cell}")
    split = [name for name in ("diff PR", "plan changed") if results.get(name) and all(s.planning is not None for s in results[name])]
    if len(split) == 2:
        inside = {name: statistics.median(s.planning for s in results[name]) for name in split}
        outside = {name: statistics.median(s.cpu - s.planning for s in results[name]) for name in split}
        print(f"CPU s, median of the runs above  {'outside the plan':>18} {'inside':>8}")
        for name in split:
            print(f"{name:<32} {outside[name]:>18.3f} {inside[name]:>8.3f}")
        print(f"diff PR - plan changed, outside the plan: {1000 * (outside['diff PR'] - outside['plan changed']):+.0f} ms")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
