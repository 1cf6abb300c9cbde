"""The pods Istio starts for a Gateway are placed on the system pool and counted there (issue 15).

Istio 1.29.6 renders one `istio-proxy` pod per Gateway of class `istio`, requesting the istiod chart's
`global.proxy.resources` (100m CPU, 128Mi), and lays the `deployment` overlay of the ConfigMap the Gateway's
`infrastructure.parametersRef` names over it (`hangar.components.routing_gateway_pods` cites the sources). Hangar's
overlay puts the pod on the system pool; `hangar-routing` adds it to the pool's sum.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from typing import Any

import pytest
import yaml
from hangar.components.routing import ISTIO_VERSION
from hangar.policies.rules import POLICIES, evaluate
from hangar.policies.rules.cloud_add_ons import EKS_UNREAD
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.routing import ROUTING, _cpu, _gib
from hangar.policies.rules.routing_system_gateway import PROXY_RESOURCES, istio_gateway_pods

from hangar.records import ResourceRecord
from tests.serving_plans import AWS_HEADER, aws, gke, of_kind, onprem, plan_environment, schema_failures, the

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
RELEASE = "kubernetes:helm.sh/v3:Release"
SYSTEM = {"hangar.dev/pool": "system"}


@functools.cache
def eks_plan():
    return plan_environment(aws(copy.deepcopy(AWS_HEADER)))


def eks(**gateway: Any) -> list[ResourceRecord]:
    raw = aws(copy.deepcopy(AWS_HEADER))
    raw["gateway"] = gateway
    return list(plan_environment(raw).resources)


def counted(records: list[ResourceRecord]) -> tuple[list[tuple[str, int, float, float, dict[str, str]]], list[str]]:
    pods, unknown = istio_gateway_pods(StackFacts(records), _cpu, _gib)
    return [(p.describe(), p.pods, round(p.cpu, 3), round(p.gib, 3), p.node_selector) for p in pods], [why for _, why in unknown]


def system_messages(records: list[ResourceRecord]) -> list[str]:
    configs = {policy.name: policy.config_model() for policy in POLICIES}
    return [v.message for v in evaluate(records, configs) if v.policy == ROUTING and v.message.startswith("the pods that select pool ")]


def replaced(records: list[ResourceRecord], record: ResourceRecord, **inputs: Any) -> list[ResourceRecord]:
    """The records with `record`'s inputs updated (a copy: the cached plan stays as planned)."""
    changed = dataclasses.replace(record, inputs={**copy.deepcopy(record.inputs), **inputs})
    return [changed if r is record else r for r in records]


def the_record(records: list[ResourceRecord], type_: str, name: str) -> ResourceRecord:
    (found,) = [r for r in records if r.type == type_ and (r.inputs.get("metadata") or {}).get("name", r.inputs.get("name")) == name]
    return found


def test_hangars_istio_gateway_names_an_overlay_that_puts_its_pods_on_the_system_pool():
    plan = eks_plan()
    gateway = the(plan, "Gateway", "test-gateway")
    assert gateway["spec"]["infrastructure"]["parametersRef"] == {"group": "", "kind": "ConfigMap", "name": "test-gateway-deployment"}
    overlay = the(plan, "ConfigMap", "test-gateway-deployment")
    assert overlay["metadata"]["namespace"] == gateway["metadata"]["namespace"]
    assert yaml.safe_load(overlay["data"]["deployment"]) == {"spec": {"template": {"spec": {"nodeSelector": SYSTEM}}}}
    # The internal load balancer's annotation stays beside it.
    assert gateway["spec"]["infrastructure"]["annotations"]
    assert schema_failures(plan) == []


def test_on_prem_and_gke_no_overlay_is_written():
    on_site = plan_environment(onprem())
    assert "parametersRef" not in (the(on_site, "Gateway")["spec"].get("infrastructure") or {})
    assert not [m for m in of_kind(on_site, "ConfigMap") if m["metadata"]["name"].endswith("-gateway-deployment")]
    managed = plan_environment(gke())
    assert "infrastructure" not in the(managed, "Gateway")["spec"]
    assert counted(list(managed.resources)) == ([], [])  # GKE's gateway runs no pod in the cluster


def test_the_gateway_pod_is_counted_at_istiods_proxy_requests_on_the_system_pool():
    assert PROXY_RESOURCES[ISTIO_VERSION]["requests"] == {"cpu": "100m", "memory": "128Mi"}
    assert counted(list(eks_plan().resources)) == ([("istio-proxy of Gateway test/test-gateway (Istio 1.29.6)", 1, 0.1, 0.125, SYSTEM)], [])


