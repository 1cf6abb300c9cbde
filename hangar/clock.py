"""The day a plan is judged on: the wall clock unless `HANGAR_TODAY` (YYYY-MM-DD) pins it.

Its own module, with nothing imported, because the plan cache keys on the day before anything is planned
(a Kubernetes version's support, and so a plan's warnings and a stack's verdict, depend on it).
"""

from __future__ import annotations

import datetime
import os

TODAY_VARIABLE = "HANGAR_TODAY"


def today() -> datetime.date:
    """The day support is judged on: `HANGAR_TODAY` if set, else the wall clock; ValueError naming a bad value."""
    pinned = os.environ.get(TODAY_VARIABLE, "").strip()
    if not pinned:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(pinned)
    except ValueError:
        raise ValueError(f"{TODAY_VARIABLE}: expected a date YYYY-MM-DD; got {pinned!r}") from None
