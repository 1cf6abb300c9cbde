"""Several routes on one GKE gateway (issue 15), told apart by the model a request names through Body-Based Routing.

GKE's gateway rewrites no paths, so every route there matches the root; with more than one route Hangar runs the
Inference Extension's BBR behind a GCPRoutingExtension, and every rule of every route also matches
`X-Gateway-Model-Name: <route>` (`hangar.components.routing_gke` cites Google's and the Extension's sources).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from hangar.components.routing_gke import MODEL_HEADER
from hangar.components.serving_lora_routing import BBR_IMAGE, BBR_NAME, BBR_PORT
from hangar.policies.rules import POLICIES, evaluate, load_pack_config
from hangar.policies.rules.config import pack_config_for
from hangar.policies.rules.routing import ROUTING
from hangar.policies.rules.routing_gke import ROUTING_EXTENSION

from hangar.cost.routes import gateway_note
from hangar.records import ResourceRecord
from hangar.render import manifest
from hangar.stackfile import environment_from_config
from tests.conftest import AWS_ENVIRONMENT
from tests.lora_plans import SQL
from tests.pack_agreement import offline_verdicts, pack_verdicts
from tests.serving_plans import gke, kube_records, of_kind, plan_environment, raw_environment, schema_failures, server_container, server_of

ROOT_PATH = {"type": "PathPrefix", "value": "/"}


def two_routes(**extra: Any) -> dict[str, Any]:
    """gke-chat with a second route, `big`, straight to the 32B deployment (which also takes 30 % of `chat`)."""
    raw = raw_environment("gke-chat")
    raw["routes"].append({"name": "big", "deployment": "qwen-32b", **extra})
    return raw


@functools.cache
def planned(variant: str = "two"):
    raw = two_routes()
    if variant == "header":  # a third route, small-first by a request header
        raw["routes"].append({"name": "triage", "small_first": {"small": "qwen-8b", "large": "qwen-32b", "header": {"name": "x-request-class", "value": "easy"}}})
    if variant == "one":
        raw = raw_environment("gke-chat")
    return plan_environment(raw)


def http_routes(plan) -> dict[str, dict[str, Any]]:
    return {m["metadata"]["name"]: m for m in of_kind(plan, "HTTPRoute")}


def named(plan, kind: str, name: str) -> list[dict[str, Any]]:
    return [m for m in of_kind(plan, kind) if m["metadata"]["name"] == name]


def test_a_second_route_on_a_gke_gateway_plans_and_every_object_validates():
    environment = environment_from_config(two_routes(), "Pulumi.test.yaml")
    assert [route.name for route in environment.routes] == ["chat", "big"]
    failures = schema_failures(planned())
    assert not failures, "\n".join(failures)


def test_each_route_matches_its_own_name_as_the_model_at_the_root():
    routes = http_routes(planned())
    assert sorted(routes) == ["big", "chat"]
    (chat,) = routes["chat"]["spec"]["rules"]
    assert chat["matches"] == [{"path": ROOT_PATH, "headers": [{"type": "Exact", "name": MODEL_HEADER, "value": "chat"}]}]
    assert "filters" not in chat  # GKE rewrites no paths
    assert [(ref["name"], ref["weight"]) for ref in chat["backendRefs"]] == [("qwen-8b", 700), ("qwen-32b", 300)]
    (big,) = routes["big"]["spec"]["rules"]
    assert big["matches"] == [{"path": ROOT_PATH, "headers": [{"type": "Exact", "name": MODEL_HEADER, "value": "big"}]}]
    assert [ref["name"] for ref in big["backendRefs"]] == ["qwen-32b"]
    # The 32B deployment behind both routes has one pool and one picker, and answers to both route names.
    assert sorted(m["metadata"]["name"] for m in of_kind(planned(), "InferencePool")) == ["qwen-32b", "qwen-8b"]
    args = server_container(server_of(planned(), "qwen-32b"))["args"]
    served = args[args.index("--served-model-name") + 1 :]
    assert served[:3] == ["Qwen/Qwen3-32B", "chat", "big"], args


def test_a_header_rule_keeps_one_header_more_than_its_catch_all_so_it_still_wins():
    triage = http_routes(planned("header"))["triage"]["spec"]["rules"]
    model = {"type": "Exact", "name": MODEL_HEADER, "value": "triage"}
    assert [rule["matches"] for rule in triage] == [
        [{"path": ROOT_PATH, "headers": [model, {"type": "Exact", "name": "x-request-class", "value": "easy"}]}],
        [{"path": ROOT_PATH, "headers": [model]}],
    ]
    assert [[ref["name"] for ref in rule["backendRefs"]] for rule in triage] == [["qwen-8b"], ["qwen-32b"]]


def test_bbr_runs_on_the_system_pool_and_gkes_gateway_calls_it_with_the_request_body():
    plan = planned()
    (deployment,) = named(plan, "Deployment", BBR_NAME)
    pod = deployment["spec"]["template"]["spec"]
    assert pod["containers"][0]["image"] == BBR_IMAGE and pod["nodeSelector"] == {"hangar.dev/pool": "system"}
    assert deployment["spec"]["replicas"] == 1 and "resources" not in pod["containers"][0]
    (extension,) = named(plan, "GCPRoutingExtension", BBR_NAME)
    assert extension["spec"]["targetRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gke-chat-gateway"}]
    (call,) = extension["spec"]["extensionChains"][0]["extensions"]
    assert "RequestBody" in call["supportedEvents"] and call["backendRef"]["port"] == BBR_PORT
    assert named(plan, "HealthCheckPolicy", BBR_NAME)
    # No adapters behind the routes: no adapter maps, no adapter routes.
    assert not [m for m in of_kind(plan, "ConfigMap") if m["metadata"]["name"].endswith("-adapters")]
    assert not [name for name in http_routes(plan) if name.endswith("-adapters")]


def test_one_route_on_gke_needs_no_bbr_and_matches_every_request():
    plan = planned("one")
    (chat,) = http_routes(plan)["chat"]["spec"]["rules"]
    assert chat["matches"] == [{"path": ROOT_PATH}]
    assert not named(plan, "Deployment", BBR_NAME) and not of_kind(plan, "GCPRoutingExtension")


def test_istio_routes_keep_their_prefixes_and_need_no_bbr():
    raw = copy.deepcopy(AWS_ENVIRONMENT)
    raw["deployments"] = [{"name": "qwen-small", "model": "Qwen/Qwen2.5-7B-Instruct", "pool": "l4", "autoscaling": {"min_replicas": 1, "max_replicas": 1}}]
    raw["gateway"] = {}
    raw["routes"] = [{"name": "small", "deployment": "qwen-small"}, {"name": "also", "deployment": "qwen-small"}]
    plan = plan_environment(raw)
    assert [rule["matches"] for name in ("small", "also") for rule in http_routes(plan)[name]["spec"]["rules"]] == [
        [{"path": {"type": "PathPrefix", "value": "/small"}}],
        [{"path": {"type": "PathPrefix", "value": "/also"}}],
    ]
    assert not named(plan, "Deployment", BBR_NAME)


def test_the_cost_note_names_bbrs_pod_beside_the_pickers_only_where_it_runs():
    two = gateway_note(environment_from_config(two_routes(), "Pulumi.test.yaml"))
    assert "4 endpoint picker(s) (2 per pool, one active) request 4 CPU and 8 GiB in all on the system pool, priced above with it" in two
    assert ("; Body-Based Routing runs 1 pod there too, requesting no CPU or memory (the Inference Extension's chart sets no resources "
            "for it, nor does Hangar); the gateway's load balancer is not priced") in two  # fmt: skip
    one = gateway_note(environment_from_config(raw_environment("gke-chat"), "Pulumi.test.yaml"))
    assert "Body-Based Routing" not in one


def routing_messages(records: list[ResourceRecord] | tuple[ResourceRecord, ...]) -> list[str]:
    configs = {policy.name: policy.config_model() for policy in POLICIES}
    return [v.message for v in evaluate(list(records), configs) if v.policy == ROUTING]


def body_messages(records: list[ResourceRecord] | tuple[ResourceRecord, ...]) -> list[str]:
    return [m for m in routing_messages(records) if "Body-Based Routing" in m]


def without_bbr_call(records: tuple[ResourceRecord, ...], change: str) -> list[ResourceRecord]:
    """The records with the routing extension gone, or calling BBR without the request body."""
    out = []
    for record in records:
        if record.type == ROUTING_EXTENSION:
            if change == "drop":
                continue
            inputs = copy.deepcopy(record.inputs)
            for chain in inputs["spec"]["extensionChains"]:
                for item in chain["extensions"]:
                    item["supportedEvents"] = ["RequestHeaders"]
            record = ResourceRecord(**{**record.__dict__, "inputs": inputs})
        out.append(record)
    return out


def test_hangar_routing_refuses_model_matched_routes_on_gke_that_nothing_calls_bbr_for():
    records = tuple(planned().resources)
    assert body_messages(records) == []
    adapters = gke()  # one route whose deployment serves an adapter BBR maps: its extension is there too
    adapters["deployments"][0]["lora"] = {"adapters": [copy.deepcopy(SQL)]}
    assert body_messages(tuple(plan_environment(adapters).resources)) == []
    expected = [
        f"HTTPRoute gke-chat/{name} matches {MODEL_HEADER} behind Gateway gke-chat/gke-chat-gateway (class gke-l7-rilb), and no "
        "GCPRoutingExtension on that Gateway calls Body-Based Routing with the request body (a Service of this stack selecting pods "
        "of the Inference Extension's bbr image): nothing sets the header from the request's model, so these rules match no request"
        for name in ("chat", "big")
    ]
    dropped = without_bbr_call(records, "drop")
    assert sorted(body_messages(dropped)) == sorted(expected)
    assert sorted(body_messages(without_bbr_call(records, "headers only"))) == sorted(expected)
    # The same verdicts from the pack over gRPC, as `pulumi preview --policy-pack` runs it.
    environment = environment_from_config(two_routes(), "Pulumi.test.yaml")
    configs = load_pack_config(pack_config_for(environment), "test")
    offline = offline_verdicts(dropped, configs, ROUTING)
    assert pack_verdicts(dropped, configs, ROUTING) == offline


def test_bbr_is_counted_among_the_pods_on_the_system_pool():
    raw = two_routes()
    raw["gateway"]["picker_cpu"] = 3  # four pickers of 3 CPU: each fits an e2-standard-4, all four do not fit the three of them
    messages = [m for m in routing_messages(tuple(plan_environment(raw).resources)) if m.startswith("the pods that select pool system")]
    (message,) = messages
    assert f"Deployment gke-chat/{BBR_NAME} x1" in message, message


def test_hangar_render_writes_the_model_header_match():
    route = next(manifest(r) for r in kube_records(planned()) if r.type.endswith(":HTTPRoute") and r.inputs["metadata"]["name"] == "big")
    assert route["spec"]["rules"][0]["matches"] == [{"path": ROOT_PATH, "headers": [{"type": "Exact", "name": "X-Gateway-Model-Name", "value": "big"}]}]
