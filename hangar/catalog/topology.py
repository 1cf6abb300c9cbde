"""TPU topology strings ("2x4", "4x4x4"): parsing and the node count a slice implies.

Kept apart from the schema because the same arithmetic is needed by the
catalog lookup, by sizing and by the GKE components, and it must agree
everywhere.  The rule is xpk's (AI-Hypercomputer/xpk
`system_characteristics.py`): chips = product of the dimensions; a
single-host machine type holds the whole topology on one node; a multi-host
slice needs chips / chips_per_host nodes.
"""

from __future__ import annotations

import math
import re

_TOPOLOGY = re.compile(r"^[1-9][0-9]*(x[1-9][0-9]*){1,2}$")


def parse_topology(topology: str) -> tuple[int, ...]:
    """Return the dimensions of `topology`, e.g. "2x2x1" -> (2, 2, 1).

    Raises ValueError for anything but 2 or 3 positive integers joined by "x".
    """
    text = topology.strip()
    if not _TOPOLOGY.match(text):
        raise ValueError(
            f"malformed TPU topology {topology!r}: expected 2 or 3 positive integers joined by 'x', e.g. 2x4 or 4x4x4"
        )
    return tuple(int(d) for d in text.split("x"))


def topology_chips(topology: str) -> int:
    """Total chips of a topology: the product of its dimensions."""
    return math.prod(parse_topology(topology))


def topology_hosts(topology: str, chips_per_host: int, single_host: bool) -> int:
    """Nodes (VMs) a slice of this topology occupies on the given machine type."""
    chips = topology_chips(topology)
    if single_host:
        return 1
    if chips % chips_per_host:
        raise ValueError(f"topology {topology} ({chips} chips) does not divide into hosts of {chips_per_host} chips")
    return chips // chips_per_host
