"""Each policy rule on plain resource records: passing, failing, the boundary, fail-closed, config overrides."""

from __future__ import annotations

import dataclasses

import pytest
from hangar.policies.rules import POLICIES, load_pack_config, run_policy
from hangar.policies.rules.base import BUDGET, CANNOT_JUDGE, HARDWARE_FIT, LICENCE_NOTICES, LICENSING, NETWORK

from hangar.records import ResourceRecord
from tests.policy_records import P5_MONTH, messages, node_group, record, verdicts, vllm

# --- budget --------------------------------------------------------------------------------------------------


def test_budget_passes_under_the_ceiling():
    assert messages([node_group("h100", "p5.48xlarge", 2)], BUDGET, {BUDGET: {"monthlyCeilingUsd": 2 * P5_MONTH + 1}}) == []


def test_budget_exactly_at_the_ceiling_passes():
    assert messages([node_group("h100", "p5.48xlarge", 2)], BUDGET, {BUDGET: {"monthlyCeilingUsd": 2 * P5_MONTH}}) == []


def test_budget_over_the_ceiling_names_total_ceiling_and_largest_three():
    records = [node_group("h100", "p5.48xlarge", 2), node_group("l4", "g6.xlarge", 4), node_group("a10g", "g5.xlarge", 1), node_group("t4", "g4dn.xlarge", 1)]
    (message,) = messages(records, BUDGET, {BUDGET: {"monthlyCeilingUsd": 50000}})
    assert message.startswith("worst-case cost $82,678/month (every pool at max size) exceeds the ceiling $50,000/month; largest: ")
    assert message.endswith("h100 (2 x p5.48xlarge) $79,258; l4 (4 x g6.xlarge) $2,318; a10g (1 x g5.xlarge) $724")


def test_budget_spot_share_and_pool_ceilings():
    records = [node_group("h100", "p5.48xlarge", 1), node_group("l4", "g6.xlarge", 2, capacity="SPOT")]
    config = {BUDGET: {"maxSpotShare": 0.0, "maxPoolMonthlyUsd": {"H100-SXM": 30000}}}
    found = messages(records, BUDGET, config)
    assert any(m.startswith("pool h100 (p5.48xlarge) costs up to $39,629/month; the ceiling for H100-SXM is $30,000/month") for m in found)
    # AWS spot prices are unknown in the catalog: the spot pool is unpriced, so its share is not guessed.
    assert not any("spot capacity" in m for m in found)


def test_an_unpriced_pool_is_cost_unknown_not_free():
    records = [node_group("h200", "p5e.48xlarge", 1)]  # the catalog records no us-east-1 price for p5e
    found = verdicts(records, {BUDGET: {"monthlyCeilingUsd": 1}})
    assert (CANNOT_JUDGE, "mandatory", "cost unknown for pool h200 (aws:eks/nodeGroup:NodeGroup h200): no price for p5e.48xlarge; the budget cannot be judged") in found
    assert not [m for p, _, m in found if p == BUDGET]


def test_an_unpriced_pool_can_be_accepted_explicitly():
    records = [node_group("h200", "p5e.48xlarge", 1)]
    assert messages(records, CANNOT_JUDGE, {CANNOT_JUDGE: {"allowUnpriced": ["h200"]}}) == []


# --- licensing -----------------------------------------------------------------------------------------------


def test_an_apache_model_passes_licensing():
    assert messages([vllm("qwen", "Qwen/Qwen2.5-7B-Instruct", pool="l4")], LICENSING, {LICENSING: {"tier": "prod"}}) == []


COMMAND_R = "CohereForAI/c4ai-command-r-v01"
ACCEPTED_COMMAND_R = {"acceptedGatedModels": [COMMAND_R]}


def test_a_non_commercial_model_is_refused_in_prod():
    (message,) = messages([vllm("cmdr", COMMAND_R, pool="x")], LICENSING, {LICENSING: {"tier": "prod", "commercialUse": False, **ACCEPTED_COMMAND_R}})
    assert message == (
        "cmdr: CohereForAI/c4ai-command-r-v01: CC-BY-NC-4.0 + Cohere Labs (C4AI) Acceptable Use Policy (c4ai-cc-by-nc-4.0) "
        "allows non-commercial use only, and this is a prod stack"
    )


