"""Check recorded resource inputs against the installed provider SDKs: property names and documented values.

The mock runtime accepts any property name and any string, so a misspelt property (`nodeLocation`
for `nodeLocations`) or enum value would plan cleanly and fail only against the cloud. This module,
shared by the per-cloud program tests, finds a resource's SDK classes by its type token through the
resource-module registry the SDK fills itself (the engine uses it to rehydrate resources), then walks
recorded wire-form inputs through the SDK's `*Args` input types: top-level keys and every nested
object, list element and map value the SDK types.
"""

from __future__ import annotations

import collections.abc
import importlib
import inspect
import re
import types
import typing
from typing import Any

import pulumi._types as pulumi_types
from pulumi.runtime import rpc


def sdk_classes(type_token: str) -> tuple[type, type]:
    """The SDK resource class and its `*Args` input type for a type token (providers included)."""
    if type_token.startswith("pulumi:providers:"):
        module = importlib.import_module(f"pulumi_{type_token.rsplit(':', 1)[-1].replace('-', '_')}")
        return module.Provider, module.ProviderArgs
    package, module_name, _ = type_token.split(":")
    importlib.import_module(f"pulumi_{package.replace('-', '_')}")
    registered = rpc.get_resource_module(package, module_name, "")
    assert registered is not None, f"{type_token}: no module {module_name!r} registered by pulumi_{package}"
    module = importlib.import_module(registered.mod_info["fqn"])
    class_name = registered.mod_info["classes"][type_token]
    # azure-native names a resource's args `<Name>InitArgs` where a nested input type already took
    # `<Name>Args` (network.Subnet, network.PrivateEndpoint, ...).
    return getattr(module, class_name), getattr(module, f"{class_name}InitArgs", None) or getattr(module, f"{class_name}Args")


def _shape(hint: Any) -> tuple[str, Any]:
    """('object', ArgsClass), ('list', element hint), ('map', value hint) or ('scalar', None) of an SDK type hint."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for member in typing.get_args(hint):
            shape = _shape(member)
            if shape[0] != "scalar":
                return shape
        return ("scalar", None)
    if origin in (collections.abc.Sequence, list):
        return ("list", typing.get_args(hint)[0])
    if origin in (collections.abc.Mapping, dict):
        return ("map", typing.get_args(hint)[-1])
    if isinstance(hint, type) and pulumi_types.is_input_type(hint):
        return ("object", hint)
    return ("scalar", None)


def unknown_properties(value: Any, args_class: type, where: str) -> list[str]:
    """Every key in `value`, at any depth, that the SDK input type does not declare, as `where.path.key`."""
    hints = pulumi_types.input_type_types(args_class)
    problems = [f"{where}.{key}" for key in value if key not in hints]
    for key, item in value.items():
        if key not in hints:
            continue
        kind, inner = _shape(hints[key])
        if kind == "list" and isinstance(item, list):
            kind, inner = _shape(inner)
            items = [(f"{where}.{key}[{i}]", element) for i, element in enumerate(item)]
        elif kind == "map" and isinstance(item, dict):
            kind, inner = _shape(inner)
            items = [(f"{where}.{key}[{name!r}]", element) for name, element in item.items()]
        else:
            items = [(f"{where}.{key}", item)]
        if kind == "object":
            problems += [p for path, element in items if isinstance(element, dict) for p in unknown_properties(element, inner, path)]
    return problems


def record_problems(record: Any) -> list[str]:
    """`unknown_properties` of one recorded resource (`hangar.records.ResourceRecord`)."""
    _, args = sdk_classes(record.type)
    return unknown_properties(record.inputs, args, f"{record.type} {record.name}")


def values_at(inputs: Any, path: str) -> list[Any]:
    """Values at a path like `nodeConfig.taints[].effect` (`[]` walks every list element)."""
    values = [inputs]
    for part in path.split("."):
        each = part.endswith("[]")
        key = part.removesuffix("[]")
        values = [v.get(key) for v in values if isinstance(v, dict) and key in v]
        if each:
            values = [item for v in values for item in (v or [])]
    return values


def documentation(args_class: type, python_name: str) -> str:
    """What the SDK says about one property: its getter's docstring and the `*ArgsDict` docstring beside it."""
    text = getattr(args_class, python_name).__doc__ or ""
    source = inspect.getsource(inspect.getmodule(args_class))
    typed_dict = re.search(rf"class {args_class.__name__}Dict\(TypedDict\):\n(.*?)\n(?:@|class )", source, re.DOTALL)
    if typed_dict:
        field = re.search(rf"^    {python_name}: .*?\n    \"\"\"(.*?)\"\"\"", typed_dict.group(1), re.DOTALL | re.MULTILINE)
        text += field.group(1) if field else ""
    return text


def assert_enum_values(plans: Any, allowed_values: dict[tuple[str, str], set[Any]]) -> None:
    """Every (type token, input path) of `allowed_values` holds only allowed values, and each is exercised by some plan."""
    used: set[tuple[str, str]] = set()
    for plan in plans:
        for (token, path), allowed in allowed_values.items():
            for record in plan.of_type(token):
                for value in values_at(record.inputs, path):
                    used.add((token, path))
                    assert value in allowed, f"{token} {record.name} {path}: {value!r} is not one of {sorted(allowed)}"
    assert used == set(allowed_values)  # every listed property was actually exercised
