"""`hangar init`: a new project that uses the installed Hangar; `hangar policy-pack-path`: where its policy pack is."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer
from rich.markup import escape

from hangar.cli.app import app, fail, out
from hangar.starter import TARGETS, StarterError, plan_starter, write_starter
from hangar.starter_pack import PackError, publishable_copy, runnable_pack

Target = Enum("Target", {name.replace("-", "_"): name for name in TARGETS}, type=str)  # type: ignore[misc]


@app.command("init")
def init(
    directory: Path = typer.Argument(Path("."), help="Directory of the new project (created if missing), e.g. infra/ in your repository."),
    target: Target = typer.Option(..., "--target", "-t", help="Where it runs: " + ", ".join(f"{t} ({TARGETS[t]})" for t in TARGETS) + "."),
    name: str | None = typer.Option(None, "--name", help="Pulumi project name (default: the directory's name)."),
) -> None:
    """Write a working project for TARGET into DIRECTORY: Pulumi.yaml, the program, one stack, its policy config, the workflows, a README.

    The stack is this release's example for the target; the workflows go to the repository root's .github/ (working
    directory: DIRECTORY's folder in the repository). Existing files are never overwritten: then nothing is written (exit 2).
    """
    try:
        starter = plan_starter(directory, target.value, name)
        written = write_starter(starter)
    except StarterError as error:
        raise fail(str(error).splitlines())
    out.print(f"wrote a Hangar project for {escape(target.value)} (stack {escape(starter.stack)}):", soft_wrap=True)
    for path in written:
        out.print(f"  {escape(_shown(path))}", soft_wrap=True)
    out.print(f"next: read {escape(_shown(starter.project / 'README.md'))}: what to edit, then hangar plan {escape(starter.stack)}", soft_wrap=True)


def _shown(path: Path) -> str:
    """A path as the user gave its directory: relative to where they are when it is below."""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


@app.command("policy-pack-path")
def policy_pack_path(
    publishable: Path | None = typer.Option(None, "--publishable", help="Write a copy to publish into this new directory (its own venv), and print it."),
) -> None:
    """Print the directory of the policy pack installed with Hangar: `pulumi preview --policy-pack "$(hangar policy-pack-path)"`.

    The pack runs in the virtualenv Hangar is installed in; the command fails (exit 2) when Pulumi could not run it from
    there. With --publishable DIR: a copy for `cd DIR && pulumi policy publish <org>` (the installed pack's virtualenv
    setting is only right where it is installed).
    """
    try:
        pack = runnable_pack() if publishable is None else publishable_copy(publishable)
    except PackError as error:
        raise fail([str(error)])
    typer.echo(str(pack))
