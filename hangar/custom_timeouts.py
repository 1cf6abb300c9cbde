"""A resource's Pulumi `customTimeouts`, in seconds, as the engine hands them to providers and policy packs.

A program gives them as Go duration strings (`CustomTimeouts(create="30m")`); the engine parses each
with Go's `time.ParseDuration` into float seconds (pulumi/pulumi pkg/resource/deploy/source_eval.go
`generateTimeoutInSeconds`, snapshot 3.259.0, commit 1b5949891b3cefcb9974752b24a5ecef0acc86c8, read
2026-12-01) and sends those seconds to an analyzer in `AnalyzerResourceOptions.customTimeouts`
(create, update, delete, read: pkg/resource/plugin/analyzer_plugin.go `marshalResourceOptions`, for
Analyze and AnalyzeStack alike: pkg/resource/deploy/step_generator.go; the message in the installed
pulumi 3.272 SDK's analyzer.proto). pulumi_policy 1.21.0 passes create, update and delete on to a policy
(`PolicyCustomTimeouts`; it drops read), zero meaning "not set" — as pulumi-kubernetes reads them
(`TimeoutDuration`: a non-zero resource timeout wins over the annotation).

So a record keeps the non-zero create, update and delete seconds, or None when there are none: the
same on both sides of the protocol.
"""

from __future__ import annotations

import re
from typing import Any

KEPT = ("create", "update", "delete")
"""What reaches a policy: pulumi_policy's `PolicyCustomTimeouts` carries these three (not read)."""

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def duration_seconds(text: str) -> float:
    """Seconds in a Go duration string ("30m", "1h30m", "1.5h", "300s", "0"); ValueError as the engine refuses it."""
    given = text.strip()
    sign = -1.0 if given.startswith("-") else 1.0
    body = given.lstrip("+-")
    if body == "0":
        return 0.0
    position, total = 0, 0.0
    while position < len(body):
        match = _PART.match(body, position)
        if match is None:
            raise ValueError(f"unable to parse customTimeout value {text!r}: expected a Go duration such as 30m or 1h30m")
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if not body:
        raise ValueError(f"unable to parse customTimeout value {text!r}: expected a Go duration such as 30m or 1h30m")
    return sign * total


def from_seconds(seconds: dict[str, Any]) -> dict[str, float] | None:
    """The kept, non-zero timeouts of a {create, update, delete, ...: seconds} mapping, or None."""
    kept = {key: float(seconds[key]) for key in KEPT if seconds.get(key)}
    return kept or None


def from_strings(durations: dict[str, str]) -> dict[str, float] | None:
    """The kept, non-zero timeouts of a program's duration strings (empty: not set), or None."""
    return from_seconds({key: duration_seconds(value) for key, value in durations.items() if key in KEPT and value})
