"""Every console block of README.md and docs/ shows what its commands print today (tests/docs_sync.py)."""

from __future__ import annotations

import difflib

import pytest

from tests import docs_sync

BLOCKS = [block for path in docs_sync.doc_files() for block in docs_sync.console_blocks(path)]


def test_the_docs_show_console_blocks():
    where = {block.path.name for block in BLOCKS}
    assert {"README.md", "tour.md", "policy-pack.md", "sizing.md"} <= where


@pytest.mark.parametrize("block", BLOCKS, ids=[block.where for block in BLOCKS])
def test_console_block_matches_its_commands(block):
    stale = docs_sync.stale_steps(block)
    report = []
    for command, shown, actual in stale:
        diff = difflib.unified_diff(shown, actual, "shown", "printed", lineterm="", n=1)
        report.append(f"`{command}`:\n" + "\n".join(list(diff)[:60]))
    assert not stale, f"{block.where}: the block no longer shows what its commands print (run `{docs_sync.REGENERATE}`, then cut it again):\n" + "\n".join(report)


def test_a_cut_stands_for_any_lines_and_nothing_else():
    printed = ["a", "b", "c", "d"]
    assert docs_sync.matches(["a", "…", "d"], printed)
    assert docs_sync.matches(["a", "b", "  │ …  (cut)", "c", "d"], printed)  # a cut may stand for no line
    assert docs_sync.matches(["…"], printed)
    assert not docs_sync.matches(["a", "…", "c"], printed)  # the output goes on after c
    assert not docs_sync.matches(["a", "x", "…"], printed)
    assert not docs_sync.matches(["a", "b", "c"], printed)
    assert docs_sync.matches(["a  ", "b", "c", "d"], printed)  # trailing spaces do not count


def test_a_block_that_no_longer_matches_is_caught(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("text\n\n```console\n$ hangar stacks\neks-prod\n$ echo $?\n0\n```\n")
    (block,) = docs_sync.console_blocks(page)
    stale = docs_sync.stale_steps(block)
    assert [command for command, _, _ in stale] == ["hangar stacks"]
    printed = "\n".join(stale[0][2])
    assert "eks-prod" in printed and "gke-dev" in printed


def test_exit_codes_are_shown_with_echo(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```console\n$ hangar plan no-such-stack\n…\n$ echo $?\n0\n```\n")
    (block,) = docs_sync.console_blocks(page)
    assert [(command, actual) for command, _, actual in docs_sync.stale_steps(block)] == [("echo $?", ["2"])]


def test_a_console_block_must_start_with_a_command(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```console\nsome output\n```\n")
    (block,) = docs_sync.console_blocks(page)
    with pytest.raises(ValueError, match="starts with `\\$ command`"):
        block.steps()


def test_a_rewrite_keeps_the_cuts_that_still_fit():
    shown = ["head", "…  (cut: the middle)", "total: 1", "tail"]
    printed = ["head", "m1", "m2", "m3", "total: 2", "tail"]
    assert docs_sync.recut(shown, printed) == ["head", "…  (cut: the middle)", "total: 2", "tail"]
    assert docs_sync.recut(["a", "b"], ["a", "c", "d"]) == ["a", "c", "d"]  # nothing cut: the whole output


def test_a_rewrite_keeps_a_changed_line_between_cuts_visible():
    shown = ["! a: 0 mandatory", "…", "✗ b: 1 mandatory, 1 advisory", "…", "! c: 0 mandatory"]
    printed = ["! a: 0 mandatory", "t1", "t2", "! b: 0 mandatory, 1 advisory", "t3", "! c: 0 mandatory"]
    assert docs_sync.recut(shown, printed) == ["! a: 0 mandatory", "…", "! b: 0 mandatory, 1 advisory", "…", "! c: 0 mandatory"]


def test_running_a_block_leaves_no_plan_cache_in_the_checkout(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```console\n$ hangar plan dev -C tests/foreign_program\n…\n```\n")
    (block,) = docs_sync.console_blocks(page)
    assert docs_sync.stale_steps(block) == []
    assert not (docs_sync.ROOT / "tests" / "foreign_program" / ".hangar-cache").exists()
