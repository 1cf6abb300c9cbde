"""The plan cache's store: cleaned up by size (least recently used first), safe under concurrent writers, and a
damaged entry is a miss — never a crash, never a wrong plan."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.cli import app
from hangar.plancache import CACHE_DIRECTORY, FORMAT, SIZE_VARIABLE, STALE_TEMPORARY_SECONDS, PlanCache
from tests.fresh_copy import foreign_program_copy

runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of a small non-Hangar program, with the cache switched on (conftest switches it off)."""
    monkeypatch.delenv(SIZE_VARIABLE, raising=False)
    return foreign_program_copy(tmp_path / "tiny", monkeypatch)


def entry(size: int, tag: str = "") -> dict:
    """A plan entry of about `size` bytes on disk."""
    return {"plan": {"project": "p", "stack": tag, "resources": [], "warnings": []}, "notes": ["x" * max(0, size - 120)]}


def age(path: Path, seconds_ago: float) -> None:
    stamp = time.time() - seconds_ago
    os.utime(path, (stamp, stamp))


def names(store: PlanCache) -> set[str]:
    return {path.stem for path in store.directory.glob("*.json")}


# --- clean-up by size ----------------------------------------------------------------------------------------


def test_clean_up_removes_the_least_recently_used_entries_until_the_cache_fits(tmp_path: Path):
    store = PlanCache(tmp_path / "plans", max_bytes=10_000_000)
    for index, key in enumerate(["a", "b", "c", "d"]):
        store.put(key, entry(10_000, key))
        age(store.directory / f"{key}.json", 400 - index * 100)  # a oldest ... d newest
    assert store.get("a") is not None  # a read makes `a` the most recently used
    store.max_bytes = 35_000
    store.put("e", entry(10_000, "e"))
    assert names(store) == {"a", "d", "e"}  # b and c went, oldest first; total now under 35 kB
    assert sum(path.stat().st_size for path in store.directory.glob("*.json")) <= 35_000


def test_the_entry_just_written_stays_even_above_the_limit(tmp_path: Path):
    store = PlanCache(tmp_path / "plans", max_bytes=0)
    store.put("old", entry(5_000))
    age(store.directory / "old.json", 100)
    store.put("new", entry(5_000))
    assert names(store) == {"new"}


def test_clean_up_removes_stale_temporary_files_and_leaves_fresh_ones(tmp_path: Path):
    store = PlanCache(tmp_path / "plans", max_bytes=10_000_000)
    store.directory.mkdir(parents=True)
    stale, fresh = store.directory / "k.stale.tmp", store.directory / "k.fresh.tmp"
    stale.write_text("{")
    fresh.write_text("{")  # a writer still at work
    age(stale, STALE_TEMPORARY_SECONDS + 60)
    store.put("k", entry(100))
    assert not stale.exists() and fresh.exists() and names(store) == {"k"}


def test_the_size_limit_comes_from_the_environment_through_the_cli(project: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(SIZE_VARIABLE, "0")
    assert runner.invoke(app, ["plan", "dev", "--format", "json", "-C", str(project)]).exit_code == 0
    (first,) = (project / CACHE_DIRECTORY / "plans").glob("*.json")
    age(first, 60)
    stack_file = project / "stacks" / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("search-dev", "search-dev-2"))
    assert runner.invoke(app, ["plan", "dev", "--format", "json", "-C", str(project)]).exit_code == 0
    (second,) = (project / CACHE_DIRECTORY / "plans").glob("*.json")  # the older plan was removed to fit 0 MiB
    assert second != first


