"""Ctrl-C and SIGTERM end a command with one line and their own exit code, after undoing what it left half-made.

Without this, Ctrl-C reached click as KeyboardInterrupt ("Aborted!", exit 1: the policy-violation
code, so an interrupted `check --all` could read as a verdict) or struck inside the Pulumi SDK's
event loop and ended in a traceback. The handler runs the cleanups registered with
`cleanup_on_interrupt` (a `diff --base` worktree, ...), prints one line on stderr and leaves with
128 + the signal number (130 for SIGINT, 143 for SIGTERM, as shells report them), without running
the rest of the program: nothing half-planned is printed as a result.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import Callable, Iterator

_CLEANUPS: list[Callable[[], None]] = []
NAMES = {signal.SIGINT: "interrupted (Ctrl-C)", signal.SIGTERM: "terminated (SIGTERM)"}


@contextlib.contextmanager
def cleanup_on_interrupt(callback: Callable[[], None]) -> Iterator[None]:
    """Run `callback` if the command is interrupted inside this block (the block's own `finally` covers the rest)."""
    _CLEANUPS.append(callback)
    try:
        yield
    finally:
        _CLEANUPS.remove(callback)


def wait_for_exit(pid: int) -> None:
    """Block until the child process `pid` has ended, from inside a cleanup as well.

    `Popen.wait` cannot serve there: the interrupted main thread may be inside the same Popen's
    `wait`, holding its (non-reentrant) waitpid lock. A child the main thread already reaped is done.
    """
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _stop(signum: int, _frame: object) -> None:
    for callback in reversed(list(_CLEANUPS)):
        with contextlib.suppress(Exception):
            callback()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    os.write(2, f"hangar: {NAMES.get(signal.Signals(signum), f'stopped by signal {signum}')}; the command did not finish\n".encode())
    os._exit(128 + signum)


def install() -> None:
    """Handle SIGINT and SIGTERM as described above, for the rest of this process (the `hangar` command only)."""
    for signum in NAMES:
        signal.signal(signum, _stop)
