"""`hangar-routing` on any program: HTTPRoutes to missing InferencePools, pools that select no pods or lack their
picker, pickers that cannot fit a node, a system pool its pods overfill, pickers smaller than measured for their
traffic — offline and over gRPC alike."""

from __future__ import annotations

import copy

import pytest
from hangar.policies.rules import POLICIES, evaluate
from hangar.policies.rules.routing import ROUTING

from hangar.stack_policy import stack_policy_configs
from hangar.stackfile import read_project
from hangar.stackplan import plan_project_stack
from tests.conftest import ROOT
from tests.pack_agreement import offline_verdicts, pack_verdicts
from tests.serving_plans import AWS_HEADER, aws, plan_environment

PROGRAM = ROOT / "tests" / "routing_program"


def verdicts(stack: str) -> list[tuple[str, str, str, str]]:
    records = plan_project_stack(PROGRAM, stack).plan.resources
    configs = stack_policy_configs(read_project(PROGRAM), stack, PROGRAM / "policy-prod.json")
    return offline_verdicts(records, configs)


def routing(found: list[tuple[str, str, str, str]]) -> list[tuple[str, str]]:
    return [(message, level) for policy, _, message, level in found if policy == ROUTING]


def test_a_raw_program_routing_nowhere_is_refused_with_each_reason():
    found = routing(verdicts("broken"))
    assert (
        "HTTPRoute serve/chat rules[0] sends requests to InferencePool serve/qwen-large, which this stack does not create "
        "(its InferencePools there: ['llama', 'qwen']): the gateway has nowhere to send them", "mandatory",
    ) in found  # fmt: skip
    assert ("InferencePool serve/llama selects pods labelled {'app': 'llama'}, and no workload of this stack in serve runs such pods: "
            "the pool has no endpoints", "mandatory") in found  # fmt: skip
    assert ("InferencePool serve/llama names its endpoint picker Service serve/llama-epp, which this stack does not create: with FailOpen "
            "the gateway balances blindly, with FailClose every request fails", "mandatory") in found  # fmt: skip
    assert ("the endpoint picker of InferencePool serve/qwen, Deployment serve/qwen-epp, requests 4 CPU (the node has 2 vCPU) and 8 GiB "
            "(the node has 8 GiB) on a m6i.large node of pool system: all the node has, and the kubelet keeps part of every node (capacity: "
            "the reserve of AMI type (not given) is not read here), so it never schedules; lower its requests or give the pool bigger nodes",
            "mandatory") in found  # fmt: skip
    # The cluster bootstraps its default add-ons: aws-node (50m) runs on both system nodes; kube-proxy and CoreDNS are named.
    assert ("the pods that select pool system request 12.1 CPU (its nodes have 4 vCPU) and 24 GiB (its nodes have 16 GiB) in all at its 2 m6i.large "
            "node(s) at most, before the kubelet's reserve (capacity: the reserve of AMI type (not given) is not read here): they can never all run (counted: Deployment serve/qwen-epp x3, "
            "aws-node (EKS add-on vpc-cni: aws/amazon-vpc-cni-k8s v1.23.0) x2; not counted: EKS's kube-proxy (DaemonSet) and CoreDNS (two pods): AWS publishes "
            "no requests for them in a source read here); raise the pool's maximum, give it bigger nodes or lower the requests", "mandatory") in found  # fmt: skip
    assert len(found) == 5, found


def test_the_fixed_program_routes_and_is_only_told_its_small_picker_is_unmeasured():
    assert routing(verdicts("fixed")) == [
        ("the endpoint picker of InferencePool serve/qwen requests 1 CPU and 2 GiB for a declared peak of 2.00 requests/s; the Inference "
         "Extension v1.5.0 validated 4 CPU and 8 GiB (up to 5,000 requests/s, p90 scheduling latency within 100 ms): smaller pickers are not measured",
         "advisory"),
    ]  # fmt: skip


@pytest.mark.parametrize("stack", ["broken", "fixed"])
def test_the_pack_over_grpc_gives_the_same_verdicts(stack):
    records = plan_project_stack(PROGRAM, stack).plan.resources
    configs = stack_policy_configs(read_project(PROGRAM), stack, PROGRAM / "policy-prod.json")
    assert pack_verdicts(records, configs) == verdicts(stack)


def test_hangars_own_gateway_passes_and_a_picker_as_big_as_a_system_node_does_not():
    def judged(raw):
        records = plan_environment(raw).resources
        configs = {policy.name: policy.config_model() for policy in POLICIES}
        return [v.message for v in evaluate(records, configs) if v.policy == ROUTING]

    assert judged(aws(AWS_HEADER)) == []
    raw = aws(AWS_HEADER)
    raw["gateway"] = {"picker_cpu": 2}
    messages = judged(copy.deepcopy(raw))
    per_node = [m for m in messages if "so it never schedules" in m]
    # 2 CPU: an m6i.large's whole capacity, over the 1.93 it allocates on AL2023.
    assert len(per_node) == 2 and all("requests 2 CPU (the node allocates 1.93 of its 2 vCPU) on a m6i.large node of pool system: more than "
                                      "the node allocates" in m for m in per_node), messages  # fmt: skip
    # Four such pickers (two per pool), with KEDA's, istiod's, the Istio gateway's and the EKS add-ons' pods, are also more than the system pool's three nodes hold.
    (system,) = [m for m in messages if m not in per_node]
    assert system.startswith("the pods that select pool system request 9.24 CPU (its nodes allocate at most 5.79 of their 6 vCPU) in all at its 3 m6i.large node(s)"), system