@pytest.mark.parametrize("value", ["lots", "-1", "nan", "inf"])
def test_a_bad_size_limit_is_a_one_line_error(project: Path, monkeypatch: pytest.MonkeyPatch, value: str):
    monkeypatch.setenv(SIZE_VARIABLE, value)
    result = runner.invoke(app, ["plan", "dev", "-C", str(project)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: stack dev: {SIZE_VARIABLE}: the plan cache's size limit must be a number of MiB, 0 or more; got {value!r}"]
    assert not (project / CACHE_DIRECTORY).exists()


# --- concurrent writers --------------------------------------------------------------------------------------

PAYLOADS = {tag: entry(size, tag) for tag, size in (("small", 2_000), ("large", 400_000))}


def _writer(directory: str, tag: str, rounds: int) -> None:
    shared, crowded = PlanCache(Path(directory) / "shared", max_bytes=10_000_000), PlanCache(Path(directory) / "crowded", max_bytes=1_500_000)
    for index in range(rounds):
        shared.put("shared", PAYLOADS[tag])
        crowded.put(f"{tag}-{os.getpid()}-{index}", PAYLOADS[tag])  # distinct keys over the limit: the clean-ups race each other


def test_concurrent_writers_leave_whole_entries_and_readers_see_whole_ones(tmp_path: Path):
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_writer, args=(str(tmp_path), tag, 15)) for tag in ("small", "large", "small", "large")]
    for writer in writers:
        writer.start()
    reader, seen, reads = PlanCache(tmp_path / "shared"), [], 0
    while any(writer.is_alive() for writer in writers):
        found = reader.get("shared")
        if found is None:
            assert not seen, "the entry vanished or was read half written after it existed"
            continue
        reads += 1
        tag = found["plan"]["stack"]
        assert found == {"format": FORMAT, **PAYLOADS[tag]}  # never a mix of two writes, never cut short
        seen.append(tag)
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    assert reads > 1, "the reader never saw an entry while the writers ran"
    assert not list(tmp_path.glob("*/*.tmp"))
    for path in tmp_path.glob("*/*.json"):
        json.loads(path.read_text())
    crowded = list((tmp_path / "crowded").glob("*.json"))
    assert sum(path.stat().st_size for path in crowded) <= 1_500_000 + 400_500 and len(crowded) < 60


# --- a damaged entry is a miss -------------------------------------------------------------------------------


def _truncate(path: Path) -> None:
    text = path.read_text()
    path.write_text(text[: len(text) // 2])


def _rewrite(change):
    def apply(path: Path) -> None:
        document = json.loads(path.read_text())
        path.write_text(json.dumps(change(document)))

    return apply


def _replace_by_directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(_truncate, id="cut short"),
        pytest.param(lambda path: path.write_bytes(b""), id="empty"),
        pytest.param(lambda path: path.write_bytes(b"\xff\xfe\x00garbage"), id="not text"),
        pytest.param(lambda path: path.write_text("[1, 2]"), id="a JSON list"),
        pytest.param(_rewrite(lambda d: {**d, "format": FORMAT + 1}), id="another format"),
        pytest.param(_rewrite(lambda d: {**d, "plan": "resources"}), id="plan not an object"),
        pytest.param(_rewrite(lambda d: {**d, "plan": {**d["plan"], "resources": [{"type": "x"}]}}), id="a resource without urn"),
        pytest.param(_rewrite(lambda d: {**d, "plan": {**d["plan"], "resources": [17]}}), id="a resource not an object"),
        pytest.param(_replace_by_directory, id="a directory in its place"),
    ],
)
def test_a_damaged_entry_is_planned_again(project: Path, damage):
    cold = runner.invoke(app, ["plan", "dev", "--format", "json", "-C", str(project)], catch_exceptions=False)
    assert cold.exit_code == 0
    (path,) = (project / CACHE_DIRECTORY / "plans").glob("*.json")
    damage(path)
    again = runner.invoke(app, ["plan", "dev", "--format", "json", "-C", str(project)], catch_exceptions=False)
    assert again.exit_code == 0 and again.stdout == cold.stdout
    checked = runner.invoke(app, ["check", "dev", "--format", "json", "-C", str(project)], catch_exceptions=False)
    assert checked.exit_code == 0 and json.loads(checked.stdout)[0]["stack"] == "dev"
    if path.is_file():  # written again, whole
        assert json.loads(path.read_text())["format"] == FORMAT


# --- what is not an input of a plan --------------------------------------------------------------------------


def test_another_stacks_file_and_a_policy_pack_are_not_inputs_of_a_plan(project: Path):
    """A pull request that changes one stack misses only that stack's plan; a policy pack never feeds a plan."""
    from hangar.stackfile import read_project
    from hangar.stackservice import find_cached

    def cached() -> bool:
        return find_cached(read_project(project), "dev") is not None

    assert runner.invoke(app, ["plan", "dev", "--format", "json", "-C", str(project)], catch_exceptions=False).exit_code == 0
    assert cached()
    (project / "stacks" / "Pulumi.broken.yaml").write_text("config:\n  tiny:team: other\n")
    (project / "stacks" / "Pulumi.new.yaml").write_text("config: {}\n")
    pack = project / "policies"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "rules.py").write_text("RULES = []\n")
    (pack / "config").mkdir()
    (pack / "config" / "dev.json").write_text("{}\n")
    assert cached()
    (project / "Pulumi.yaml").write_text((project / "Pulumi.yaml").read_text() + "description: x\n")  # the project file is an input
    assert not cached()
