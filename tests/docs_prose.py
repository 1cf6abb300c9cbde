"""The prose of the docs, as the prose checks read it: its figures, the facts that cover them, its flags and rule names.

Console blocks are re-run (tests/docs_sync.py) and the stack-config reference is generated; what is left is
prose a writer types, and a figure typed there (a price, a count, a size, a version, a date) drifts from the
code unless something compares them. Here a page's prose is its text without fenced blocks and without link
targets, whitespace collapsed to single spaces so that a phrase may wrap; a *figure* is a number in it, and a
*fact* is a phrase of a page with placeholders whose values are computed from the code or the catalog
(tests/docs_facts.py). tests/test_docs_prose.py holds every fact to its page and every figure to a fact.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tests.docs_sync import DOCS, REFERENCE, ROOT

FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[^\n]*\n.*?^(?P=fence)[ \t]*$", re.S | re.M)
LINK_TARGET = re.compile(r"\]\([^)\s]*\)")
FIGURE = re.compile(r"(?:(?<![\w.,/#:@-])|(?<=:)(?=v\d))(?:v\d+(?:\.\d+)+|\d+(?:[.,]\d+)*)(?!\w|[.,]\w)")
"""A number not glued to a word: `2.20.2`, `v0.11.2` (also as an image tag), `90,000`, `720`, `41 s`, but not a
name's digits (`H100`, `gp3`, `k8s`, `v1alpha1`, `v5e`, `70B`, `v2`), a port after `:`, a path after `/`, or `#366`."""
ENUMERATION = re.compile(r"(?m)^(\s*(?:\|\s*)?)\d+\.(?=\s)|\((\d)\)(?= )")
"""A list item's or a table row's number (`1.`, `(2)`): an order, not a figure."""
EXAMPLE_ARGUMENT = re.compile(r"--(?!version)[a-z][\w-]*[ =](?:[\w.$-]+ )?\d[\d.,]*")
"""`--peak-rps 20`: a value a reader may choose, shown as an example of a flag, not a fact of the project."""


CITATION = re.compile(r"\b(?:read|read on|when read on|tried on|retrieved) \d{4}-\d{2}-\d{2}|\b(?:issue|issues|pull|PR) \d+(?:, \d+)*")
"""`read 2026-12-01`, `issue 1914`: when and where a source was read, not a figure of the project."""
MODEL_NAME = re.compile(r"\b(?:Llama|Gemma|Qwen|Mistral Small|Mistral Large|Devstral Small|GLM-|DeepSeek-V|Kimi K)\s?\d+(?:\.\d+)?(?:[-/]\d+(?:\.\d+)?)*")
"""`Llama 3.3`, `Gemma 1-3`, `GLM-4.5/4.6`: a model's name, not a figure."""


def pages() -> list[Path]:
    """README.md and every page of the site except the generated reference."""
    return [ROOT / "README.md", *sorted(p for p in DOCS.rglob("*.md") if p != REFERENCE and "examples" not in p.relative_to(DOCS).parts)]


def page_name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def prose(text: str) -> str:
    """The page's prose: fenced blocks and link targets removed, whitespace collapsed."""
    text = FENCE.sub(" ", text)
    text = LINK_TARGET.sub("]", text)
    text = ENUMERATION.sub(lambda m: m.group(1) or "", text)
    return re.sub(r"\s+", " ", text).strip()


def normalise(phrase: str) -> str:
    return re.sub(r"\s+", " ", phrase).strip()


@dataclass(frozen=True)
class Figure:
    page: str
    start: int
    end: int
    text: str
    context: str

    def __str__(self) -> str:
        return f"{self.page}: {self.text!r} in …{self.context}…"


def figures(page: str, text: str) -> list[Figure]:
    """Every figure of a page's prose, with a little context to find it by."""
    examples = [m.span() for pattern in (EXAMPLE_ARGUMENT, MODEL_NAME, CITATION) for m in pattern.finditer(text)]
    found = []
    for match in FIGURE.finditer(text):
        start, end = match.span()
        if any(a <= start and end <= b for a, b in examples):
            continue
        found.append(Figure(page, start, end, match.group(0), text[max(0, start - 50) : end + 30]))
    return found


@dataclass(frozen=True)
class Fact:
    """A phrase of a page whose `{placeholders}` are computed from the code or the catalog.

    `values` maps each placeholder to a function of nothing; formatting is the page's (`format` spec in the
    placeholder, e.g. `{price:,.0f}`). The rendered phrase must occur in the page's prose, and every figure
    inside an occurrence is covered by the fact. A figure that is not the code's (a citation's year, an
    example's value) is a fact with no placeholder and a `why`."""

    page: str
    template: str
    values: dict[str, Callable[[], object]] = field(default_factory=dict)
    why: str = ""

    def render(self) -> str:
        return normalise(self.template.format(**{name: get() for name, get in self.values.items()}))

    def __str__(self) -> str:
        return f"{self.page}: {normalise(self.template)!r}"


