"""The `hangar` command line: `app` is the console script; each module registers its commands."""

from hangar.cli import (  # noqa: F401  (each registers its commands)  # noqa: F401  (size, cost, catalog)  # noqa: F401  (registers diff, gitops)
    catalog_commands,
    check_commands,
    cost_commands,
    diff_commands,
    gitops_commands,
    render_commands,
    sizing_commands,
    stack_commands,
)
from hangar.cli.app import app

__all__ = ["app"]
