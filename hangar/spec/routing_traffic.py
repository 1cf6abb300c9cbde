"""Declared traffic against a route's split: the deployments behind a route must declare the shares it sends them.

Hangar sizes and prices each deployment for its own declared `traffic` (`hangar.sizing.capacity`), while the
gateway sends each the share the route declares (a `split`'s weights, a `small_first` share). When the two
disagree, one of them is wrong and the replicas, the nodes and the route's blended cost are planned for
traffic that will not arrive. The rule: for a route whose deployments all declare traffic and stand behind
no other route, each deployment's declared peak requests/s, over the sum of theirs, must be the route's
share for it within SHARE_TOLERANCE. Not judged: a header-matched `small_first` (it declares no share),
a deployment without declared traffic (its cost is reported unknown instead), and a deployment behind
several routes (its traffic is the sum of several unknown route totals).
"""

from __future__ import annotations

from typing import Any

from hangar.spec.base import problem

SHARE_TOLERANCE = 0.01
"""How far a deployment's declared share of the route's peak may stray from the route's share (one percentage
point, so that rates rounded to a tenth of a request per second still agree)."""


def _shares(route: Any) -> list[tuple[str, Any, str, float]]:
    """(key path below the route, the value given there, deployment, share) per deployment of a route that
    declares shares; [] for a header-matched class."""
    if route.split is not None:
        total = sum(backend.weight for backend in route.split)
        return [(f"split[{index}].weight", backend.weight, backend.deployment, backend.weight / total) for index, backend in enumerate(route.split)]
    small_first = route.small_first
    if small_first is None or small_first.share is None:  # one deployment takes all; a class declares no share
        return []
    key, given = "small_first.share", small_first.share
    return [(key, given, small_first.small, given), (key, given, small_first.large, 1 - given)]


def traffic_problems(environment: Any) -> list[dict[str, Any]]:
    """Routes whose declared shares and their deployments' declared peak rates disagree (see the module docstring)."""
    deployments = {deployment.name: deployment for deployment in environment.deployments}
    behind: dict[str, int] = {}
    for route in environment.routes:
        for name in route.deployments():
            behind[name] = behind.get(name, 0) + 1
    problems = []
    for index, route in enumerate(environment.routes):
        shares = _shares(route)
        parts = [(key, deployments.get(name), share) for key, _, name, share in shares]
        if not parts or any(d is None or d.traffic is None or behind[d.name] > 1 for _, d, _ in parts):
            continue
        total = sum(d.traffic.peak_rps for _, d, _ in parts)
        stray = [(key, d, share) for key, d, share in parts if abs(d.traffic.peak_rps / total - share) > SHARE_TOLERANCE]
        if not stray:
            continue
        declared = ", ".join(f"{d.name} {d.traffic.peak_rps:.3g} ({d.traffic.peak_rps / total:.0%})" for _, d, _ in parts)
        wanted = ", ".join(f"{d.name} {share * total:.3g}" for _, d, share in parts)
        routed = ", ".join(f"{d.name} {share:.0%}" for _, d, share in parts)
        key = stray[0][0]
        given = next(value for path, value, _, _ in shares if path == key)
        problems.append(
            problem(
                f"routes[{index}].{key}",
                f"route {route.name!r} sends {routed} of its requests, but the deployments behind it declare peaks of {declared} "
                f"requests/s: each deployment is sized and priced for its own traffic, so make them agree within "
                f"{SHARE_TOLERANCE * 100:g} percentage point — e.g. traffic.peak_requests_per_second {wanted} for the same {total:.3g} requests/s — or change the route's shares",
                given,
            )
        )
    return problems
