"""`hangar policy-pack-path`: where the policy pack installed with Hangar is, for `pulumi preview --policy-pack`."""

from __future__ import annotations

import typer

from hangar.cli.app import app, fail
from hangar.starter_pack import PackError, runnable_pack


@app.command("policy-pack-path")
def policy_pack_path() -> None:
    """Print the directory of the policy pack installed with Hangar: `pulumi preview --policy-pack "$(hangar policy-pack-path)"`.

    The pack runs in the virtualenv Hangar is installed in; the command fails (exit 2) when Pulumi could not run it from there.
    """
    try:
        pack = runnable_pack()
    except PackError as error:
        raise fail([str(error)])
    typer.echo(str(pack))
