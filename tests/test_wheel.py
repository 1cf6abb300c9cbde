"""The wheel a team installs: one top-level package, everything in it, and nothing importable by the old names.

The wheel is built from a copy of the sources (`uv build --wheel`, as a release would be) and installed with
its dependencies — nothing from this checkout — into a fresh virtualenv, once per test session
(`installed_wheel` of tests/wheel_install.py, also used by tests/test_adopt.py).
"""

from __future__ import annotations

import contextlib
import email
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Iterator

import grpc
import pytest
import tomllib
import yaml
from hangar.policies.rules import POLICIES

from hangar.analyzer import PackClient
from tests.conftest import ROOT
from tests.wheel_install import InstalledWheel, installed_wheel

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


@pytest.fixture(scope="module")
def wheel() -> InstalledWheel:
    return installed_wheel()


def _names(wheel_file: Path) -> list[str]:
    with zipfile.ZipFile(wheel_file) as archive:
        return archive.namelist()


def test_the_wheel_installs_exactly_one_top_level_package(wheel: InstalledWheel):
    names = _names(wheel.wheel)
    assert {name.split("/", 1)[0] for name in names if ".dist-info/" not in name} == {"hangar"}
    with zipfile.ZipFile(wheel.wheel) as archive:
        top_level = next(name for name in names if name.endswith(".dist-info/top_level.txt"))
        assert archive.read(top_level).decode().split() == ["hangar"]
        metadata = email.message_from_bytes(archive.read(next(name for name in names if name.endswith(".dist-info/METADATA"))))
    assert metadata["Name"] == "hangar-llm" and metadata["Version"] == VERSION


@pytest.mark.parametrize(("folder", "package"), [("hangar", "hangar"), ("components", "hangar/components"), ("policies", "hangar/policies"), ("stacks", "hangar/examples")])
def test_every_module_and_data_file_of_the_checkout_is_in_the_wheel(wheel: InstalledWheel, folder: str, package: str):
    names = set(_names(wheel.wheel))
    sources = [path for path in (ROOT / folder).rglob("*") if path.is_file() and "__pycache__" not in path.parts]
    wanted = {f"{package}/{path.relative_to(ROOT / folder).as_posix()}" for path in sources if path.suffix in (".py", ".csv", ".json", ".yaml", ".txt")}
    assert wanted, f"nothing found under {folder}/"
    assert sorted(wanted - names) == []
    packages = {path.parent for path in sources if path.name == "__init__.py"}
    assert all(f"{package}/{p.relative_to(ROOT / folder).as_posix()}/__init__.py".replace("/./", "/") in names for p in packages if p != ROOT / folder)