def test_istiods_own_proxy_resources_are_what_is_counted():
    records = list(eks_plan().resources)
    istiod = next(r for r in records if r.type == RELEASE and r.inputs["chart"] == "istiod")
    values = {**copy.deepcopy(istiod.inputs["values"]), "global": {"proxy": {"resources": {"requests": {"cpu": "2"}}}}}
    # Helm merges maps key by key: the release's CPU request replaces the chart's, the chart's memory request stays.
    assert counted(replaced(records, istiod, values=values))[0] == [("istio-proxy of Gateway test/test-gateway (Istio 1.29.6)", 1, 2.0, 0.125, SYSTEM)]


def test_an_overlays_replicas_or_autoscaler_minimum_and_container_requests_are_followed():
    records = list(eks_plan().resources)
    overlay = the_record(records, CONFIG_MAP, "test-gateway-deployment")
    deployment = {"spec": {"replicas": 2, "template": {"spec": {"nodeSelector": SYSTEM, "containers": [{"name": "istio-proxy", "resources": {"requests": {"memory": "1Gi"}}}]}}}}
    two = replaced(records, overlay, data={"deployment": yaml.safe_dump(deployment)})
    assert counted(two)[0] == [("istio-proxy of Gateway test/test-gateway (Istio 1.29.6)", 2, 0.1, 1.0, SYSTEM)]
    autoscaled = replaced(records, overlay, data={"deployment": yaml.safe_dump(deployment), "horizontalPodAutoscaler": "spec:\n  minReplicas: 3\n  maxReplicas: 6\n"})
    assert counted(autoscaled)[0][0][1] == 3


def test_a_class_defaults_config_map_applies_before_the_gateways_own():
    records = list(eks_plan().resources)
    overlay = the_record(records, CONFIG_MAP, "test-gateway-deployment")
    defaults = dataclasses.replace(
        overlay,
        urn=overlay.urn + "-defaults",
        inputs={"metadata": {"name": "istio-defaults", "namespace": "istio-system", "labels": {"gateway.istio.io/defaults-for-class": "istio"}},
                "data": {"deployment": "spec:\n  replicas: 4\n  template:\n    spec:\n      nodeSelector:\n        hangar.dev/pool: elsewhere\n"}},
    )  # fmt: skip
    # The class's 4 replicas stay; the Gateway's own overlay, applied last, puts the pods back on the system pool.
    assert counted([*records, defaults])[0] == [("istio-proxy of Gateway test/test-gateway (Istio 1.29.6)", 4, 0.1, 0.125, SYSTEM)]


@pytest.mark.parametrize(
    "change, why",
    [
        ("missing-config-map", "its parametersRef names no ConfigMap of the plan"),
        ("no-istiod", "no istiod release of a version read here in its cluster"),
        ("unreadable-overlay", "an overlay in ConfigMap test-gateway-deployment is not literal YAML"),
    ],
)
def test_a_gateway_whose_pods_cannot_be_read_is_named_as_not_counted(change, why):
    records = eks(picker_cpu=1.9)
    if change == "missing-config-map":
        records = [r for r in records if r is not the_record(records, CONFIG_MAP, "test-gateway-deployment")]
    elif change == "no-istiod":
        records = [r for r in records if not (r.type == RELEASE and r.inputs["chart"] == "istiod")]
    else:
        overlay = the_record(records, CONFIG_MAP, "test-gateway-deployment")
        records = replaced(records, overlay, data={"deployment": "spec: [unclosed"})
    assert counted(records) == ([], [f"the gateway pods of Gateway test/test-gateway ({why})"])
    (message,) = system_messages(records)
    assert f"not counted: {EKS_UNREAD}; the gateway pods of Gateway test/test-gateway ({why}))" in message, message


def test_a_gateway_pod_without_a_node_selector_is_not_added_to_the_system_pool():
    records = list(eks_plan().resources)
    overlay = the_record(records, CONFIG_MAP, "test-gateway-deployment")
    anywhere = replaced(records, overlay, data={"deployment": "spec: {}\n"})
    assert counted(anywhere)[0] == [("istio-proxy of Gateway test/test-gateway (Istio 1.29.6)", 1, 0.1, 0.125, {})]
    # Four 1.4-CPU pickers, KEDA, istiod and the EKS add-ons request 6.74 CPU; the gateway pod's 0.1 joins them only when it selects the pool.
    bigger = eks(picker_cpu=1.4)
    assert "request 6.84 CPU" in system_messages(bigger)[0]
    unplaced = replaced(bigger, the_record(bigger, CONFIG_MAP, "test-gateway-deployment"), data={"deployment": "spec: {}\n"})
    assert "request 6.74 CPU" in system_messages(unplaced)[0]
