"""HTTP to HTTPS on a TLS gateway (issue 15): `gateway.tls.redirect_http`, its listener, its HTTPRoute and who may reach it.
On Istio only: GKE's gateway claims no method-keeping redirect status, so there it is a config error (tests/test_routing_gke.py).

Each plan's Gateway and HTTPRoutes are validated strictly against the Gateway API v1.5.1 CRDs kept in schema/crds/.
"""

from __future__ import annotations

import copy
import functools

from hangar.components.routing import REDIRECT_STATUS
from hangar.policies.rules import POLICIES, evaluate
from hangar.policies.rules.routing import ROUTING

from tests.kube_schemas import problems
from tests.serving_plans import AWS_HEADER, aws, gke, of_kind, plan_environment, the


@functools.cache
def planned(target: str, redirect: bool = True):
    if target == "gke":
        raw = gke(tls={"gcp_certificate": "chat-internal", "redirect_http": redirect})
    else:
        raw = aws(AWS_HEADER)
        raw["gateway"]["tls"] = {"secret": "chat-example-com", "redirect_http": redirect}
    return plan_environment(raw)


def valid(document: dict) -> dict:
    assert not problems(document, "1.35"), problems(document, "1.35")
    return document


def test_with_redirect_the_gateway_also_listens_for_plain_http_on_80():
    for target in ("aws",):
        listeners = valid(the(planned(target), "Gateway"))["spec"]["listeners"]
        assert [(l["name"], l["port"], l["protocol"]) for l in listeners] == [("https", 443, "HTTPS"), ("http", 80, "HTTP")]
        assert "tls" not in listeners[1]


def test_the_redirect_route_answers_every_request_on_80_with_a_method_keeping_redirect_to_https():
    for target in ("aws",):
        plan = planned(target)
        gateway = the(plan, "Gateway")["metadata"]["name"]
        route = valid(the(plan, "HTTPRoute", f"{gateway}.http-redirect"))
        assert route["spec"] == {
            "parentRefs": [{"name": gateway, "sectionName": "http"}],
            "rules": [{"filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 308}}]}],
        }
    assert REDIRECT_STATUS == 308


def test_the_routes_attach_to_the_https_listener_only_so_nothing_is_served_in_clear_text():
    for target, redirect in (("gke", False), ("aws", True)):
        plan = planned(target, redirect)
        gateway = the(plan, "Gateway")["metadata"]["name"]
        chat = valid(the(plan, "HTTPRoute", "chat"))
        assert chat["spec"]["parentRefs"] == [{"name": gateway, "sectionName": "https"}]


def test_on_istio_the_gateway_pods_admit_port_80_only_with_the_redirect():
    def ports(plan) -> list[int]:
        gateway = the(plan, "Gateway")["metadata"]["name"]
        (rule,) = the(plan, "NetworkPolicy", f"{gateway}-proxy")["spec"]["ingress"]
        return [port["port"] for port in rule["ports"]]

    assert ports(planned("aws")) == [443, 80, 15021]
    assert ports(planned("aws", redirect=False)) == [443, 15021]


def test_without_redirect_there_is_no_http_listener_and_no_redirect_route():
    for target in ("gke", "aws"):
        plan = planned(target, redirect=False)
        assert [l["port"] for l in the(plan, "Gateway")["spec"]["listeners"]] == [443]
        assert [m["metadata"]["name"] for m in of_kind(plan, "HTTPRoute")] == ["chat"]


def test_the_crd_refuses_a_redirect_status_gateway_api_does_not_define():
    plan = planned("aws")
    gateway = the(plan, "Gateway")["metadata"]["name"]
    route = copy.deepcopy(the(plan, "HTTPRoute", f"{gateway}.http-redirect"))
    route["spec"]["rules"][0]["filters"][0]["requestRedirect"]["statusCode"] = 309
    assert problems(route, "1.35")


def test_hangar_routing_finds_nothing_wrong_with_a_route_that_only_redirects():
    configs = {policy.name: policy.config_model() for policy in POLICIES}
    assert [v.message for v in evaluate(planned("aws").resources, configs) if v.policy == ROUTING] == []
