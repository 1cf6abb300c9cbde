"""A pinned Helm chart installed as a `helm.v3.Release`, from its upstream repository or the cluster's own."""

from __future__ import annotations

import dataclasses
from typing import Any

import pulumi
import pulumi_kubernetes as k8s


@dataclasses.dataclass(frozen=True)
class PinnedChart:
    """A Helm chart at a pinned version: its upstream repository, the namespace its release goes into, and where the pin was read."""

    name: str
    repository: str
    version: str
    namespace: str
    source: str


def chart_release(resource_name: str, chart: PinnedChart, values: dict[str, Any], *, cluster: Any, opts: pulumi.ResourceOptions,
                  environment: str | None = None, description: str | None = None) -> k8s.helm.v3.Release:  # fmt: skip
    """`chart` as a Release into its own namespace. The cluster's `chart_repository` (any target's chart
    mirror: on-prem, or an EKS/GKE/AKS cluster's) replaces the upstream repository; an `oci://` repository
    names the chart in its URL. The description names the environment unless one is given.

    `cluster` is the cluster's spec (anything with an optional `chart_repository`), or None for none."""
    repository = getattr(cluster, "chart_repository", None) or chart.repository
    source: dict[str, Any] = (
        {"chart": f"{repository.rstrip('/')}/{chart.name}"}
        if repository.startswith("oci://")
        else {"chart": chart.name, "repository_opts": k8s.helm.v3.RepositoryOptsArgs(repo=repository)}
    )
    return k8s.helm.v3.Release(
        resource_name,
        name=chart.name,
        version=chart.version,
        namespace=chart.namespace,
        create_namespace=True,
        values=values,
        description=description or f"Installed by Hangar for environment {environment}",
        opts=opts,
        **source,
    )
