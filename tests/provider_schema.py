"""Check recorded resource inputs against the installed provider SDKs' own input types.

The mock runtime accepts any property name, so a misspelt one (`nodeLocation` for `nodeLocations`)
would plan cleanly and fail only against the cloud. `unknown_properties(record)` finds the
resource's class in the installed SDK by its type token (`pulumi_type`), then walks the recorded
wire-form inputs through the SDK's `*Args` input types — top-level keys and every nested object
the SDK types (node configs, taints, autoscaling blocks, ...) — and returns the paths of keys the
provider does not know. Shared by the per-cloud program tests.
"""

from __future__ import annotations

import functools
import importlib
import sys
import typing
from collections import abc
from typing import Any

import pulumi
from pulumi import _types

SDK_PACKAGES = {"gcp": "pulumi_gcp", "aws": "pulumi_aws", "azure-native": "pulumi_azure_native", "kubernetes": "pulumi_kubernetes"}
KUBERNETES_ENVELOPE = {"apiVersion", "kind"}


def _custom_resource_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    pending = [pulumi.CustomResource]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        token = cls.__dict__.get("pulumi_type")
        if isinstance(token, str):
            found.setdefault(token, cls)
    return found


@functools.lru_cache(maxsize=None)
def args_class(token: str) -> type:
    """The SDK's `*Args` input type of the resource (or provider) with this type token."""
    package = "pulumi:providers:" + token.split(":")[-1] if token.startswith("pulumi:providers:") else token.split(":")[0]
    sdk = SDK_PACKAGES.get(package.split(":")[-1])
    if sdk is not None:
        importlib.import_module(sdk)
    classes = _custom_resource_classes()
    if token not in classes and sdk is not None:
        # SDK submodules load lazily: load the one the token names, then look again.
        module = token.split(":")[1].split("/")[0]
        if module not in ("index", "providers"):
            importlib.import_module(f"{sdk}.{module}")
            classes = _custom_resource_classes()
    if token not in classes:
        raise LookupError(f"no resource class with type token {token!r} in the installed SDKs")
    cls = classes[token]
    return getattr(sys.modules[cls.__module__], f"{cls.__name__}Args")


def _input_type_in(tp: Any) -> type | None:
    """The input type inside Input[T] / Optional[T] / Union[T, Awaitable[T], Output[T]], if any."""
    if isinstance(tp, type) and _types.is_input_type(tp):
        return tp
    if typing.get_origin(tp) is typing.Union:
        for member in typing.get_args(tp):
            found = _input_type_in(member)
            if found is not None:
                return found
    return None


def _shape(tp: Any) -> tuple[str, type] | None:
    """('object', T) for a nested input type, ('list', T) / ('map', T) for collections of one, else None."""
    found = _input_type_in(tp)
    if found is not None:
        return "object", found
    origin = typing.get_origin(tp)
    if origin in (list, abc.Sequence):
        element = _input_type_in(typing.get_args(tp)[0])
        return ("list", element) if element else None
    if origin in (dict, abc.Mapping):
        element = _input_type_in(typing.get_args(tp)[-1])
        return ("map", element) if element else None
    if origin is typing.Union:
        for member in typing.get_args(tp):
            shape = _shape(member)
            if shape is not None:
                return shape
    return None


def _walk(value: Any, cls: type, path: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        return
    types = _types.input_type_types(cls)
    for key, item in value.items():
        here = f"{path}.{key}" if path else key
        if key not in types:
            problems.append(f"{here} (allowed: {', '.join(sorted(types))})")
            continue
        shape = _shape(types[key])
        if shape is None:
            continue
        kind, nested = shape
        if kind == "object":
            _walk(item, nested, here, problems)
        elif kind == "list" and isinstance(item, list):
            for index, element in enumerate(item):
                _walk(element, nested, f"{here}[{index}]", problems)
        elif kind == "map" and isinstance(item, dict):
            for name, element in item.items():
                _walk(element, nested, f"{here}[{name!r}]", problems)


def unknown_properties(record: Any) -> list[str]:
    """Input paths of a recorded resource that its provider's SDK does not define (empty: all real)."""
    cls = args_class(record.type)
    inputs = dict(record.inputs)
    if record.type.startswith("kubernetes:") and not record.type.startswith("pulumi:"):
        inputs = {key: item for key, item in inputs.items() if key not in KUBERNETES_ENVELOPE}
    problems: list[str] = []
    _walk(inputs, cls, "", problems)
    return problems
