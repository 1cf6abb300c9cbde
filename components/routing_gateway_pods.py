"""Where Istio runs the gateway pods of an environment's Gateway: on the system pool, like istiod and the pickers.

Istio's gateway controller renders, for each Gateway of class `istio`, a Deployment of one `istio-proxy` pod from its
`kube-gateway` template, which sets no `replicas` (so one pod), no `nodeSelector` and the requests of the istiod
chart's `global.proxy.resources` (100m CPU and 128Mi at 1.29.6). Left so, the pod may land on an accelerator node, and
the system pool's sum (`hangar.policies.rules.routing_system`) cannot count it. Istio lays two overlays over what it
renders, by strategic merge patch: the `deployment` key of a ConfigMap labelled `gateway.istio.io/defaults-for-class`
in istio-system, then that of the ConfigMap the Gateway's `spec.infrastructure.parametersRef` names (core group, kind
ConfigMap, in the Gateway's namespace). Hangar writes the latter, `<gateway>-deployment`, with the system pool's
`nodeSelector`; on-prem, where no pool is Hangar's, none (as istiod gets none there).

Sources: istio/istio tag 1.29.6 (commit 7019d6d3608e4995e9a36d2977cfec3a341431cd, 2026-07-13), read 2026-12-02:
manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml (the Deployment: no replicas, no nodeSelector,
`resources` from `.Values.global.proxy.resources`; the HorizontalPodAutoscaler and PodDisruptionBudget it also lists are
dropped unless an overlay names them), manifests/charts/istio-control/istio-discovery/values.yaml (`global.proxy.resources`
requests cpu 100m, memory 128Mi), pilot/pkg/config/kube/gateway/deploymentcontroller.go (`render`: the class-defaults
ConfigMap, then `fetchParameters` — "currently always a local configmap"; `applyOverlay`: keys `deployment`, `service`,
`serviceAccount`, `horizontalPodAutoscaler`, `podDisruptionBudget`, the last two required to render theirs). Gateway API
v1.5.1 `GatewayInfrastructure.parametersRef` (group, kind, name; the Gateway CRD kept in schema/crds/).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml
from hangar.components.labels import POOL

from hangar.spec import SYSTEM_POOL

OVERLAY_SUFFIX = "-deployment"
"""The ConfigMap `<gateway>-deployment` holds the overlay of the Deployment Istio renders for the Gateway."""


def gateway_pod_overlay() -> dict[str, Any]:
    """The `deployment` overlay: the gateway pods on the system pool."""
    return {"spec": {"template": {"spec": {"nodeSelector": {POOL: SYSTEM_POOL}}}}}


def gateway_parameters(gateway: str, *, namespace: str, labels: dict[str, str], opts: pulumi.ResourceOptions) -> tuple[dict[str, Any], pulumi.Resource]:
    """Create the Gateway's overlay ConfigMap; return the Gateway's `infrastructure.parametersRef` naming it, and the
    ConfigMap (the Gateway waits for it: Istio renders nothing for a Gateway whose ConfigMap does not exist yet)."""
    name = f"{gateway}{OVERLAY_SUFFIX}"
    config_map = k8s.core.v1.ConfigMap(
        name,
        metadata={"name": name, "namespace": namespace, "labels": labels},
        data={"deployment": yaml.safe_dump(gateway_pod_overlay(), sort_keys=True)},
        opts=opts,
    )
    return {"group": "", "kind": "ConfigMap", "name": name}, config_map
