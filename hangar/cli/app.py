"""The `hangar` Typer application and what every command shares: consoles, options, exit codes.

Exit codes: 0 ok, 1 policy violations, 2 bad input (a stack file, a config or a program that
cannot be planned), 130 / 143 interrupted by Ctrl-C / SIGTERM. Bad input prints one line per
problem on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape


class HangarApp(typer.Typer):
    """The console script: as typer's app, with Ctrl-C and SIGTERM handled by `hangar.cli.interrupts` (exit 130 / 143)."""

    def __call__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        from hangar.cli.interrupts import install

        install()
        return super().__call__(*args, **kwargs)


app = HangarApp(
    help="Hangar: plan and check LLM-serving infrastructure offline, before anything is provisioned.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
PIPE_WIDTH = 4096
"""Line width when the output is not a terminal: wide enough that no table cell or line is ever cut."""


def console(stderr: bool = False) -> Console:
    """A console that never cuts a value. On a terminal it fits the window; piped into a file or a CI log
    (where Rich would assume 80 columns and shorten cells to `79,…`) its lines are as wide as their
    content, unless `COLUMNS` says otherwise."""
    stream = sys.stderr if stderr else sys.stdout
    piped = not stream.isatty() and "COLUMNS" not in os.environ
    return Console(stderr=stderr, highlight=False, width=PIPE_WIDTH if piped else None)


out = console()
err = console(stderr=True)

ProjectOption = typer.Option(Path("."), "--project", "-C", help="Directory holding Pulumi.yaml.", show_default=False)


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


def fail(lines: list[str]) -> typer.Exit:
    """Print bad-input lines on stderr and return the exit (code 2) to raise."""
    for line in lines:
        err.print(f"[red]error:[/red] {escape(line)}", soft_wrap=True)
    return typer.Exit(2)


