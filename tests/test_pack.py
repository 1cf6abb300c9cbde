"""The policy pack over gRPC, started and called as the Pulumi CLI does, agrees with `hangar check`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hangar.policies.rules import POLICIES, evaluate
from hangar.policies.rules.config import protocol_config

from hangar.analyzer import PackClient
from hangar.stack_policy import stack_policy_configs
from hangar.stackfile import read_project
from hangar.stackplan import plan_project_stack
from tests.conftest import EXAMPLE_STACKS, ROOT
from tests.pack_agreement import offline_verdicts, pack_verdicts

BAD_STACKS = ROOT / "tests" / "bad_stacks"
RAW_PROGRAM = ROOT / "tests" / "raw_program"
READINESS_PROGRAM = ROOT / "tests" / "readiness_program"
CASES = [(ROOT, stack, None) for stack in EXAMPLE_STACKS] + [
    (BAD_STACKS, stack, None) for stack in ("noncommercial-prod", "mau-over-cap", "big-model-small-gpu", "fp8-on-a100", "over-budget", "under-capacity")
] + [(RAW_PROGRAM, "prod", RAW_PROGRAM / "policy-prod.json"), (READINESS_PROGRAM, "broken", READINESS_PROGRAM / "policy-prod.json")]
PARITY_ONLY = [(READINESS_PROGRAM, stack, READINESS_PROGRAM / "policy-prod.json") for stack in ("fixed", "unscraped")]


def test_the_pack_describes_every_policy_with_its_config_schema(pack: PackClient):
    info = pack.info()
    assert info.name == "hangar" and info.supportsConfig
    described = {policy.name: policy for policy in info.policies}
    assert list(described) == [policy.name for policy in POLICIES]
    budget = described["hangar-budget"]
    assert budget.enforcementLevel == 1  # MANDATORY
    assert "monthlyCeilingUsd" in budget.configSchema.properties
    assert "enforcementLevel" not in budget.configSchema.properties
    assert described["hangar-licence-notices"].enforcementLevel == 0  # ADVISORY
    assert described["hangar-network-placement"].policy_type == 1  # POLICY_TYPE_RESOURCE


@pytest.mark.parametrize(("root", "stack", "policy_file"), CASES + PARITY_ONLY, ids=[f"{root.name}:{stack}" for root, stack, _ in CASES + PARITY_ONLY])
def test_pack_and_offline_check_give_the_same_verdicts(pack: PackClient, root: Path, stack: str, policy_file: Path | None):
    records = plan_project_stack(root, stack).plan.resources
    configs = stack_policy_configs(read_project(root), stack, policy_file)
    assert pack_verdicts(records, configs, pack=pack) == offline_verdicts(records, configs)


def test_the_bad_stacks_are_caught(pack: PackClient):
    """The same stacks judged offline carry the violations they were written to show (details in test_check)."""
    for root, stack, policy_file in CASES[len(EXAMPLE_STACKS) :]:
        records = plan_project_stack(root, stack).plan.resources
        configs = stack_policy_configs(read_project(root), stack, policy_file)
        assert any(v.level == "mandatory" for v in evaluate(records, configs)), stack


def test_configure_refuses_an_entry_without_an_enforcement_level(pack: PackClient):
    with pytest.raises(ValueError, match="hangar-budget: every policy config sent to a pack needs an explicit enforcementLevel"):
        pack.configure({"hangar-budget": {"monthlyCeilingUsd": 5}})


def test_a_bad_config_value_reaches_the_pack_as_a_violation_not_a_silent_pass(pack: PackClient):
    from hangar.records import ResourceRecord

    config = {policy.name: {"enforcementLevel": "mandatory"} for policy in POLICIES}
    config["hangar-budget"]["monthlyCeilingUsd"] = "lots"
    pack.configure(config)
    group = ResourceRecord("urn:pulumi:s::p::aws:eks/nodeGroup:NodeGroup::g", "aws:eks/nodeGroup:NodeGroup", "g", None, True, {"instanceTypes": ["g6.xlarge"]})
    verdicts = pack.verdicts([group])
    assert ("hangar-budget", "", "policy config hangar-budget.monthlyCeilingUsd: Input should be a valid number, unable to parse string as a number; got 'lots'", "mandatory") in verdicts


def test_protocol_config_always_carries_the_level():
    configs = stack_policy_configs(read_project(ROOT), "eks-prod", None)
    sent = protocol_config(configs)
    assert all("enforcementLevel" in entry for entry in sent.values())
    assert json.loads(json.dumps(sent)) == sent
