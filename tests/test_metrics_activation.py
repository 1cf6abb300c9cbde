"""Scale from zero: requests sent through the KEDA HTTP add-on's interceptor wake a batch deployment at zero replicas.

The Prometheus trigger cannot (no replica, no engine metrics: tests/test_promql.py shows the query
is empty at zero); the HTTP add-on's interceptor counts and holds the requests that arrive, and its
external scaler reports them on the same ScaledObject.
"""

from __future__ import annotations

from hangar.components.metrics_activation import INTERCEPTOR, PROXY_SERVICE, SCALER_ADDRESS
from hangar.components.serving_environment import HTTP_ADD_ON_CHART
from hangar.components.serving_pod import PORT

from tests.serving_plans import example_plan, of_kind, plan_environment, raw_environment

RELEASE = "kubernetes:helm.sh/v3:Release"


def the(plan, kind: str, name: str):
    (found,) = [d for d in of_kind(plan, kind) if d["metadata"]["name"] == name]
    return found


def test_a_batch_deployment_at_zero_is_woken_by_requests_through_the_interceptor():
    plan = example_plan("gke-dev")
    (release,) = [r.inputs for r in plan if r.type == RELEASE and r.inputs["chart"] == "keda-add-ons-http"]
    assert (release["version"], release["namespace"]) == (HTTP_ADD_ON_CHART.version, "keda") == ("0.15.0", "keda")
    assert release["values"]["interceptor"]["nodeSelector"] == {"hangar.dev/pool": "system"}
    route = the(plan, "InterceptorRoute", "qwen-7b")
    assert route["metadata"]["namespace"] == "gke-dev"
    assert route["spec"]["target"] == {"service": "qwen-7b", "port": PORT}
    assert "qwen-7b-proxy.gke-dev" in route["spec"]["rules"][0]["hosts"] and "qwen-7b-proxy" in route["spec"]["rules"][0]["hosts"]
    assert route["spec"]["scalingMetric"] == {"concurrency": {"targetValue": 8}}  # one full batch per replica, as the queue-depth trigger
    # a held request waits as long as the first replica may take to start: the startup probe's budget
    (workload,) = of_kind(plan, "StatefulSet")
    probe = workload["spec"]["template"]["spec"]["containers"][0]["startupProbe"]
    budget = probe.get("initialDelaySeconds", 0) + probe["periodSeconds"] * probe["failureThreshold"]
    assert route["spec"]["timeouts"] == {"readiness": f"{budget}s", "request": "0s", "responseHeader": "0s"}
    proxy = the(plan, "Service", "qwen-7b-proxy")
    assert proxy["spec"] == {"type": "ExternalName", "externalName": PROXY_SERVICE, "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}
    assert PROXY_SERVICE == "keda-add-ons-http-interceptor-proxy.keda.svc.cluster.local"
    scaled = the(plan, "ScaledObject", "qwen-7b")
    assert scaled["spec"]["minReplicaCount"] == 0
    wake = [t for t in scaled["spec"]["triggers"] if t["type"] == "external-push"]
    assert wake == [{"type": "external-push", "name": "http-requests", "metadata": {"scalerAddress": SCALER_ADDRESS, "interceptorRoute": "qwen-7b"}}]
    assert SCALER_ADDRESS == "keda-add-ons-http-external-scaler.keda:9090"
    # the interceptor calls the server: its pods are admitted, and nothing else of the keda namespace
    (policy,) = [p for p in of_kind(plan, "NetworkPolicy") if p["metadata"]["name"] == "qwen-7b"]
    callers = policy["spec"]["ingress"][0]["from"]
    assert INTERCEPTOR.peer() in callers
    assert INTERCEPTOR.peer()["podSelector"]["matchLabels"] == {"app.kubernetes.io/component": "interceptor", "app.kubernetes.io/name": "http-add-on"}
    # and the plan says how callers must reach it
    assert any("only requests sent through http://qwen-7b-proxy.gke-dev:8080" in w for w in plan.warnings)


def test_the_scaled_object_waits_for_its_route_and_the_add_on_for_keda():
    plan = example_plan("gke-dev")
    (scaled,) = [r for r in plan if r.inputs.get("kind") == "ScaledObject"]
    (route,) = [r for r in plan if r.inputs.get("kind") == "InterceptorRoute"]
    assert route.urn in scaled.dependencies
    releases = {r.inputs["chart"]: r for r in plan if r.type == RELEASE}
    assert releases["keda"].urn in releases["keda-add-ons-http"].dependencies  # its chart holds a ScaledObject: KEDA's CRDs first


def test_deployments_that_never_reach_zero_get_no_interceptor():
    for stack in ("eks-prod", "onprem", "aks-staging"):
        plan = example_plan(stack)
        assert not of_kind(plan, "InterceptorRoute") and not [r for r in plan if r.type == RELEASE and r.inputs["chart"] == "keda-add-ons-http"]
        (scaled,) = of_kind(plan, "ScaledObject")
        assert [t["type"] for t in scaled["spec"]["triggers"]] == ["prometheus"]
        (policy,) = [p for p in of_kind(plan, "NetworkPolicy") if p["metadata"]["name"] == scaled["metadata"]["name"]]
        assert INTERCEPTOR.peer() not in policy["spec"]["ingress"][0]["from"]


def test_an_air_gapped_site_takes_the_add_on_from_its_mirror_and_an_existing_keda_is_told_what_it_needs():
    environment = raw_environment("onprem")
    environment["clusters"][0].update(air_gapped=True, registry_mirror="registry.dc1.internal:5000/mirror", chart_repository="https://charts.dc1.internal/hangar")
    environment["deployments"][0].update(latency_class="batch", autoscaling={"min_replicas": 0, "max_replicas": 8})
    environment["deployments"][0]["weights"] = {"source": "volume", "claim": "llama-weights"}  # no Hub on an air-gapped site
    plan = plan_environment(environment)
    (release,) = [r.inputs for r in plan if r.type == RELEASE and r.inputs["chart"] == "keda-add-ons-http"]
    assert release["repositoryOpts"] == {"repo": "https://charts.dc1.internal/hangar"}
    assert release["values"]["images"] == {
        "operator": "registry.dc1.internal:5000/mirror/kedacore/http-add-on-operator",
        "interceptor": "registry.dc1.internal:5000/mirror/kedacore/http-add-on-interceptor",
        "scaler": "registry.dc1.internal:5000/mirror/kedacore/http-add-on-scaler",
    }
    environment["clusters"][0]["replica_autoscaler"] = "keda-existing"
    plan = plan_environment(environment)
    assert not [r for r in plan if r.type == RELEASE and r.inputs["chart"] in ("keda", "keda-add-ons-http")]
    assert of_kind(plan, "InterceptorRoute")
    assert any("must run the KEDA HTTP add-on 0.15.0 in namespace keda" in w for w in plan.warnings)
