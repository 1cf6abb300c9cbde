"""A gateway on a cluster without internet egress: where its CRD manifests come from, and what is still refused.

Everything else the gateway needs already has an inside source: the endpoint pickers' image and Istio's
images (istiod `pilot`, the gateway pods' `proxyv2`) come from the cluster's `registry_mirror` under their
upstream paths, Istio's charts from its `chart_repository`. What remains are the two CRD manifests Hangar
applies on EKS, AKS and on-prem (GKE installs the Gateway API and InferencePool CRDs itself): the Gateway
API's `standard-install.yaml` and the Inference Extension's `manifests.yaml`, release assets on github.com.
`gateway.crds` names copies of them inside the network; pulumi-kubernetes' `yaml/v2.ConfigFile` reads a
`file` that is a URL where `pulumi up` runs, so the deployer must reach them.
On AKS the mirror is the cluster's private registry (`az acr import` each image under its upstream path),
whose login server the components read once the registry exists (`hangar.components.registry_path`).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from hangar.spec.base import SpecModel, problem
from hangar.spec.registry import public_registry

HTTPS_URL = r"^https://[^\s/]+/\S+$"


class GatewayCrds(SpecModel):
    """Copies of the CRD manifests the gateway needs (EKS, AKS, on-prem), inside the network."""

    gateway_api: str = Field(
        pattern=HTTPS_URL,
        max_length=2048,
        description="Gateway API v1.5.1's standard-install.yaml (its release asset on github.com, copied unchanged).",
    )
    inference_extension: str = Field(
        pattern=HTTPS_URL,
        max_length=2048,
        description="Gateway API Inference Extension v1.5.0's manifests.yaml (its release asset on github.com, copied unchanged).",
    )


def without_egress(cluster: Any) -> bool:
    """The cluster cannot reach the internet: a cloud network with egress none, or an air-gapped site."""
    return bool(getattr(cluster, "air_gapped", False)) or getattr(getattr(cluster, "network", None), "egress", "nat") == "none"


def mirror_problems(gateway: Any, cluster: Any) -> list[dict[str, Any]]:
    """`gateway.crds` where GKE installs the CRDs itself, and missing or public without egress."""
    if cluster.provider == "gcp":
        if gateway.crds is not None:
            return [problem("gateway.crds", "GKE installs the Gateway API and InferencePool CRDs itself: leave crds out", gateway.crds.gateway_api)]
        return []
    if not without_egress(cluster):
        return []
    if gateway.crds is None:
        return [
            problem(
                "gateway.crds",
                f"cluster {cluster.name!r} has no internet egress, so the Gateway API and Inference Extension CRD manifests cannot come "
                "from github.com: copy standard-install.yaml (Gateway API v1.5.1) and manifests.yaml (Inference Extension v1.5.0) "
                "inside the network and name them in crds.gateway_api and crds.inference_extension",
                None,
            )
        ]
    return [
        problem(f"gateway.crds.{key}", f"{public} is public, unreachable without egress; name a copy inside the network", url)
        for key, url in (("gateway_api", gateway.crds.gateway_api), ("inference_extension", gateway.crds.inference_extension))
        if (public := public_registry(url))
    ]
