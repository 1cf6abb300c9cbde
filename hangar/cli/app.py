"""The `hangar` Typer application and what every command shares: consoles, options, exit codes.

Exit codes: 0 ok, 1 policy violations, 2 bad input (a stack file, a config or a program that
cannot be planned), 130 / 143 interrupted by Ctrl-C / SIGTERM. Bad input prints one line per
problem on stderr, never a traceback.
"""

from __future__ import annotations

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
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

ProjectOption = typer.Option(Path("."), "--project", "-C", help="Directory holding Pulumi.yaml.", show_default=False)


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


def fail(lines: list[str]) -> typer.Exit:
    """Print bad-input lines on stderr and return the exit (code 2) to raise."""
    for line in lines:
        err.print(f"[red]error:[/red] {escape(line)}", soft_wrap=True)
    return typer.Exit(2)


