"""Keep the docs true: the stack-config reference generated from the schema, and every console block re-run.

The docs site (`docs/`, built by MkDocs) shows two kinds of text that would drift from the code:

* `docs/reference/stack-config.md`, generated here from `schema/stack.schema.json`;
* ```console blocks: each `$ command` line is run from the project root and the lines under it must be
  its output (at a 120-column terminal: `COLUMNS=120`). A line that starts with `…` (after leading
  spaces and tree characters) stands for any number of lines, so a long output can be shown cut.
  `$ echo $?` shows the exit code of the command before it.

Run `.venv/bin/python -m tests.docs_sync --write` to regenerate the reference and rewrite every console
block that no longer matches with what its commands print now, keeping its cuts where they still fit.
When a command prints a Python traceback, or a config error (`error: ...`) its block does not show (a broken tree:
an example stack the spec now refuses), it refuses, names the block, and writes nothing.
tests/test_docs.py and tests/test_docs_console.py fail while either is stale.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SCHEMA = ROOT / "schema" / "stack.schema.json"
REFERENCE = DOCS / "reference" / "stack-config.md"
REGENERATE = ".venv/bin/python -m tests.docs_sync --write"
CONSOLE_COLUMNS = "120"
CUT = re.compile(r"^[\s│├└─]*…")
"""A cut: the line stands for any number of output lines."""


# --- the stack-config reference ------------------------------------------------------------------


def _anchor(name: str) -> str:
    return name.lower()


def _code(text: str) -> str:
    """Inline code that survives a Markdown table cell: every mark Markdown would read (a pipe splits the
    cell, brackets make links, stars emphasis) is written as a character reference."""
    return "<code>" + "".join(c if c.isalnum() or c in " -.,:/'\"" else f"&#{ord(c)};" for c in text) + "</code>"


def _type(node: dict) -> str:
    """One schema node as a short type phrase, with links to the objects it names."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        return f"[{name}](#{_anchor(name)})"
    if "const" in node:
        return _code(json.dumps(node["const"]))
    if "enum" in node:
        return " or ".join(_code(json.dumps(v) if not isinstance(v, str) else v) for v in node["enum"])
    if "oneOf" in node:
        mapping = {v: k for k, v in node.get("discriminator", {}).get("mapping", {}).items()}
        key = node.get("discriminator", {}).get("propertyName")
        parts = []
        for option in node["oneOf"]:
            phrase = _type(option)
            if key and option.get("$ref") in mapping:
                value = mapping[option["$ref"]]
                phrase += " (" + _code(f"{key}: {value}") + ")"
            parts.append(phrase)
        return "one of " + ", ".join(parts)
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o != {"type": "null"}]
        phrase = " or ".join(_type(o) for o in options)
        return phrase + (" or null" if len(options) < len(node["anyOf"]) else "")
    kind = node.get("type")
    if kind == "array":
        return "list of " + _type(node.get("items", {}))
    if kind == "object":
        values = node.get("additionalProperties")
        if not values and node.get("patternProperties"):
            values = next(iter(node["patternProperties"].values()))
        return "map of string to " + (_type(values) if isinstance(values, dict) else "any value")
    if kind == "string" and node.get("format") == "path":
        return "string (a path)"
    return kind or "any value"


def _constraints(node: dict) -> list[str]:
    """The limits a value must keep (bounds, lengths, patterns), from the node and its non-null option."""
    found = []
    for part in [node, *[o for o in node.get("anyOf", []) if o != {"type": "null"}]]:
        for key, words in (
            ("minimum", "≥ {}"),
            ("exclusiveMinimum", "> {}"),
            ("maximum", "≤ {}"),
            ("exclusiveMaximum", "< {}"),
            ("minLength", "length ≥ {}"),
            ("maxLength", "length ≤ {}"),
            ("minItems", "≥ {} items"),
            ("maxItems", "≤ {} items"),
        ):
            if key in part:
                found.append(words.format(part[key]))
        if "pattern" in part:
            found.append("matches " + _code(part["pattern"]))
        if "patternProperties" in part:
            found.append("keys match " + _code(next(iter(part["patternProperties"]))))
    return found


def _default(name: str, node: dict, required: set[str]) -> str:
    if name in required:
        return "required"
    if "default" not in node:
        return "its own defaults" if "$ref" in node else "optional"
    return _code(json.dumps(node["default"]))


def _order(schema: dict) -> list[str]:
    """Object names in the order a reader meets them: from Environment down, then any left over."""
    defs = schema["$defs"]
    seen: list[str] = []

    def refs(node) -> Iterator[str]:
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"].rsplit("/", 1)[1]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    queue = ["Environment"]
    while queue:
        name = queue.pop(0)
        if name in seen or name not in defs:
            continue
        seen.append(name)
        queue.extend(refs(defs[name].get("properties", {})))
    return seen + sorted(set(defs) - set(seen))


