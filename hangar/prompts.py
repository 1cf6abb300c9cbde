"""Prompt templates ("talk the talk"): a directory of Jinja templates checked at plan time — Pulumi-free.

A deployment's `prompt_templates_dir` holds one template per file (no subdirectories: the files
become the keys of one ConfigMap). Each template is Jinja — the language of vLLM's chat templates —
and starts by declaring the variables it takes in a Jinja comment, so the file stays a template any
Jinja renderer can use as it is:

    {# variables: context, question #}
    Answer from the context only.
    Context: {{ context }}
    Question: {{ question }}

At plan time every template must parse, declare its variables, use every variable it declares and
use none it does not declare. The bundle's `digest` (SHA-256 over names and contents) names the
ConfigMap, so a changed template is a new ConfigMap and rolls the pods that mount it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

DECLARATION = re.compile(r"^\s*\{#-?\s*variables:(?P<names>[^#]*?)-?#\}")
KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
"""What a ConfigMap key may be."""
MAX_BYTES = 900 * 1024
"""A ConfigMap holds at most 1 MiB including its metadata; keep the templates well under it."""
DIGEST_CHARS = 10


class PromptTemplateError(ValueError):
    """Templates that cannot be shipped; `problems` holds one line per problem (path: what is wrong)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclasses.dataclass(frozen=True)
class PromptBundle:
    """The checked templates of one directory: file name -> text, and their content digest."""

    directory: Path
    templates: dict[str, str]
    variables: dict[str, tuple[str, ...]]

    @property
    def digest(self) -> str:
        """First characters of a SHA-256 over every (name, text) pair in name order."""
        sha = hashlib.sha256()
        for name in sorted(self.templates):
            sha.update(name.encode())
            sha.update(b"\0")
            sha.update(self.templates[name].encode())
            sha.update(b"\0")
        return sha.hexdigest()[:DIGEST_CHARS]


def load_prompt_templates(directory: Path) -> PromptBundle:
    """Read and check every template in `directory`; a `PromptTemplateError` lists every problem."""
    try:
        from jinja2 import TemplateSyntaxError, meta
        from jinja2.sandbox import SandboxedEnvironment
    except ImportError as error:  # pragma: no cover - jinja2 is a dependency
        raise PromptTemplateError([f"{directory}: checking prompt templates needs Jinja2 (pip install 'jinja2>=3.1'): {error}"]) from None

    if not directory.is_dir():
        raise PromptTemplateError([f"{directory}: no such directory of prompt templates"])
    environment = SandboxedEnvironment()
    problems: list[str] = []
    templates: dict[str, str] = {}
    variables: dict[str, tuple[str, ...]] = {}
    entries = sorted(p for p in directory.iterdir() if not p.name.startswith("."))
    if not entries:
        problems.append(f"{directory}: holds no prompt templates")
    for path in entries:
        if path.is_dir():
            problems.append(f"{path}: subdirectories are not allowed; each template is one file (a ConfigMap key)")
            continue
        if not KEY.match(path.name):
            problems.append(f"{path}: a template's file name may hold only letters, digits, '-', '_' and '.'")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(f"{path}: not UTF-8 text")
            continue
        declaration = DECLARATION.match(text)
        if declaration is None:
            problems.append(f"{path}: must start with a declaration of its variables, e.g. {{# variables: context, question #}}")
            continue
        declared = [name.strip() for name in declaration.group("names").split(",") if name.strip()]
        bad = [name for name in declared if not name.isidentifier()]
        if bad:
            problems.append(f"{path}: declared variables must be identifiers; got {bad}")
            continue
        try:
            used = meta.find_undeclared_variables(environment.parse(text))
        except TemplateSyntaxError as error:
            problems.append(f"{path}:{error.lineno}: does not parse: {error.message}")
            continue
        unused = sorted(set(declared) - used)
        undeclared = sorted(used - set(declared))
        if unused:
            problems.append(f"{path}: declares {', '.join(unused)} but never uses {'it' if len(unused) == 1 else 'them'}")
        if undeclared:
            problems.append(f"{path}: uses {', '.join(undeclared)} without declaring {'it' if len(undeclared) == 1 else 'them'}")
        templates[path.name] = text
        variables[path.name] = tuple(declared)
    size = sum(len(name) + len(text.encode()) for name, text in templates.items())
    if size > MAX_BYTES:
        problems.append(f"{directory}: templates total {size:,} bytes; a ConfigMap holds at most {MAX_BYTES:,} here")
    if problems:
        raise PromptTemplateError(problems)
    return PromptBundle(directory=directory, templates=templates, variables=variables)
