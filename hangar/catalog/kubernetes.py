"""Kubernetes minor versions per cloud and how long each is supported: the rows and the support lookup.

One row per (cloud, minor version) in `data/kubernetes_versions.csv`: `eks`, `gke`, `aks` or
`upstream` (the Kubernetes project itself, for clusters Hangar does not create). A row gives the
release date on that cloud, the end of standard support and, where the cloud sells one, the end of
extended support, with its source and as_of date. An end date nobody could read is empty: the lookup
then says "unknown", never "supported".

A version is in standard support on a day before its end of standard support (the end date itself
is outside it: EKS bills extended support from the start of that day), in extended support from
then until its end of extended support, and ended after that.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from typing import Annotated, Iterable, Literal, Optional

from pydantic import Field, model_validator

from .errors import RowProblem
from .schema import Row, Text

KubernetesCloud = Literal["eks", "gke", "aks", "upstream"]
KUBERNETES_CLOUDS: tuple[KubernetesCloud, ...] = ("eks", "gke", "aks", "upstream")
PROVIDER_CLOUD: dict[str, KubernetesCloud] = {"aws": "eks", "gcp": "gke", "azure": "aks", "onprem": "upstream"}
"""The table's cloud for each stack-config provider: an on-prem cluster runs upstream Kubernetes."""
CLOUD_NAMES: dict[str, str] = {"eks": "EKS", "gke": "GKE", "aks": "AKS", "upstream": "upstream"}

Minor = Annotated[str, Field(pattern=r"^1\.[0-9]{1,3}$")]
ReleaseDate = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$", description="YYYY-MM-DD, or YYYY-MM where the source gives a month")]

_MINOR = re.compile(r"^v?(1\.[0-9]{1,3})(\.[0-9]+)?([-+].*)?$")


def minor_of(version: str) -> str | None:
    """The minor version ("1.35") of a version string as clouds spell it: "1.35", "1.35.2", "v1.35.2", "1.35.1-gke.1200"."""
    match = _MINOR.match(version.strip())
    return match.group(1) if match else None


class KubernetesVersion(Row):
    """One Kubernetes minor version on one cloud, with its support window."""

    cloud: KubernetesCloud
    version: Minor
    release_date: Optional[ReleaseDate] = None
    end_of_standard_support: Optional[datetime.date] = None
    end_of_extended_support: Optional[datetime.date] = None
    source: Text
    as_of: datetime.date
    notes: Optional[str] = None

    @model_validator(mode="after")
    def _ordered(self) -> "KubernetesVersion":
        standard, extended = self.end_of_standard_support, self.end_of_extended_support
        if standard is not None and extended is not None and extended < standard:
            raise RowProblem("end_of_extended_support", extended.isoformat(), f"is before end_of_standard_support ({standard.isoformat()})")
        return self

    @property
    def key(self) -> tuple[str, str]:
        return (self.cloud, self.version)


SupportState = Literal["standard", "extended", "ended", "unknown"]


@dataclasses.dataclass(frozen=True)
class Support:
    """Where one version stands on one cloud on one day, and what the table says about it."""

    cloud: KubernetesCloud
    version: str
    today: datetime.date
    state: SupportState
    row: KubernetesVersion | None
    supported: tuple[str, ...]
    """The versions in standard support on that cloud that day, newest first."""

    @property
    def in_standard_support(self) -> bool:
        return self.state == "standard"

    def describe(self) -> str:
        """One sentence: where the version stands, until or since when, and the versions in standard support."""
        name = CLOUD_NAMES[self.cloud]
        row = self.row
        if row is None:
            head = f"the catalog has no {name} row for Kubernetes {self.version}, so its support is unknown"
        elif self.state == "unknown":
            head = f"{name} end of standard support for Kubernetes {self.version} is unknown to the catalog"
        elif self.state == "standard":
            head = f"Kubernetes {self.version} is in {name} standard support until {_day(row.end_of_standard_support)}"
        elif self.state == "extended":
            head = (
                f"{name} standard support for Kubernetes {self.version} ended {_day(row.end_of_standard_support)}; "
                f"it is in paid extended support until {_day(row.end_of_extended_support)}"
            )
        else:
            ended = row.end_of_extended_support or row.end_of_standard_support
            head = f"{name} support for Kubernetes {self.version} ended {_day(ended)}"
        versions = ", ".join(self.supported) if self.supported else "none in the catalog"
        return f"{head}; in {name} standard support on {self.today.isoformat()}: {versions}"


def _day(value: datetime.date | None) -> str:
    return value.isoformat() if value is not None else "an unknown date"


def state_on(row: KubernetesVersion | None, today: datetime.date) -> SupportState:
    """Standard before the end of standard support, extended until the end of extended support, then ended."""
    if row is None or row.end_of_standard_support is None:
        return "unknown"
    if today < row.end_of_standard_support:
        return "standard"
    if row.end_of_extended_support is not None and today < row.end_of_extended_support:
        return "extended"
    return "ended"


def _version_order(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def in_standard_support(rows: Iterable[KubernetesVersion], cloud: str, today: datetime.date) -> tuple[str, ...]:
    """The versions of `cloud` in standard support on `today`, newest first."""
    found = [row.version for row in rows if row.cloud == cloud and state_on(row, today) == "standard"]
    return tuple(sorted(found, key=_version_order, reverse=True))


def support(rows: Iterable[KubernetesVersion], cloud: KubernetesCloud, version: str, today: datetime.date) -> Support:
    """Where `version` (a minor, or any version string of it) stands on `cloud` on `today`."""
    rows = tuple(rows)
    minor = minor_of(version) or version
    row = next((r for r in rows if r.cloud == cloud and r.version == minor), None)
    return Support(cloud, minor, today, state_on(row, today), row, in_standard_support(rows, cloud, today))