def test_the_installed_pack_runs_in_the_venv_it_is_installed_in_and_pins_this_release(wheel: InstalledWheel):
    with zipfile.ZipFile(wheel.wheel) as archive:
        pack = yaml.safe_load(archive.read("hangar/policies/PulumiPolicy.yaml"))
        requirements = archive.read("hangar/policies/requirements.txt").decode()
    checkout = yaml.safe_load((ROOT / "policies" / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    # Pulumi publishes a Python pack under the version in its PulumiPolicy.yaml: it must be the package's.
    assert pack["version"] == checkout["version"] == VERSION
    assert pack["runtime"] == {"name": "python", "options": {"virtualenv": "../../../../.."}}
    assert [line for line in requirements.splitlines() if not line.startswith("#")] == [f"hangar-llm=={VERSION}"]
    # The checkout's pack keeps running in the checkout's .venv.
    assert checkout["runtime"]["options"]["virtualenv"] == "../.venv"


# Module paths as tuples: the repository's import rewriter (hangar.* for the old names) must not touch them.
@pytest.mark.parametrize("parts", [("components",), ("policies",), ("components", "aws"), ("policies", "rules")], ids=".".join)
def test_the_old_top_level_names_are_not_importable(wheel: InstalledWheel, parts: tuple[str, ...], tmp_path: Path):
    result = wheel.run(wheel.python, "-c", f"import {'.'.join(parts)}", cwd=tmp_path)
    assert result.returncode == 1
    assert f"ModuleNotFoundError: No module named '{parts[0]}'" in result.stderr


def test_the_package_imports_and_the_console_script_runs(wheel: InstalledWheel, tmp_path: Path):
    imported = wheel.run(wheel.python, "-c", "import hangar.components.program, hangar.policies.rules, hangar.policies.pack; print('ok')", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    helped = wheel.run(wheel.hangar, "--help", cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    for command in ("plan", "check", "render", "diff", "init", "policy-pack-path"):
        assert f" {command} " in helped.stdout


def test_policy_pack_path_prints_the_installed_pack_which_pulumi_would_run_in_this_venv(wheel: InstalledWheel, tmp_path: Path):
    result = wheel.run(wheel.hangar, "policy-pack-path", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pack = Path(result.stdout.strip())
    assert pack.parent.parent.name == "site-packages" and pack.is_relative_to(wheel.venv)
    virtualenv = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text(encoding="utf-8"))["runtime"]["options"]["virtualenv"]
    # As Pulumi resolves it (relative to the pack) and tests it (bin/python inside).
    assert Path(os.path.normpath(pack / virtualenv)) == wheel.venv
    assert (wheel.venv / "bin" / "python").is_file()


def test_policy_pack_path_refuses_a_pack_that_would_run_in_another_environment(wheel: InstalledWheel, tmp_path: Path):
    # The same hangar started by another interpreter (a system Python with the venv's site-packages on its path):
    # Pulumi would still run the pack in the venv, which is not where this hangar runs.
    site = next(wheel.venv.glob("lib/python3*/site-packages"))
    environment = {**wheel.env(), "PYTHONPATH": str(site)}
    result = subprocess.run([sys.executable, "-c", "from hangar.cli import app; app()", "policy-pack-path"], cwd=tmp_path, env=environment, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and f"runs in {wheel.venv}" in result.stderr and "use the hangar installed in" in result.stderr


@contextlib.contextmanager
def pack_started_as_pulumi_would(wheel: InstalledWheel, pack: Path) -> Iterator[PackClient]:
    """`<virtualenv>/bin/python <pack dir>`, the virtualenv as PulumiPolicy.yaml names it, relative to the pack, and the port
    read from the pack's first line: as pulumi-language-python's RunPlugin runs a pack (pip toolchain)."""
    virtualenv = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text(encoding="utf-8"))["runtime"]["options"]["virtualenv"]
    python = Path(os.path.normpath(pack / virtualenv)) / "bin" / "python"
    environment = {**wheel.env(), "PYTHONUNBUFFERED": "1", "PULUMI_PROJECT": "infra", "PULUMI_STACK": "dev", "PULUMI_DRY_RUN": "true"}
    process = subprocess.Popen([str(python), str(pack)], cwd=pack, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = process.stdout.readline().strip() if process.stdout else ""
        assert port.isdigit(), process.stderr.read() if process.stderr else port
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=60)
            yield PackClient(channel)
    finally:
        process.kill()
        process.wait(timeout=60)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def served_policies(wheel: InstalledWheel, pack: Path) -> dict:
    with pack_started_as_pulumi_would(wheel, pack) as client:
        info = client.info()
    assert info.name == "hangar"
    return {policy.name: policy for policy in info.policies}


def test_the_installed_pack_serves_every_policy_with_its_config_schema(wheel: InstalledWheel, tmp_path: Path):
    pack = Path(wheel.run(wheel.hangar, "policy-pack-path", cwd=tmp_path).stdout.strip())
    policies = served_policies(wheel, pack)
    assert sorted(policies) == sorted(spec.name for spec in POLICIES)  # this checkout's registry: all of them, none lost
    assert "monthlyCeilingUsd" in policies["hangar-budget"].configSchema.properties


def test_the_publishable_copy_runs_in_its_own_venv_and_serves_the_config_schemas_publish_uploads(wheel: InstalledWheel, tmp_path: Path):
    # `pulumi policy publish` asks the pack, run in the directory it publishes, for GetAnalyzerInfo and uploads it with
    # the tarball: the config schemas it uploads are these (pulumi/pulumi pkg/backend/httpstate/policypack.go, Publish).
    result = wheel.run(wheel.hangar, "policy-pack-path", "--publishable", "pack", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    copy = Path(result.stdout.strip())
    assert copy == tmp_path / "pack"
    assert sorted(p.name for p in copy.iterdir()) == [".pulumiignore", "PulumiPolicy.yaml", "__main__.py", "requirements.txt", "venv"]
    document = yaml.safe_load((copy / "PulumiPolicy.yaml").read_text())
    assert document["runtime"]["options"] == {"virtualenv": "venv"} and document["version"] == VERSION
    assert (copy / "requirements.txt").read_text() == f"hangar-llm=={VERSION}\n"
    assert (copy / "venv").resolve() == wheel.venv.resolve() and "venv" in (copy / ".pulumiignore").read_text().split()
    policies = served_policies(wheel, copy)
    assert sorted(policies) == sorted(spec.name for spec in POLICIES)
    for spec in POLICIES:  # the schema each policy publishes: its config keys, without the level Pulumi adds itself
        schema = policies[spec.name].configSchema
        assert "enforcementLevel" not in schema.properties
    assert "monthlyCeilingUsd" in policies["hangar-budget"].configSchema.properties
    again = wheel.run(wheel.hangar, "policy-pack-path", "--publishable", "pack", cwd=tmp_path)
    assert again.returncode == 2 and f"{copy}: exists and is not an empty directory; give a new one" in again.stderr
