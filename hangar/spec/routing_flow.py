"""The endpoint pickers' Flow Control layer: requests queue in the picker, by priority, while the pool is saturated.

Without it (the Inference Extension's default, and Hangar's before `gateway.flow_control`), a picker that finds its
pool saturated rejects the requests of a class with a negative priority at once and passes every other request
straight to the servers, which queue it themselves in arrival order: a class's priority orders nothing. With it, the
picker holds every request in a queue per priority while the pool is saturated (as its default `utilization-detector`
judges the servers' waiting queues and KV-cache use) and dispatches the highest priority first, oldest first within it;
a request that waits longer than `queue_timeout_seconds` is answered 503, and one arriving when `max_queued_requests`
are already held is answered 429.

What Inference Extension v1.5.0 offers, and what it does not: flow control is the `flowControl` feature gate and the
`flowControl` block of the picker's EndpointPickerConfig (`maxBytes`, `maxRequests`, `defaultRequestTTL`,
`defaultPriorityBand`, `priorityBands`). A request's priority comes only from the InferenceObjective its
`x-gateway-inference-objective` header names; a request naming none gets priority 0, a constant of the picker
(`defaultPriority: 0` in pkg/epp/requestcontrol/director.go), so a route-level default priority cannot be set in this
version: a route's clients name a class, or get 0.

The queue counts within the route's request timeout: Hangar's HTTPRoutes on Istio allow a request 300 s in all, so a
request may queue at most 299 s of it (Istio 1.29.6 gives the picker's ext_proc stream 1000 s per message,
pilot/pkg/xds/filters/filters.go `InferencePoolExtProc`). On GKE the time Google's load balancer waits for the picker's
answer is not stated in any source read here, so flow control is refused there rather than guessed.

Sources: kubernetes-sigs/gateway-api-inference-extension tag v1.5.0 (commit df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849),
read 2026-12-02: site-src/guides/flow-control.md (enabling, the dispatch loop, the saturation detector),
site-src/guides/epp-configuration/config-text.md ("Flow Control Configuration": `fcfs-ordering-policy` by default;
"Saturation Detector Configuration": without the gate, sheddable requests are rejected when saturated), apix/config/v1alpha1/
endpointpickerconfig_types.go (`FeatureGates`, `FlowControlConfig`), pkg/epp/flowcontrol/config.go (`FeatureGate =
"flowControl"`), pkg/epp/requestcontrol/admission.go (TTL eviction: ServiceUnavailable; capacity: ResourceExhausted),
pkg/common/error/error.go (ResourceExhausted -> 429, ServiceUnavailable -> 503), apix/v1alpha2/inferenceobjective_types.go
(`priority` and `poolRef`, nothing else); istio/istio tag 1.29.6 (commit 7019d6d3608e4995e9a36d2977cfec3a341431cd).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from hangar.spec.base import SpecModel, problem

if TYPE_CHECKING:
    from hangar.spec.environment import Environment

ROUTE_TIMEOUT_SECONDS = 300
"""The request timeout of Hangar's HTTPRoutes on Istio (`hangar.components.routing`): queueing and answering, in all."""
GKE_FLOW_CONTROL_UNKNOWN = (
    "flow control holds requests in the endpoint picker while the pool is saturated, and how long GKE's load balancer waits "
    "for the picker's answer is not stated in any source read here (Istio waits up to 1000 s per message), so queued "
    "requests could fail at an unknown bound; leave flow_control out on GKE (classes with a negative priority are still "
    "shed when the pool is saturated)"
)


class FlowControl(SpecModel):
    """Queue requests in the endpoint pickers by priority while a pool is saturated (Inference Extension flow control)."""

    queue_timeout_seconds: int = Field(
        30,
        ge=1,
        lt=ROUTE_TIMEOUT_SECONDS,
        description="Longest a request waits in a picker's queue before it is answered 503 (the picker's defaultRequestTTL); "
        "under the route's 300 s request timeout, which the answer needs too.",
    )
    max_queued_requests: int | None = Field(
        None,
        ge=1,
        description="Most requests a picker holds queued, all priorities together (maxRequests); one more is answered 429 at once. "
        "Default: no count limit (the picker still holds at most 1 GB of request bodies per priority).",
    )

    def picker_settings(self) -> dict[str, Any]:
        """The EndpointPickerConfig's `flowControl` block."""
        settings: dict[str, Any] = {"defaultRequestTTL": f"{self.queue_timeout_seconds}s"}
        if self.max_queued_requests is not None:
            settings["maxRequests"] = self.max_queued_requests
        return settings


def flow_control_problems(environment: Environment, provider: str) -> list[dict[str, Any]]:
    """Flow control where the gateway's wait for the picker is unknown (GKE)."""
    gateway = environment.gateway
    if gateway is None or gateway.flow_control is None or provider != "gcp":
        return []
    return [problem("gateway.flow_control", GKE_FLOW_CONTROL_UNKNOWN, gateway.flow_control.model_dump())]
