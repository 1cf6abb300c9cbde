"""The `hangar` command line: `app` is the console script.

Each command's module (hangar/cli/*_commands.py) registers its commands on `app` when it is imported;
`hangar.cli.app.COMMANDS` names the module of every command, and a run imports only the one it needs.
"""

from hangar.cli.app import app

__all__ = ["app"]
