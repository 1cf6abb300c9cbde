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

Sources: istio/api tag 1.29.6 (commit 1092f7f897896b437df36d8d0df85728706022f2) networking/v1alpha3/destination_rule.proto
(`host`: short names "based on the namespace of the rule"; `failover_priority`); istio/istio tag 1.29.6 (commit
7019d6d3608e4995e9a36d2977cfec3a341431cd) pkg/config/validation/agent/validation.go `ValidateLocalityLbSetting`; read
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


def failover_findings(facts: StackFacts) -> list[Finding]:
    """Findings on every DestinationRule of the plan that sets `failoverPriority` (see the module docstring)."""
    services = {(namespace_of(r, facts.by_urn), _name(r)): r for r in facts.records if r.type == SERVICE}
    findings = []
    for rule in (r for r in facts.records if r.type in DESTINATION_RULES):
        namespace = namespace_of(rule, facts.by_urn)
        spec = rule.inputs.get("spec") or {}
        what = f"DestinationRule {namespace}/{_name(rule)}"
        for where, policy in _policies(spec):
            locality = (policy.get("loadBalancer") or {}).get("localityLbSetting") or {}
            priority = [str(entry) for entry in locality.get("failoverPriority") or []]
            if not priority or locality.get("enabled") is False:
                continue
            if not policy.get("outlierDetection"):
                findings.append(Finding(ROUTING, rule.urn, f"{what} {where} orders endpoints by failoverPriority without outlierDetection: "
                                        "Istio then ignores the priorities (no endpoint is ever found unhealthy), so nothing fails over; "
                                        "add outlierDetection to the same traffic policy"))  # fmt: skip
            service = services.get(_service_of(str(spec.get("host") or ""), namespace))
            if service is None:
                continue  # a host outside this stack (another stack's Service, a ServiceEntry) is not judged
            where_service = f"Service {namespace_of(service, facts.by_urn)}/{_name(service)}"
            selector = {str(k): str(v) for k, v in ((service.inputs.get("spec") or {}).get("selector") or {}).items()}
            members = {
                w.describe(): labels
                for w in facts.pod_workloads
                if w.namespace == namespace_of(service, facts.by_urn) and selector and (labels := _labels(w, selector)) is not None
            }
            if not members:
                findings.append(Finding(ROUTING, rule.urn, f"{what} orders the endpoints of {where_service}, which selects pods labelled "
                                        f"{selector or '(nothing)'}, and no workload of this stack runs such pods: there is nothing to fail over"))  # fmt: skip
                continue
            wanted = [entry.split("=", 1) for entry in priority]
            if all(len(pair) == 2 for pair in wanted) and len({_level(labels, wanted) for labels in members.values()}) == 1:
                findings.append(Finding(ROUTING, rule.urn, f"{what} {where}: every workload {where_service} selects ({', '.join(sorted(members))}) "
                                        f"lands on the same priority level of failoverPriority {priority}: there is nothing to fail over to; "
                                        "label the pods of each level"))  # fmt: skip
    return findings


def _policies(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The rule's top-level traffic policy (port-level and subset policies are not judged)."""
    policy = spec.get("trafficPolicy")
    return [("trafficPolicy", policy)] if isinstance(policy, dict) else []


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
