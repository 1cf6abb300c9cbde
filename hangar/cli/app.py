"""The `hangar` Typer application and what every command shares: consoles, options, exit codes.

Exit codes: 0 ok, 1 policy violations, 2 bad input (a stack file, a config or a program that
cannot be planned), 130 / 143 interrupted by Ctrl-C / SIGTERM. Bad input prints one line per
problem on stderr, never a traceback.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Iterator, MutableMapping
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
import typer.main
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from hangar.collector import COLLECTOR_THRESHOLDS

if TYPE_CHECKING:
    from typer.core import TyperCommand

COMMANDS = {
    "plan": "stack_commands",
    "stacks": "stack_commands",
    "schema": "stack_commands",
    "check": "check_commands",
    "policy-config": "check_commands",
    "cost": "cost_commands",
    "size": "sizing_commands",
    "diff": "diff_commands",
    "render": "render_commands",
    "init": "init_commands",
    "policy-pack-path": "init_commands",
    "catalog": "catalog_commands",
    "gitops": "gitops_commands",
}
"""Every command (and command group) of `hangar`, in `hangar --help`'s order, and the module under hangar/cli that registers it.

A run imports only its command's module (a module's imports — the spec, the rules, the sizing
model, the workflow generator — are most of a warm run's time); `hangar --help` imports them all.
tests/test_cli_lazy.py keeps this table equal to what the modules register.
"""


class HangarApp(typer.Typer):
    """The console script: as typer's app, with Ctrl-C and SIGTERM handled by `hangar.cli.interrupts` (exit 130 / 143),
    and the garbage collector tuned for a run that plans (`COLLECTOR_THRESHOLDS`)."""

    def __call__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        from hangar.cli.interrupts import install

        install()
        gc.set_threshold(*COLLECTOR_THRESHOLDS)  # this process is the command's own: nothing else shares its collector
        return super().__call__(*args, **kwargs)


class LazyCommands(MutableMapping[str, "TyperCommand | TyperGroup"]):
    """The commands of `hangar` by name: each one's module is imported when the command is first looked up.

    The group reads its `commands` mapping to run, list and suggest commands; this one knows every
    name from `COMMANDS` and builds a command from what its module registered on `app` once imported.
    """

    def __init__(self, built: dict[str, TyperCommand | TyperGroup]) -> None:
        self.built = dict(built)

    def __getitem__(self, name: str) -> TyperCommand | TyperGroup:
        if name not in self.built:
            if name not in COMMANDS:
                raise KeyError(name)
            importlib.import_module(f"hangar.cli.{COMMANDS[name]}")
            self.built[name] = _build(name)
        return self.built[name]

    def __setitem__(self, name: str, command: TyperCommand | TyperGroup) -> None:
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        del self.built[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (name for name in self.built if name not in COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS) + sum(1 for name in self.built if name not in COMMANDS)

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self.built


class LazyGroup(TyperGroup):
    """Typer's group for `hangar`, with its commands in a `LazyCommands` mapping."""

    def __init__(self, *args, commands=None, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003 - TyperGroup's signature
        super().__init__(*args, commands=commands, **kwargs)
        self.commands = LazyCommands(dict(self.commands))


def _build(name: str) -> TyperCommand | TyperGroup:
    """The click command (or group) a command module registered on `app` under `name`."""
    for info in app.registered_commands:
        if (info.name or typer.main.get_command_name(info.callback.__name__)) == name:  # type: ignore[union-attr]
            return typer.main.get_command_from_info(info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode)
    for group in app.registered_groups:
        if group.name == name:
            return typer.main.get_group_from_info(
                group, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode, suggest_commands=app.suggest_commands
            )
    raise LookupError(f"hangar.cli.{COMMANDS[name]} registers no command {name!r} (hangar.cli.app.COMMANDS is out of date)")


def _no_command() -> None:
    """Always a group (typer makes an app with one registered command a plain command): nothing to do before a command runs."""


app = HangarApp(
    help="Hangar: plan and check LLM-serving infrastructure offline, before anything is provisioned.",
    cls=LazyGroup,
    callback=_no_command,
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
StackArgument = typer.Argument(..., help="Stack (environment) name, e.g. eks-prod.", show_default=False)
NoCacheOption = typer.Option(False, "--no-cache", help="Plan afresh: neither read nor write the plan cache (.hangar-cache/).")
"""The options the commands that plan one stack share (`plan`, `cost`, `render`; `diff` takes `--no-cache` too)."""


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


FormatOption = typer.Option(OutputFormat.table, "--format", "-f", help="table or json.")


def fail(lines: list[str]) -> typer.Exit:
    """Print bad-input lines on stderr and return the exit (code 2) to raise."""
    for line in lines:
        err.print(f"[red]error:[/red] {escape(line)}", soft_wrap=True)
    return typer.Exit(2)


