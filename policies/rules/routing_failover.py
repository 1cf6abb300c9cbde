"""Istio failover DestinationRules that can fail over, in any program's plan (part of `hangar-routing`).

A DestinationRule that orders endpoints with `trafficPolicy.loadBalancer.localityLbSetting.failoverPriority` applies
cleanly and may still do nothing; this judges what the plan shows of it:

* without `outlierDetection` in the same traffic policy Istio ignores the priorities: failoverPriority "should be used
  together with `OutlierDetection` to detect unhealthy endpoints, otherwise has no effect", and Istio's validation only
  warns ("outlier detection policy must be provided for failover");
* its host, a Service of this stack (a short name is read in the rule's own namespace), selects the pods of no
  workload of the plan: the rule orders no endpoints;
* in the `label=value` form, every workload the Service selects lands on the same priority level (an endpoint matching
  the first k of the N listed labels, a label counting only when every one before it matches, has priority N - k):
  there is nothing to fail over to. In the label-only form the levels depend on the calling proxy's labels, which a
  plan does not show, so only the first two checks apply.

Each traffic policy Istio applies is judged as it resolves it: the rule's top level, each port-level setting (which on
its port replaces the top level whole, inheriting nothing: failover ordered at the top level is dropped on a port whose
setting leaves it out, a finding of its own), and each subset (the top level, or its port-level setting on that port,
with each part the subset sets in its place; a subset's own port-level setting replaces all four parts), whose levels
are those of the pods its labels select.

Sources: istio/api tag 1.29.6 (commit 1092f7f897896b437df36d8d0df85728706022f2) networking/v1alpha3/destination_rule.proto
(`host`: short names "based on the namespace of the rule"; `failover_priority`); istio/istio tag 1.29.6 (commit
7019d6d3608e4995e9a36d2977cfec3a341431cd) pkg/config/validation/agent/validation.go `ValidateLocalityLbSetting`; read
2026-12-02; pilot/pkg/networking/util/util.go (`GetPortLevelTrafficPolicy`: "port level policies do not inherit and instead
to defaults if not provided"; `MergeSubsetTrafficPolicy`, `mergeTrafficPolicy`, `shadowCopyPortTrafficPolicy`), read
2026-12-02.
"""

from __future__ import annotations

from typing import Any

from hangar.policies.rules.base import Finding
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.readiness_pods import PodWorkload, namespace_of

from hangar.records import ResourceRecord

ROUTING = "hangar-routing"
SERVICE = "kubernetes:core/v1:Service"
DESTINATION_RULES = tuple(f"kubernetes:networking.istio.io/{version}:DestinationRule" for version in ("v1", "v1beta1", "v1alpha3"))
POLICY_PARTS = ("connectionPool", "loadBalancer", "outlierDetection", "tls")
"""What a port-level setting holds and what replaces a subset's inherited policy part by part (Istio 1.29.6
pilot/pkg/networking/util/util.go `shadowCopyPortTrafficPolicy`, `mergeTrafficPolicy`)."""


def failover_findings(facts: StackFacts) -> list[Finding]:
    """Findings on every DestinationRule of the plan whose traffic policies set `failoverPriority` (see the module docstring)."""
    services = {(namespace_of(r, facts.by_urn), _name(r)): r for r in facts.records if r.type == SERVICE}
    findings = []
    for rule in (r for r in facts.records if r.type in DESTINATION_RULES):
        namespace = namespace_of(rule, facts.by_urn)
        spec = rule.inputs.get("spec") or {}
        what = f"DestinationRule {namespace}/{_name(rule)}"
        ordered_on_top = bool(_priority((spec.get("trafficPolicy") or {}) if isinstance(spec.get("trafficPolicy"), dict) else {}))
        service = services.get(_service_of(str(spec.get("host") or ""), namespace))
        members: dict[str, dict[str, str]] | None = None
        for where, policy, subset, replaces in _policies(spec):
            priority = _priority(policy)
            if not priority:
                if replaces and ordered_on_top:
                    findings.append(Finding(ROUTING, rule.urn, f"{what} {where} replaces the top-level traffic policy on its port whole (Istio "
                                            "inherits nothing at port level) and orders no endpoints by failoverPriority: requests to that port "
                                            "are not failed over; repeat the loadBalancer and outlierDetection in that port's settings"))  # fmt: skip
                continue
            if not policy.get("outlierDetection"):
                findings.append(Finding(ROUTING, rule.urn, f"{what} {where} orders endpoints by failoverPriority without outlierDetection: "
                                        "Istio then ignores the priorities (no endpoint is ever found unhealthy), so nothing fails over; "
                                        "add outlierDetection to the same traffic policy"))  # fmt: skip
            if service is None:
                continue  # a host outside this stack (another stack's Service, a ServiceEntry) is not judged
            where_service = f"Service {namespace_of(service, facts.by_urn)}/{_name(service)}"
            selector = {str(k): str(v) for k, v in ((service.inputs.get("spec") or {}).get("selector") or {}).items()}
            if members is None:
                members = {
                    w.describe(): labels
                    for w in facts.pod_workloads
                    if w.namespace == namespace_of(service, facts.by_urn) and selector and (labels := _labels(w, selector)) is not None
                }
                if not members:
                    findings.append(Finding(ROUTING, rule.urn, f"{what} orders the endpoints of {where_service}, which selects pods labelled "
                                            f"{selector or '(nothing)'}, and no workload of this stack runs such pods: there is nothing to fail over"))  # fmt: skip
            chosen = {name: labels for name, labels in members.items() if subset is None or subset.items() <= labels.items()}
            wanted = [entry.split("=", 1) for entry in priority]
            if chosen and all(len(pair) == 2 for pair in wanted) and len({_level(labels, wanted) for labels in chosen.values()}) == 1:
                findings.append(Finding(ROUTING, rule.urn, f"{what} {where}: every workload {where_service} selects ({', '.join(sorted(chosen))}) "
                                        f"lands on the same priority level of failoverPriority {priority}: there is nothing to fail over to; "
                                        "label the pods of each level"))  # fmt: skip
    return findings


