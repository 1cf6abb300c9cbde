"""Where the policy pack installed with Hangar lives, and whether Pulumi can run it from there.

Pulumi runs a Python policy pack as `<virtualenv>/bin/python <pack dir>`, its `virtualenv` option in
PulumiPolicy.yaml resolved against the pack's directory; with pip, a pack without the option gets
`venv` (Pulumi does not run plugins in an ambient Python). Sources: pulumi/pulumi
sdk/python/toolchain/pip.go (`resolveVirtualEnvironmentPath`, `IsVirtualEnv`: `<dir>/bin/python`, on
Windows `<dir>/Scripts/python.exe`) and sdk/python/cmd/pulumi-language-python/main.go (`RunPlugin`),
master read 2026-12-01. The wheel writes the installed pack's `virtualenv` (setup.py); this module
checks it names the environment Hangar runs in, before a user finds out from `pulumi preview`.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import yaml

POLICY_FILE = "PulumiPolicy.yaml"


class PackError(ValueError):
    """The installed pack cannot be run by Pulumi from where it is; the message says why and what to do."""


def pack_directory() -> Path:
    """The directory of the `hangar.policies` package: the pack's PulumiPolicy.yaml and __main__.py."""
    spec = importlib.util.find_spec("hangar.policies")
    if spec is None or not spec.submodule_search_locations:
        raise PackError("hangar.policies is not installed with this hangar: reinstall hangar-llm")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def pack_virtualenv(pack: Path) -> Path | None:
    """The virtualenv PulumiPolicy.yaml names, resolved as Pulumi resolves it (None when the file names none)."""
    try:
        document = yaml.safe_load((pack / POLICY_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise PackError(f"{pack / POLICY_FILE}: cannot be read ({error})") from None
    options = ((document or {}).get("runtime") or {}).get("options") or {}
    virtualenv = options.get("virtualenv")
    if virtualenv is None:
        return None
    return Path(os.path.normpath(pack / str(virtualenv)))


def is_virtualenv(directory: Path) -> bool:
    """Pulumi's test for a virtualenv: it holds bin/python (Scripts/python.exe on Windows)."""
    python = directory / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    return python.is_file()


def runnable_pack() -> Path:
    """The installed pack's directory, after checking that Pulumi would run it in the environment running Hangar."""
    pack = pack_directory()
    virtualenv = pack_virtualenv(pack)
    here = Path(sys.prefix).resolve()
    if virtualenv is None or not is_virtualenv(virtualenv):
        named = "names no virtualenv" if virtualenv is None else f"names the virtualenv {virtualenv}, which is not one"
        raise PackError(
            f"{pack / POLICY_FILE} {named}: Pulumi runs a Python pack only in a virtualenv; "
            f"install hangar-llm into a venv (python -m venv .venv && .venv/bin/pip install hangar-llm) and run this from it"
        )
    if virtualenv.resolve() != here:
        raise PackError(f"{pack / POLICY_FILE} runs in {virtualenv}, but this hangar runs in {here}: use the hangar installed in {virtualenv}")
    return pack
