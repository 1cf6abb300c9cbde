"""The `hangar` command line: `app` is the console script; each module registers its commands.

The modules are imported in the order their commands appear in `hangar --help`: the main job
first (plan, stacks, schema), then checking, pricing and sizing, then the pipeline commands.
"""

import importlib

from hangar.cli.app import app

COMMAND_MODULES = (
    "stack_commands",  # plan, stacks, schema
    "check_commands",  # check, policy-config
    "cost_commands",  # cost
    "sizing_commands",  # size
    "catalog_commands",  # catalog ...
    "diff_commands",  # diff
    "render_commands",  # render
    "gitops_commands",  # gitops ...
    "init_commands",  # init, policy-pack-path
)
for _module in COMMAND_MODULES:
    importlib.import_module(f"hangar.cli.{_module}")

__all__ = ["app"]
