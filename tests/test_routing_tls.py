"""TLS on the inference gateway (issue 15): the HTTPS listener per target, the Istio proxies' port, and the config errors."""

from __future__ import annotations

import pytest
from hangar.components.routing import GKE_CERTIFICATE_OPTION

from tests.kube_schemas import problems
from tests.serving_plans import AWS_HEADER, aws, gke, plan_environment, refused, the


def listener(plan) -> dict:
    gateway = the(plan, "Gateway")
    assert not problems(gateway, "1.35"), problems(gateway, "1.35")
    (only,) = gateway["spec"]["listeners"]
    return only


def test_on_istio_the_gateway_terminates_tls_on_443_with_the_named_secret_and_its_proxies_admit_only_that_port():
    raw = aws(AWS_HEADER)
    raw["gateway"]["tls"] = {"secret": "chat-example-com"}
    plan = plan_environment(raw)
    assert listener(plan) == {
        "name": "https",
        "port": 443,
        "protocol": "HTTPS",
        "tls": {"mode": "Terminate", "certificateRefs": [{"group": "", "kind": "Secret", "name": "chat-example-com"}]},
        "allowedRoutes": {"namespaces": {"from": "Same"}},
    }
    gateway = the(plan, "Gateway")
    (rule,) = the(plan, "NetworkPolicy", f"{gateway['metadata']['name']}-proxy")["spec"]["ingress"]
    assert [port["port"] for port in rule["ports"]] == [443, 15021]  # the listener and Istio's status port; no plain 80


def test_on_gke_the_listener_takes_a_regional_certificate_manager_certificate_or_a_secret():
    plan = plan_environment(gke(tls={"gcp_certificate": "chat-internal"}))
    assert listener(plan)["tls"] == {"mode": "Terminate", "options": {GKE_CERTIFICATE_OPTION: "chat-internal"}}
    assert GKE_CERTIFICATE_OPTION == "networking.gke.io/cert-manager-certs"
    assert (listener(plan)["protocol"], listener(plan)["port"]) == ("HTTPS", 443)
    plan = plan_environment(gke(tls={"secret": "chat-tls"}))
    assert listener(plan)["tls"]["certificateRefs"] == [{"group": "", "kind": "Secret", "name": "chat-tls"}]


@pytest.mark.parametrize("tls, key, words", [
    ({}, "gateway.tls.secret", "give exactly one of secret"),
    ({"secret": "a", "gcp_certificate": "b"}, "gateway.tls.secret", "give exactly one of secret"),
    ({"secret": "Chat_TLS"}, "gateway.tls.secret", "should match pattern"),
    ({"gcp_certificate": "9chat"}, "gateway.tls.gcp_certificate", "should match pattern"),
])  # fmt: skip
def test_a_tls_block_naming_no_certificate_two_or_a_malformed_one_is_refused(tls, key, words):
    message = refused(gke(tls=tls))
    assert key in message and words in message, message


def test_a_certificate_manager_certificate_off_gcp_is_refused_pointing_to_a_secret():
    raw = aws(AWS_HEADER)
    raw["gateway"]["tls"] = {"gcp_certificate": "chat-internal"}
    message = refused(raw)
    assert "gateway.tls.gcp_certificate" in message and "only for a gcp cluster" in message and "tls.secret" in message


def test_a_public_gateway_in_prod_needs_tls_and_passes_with_it():
    raw = gke(scope="public", auth="api-key")
    raw["tier"] = "prod"
    for deployment in raw["deployments"]:
        deployment["exposure"] = {**deployment.get("exposure", {}), "auth": "api-key"}
    message = refused(raw)
    assert "gateway.tls" in message and "clear text" in message, message
    raw["gateway"]["tls"] = {"gcp_certificate": "chat-public"}
    assert "gateway.tls" not in refused_or_none(raw)


def refused_or_none(raw) -> str:
    """The problems a config still has, or '' when it is accepted."""
    try:
        return refused(raw)
    except pytest.fail.Exception:
        return ""
