"""The charts Hangar installs because of what an environment runs, against their cluster's `kubernetes_version`.

KEDA itself is judged with its cluster (`hangar.spec.clusters`, `hangar.keda.unsupported_message`); the
charts judged here come with what the environment asks for: the KEDA HTTP add-on, installed beside
KEDA when a deployment of the cluster scales to zero, and on an on-prem cluster the NVIDIA GPU
Operator (`gpu_operator: operator`). Outside the range the project states for the pinned version
(`hangar.chart_support`) the stack is a config error naming the key, before anything is registered —
the same verdict the pack's `hangar-supported-versions` gives a raw program's release.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hangar.chart_support import GPU_OPERATOR, HTTP_ADD_ON, chart_support
from hangar.keda import HTTP_ADD_ON_VERSION

if TYPE_CHECKING:
    from hangar.spec import Environment

GPU_OPERATOR_VERSION = "v26.7.0"
"""The NVIDIA GPU Operator chart Hangar installs on an on-prem cluster (its source: `hangar.components.onprem.GPU_OPERATOR`)."""


def installed_chart_problems(environment: Environment) -> list[dict[str, Any]]:
    """One problem per cluster whose Kubernetes version a chart Hangar installs there does not support."""
    from hangar.spec import problem

    problems = []
    for index, cluster in enumerate(environment.clusters):
        here = f"clusters[{index}].kubernetes_version"
        sleepers = [d.name for d in environment.deployments if (d.cluster or environment.clusters[0].name) == cluster.name and environment.scales_to_zero(d)]
        if cluster.replica_autoscaler == "keda" and sleepers:
            why = _outside(HTTP_ADD_ON, HTTP_ADD_ON_VERSION, cluster.kubernetes_version)
            if why:
                problems.append(problem(here, (
                    f"the KEDA HTTP add-on Hangar installs to wake {', '.join(sleepers)} from zero {why}; set min_replicas 1 "
                    "(no scale to zero), or use replica_autoscaler keda-existing with an add-on that supports it"
                ), cluster.kubernetes_version))  # fmt: skip
        if getattr(cluster, "gpu_operator", None) == "operator":
            why = _outside(GPU_OPERATOR, GPU_OPERATOR_VERSION, cluster.kubernetes_version)
            if why:
                problems.append(problem(here, f"the NVIDIA GPU Operator Hangar installs {why}; or set gpu_operator device-plugin or none", cluster.kubernetes_version))
    return problems


def _outside(chart: str, version: str, kubernetes_version: str) -> str:
    """'(chart X) supports ... (source), not this version' when outside its range; '' inside it."""
    supported = chart_support(chart, version)
    if supported is None or supported.contains(kubernetes_version):
        return ""
    return f"({chart} {version}) supports {supported.describe()} ({supported.source}), not {kubernetes_version}"
