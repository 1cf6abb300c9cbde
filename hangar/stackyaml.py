"""Read a stack or project file as YAML that means one thing: JSON-like values only, each key once, bounded.

PyYAML's safe loader (PyYAML 6, `yaml.SafeLoader`) still lets the last of two equal keys win
silently, builds `!!binary`, `!!set` and timestamp values that no JSON config can carry, follows
aliases into documents that expand exponentially ("billion laughs") or contain themselves, and
composes nested collections recursively, so a few hundred levels of nesting end in a
`RecursionError`. `load` refuses each of these with a `StackYamlError` that names the line.

Speed: PyYAML's pure-Python scanner and parser took ~20 ms for the example stack files. Where PyYAML was
built with LibYAML (`yaml.__with_libyaml__`; "When LibYAML bindings are installed, you may use fast
LibYAML-based parser", PyYAML's README, github.com/yaml/pyyaml at 6.0.2, read 2026-12-01), `load` takes
the events from LibYAML's parser (`yaml.CParser`, the parser of `yaml.CSafeLoader` in PyYAML's
`cyaml.py`) and composes and constructs them with the same Python code and checks as the pure loader,
about eight times faster. A document either loader refuses is read again by the pure-Python one, so
every refusal and message is PyYAML's own, whichever parser is installed.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, SequenceNode
from yaml.resolver import Resolver

MAX_DEPTH = 64
"""Nesting deeper than this is refused (a real stack file is about 10 levels deep)."""
MAX_VALUES = 100_000
"""More values than this once aliases are expanded is refused (a stack file holds a few hundred)."""
MERGE_TAG = "tag:yaml.org,2002:merge"
NOT_JSON = {
    "tag:yaml.org,2002:binary": "!!binary",
    "tag:yaml.org,2002:set": "!!set",
    "tag:yaml.org,2002:omap": "!!omap",
    "tag:yaml.org,2002:pairs": "!!pairs",
    "tag:yaml.org,2002:timestamp": "a date or timestamp",
}


class StackYamlError(yaml.MarkedYAMLError):
    """A YAML document Hangar refuses although it parses: `problem` says why, `problem_mark` where."""

    def __init__(self, problem: str, mark: Any):
        super().__init__(problem=problem, problem_mark=mark)


class _Refusals:
    """What both loaders add to PyYAML's safe loading: the refusals of the module docstring."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise StackYamlError(f"nested more than {MAX_DEPTH} levels deep; a stack file is a shallow mapping", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> Node:
        node = super().compose_document()
        _expanded_size(node, {}, set(), 1)
        return node

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, KeyError) as error:  # an explicit tag the value cannot carry, e.g. `!!float x`
            raise StackYamlError(f"{node.tag.rsplit(':', 1)[-1]} tag on a value that is not one ({error})", node.start_mark) from None

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise StackYamlError(f"a mapping key must be a string; got {key!r} (quote it)", key_node.start_mark)
            if key in seen:
                first = seen[key].line + 1
                raise StackYamlError(f"duplicate key {key!r}: first at line {first}; a key may appear once in a mapping", key_node.start_mark)
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


class _Loader(_Refusals, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader with the refusals."""


try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without LibYAML
    _FastLoader: type | None = None
else:

    class _FastLoader(_Refusals, Composer, CParser, SafeConstructor, Resolver):  # type: ignore[no-redef]
        """LibYAML's parser for the events; PyYAML's Python composer (before CParser in the MRO, so the depth
        check sees every node), safe constructor and resolver, as in `_Loader`."""

        def __init__(self, stream: Any):
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)


LOADERS = tuple(loader for loader in (_Loader, _FastLoader) if loader is not None)
"""The loaders `load` may use: the pure-Python one, and the LibYAML one where PyYAML has it."""


def _refuse(loader: _Refusals, node: Node) -> Any:
    raise StackYamlError(
        f"{NOT_JSON[node.tag]} is not a config value: only strings, numbers, booleans, null, lists and mappings (quote it to make it a string)",
        node.start_mark,
    )


for _loader in LOADERS:
    for _tag in NOT_JSON:
        _loader.add_constructor(_tag, _refuse)


def _checked(tag: str) -> None:
    """PyYAML's constructor for an explicit `!!int x`, `!!float x` or `!!bool x` raises a bare ValueError or KeyError: name the line."""
    construct = yaml.SafeLoader.yaml_constructors[tag]

    def checked(loader: _Refusals, node: Node) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, KeyError, TypeError, OverflowError):
            raise StackYamlError(f"{node.value!r} is not a {tag.rsplit(':', 1)[-1]}", node.start_mark) from None

    for loader in LOADERS:
        loader.add_constructor(tag, checked)


for _tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"):
    _checked(_tag)


def _expanded_size(node: Node, sizes: dict[int, int], open_nodes: set[int], depth: int) -> int:
    """How many values `node` stands for with every alias expanded; refuses cycles, depth and size past the limits."""
    if id(node) in sizes:
        return sizes[id(node)]
    if id(node) in open_nodes:
        raise StackYamlError("a YAML alias refers to a value that contains it (a circular reference)", node.start_mark)
    if depth > MAX_DEPTH:
        raise StackYamlError(f"nested more than {MAX_DEPTH} levels deep once its aliases are expanded", node.start_mark)
    open_nodes.add(id(node))
    size = 1
    if isinstance(node, SequenceNode):
        size += sum(_expanded_size(child, sizes, open_nodes, depth + 1) for child in node.value)
    elif isinstance(node, MappingNode):
        size += sum(_expanded_size(key, sizes, open_nodes, depth + 1) + _expanded_size(value, sizes, open_nodes, depth + 1) for key, value in node.value)
    open_nodes.discard(id(node))
    if size > MAX_VALUES:
        raise StackYamlError(f"its aliases expand to more than {MAX_VALUES:,} values; repeat less, or write the values out", node.start_mark)
    sizes[id(node)] = size
    return size


def load(text: str) -> Any:
    """The one YAML document in `text`, as plain JSON-like data; `yaml.YAMLError` (a `StackYamlError` for a refusal) if not.

    Read with LibYAML's parser where installed; whatever it refuses (or any error it meets) is read again by
    the pure-Python loader, which gives the refusal — so results and messages never depend on the parser.
    """
    if _FastLoader is not None:
        try:
            return load_with(_FastLoader, text)
        except Exception:  # noqa: BLE001 - any refusal or failure: the pure loader decides and words it
            pass
    return load_with(_Loader, text)


def load_with(loader_class: type, text: str) -> Any:
    """The one document in `text` as one of `LOADERS` reads it."""
    loader = loader_class(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