def config_reference(schema: dict) -> str:
    """The Markdown page of every stack-config key: one table per object of the schema."""
    out = [
        "# Stack config reference",
        "",
        "<!-- Generated from schema/stack.schema.json by `" + REGENERATE + "`: do not edit by hand. -->",
        "",
        "Every key of `hangar:environment` in a stack file (`stacks/Pulumi.<env>.yaml`), generated from the JSON",
        "Schema the stack files point at (`schema/stack.schema.json`, printed by `hangar schema`). An unknown key is",
        "an error, and so is a value outside what its row allows; [Stack config by example](../config.md) shows",
        "them in use.",
        "",
        "```yaml",
        "config:",
        "  hangar:environment:   # an Environment, below",
        "    name: ...",
        "```",
    ]
    defs = schema["$defs"]
    for name in _order(schema):
        node = defs[name]
        required = set(node.get("required", []))
        out += ["", f"## {name}", ""]
        if node.get("description"):
            out += [node["description"], ""]
        out += ["| key | type | default | description |", "|---|---|---|---|"]
        for key, prop in node.get("properties", {}).items():
            text = prop.get("description", "")
            limits = _constraints(prop)
            if limits:
                text = (text + " " if text else "") + "(" + "; ".join(limits) + ")"
            text = text.replace("|", "&#124;").replace("\n", " ")
            out.append(f"| `{key}` | {_type(prop)} | {_default(key, prop, required)} | {text} |")
    return "\n".join(out) + "\n"


def write_reference() -> bool:
    """Regenerate the reference page; True when it changed."""
    text = config_reference(json.loads(SCHEMA.read_text()))
    if REFERENCE.exists() and REFERENCE.read_text() == text:
        return False
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    REFERENCE.write_text(text)
    return True


# --- console blocks -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsoleBlock:
    """A ```console block of a Markdown file: where it is, and its lines between the fences."""

    path: Path
    first: int
    """Index of the block's first line (after the opening fence) in the file's lines."""
    lines: tuple[str, ...]

    @property
    def where(self) -> str:
        name = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return f"{name}:{self.first}"

    def steps(self) -> list[tuple[str, list[str]]]:
        """(command, the lines shown as its output), in order."""
        steps: list[tuple[str, list[str]]] = []
        for line in self.lines:
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
            else:
                raise ValueError(f"{self.where}: a console block starts with `$ command`; got {line!r}")
        return steps


def console_blocks(path: Path) -> list[ConsoleBlock]:
    lines = path.read_text().split("\n")
    blocks, start, fence = [], None, ""
    for i, line in enumerate(lines):
        if start is None:
            match = re.match(r"^(`{3,})console\s*$", line)
            if match:
                start, fence = i + 1, match.group(1)
        elif line.strip() == fence:
            blocks.append(ConsoleBlock(path, start, tuple(lines[start:i])))
            start = None
    return blocks


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def _workdir(tmp: Path) -> Path:
    """A directory that looks like the project root (its entries linked) so commands may write there.

    Commands run without the plan cache (HANGAR_NO_CACHE): through these links it would write into the
    checkout's example projects, which other tests copy."""
    for entry in ROOT.iterdir():
        if entry.name not in {"site", "bin", ".hangar-cache"}:
            (tmp / entry.name).symlink_to(entry)
    # bin/ scripts find the project by their own path: wrappers keep them on the real checkout (and its
    # .venv), so a command never installs into the scratch copy.
    (tmp / "bin").mkdir()
    for script in (ROOT / "bin").iterdir():
        if script.is_file() and not script.name.startswith("_"):
            wrapper = tmp / "bin" / script.name
            wrapper.write_text(f'#!/usr/bin/env bash\nexec "{script}" "$@"\n')
            wrapper.chmod(0o755)
    return tmp


def run_steps(block: ConsoleBlock) -> list[tuple[str, list[str], int]]:
    """Run each command of the block as a user would from the project root: (command, output lines, exit code)."""
    # The day is the suite's (tests/conftest.py), also under `--write`, which runs outside pytest: on the wall
    # clock a Kubernetes version leaving support would rewrite verdicts that the suite, on its day, still passes.
    env = {**os.environ, "COLUMNS": CONSOLE_COLUMNS, "PYTHONUNBUFFERED": "1", "TERM": "dumb", "NO_COLOR": "1", "HANGAR_NO_CACHE": "1",
           "HANGAR_TODAY": TODAY}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    results, last = [], 0
    with tempfile.TemporaryDirectory(prefix="hangar-docs-") as tmp:
        cwd = _workdir(Path(tmp))
        for command, _ in block.steps():
            if command == "echo $?":
                results.append((command, [str(last)], 0))
                continue
            done = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
            last = done.returncode
            output = done.stdout.replace(tmp, "$TMP").rstrip("\n")
            results.append((command, [line.rstrip() for line in output.split("\n")] if output else [], last))
    return results


def matches(shown: list[str], actual: list[str]) -> bool:
    """Whether the shown lines are the actual output, a cut line standing for any number of lines."""
    pattern = "".join("(?:[^\n]*\n)*?" if CUT.match(line) else re.escape(line.rstrip()) + "\n" for line in shown)
    return re.fullmatch(pattern, "".join(line + "\n" for line in actual)) is not None


