"""`python -m tests.docs_sync --write` on a broken tree, and docs blocks that must not depend on the checkout's git state."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import docs_sync

STALE = "```console\n$ hangar stacks\nno-such-stack\n```\n"
CRASHING = '```console\n$ python -c "import hangar.no_such_module"\nhangar.no_such_module loaded\n```\n'


REFERENCE_WRITES: list[str] = []


@pytest.fixture
def page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A docs tree of one page; the real reference page is left alone (its regeneration is recorded instead)."""
    page = tmp_path / "page.md"
    REFERENCE_WRITES.clear()
    monkeypatch.setattr(docs_sync, "doc_files", lambda: [page])

    def write_reference() -> bool:
        REFERENCE_WRITES.append("reference")
        return False

    monkeypatch.setattr(docs_sync, "write_reference", write_reference)
    return page


def test_write_refuses_a_tree_whose_command_prints_a_traceback_and_writes_nothing(page: Path, capsys: pytest.CaptureFixture[str]):
    text = f"# A page\n\n{STALE}\nthen\n\n{CRASHING}"
    page.write_text(text)
    assert docs_sync.main(["docs_sync", "--write"]) == 1
    stderr = capsys.readouterr().err
    line = text.split("\n").index('$ python -c "import hangar.no_such_module"')
    assert stderr == f'docs_sync: {page}:{line}: `python -c "import hangar.no_such_module"` printed a Python traceback; nothing written: fix the code, then run again\n'
    assert page.read_text() == text  # not even the block that ran cleanly
    assert REFERENCE_WRITES == []  # nor the reference


REFUSED_STACK = "```console\n$ hangar plan typo -C docs/examples\ntypo: 0 mandatory, 0 advisory\n```\n"
"""A block written when its stack planned; the stack is refused now (here: the docs' own typo stack), as every
example would be on a tree whose spec broke."""


def test_write_refuses_a_config_error_its_block_does_not_show_and_writes_nothing(page: Path, capsys: pytest.CaptureFixture[str]):
    text = f"# A page\n\n{STALE}\nthen\n\n{REFUSED_STACK}"
    page.write_text(text)
    assert docs_sync.main(["docs_sync", "--write"]) == 1
    line = text.split("\n").index("$ hangar plan typo -C docs/examples")
    assert capsys.readouterr().err == (
        f"docs_sync: {page}:{line}: `hangar plan typo -C docs/examples` printed a config error its block does not show: "
        "error: docs/examples/stacks/Pulumi.typo.yaml: hangar:environment.tier: Input should be 'dev', 'staging' or 'prod'; got 'production'; "
        "nothing written: fix the code, then run again\n"
    )
    assert page.read_text() == text and REFERENCE_WRITES == []


def test_a_block_that_shows_a_config_error_is_rewritten_with_the_errors_printed_now(page: Path):
    """The tour shows the typo stack's errors on purpose: new wording of them is written, not refused."""
    page.write_text("```console\n$ hangar plan typo -C docs/examples\nerror: an older wording\n$ echo $?\n2\n```\n")
    ((block, body),) = docs_sync.rewrites([page])
    assert body[0] == "$ hangar plan typo -C docs/examples" and body[-2:] == ["$ echo $?", "2"]
    assert "error: an older wording" not in body and all(line.startswith("error: docs/examples/stacks/Pulumi.typo.yaml: ") for line in body[1:-2])


def test_write_rewrites_a_stale_block_when_no_command_crashes(page: Path, capsys: pytest.CaptureFixture[str]):
    page.write_text(f"# A page\n\n{STALE}")
    assert docs_sync.main(["docs_sync", "--write"]) == 0
    assert capsys.readouterr().out.startswith(f"rewrote {page}:3 (`hangar stacks`)")
    (block,) = docs_sync.console_blocks(page)
    assert block.lines[0] == "$ hangar stacks" and any("eks-prod" in line for line in block.lines)
    assert not any("no-such-stack" in line for line in block.lines) and REFERENCE_WRITES == ["reference"]
    assert docs_sync.stale_steps(block) == []


def test_a_traceback_the_docs_already_show_is_not_refused(page: Path):
    """Only output about to be written is judged: a block that matches is never run into a refusal."""
    page.write_text("```console\n$ python -c \"import hangar.no_such_module\"\n…\n```\n")
    assert docs_sync.rewrites([page]) == []


def test_the_gitops_render_blocks_name_their_branch():
    """Else `gitops render` prints origin's default branch, which is whatever branch a clone was made from."""
    commands = [command for block in docs_sync.console_blocks(docs_sync.DOCS / "gitops.md") for command, _ in block.steps() if command.startswith("hangar gitops render")]
    assert len(commands) == 2
    assert all(" --branch main " in command and " --repo " in command for command in commands), commands


def test_write_judges_on_the_suites_day_not_the_wall_clock(page: Path, monkeypatch: pytest.MonkeyPatch):
    """`--write` runs outside pytest: without the pinned day, a Kubernetes version leaving support since
    would rewrite verdicts the suite still passes (docs/policy-pack.md's EKS 1.34 stack, 2026-12-02)."""
    monkeypatch.delenv("HANGAR_TODAY")
    page.write_text("```console\n$ python -c 'from hangar.clock import today; print(today())'\n2026-12-01\n```\n")
    assert docs_sync.main(["docs_sync", "--write"]) == 0
    assert "2026-12-01" in page.read_text()
