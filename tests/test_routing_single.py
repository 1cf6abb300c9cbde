"""A route with one deployment behind it (issue 15): one model behind the gateway, its LoRA adapters and its request classes too.

Each plan's objects are validated strictly against the Kubernetes schemas and the CRDs kept in schema/crds/.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest

from hangar.cost.routes import route_shares
from hangar.spec.routing import Route
from tests.lora_plans import SQL
from tests.serving_plans import aws, gke, of_kind, plan_environment, refused, schema_failures, server_container, the, workloads

SINGLE = {"name": "qwen", "deployment": "qwen-7b"}


def gke_single() -> dict[str, Any]:
    """gke-dev's 7B model alone behind a `qwen` route, serving a LoRA adapter; the small model stays off the gateway."""
    raw = gke()
    raw["routes"] = [copy.deepcopy(SINGLE)]
    raw["deployments"][0]["lora"] = {"adapters": [copy.deepcopy(SQL)]}
    return raw


def aws_single() -> dict[str, Any]:
    raw = aws({"name": "big", "deployment": "qwen-large", "objectives": [{"name": "urgent", "priority": 5}, {"name": "offline", "priority": -2}]})
    return raw


@functools.cache
def planned(target: str):
    return plan_environment({"gke": gke_single, "aws": aws_single}[target]())


@pytest.mark.parametrize("target", ["gke", "aws"])
def test_every_object_of_a_single_deployment_route_validates_against_its_schema(target):
    failures = schema_failures(planned(target))
    assert not failures, "\n".join(failures)


def test_every_request_on_the_route_goes_to_its_one_deployments_pool():
    (rule,) = the(planned("gke"), "HTTPRoute", "qwen")["spec"]["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]  # GKE: the route at the root
    assert [(ref["kind"], ref["name"], ref["weight"]) for ref in rule["backendRefs"]] == [("InferencePool", "qwen-7b", 1)]
    assert [m["metadata"]["name"] for m in of_kind(planned("gke"), "InferencePool")] == ["qwen-7b"]


def test_the_deployment_answers_to_the_route_and_the_other_stays_off_the_gateway():
    plan = planned("gke")
    servers = {w["metadata"]["name"]: server_container(w)["args"] for w in workloads(plan) if not w["metadata"]["name"].endswith("-epp")}
    at = servers["qwen-7b"].index("--served-model-name")
    assert servers["qwen-7b"][at + 1 : at + 3] == ["Qwen/Qwen2.5-7B-Instruct", "qwen"]
    assert "--served-model-name" not in servers["qwen-small"]


def test_its_lora_adapters_are_reachable_through_the_gateway():
    plan = planned("gke")
    adapters = the(plan, "HTTPRoute", "qwen-adapters")
    (rule,) = adapters["spec"]["rules"]
    assert [ref["name"] for ref in rule["backendRefs"]] == ["qwen-7b"]
    assert the(plan, "ConfigMap", "qwen-7b-adapters")["data"]["baseModel"] == "Qwen/Qwen2.5-7B-Instruct"


def test_its_request_classes_all_name_its_pool():
    found = {m["metadata"]["name"]: (m["spec"]["priority"], m["spec"]["poolRef"]["name"]) for m in of_kind(planned("aws"), "InferenceObjective")}
    assert found == {"urgent": (5, "qwen-large"), "offline": (-2, "qwen-large")}


def test_the_route_takes_every_request_for_its_cost_blend():
    assert route_shares(Route.model_validate(SINGLE)) == {"qwen-7b": 1.0}


@pytest.mark.parametrize("change, key, words", [
    (lambda route: route.update(split=[{"deployment": "qwen-7b", "weight": 1}, {"deployment": "qwen-small", "weight": 1}]), "routes[0].split",
     "exactly one form: split, small_first or deployment"),
    (lambda route: route.update(deployment="qwen-70b"), "routes[0].deployment", "no such deployment"),
])  # fmt: skip
def test_a_single_deployment_route_names_one_existing_deployment_and_no_other_form(change, key, words):
    raw = gke_single()
    change(raw["routes"][0])
    message = refused(raw)
    assert key in message and words in message, message


def test_a_route_with_no_form_is_refused_naming_the_three():
    raw = gke_single()
    del raw["routes"][0]["deployment"]
    message = refused(raw)
    assert "routes[0].split" in message and "split, small_first or deployment" in message
