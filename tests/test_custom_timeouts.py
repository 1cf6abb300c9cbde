"""Pulumi customTimeouts reach the deploy-timeout rule offline and through the pack, with the same verdicts.

The engine parses a program's duration strings into seconds and sends them in
`AnalyzerResourceOptions.customTimeouts`; pulumi_policy passes create/update/delete on. The offline plan
records the same seconds, so `hangar check` and `pulumi preview --policy-pack` agree.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pytest
from hangar.policies.rules import evaluate, load_pack_config

from hangar.custom_timeouts import duration_seconds, from_strings
from hangar.plan import PlanError, plan_program
from hangar.records import Plan, ResourceRecord
from hangar.stackservice import plan_from_json
from tests.pack_agreement import offline_verdicts, pack_verdicts

DEPLOY_TIMEOUT = "hangar-deploy-timeout"
PROBE = {"periodSeconds": 10, "failureThreshold": 100}  # 1000 s to start


def deployment(annotations: dict, custom_timeouts: dict | None, name: str = "d") -> ResourceRecord:
    spec = {"template": {"spec": {"containers": [{"name": "s", "image": "x", "startupProbe": PROBE}]}}}
    inputs = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "annotations": annotations}, "spec": spec}
    return ResourceRecord(f"urn:pulumi:t::p::kubernetes:apps/v1:Deployment::{name}", "kubernetes:apps/v1:Deployment", name, None, True, inputs, None, (), custom_timeouts)


def waits(record: ResourceRecord) -> list[str]:
    return [v.message.split(" — ")[0] for v in evaluate([record], load_pack_config({}, "test")) if v.policy == DEPLOY_TIMEOUT]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("1h30m", 5400), ("1.5h", 5400), ("300s", 300), ("0", 0), ("90s500ms", 90.5), ("2h0m0s", 7200)],
)
def test_go_durations_become_seconds_as_the_engine_reads_them(text, seconds):
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["30", "10 minutes", "m", "1d"])
def test_a_duration_the_engine_refuses_is_refused(text):
    with pytest.raises(ValueError, match=f"unable to parse customTimeout value {text!r}: expected a Go duration such as 30m or 1h30m"):
        duration_seconds(text)


def test_only_non_zero_create_update_and_delete_are_kept():
    assert from_strings({"create": "15m", "update": "", "delete": "0s", "read": "5m"}) == {"create": 900.0}
    assert from_strings({"create": "", "update": ""}) is None


def test_custom_timeouts_win_over_the_annotation_and_the_shorter_of_create_and_update_is_judged():
    annotated = {"pulumi.com/timeoutSeconds": "1200"}
    assert waits(deployment(annotated, None)) == []
    assert waits(deployment(annotated, {"update": 300.0})) == [
        "Deployment default/d: its startupProbe allows 1000 s to start (initialDelaySeconds 0 + periodSeconds 10 x failureThreshold 100), "
        "but `pulumi up` waits only 300 s (customTimeouts.update)"
    ]
    assert waits(deployment({}, {"create": 400.0, "update": 400.0}))[0].endswith("waits only 400 s (customTimeouts.create and customTimeouts.update)")
    assert waits(deployment({}, {"create": 1200.0}))[0].endswith("waits only 600 s (pulumi-kubernetes' default for a Deployment)")  # updates wait the default
    assert waits(deployment({}, {"create": 1200.0, "update": 1200.0})) == []
    assert waits(deployment({}, {"delete": 60.0}))[0].endswith("waits only 600 s (pulumi-kubernetes' default for a Deployment)")


def test_a_custom_resource_pulumi_does_not_await_stays_unjudged_whatever_its_custom_timeouts():
    template = {"spec": {"containers": [{"name": "s", "image": "x", "startupProbe": PROBE}]}}
    inputs = {"metadata": {"name": "g"}, "spec": {"leaderWorkerTemplate": {"size": 2, "leaderTemplate": template, "workerTemplate": template}}}
    lws = ResourceRecord("urn:pulumi:t::p::x::g", "kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet", "g", None, True, inputs, None, (), {"create": 60.0})
    assert waits(lws) == []


def program(create: str, update: str):
    def body() -> None:
        k8s.apps.v1.Deployment(
            "d",
            metadata={"name": "d"},
            spec={"selector": {"matchLabels": {"app": "d"}}, "template": {"metadata": {"labels": {"app": "d"}}, "spec": {"containers": [{"name": "s", "image": "x", "startup_probe": PROBE}]}}},
            opts=pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(create=create, update=update)),
        )

    return body


def test_the_offline_plan_records_the_seconds_and_keeps_them_through_its_json():
    plan = plan_program(program("1h30m", "20m"), project="p", stack="s")
    (record,) = [r for r in plan.resources if r.type == "kubernetes:apps/v1:Deployment"]
    assert record.custom_timeouts == {"create": 5400.0, "update": 1200.0}
    assert plan_from_json(plan.to_json()).resources == plan.resources
    assert "custom_timeouts" not in Plan("p", "s", (deployment({}, None),)).to_json()["resources"][0]  # none: the JSON is as before


def test_a_program_whose_timeout_the_engine_would_refuse_does_not_plan():
    with pytest.raises(PlanError, match="kubernetes:apps/v1:Deployment d: unable to parse customTimeout value '10 minutes'"):
        plan_program(program("10 minutes", ""), project="p", stack="s")


def test_the_pack_reads_the_engines_custom_timeouts_and_agrees_with_the_offline_check():
    records = [
        deployment({"pulumi.com/timeoutSeconds": "1200"}, {"update": 300.0}, "short-update"),
        deployment({}, {"create": 1200.0, "update": 1200.0}, "long-enough"),
        deployment({}, None, "default"),
    ]
    configs = load_pack_config({}, "test")
    remote = pack_verdicts(records, configs)
    assert remote == offline_verdicts(records, configs)
    assert sorted(urn.rsplit("::", 1)[-1] for policy, urn, _, _ in remote if policy == DEPLOY_TIMEOUT) == ["default", "short-update"]
