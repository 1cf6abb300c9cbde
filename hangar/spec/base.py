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
LabelValue = Annotated[str, Field(pattern=r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$", max_length=63)]
LabelKey = Annotated[str, Field(pattern=r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", max_length=253)]

Tier = Literal["dev", "staging", "prod"]
Capacity = Literal["on-demand", "spot", "reserved"]
Precision = Literal["bf16", "fp16", "fp8", "int8", "awq", "gptq"]
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


