"""How long `pulumi up` waits for a model server's workload, derived from its startup budget.

pulumi-kubernetes awaits a StatefulSet or a Deployment until it is ready and fails the update after
10 minutes by default (`DefaultStatefulSetTimeoutMins = 10`, `DefaultDeploymentTimeoutMins = 10` in
provider/pkg/await/statefulset.go and deployment.go; the installed SDK 4.34.2's StatefulSet and
Deployment docstrings say the same). A big model legitimately takes longer, and what depends on the
workload (its ScaledObject) is then never created. The timeout is taken, in this order, from the
resource's `customTimeouts`, then the `pulumi.com/timeoutSeconds` annotation, then that default
(provider/pkg/metadata/overrides.go `TimeoutDuration`). A kind the provider has no awaiter for, such
as a LeaderWorkerSet, is not awaited at all unless `pulumi.com/waitFor` names a condition
(`ReadyCondition` there: "Otherwise we no-op"); `condition=Available` waits for that status
condition, the syntax of `kubectl wait --for=condition=` (condition/custom.go). pulumi-kubernetes
read at commit 94977969d64112b04e19945818a7d5d5f38f631d (github.com/pulumi/pulumi-kubernetes, read
2026-12-01).

So every workload carries the annotation (what a plan and the policy rules can see) and the same
`customTimeouts` (which the provider prefers), worth:

    replicas_in_turn x (PROVISIONING_ALLOWANCE_SECONDS + startup budget)

where the startup budget is what its startupProbe allows (initialDelaySeconds + periodSeconds x
failureThreshold) and replicas_in_turn the most replicas a rollout replaces one after the other:
the autoscaler's `max_replicas` (a Deployment with maxSurge 0 / maxUnavailable 1, a StatefulSet's
RollingUpdate, which replaces one pod at a time whatever its podManagementPolicy — "This option
only affects the behavior for scaling operations. Updates are not affected.",
kubernetes.io/docs/concepts/workloads/controllers/statefulset/ — and a LeaderWorkerSet with
maxUnavailable 1). A first deploy creates one replica (the autoscaler owns `replicas`), so it is
covered too. A Deployment also gets `progressDeadlineSeconds` of one replica's time: the default,
600 s (DeploymentSpec.progressDeadlineSeconds in the Kubernetes API), would mark a slow-loading
rollout as failed (ProgressDeadlineExceeded) on its own.
"""

from __future__ import annotations

from typing import Any

import pulumi

TIMEOUT_SECONDS = "pulumi.com/timeoutSeconds"
WAIT_FOR = "pulumi.com/waitFor"
SKIP_AWAIT = "pulumi.com/skipAwait"
DEFAULT_AWAIT_SECONDS = 600
"""pulumi-kubernetes' default await of a StatefulSet or Deployment (10 minutes), and of the generic await."""
PROVISIONING_ALLOWANCE_SECONDS = 900
"""Before the startup probe's clock starts, a replica may wait for a GPU node to be provisioned and for
the multi-GB engine image to be pulled. An allowance chosen by Hangar (15 minutes), not a measurement."""
LEADER_WORKER_SET_READY = "condition=Available"
"""LeaderWorkerSet v0.8.0 sets `Available` when every group is ready (api/leaderworkerset/v1/leaderworkerset_types.go,
kubernetes-sigs/lws at fc19b9ae). Its conditions carry no observedGeneration, so on an update the
provider may see the old `Available` and return before the new groups are up; a create is awaited fully."""

PROBE_DEFAULTS = {"initialDelaySeconds": 0, "periodSeconds": 10, "failureThreshold": 3}
"""Kubernetes' Probe defaults (core/v1 Probe: periodSeconds "Default to 10", failureThreshold "Defaults to 3")."""


def startup_budget(probe: dict[str, Any]) -> int:
    """Seconds a startupProbe lets a container start: initialDelaySeconds + periodSeconds x failureThreshold."""
    field = {key: int(probe.get(key, default)) for key, default in PROBE_DEFAULTS.items()}
    return field["initialDelaySeconds"] + field["periodSeconds"] * field["failureThreshold"]


def replica_ready_seconds(probe: dict[str, Any]) -> int:
    """How long one replica may take from creation to ready: the provisioning allowance plus its startup budget."""
    return PROVISIONING_ALLOWANCE_SECONDS + startup_budget(probe)


def await_seconds(probe: dict[str, Any], replicas_in_turn: int) -> int:
    """The workload's await timeout: every replica a rollout replaces in turn, each given its full time."""
    return max(1, replicas_in_turn) * replica_ready_seconds(probe)


def await_annotations(kind: str, seconds: int) -> dict[str, str]:
    """The annotations that make the provider wait `seconds` for a workload of `kind` (and, for a CR, wait at all)."""
    annotations = {TIMEOUT_SECONDS: str(seconds)}
    if kind == "LeaderWorkerSet":
        annotations[WAIT_FOR] = LEADER_WORKER_SET_READY
    return annotations


def custom_timeouts(seconds: int) -> pulumi.CustomTimeouts:
    """The same wait as `customTimeouts` on create and update (which the provider reads before the annotation)."""
    return pulumi.CustomTimeouts(create=f"{seconds}s", update=f"{seconds}s")
