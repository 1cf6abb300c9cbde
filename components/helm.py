"""A pinned Helm chart installed as a `helm.v3.Release`, from its upstream repository or the cluster's own."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s


def chart_release(resource_name: str, chart: Any, values: dict[str, Any], *, cluster: Any, environment: str,
                  opts: pulumi.ResourceOptions) -> k8s.helm.v3.Release:  # fmt: skip
    """`chart` (name, repository, version, namespace) as a Release into its own namespace. An on-prem cluster's
    `chart_repository` replaces the upstream repository; an `oci://` repository names the chart in its URL."""
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
        description=f"Installed by Hangar for environment {environment}",
        opts=opts,
        **source,
    )
