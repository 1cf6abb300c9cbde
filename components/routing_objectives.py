"""The InferenceObjectives of the routes' request classes (`hangar.spec.routing_objectives` says what they mean).

Per class of a route, in the gateway's namespace, an `InferenceObjective` (inference.networking.x-k8s.io/v1alpha2,
alpha at Inference Extension v1.5.0) named after the class, with its priority and a `poolRef` to the pool
of the deployment the class's requests reach. The endpoint pickers already may read them (their Role,
`hangar.components.routing_pool`). The CRD: on EKS, AKS and on-prem the Inference Extension's `manifests.yaml`,
which Hangar applies already, holds it (config/crd/kustomization.yaml lists inferenceobjectives beside
inferencepools); on GKE, which installs the InferencePool CRD itself, Hangar applies the CRD's own file at the
tag (`OBJECTIVE_CRD`), as the Extension's guide has every implementation, GKE's included, apply the CRDs
(site-src/guides/index.md, "Install the Inference Extension CRDs"). GKE installs only the GA CRDs: "GKE automatically
installs all GA CRDs for Gateway API and Gateway API Inference Extension on GKE versions 1.34.0-gke.1626000 or later"
(llm-d's GKE guide, https://llm-d.ai/docs/dev/resources/gateway/install-crds, read 2026-12-02; no Google text saying more
was readable here), and InferenceObjective is alpha (inference.networking.x-k8s.io/v1alpha2 at v1.5.0), so GKE does not
install it and Hangar does.

Sources: kubernetes-sigs/gateway-api-inference-extension tag v1.5.0 (commit
df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849), read 2026-12-02: config/crd/bases/inference.networking.x-k8s.io_inferenceobjectives.yaml
(kept in schema/crds/), config/crd/kustomization.yaml, config/charts/inferencepool/templates/inferenceobjectives.yaml
(the chart's objects: priority and a poolRef with the pool's group and name), site-src/guides/index.md.
"""

from __future__ import annotations

from typing import Any, Sequence

import pulumi
import pulumi_kubernetes as k8s
from hangar.components.routing_pool import EPP_VERSION

from hangar.spec import Environment
from hangar.spec.routing_objectives import objective_pools

OBJECTIVE_API = "inference.networking.x-k8s.io/v1alpha2"
OBJECTIVE_CRD = (
    "https://raw.githubusercontent.com/kubernetes-sigs/gateway-api-inference-extension/"
    f"{EPP_VERSION}/config/crd/bases/inference.networking.x-k8s.io_inferenceobjectives.yaml"
)
POOL_GROUP = "inference.networking.k8s.io"


def objectives(environment: Environment) -> list[tuple[str, int, str]]:
    """(class, priority, deployment whose pool it names) for every class of every route."""
    found = []
    for route in environment.routes:
        pools = objective_pools(route)
        found += [(objective.name, objective.priority, pools[objective.name]) for objective in route.objectives]
    return found


def build_objectives(environment: Environment, *, namespace: str, labels: dict[str, str], pools: dict[str, pulumi.Resource], gke: bool,
                     opts: pulumi.ResourceOptions, depends_on: Sequence[pulumi.Resource] = ()) -> list[str]:  # fmt: skip
    """Register the InferenceObjectives (and on GKE their CRD) under `opts`' parent; return their names."""
    wanted = objectives(environment)
    if not wanted:
        return []
    after: list[pulumi.Resource] = list(depends_on)
    if gke:
        after.append(k8s.yaml.v2.ConfigFile(f"{environment.name}-inference-objective-crd", file=OBJECTIVE_CRD, opts=opts))
    for name, priority, deployment in wanted:
        spec: dict[str, Any] = {"priority": priority, "poolRef": {"group": POOL_GROUP, "kind": "InferencePool", "name": deployment}}
        k8s.apiextensions.CustomResource(
            f"{environment.name}-objective-{name}",
            api_version=OBJECTIVE_API,
            kind="InferenceObjective",
            metadata={"name": name, "namespace": namespace, "labels": labels},
            spec=spec,
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[*after, pools[deployment]])),
        )
    return [name for name, _, _ in wanted]