def test_a_non_commercial_model_is_refused_where_commercial_use_is_declared():
    (message,) = messages([vllm("cmdr", COMMAND_R, pool="x")], LICENSING, {LICENSING: {"tier": "dev", "commercialUse": True, **ACCEPTED_COMMAND_R}})
    assert message.endswith("allows non-commercial use only, and this stack declares commercial use")
    assert messages([vllm("cmdr", COMMAND_R, pool="x")], LICENSING, {LICENSING: {"tier": "dev", "commercialUse": False, **ACCEPTED_COMMAND_R}}) == []


def test_the_mau_cap_boundary():
    workload = vllm("qwen72", "Qwen/Qwen2.5-72B-Instruct", pool="x")
    assert messages([workload], LICENSING, {LICENSING: {"monthlyActiveUsers": 100_000_000}}) == []
    (message,) = messages([workload], LICENSING, {LICENSING: {"monthlyActiveUsers": 100_000_001}})
    assert "caps monthly active users at 100,000,000; this stack declares 100,000,001 — a separate licence is needed" in message


def test_a_gated_model_needs_recorded_acceptance():
    workload = vllm("llama", "meta-llama/Llama-3.1-8B-Instruct", pool="x")
    (message,) = messages([workload], LICENSING)
    assert message.endswith("is gated: record that its terms were accepted (licence.accepted_terms in the stack config)")
    assert messages([workload], LICENSING, {LICENSING: {"acceptedGatedModels": ["meta-llama/Llama-3.1-8B-Instruct"]}}) == []


def test_a_distill_carries_its_base_models_licence():
    workload = vllm("r1", "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", pool="x")  # MIT, distilled into Qwen2.5-32B (Apache-2.0)
    found = messages([workload], LICENSING, {LICENSING: {"denyLicences": ["apache-2.0"]}})
    assert found == ["r1: deepseek-ai/DeepSeek-R1-Distill-Qwen-32B: inherited from its base Qwen/Qwen2.5-32B: Apache License 2.0 (apache-2.0) is on the organisation's deny list"]


def test_allow_and_deny_lists():
    workload = vllm("qwen", "Qwen/Qwen2.5-7B-Instruct", pool="x")
    assert messages([workload], LICENSING, {LICENSING: {"denyLicences": ["apache-2.0"]}}) == ["qwen: Qwen/Qwen2.5-7B-Instruct: Apache License 2.0 (apache-2.0) is on the organisation's deny list"]
    assert messages([workload], LICENSING, {LICENSING: {"allowLicences": ["mit"]}}) == [
        "qwen: Qwen/Qwen2.5-7B-Instruct: Apache License 2.0 (apache-2.0) is not on the organisation's allow list (mit)"
    ]


def test_attribution_duties_are_advisory_notices():
    found = [v for v in verdicts([vllm("llama", "meta-llama/Llama-3.1-8B-Instruct", pool="x")]) if v[0] == LICENCE_NOTICES]
    assert len(found) == 1 and found[0][1] == "advisory"
    assert "comes with attribution, an acceptable-use policy" in found[0][2] and "Built with Llama" in found[0][2]


def test_an_unknown_model_cannot_be_judged_and_that_is_mandatory_by_default():
    found = verdicts([vllm("mystery", "acme/secret-model-v1", pool="x")])
    assert (CANNOT_JUDGE, "mandatory", "mystery: model acme/secret-model-v1 is not in the catalog, so its licence and fit cannot be judged; add it with catalog overrides") in found
    assert not [v for v in found if v[0] == LICENSING]


def test_cannot_judge_is_advisory_when_configured_so():
    found = verdicts([vllm("mystery", "acme/secret-model-v1", pool="x")], {CANNOT_JUDGE: "advisory"})
    assert {level for policy, level, _ in found if policy == CANNOT_JUDGE} == {"advisory"}


# --- hardware fit --------------------------------------------------------------------------------------------


def test_a_model_that_fits_its_pool():
    records = [node_group("l4", "g6.xlarge", 1), vllm("qwen", "Qwen/Qwen2.5-7B-Instruct", pool="l4")]
    assert messages(records, HARDWARE_FIT) == []
    assert messages(records, CANNOT_JUDGE) == []


