"""Image registries: which are public, how a registry reference is spelt, and where an air-gapped cloud cluster's images come from."""

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
)
"""Public image registries and chart repositories (each with its subdomains, e.g. helm.ngc.nvidia.com,
nvidia.github.io, k8s.gcr.io). Not exhaustive: an air-gapped cluster must reach none of them."""

REGISTRY = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]([-a-z0-9._/]*[a-z0-9])?)?$"
"""An image registry with an optional path, without a scheme: `registry.dc1.internal:5000/mirror`."""

MIRRORED = "the vLLM engine, KEDA, LeaderWorkerSet, the NVIDIA device plugin, the EFS CSI driver, the node autoscaler, the metrics pipeline"
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


def mirror_problems(cluster: Any) -> list[dict[str, Any]]:
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
