"""Image registries and chart repositories: which are public, how each is spelt, and where an air-gapped cloud cluster's images and charts come from."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from hangar.spec.base import problem

PUBLIC_REGISTRIES = (
    "docker.io",
    "nvcr.io",
    "ngc.nvidia.com",
    "ghcr.io",
    "quay.io",
    "registry.k8s.io",
    "gcr.io",
    "public.ecr.aws",
    "mcr.microsoft.com",
    "registry.gitlab.com",
    "github.io",
    "github.com",
    "githubusercontent.com",
    "huggingface.co",
    "charts.bitnami.com",
    "istio-release.storage.googleapis.com",
)
"""Public image registries and chart repositories (each with its subdomains, e.g. helm.ngc.nvidia.com,
nvidia.github.io, k8s.gcr.io; Istio's chart bucket by its own name, since other storage.googleapis.com
buckets may be private). Not exhaustive: an air-gapped cluster must reach none of them."""

REGISTRY = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]([-a-z0-9._/]*[a-z0-9])?)?$"
"""An image registry with an optional path, without a scheme: `registry.dc1.internal:5000/mirror`."""

CHART_REPOSITORY = r"^(oci|https)://[^\s/]+(/\S*)?$"
"""A Helm chart repository: an OCI registry path (`oci://host/path`, the chart's name appended) or a Helm repository URL."""

MIRRORED = (
    "the vLLM engine, KEDA, LeaderWorkerSet, the NVIDIA device plugin, the EFS CSI driver, the node autoscaler, the metrics pipeline, "
    "the gateway's endpoint pickers and Istio"
)
"""What a cloud cluster without egress pulls from its `registry_mirror` (what Hangar installs that is not the cloud's own)."""


def _host(reference: str) -> str:
    """The host of `oci://host:port/path`, `https://host/path` or `host:port/path`, lower case."""
    rest = reference.split("://", 1)[-1]
    return rest.split("/", 1)[0].rsplit(":", 1)[0].lower()


def public_registry(reference: str) -> str | None:
    """The public registry or chart repository that `reference` points at, if any."""
    host = _host(reference)
    return next((public for public in PUBLIC_REGISTRIES if host == public or host.endswith(f".{public}")), None)


def registry_mirror_field() -> Any:
    """`registry_mirror` of an EKS or GKE cluster: where its images come from when its network has no egress."""
    return Field(
        None,
        pattern=REGISTRY,
        description=(
            "A registry inside the network holding the public images Hangar installs under their upstream paths "
            "(docker.io/vllm/vllm-openai -> <mirror>/vllm/vllm-openai), e.g. an ECR registry '111122223333.dkr.ecr.us-east-1.amazonaws.com/mirror' "
            "or Artifact Registry 'us-docker.pkg.dev/PROJECT/mirror', filled by `crane copy`/`skopeo copy`. Required with network.egress none."
        ),
    )


CHARTS = (
    "KEDA, the KEDA HTTP add-on, LeaderWorkerSet, the NVIDIA device plugin, the EFS CSI driver, the Cluster Autoscaler, "
    "kube-prometheus-stack, kube-state-metrics, Istio"
)
"""The pinned charts Hangar may install into a cloud cluster (which ones depends on the stack), all fetched from `chart_repository` when set."""


def chart_repository_field() -> Any:
    """`chart_repository` of an EKS, GKE or AKS cluster: where the pinned Helm charts come from instead of their public repositories."""
    return Field(
        None,
        pattern=CHART_REPOSITORY,
        description=(
            "A chart repository inside the network holding the pinned charts Hangar installs under their upstream names: an OCI "
            "registry path ('oci://111122223333.dkr.ecr.us-east-1.amazonaws.com/charts', 'oci://us-docker.pkg.dev/PROJECT/charts', "
            "'oci://REGISTRY.azurecr.io/charts'; each chart at <path>/<chart>) or a Helm repository ('https://charts.corp.internal'). "
            "Helm fetches the charts where `pulumi up` runs, logged in there (`helm registry login`). Required with network.egress none."
        ),
    )


def mirror_problems(cluster: Any) -> list[dict[str, Any]]:
    """A cloud cluster without egress names a registry mirror (EKS, GKE: AKS has its own private registry) and a chart
    repository inside the network, neither of them public."""
    problems = _image_mirror_problems(cluster) if hasattr(cluster, "registry_mirror") else []
    charts = cluster.chart_repository
    if cluster.network.egress == "none" and charts is None:
        problems.append(
            problem(
                "chart_repository",
                f"network.egress is none, so the charts Hangar installs ({CHARTS}) cannot come from their public repositories: "
                "name a chart repository inside the network that holds them under their upstream names (oci://host/path or https://host/path)",
                None,
            )
        )
    elif charts is not None and cluster.network.egress == "none" and (public := public_registry(charts)):
        problems.append(problem("chart_repository", f"{public} is a public chart repository, unreachable with network.egress none; name one inside the network", charts))
    return problems


def _image_mirror_problems(cluster: Any) -> list[dict[str, Any]]:
    """A cloud cluster without egress must name a registry mirror inside the network, and not a public one."""
    mirror = cluster.registry_mirror
    if cluster.network.egress == "none" and mirror is None:
        return [
            problem(
                "registry_mirror",
                f"network.egress is none, so the nodes cannot pull public images ({MIRRORED}): name a registry inside "
                "the network that holds them under their upstream paths",
                None,
            )
        ]
    if mirror is not None and cluster.network.egress == "none" and (public := public_registry(mirror)):
        return [problem("registry_mirror", f"{public} is a public registry, unreachable with network.egress none; name one inside the network", mirror)]
    return []
