"""The offline plan runner on programs that are not Hangar's, and its isolation between runs."""

from __future__ import annotations

import pulumi
import pytest

from hangar.plan import PlanError, plan_program, plan_stack
from hangar.records import SECRET
from hangar.stackfile import StackConfigError
from tests.conftest import ROOT

FOREIGN = ROOT / "tests" / "foreign_program"


def test_foreign_program_plans_with_its_stack_config():
    plan = plan_stack(FOREIGN, "dev")

    assert (plan.project, plan.stack) == ("tiny", "dev")
    assert [r.type for r in plan] == ["aws:s3/bucket:Bucket", "kubernetes:core/v1:Namespace"]
    bucket = plan.named("artifacts")
    assert bucket.inputs["tags"] == {"team": "search"}
    assert bucket.urn == "urn:pulumi:dev::tiny::aws:s3/bucket:Bucket::artifacts"
    namespace = plan.named("ns")
    # An unnamespaced key in the stack file belongs to the project, as with the Pulumi CLI.
    assert namespace.inputs["metadata"]["name"] == "search-dev"
    # The mocks answer with an id, which the program fed into the namespace's labels.
    assert namespace.inputs["metadata"]["labels"] == {"bucket": "artifacts-id"}
    assert namespace.inputs["apiVersion"] == "v1" and namespace.inputs["kind"] == "Namespace"


def test_a_program_that_raises_stops_the_plan_with_its_message():
    with pytest.raises(PlanError, match="^the tiny program was asked to fail$"):
        plan_stack(FOREIGN, "broken")


def test_an_unexpected_exception_names_its_type():
    def program():
        raise KeyError("region")

    with pytest.raises(PlanError, match="the program raised KeyError: 'region'"):
        plan_program(program)


def test_a_missing_stack_names_the_stacks_that_exist():
    with pytest.raises(StackConfigError) as raised:
        plan_stack(FOREIGN, "prod")
    assert str(raised.value) == f"{FOREIGN / 'stacks' / 'Pulumi.prod.yaml'}: no such stack file; stacks here: broken, dev"


def test_secrets_are_recorded_redacted():
    def program():
        import pulumi_kubernetes as k8s

        k8s.Provider("cluster", kubeconfig=pulumi.Config("demo").require_secret("kubeconfig"))

    plan = plan_program(program, config={"demo:kubeconfig": "apiVersion: v1  # TOP SECRET"}, secret_keys=("demo:kubeconfig",))

    assert plan.named("cluster").inputs == {"kubeconfig": SECRET}
    assert "TOP SECRET" not in str(plan.to_json())


def test_parents_providers_and_dependencies_are_recorded():
    def program():
        import pulumi_kubernetes as k8s

        class Group(pulumi.ComponentResource):
            def __init__(self, name):
                super().__init__("test:index:Group", name)
                provider = k8s.Provider("p", kubeconfig="{}", opts=pulumi.ResourceOptions(parent=self))
                namespace = k8s.core.v1.Namespace("ns", opts=pulumi.ResourceOptions(parent=self, provider=provider))
                k8s.core.v1.ConfigMap("cm", data={"a": "b"}, opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[namespace]))
                self.register_outputs({})

        Group("group")

    plan = plan_program(program, project="demo", stack="dev")

    group = plan.named("group")
    assert not group.custom
    assert {r.name for r in plan.children(group.urn)} == {"p", "ns", "cm"}
    config_map = plan.named("cm")
    assert config_map.provider == "urn:pulumi:dev::demo::test:index:Group$pulumi:providers:kubernetes::p::p-id"
    assert config_map.dependencies == (plan.named("ns").urn,)
    assert plan.roots() == [group]


def test_runs_do_not_leak_into_each_other():
    def program(name):
        def run():
            import pulumi_kubernetes as k8s

            k8s.core.v1.Namespace(name)

        return run

    first = plan_program(program("first"), stack="one")
    second = plan_program(program("second"), stack="two")

    assert [r.name for r in first] == ["first"]
    assert [r.name for r in second] == ["second"]
    assert second.resources[0].parent == "urn:pulumi:two::project::pulumi:pulumi:Stack::project-two"


def test_program_warnings_are_kept_with_the_plan_not_printed(capsys):
    def program():
        pulumi.log.warn("the GPU quota may be too small")
        pulumi.log.info("just so you know")

    plan = plan_program(program)

    assert plan.warnings == ("the GPU quota may be too small",)
    assert plan.to_json()["warnings"] == ["the GPU quota may be too small"]
    assert "GPU quota" not in capsys.readouterr().err


def test_a_bad_config_reaches_pulumi_up_users_as_one_clear_program_error(aws_environment):
    """What `pulumi up` shows when the stack config is wrong: the same one-line problems as `hangar plan`."""
    from hangar.components.program import build_stack

    aws_environment["tier"] = "production"
    aws_environment["clusters"][0]["node_pools"][0]["max_nodes"] = 0

    with pytest.raises(PlanError) as raised:
        plan_program(build_stack, project="hangar", stack="dev", config={"hangar:environment": aws_environment})
    assert str(raised.value).splitlines() == [
        "invalid Hangar config:",
        "stack dev: hangar:environment.tier: Input should be 'dev', 'staging' or 'prod'; got 'production'",
        "stack dev: hangar:environment.clusters[0].node_pools[0].max_nodes: Input should be greater than or equal to 1; got 0",
    ]


def test_nothing_is_registered_for_a_bad_config(aws_environment):
    from hangar.components.program import build_stack

    from hangar.plan import RecordingMonitor

    aws_environment["deployments"][0]["pool"] = "missing"
    seen: list[RecordingMonitor] = []
    original = RecordingMonitor.__init__

    def remember(self, mocks):
        original(self, mocks)
        seen.append(self)

    RecordingMonitor.__init__ = remember
    try:
        with pytest.raises(PlanError, match="deployments\\[0\\].pool: no such pool"):
            plan_program(build_stack, project="hangar", stack="dev", config={"hangar:environment": aws_environment})
    finally:
        RecordingMonitor.__init__ = original
    assert seen and seen[0].records == []
