"""The endpoint picker on the real path (issue 15): TLS to the picker as the Inference Extension's chart does it, and
what the GKE gateway's load balancer must reach through the NetworkPolicies.

The `inferencepool` chart at v1.5.0 (config/charts/inferencepool/templates/istio.yaml and
config/charts/epplib/templates/_service.yaml) renders, for a release `<pool>` in namespace `<ns>` with
`provider.name=istio`, a DestinationRule `<pool>-epp` whose spec is `{host: <pool>-epp.<ns>.svc.cluster.local,
trafficPolicy: {tls: {mode: SIMPLE, insecureSkipVerify: true}}}` (no connectionPool unless given), and a Service
`<pool>-epp` with the ports `grpc-ext-proc` 9002/TCP and `http-metrics` 9090/TCP and no appProtocol; with
`provider.name=gke` no DestinationRule. `CHART_*` below are those objects, written out from the templates; the
tests compare Hangar's planned objects with them. Google's regional internal Application Load Balancer (behind
`gke-l7-rilb`) sends its requests from the proxy-only subnet and its health checks from 35.191.0.0/16 and
130.211.0.0/22 (https://cloud.google.com/load-balancing/docs/firewall-rules, read 2026-12-01); the tests follow
single addresses through the planned NetworkPolicies with Kubernetes' own semantics (rules, peers and ports OR'd).
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hangar.components.routing_pool import EXT_PROC_PORT, GOOGLE_HEALTH_CHECK_RANGES, METRICS_PORT
from hangar.components.serving_pod import PORT

from tests.serving_plans import of_kind, planned, the

CHART_SERVICE_PORTS = [
    {"name": "grpc-ext-proc", "protocol": "TCP", "port": 9002},
    {"name": "http-metrics", "protocol": "TCP", "port": 9090},
]
CHART_ISTIO_TRAFFIC_POLICY = {"tls": {"mode": "SIMPLE", "insecureSkipVerify": True}}
ROUTED = {"aws": ("qwen-small", "qwen-large"), "onprem": ("llama-8b", "llama-canary"), "gke": ("qwen-small", "qwen-7b")}
PROXY_ONLY = "10.129.0.0/23"  # the gke() test environment's gateway.proxy_only_cidr


def admitted(policy: dict[str, Any], address: str, port: int) -> bool:
    """Whether an ingress NetworkPolicy admits a connection from `address` (outside the cluster's pods) to `port`."""
    source = ipaddress.ip_address(address)

    def from_block(peer: dict[str, Any]) -> bool:
        block = peer.get("ipBlock")
        if block is None:
            return False
        inside = source in ipaddress.ip_network(block["cidr"])
        return inside and not any(source in ipaddress.ip_network(e) for e in block.get("except", []))

    def on_port(rule: dict[str, Any]) -> bool:
        return "ports" not in rule or any(p.get("port") == port and p.get("protocol", "TCP") == "TCP" for p in rule["ports"])

    return any(on_port(rule) and ("from" not in rule or any(from_block(peer) for peer in rule["from"])) for rule in policy["spec"].get("ingress", []))


@pytest.mark.parametrize("target", ["aws", "onprem"])
def test_on_istio_the_gateway_calls_each_picker_over_tls_as_the_chart_does(target):
    plan = planned(target)
    rules = {rule["metadata"]["name"]: rule for rule in of_kind(plan, "DestinationRule")}
    for pool in ROUTED[target]:
        picker = the(plan, "Service", f"{pool}-epp")
        namespace = picker["metadata"]["namespace"]
        assert the(plan, "InferencePool", pool)["spec"]["endpointPickerRef"]["name"] == picker["metadata"]["name"]
        rule = rules[f"{pool}-epp"]
        assert rule["metadata"]["namespace"] == namespace
        # The host is the picker Service's own: Istio's ext_proc cluster is outbound|9002||<that host>.
        assert rule["spec"] == {"host": f"{pool}-epp.{namespace}.svc.cluster.local", "trafficPolicy": CHART_ISTIO_TRAFFIC_POLICY}


@pytest.mark.parametrize("target", ["aws", "onprem", "gke"])
def test_the_picker_service_declares_no_cleartext_protocol_on_its_tls_port(target):
    plan = planned(target)
    for pool in ROUTED[target]:
        ports = the(plan, "Service", f"{pool}-epp")["spec"]["ports"]
        assert not [p for p in ports if "appProtocol" in p], ports
        # The chart's ports, each pointing at the container port of the same number.
        assert [{k: p[k] for k in ("name", "protocol", "port")} for p in ports] == CHART_SERVICE_PORTS
        assert [p["targetPort"] for p in ports] == [EXT_PROC_PORT, METRICS_PORT]


def test_on_gke_no_destination_rule_is_written_for_a_picker():
    plan = planned("gke")
    assert not [r for r in of_kind(plan, "DestinationRule") if r["metadata"]["name"].endswith("-epp")]


@pytest.mark.parametrize("address", ["10.129.0.7", "35.191.4.9", "130.211.2.1"])
def test_on_gke_the_load_balancers_proxies_and_health_checks_reach_the_servers_api_port(address):
    plan = planned("gke")
    for pool in ROUTED["gke"]:
        policy = the(plan, "NetworkPolicy", pool)
        assert admitted(policy, address, PORT)
        assert not admitted(policy, address, EXT_PROC_PORT)


@pytest.mark.parametrize("address", ["10.129.0.7", "35.191.4.9", "130.211.2.1"])
def test_on_gke_the_load_balancers_proxies_and_health_checks_reach_the_pickers_ext_proc_port_only(address):
    plan = planned("gke")
    for pool in ROUTED["gke"]:
        policy = the(plan, "NetworkPolicy", f"{pool}-epp")
        assert admitted(policy, address, EXT_PROC_PORT)
        assert not admitted(policy, address, METRICS_PORT) and not admitted(policy, address, PORT)


@pytest.mark.parametrize("address", ["10.128.0.5", "10.131.0.1", "130.211.4.1", "8.8.8.8"])
def test_on_gke_other_addresses_in_and_outside_the_vpc_stay_out(address):
    # 10.128.0.5: a node subnet address; 10.131.0.1: just past the proxy-only /23; 130.211.4.1: just past the /22.
    plan = planned("gke")
    for pool in ROUTED["gke"]:
        assert not admitted(the(plan, "NetworkPolicy", pool), address, PORT)
        assert not admitted(the(plan, "NetworkPolicy", f"{pool}-epp"), address, EXT_PROC_PORT)


def test_on_gke_the_health_check_ranges_are_googles_and_are_admitted_exactly():
    assert GOOGLE_HEALTH_CHECK_RANGES == ("35.191.0.0/16", "130.211.0.0/22")
    plan = planned("gke")
    blocks = {peer["ipBlock"]["cidr"] for rule in the(plan, "NetworkPolicy", "qwen-small-epp")["spec"]["ingress"] for peer in rule["from"]}
    assert blocks == {PROXY_ONLY, *GOOGLE_HEALTH_CHECK_RANGES}


@pytest.mark.parametrize("target", ["aws", "onprem"])
def test_on_istio_no_address_range_is_admitted_to_servers_or_pickers(target):
    # Istio's gateway runs as pods in the cluster, selected by label: Google's ranges have no business there.
    plan = planned(target)
    for pool in ROUTED[target]:
        for name in (pool, f"{pool}-epp"):
            peers = [peer for rule in the(plan, "NetworkPolicy", name)["spec"].get("ingress", []) for peer in rule.get("from", [])]
            assert not [peer for peer in peers if "ipBlock" in peer], (name, peers)
            assert not admitted(the(plan, "NetworkPolicy", name), "35.191.4.9", PORT)
