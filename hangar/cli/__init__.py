"""The `hangar` command line: `app` is the console script; each module registers its commands."""

from hangar.cli import stack_commands  # noqa: F401  (registers plan, stacks, schema)
from hangar.cli.app import app

__all__ = ["app"]
