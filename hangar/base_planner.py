"""The base side of `hangar diff`, run as a script in a fresh interpreter rooted at the base checkout.

Usage: `python base_planner.py ROOT OUT STACK...` plans each STACK of the project at ROOT with the
base checkout's OWN code and writes `{stack: {"plan": ..., "notes": [...], "reads": {"files": [...],
"directories": [...]}} | {"error": ...}}` as JSON to OUT. `reads` are the files this process opened or
imported and the directories listed while the stack was planned, for the plan cache's key, recorded
by today's `hangar/planreads.py` (loaded by path: it imports nothing from `hangar`).

It is a script, not an imported module: one interpreter cannot import two versions of one module, so everything it imports comes from ROOT when ROOT holds it (see `main`). It therefore
imports nothing from today's `hangar` at module level.
"""

from __future__ import annotations

import gc
import json
import sys
from importlib.machinery import PathFinder
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

FOLDERS = {"hangar.components": "components", "hangar.policies": "policies"}
"""Packages installed from top-level folders (pyproject.toml's package-dir): in a checkout they live there."""


class BaseCheckoutOnly:
    """A package the base checkout holds is imported from there ONLY.

    An editable install's finder would otherwise hand out today's copy of any module the base does
    not have (hangar.stackplan, ...).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.local = {p.stem for p in root.glob("*.py")} | {p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*.py"))}

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001 - the importlib finder protocol
        if fullname.partition(".")[0] not in self.local:
            return None
        folder = self.root / FOLDERS.get(fullname, "-")
        if (folder / "__init__.py").is_file():
            return spec_from_file_location(fullname, folder / "__init__.py", submodule_search_locations=[str(folder)])
        spec = PathFinder.find_spec(fullname, path)
        if spec is None:
            raise ModuleNotFoundError(f"No module named {fullname!r} in the base checkout", name=fullname)
        return spec


def _today_module(name: str):  # noqa: ANN202 - a module loaded by path
    """A module of today's hangar/ beside this script, loaded under a name of its own (the base's `hangar` is imported as usual)."""
    spec = spec_from_file_location(f"_hangar_today_{name}", Path(__file__).with_name(f"{name}.py"))
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> None:
    # This process is the planner's own: it collects garbage as rarely as the `hangar` command does.
    gc.set_threshold(*_today_module("collector").COLLECTOR_THRESHOLDS)
    planreads = _today_module("planreads")  # records what each plan reads, as in the head's process
    planreads.install()
    root, out, stacks = Path(argv[0]), Path(argv[1]), argv[2:]
    # Run as a script, sys.path[0] is this file's directory (today's hangar/): the base checkout's own
    # modules (components/, hangar/ if it has one) take its place.
    sys.path[0] = str(root)
    sys.meta_path.insert(0, BaseCheckoutOnly(root))
    try:
        from hangar.stackplan import plan_project_stack

        def plan(stack):
            planned = plan_project_stack(root, stack)
            return planned.plan, list(planned.notes)
    except ImportError:  # a base older than hangar.stackplan
        from hangar.plan import plan_stack

        def plan(stack):
            return plan_stack(root, stack), []

    results = {}
    for stack in stacks:
        try:
            with planreads.planning():
                planned, notes = plan(stack)
            reads = {"files": sorted(planreads.files_read()), "directories": sorted(planreads.directories_listed())}
            results[stack] = {"plan": planned.to_json(), "notes": notes, "reads": reads}
        except Exception as error:  # noqa: BLE001 - any failure of the base program is that stack's result
            results[stack] = {"error": str(error).strip() or type(error).__name__}
    out.write_text(json.dumps(results, default=str), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
