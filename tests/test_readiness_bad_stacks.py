"""A Hangar stack (a valid stack config) that breaks each readiness rule the spec lets it break, judged as a user runs it.

Each file in tests/bad_stacks/stacks says in its header what it gets wrong; `hangar check` must refuse it
(exit 1, the rule mandatory in prod) with the message asserted here, and the pack over gRPC must agree. The
raw foreign programs breaking the same rules are tests/readiness_program and tests/raw_clusters. The rules a
Hangar stack cannot break are held by the spec or the components instead, each shown by a test named in
`HELD_ELSEWHERE`.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hangar.cli import app
from hangar.stack_policy import stack_policy_configs
from hangar.stackfile import read_project
from hangar.stackplan import plan_project_stack
from tests.conftest import ROOT
from tests.pack_agreement import offline_verdicts, pack_verdicts

BAD = ROOT / "tests" / "bad_stacks"
runner = CliRunner()

READINESS = {
    # issue 13's serving-readiness rules
    "hangar-schedulable-accelerators", "hangar-autoscaler-metrics", "hangar-replica-room", "hangar-deploy-timeout",
    "hangar-reachable-control-plane", "hangar-enforced-network-policy", "hangar-zonal-storage", "hangar-supported-versions",
}  # fmt: skip
BROKEN = {
    "private-endpoint-no-deployer": (
        "hangar-reachable-control-plane",
        "main: its API endpoint is private (vpcConfig.endpointPublicAccess false), and this stack also applies 15 Kubernetes objects to it "
        "(StatefulSet qwen-7b, ConfigMap main-dashboard, Namespace main-serving and 12 more): `pulumi up` from outside the network creates "
        "the cluster, then fails on the first object. Declare a deployer inside the network (the stack config's `deployer`, which sets "
        "deployerReachesPrivateEndpoints), or apply the Kubernetes objects from a separate stack that runs there",
    ),
    "zonal-cache-prod": (
        "hangar-zonal-storage",
        "StatefulSet zonal-cache-prod/qwen-7b: each replica keeps its weights on its own ReadWriteOnce claim (model-cache), bound to one zone, "
        "but pool l4 (1 x L4 per node) spans 3 zones (us-east-1a, us-east-1b, us-east-1c): a replica whose zone has no free node stays Pending "
        "while other zones have room. Pin the pool (or the workload, topology.kubernetes.io/zone) to one zone, use a StorageClass that "
        "replicates across zones, or a node-local or shared (ReadWriteMany) cache",
    ),
    "unscraped-existing-prometheus": (
        "hangar-autoscaler-metrics",
        "ScaledObject unscraped-existing-prometheus/qwen-7b: queries http://prometheus.observability.svc:9090, but nothing in this stack serves "
        "Prometheus there (no Service observability/prometheus, and no Prometheus or kube-prometheus-stack in observability behind "
        "prometheus-operated); point serverAddress at the plan's Prometheus or deploy one",
    ),
}
HELD_ELSEWHERE = {
    # rule -> the test showing that no valid stack config can break it
    "hangar-replica-room": "tests/test_readiness_bad_stacks.py::test_the_spec_refuses_more_replicas_than_the_pool_can_hold",
    "hangar-deploy-timeout": "tests/test_serving_await.py::test_every_example_waits_at_least_its_startup_budget_for_every_replica_of_a_rollout",
    "hangar-schedulable-accelerators": "tests/test_device_plugin.py::test_eks_device_plugin_tolerates_every_taint_of_every_gpu_node_group",
    "hangar-enforced-network-policy": "tests/test_cluster_rules.py::test_hangars_clusters_enforce_and_run_supported_versions",
    "hangar-supported-versions": "tests/test_installed_charts.py::test_the_spec_refuses_the_http_add_on_outside_its_range",
}


def check_json(stack: str) -> tuple[int, list[dict]]:
    result = runner.invoke(app, ["check", stack, "-C", str(BAD), "--format", "json"], catch_exceptions=False)
    return result.exit_code, [v for s in json.loads(result.stdout) for v in s["violations"]]


@pytest.mark.parametrize("stack", sorted(BROKEN))
def test_hangar_check_refuses_the_stack_naming_what_is_missing(stack):
    policy, message = BROKEN[stack]
    code, found = check_json(stack)
    assert code == 1
    assert {"policy": policy, "message": message, "level": "mandatory"} in [{k: v[k] for k in ("policy", "message", "level")} for v in found]


def test_every_readiness_rule_is_broken_by_a_bad_stack_or_held_by_the_spec_or_the_components():
    from hangar.policies.rules.config import ADVISORY_OUTSIDE_PROD

    assert {policy for policy, _ in BROKEN.values()} | set(HELD_ELSEWHERE) == READINESS
    assert READINESS <= ADVISORY_OUTSIDE_PROD  # mandatory in prod, which is where these stacks are
    for stack in BROKEN:
        assert (BAD / "stacks" / f"Pulumi.{stack}.yaml").read_text().startswith("# yaml-language-server")


def test_the_spec_refuses_more_replicas_than_the_pool_can_hold(tmp_path):
    stack_file = (BAD / "stacks" / "Pulumi.private-endpoint-no-deployer.yaml").read_text()
    (tmp_path / "stacks").mkdir()
    (tmp_path / "Pulumi.yaml").write_text((BAD / "Pulumi.yaml").read_text().replace("main: ../..", f"main: {ROOT}"))
    (tmp_path / "stacks" / "Pulumi.room.yaml").write_text(stack_file.replace("max_replicas: 2}", "max_replicas: 5}"))
    result = runner.invoke(app, ["check", "room", "-C", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "deployments[0].autoscaling.max_replicas: 5 replicas of 1 x L4 (1 per node of 1 GPUs) need 5 nodes, and pool 'l4' has max_nodes 2" in result.output


def test_the_pack_over_grpc_gives_the_same_verdicts(pack):
    for stack in sorted(BROKEN):  # one pack, configured for each stack in turn
        records = plan_project_stack(BAD, stack).plan.resources
        configs = stack_policy_configs(read_project(BAD), stack, None)
        assert pack_verdicts(records, configs, pack=pack) == offline_verdicts(records, configs), stack
