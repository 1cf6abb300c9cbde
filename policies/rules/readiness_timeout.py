"""Deploy waits long enough: `pulumi up` waits for a workload at least as long as its probes let it start.

pulumi-kubernetes awaits a Deployment, StatefulSet, DaemonSet, Job or Pod until it is ready, for 10 minutes
by default ("If the StatefulSet has not reached a Ready state after 10 minutes, it will time out and mark the
resource update as Failed" — the installed SDK 4.34.2's docstrings; `DefaultStatefulSetTimeoutMins = 10` and
the like in provider/pkg/await/*.go). The timeout is the resource's customTimeouts (create on a create, update on
an update; a non-zero one wins), else the annotation `pulumi.com/timeoutSeconds`, else that default
(provider/pkg/metadata/overrides.go `TimeoutDuration`); a
custom resource (a LeaderWorkerSet) is awaited only when `pulumi.com/waitFor` names what to wait for
(`ReadyCondition`: without it the provider returns at once), for the same 10 minutes by default
(provider/pkg/await/await.go); `pulumi.com/skipAwait: "true"` turns the wait off. pulumi-kubernetes read at
commit 94977969d64112b04e19945818a7d5d5f38f631d (github.com/pulumi/pulumi-kubernetes, 2026-12-01).
The customTimeouts are the record's (`ResourceRecord.custom_timeouts`): offline from the program's registration,
through the pack from the engine's `AnalyzerResourceOptions.customTimeouts` (`hangar.custom_timeouts`). A workload
is deployed by a create and then by updates, so the shorter of the two waits is judged.

A model server's startupProbe allows minutes for the weights to download and load; a deploy that gives up
first marks the stack failed while the server is still starting, and the next `up` replaces it. The
startup budget is `initialDelaySeconds + periodSeconds x failureThreshold` of the startupProbe (Kubernetes
defaults 0, 10 and 3: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#lifecycle-1,
read 2026-12-01).
"""

from __future__ import annotations

from typing import Any

from hangar.policies.rules.base import DEPLOY_TIMEOUT, Finding
from hangar.policies.rules.config import DeployTimeoutConfig
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.readiness_pods import PodWorkload

TIMEOUT_ANNOTATION = "pulumi.com/timeoutSeconds"
SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait"
WAIT_FOR_ANNOTATION = "pulumi.com/waitFor"
GENERIC_AWAIT_SECONDS = 600
DEFAULT_AWAIT_SECONDS = {"Deployment": 600, "StatefulSet": 600, "DaemonSet": 600, "Job": 600, "Pod": 600}
"""pulumi-kubernetes' default await per kind (10 minutes, see the module docstring)."""
PROBE_DEFAULTS = {"initialDelaySeconds": 0, "periodSeconds": 10, "failureThreshold": 3}


def check(facts: StackFacts, config: DeployTimeoutConfig) -> list[Finding]:
    findings = []
    for workload in facts.pod_workloads:
        budget = startup_budget(workload)
        if budget is None:
            continue
        seconds, how = budget
        if str(workload.annotations.get(SKIP_AWAIT_ANNOTATION, "")).lower() == "true":
            continue
        record = facts.by_urn.get(workload.urn)
        timeout, source = await_timeout(workload, record.custom_timeouts if record is not None else None)
        if timeout is None or timeout >= seconds:
            continue
        findings.append(
            Finding(
                DEPLOY_TIMEOUT,
                workload.urn,
                f"{workload.describe()}: its startupProbe allows {seconds} s to start ({how}), but `pulumi up` waits only "
                f"{timeout} s ({source}) — the deploy fails while the weights are still loading. Set the annotation "
                f'{TIMEOUT_ANNOTATION}: "{seconds}" (or more) on the workload, or customTimeouts, or {SKIP_AWAIT_ANNOTATION}: "true"',
            )
        )
    return findings


def startup_budget(workload: PodWorkload) -> tuple[int, str] | None:
    """The longest startup a pod template's startupProbe allows, and how it adds up; None without a startupProbe."""
    best: tuple[int, str] | None = None
    for template in workload.templates:
        for container in template.containers:
            probe = container.get("startupProbe")
            if not isinstance(probe, dict):
                continue
            delay, period, threshold = (_number(probe.get(key), default) for key, default in PROBE_DEFAULTS.items())
            seconds = delay + period * threshold
            how = f"initialDelaySeconds {delay} + periodSeconds {period} x failureThreshold {threshold}"
            if best is None or seconds > best[0]:
                best = (seconds, how)
    return best


def await_timeout(workload: PodWorkload, custom_timeouts: dict[str, float] | None = None) -> tuple[int | None, str]:
    """How long `pulumi up` waits for the workload, and where that comes from; None when it is not awaited by a known rule.

    The shorter of the create and the update wait: each is its customTimeouts entry when given, else the
    annotation, else the provider's default for the kind."""
    fallback = _annotated_or_default(workload)
    if fallback[0] is None:
        return fallback  # a kind the provider does not await: no timeout makes it wait
    waits = []
    for operation in ("create", "update"):
        seconds = (custom_timeouts or {}).get(operation)
        waits.append((int(seconds), f"customTimeouts.{operation}") if seconds else fallback)
    timeout = min(seconds for seconds, _ in waits)
    sources = list(dict.fromkeys(source for seconds, source in waits if seconds == timeout))
    return timeout, " and ".join(sources)


def _annotated_or_default(workload: PodWorkload) -> tuple[int | None, str]:
    annotated = workload.annotations.get(TIMEOUT_ANNOTATION)
    if annotated is not None:
        try:
            return int(float(annotated)), f"annotation {TIMEOUT_ANNOTATION}"
        except ValueError:
            return 0, f"annotation {TIMEOUT_ANNOTATION} {annotated!r} is not a number"
    if workload.kind in DEFAULT_AWAIT_SECONDS:
        return DEFAULT_AWAIT_SECONDS[workload.kind], f"pulumi-kubernetes' default for a {workload.kind}"
    if WAIT_FOR_ANNOTATION in workload.annotations:
        return GENERIC_AWAIT_SECONDS, f"pulumi-kubernetes' default for what {WAIT_FOR_ANNOTATION} awaits"
    return None, "not awaited"


def _number(value: Any, default: int) -> int:
    try:
        return int(float(value)) if value is not None else default
    except (TypeError, ValueError):
        return default
