"""Policies are not silently disarmed: a missing budget, a levelless config entry, an absurd bound.

Each case was a pass before (issue 16): a $396,495/month prod stack passed with no ceiling in the
policy config, a ceiling of `1e400` (infinity once parsed) passed everything, and a negative
number was accepted in the stack spec.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hangar.policies.rules import load_pack_config
from hangar.policies.rules.base import BUDGET
from typer.testing import CliRunner

from hangar.analyzer import LEVEL_VALUES, running_pack
from hangar.cli import app
from hangar.records import ResourceRecord
from hangar.spec import Environment
from hangar.stackfile import StackConfigError, environment_from_config
from tests.conftest import ROOT
from tests.policy_records import P5_MONTH, messages, node_group
from tests.policy_records import verdicts as _verdicts

runner = CliRunner()
PROD_GROUP = node_group("h100", "p5.48xlarge", 10, labels={"hangar.dev/pool": "h100", "hangar.dev/tier": "prod"})


def _gke_pool(name: str, machine: str, nodes: int, *, spot: bool) -> ResourceRecord:
    config = {"machineType": machine, "spot": spot, "labels": {"hangar.dev/pool": name}}
    inputs = {"name": name, "location": "us-central1-a", "nodeConfig": config, "autoscaling": {"totalMinNodeCount": 0.0, "totalMaxNodeCount": float(nodes)}}
    return ResourceRecord(f"urn:pulumi:test::raw::gcp:container/nodePool:NodePool::{name}", "gcp:container/nodePool:NodePool", name, None, True, inputs)


# --- a missing ceiling ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("config", [None, {}, {BUDGET: {}}, {BUDGET: {"maxSpotShare": 0.5}}, {BUDGET: "mandatory"}])
def test_a_prod_stack_without_a_ceiling_is_a_mandatory_violation(config):
    (found,) = [v for v in _verdicts([PROD_GROUP], config) if v[0] == BUDGET]
    assert found[1] == "mandatory"
    assert found[2].startswith(f"no monthly ceiling is configured (hangar-budget.monthlyCeilingUsd) for this prod stack, so its worst-case cost ${10 * P5_MONTH:,.0f}/month")
    assert found[2].endswith('waive it on purpose with hangar-budget.ceilingWaiver: "<why>"')


def test_the_configured_tier_counts_when_the_resources_carry_no_label():
    (message,) = messages([node_group("h100", "p5.48xlarge", 1)], BUDGET, {BUDGET: {"tier": "prod"}})
    assert "for this prod stack" in message


def test_outside_prod_a_missing_ceiling_is_advisory():
    (found,) = [v for v in _verdicts([node_group("h100", "p5.48xlarge", 1)], {}) if v[0] == BUDGET]
    assert found[1] == "advisory" and "for this dev stack" in found[2]


def test_an_explicit_waiver_accepts_a_missing_ceiling_and_stays_visible():
    found = [v for v in _verdicts([PROD_GROUP], {BUDGET: {"ceilingWaiver": "research cluster, billed to the grant"}}) if v[0] == BUDGET]
    assert found == [(BUDGET, "advisory", f"no monthly ceiling, waived in the policy config: 'research cluster, billed to the grant'; worst-case cost ${10 * P5_MONTH:,.0f}/month")]


def test_the_pack_shows_a_waiver_as_advisory(pack):
    pack.configure({BUDGET: {"enforcementLevel": "mandatory", "ceilingWaiver": "grant"}})
    verdicts = pack.verdicts([PROD_GROUP])
    assert [(policy, level) for policy, _, message, level in verdicts if "waived" in message] == [(BUDGET, "advisory")]


def test_a_waiver_beside_a_ceiling_is_a_config_error():
    with pytest.raises(ValueError, match="ceilingWaiver waives a missing monthlyCeilingUsd: set one or the other, not both"):
        load_pack_config({BUDGET: {"monthlyCeilingUsd": 5, "ceilingWaiver": "why"}}, "test")


def test_an_empty_waiver_is_refused():
    with pytest.raises(ValueError, match="hangar-budget.ceilingWaiver: String should have at least 1 character"):
        load_pack_config({BUDGET: {"ceilingWaiver": ""}}, "test")


@pytest.mark.parametrize("content", ["{}", '{"hangar-budget": {"maxSpotShare": 1}}'])
def test_check_with_a_policy_config_without_a_ceiling_blocks(tmp_path: Path, content: str):
    config = tmp_path / "policy.json"
    config.write_text(content)
    result = runner.invoke(app, ["check", "eks-prod", "-C", str(ROOT), "--policy-config", str(config), "--format", "json"])
    assert result.exit_code == 1, result.output
    (stack,) = json.loads(result.stdout)
    assert any(v["policy"] == BUDGET and v["level"] == "mandatory" and v["message"].startswith("no monthly ceiling") for v in stack["violations"])


def test_the_pack_without_any_config_refuses_a_prod_stack_without_a_ceiling():
    with running_pack(ROOT / "policies") as fresh:  # never configured
        verdicts = fresh.verdicts([PROD_GROUP])
    assert any(policy == BUDGET and level == "mandatory" and message.startswith("no monthly ceiling") for policy, _, message, level in verdicts)


def test_the_pack_reports_a_missing_ceiling_outside_prod_as_advisory(pack):
    pack.configure({BUDGET: {"enforcementLevel": "mandatory", "tier": "staging"}})
    verdicts = pack.verdicts([node_group("h100", "p5.48xlarge", 1)])
    assert [(policy, level) for policy, _, message, level in verdicts if message.startswith("no monthly ceiling")] == [(BUDGET, "advisory")]


def test_the_pack_with_an_empty_budget_entry_refuses_it_too(pack):
    pack.configure({BUDGET: {"enforcementLevel": "mandatory"}})
    verdicts = pack.verdicts([PROD_GROUP])
    assert any(policy == BUDGET and level == "mandatory" and message.startswith("no monthly ceiling") for policy, _, message, level in verdicts)


def test_a_config_entry_without_a_level_keeps_a_mandatory_policy_mandatory():
    """Offline as in the Pulumi CLI's reconciliation: a settings-only entry takes the policy's default level."""
    configs = load_pack_config({BUDGET: {"monthlyCeilingUsd": 5}}, "test")
    assert configs[BUDGET].enforcement_level == "mandatory"
    assert LEVEL_VALUES["advisory"] == 0  # why the pack's client never sends a levelless entry: on the wire it reads as advisory


# --- bounds ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ceiling", [math.inf, -math.inf, math.nan, 1e400])
def test_an_infinite_or_nan_ceiling_is_a_config_error(ceiling):
    with pytest.raises(ValueError, match="hangar-budget.monthlyCeilingUsd: Input should be a finite number"):
        load_pack_config({BUDGET: {"monthlyCeilingUsd": ceiling}}, "test")


def test_1e400_in_a_policy_config_file_is_refused_by_check(tmp_path: Path):
    config = tmp_path / "policy.json"
    config.write_text('{"hangar-budget": {"monthlyCeilingUsd": 1e400}}')
    result = runner.invoke(app, ["check", "prod", "-C", str(ROOT / "tests" / "raw_program"), "--policy-config", str(config)])
    assert result.exit_code == 2
    assert "hangar-budget.monthlyCeilingUsd: Input should be a finite number" in result.stderr


def test_a_negative_per_pool_ceiling_is_refused():
    with pytest.raises(ValueError, match=r"hangar-budget.maxPoolMonthlyUsd.p5.48xlarge: Input should be greater than 0; got -1"):
        load_pack_config({BUDGET: {"maxPoolMonthlyUsd": {"p5.48xlarge": -1}}}, "test")


def _environment(**budget) -> dict:
    return {
        "name": "dev",
        "tier": "dev",
        "owner": "ml",
        "cost_centre": "cc",
        "budget": {"monthly_ceiling_usd": 1000, **budget},
        "clusters": [
            {"name": "c", "provider": "onprem", "kubeconfig_secret": "kubeconfig", "node_pools": [{"name": "l4", "gpu": "L4", "gpus_per_node": 1, "min_nodes": 1, "max_nodes": 1}]}
        ],
    }


@pytest.mark.parametrize("ceiling", [".inf", "1e400", ".nan", "-.inf"])
def test_an_infinite_or_nan_spec_ceiling_is_a_config_error(ceiling: str):
    import yaml

    raw = _environment()
    raw["budget"]["monthly_ceiling_usd"] = yaml.safe_load(ceiling)
    with pytest.raises(StackConfigError) as error:
        environment_from_config(raw, "stack.yaml")
    assert any(p.path == "hangar:environment.budget.monthly_ceiling_usd" for p in error.value.problems), str(error.value)


def test_every_number_in_the_spec_has_a_lower_bound_and_is_finite():
    """No negative count, price, size or share anywhere: every number in the schema declares its minimum."""
    schema = Environment.model_json_schema()
    unbounded = []

    def walk(node, path):
        if isinstance(node, dict):
            if node.get("type") in ("number", "integer") and "minimum" not in node and "exclusiveMinimum" not in node:
                unbounded.append(path)
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")

    walk(schema, "")
    # tensor_parallel's bound is its validator (a power of two), which the schema cannot show: proven below.
    assert unbounded == [".$defs.ModelDeployment.properties.tensor_parallel.anyOf[0]"]


def test_a_negative_tensor_parallel_degree_is_refused():
    from hangar.spec import ModelDeployment

    with pytest.raises(ValueError, match="tensor_parallel must be 'auto' or a power of two"):
        ModelDeployment.model_validate({"name": "m", "model": "meta-llama/Llama-3.1-8B-Instruct", "pool": "l4", "tensor_parallel": -2})


# --- every configurable threshold: a failing and a passing case -------------------------------------------------
# GKE spot prices are in the catalog (a2-highgpu-1g, us-central1: $3.673385/h on demand, $1.102016/h spot).

SPOT_SHARE = (2 * 1.102016) / (2 * 1.102016 + 1 * 3.673385)


def test_max_spot_share_refuses_a_larger_spot_share():
    records = [_gke_pool("spot", "a2-highgpu-1g", 2, spot=True), _gke_pool("steady", "a2-highgpu-1g", 1, spot=False)]
    found = messages(records, BUDGET, {BUDGET: {"monthlyCeilingUsd": 1e6, "maxSpotShare": 0.3}})
    assert found == [f"{SPOT_SHARE:.0%} of the worst-case cost runs on spot capacity; the ceiling is 30%"]


def test_max_spot_share_passes_a_share_at_or_under_it():
    records = [_gke_pool("spot", "a2-highgpu-1g", 2, spot=True), _gke_pool("steady", "a2-highgpu-1g", 1, spot=False)]
    assert messages(records, BUDGET, {BUDGET: {"monthlyCeilingUsd": 1e6, "maxSpotShare": 0.4}}) == []
    assert messages(records, BUDGET, {BUDGET: {"monthlyCeilingUsd": 1e6, "maxSpotShare": SPOT_SHARE}}) == []


def test_a_pool_ceiling_passes_a_pool_under_it():
    records = [node_group("h100", "p5.48xlarge", 1)]
    assert messages(records, BUDGET, {BUDGET: {"monthlyCeilingUsd": 1e6, "maxPoolMonthlyUsd": {"H100-SXM": P5_MONTH}}}) == []
    assert messages(records, BUDGET, {BUDGET: {"monthlyCeilingUsd": 1e6, "maxPoolMonthlyUsd": {"p5.48xlarge": P5_MONTH - 1}}}) != []


def test_egress_passes_when_allowed():
    from hangar.policies.rules.base import NETWORK

    from tests.policy_records import record

    nat = record("aws:ec2/natGateway:NatGateway", "nat", {"subnetId": "s"})
    assert messages([nat], NETWORK, {NETWORK: {"allowEgress": True}}) == []
    assert messages([nat], NETWORK, {NETWORK: {"allowEgress": False}}) != []


def test_eu_established_refuses_a_multimodal_llama_licence_and_passes_otherwise(tmp_path):
    from hangar.policies.rules.base import LICENSING

    from tests.licence_imports import SCOUT_CONFIG, imported
    from tests.policy_records import vllm

    scout = "meta-llama/Llama-4-Scout-17B-16E-Instruct"  # imported from its config.json: the packaged catalog has no Llama 4 row
    overrides = imported(tmp_path, scout, "llama-4-community", SCOUT_CONFIG)
    records = [node_group("h100", "p5.48xlarge", 1), vllm("scout", scout, pool="h100", gpus=8)]
    accepted = {"acceptedGatedModels": [scout], "catalogOverrides": overrides}

    def licensing(**config) -> list[str]:
        found = messages(records, LICENSING, {LICENSING: {**accepted, **config}})
        return [m for m in found if not m.startswith("this verdict rests on an overridden catalog row")]

    assert any("grants no rights for its multimodal models to licensees established in the EU" in m for m in licensing(euEstablished=True))
    assert licensing(euEstablished=False) == []
