"""Scale from zero: the signal that wakes a batch deployment whose replicas are all gone.

At zero replicas vLLM exports nothing, so no engine metric can say that work waits. The signal
comes from the KEDA HTTP add-on (pinned: `hangar.components.serving_environment.HTTP_ADD_ON_CHART`): its
interceptor proxies the deployment's requests, counts those in flight, holds them while no replica
is ready, and its external scaler reports that count to KEDA, which wakes the workload (activation)
and scales it like any other trigger. Per deployment that scales to zero, Hangar renders:

* an `InterceptorRoute` (http.keda.sh/v1beta1) `<name>`: requests whose Host is `<name>-proxy`
  (short or namespaced) go to the Service `<name>` on the API port, one full batch
  (`max_num_seqs` concurrent requests) per replica, and a held request waits as long as a replica
  takes to start (the startup probe's budget) before the interceptor gives up;
* a Service `<name>-proxy` of type ExternalName pointing at the interceptor's proxy Service
  (`keda-add-ons-http-interceptor-proxy.keda`, port 8080): callers use
  `http://<name>-proxy.<namespace>:8080` instead of the server's own Service;
* an `external-push` trigger on the deployment's ScaledObject (scaler
  `keda-add-ons-http-external-scaler.keda:9090`), beside its Prometheus trigger;
* the interceptor's pods admitted by the server's NetworkPolicy.

Sources (KEDA HTTP add-on 0.15 docs, kedacore/keda-docs content/http-add-on/0.15, commit a55c5d34, read
2026-12-01): user-guide/autoscale-an-app.md (InterceptorRoute, the ScaledObject's external-push
trigger with `scalerAddress` and `interceptorRoute`, the ExternalName Service for in-cluster
callers), concepts/scaling.md (cold starts: the interceptor holds the request until a replica is
ready), user-guide/configure-timeouts.md (`readiness`; `0s` disables a timeout); kedacore/charts
http-add-on at commit c4b92e9eed0ddc6668b1395d5f137e3ad4baa3d4 (the interceptor pods'
`app.kubernetes.io/component: interceptor` and `app.kubernetes.io/name: http-add-on`, the
`interceptor-proxy` Service on 8080, the `external-scaler` Service on 9090, `images.*`).
"""

from __future__ import annotations

import math
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from hangar.components.metrics import Scraper

from hangar.spec import ModelDeployment

HTTP_ADD_ON_NAMESPACE = "keda"
INTERCEPTOR = Scraper(HTTP_ADD_ON_NAMESPACE, {"app.kubernetes.io/component": "interceptor", "app.kubernetes.io/name": "http-add-on"})
"""The interceptor's pods: they call the model server, so its NetworkPolicy admits them."""
PROXY_SERVICE = f"keda-add-ons-http-interceptor-proxy.{HTTP_ADD_ON_NAMESPACE}.svc.cluster.local"
PROXY_PORT = 8080
SCALER_ADDRESS = f"keda-add-ons-http-external-scaler.{HTTP_ADD_ON_NAMESPACE}:9090"
HTTP_ADD_ON_IMAGES = {"operator": "kedacore/http-add-on-operator", "interceptor": "kedacore/http-add-on-interceptor", "scaler": "kedacore/http-add-on-scaler"}
"""The chart's `images.<component>` (upstream registry ghcr.io), for a registry mirror."""


def proxy_name(name: str) -> str:
    return f"{name}-proxy"


def activation_trigger(name: str) -> dict[str, Any]:
    """The ScaledObject trigger that reports the interceptor's requests for this deployment (and so wakes it from zero)."""
    return {"type": "external-push", "name": "http-requests", "metadata": {"scalerAddress": SCALER_ADDRESS, "interceptorRoute": name}}


class HttpActivation(pulumi.ComponentResource):
    """`hangar:serving:HttpActivation`: the InterceptorRoute and the `<name>-proxy` Service that let requests wake a deployment at zero.

    `port` is the server Service's API port; `per_replica` the concurrent requests one replica takes
    (a full batch); `startup_seconds` how long a held request may wait for the first replica.
    Exposes `trigger` (for the ScaledObject) and `route` (what the ScaledObject must follow).
    """

    def __init__(self, name: str, deployment: ModelDeployment, *, namespace: str, labels: dict[str, str], annotations: dict[str, str],
                 port: int, startup_seconds: int, depends_on: list[pulumi.Resource], opts: pulumi.ResourceOptions | None = None):  # fmt: skip
        super().__init__("hangar:serving:HttpActivation", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, depends_on=depends_on)
        proxy = proxy_name(name)
        metadata = {"namespace": namespace, "labels": labels, "annotations": annotations}
        self.route = k8s.apiextensions.CustomResource(
            f"{name}-route",
            api_version="http.keda.sh/v1beta1",
            kind="InterceptorRoute",
            metadata={"name": name, **metadata},
            spec={
                "target": {"service": name, "port": port},
                "rules": [{"hosts": [proxy, f"{proxy}.{namespace}", f"{proxy}.{namespace}.svc", f"{proxy}.{namespace}.svc.cluster.local"]}],
                # a replica batches max_num_seqs in each of its data_parallel engines
                "scalingMetric": {"concurrency": {"targetValue": max(1, math.floor(deployment.max_concurrent_sequences * deployment.data_parallel))}},
                # A held request waits for the first replica to load its weights; once forwarded, the batch
                # client's own deadline governs (a long generation must not be cut by the proxy).
                "timeouts": {"readiness": f"{startup_seconds}s", "request": "0s", "responseHeader": "0s"},
            },
            opts=child,
        )
        k8s.core.v1.Service(
            proxy,
            metadata={"name": proxy, **metadata},
            spec={"type": "ExternalName", "externalName": PROXY_SERVICE, "ports": [{"name": "http", "port": PROXY_PORT, "protocol": "TCP"}]},
            opts=child,
        )
        self.trigger = activation_trigger(name)
        self.register_outputs({"proxy": f"http://{proxy}.{namespace}:{PROXY_PORT}"})
