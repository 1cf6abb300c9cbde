"""Stack files read with LibYAML's parser mean exactly what PyYAML's pure-Python parser reads, refusals included.

`hangar.stackyaml.load` takes LibYAML's events where PyYAML has them (about eight times faster on the
example stacks) and lets the pure-Python loader read again whatever it refuses. These tests compare the
two loaders document by document: the example stacks, every odd value and fragment of the fuzz test, and
mutated stack files (derandomized, as tests/test_stackfile_fuzz.py).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from hangar import stackyaml
from hangar.stackyaml import StackYamlError
from tests.conftest import ROOT
from tests.stackfile_mutations import BASE, FRAGMENTS, ODD_SCALARS, mutated_text

FAST = stackyaml._FastLoader
PURE = stackyaml._Loader
EXAMPLES = sorted((ROOT / "stacks").glob("Pulumi.*.yaml"))


def outcome(loader: type, text: str) -> tuple[str, Any]:
    """What a loader makes of a text: ("value", data), or ("refused", the message a user would read)."""
    try:
        return "value", stackyaml.load_with(loader, text)
    except yaml.YAMLError as error:
        return "refused", str(error)
    except RecursionError:
        return "refused", "RecursionError"


def test_this_pyyaml_has_libyaml_so_the_fast_path_is_what_runs():
    """The build machine's and CI's PyYAML wheels carry LibYAML; without it the comparisons below would test nothing."""
    assert yaml.__with_libyaml__ and FAST is not None
    assert stackyaml.LOADERS == (PURE, FAST)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_every_example_stack_reads_the_same_with_both_parsers(path):
    text = path.read_text(encoding="utf-8")
    fast = outcome(FAST, text)
    assert fast[0] == "value" and fast == outcome(PURE, text)
    assert stackyaml.load(text) == fast[1]


CASES = [
    *(f"config:\n  hangar:owner: {value}\n" for value in ODD_SCALARS),
    *("\n".join(BASE[:3] + [f"    {fragment}"] + BASE[3:]) + "\n" for fragment in FRAGMENTS),
    "config:\n" + "".join("  " * (depth + 1) + f"k{depth}:\n" for depth in range(600)),
    "config:\n  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(f"  {n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcdefghi", "bcdefghij")),
    "config:\n  hangar:environment: &env\n    name: x\n    tags: *env\n",
    "config:\n  p:example: &base {a: 1}\n  p:other:\n    <<: *base\n    b: 2\n",
    "config:\n  1: one\n",
    "config:\n  hangar:owner: ok\n  # \x1b[31mred\n",
    "config:\n  hangar:owner: 'caf\u00e9 \u2028 \U0001f680'\n",
    "a: 1\n---\nb: 2\n",
    "",
]


@pytest.mark.parametrize("text", CASES)
def test_odd_documents_get_the_same_value_or_the_same_refusal(text: str):
    """Where LibYAML's parser refuses, `load` gives the pure parser's own message; where both read, the same data."""
    pure = outcome(PURE, text)
    fast = outcome(FAST, text)
    if fast[0] == "value":
        assert fast == pure
    try:
        loaded = ("value", stackyaml.load(text))
    except yaml.YAMLError as error:
        loaded = ("refused", str(error))
    assert loaded == pure


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated_text())
def test_mutated_stack_files_read_the_same_with_both_parsers(text: str):
    pure = outcome(PURE, text)
    fast = outcome(FAST, text)
    assert fast == pure or fast[0] == "refused"  # a refusal by LibYAML alone is read again by the pure parser
    assert outcome_of_load(text) == pure


def outcome_of_load(text: str) -> tuple[str, Any]:
    try:
        return "value", stackyaml.load(text)
    except yaml.YAMLError as error:
        return "refused", str(error)


def test_libyaml_events_still_meet_every_refusal():
    """The depth, alias and tag checks sit in the Python composer and constructor, so LibYAML's events meet them too."""
    for text, words in [
        ("config: " + "[" * 100 + "]" * 100 + "\n", "nested more than 64 levels deep; a stack file is a shallow mapping"),
        ("config:\n  a: 1\n  a: 2\n", "duplicate key 'a'"),
        ("config:\n  x: !!binary aGVsbG8=\n", "!!binary is not a config value"),
        ("config:\n  x: &x [*x]\n", "a circular reference"),
    ]:
        with pytest.raises(StackYamlError, match=words) as error:
            stackyaml.load_with(FAST, text)
        assert error.value.problem_mark.line >= 0


def test_load_reads_with_libyaml_and_falls_back_only_on_a_refusal(monkeypatch):
    used: list[type] = []
    real = stackyaml.load_with

    def spy(loader: type, text: str) -> Any:
        used.append(loader)
        return real(loader, text)

    monkeypatch.setattr(stackyaml, "load_with", spy)
    assert stackyaml.load("config:\n  a: 1\n") == {"config": {"a": 1}}
    assert used == [FAST]
    used.clear()
    with pytest.raises(StackYamlError, match="duplicate key"):
        stackyaml.load("config:\n  a: 1\n  a: 2\n")
    assert used == [FAST, PURE]


def test_without_libyaml_the_pure_parser_reads_alone(monkeypatch):
    monkeypatch.setattr(stackyaml, "_FastLoader", None)
    text = EXAMPLES[0].read_text(encoding="utf-8")
    assert stackyaml.load(text) == stackyaml.load_with(PURE, text)
    with pytest.raises(StackYamlError, match="duplicate key"):
        stackyaml.load("config:\n  a: 1\n  a: 2\n")
