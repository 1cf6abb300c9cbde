"""The pods Istio starts for each Gateway of class `istio`, and what each requests, for the system pool's sum.

A Gateway is one record; its pods are rendered at run time by istiod from its `kube-gateway` template, so no workload
record shows them. `istio_gateway_pods` gives them as Istio 1.29.6 renders them: one `istio-proxy` pod (the template's
Deployment states no `replicas`) requesting the istiod release's `global.proxy.resources` (the chart's default, 100m
CPU and 128Mi, under the release's values as Helm coalesces them), with no `nodeSelector`; then, as istiod does, the
`deployment` overlays of a ConfigMap labelled `gateway.istio.io/defaults-for-class: istio` and of the ConfigMap the
Gateway's `infrastructure.parametersRef` names, by strategic merge patch (maps merged key by key, the containers list
by container name); a `horizontalPodAutoscaler` overlay makes the pods its `minReplicas` (default 1). A Gateway whose
pods cannot be read so (no istiod release of a read version in its cluster, an overlay ConfigMap the plan does not
create or whose data is not literal YAML) is returned with the reason, never taken as no pods.

Sources: istio/istio tag 1.29.6 (commit 7019d6d3608e4995e9a36d2977cfec3a341431cd, 2026-07-13), read 2026-12-02:
manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml, manifests/charts/istio-control/istio-discovery/
values.yaml (`global.proxy.resources`), pilot/pkg/config/kube/gateway/deploymentcontroller.go (`render`,
`fetchParameters`, `applyOverlay`, `strategicMergePatchYAML`); Kubernetes' HorizontalPodAutoscaler v2 `minReplicas`
("defaults to 1", https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/,
read 2026-12-02).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import yaml
from hangar.policies.rules.chart_pods import RELEASE_TYPES, chart_name, coalesce
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.readiness_pods import namespace_of

from hangar.records import ResourceRecord

GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
ISTIO_CLASS = "istio"
CLASS_DEFAULTS = "gateway.istio.io/defaults-for-class"
"""The label of the ConfigMap (in istiod's namespace) whose overlays apply to every Gateway of a class."""
PROXY = "istio-proxy"
PROXY_RESOURCES: dict[str, dict[str, Any]] = {"1.29.6": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "2000m", "memory": "1024Mi"}}}
"""`global.proxy.resources` of the istiod chart by version (values.yaml at the tag)."""


@dataclasses.dataclass(frozen=True)
class GatewayPods:
    """The pods Istio runs for one Gateway: how many, each one's requests (cores, GiB) and `nodeSelector`."""

    gateway: ResourceRecord
    name: str
    version: str
    pods: int
    cpu: float
    gib: float
    node_selector: dict[str, str]

    def describe(self) -> str:
        return f"{PROXY} of Gateway {self.name} (Istio {self.version})"