def test_a_70b_model_in_bf16_on_one_l4():
    records = [node_group("l4", "g6.xlarge", 1), vllm("llama70", "meta-llama/Llama-3.3-70B-Instruct", pool="l4")]
    (message,) = messages(records, HARDWARE_FIT)
    assert message.startswith("llama70: meta-llama/Llama-3.3-70B-Instruct in bf16 on pool l4 (1 x L4 per node) does not fit: vLLM would not start: it needs ")
    assert "the weights alone do not fit" in message


def test_fp8_on_an_a100():
    records = [node_group("a100", "p4de.24xlarge", 1), vllm("llama8", "meta-llama/Llama-3.1-8B-Instruct", pool="a100", extra=["--quantization", "fp8"])]
    found = messages(records, HARDWARE_FIT)
    assert len(found) == 1 and found[0].startswith("llama8: meta-llama/Llama-3.1-8B-Instruct in fp8 on pool a100 (8 x A100-80GB per node): ")
    assert "fp8" in found[0].split(": ", 2)[2]


def test_a_tpu_workload_on_a_gpu_pool():
    records = [node_group("l4", "g6.xlarge", 1), vllm("gemma", "google/gemma-2-9b-it", pool="l4", gpus=4, resource="google.com/tpu")]
    assert messages(records, HARDWARE_FIT) == ["gemma: requests 4 google.com/tpu, but pool l4 (1 x L4 per node) offers nvidia.com/gpu"]


def test_a_tensor_parallel_degree_the_model_refuses():
    records = [node_group("g6", "g6.48xlarge", 1), vllm("phi", "microsoft/phi-4", pool="g6", gpus=4)]
    (message,) = messages(records, HARDWARE_FIT)
    assert message.startswith("phi: microsoft/phi-4: ") and "4" in message


def test_more_gpus_per_pod_than_a_node_has():
    records = [node_group("l4", "g6.xlarge", 1), vllm("qwen", "Qwen/Qwen2.5-7B-Instruct", pool="l4", gpus=2)]
    assert "qwen: requests 2 nvidia.com/gpu per pod, but pool l4 (1 x L4 per node) has 1" in messages(records, HARDWARE_FIT)


def test_a_workload_on_no_known_pool_cannot_be_judged():
    found = messages([vllm("qwen", "Qwen/Qwen2.5-7B-Instruct", pool="nowhere")], CANNOT_JUDGE)
    assert found == ["qwen: its nodeSelector {'hangar.dev/pool': 'nowhere'} matches no node pool in this stack; its hardware fit cannot be judged"]


# --- network placement ---------------------------------------------------------------------------------------


def test_a_public_eks_endpoint_in_prod():
    cluster = record("aws:eks/cluster:Cluster", "prod", {"vpcConfig": {"endpointPublicAccess": True}})
    assert messages([cluster], NETWORK, {NETWORK: {"tier": "prod"}}) == [
        "prod: the EKS API endpoint is public to 0.0.0.0/0; set endpointPublicAccess false or list publicAccessCidrs"
    ]
    assert messages([cluster], NETWORK, {NETWORK: {"tier": "dev"}}) == []


