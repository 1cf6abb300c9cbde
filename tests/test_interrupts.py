"""Interrupts and concurrency: Ctrl-C, SIGTERM, two renders at once, and the event loops a plan leaves.

Before (issue 16): Ctrl-C during `check --all` ended with exit 1 (the policy-violation code) or a
traceback from inside the SDK; a SIGTERM'd `diff --base` left its git worktree registered; render
cleared a directory wholesale, a user's file in it included; the Helm summary followed
registration order; and each plan left the event loops of the SDK's executor threads unclosed
(`Exception ignored in BaseEventLoop.__del__` at exit).
"""

from __future__ import annotations

import os
import random
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hangar.records import Plan
from hangar.render import MARKER, RenderError, read_manifest, render_plan, write_rendering
from tests.conftest import ROOT
from tests.serving_plans import example_plan
from tests.shop_repo import git, shop_project

HANGAR = str(Path(sys.executable).parent / "hangar")
SIGTERM_BIT = 1 << (signal.SIGTERM - 1)


def started(args: list[str], cwd: Path = ROOT, temporary: Path | None = None) -> subprocess.Popen:
    """`hangar ARGS` as a user starts it, returned once its signal handlers are in place (SIGTERM caught, per /proc).

    `temporary`: the process's TMPDIR, to see what it leaves there."""
    env = dict(os.environ, TMPDIR=str(temporary)) if temporary is not None else None
    process = subprocess.Popen([HANGAR, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        status = Path(f"/proc/{process.pid}/status").read_text()
        caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
        if caught & SIGTERM_BIT:
            return process
        time.sleep(0.02)
    raise AssertionError(f"hangar {' '.join(args)} never installed its handlers: {process.communicate()}")


@pytest.mark.parametrize(
    "args",
    [["check", "--all"], ["plan", "eks-prod"], ["render", "gke-dev", "--out", "{tmp}"], ["cost", "aks-staging"]],
    ids=["check-all", "plan", "render", "cost"],
)
def test_ctrl_c_exits_130_with_one_line(args: list[str], tmp_path: Path):
    process = started([arg.replace("{tmp}", str(tmp_path)) for arg in args])
    time.sleep(0.3)  # into the work: imports, the plan
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, (stdout, stderr)
    assert stderr == "hangar: interrupted (Ctrl-C); the command did not finish\n"
    assert "no violations" not in stdout and "✓" not in stdout  # never partial verdicts that read as a pass


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    shop_project(root)
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "base")
    return root


def hangar_worktrees(repo: Path) -> list[str]:
    listing = git(repo, "worktree", "list", "--porcelain")
    return [line for line in listing.splitlines() if line.startswith("worktree ") and "hangar-diff-" in line]


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupted_diff_leaves_no_worktree(repo: Path, tmp_path: Path, signum: int, code: int):
    """Whenever the signal lands once the checkout is listed: while git still writes it (see the next test) or after.

    Nor anything in the temporary directory: the base's scratch copy of its project and stack files and the base
    planner's results went with it (they were left behind before)."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = started(["diff", "--all", "--base", "HEAD", "-C", str(repo)], temporary=temporary)
    deadline = time.monotonic() + 60
    while not hangar_worktrees(repo) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert hangar_worktrees(repo), "the base checkout never appeared"
    scratch = Path(hangar_worktrees(repo)[0].split(" ", 1)[1]).parent
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert stderr.count("\n") == 1 and "the command did not finish" in stderr
    assert hangar_worktrees(repo) == [] and not scratch.exists()
    assert sorted(path.name for path in temporary.iterdir()) == []


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_diff_interrupted_while_git_writes_the_checkout_leaves_no_worktree(repo: Path, tmp_path: Path, signum: int, code: int):
    """The case that made the test above flaky under load, made certain: a smudge filter holds `git worktree add` mid-checkout.

    There git lists the worktree `locked initializing`; a cleanup that did not let git finish left it
    registered (a locked worktree is neither removed by `remove --force` nor pruned) and git wrote on.
    """
    writing = tmp_path / "checkout-started"
    (repo / ".gitattributes").write_text("__main__.py filter=hold\n")
    git(repo, "config", "filter.hold.smudge", f"touch {shlex.quote(str(writing))}; sleep 1; cat")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "hold the checkout")
    process = started(["diff", "--all", "--base", "HEAD", "-C", str(repo)])
    deadline = time.monotonic() + 60
    while not writing.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    listing = git(repo, "worktree", "list", "--porcelain")
    assert "locked initializing" in listing, listing  # the signal lands while git writes the checkout
    scratch = Path(hangar_worktrees(repo)[0].split(" ", 1)[1]).parent
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert stderr.count("\n") == 1 and "the command did not finish" in stderr
    assert hangar_worktrees(repo) == [] and not scratch.exists()
    time.sleep(1.5)  # longer than the filter holds git: nothing of the checkout is written afterwards
    assert not scratch.exists() and git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_a_worktree_left_by_a_killed_diff_is_pruned_by_the_next_run(repo: Path, tmp_path: Path):
    from hangar.cli.diff_commands import OWNER_FILE, prune_stale_checkouts

    dead = subprocess.Popen(["true"])
    dead.wait()
    scratch = tmp_path / "hangar-diff-stale"
    scratch.mkdir()
    (scratch / OWNER_FILE).write_text(f"{dead.pid}\n")
    git(repo, "worktree", "add", "--detach", "--quiet", str(scratch / "base"), "HEAD")
    alive = tmp_path / "hangar-diff-running"
    alive.mkdir()
    (alive / OWNER_FILE).write_text(f"{os.getpid()}\n")  # a diff still running: never touched
    git(repo, "worktree", "add", "--detach", "--quiet", str(alive / "base"), "HEAD")
    assert prune_stale_checkouts(repo) == [scratch]
    assert not scratch.exists() and [line.split(" ", 1)[1] for line in hangar_worktrees(repo)] == [str(alive / "base")]


# --- event loops ----------------------------------------------------------------------------------------------

LOOP_PROBE = """
import sys, threading
from pathlib import Path
import asyncio.base_events as base_events
created = []
original = base_events.BaseEventLoop.__init__
def recording(self, *args, **kwargs):
    original(self, *args, **kwargs)
    created.append(self)
base_events.BaseEventLoop.__init__ = recording
from hangar.plan import plan_stack
plan = plan_stack(Path(sys.argv[1]), sys.argv[2])
print(len(plan.resources), len(created), sum(not loop.is_closed() for loop in created), threading.active_count())
"""


def test_a_plan_closes_every_event_loop_it_causes():
    """The loops of the SDK's executor threads included: none is left for `BaseEventLoop.__del__` at exit, no thread lingers."""
    result = subprocess.run([sys.executable, "-c", LOOP_PROBE, str(ROOT), "aks-staging"], capture_output=True, text=True, timeout=120)
    resources, created, still_open, threads = map(int, result.stdout.split())
    assert resources > 0 and created > 1  # the plan's loop and its executor threads' loops
    assert (still_open, threads) == (0, 1), result.stdout
    assert "Exception ignored" not in result.stderr


# --- render: the manifest, the lock, the order ----------------------------------------------------------------


def test_render_deletes_only_the_files_its_manifest_lists(tmp_path: Path):
    rendering = render_plan(example_plan("gke-dev"))
    target = write_rendering(rendering, tmp_path)
    assert read_manifest(target) == set(rendering.files())
    mine = target / "dev" / "notes.md"
    mine.write_text("a user's file\n")
    write_rendering(rendering, tmp_path)
    assert mine.read_text() == "a user's file\n"


def test_render_refuses_to_overwrite_a_file_it_did_not_write(tmp_path: Path):
    rendering = render_plan(example_plan("gke-dev"))
    target = write_rendering(rendering, tmp_path)
    first = next(iter(rendering.files()))
    manifest = (target / MARKER).read_text()
    (target / MARKER).write_text(manifest.replace(f"{first}\n", ""))  # as if a user had put that file there
    (target / first).write_text("mine\n")
    with pytest.raises(RenderError, match=f"{target / first}: exists and was not written by hangar render"):
        write_rendering(rendering, tmp_path)
    assert (target / first).read_text() == "mine\n"


def test_a_tampered_manifest_never_reaches_outside_the_stack_directory(tmp_path: Path):
    rendering = render_plan(example_plan("gke-dev"))
    target = write_rendering(rendering, tmp_path / "out")
    outside = tmp_path / "precious.txt"
    outside.write_text("keep\n")
    with (target / MARKER).open("a") as manifest:
        manifest.write(f"../../precious.txt\n{outside}\n")
    write_rendering(rendering, tmp_path / "out")
    assert outside.read_text() == "keep\n"


def test_a_second_render_into_the_same_directory_is_refused_while_the_first_writes(tmp_path: Path):
    import fcntl

    rendering = render_plan(example_plan("gke-dev"))
    holder = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)  # what a first render holds while it writes
        with pytest.raises(RenderError, match=f"{tmp_path}: another hangar render is writing into this directory"):
            write_rendering(rendering, tmp_path)
    finally:
        os.close(holder)
    assert write_rendering(rendering, tmp_path).is_dir()  # and the directory is usable afterwards


def test_two_concurrent_render_commands_never_leave_a_broken_directory(tmp_path: Path):
    processes = [subprocess.Popen([HANGAR, "render", "onprem", "--out", str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(process.wait(timeout=120), process.stderr.read()) for process in processes]
    for process in processes:
        process.stdout.close()
        process.stderr.close()
    assert all(code == 0 or (code == 2 and "another hangar render is writing" in stderr) for code, stderr in results), results
    assert any(code == 0 for code, _ in results)
    target = tmp_path / "onprem"
    assert set(read_manifest(target)) == {str(path.relative_to(target)) for path in target.rglob("*") if path.is_file() and path.name != MARKER}


def test_what_is_rendered_does_not_follow_registration_order():
    plan = example_plan("onprem")
    files = render_plan(plan).files()
    notes = render_plan(plan).notes
    for seed in range(5):
        resources = list(plan.resources)
        random.Random(seed).shuffle(resources)
        shuffled = render_plan(Plan(plan.project, plan.stack, tuple(resources), plan.warnings))
        assert shuffled.files() == files and shuffled.notes == notes
