"""A plan is keyed on the files it read: a change to one of them misses the cache, a change to any other file hits it.

First on a small program that reads a data file and lists a directory (planned in this process), then on
Hangar's own repository planned by the CLI in fresh processes: a change to the README, a docs page or a
test finds the stored plan; a change to a component or the catalog's data plans again.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.cli import app
from hangar.plancache import CACHE_DIRECTORY
from hangar.stackfile import read_project
from hangar.stackservice import find_cached
from tests.fresh_copy import copy_repository, foreign_program_copy, run_in_copy

runner = CliRunner()
READING = """
from pathlib import Path

here = Path(__file__).parent
pulumi.export("motd", (here / "data" / "motd.txt").read_text())
pulumi.export("templates", sorted(path.name for path in (here / "templates").iterdir()))
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small foreign program, which also reads data/motd.txt and lists templates/; the cache switched on."""
    root = foreign_program_copy(tmp_path / "reader", monkeypatch)
    (root / "__main__.py").write_text((root / "__main__.py").read_text() + READING)
    for path, text in {"data/motd.txt": "hello\n", "templates/chat.jinja": "{{ x }}\n", "docs/index.md": "# Docs\n", "README.md": "# Reader\n", "tests/test_reader.py": "X = 1\n"}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    result = runner.invoke(app, ["plan", "dev", "--format", "json", "-C", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert {r["type"] for r in json.loads(result.stdout)["resources"]} >= {"aws:s3/bucket:Bucket"}
    return root


def cached(root: Path) -> bool:
    return find_cached(read_project(root), "dev") is not None


def append(path: Path, text: str = "\n# changed\n") -> None:
    path.write_text(path.read_text() + text)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda root: append(root / "__main__.py"), id="the program"),
        pytest.param(lambda root: append(root / "data" / "motd.txt", "bye\n"), id="a file the program reads"),
        pytest.param(lambda root: (root / "templates" / "code.jinja").write_text("{{ y }}\n"), id="a file added where the program lists"),
        pytest.param(lambda root: (root / "pulumi_aws.py").write_text("raise ImportError\n"), id="a module that would be imported instead of the SDK"),
        pytest.param(lambda root: append(root / "stacks" / "Pulumi.dev.yaml", "  tiny:extra: x\n"), id="the stack file"),
    ],
)
def test_a_change_to_what_the_plan_read_misses(project: Path, change):
    assert cached(project)
    change(project)
    assert not cached(project)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda root: append(root / "README.md"), id="README"),
        pytest.param(lambda root: append(root / "docs" / "index.md"), id="a docs page"),
        pytest.param(lambda root: (root / "docs" / "more.md").write_text("# More\n"), id="a new docs page"),
        pytest.param(lambda root: append(root / "tests" / "test_reader.py"), id="a test"),
        pytest.param(lambda root: (root / "stacks" / "Pulumi.prod.yaml").write_text("config: {}\n"), id="another stack"),
        pytest.param(lambda root: shutil.rmtree(root / CACHE_DIRECTORY / "plans", ignore_errors=True) and False, id="control: the cache removed"),
    ],
)
def test_a_change_to_anything_else_hits(project: Path, change, request: pytest.FixtureRequest):
    change(project)
    assert cached(project) is ("control" not in request.node.callspec.id)


# --- Hangar's own repository -------------------------------------------------------------------------------


PLAN = """
import hangar.components
assert Path(hangar.components.__file__).is_relative_to(copy), hangar.components.__file__
app(["plan", "edge", "--format", "json", "-C", str(copy)])
"""


def plan_in_copy(copy: Path) -> subprocess.CompletedProcess:
    """`hangar plan edge` in a fresh interpreter that imports the copy's own `hangar` and its components and policies, as `diff` plans a base checkout."""
    done = run_in_copy(copy, PLAN)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def entries(copy: Path) -> int:
    return len(list((copy / CACHE_DIRECTORY / "plans").glob("*.json")))


def test_in_hangars_repository_a_docs_change_hits_and_a_component_change_misses(tmp_path: Path):
    copy = copy_repository(tmp_path / "hangar-repo")
    cold = plan_in_copy(copy)
    assert entries(copy) == 1
    for path in ("README.md", "docs/index.md", "tests/test_layers.py", "CHANGELOG.md", "bench/speed.py", "hangar/cli/stack_commands.py"):
        append(copy / path)
    (copy / "docs" / "new-page.md").write_text("# New\n")
    assert plan_in_copy(copy).stdout == cold.stdout
    assert entries(copy) == 1  # the stored plan served: nothing was planned or written
    append(copy / "components" / "labels.py")
    plan_in_copy(copy)
    assert entries(copy) == 2
    append(copy / "hangar" / "catalog" / "data" / "gpus.csv", "\n")  # the same rows and a blank line: the data file changed
    plan_in_copy(copy)
    assert entries(copy) == 3


def test_a_project_reached_through_a_symbolic_link_is_keyed_on_its_files(project: Path, tmp_path: Path):
    """The planner resolves the project directory; the files it read are still the project's (macOS's /tmp is a link)."""
    link = tmp_path / "link"
    link.symlink_to(project, target_is_directory=True)
    shutil.rmtree(project / CACHE_DIRECTORY)  # planned afresh through the link
    result = runner.invoke(app, ["plan", "dev", "--format", "json", "-C", str(link)], catch_exceptions=False)
    assert result.exit_code == 0
    assert cached(link)
    append(project / "__main__.py")
    assert not cached(link)
