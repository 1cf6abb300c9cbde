"""`hangar` imports only the module of the command it runs; `hangar --help` and a mistyped command still know them all.

Checked in fresh interpreters (this test process may have imported every command module already).
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hangar.cli.app import COMMANDS, app
from tests.conftest import ROOT

SCRIPT = """
import json, sys
from hangar.cli import app
try:
    app(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
sys.stderr.write("\\n" + json.dumps({"exit": code, "modules": sorted(name for name in sys.modules if name.startswith("hangar."))}))
"""
COMMAND_MODULES = sorted(path.stem for path in (ROOT / "hangar" / "cli").glob("*_commands.py"))


def run_fresh(*args: str) -> tuple[str, dict]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, timeout=300, cwd=ROOT, env=dict(os.environ, COLUMNS="300"))
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


def command_modules(loaded: list[str]) -> set[str]:
    return {name.rsplit(".", 1)[-1] for name in loaded if name.startswith("hangar.cli.") and name.endswith("_commands")}


def test_the_table_names_every_command_each_module_registers_and_nothing_else():
    for module in COMMAND_MODULES:
        importlib.import_module(f"hangar.cli.{module}")
    registered = {(info.name or info.callback.__name__.replace("_", "-")): info.callback.__module__ for info in app.registered_commands}
    registered |= {group.name: group.typer_instance.registered_commands[0].callback.__module__ for group in app.registered_groups}
    assert {name: f"hangar.cli.{module}" for name, module in COMMANDS.items()} == registered
    assert sorted(set(COMMANDS.values())) == COMMAND_MODULES


@pytest.mark.parametrize(("args", "module"), [(["stacks", "-C", str(ROOT)], "stack_commands"), (["policy-config", "edge", "-C", str(ROOT)], "check_commands"), (["catalog", "gpus", "--format", "json"], "catalog_commands")])
def test_a_command_imports_its_own_module_only(args: list[str], module: str):
    output, run = run_fresh(*args)
    assert run["exit"] == 0, output
    assert command_modules(run["modules"]) == {module}
    assert "hangar.gitops_workflows" not in run["modules"] or module == "gitops_commands"


def test_help_lists_every_command_in_order_and_a_typo_is_told_the_nearest():
    output, run = run_fresh("--help")
    assert run["exit"] == 0 and command_modules(run["modules"]) == set(COMMAND_MODULES)
    listed = [line.split()[1] for line in output.splitlines() if line.startswith("│ ") and len(line.split()) > 2 and not line.split()[1].startswith("-")]
    assert listed == list(COMMANDS)
    done = subprocess.run([sys.executable, "-c", SCRIPT, "chek"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert json.loads(done.stderr.strip().splitlines()[-1])["exit"] == 2
    assert "No such command 'chek'. Did you mean 'check'" in done.stderr


def test_an_app_with_one_command_module_loaded_is_still_the_whole_group(tmp_path: Path):
    """Typer makes an app holding a single command a plain command; `hangar` stays a group whatever was imported first."""
    script = "import hangar.cli.render_commands, sys; from hangar.cli import app; app(sys.argv[1:])"
    done = subprocess.run([sys.executable, "-c", script, "stacks", "-C", str(ROOT)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "eks-prod" in done.stdout
