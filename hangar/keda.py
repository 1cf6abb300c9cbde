"""The KEDA version Hangar installs, and which Kubernetes versions each KEDA release supports.

KEDA tests each release against a window of Kubernetes minor versions ("N-2"); outside it a release
is not known to work (its CRDs, its metrics API server and the HPA it drives may not fit the API
server). The spec refuses a cluster whose `kubernetes_version` is outside the window of the KEDA
Hangar installs (`replica_autoscaler: keda`).

Source of `KUBERNETES_SUPPORT`: KEDA docs "Cluster > Requirements > Kubernetes Compatibility",
https://keda.sh/docs/2.21/operate/cluster/ (kedacore/keda-docs content/docs/2.21/operate/cluster.md,
commit a55c5d345e2cbd9923ab4936f1cabc2a17e9abac, 2026-08-20; read 2026-12-01). v2.21 is listed there as
"TBD" and is therefore absent here.
Source of `KEDA_VERSION`: kedacore/charts keda/Chart.yaml at commit cbb9bb8ce0809dc9048f72302f7c09765d66ed56
("prepare v2.20.2 release", 2026-07-31): version and appVersion 2.20.2.
Source of `HTTP_ADD_ON_VERSION`: kedacore/charts http-add-on/Chart.yaml at commit c4b92e9eed0ddc6668b1395d5f137e3ad4baa3d4
(version and appVersion 0.15.0); its Kubernetes range is `hangar.chart_support`'s.
"""

from __future__ import annotations

KEDA_VERSION = "2.20.2"
"""The KEDA Helm chart (and app) version Hangar installs."""
HTTP_ADD_ON_VERSION = "0.15.0"
"""The KEDA HTTP add-on chart (and app) version Hangar installs beside KEDA when a deployment scales to zero."""

KUBERNETES_SUPPORT: dict[str, tuple[str, str]] = {
    "2.20": ("1.33", "1.35"),
    "2.19": ("1.32", "1.34"),
    "2.18": ("1.31", "1.33"),
    "2.17": ("1.30", "1.32"),
    "2.16": ("1.29", "1.31"),
    "2.15": ("1.28", "1.30"),
    "2.14": ("1.27", "1.29"),
    "2.13": ("1.27", "1.29"),
    "2.12": ("1.26", "1.28"),
    "2.11": ("1.25", "1.27"),
    "2.10": ("1.24", "1.26"),
}
"""KEDA minor -> (oldest, newest) Kubernetes minor it is tested against."""


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def supports(keda_version: str, kubernetes_version: str) -> bool:
    """Whether a KEDA release (`2.20.2` or `2.20`) is tested against a Kubernetes minor (`1.33`)."""
    window = KUBERNETES_SUPPORT.get(".".join(keda_version.split(".")[:2]))
    if window is None:
        return False
    return _minor(window[0]) <= _minor(kubernetes_version) <= _minor(window[1])


def releases_supporting(kubernetes_version: str) -> list[str]:
    """KEDA minors tested against a Kubernetes minor, newest first."""
    return [keda for keda in KUBERNETES_SUPPORT if supports(keda, kubernetes_version)]


def unsupported_message(kubernetes_version: str) -> str | None:
    """Why the KEDA Hangar installs cannot run on this Kubernetes minor, or None when it can."""
    if supports(KEDA_VERSION, kubernetes_version):
        return None
    oldest, newest = KUBERNETES_SUPPORT[".".join(KEDA_VERSION.split(".")[:2])]
    others = releases_supporting(kubernetes_version)
    hint = f"KEDA {', '.join(others)} support it: install one yourself and use replica_autoscaler keda-existing" if others else "no KEDA release lists it"
    return (
        f"the KEDA Hangar installs ({KEDA_VERSION}) supports Kubernetes {oldest} to {newest} (keda.sh Kubernetes compatibility); "
        f"{hint}, or use replica_autoscaler hpa"
    )
