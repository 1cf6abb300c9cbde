"""Request classes on a route (issue 15): InferenceObjectives, small-first by class, and what v1.5.0 cannot carry.

Each environment is planned under the mock runtime and every object it renders is validated strictly against
the CRD schemas kept in schema/crds/ (InferenceObjective at Inference Extension v1.5.0, HTTPRoute at Gateway API v1.5.1).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest
from hangar.components.routing import INFERENCE_CRDS
from hangar.components.routing_objectives import OBJECTIVE_CRD

from hangar.spec.routing_objectives import OBJECTIVE_HEADER
from hangar.stackfile import environment_from_config
from tests.kube_schemas import problems
from tests.registry_mirrors import gke_without_egress
from tests.serving_plans import aws, gke, of_kind, plan_environment, refused, schema_failures, the

CLASSES = [{"name": "interactive", "priority": 10}, {"name": "batch", "priority": -1}, {"name": "bulk", "priority": -5}]


def by_class(route: dict[str, Any], small: list[str]) -> dict[str, Any]:
    """`route` made a small-first route whose listed classes go to the small deployment."""
    route = copy.deepcopy(route)
    route["small_first"] = {key: value for key, value in route["small_first"].items() if key not in ("share", "header")} | {"objectives": small}
    route["objectives"] = copy.deepcopy(CLASSES)
    return route


def gke_classes() -> dict[str, Any]:
    raw = gke()
    raw["routes"][0] = by_class(raw["routes"][0], ["batch", "bulk"])
    return raw


def aws_classes() -> dict[str, Any]:
    base = aws({"name": "chat", "small_first": {"small": "qwen-small", "large": "qwen-large", "share": 0.5}})
    base["routes"][0] = by_class(base["routes"][0], ["bulk"])
    return base


@functools.cache
def planned(target: str):
    return plan_environment({"gke": gke_classes, "aws": aws_classes}[target]())


@pytest.mark.parametrize("target", ["gke", "aws"])
def test_every_object_of_a_route_with_classes_validates_against_its_schema(target):
    failures = schema_failures(planned(target))
    assert not failures, "\n".join(failures)


def test_each_class_becomes_an_inference_objective_naming_the_pool_its_requests_reach():
    found = {m["metadata"]["name"]: m for m in of_kind(planned("gke"), "InferenceObjective")}
    assert {name: (m["spec"]["priority"], m["spec"]["poolRef"]["name"]) for name, m in found.items()} == {
        "interactive": (10, "qwen-7b"),  # not listed: the large deployment
        "batch": (-1, "qwen-small"),
        "bulk": (-5, "qwen-small"),
    }
    for document in found.values():
        assert document["apiVersion"] == "inference.networking.x-k8s.io/v1alpha2"
        assert document["metadata"]["namespace"] == "gke-dev"
        assert document["spec"]["poolRef"]["group"] == "inference.networking.k8s.io" and document["spec"]["poolRef"]["kind"] == "InferencePool"


def test_the_route_sends_the_listed_classes_to_the_small_pool_by_the_objective_header_and_the_rest_to_the_large():
    small, rest = the(planned("gke"), "HTTPRoute", "chat")["spec"]["rules"]
    assert small["matches"] == [
        {"path": {"type": "PathPrefix", "value": "/"}, "headers": [{"type": "Exact", "name": "x-gateway-inference-objective", "value": name}]}
        for name in ("batch", "bulk")
    ]  # GKE: the route at the root
    assert [ref["name"] for ref in small["backendRefs"]] == ["qwen-small"]
    assert rest["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    assert [ref["name"] for ref in rest["backendRefs"]] == ["qwen-7b"]
    assert OBJECTIVE_HEADER == "x-gateway-inference-objective"


def test_the_crd_comes_from_the_tag_on_gke_and_with_the_extensions_manifests_elsewhere():
    gke_files = [r.inputs["file"] for r in planned("gke") if r.type == "kubernetes:yaml/v2:ConfigFile"]
    assert gke_files == [OBJECTIVE_CRD]
    assert OBJECTIVE_CRD.endswith("/v1.5.0/config/crd/bases/inference.networking.x-k8s.io_inferenceobjectives.yaml")
    aws_files = sorted(r.inputs["file"] for r in planned("aws") if r.type == "kubernetes:yaml/v2:ConfigFile")
    assert OBJECTIVE_CRD not in aws_files and INFERENCE_CRDS in aws_files
    assert {m["metadata"]["name"]: m["spec"]["poolRef"]["name"] for m in of_kind(planned("aws"), "InferenceObjective")} == {
        "interactive": "qwen-large",
        "batch": "qwen-large",
        "bulk": "qwen-small",
    }


def test_without_classes_no_objective_or_its_crd_is_built():
    plan = plan_environment(gke())
    assert not of_kind(plan, "InferenceObjective")
    assert not [r for r in plan if r.type == "kubernetes:yaml/v2:ConfigFile"]


def test_the_crd_schema_refuses_a_priority_that_is_not_an_integer_and_an_objective_without_a_pool():
    objective = next(iter(of_kind(planned("gke"), "InferenceObjective")))
    bad = copy.deepcopy(objective)
    bad["spec"]["priority"] = "high"
    assert problems(bad, "1.35")
    bad = copy.deepcopy(objective)
    del bad["spec"]["poolRef"]
    assert any("poolRef" in line for line in problems(bad, "1.35"))


# --- config errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("form, named", [
    ({"share": 0.7}, "small_first share"),
    ({"header": {"name": "x-request-class", "value": "easy"}}, "small_first header"),
])  # fmt: skip
def test_classes_on_a_route_spreading_requests_over_pools_are_refused_saying_why(form, named):
    raw = gke()
    raw["routes"][0]["small_first"] = {"small": "qwen-small", "large": "qwen-7b", **form}
    raw["routes"][0]["objectives"] = copy.deepcopy(CLASSES)
    message = refused(raw)
    assert "routes[0].objectives" in message and "InferenceObjective names one InferencePool" in message
    assert f"the deployments of a {named}" in message
    assert 'got ["interactive", "batch", "bulk"]' in message


def test_classes_on_a_split_are_refused_too():
    raw = gke()
    raw["routes"][0] = {"name": "chat", "split": [{"deployment": "qwen-7b", "weight": 9}, {"deployment": "qwen-small", "weight": 1}], "objectives": CLASSES}
    message = refused(raw)
    assert "routes[0].objectives" in message and "deployments of a split" in message


def test_a_listed_class_the_route_does_not_declare_is_refused_naming_its_classes():
    raw = gke_classes()
    raw["routes"][0]["small_first"]["objectives"] = ["batch", "cheap"]
    message = refused(raw)
    assert "routes[0].small_first.objectives[1]" in message and "'cheap'" in message and "['interactive', 'batch', 'bulk']" in message


def test_a_class_declared_by_two_routes_is_refused():
    raw = gke_classes()
    second = copy.deepcopy(raw["routes"][0])
    second["name"] = "chat-b"
    raw["routes"].append(second)
    message = refused(raw)
    assert "routes[1].objectives[0].name" in message and "already declared by route 'chat'" in message


@pytest.mark.parametrize("small_first, words", [
    ({"small": "qwen-small", "large": "qwen-7b", "share": 0.5, "objectives": ["batch"]}, "exactly one of share"),
    ({"small": "qwen-small", "large": "qwen-7b", "objectives": []}, "at least 1"),
])  # fmt: skip
def test_small_first_takes_exactly_one_way_to_pick_the_small_traffic(small_first, words):
    raw = gke_classes()
    raw["routes"][0]["small_first"] = small_first
    message = refused(raw)
    assert "small_first" in message and words in message, message


def test_a_priority_that_is_not_an_integer_is_refused_naming_the_key():
    raw = gke_classes()
    raw["routes"][0]["objectives"][0]["priority"] = 1.5
    assert "routes[0].objectives[0].priority" in refused(raw)


def test_classes_beside_lora_adapters_are_refused():
    raw = gke_classes()
    raw["deployments"][0]["lora"] = {
        "adapters": [{"name": "sql", "source": "org/sql-lora", "revision": "a" * 40, "licence": "apache-2.0", "rank": 8}]
    }
    message = refused(raw)
    assert "routes[0].objectives" in message and "serve LoRA adapters" in message


def test_classes_on_gke_without_egress_are_refused_and_allowed_with_it():
    raw = gke_without_egress()
    raw["routes"][0] = by_class(raw["routes"][0], ["batch"])
    message = refused(raw)
    assert "routes[0].objectives" in message and "no internet egress" in message
    environment_from_config(gke_classes(), "Pulumi.test.yaml")
