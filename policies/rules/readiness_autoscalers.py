"""Replica autoscalers of a plan — KEDA ScaledObjects and HorizontalPodAutoscalers — joined to the workloads they scale.

Defaults where a field is left out: a ScaledObject's `scaleTargetRef.kind` is Deployment,
`minReplicaCount` 0 and `maxReplicaCount` 100 (KEDA ScaledObject specification,
https://keda.sh/docs/2.15/reference/scaledobject-spec/, read 2026-12-01; the same in 2.16, the version Hangar
pins); an HPA's `minReplicas` is 1 (autoscaling/v2 HorizontalPodAutoscalerSpec, Kubernetes API reference v1.33)
and `maxReplicas` is required.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.readiness_pods import PodWorkload, namespace_of

SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject"
HPA_TYPES = ("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:autoscaling/v1:HorizontalPodAutoscaler")
ENGINE_SERIES = ("vllm:", "vllm_", "tgi_")
"""Metric names the engines export: vLLM `vllm:*` (`vllm_*` once a Prometheus adapter renames them), TGI `tgi_*`."""


@dataclasses.dataclass(frozen=True)
class Autoscaler:
    """A ScaledObject or HPA: what it scales, between which bounds, on what."""

    urn: str
    kind: str
    name: str
    namespace: str
    target_kind: str
    target_name: str
    min_replicas: int
    max_replicas: int | None
    triggers: tuple[dict[str, Any], ...]
    """ScaledObject triggers, or HPA metrics."""
    target: PodWorkload | None

    def describe(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"

    def describe_target(self) -> str:
        return f"{self.target_kind} {self.namespace}/{self.target_name}"

    def engine_queries(self) -> list[str]:
        """The trigger queries / metric names that read the engine's own series."""
        return [text for text in self.metric_texts() if engine_metric(text)]

    def metric_texts(self) -> list[str]:
        texts = []
        for trigger in self.triggers:
            if self.kind == "ScaledObject":
                texts.append(str((trigger.get("metadata") or {}).get("query") or "") if trigger.get("type") == "prometheus" else "")
            else:
                kind = str(trigger.get("type") or "")
                metric = ((trigger.get(kind[:1].lower() + kind[1:]) or {}) if kind else {}).get("metric") or {}
                texts.append(str(metric.get("name") or ""))
        return texts


def engine_metric(text: str) -> bool:
    return any(series in text for series in ENGINE_SERIES)


def autoscalers(facts: StackFacts) -> list[Autoscaler]:
    """Every ScaledObject and HPA of the plan, with the workload it scales when the plan holds it."""
    by_key = {(w.namespace, w.kind, w.name): w for w in facts.pod_workloads}
    found = []
    for record in facts.records:
        if record.type != SCALED_OBJECT and record.type not in HPA_TYPES:
            continue
        metadata, spec = record.inputs.get("metadata") or {}, record.inputs.get("spec") or {}
        namespace = namespace_of(record, facts.by_urn)
        ref = spec.get("scaleTargetRef") or {}
        if record.type == SCALED_OBJECT:
            kind, low, high = "ScaledObject", _int(spec.get("minReplicaCount"), 0), _int(spec.get("maxReplicaCount"), 100)
            target_kind, triggers = str(ref.get("kind") or "Deployment"), spec.get("triggers") or []
        else:
            kind, low, high = "HorizontalPodAutoscaler", _int(spec.get("minReplicas"), 1), _int(spec.get("maxReplicas"), None)
            target_kind, triggers = str(ref.get("kind") or ""), spec.get("metrics") or []
        name, target_name = str(metadata.get("name") or record.name), str(ref.get("name") or "")
        found.append(
            Autoscaler(
                record.urn, kind, name, namespace, target_kind, target_name, low if low is not None else 0, high,
                tuple(t for t in triggers if isinstance(t, dict)), by_key.get((namespace, target_kind, target_name)),
            )  # fmt: skip
        )
    return found


def _int(value: Any, default: int | None) -> int | None:
    try:
        return int(float(value)) if value is not None else default
    except (TypeError, ValueError):
        return default
