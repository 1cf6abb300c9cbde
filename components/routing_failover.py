"""`hangar:routing:FailoverBackend`: what a `failover` route sends its requests to on an Istio gateway.

A failover route (`hangar.spec.routing_failover`) reaches its deployments through one Service, `<route>-failover`,
that selects the serving pods of all of them (by the label `failover.hangar.dev/<route>: "true"` their pod templates
carry), and a DestinationRule on that Service's host that sorts its endpoints into Envoy priority levels in the
route's order, with outlier detection to eject the replicas that fail:

* `localityLbSetting.failoverPriority` in its `label=value` form. Istio gives an endpoint that matches the first k of
  the N listed labels (a label counts only when every one before it matches) the priority N - k, 0 for all N
  (istio/istio pilot/pkg/networking/core/loadbalancer/loadbalancer.go `applyFailoverPriorityPerLocality`). With the
  route's deployments d0 (the primary) .. d(n-1), the pods of d(p) carry `failover.hangar.dev/<route>.<j>: "true"` for
  every fallback position j after p, and the list names those labels from j = n-1 down to 1: d(p) matches the first
  n-1-p of them and lands at priority p. The `label=value` form compares endpoints with the given values; the calling
  proxy's own labels matter only in that Istio skips the sorting for a proxy without labels, and Istio's gateway pods
  always carry `gateway.networking.k8s.io/gateway-name` (kube-gateway.yaml).
* `outlierDetection`, without which Istio ignores failoverPriority ("otherwise has no effect",
  destination_rule.proto; pilot/pkg/xds/endpoints/endpoint_builder.go enables failover only with it, and
  pkg/config/validation/agent/validation.go warns "outlier detection policy must be provided for failover").

Why not the InferencePool the other route forms use: on a gateway Istio replaces an InferencePool's load balancing with
Envoy's override-host policy, which sends each request to the endpoint the pool's picker chose, and drops the
locality/priority configuration (pilot/pkg/networking/core/cluster.go, cluster_builder.go `applyOverrideHostPolicy`);
the picker chooses only among its own pool's pods. A Service backend is what Istio's Gateway API implementation turns
into the host `<name>.<namespace>.svc.<domain>` of an ordinary cluster that DestinationRules apply to
(pilot/pkg/config/kube/gateway/conversion.go `buildDestination`). Each deployment behind the route answers to the
route's name as its model (`--served-model-name`, `hangar.components.routing.route_names`), so one request body fits
every level.

Sources: istio/istio tag 1.29.6 (commit 7019d6d3608e4995e9a36d2977cfec3a341431cd, 2026-07-13) at the paths named;
istio/api tag 1.29.6 (commit 1092f7f897896b437df36d8d0df85728706022f2) networking/v1alpha3/destination_rule.proto; all
read 2026-12-02. The DestinationRule CRD Hangar validates against is kept in schema/crds/.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from hangar.components.serving_pod import PORT, PORT_NAME

from hangar.spec import Environment
from hangar.spec.routing import Route
from hangar.spec.routing_failover import OutlierDetection, failover_service

LABEL_PREFIX = "failover.hangar.dev"
MEMBER = "true"


def member_label(route: Route) -> str:
    """The pod label that puts a pod behind the failover route's Service."""
    return f"{LABEL_PREFIX}/{route.name}"


def rank_label(route: Route, position: int) -> str:
    """The pod label carried by the pods that rank before the route's deployment at `position` (1 = the first fallback)."""
    return f"{LABEL_PREFIX}/{route.name}.{position}"


def failover_pod_labels(environment: Environment, deployment: str) -> dict[str, str]:
    """The labels a deployment's serving pods carry for the failover routes it is behind (none when it is behind none)."""
    labels: dict[str, str] = {}
    for route in environment.routes:
        if route.failover is None or deployment not in route.failover.deployments():
            continue
        order = route.failover.deployments()
        labels[member_label(route)] = MEMBER
        labels.update({rank_label(route, position): MEMBER for position in range(order.index(deployment) + 1, len(order))})
    return labels


def failover_priority(route: Route) -> list[str]:
    """The DestinationRule's `failoverPriority`: the rank labels from the last fallback's down to the first's."""
    assert route.failover is not None
    return [f"{rank_label(route, position)}={MEMBER}" for position in range(len(route.failover.deployments()) - 1, 0, -1)]


def outlier_detection(settings: OutlierDetection) -> dict[str, Any]:
    """The DestinationRule's `outlierDetection` (Istio durations as `<n>s`)."""
    return {
        "consecutive5xxErrors": settings.consecutive_5xx_errors,
        "interval": f"{settings.interval_seconds}s",
        "baseEjectionTime": f"{settings.base_ejection_seconds}s",
        "maxEjectionPercent": settings.max_ejection_percent,
    }


def failover_backend_ref(route: Route) -> dict[str, Any]:
    """The HTTPRoute `backendRefs` entry of a failover route: its Service on the servers' API port."""
    return {"group": "", "kind": "Service", "name": failover_service(route), "port": PORT}


def failover_host(route: Route, namespace: str) -> str:
    return f"{failover_service(route)}.{namespace}.svc.cluster.local"


class FailoverBackend(pulumi.ComponentResource):
    """`hangar:routing:FailoverBackend`: a failover route's Service and its DestinationRule (Istio gateways only)."""

    def __init__(self, name: str, route: Route, *, namespace: str, labels: dict[str, str], opts: pulumi.ResourceOptions | None = None):
        super().__init__("hangar:routing:FailoverBackend", name, None, opts)
        assert route.failover is not None
        child = pulumi.ResourceOptions(parent=self)
        service = failover_service(route)
        metadata = {"name": service, "namespace": namespace, "labels": labels}
        # The port's `appProtocol: http` tells Istio the protocol (pkg/config/kube/conversion.go at 1.29.6), as the servers' own Services do.
        port = {"name": PORT_NAME, "port": PORT, "targetPort": PORT_NAME, "protocol": "TCP", "appProtocol": "http"}
        self.service = k8s.core.v1.Service(
            service, metadata=metadata, spec={"type": "ClusterIP", "selector": {member_label(route): MEMBER}, "ports": [port]}, opts=child
        )
        policy = {
            "loadBalancer": {"localityLbSetting": {"enabled": True, "failoverPriority": failover_priority(route)}},
            "outlierDetection": outlier_detection(route.failover.outlier_detection),
        }
        self.rule = k8s.apiextensions.CustomResource(
            f"{name}-destination-rule",
            api_version="networking.istio.io/v1",
            kind="DestinationRule",
            metadata=metadata,
            spec={"host": failover_host(route, namespace), "trafficPolicy": policy},
            opts=child,
        )
        self.register_outputs({"service": service, "host": failover_host(route, namespace), "failover_priority": failover_priority(route)})