def _priority(policy: dict[str, Any]) -> list[str]:
    """The policy's `failoverPriority` entries, none when locality load balancing is turned off."""
    locality = ((policy.get("loadBalancer") or {}) if isinstance(policy.get("loadBalancer"), dict) else {}).get("localityLbSetting") or {}
    if not isinstance(locality, dict) or locality.get("enabled") is False:
        return []
    return [str(entry) for entry in locality.get("failoverPriority") or []]


def _policies(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, str] | None, bool]]:
    """Every traffic policy the rule makes Istio apply, as Istio resolves it: (where, the policy in effect, the subset's
    labels or None, whether a port-level setting of its own replaces what it would inherit on a port).

    * `trafficPolicy`, the rule's top level;
    * each `trafficPolicy.portLevelSettings[]`: on its port it replaces the top level whole, inheriting nothing
      (`GetPortLevelTrafficPolicy`: "port level policies do not inherit and instead [go] to defaults if not provided");
    * each `subsets[]`: the top level (or its port-level setting, on that port) with each part the subset's policy sets
      put in its place, or, where the subset has a port-level setting of its own, that setting's parts whole
      (`MergeSubsetTrafficPolicy`, `mergeTrafficPolicy`).
    """
    top = spec.get("trafficPolicy") if isinstance(spec.get("trafficPolicy"), dict) else {}
    found: list[tuple[str, dict[str, Any], dict[str, str] | None, bool]] = []
    if top:
        found.append(("trafficPolicy", top, None, False))
    for index, setting in enumerate(_list(top.get("portLevelSettings"))):
        found.append((f"trafficPolicy.portLevelSettings[{index}] (port {_port(setting)})", _parts(setting), None, True))
    for index, subset in enumerate(_list(spec.get("subsets"))):
        own = subset.get("trafficPolicy") if isinstance(subset.get("trafficPolicy"), dict) else {}
        labels = {str(k): str(v) for k, v in (subset.get("labels") or {}).items()}
        where = f"subsets[{index}] ({subset.get('name')})"
        found.append((where, _merged(top, own, whole=False), labels, False))
        ports = sorted({p for p in (_port(s) for s in [*_list(top.get("portLevelSettings")), *_list(own.get("portLevelSettings"))]) if p is not None})
        for number in ports:
            original = _port_setting(top, number)
            mine = _port_setting(own, number)
            found.append((f"{where} on port {number}", _merged(top if original is None else _parts(original), own if mine is None else _parts(mine),
                                                               whole=mine is not None), labels, mine is not None))  # fmt: skip
    return found


def _parts(policy: dict[str, Any]) -> dict[str, Any]:
    return {key: policy[key] for key in POLICY_PARTS if policy.get(key) is not None}


def _merged(original: dict[str, Any], subset: dict[str, Any], *, whole: bool) -> dict[str, Any]:
    """`original`'s parts with the subset's in their place (all four replaced when the subset's are a port-level setting)."""
    merged = _parts(original)
    for key in POLICY_PARTS:
        if whole or subset.get(key) is not None:
            merged.pop(key, None)
            if subset.get(key) is not None:
                merged[key] = subset[key]
    return merged


def _port(setting: dict[str, Any]) -> int | None:
    number = (setting.get("port") or {}).get("number") if isinstance(setting.get("port"), dict) else None
    return int(number) if isinstance(number, (int, float)) and not isinstance(number, bool) else None


def _port_setting(policy: dict[str, Any], number: int) -> dict[str, Any] | None:
    return next((s for s in _list(policy.get("portLevelSettings")) if _port(s) == number), None)


def _list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _service_of(host: str, namespace: str) -> tuple[str, str]:
    """(namespace, name) of the Kubernetes Service a host names: a short name in the rule's namespace, or
    `<name>.<namespace>.svc[.<domain>]`; any other host is no Service of the plan."""
    parts = host.split(".")
    if len(parts) == 1:
        return namespace, parts[0]
    if len(parts) >= 3 and parts[2] == "svc":
        return parts[1], parts[0]
    return "", host


def _labels(workload: PodWorkload, selector: dict[str, str]) -> dict[str, str] | None:
    """The labels of the workload's first pod template the selector matches, or None."""
    return next((t.labels for t in workload.templates if selector.items() <= t.labels.items()), None)


def _level(labels: dict[str, str], wanted: list[list[str]]) -> int:
    matched = 0
    for key, value in wanted:
        if labels.get(key) != value:
            break
        matched += 1
    return len(wanted) - matched


def _name(record: ResourceRecord) -> str:
    return str((record.inputs.get("metadata") or {}).get("name") or record.name)
