"""The base side of `hangar diff`, run as a script in a fresh interpreter rooted at the base checkout.

Usage: `python base_planner.py ROOT OUT STACK...` plans each STACK of the project at ROOT with the
base checkout's OWN code and writes `{stack: {"plan": ..., "notes": [...], "reads": {"files": [...],
"directories": [...]}} | {"error": ...}}` as JSON to OUT. `reads` are the files this process opened or
imported and the directories listed while the stack was planned, for the plan cache's key (what
`hangar.planreads` records in the head's process, recorded here by the same audit events). It is a script, not an imported module: one interpreter cannot import two versions of
one module, so everything it imports comes from ROOT when ROOT holds it (see `main`). It therefore
imports nothing from today's `hangar` at module level.
"""

from __future__ import annotations

import json
import os
import sys
from importlib.machinery import PathFinder
from importlib.util import spec_from_file_location
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


OPENED: set[str] = set()
LISTED: set[str] = set()
PLANNING = [False]


def record(event: str, args: tuple) -> None:
    """The audit hook: every file opened for reading; every directory listed while a stack is planned."""
    if event == "open" and ((args[1].startswith(("w", "a", "x")) and "+" not in args[1]) if isinstance(args[1], str) else (isinstance(args[2], int) and args[2] & os.O_WRONLY)):
        return  # written, not read
    if event == "open" or (PLANNING[0] and event in ("os.listdir", "os.scandir")):
        path = "." if args[0] is None else args[0]
        if isinstance(path, (str, bytes)):
            (OPENED if event == "open" else LISTED).add(os.path.abspath(os.fsdecode(path)))


def reads() -> dict[str, list[str]]:
    modules = {os.path.abspath(module.__file__) for module in list(sys.modules.values()) if isinstance(getattr(module, "__file__", None), str)}
    return {"files": sorted(OPENED | modules), "directories": sorted(LISTED)}


def main(argv: list[str]) -> None:
    sys.addaudithook(record)
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
            PLANNING[0] = True
            try:
                planned, notes = plan(stack)
            finally:
                PLANNING[0] = False
            results[stack] = {"plan": planned.to_json(), "notes": notes, "reads": reads()}
        except Exception as error:  # noqa: BLE001 - any failure of the base program is that stack's result
            results[stack] = {"error": str(error).strip() or type(error).__name__}
    out.write_text(json.dumps(results, default=str), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
