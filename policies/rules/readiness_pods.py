"""Every pod-bearing Kubernetes workload of a plan, as the scheduler sees it, and Kubernetes' matching rules.

The serving workloads (`hangar.policies.rules.workloads`) are the vLLM/TGI ones; the readiness rules also
judge any other pod that asks for an accelerator, so they read every Deployment, StatefulSet,
DaemonSet, Job, Pod and LeaderWorkerSet here: its pod templates, tolerations, node selection,
accelerator requests, probes and claim templates — whoever wrote it.

Matching follows the Kubernetes API reference (v1.33, read 2026-12-01):
https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/ (a toleration with an
empty effect matches every effect, `Exists` with an empty key matches every taint, `Equal` is the
default operator; only NoSchedule and NoExecute taints keep a pod off a node) and
https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/ (required node affinity:
any term, every expression of it).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from hangar.policies.rules.workloads import ACCELERATOR_RESOURCES, POD_SPEC_PATHS, dig

from hangar.records import ResourceRecord

BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")


@dataclasses.dataclass(frozen=True)
class PodTemplate:
    """One pod template of a workload (a LeaderWorkerSet has a leader and a worker template)."""

    role: str
    labels: dict[str, str]
    annotations: dict[str, str]
    spec: dict[str, Any]

    @property
    def node_selector(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in (self.spec.get("nodeSelector") or {}).items()}

    @property
    def tolerations(self) -> list[dict[str, Any]]:
        return [t for t in self.spec.get("tolerations") or [] if isinstance(t, dict)]

    @property
    def affinity_terms(self) -> list[list[dict[str, Any]]]:
        """Required node-affinity terms (any one must hold), each a list of match expressions (all must hold)."""
        required = ((self.spec.get("affinity") or {}).get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution") or {}
        return [list(term.get("matchExpressions") or []) for term in required.get("nodeSelectorTerms") or [] if isinstance(term, dict)]

    @property
    def containers(self) -> list[dict[str, Any]]:
        return [c for c in self.spec.get("containers") or [] if isinstance(c, dict)]

    def accelerators(self) -> dict[str, int]:
        """Accelerator resource → count the pod requests (the sum over its containers; limits win over requests)."""
        total: dict[str, int] = {}
        for container in self.containers:
            resources = container.get("resources") or {}
            asked = {**(resources.get("requests") or {}), **(resources.get("limits") or {})}
            for name in ACCELERATOR_RESOURCES:
                count = _int(asked.get(name))
                if count:
                    total[name] = total.get(name, 0) + count
        return total


@dataclasses.dataclass(frozen=True)
class PodWorkload:
    """A Kubernetes object that runs pods: where it is, its pod templates, how many pods make one replica."""

    urn: str
    name: str
    kind: str
    namespace: str
    labels: dict[str, str]
    annotations: dict[str, str]
    templates: tuple[PodTemplate, ...]
    pods_per_replica: int
    claim_templates: tuple[dict[str, Any], ...]
    record: ResourceRecord

    @property
    def leader(self) -> PodTemplate:
        return self.templates[0]

    def accelerators_per_replica(self) -> dict[str, int]:
        """What one replica asks for: a LeaderWorkerSet group is a leader and size-1 workers."""
        total: dict[str, int] = {}
        for index, template in enumerate(self.templates):
            pods = self.pods_per_replica if len(self.templates) == 1 else 1 if index == 0 else max(self.pods_per_replica - 1, 0)
            for name, count in template.accelerators().items():
                total[name] = total.get(name, 0) + count * pods
        return total

    def describe(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


def pod_workloads(records: Iterable[ResourceRecord], by_urn: dict[str, ResourceRecord]) -> list[PodWorkload]:
    """Every workload with a pod template among the records."""
    found = []
    for record in records:
        paths = POD_SPEC_PATHS.get(record.type)
        if not paths:
            continue
        templates = []
        for path in paths:
            spec = dig(record.inputs, path)
            if not isinstance(spec, dict):
                continue
            template = dig(record.inputs, path[:-1]) if len(path) > 1 else record.inputs
            metadata = (template.get("metadata") if path[-1] == "spec" and len(path) > 1 else record.inputs.get("metadata")) or {}
            role = "worker" if "workerTemplate" in path else "leader" if "leaderTemplate" in path else "pod"
            templates.append(PodTemplate(role, _strings(metadata.get("labels")), _strings(metadata.get("annotations")), spec))
        if not templates:
            continue
        metadata = record.inputs.get("metadata") or {}
        spec = record.inputs.get("spec") or {}
        lws = spec.get("leaderWorkerTemplate") or {}
        claims = spec.get("volumeClaimTemplates") or lws.get("volumeClaimTemplates") or []
        found.append(
            PodWorkload(
                urn=record.urn,
                name=str(metadata.get("name") or record.name),
                kind=record.type.rsplit(":", 1)[-1],
                namespace=namespace_of(record, by_urn),
                labels=_strings(metadata.get("labels")),
                annotations=_strings(metadata.get("annotations")),
                templates=tuple(templates),
                pods_per_replica=_int(lws.get("size")) or 1,
                claim_templates=tuple(c for c in claims if isinstance(c, dict)),
                record=record,
            )
        )
    return found


def namespace_of(record: ResourceRecord, by_urn: dict[str, ResourceRecord]) -> str:
    """The object's namespace: its own, else its provider's default namespace, else `default`."""
    namespace = (record.inputs.get("metadata") or {}).get("namespace")
    if namespace:
        return str(namespace)
    provider = by_urn.get(record.provider_urn or "")
    return str((provider.inputs.get("namespace") if provider is not None else None) or "default")


def tolerates(tolerations: list[dict[str, Any]], taint: tuple[str, str, str]) -> bool:
    """Whether any toleration matches the taint (key, value, effect), by Kubernetes' rules."""
    key, value, effect = taint
    for toleration in tolerations:
        wanted_effect = toleration.get("effect") or ""
        if wanted_effect and wanted_effect != effect:
            continue
        operator = toleration.get("operator") or "Equal"
        wanted_key = toleration.get("key") or ""
        if operator == "Exists" and (not wanted_key or wanted_key == key):
            return True
        if operator == "Equal" and wanted_key == key and str(toleration.get("value") or "") == value:
            return True
    return False


def untolerated(tolerations: list[dict[str, Any]], taints: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The pool's taints that keep these pods off its nodes."""
    return [taint for taint in taints if taint[2] in BLOCKING_EFFECTS and not tolerates(tolerations, taint)]


def selects(node_selector: dict[str, str], affinity_terms: list[list[dict[str, Any]]], labels: dict[str, str]) -> bool:
    """Whether a node with these labels satisfies a nodeSelector and required node affinity."""
    if any(labels.get(key) != value for key, value in node_selector.items()):
        return False
    if not affinity_terms:
        return True
    return any(all(_expression_holds(e, labels) for e in term if isinstance(e, dict)) for term in affinity_terms)


def _expression_holds(expression: dict[str, Any], labels: dict[str, str]) -> bool:
    key, operator = str(expression.get("key")), expression.get("operator")
    values = [str(v) for v in expression.get("values") or []]
    if operator == "In":
        return labels.get(key) in values
    if operator == "NotIn":
        return labels.get(key) not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    if operator in ("Gt", "Lt") and key in labels and values:
        try:
            have, bound = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return have > bound if operator == "Gt" else have < bound
    return False


def format_taint(taint: tuple[str, str, str]) -> str:
    key, value, effect = taint
    return f"{key}={value}:{effect}" if value else f"{key}:{effect}"


def _strings(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None