def test_a_public_endpoint_limited_to_authorised_cidrs_passes():
    cluster = record("aws:eks/cluster:Cluster", "prod", {"vpcConfig": {"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]}})
    assert messages([cluster], NETWORK, {NETWORK: {"tier": "prod"}}) == []


def test_the_resource_tier_label_wins_when_stricter():
    cluster = record("aws:eks/cluster:Cluster", "prod", {"vpcConfig": {}, "tags": {"hangar.dev/tier": "prod"}})
    assert len(messages([cluster], NETWORK, {NETWORK: {"tier": "dev"}})) == 1


def test_a_public_load_balancer_in_prod_needs_declared_auth():
    service = record("kubernetes:core/v1:Service", "chat", {"metadata": {"name": "chat"}, "spec": {"type": "LoadBalancer"}})
    (message,) = messages([service], NETWORK, {NETWORK: {"tier": "prod"}})
    assert message.startswith("chat: the Service is an internet-facing load balancer with no declared auth")
    internal = record("kubernetes:core/v1:Service", "chat", {"metadata": {"annotations": {"networking.gke.io/load-balancer-type": "Internal"}}, "spec": {"type": "LoadBalancer"}})
    authed = record("kubernetes:core/v1:Service", "chat", {"metadata": {"annotations": {"hangar.dev/auth": "oidc"}}, "spec": {"type": "LoadBalancer"}})
    assert messages([internal, authed], NETWORK, {NETWORK: {"tier": "prod"}}) == []


@pytest.mark.parametrize(
    ("type_", "inputs", "expected"),
    [
        ("aws:ec2/subnet:Subnet", {"mapPublicIpOnLaunch": True}, "public IPs (mapPublicIpOnLaunch)"),
        ("aws:ec2/launchTemplate:LaunchTemplate", {"networkInterfaces": [{"associatePublicIpAddress": "true"}]}, "associatePublicIpAddress"),
        ("gcp:container/cluster:Cluster", {"privateClusterConfig": {"enablePrivateEndpoint": True}}, "GKE nodes have public IPs"),
        ("azure-native:containerservice:AgentPool", {"enableNodePublicIP": True}, "enableNodePublicIP"),
        ("azure-native:containerservice:ManagedCluster", {"apiServerAccessProfile": {"enablePrivateCluster": True}, "agentPoolProfiles": [{"name": "sys", "enableNodePublicIP": True}]}, "agent pool 'sys'"),
    ],
)
def test_public_node_ips_in_prod(type_, inputs, expected):
    (message,) = messages([record(type_, "r", inputs)], NETWORK, {NETWORK: {"tier": "prod"}})
    assert expected in message


def test_egress_refused_when_not_allowed():
    nat = record("aws:ec2/natGateway:NatGateway", "nat", {})
    assert messages([nat], NETWORK, {NETWORK: {"allowEgress": False}}) == ["nat: a NAT gateway gives the stack internet egress, which this stack does not allow"]
    assert messages([nat], NETWORK) == []


# --- the engine of rules -------------------------------------------------------------------------------------


def test_a_rule_that_raises_is_a_violation_not_a_pass():
    def broken(records, config):
        raise RuntimeError("boom")

    policy = dataclasses.replace(next(p for p in POLICIES if p.name == NETWORK), check=broken)
    cluster = record("aws:eks/cluster:Cluster", "prod", {})
    (finding,) = run_policy(policy, [cluster], load_pack_config({}, "test")[NETWORK])
    assert finding.policy == NETWORK and finding.urn == cluster.urn
    assert finding.message == "the rule failed, so nothing was judged: RuntimeError: boom"


def test_disabled_policies_report_nothing():
    records = [node_group("h100", "p5.48xlarge", 2)]
    assert messages(records, BUDGET, {BUDGET: {"enforcementLevel": "disabled", "monthlyCeilingUsd": 1}}) == []


# --- policy config -------------------------------------------------------------------------------------------


def test_a_threshold_alone_does_not_weaken_a_mandatory_policy():
    configs = load_pack_config({BUDGET: {"monthlyCeilingUsd": 5}}, "test")
    assert configs[BUDGET].enforcement_level == "mandatory"
    assert configs[LICENCE_NOTICES].enforcement_level == "advisory"


def test_all_sets_the_level_of_policies_not_set_themselves():
    configs = load_pack_config({"all": "advisory", BUDGET: "mandatory"}, "test")
    assert configs[BUDGET].enforcement_level == "mandatory" and configs[LICENSING].enforcement_level == "advisory"


def test_bad_policy_config_is_one_line_per_problem():
    with pytest.raises(ValueError) as raised:
        load_pack_config(
            {"hangar-budjet": {}, BUDGET: {"monthlyCeilingUsd": "lots", "colour": "red"}, LICENSING: {"enforcementLevel": "strict"}, "all": "loud"},
            "policy.json",
        )
    assert str(raised.value).splitlines() == [
        "policy.json: all: must be one of advisory, mandatory, disabled; got 'loud'",
        "policy.json: hangar-budjet: unknown policy; policies are hangar-budget, hangar-licensing, hangar-licence-notices, hangar-hardware-fit, hangar-network-placement, "
        "hangar-schedulable-accelerators, hangar-autoscaler-metrics, hangar-replica-room, hangar-deploy-timeout, hangar-reachable-control-plane, hangar-zonal-storage, "
        "hangar-cannot-judge, "
        "hangar-enforced-network-policy, hangar-supported-versions, hangar-capacity, hangar-routing",
        "policy.json: hangar-budget.monthlyCeilingUsd: Input should be a valid number, unable to parse string as a number; got 'lots'",
        "policy.json: hangar-budget.colour: unknown setting; got 'red'",
        "policy.json: hangar-licensing.enforcementLevel: Input should be 'advisory', 'mandatory' or 'disabled'; got 'strict'",
    ]


def test_a_tpu_workload_finds_its_single_host_slice_by_gke_labels():
    pool = record(
        "gcp:container/nodePool:NodePool",
        "v5e",
        {"name": "v5e", "nodeCount": 1.0, "nodeConfig": {"machineType": "ct5lp-hightpu-8t", "labels": {"team": "tpu"}}},
    )
    workload = vllm("gemma", "google/gemma-2-9b-it", pool="unused", gpus=8, resource="google.com/tpu")
    selector = {"cloud.google.com/gke-tpu-accelerator": "tpu-v5-lite-podslice", "cloud.google.com/gke-tpu-topology": "2x4"}
    workload.inputs["spec"]["template"]["spec"]["nodeSelector"] = selector
    assert messages([pool, workload], CANNOT_JUDGE) == []
    assert messages([pool, workload], HARDWARE_FIT) == []
    workload.inputs["spec"]["template"]["spec"]["containers"][0]["args"][-1] = "256"  # --max-num-seqs past what 8 chips hold at full length
    assert messages([pool, workload], HARDWARE_FIT) == []  # vLLM still starts: capacity is not fit
    single = dataclasses.replace(pool, inputs={**pool.inputs, "nodeConfig": {"machineType": "ct5lp-hightpu-1t", "labels": {"team": "tpu"}}})
    selector["cloud.google.com/gke-tpu-topology"] = "1x1"
    workload.inputs["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["google.com/tpu"] = "1"
    workload.inputs["spec"]["template"]["spec"]["containers"][0]["args"][3] = "1"  # --tensor-parallel-size 1: 18.5 GiB of weights, one 16 GiB chip
    (message,) = messages([single, workload], HARDWARE_FIT)
    assert message.startswith("gemma: google/gemma-2-9b-it in bf16 on pool v5e (1 x TPU v5e chip per node) does not fit: vLLM would not start: ")
    assert "the weights alone do not fit" in message


def test_a_workload_is_judged_against_the_pools_of_its_own_cluster():
    """Two clusters both name a pool 'gpu': the workload runs where its Kubernetes provider points."""

    def in_cluster(cluster: str, resource: ResourceRecord, provider: str | None = None) -> ResourceRecord:
        component = f"urn:pulumi:test::raw::test:index:Cluster::{cluster}"
        return dataclasses.replace(resource, urn=f"{resource.urn}-{cluster}", parent=component, provider=provider)

    def component(cluster: str) -> ResourceRecord:
        return ResourceRecord(f"urn:pulumi:test::raw::test:index:Cluster::{cluster}", "test:index:Cluster", cluster, None, False, {})

    small = in_cluster("edge", node_group("gpu", "g6.xlarge", 1))
    big = in_cluster("core", node_group("gpu", "p5.48xlarge", 1))
    provider = in_cluster("core", record("pulumi:providers:kubernetes", "k8s", {}))
    llama = in_cluster("core", vllm("llama70", "meta-llama/Llama-3.3-70B-Instruct", pool="gpu", gpus=4), provider=f"{provider.urn}::k8s-id")
    records = [component("edge"), component("core"), small, big, provider, llama]

    assert messages(records, HARDWARE_FIT) == []  # judged on the H100s of its own cluster, not the edge L4
    orphan = dataclasses.replace(llama, provider=None, parent=None)
    assert any("on pool gpu (1 x L4 per node)" in m for m in messages([*records[:-1], orphan], HARDWARE_FIT))
