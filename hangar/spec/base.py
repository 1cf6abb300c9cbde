"""What every config model shares: the base model, names and labels, and how cross-field problems are reported."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

DNS_LABEL = r"^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$"
"""A name that is valid as a Kubernetes object name, a cloud resource name and a Pulumi name."""



def _dns_label(value: str) -> str:
    if not re.fullmatch(DNS_LABEL, value):
        raise PydanticCustomError("hangar_name", "must be lower-case letters, digits and '-', 1-40 characters, starting with a letter", {})
    return value


Name = Annotated[
    str,
    AfterValidator(_dns_label),
    Field(description="Lower-case letters, digits and '-', 1-40 chars, starting with a letter.", json_schema_extra={"pattern": DNS_LABEL}),
]
# Kubernetes label syntax (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set,
# read 2026-12-01): a value is at most 63 characters, empty or beginning and ending with [a-zA-Z0-9] with '-', '_', '.' and
# alphanumerics between; a key is an optional DNS-subdomain prefix (at most 253 characters) and '/', then a name that
# follows the value rule but may not be empty. Values Hangar puts on every resource (owner, cost centre, tags) are
# checked here, so a label Kubernetes would refuse never reaches a manifest.
LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
LABEL_NAME = r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
LABEL_PREFIX = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"
LABEL_VALUE_RULE = "a Kubernetes label value: at most 63 characters, letters, digits, '-', '_' and '.', beginning and ending with a letter or digit"
RESERVED_LABEL_PREFIX = "hangar.dev/"
"""Hangar's own labels (`hangar.dev/pool`, `hangar.dev/tier`, ...): the policies join resources by them, so a tag may not set one."""


def _label_value(value: str) -> str:
    if len(value) > 63 or not re.fullmatch(LABEL_VALUE, value):
        raise PydanticCustomError("hangar_label_value", "must be " + LABEL_VALUE_RULE, {})
    return value


def _label_key(value: str) -> str:
    prefix, _, name = value.rpartition("/")
    if len(name) > 63 or not re.fullmatch(LABEL_NAME, name) or (prefix and (len(prefix) > 253 or not re.fullmatch(LABEL_PREFIX, prefix))):
        raise PydanticCustomError(
            "hangar_label_key",
            "must be a Kubernetes label key: an optional DNS-subdomain prefix and '/', then at most 63 characters of letters, digits, '-', '_' and '.', "
            "beginning and ending with a letter or digit",
            {},
        )
    return value


def _not_reserved(value: str) -> str:
    if value.startswith(RESERVED_LABEL_PREFIX):
        raise PydanticCustomError("hangar_label_key", "the hangar.dev/ prefix is Hangar's own (its policies read those labels); choose another key", {})
    return value


LabelValue = Annotated[str, AfterValidator(_label_value), Field(json_schema_extra={"pattern": LABEL_VALUE, "maxLength": 63})]
LabelKey = Annotated[str, AfterValidator(_label_key), Field(json_schema_extra={"pattern": r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", "maxLength": 317})]
TagKey = Annotated[LabelKey, AfterValidator(_not_reserved)]
"""A key of the environment's `tags`: a label key outside Hangar's own `hangar.dev/` prefix."""

Tier = Literal["dev", "staging", "prod"]
Capacity = Literal["on-demand", "spot", "reserved"]
Precision = Literal["bf16", "fp16", "fp8", "int8", "awq", "gptq", "mxfp4", "int4", "nvfp4"]
LatencyClass = Literal["realtime", "interactive", "batch"]
ScalingMetric = Literal["requests_waiting", "requests_running", "kv_cache_usage", "queue_depth"]
TpuGeneration = Literal["v4", "v5e", "v5p", "v6e", "tpu7x"]
SYSTEM_POOL = "system"
"""Every cloud cluster has a small CPU node pool of this name, so GPU nodes hold only GPU work."""


class SpecModel(BaseModel):
    """Base of every config model: immutable, an unknown key is an error (not a silent no-op), and inf/NaN are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False)


def problem(path: str, message: str, given: Any) -> dict[str, Any]:
    """One cross-field problem, reported at `path` relative to the model that found it."""
    return {"path": path, "message": message, "given": given}


def raise_problems(problems: list[dict[str, Any]]) -> None:
    """Raise the cross-field problems a model found as one error that the reporter splits into lines."""
    if problems:
        raise PydanticCustomError("hangar_cross_field", "{summary}", {"summary": problems[0]["message"], "problems": problems})


def unique_by_name(items: list[Any], what: str) -> list[Any]:
    """Reject two items of one list with the same name, naming the second one's position."""
    seen: set[str] = set()
    problems = []
    for index, item in enumerate(items):
        if item.name in seen:
            problems.append(problem(f"[{index}].name", f"two {what}s are named {item.name!r}; names must be unique", item.name))
        seen.add(item.name)
    raise_problems(problems)
    return items
