"""The charts Hangar installs because of what an environment runs, against their cluster's `kubernetes_version`.

KEDA itself is judged with its cluster (`hangar.spec.clusters`, `hangar.keda.unsupported_message`); the
charts judged here come with what the environment asks for: the KEDA HTTP add-on, installed beside
KEDA when a deployment of the cluster scales to zero, LeaderWorkerSet when a replica spans hosts,
and on an on-prem cluster the NVIDIA GPU Operator (`gpu_operator: operator`). Outside the range the project states for the pinned version
(`hangar.chart_support`) the stack is a config error naming the key, before anything is registered —
the same verdict the pack's `hangar-supported-versions` gives a raw program's release.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hangar.catalog import CatalogLookupError
from hangar.chart_support import GPU_OPERATOR, HTTP_ADD_ON, LWS, chart_support
from hangar.keda import HTTP_ADD_ON_VERSION
from hangar.replica import ReplicaShapeError, replica_shape

if TYPE_CHECKING:
    from hangar.spec import Environment

GPU_OPERATOR_VERSION = "v26.7.0"
"""The NVIDIA GPU Operator chart Hangar installs on an on-prem cluster (its source: `hangar.components.onprem.GPU_OPERATOR`)."""
LWS_VERSION = "0.8.0"
"""The LeaderWorkerSet chart Hangar installs where a replica spans hosts (its source: `hangar.components.serving_environment.LWS_CHART`)."""


def installed_chart_problems(environment: Environment) -> list[dict[str, Any]]:
    """One problem per cluster whose Kubernetes version a chart Hangar installs there does not support."""
    from hangar.spec import problem

    problems = []
    for index, cluster in enumerate(environment.clusters):
        here = f"clusters[{index}].kubernetes_version"
        mine = [d for d in environment.deployments if (d.cluster or environment.clusters[0].name) == cluster.name]
        sleepers = [d.name for d in mine if environment.scales_to_zero(d)]
        if cluster.replica_autoscaler == "keda" and sleepers:
            why = _outside(HTTP_ADD_ON, HTTP_ADD_ON_VERSION, cluster.kubernetes_version)
            if why:
                problems.append(problem(here, (
                    f"the KEDA HTTP add-on Hangar installs to wake {', '.join(sleepers)} from zero {why}; set min_replicas 1 "
                    "(no scale to zero), or use replica_autoscaler keda-existing with an add-on that supports it"
                ), cluster.kubernetes_version))  # fmt: skip
        why = _outside(LWS, LWS_VERSION, cluster.kubernetes_version)
        spanning = [d.name for d in mine if why and _spans_hosts(environment, d)]  # shapes only where it matters
        if spanning:
            problems.append(problem(here, f"the LeaderWorkerSet Hangar installs to run {', '.join(spanning)} across hosts {why}", cluster.kubernetes_version))
        if getattr(cluster, "gpu_operator", None) == "operator":
            why = _outside(GPU_OPERATOR, GPU_OPERATOR_VERSION, cluster.kubernetes_version)
            if why:
                problems.append(problem(here, f"the NVIDIA GPU Operator Hangar installs {why}; or set gpu_operator device-plugin or none", cluster.kubernetes_version))
    return problems


def _spans_hosts(environment: Environment, deployment: Any) -> bool:
    """Whether a replica of the deployment spans nodes; False where its shape cannot be known (the pool, hardware and replica checks say why)."""
    try:
        return replica_shape(environment, deployment).multi_host
    except (ReplicaShapeError, CatalogLookupError, StopIteration, OSError, ValueError):
        return False


def _outside(chart: str, version: str, kubernetes_version: str) -> str:
    """'(chart X) supports ... (source), not this version' when outside its range; '' inside it."""
    supported = chart_support(chart, version)
    if supported is None or supported.contains(kubernetes_version):
        return ""
    return f"({chart} {version}) supports {supported.describe()} ({supported.source}), not {kubernetes_version}"