def occurrences(phrase: str, text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    while (at := text.find(phrase, start)) >= 0:
        spans.append((at, at + len(phrase)))
        start = at + 1
    return spans


def uncovered(page: str, text: str, facts: Iterable[Fact]) -> list[Figure]:
    """The figures of a page's prose that no fact's occurrence covers."""
    spans = [span for fact in facts if fact.page == page for span in occurrences(fact.render(), text)]
    return [f for f in figures(page, text) if not any(a <= f.start and f.end <= b for a, b in spans)]


# --- flags and rule names ------------------------------------------------------------------------

CODE_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
FLAG = re.compile(r"(?<![\w-])--[a-z][\w-]*")
HANGAR_NAME = re.compile(r"(?<![\w./-])hangar-[a-z0-9]+(?:-[a-z0-9]+)*(?![\w/])")


def code_spans(text: str) -> list[str]:
    return [m.group(1) for m in CODE_SPAN.finditer(text)]


def hangar_command(span: str) -> list[str] | None:
    """The words of a `hangar ...` command line in a code span (None when it is not one)."""
    words = span.split()
    for lead in ("./bin/hangar", ".venv/bin/hangar", "hangar"):
        if words and words[0] == lead:
            return words[1:]
    return None


# --- the CLI the pages show ----------------------------------------------------------------------


def hangar_commands() -> dict[tuple[str, ...], set[str]]:
    """Every `hangar` command (its words) with the options it takes, read from the CLI itself."""
    import typer

    from hangar.cli import app

    root = typer.main.get_command(app)
    found: dict[tuple[str, ...], set[str]] = {}

    def walk(command, context, path: tuple[str, ...]) -> None:
        if hasattr(command, "list_commands"):  # a group (typer vendors click, so no isinstance)
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                walk(sub, command.context_class(sub, parent=context, info_name=name), (*path, name))
        found[path] = {o for p in command.params for o in (*p.opts, *p.secondary_opts) if o.startswith("-")}

    walk(root, root.context_class(root, info_name="hangar"), ())
    return found


COMMAND_WORD = re.compile(r"^[a-z][a-z-]*(\|[a-z][a-z-]*)*$")
OPTION = re.compile(r"^\[?(--[a-z][\w-]*|-[A-Za-z])(?:[=\]|].*)?$")


def command_problems(span: str, commands: dict[tuple[str, ...], set[str]]) -> list[str]:
    """What a `hangar ...` command line in a code span names that the CLI does not have."""
    words = hangar_command(span) or []
    paths, rest = [()], words
    while rest and COMMAND_WORD.match(rest[0]):
        following = [(*paths[0], word) for word in rest[0].split("|")]
        if not all(path in commands for path in following):
            break
        paths, rest = following, rest[1:]
    problems = []
    if paths == [()] and rest and COMMAND_WORD.match(rest[0]):
        problems.append(f"hangar has no command {rest[0]!r}")
    elif rest and COMMAND_WORD.match(rest[0]) and any(p[: len(paths[0])] == paths[0] and len(p) > len(paths[0]) for p in commands):
        problems.append(f"`hangar {' '.join(paths[0])}` has no command {rest[0]!r}")
    options = set().union(*(commands[path] for path in paths)) | {"--help"}
    for word in rest:
        for piece in word.split("|"):
            found = OPTION.match(piece)
            if found and found.group(1) not in options:
                problems.append(f"`hangar {' '.join(paths[0])}` has no option {found.group(1)}")
    return problems


# --- links ---------------------------------------------------------------------------------------

LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")


def links(text: str) -> list[tuple[str, str]]:
    """(label, target) of every Markdown link outside fenced blocks."""
    return LINK.findall(FENCE.sub(" ", text))


def link_problems(text: str) -> list[str]:
    """Links that name another thing than they point at: not https, a vLLM source or doc at a version Hangar did not
    read (the pinned one and the others of `VERIFIED_RELEASES`, whose facts the docs may cite), an arXiv id or DOI in
    the label that is not the target's."""
    from hangar.sizing.engine import VERIFIED_RELEASES

    problems = []
    for label, target in links(text):
        if target.startswith("http://"):
            problems.append(f"{target}: use https")
        if "vllm-project/vllm/blob/" in target or "docs.vllm.ai/en/" in target:
            version = re.search(r"/(v\d+\.\d+\.\d+|latest|main|stable)/", target)
            if not version or version.group(1) not in VERIFIED_RELEASES:
                problems.append(f"{target}: vLLM links must be at a release Hangar read ({', '.join(VERIFIED_RELEASES)})")
        for kind, ident in re.findall(r"(arXiv|doi):(\S+)", label):
            if ident.rstrip(".,") not in target:
                problems.append(f"[{label}]({target}): the {kind} id is not the link's")
    return problems