def istio_gateway_pods(facts: StackFacts, cpu_of: Callable[[Any], float | None],
                       gib_of: Callable[[Any], float | None]) -> tuple[list[GatewayPods], list[tuple[ResourceRecord, str]]]:  # fmt: skip
    """The pods of every Istio Gateway of the plan, and the Gateways whose pods are unknown with why."""
    by_urn = facts.by_urn
    gateways = [r for r in facts.records if r.type == GATEWAY and (r.inputs.get("spec") or {}).get("gatewayClassName") == ISTIO_CLASS]
    if not gateways:
        return [], []
    config_maps = [r for r in facts.records if r.type == CONFIG_MAP]
    istiods = [r for r in facts.records if r.type in RELEASE_TYPES and chart_name(r) == "istiod"]
    counted, unknown = [], []
    for gateway in gateways:
        namespace = namespace_of(gateway, by_urn)
        name = f"{namespace}/{(gateway.inputs.get('metadata') or {}).get('name')}"
        scope = facts.scope_of(gateway)
        release = next((r for r in istiods if scope is None or facts.scope_of(r) in (None, scope)), None)
        version = str(release.inputs.get("version") or "") if release is not None else ""
        if release is None or version not in PROXY_RESOURCES:
            unknown.append((gateway, f"the gateway pods of Gateway {name} (no istiod release of a version read here in its cluster)"))
            continue
        values = coalesce({"global": {"proxy": {"resources": PROXY_RESOURCES[version]}}}, release.inputs.get("values") or {})
        resources = ((values.get("global") or {}).get("proxy") or {}).get("resources") or {}
        deployment: dict[str, Any] = {"spec": {"template": {"spec": {"containers": [{"name": PROXY, "resources": resources}]}}}}
        overlays = [r for r in config_maps if _labels(r).get(CLASS_DEFAULTS) == ISTIO_CLASS and (scope is None or facts.scope_of(r) in (None, scope))]
        reference = ((gateway.inputs.get("spec") or {}).get("infrastructure") or {}).get("parametersRef")
        if isinstance(reference, dict):
            wanted = (namespace, reference.get("name"))
            found = [r for r in config_maps if (namespace_of(r, by_urn), (r.inputs.get("metadata") or {}).get("name")) == wanted]
            if reference.get("kind") != "ConfigMap" or reference.get("group") or not found:
                unknown.append((gateway, f"the gateway pods of Gateway {name} (its parametersRef names no ConfigMap of the plan)"))
                continue
            overlays += found
        pods, problem = 1, None
        for config_map in overlays:
            data = config_map.inputs.get("data") or {}
            try:
                deployment = _merge(deployment, _overlay(data.get("deployment")))
                autoscaler = _overlay(data.get("horizontalPodAutoscaler"))
            except ValueError:
                problem = f"the gateway pods of Gateway {name} (an overlay in ConfigMap {(config_map.inputs.get('metadata') or {}).get('name')} is not literal YAML)"
                break
            if autoscaler:
                pods = _count((autoscaler.get("spec") or {}).get("minReplicas"))
        if problem:
            unknown.append((gateway, problem))
            continue
        spec = deployment.get("spec") or {}
        if not any((r.inputs.get("data") or {}).get("horizontalPodAutoscaler") for r in overlays) and "replicas" in spec:
            pods = _count(spec.get("replicas"))
        template = (spec.get("template") or {}).get("spec") or {}
        proxy = next((c for c in template.get("containers") or [] if isinstance(c, dict) and c.get("name") == PROXY), {})
        requests = (proxy.get("resources") or {}).get("requests") or {}
        selector = {str(k): str(v) for k, v in (template.get("nodeSelector") or {}).items()}
        counted.append(GatewayPods(gateway, name, version, pods, cpu_of(requests.get("cpu")) or 0.0, gib_of(requests.get("memory")) or 0.0, selector))
    return counted, unknown


def _labels(record: ResourceRecord) -> dict[str, Any]:
    return (record.inputs.get("metadata") or {}).get("labels") or {}


def _overlay(text: Any) -> dict[str, Any]:
    """An overlay's YAML as a map ({} when absent); ValueError when it is not literal YAML of a map."""
    if text is None or text == "":
        return {}
    if not isinstance(text, str):
        raise ValueError(text)
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(text) from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ValueError(text)
    return loaded


def _merge(base: Any, patch: Any) -> Any:
    """A strategic merge patch as far as the pods' count, requests and placement go: maps key by key (a null deletes),
    the `containers` list by container `name`, anything else replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            elif key == "containers" and isinstance(value, list) and isinstance(merged.get(key), list):
                merged[key] = _merge_named(merged[key], value)
            else:
                merged[key] = _merge(merged.get(key), value)
        return merged
    return patch


def _merge_named(base: list[Any], patch: list[Any]) -> list[Any]:
    merged = list(base)
    for item in patch:
        position = next((i for i, old in enumerate(merged) if isinstance(old, dict) and isinstance(item, dict) and old.get("name") == item.get("name")), None)
        if position is None:
            merged.append(item)
        else:
            merged[position] = _merge(merged[position], item)
    return merged


def _count(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 else 1
