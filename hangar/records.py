"""Plain records of planned resources: what the plan runner produces and the policy rules read.

Inputs are in Pulumi's wire form (camelCase keys, numbers as floats). A secret input is recorded
as `SECRET`, never as its value; an input not known until the resource exists is `UNKNOWN`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterator

SECRET = "[secret]"
UNKNOWN = "[unknown]"


@dataclasses.dataclass(frozen=True)
class ResourceRecord:
    """One registered resource: where it sits in the tree and the inputs it was given."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    inputs: dict[str, Any]
    provider: str | None = None
    dependencies: tuple[str, ...] = ()
    custom_timeouts: dict[str, float] | None = None
    """Pulumi `customTimeouts` in seconds (non-zero create/update/delete, `hangar.custom_timeouts`), None when unset."""

    def to_json(self) -> dict[str, Any]:
        document = dataclasses.asdict(self) | {"dependencies": list(self.dependencies)}
        if self.custom_timeouts is None:
            del document["custom_timeouts"]  # most resources have none: keep plans as they were
        return document

    @property
    def provider_urn(self) -> str | None:
        """The URN of the provider resource this resource uses (the engine's reference is `<urn>::<id>`)."""
        if not self.provider:
            return None
        return "::".join(self.provider.split("::")[:4])


@dataclasses.dataclass(frozen=True)
class Plan:
    """Every resource a program registers, in registration order."""

    project: str
    stack: str
    resources: tuple[ResourceRecord, ...]
    warnings: tuple[str, ...] = ()
    """What the program logged as warnings (`pulumi.log.warn`), as `pulumi preview` would show them."""

    def __iter__(self) -> Iterator[ResourceRecord]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def of_type(self, *types: str) -> list[ResourceRecord]:
        return [r for r in self.resources if r.type in types]

    def named(self, name: str, type_: str | None = None) -> ResourceRecord:
        """The one resource with this logical name (and type, if given); KeyError naming the candidates if none."""
        found = [r for r in self.resources if r.name == name and (type_ is None or r.type == type_)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} resources named {name!r}{f' of type {type_}' if type_ else ''}")
        return found[0]

    def children(self, parent_urn: str | None) -> list[ResourceRecord]:
        return [r for r in self.resources if r.parent == parent_urn]

    def roots(self) -> list[ResourceRecord]:
        """Resources whose parent is the stack (or none)."""
        urns = {r.urn for r in self.resources}
        return [r for r in self.resources if r.parent not in urns]

    def count_by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in self.resources:
            counts[record.type] = counts.get(record.type, 0) + 1
        return dict(sorted(counts.items()))

    def to_json(self) -> dict[str, Any]:
        return {"project": self.project, "stack": self.stack, "warnings": list(self.warnings), "resources": [r.to_json() for r in self.resources]}

