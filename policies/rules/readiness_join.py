"""The pools a pod template can land on: its nodeSelector and required node affinity against the pools of its own cluster.

Goes through `PoolIndex` (keyed by cluster and label pair), so a plan of many workloads and pools is
joined without scanning every pool per workload.
"""

from __future__ import annotations

from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.pools import PoolHardware
from hangar.policies.rules.readiness_pods import PodTemplate, PodWorkload, selects


def pools_for(facts: StackFacts, catalog_overrides: str | None, workload: PodWorkload, template: PodTemplate) -> list[PoolHardware]:
    """Every pool of the workload's cluster whose node labels satisfy the template's node selection."""
    index = facts.pools(catalog_overrides)
    scope = facts.scope_of(workload)
    if scope not in index.by_scope:
        scope = None
    selector, terms = template.node_selector, template.affinity_terms
    if selector:
        key, value = next(iter(selector.items()))
        candidates = index.by_label.get((scope, key, value), [])
    else:
        candidates = index.by_scope.get(scope, [])
    return [pool for pool in candidates if selects(selector, terms, pool.labels)]
