"""Each cluster's Kubernetes version against the catalog's support table: a config error in prod, a warning elsewhere.

A version past its cloud's end of standard support (in paid extended support, or out of support) is
refused in a prod environment, naming the key, the version, its end date and the versions in
standard support; in dev and staging it is a warning the program logs, as `pulumi preview` shows
it. A version whose end of support the catalog does not know is a warning in every tier: an
unknown is said, never taken for supported.

"Today" is the wall clock unless `HANGAR_TODAY` (YYYY-MM-DD) pins it, so a plan can be reproduced
on another day and tests never depend on the calendar.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from hangar.catalog import PROVIDER_CLOUD, Support, load_catalog
from hangar.clock import TODAY_VARIABLE as TODAY_VARIABLE
from hangar.clock import today as today

if TYPE_CHECKING:
    from hangar.spec import Environment


def cluster_support(environment: Environment, on: datetime.date | None = None) -> list[tuple[int, Support]]:
    """(cluster index, support) for every cluster of the environment; empty when the catalog cannot be loaded
    (the hardware checks report that)."""
    try:
        catalog = load_catalog(environment.catalog_overrides)
    except (OSError, ValueError):
        return []
    day = on or today()
    return [
        (index, catalog.kubernetes_support(PROVIDER_CLOUD[cluster.provider], cluster.kubernetes_version, day))
        for index, cluster in enumerate(environment.clusters)
    ]


def kubernetes_version_problems(environment: Environment, on: datetime.date | None = None) -> list[dict[str, Any]]:
    """Config problems: in prod, every cluster whose version is past its cloud's end of standard support."""
    from hangar.spec.base import problem

    if environment.tier != "prod":
        return []
    return [
        problem(f"clusters[{index}].kubernetes_version", f"{support.describe()}; prod needs a version in standard support", support.version)
        for index, support in cluster_support(environment, on)
        if support.state in ("extended", "ended")
    ]


def kubernetes_version_warnings(environment: Environment, on: datetime.date | None = None) -> list[str]:
    """What the program warns about: out-of-support versions outside prod, and versions whose support is unknown."""
    warnings = []
    for index, support in cluster_support(environment, on):
        key = f"clusters[{index}].kubernetes_version ({environment.clusters[index].name!r})"
        if support.state == "unknown":
            warnings.append(f"{key}: {support.describe()}; add the row to the catalog (or a catalog override) to have it judged")
        elif support.state != "standard" and environment.tier != "prod":
            warnings.append(f"{key}: {support.describe()}; a prod environment would refuse it")
    return warnings
