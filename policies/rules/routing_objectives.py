"""An InferenceObjective names a pool of the plan: otherwise no endpoint picker ever reads its priority.

A request class is an `InferenceObjective` (inference.networking.x-k8s.io/v1alpha2) whose `poolRef` names the
InferencePool whose picker applies its priority. Kubernetes accepts one naming any pool, or none that exists: "PoolRef is
a reference to the inference pool, the pool must exist in the same namespace" (`InferenceObjectiveSpec.PoolRef`,
apix/v1alpha2/inferenceobjective_types.go; `group` defaults to inference.networking.k8s.io and `kind` to InferencePool),
and each picker keeps only the objectives whose `poolRef` name and group are its own pool's
(pkg/epp/controller/inferenceobjective_reconciler.go drops any other). So an objective naming a pool the plan does not
create, or a kind other than InferencePool, is read by no picker: requests naming that class get no priority of theirs,
silently. Sources: kubernetes-sigs/gateway-api-inference-extension tag v1.5.0 (commit
df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849), read 2026-12-02.
"""

from __future__ import annotations

from typing import Any

from hangar.policies.rules.base import Finding
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.readiness_pods import namespace_of

from hangar.records import ResourceRecord

RULE = "hangar-routing"
OBJECTIVE_TYPES = ("kubernetes:inference.networking.x-k8s.io/v1alpha2:InferenceObjective",)
POOL_GROUP = "inference.networking.k8s.io"
POOL_KIND = "InferencePool"


def objective_findings(facts: StackFacts, pools: dict[tuple[str, str], ResourceRecord]) -> list[Finding]:
    """A finding per InferenceObjective whose `poolRef` is no InferencePool of the plan in its own namespace.

    `pools` are the plan's InferencePools by (namespace, name)."""
    findings = []
    for objective in (r for r in facts.records if r.type in OBJECTIVE_TYPES):
        namespace = namespace_of(objective, facts.by_urn)
        ref = (objective.inputs.get("spec") or {}).get("poolRef")
        ref = ref if isinstance(ref, dict) else {}
        # An absent group or kind takes the CRD's default; an empty group is the core group, as in every Kubernetes reference.
        group = POOL_GROUP if ref.get("group") is None else str(ref["group"])
        kind, name = str(ref.get("kind") or POOL_KIND), ref.get("name")
        what = f"InferenceObjective {namespace}/{_name(objective)}"
        if group != POOL_GROUP or kind != POOL_KIND:
            findings.append(Finding(RULE, objective.urn, f"{what} names a {kind} of group {group or '(the core group)'} as its pool; endpoint pickers read only objectives "
                                    f"naming their own {POOL_KIND} ({POOL_GROUP}), so no picker applies its priority"))  # fmt: skip
        elif name is None or (namespace, str(name)) not in pools:
            known = sorted(pool for ns, pool in pools if ns == namespace)
            findings.append(Finding(RULE, objective.urn, f"{what} names InferencePool {namespace}/{name}, which this stack does not create (its "
                                    f"InferencePools there: {known or 'none'}): no endpoint picker reads it, so requests of that class get "
                                    "no priority of theirs"))  # fmt: skip
    return findings


def _name(record: ResourceRecord) -> Any:
    return (record.inputs.get("metadata") or {}).get("name") or record.name