def stale_steps(block: ConsoleBlock) -> list[tuple[str, list[str], list[str]]]:
    """(command, shown, actual) for every command whose shown output is not what it prints."""
    stale = []
    for (command, shown), (_, actual, _) in zip(block.steps(), run_steps(block)):
        if not matches(shown, actual):
            stale.append((command, shown, actual))
    return stale


def _recut_region(shown: list[str], actual: list[str]) -> list[str]:
    """A changed region that holds a cut: its shown lines anchor to the most similar printed lines (so a
    changed verdict line stays visible), and each stretch between anchors is cut again if it was cut."""
    anchors, start = [], 0
    for k, line in enumerate(shown):
        if CUT.match(line) or start >= len(actual):
            continue
        ratios = [difflib.SequenceMatcher(a=line.rstrip(), b=candidate).ratio() for candidate in actual[start:]]
        best = max(range(len(ratios)), key=ratios.__getitem__)
        if ratios[best] >= 0.6:
            anchors.append((k, start + best))
            start += best + 1
    out, k0, j0 = [], 0, 0
    for k, j in [*anchors, (len(shown), len(actual))]:
        part, printed = shown[k0:k], actual[j0:j]
        cuts = [i for i, line in enumerate(part) if CUT.match(line)]
        if cuts:
            lead, trail = cuts[0], len(part) - 1 - cuts[-1]
            if lead + trail > len(printed):
                lead, trail = 0, 0
            out += [*printed[:lead], part[cuts[0]], *printed[len(printed) - trail :]]
        else:
            out += printed
        if k < len(shown):
            out.append(actual[j])
        k0, j0 = k + 1, j + 1
    return out


def recut(shown: list[str], actual: list[str]) -> list[str]:
    """The actual output, cut where the shown output was cut: lines that still match are kept, a region
    the shown output had cut stays one cut line, and everything else is the actual lines."""
    tokens = [None if CUT.match(line) else line.rstrip() for line in shown]  # a cut matches no line
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=tokens, b=actual, autojunk=False).get_opcodes():
        if tag == "equal" or None not in tokens[i1:i2]:
            out += actual[j1:j2]
        else:
            out += _recut_region(shown[i1:i2], actual[j1:j2])
    return out if matches(out, actual) else actual


TRACEBACK = "Traceback (most recent call last):"
"""What Python prints when a command crashes: output from a broken tree, never docs."""
CONFIG_ERROR = "error: "
"""How the CLI begins each line of bad input (`hangar.cli.app.fail`, exit code 2). A block that shows one (the
tour's typo stack) may be rewritten with new ones; a block that shows none and now prints one ran on a broken tree
(an example stack the spec now refuses), and its error is not docs either."""


class Refused(Exception):
    """`--write` found a command that crashed or refused its stack: nothing is written, each line says which block and command."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def rewrites(paths: list[Path]) -> list[tuple[ConsoleBlock, list[str]]]:
    """Each stale block with the lines it is to hold (its commands' output, cut where it was cut), in writing
    order: each file from its last block up, so a rewrite does not move the blocks not yet written.

    Refused as a whole (`Refused`) when a command of a stale block printed a Python traceback, or a config error
    where its block shows none, so a broken tree never writes its crash into the docs, nor half of the blocks."""
    found, crashed = [], []
    for path in paths:
        for block in reversed(console_blocks(path)):
            steps, results = block.steps(), run_steps(block)
            if all(matches(shown, actual) for (_, shown), (_, actual, _) in zip(steps, results)):
                continue
            crashed += [f"{block.where}: `{command}` printed a Python traceback" for command, actual, _ in results if any(TRACEBACK in line for line in actual)]
            crashed += [
                f"{block.where}: `{command}` printed a config error its block does not show: {error[0]}"
                for (_, shown), (command, actual, _) in zip(steps, results)
                if not any(line.startswith(CONFIG_ERROR) for line in shown)
                for error in [[line for line in actual if line.startswith(CONFIG_ERROR)]]
                if error
            ]
            body = []
            for (_, shown), (command, actual, _) in zip(steps, results):
                body += [f"$ {command}", *recut(shown, actual)]
            found.append((block, body))
    if crashed:
        raise Refused(crashed)
    return found


def write_block(block: ConsoleBlock, body: list[str]) -> None:
    """Put `body` between the block's fences."""
    lines = block.path.read_text().split("\n")
    lines[block.first : block.first + len(block.lines)] = body
    block.path.write_text("\n".join(lines))


def main(argv: list[str]) -> int:
    if argv[1:] != ["--write"]:
        print(f"usage: {REGENERATE}", file=sys.stderr)
        return 2
    try:
        stale = rewrites(doc_files())  # every block is run before anything is written
    except Refused as refused:
        for problem in refused.problems:
            print(f"docs_sync: {problem}; nothing written: fix the code, then run again", file=sys.stderr)
        return 1
    if write_reference():
        print(f"regenerated {REFERENCE.relative_to(ROOT)}")
    for block, body in stale:
        write_block(block, body)
        print(f"rewrote {block.where} (`{block.steps()[0][0]}`): review it, and cut what is new and long with '…' lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
