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


PUBLISHED_VIRTUALENV = "venv"
"""What Pulumi gives a published Python pack that names none, and where it installs its requirements when it installs the
pack for a preview (pulumi/pulumi pkg/backend/httpstate/policypack.go, installRequiredPolicy, read 2026-12-01)."""
PUBLISHED_FILES = ("__main__.py", POLICY_FILE, "requirements.txt")


def publishable_copy(directory: Path) -> Path:
    """A copy of the installed pack to run `pulumi policy publish` in: its virtualenv is its own `venv`, as Pulumi installs it.

    `pulumi policy publish` ships the directory it runs in (a tarball) and asks the pack, run there, for its policies and
    their config schemas (pulumi/pulumi pkg/backend/httpstate/policypack.go, cloudPolicyPack.Publish). The installed pack
    names the virtualenv five directories up, which is wrong anywhere else; the copy names `venv`, a symlink here to the
    virtualenv running Hangar, and a `.pulumiignore` keeps it out of the tarball (Pulumi's archiver skips ignored entries
    before following a symlink: pkg/util/archive/archive.go, read 2026-12-01).
    """
    pack = runnable_pack()
    directory = directory.resolve()
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise PackError(f"{directory}: exists and is not an empty directory; give a new one")
    document = yaml.safe_load((pack / POLICY_FILE).read_text(encoding="utf-8"))
    document["runtime"]["options"]["virtualenv"] = PUBLISHED_VIRTUALENV
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "__main__.py").write_text((pack / "__main__.py").read_text(encoding="utf-8"), encoding="utf-8")
    header = "# The Hangar policy pack, to publish: cd here, then `pulumi policy publish <org>` (hangar policy-pack-path --publishable).\n"
    (directory / POLICY_FILE).write_text(header + yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    (directory / "requirements.txt").write_text(_pinned_requirements(), encoding="utf-8")
    (directory / ".pulumiignore").write_text(f"{PUBLISHED_VIRTUALENV}\n__pycache__/\n", encoding="utf-8")
    (directory / PUBLISHED_VIRTUALENV).symlink_to(Path(sys.prefix).resolve(), target_is_directory=True)
    return directory


def _pinned_requirements() -> str:
    """This release of hangar-llm: what Pulumi installs into a published pack's venv."""
    import importlib.metadata

    return f"hangar-llm=={importlib.metadata.version('hangar-llm')}\n"
