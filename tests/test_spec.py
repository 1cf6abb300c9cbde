"""The typed stack config: what validates, and the one-line errors for what does not."""

from __future__ import annotations

import pytest

from hangar.spec import AwsCluster, Environment
from hangar.stackfile import environment_from_config, read_environment, read_project
from tests.config_errors import config_problems
from tests.conftest import EXAMPLE_STACKS, ROOT


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_every_example_stack_validates(stack):
    environment = read_environment(read_project(ROOT), stack)
    assert environment.name == stack
    assert environment.deployments, "every example serves a model"


def test_a_valid_environment_gets_its_defaults(aws_environment):
    environment = environment_from_config(aws_environment, "test")

    cluster = environment.clusters[0]
    assert isinstance(cluster, AwsCluster)
    assert cluster.network.egress == "nat" and not cluster.network.public_api_endpoint
    assert cluster.node_pools[0].capacity == "on-demand"
    assert cluster.node_pools[0].initial_nodes == 0
    deployment = environment.deployments[0]
    assert (deployment.engine, deployment.precision, deployment.tensor_parallel) == ("vllm", None, "auto")
    assert environment.cluster_of(deployment) is cluster


def test_models_are_frozen(aws_environment):
    environment = environment_from_config(aws_environment, "test")
    with pytest.raises(Exception, match="frozen"):
        environment.tier = "prod"


def test_the_config_may_arrive_as_json_text(aws_environment):
    import json

    assert environment_from_config(json.dumps(aws_environment), "test").name == "test"
    # The text is not echoed: it may hold a credential.
    assert config_problems("{not json") == ["Pulumi.test.yaml: hangar:environment: is not a JSON object (Expecting property name enclosed in double quotes at line 1, column 2 of the JSON text)"]


def test_a_missing_environment_is_one_line():
    assert config_problems(None) == ["Pulumi.test.yaml: hangar:environment: required: the environment object is missing"]


def test_an_enum_error_names_key_value_and_allowed(aws_environment):
    aws_environment["tier"] = "production"
    assert config_problems(aws_environment) == ["Pulumi.test.yaml: hangar:environment.tier: Input should be 'dev', 'staging' or 'prod'; got 'production'"]


def test_the_key_path_drops_the_union_tag(aws_environment):
    aws_environment["clusters"][0]["node_pools"][1]["max_nodes"] = -1
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].node_pools[1].max_nodes: Input should be greater than or equal to 1; got -1"
    ]


def test_every_problem_gets_its_own_line(aws_environment):
    del aws_environment["budget"]
    aws_environment["owner"] = ""
    aws_environment["clusters"][0]["colour"] = "blue"
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.owner: String should have at least 1 character; got ''",
        "Pulumi.test.yaml: hangar:environment.budget: required key is missing",
        "Pulumi.test.yaml: hangar:environment.clusters[0].colour: unknown key (value hidden); see `hangar schema` for the keys allowed here",
    ]


def test_an_unknown_provider_lists_the_providers(aws_environment):
    aws_environment["clusters"][0]["provider"] = "oracle"
    (line,) = config_problems(aws_environment)
    assert line.startswith("Pulumi.test.yaml: hangar:environment.clusters[0]: Input tag 'oracle' found using 'provider' does not match any of the expected tags: 'aws', 'gcp', 'azure', 'onprem'")


def test_min_above_max_nodes(aws_environment):
    aws_environment["clusters"][0]["node_pools"][0]["min_nodes"] = 3
    assert config_problems(aws_environment) == ["Pulumi.test.yaml: hangar:environment.clusters[0].node_pools[0].min_nodes: must be <= max_nodes (2); got 3"]


def test_desired_nodes_outside_the_bounds(aws_environment):
    aws_environment["clusters"][0]["node_pools"][0]["desired_nodes"] = 5
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].node_pools[0].desired_nodes: must be between min_nodes (0) and max_nodes (2); got 5"
    ]


def test_a_pool_needs_a_gpu_or_an_instance_type(aws_environment):
    pool = aws_environment["clusters"][0]["node_pools"][0]
    del pool["gpu"], pool["gpus_per_node"]
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].node_pools[0].gpu: name a gpu (with gpus_per_node) or an instance_type; got null"
    ]


def test_pool_names_are_unique(aws_environment):
    aws_environment["clusters"][0]["node_pools"][1]["name"] = "l4"
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].node_pools[1].name: two node pools are named 'l4'; names must be unique; got 'l4'"
    ]


def test_a_deployment_names_a_pool_that_exists(aws_environment):
    aws_environment["deployments"][0]["pool"] = "a100"
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.deployments[0].pool: no such pool in cluster 'main'; pools are ['h100', 'l4']; got 'a100'"
    ]


def test_a_deployment_names_its_cluster_when_there_are_several(aws_environment):
    second = dict(aws_environment["clusters"][0], name="backup")
    aws_environment["clusters"].append(second)
    assert config_problems(aws_environment) == ["Pulumi.test.yaml: hangar:environment.deployments[0].cluster: name the cluster, one of ['backup', 'main']; got null"]
    aws_environment["deployments"][0]["cluster"] = "missing"
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.deployments[0].cluster: no such cluster; clusters are ['backup', 'main']; got 'missing'"
    ]


@pytest.mark.parametrize("latency_class", ["realtime", "interactive"])
def test_scale_to_zero_is_only_for_batch(aws_environment, latency_class):
    aws_environment["deployments"][0]["latency_class"] = latency_class
    assert config_problems(aws_environment) == [
        f"Pulumi.test.yaml: hangar:environment.deployments[0].autoscaling.min_replicas: scale to zero is only for latency_class batch (this is {latency_class}); got 0"
    ]


def test_a_public_endpoint_in_prod_needs_auth(aws_environment):
    aws_environment["tier"] = "prod"
    aws_environment["deployments"][0].update(latency_class="realtime", autoscaling={"min_replicas": 2, "max_replicas": 2}, exposure={"scope": "public"})
    assert config_problems(aws_environment) == ["Pulumi.test.yaml: hangar:environment.deployments[0].exposure.auth: a public endpoint in prod needs auth: api-key or oidc; got 'none'"]
    aws_environment["deployments"][0]["exposure"]["auth"] = "oidc"
    assert environment_from_config(aws_environment, "test").deployments[0].exposure.auth == "oidc"


def test_a_public_api_endpoint_needs_authorized_cidrs(aws_environment):
    aws_environment["clusters"][0]["network"] = {"public_api_endpoint": True}
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].network.authorized_cidrs: a public API endpoint needs at least one authorized CIDR; got []"
    ]
    aws_environment["clusters"][0]["network"]["authorized_cidrs"] = ["0.0.0.0/0"]
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].network.authorized_cidrs[0]: 0.0.0.0/0 opens the API to everyone; name the CIDRs that need it; got '0.0.0.0/0'"
    ]


def test_tensor_parallel_is_a_power_of_two(aws_environment):
    aws_environment["deployments"][0]["tensor_parallel"] = 3
    (line,) = config_problems(aws_environment)
    assert line == "Pulumi.test.yaml: hangar:environment.deployments[0].tensor_parallel: tensor_parallel must be 'auto' or a power of two (1, 2, 4, 8, 16); got 3"


def test_an_unknown_gpu_lists_the_catalog(aws_environment):
    aws_environment["clusters"][0]["node_pools"][0]["gpu"] = "H100"
    (line,) = config_problems(aws_environment)
    assert line.startswith("Pulumi.test.yaml: hangar:environment.clusters[0].node_pools[0].gpu: ")
    assert "H100-SXM" in line and line.endswith("; got 'H100'")


def test_an_instance_type_must_have_the_gpu_named(aws_environment):
    aws_environment["clusters"][0]["node_pools"][1]["instance_type"] = "g6.xlarge"
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].node_pools[1].instance_type: has L4 GPUs, not H100-SXM; got 'g6.xlarge'"
    ]


def test_an_unknown_instance_type(aws_environment):
    aws_environment["clusters"][0]["node_pools"][1]["instance_type"] = "p9.huge"
    (line,) = config_problems(aws_environment)
    assert line.startswith("Pulumi.test.yaml: hangar:environment.clusters[0].node_pools[1].instance_type: ") and line.endswith("; got 'p9.huge'")


def test_a_tpu_topology_must_suit_its_generation():
    raw = {
        "name": "tpu", "tier": "dev", "owner": "o", "cost_centre": "c", "budget": {"monthly_ceiling_usd": 1},
        "clusters": [{"provider": "gcp", "name": "g", "region": "us-west4", "tpu_slices": [{"name": "s", "generation": "v5e", "topology": "3x3"}]}],
    }
    (line,) = config_problems(raw)
    assert line.startswith("Pulumi.test.yaml: hangar:environment.clusters[0].tpu_slices[0].topology: ") and "2x4" in line and line.endswith("; got '3x3'")
    raw["clusters"][0]["tpu_slices"][0]["topology"] = "2x"
    (line,) = config_problems(raw)
    assert line.startswith("Pulumi.test.yaml: hangar:environment.clusters[0].tpu_slices[0].topology: String should match pattern")


def test_the_schema_describes_every_field():
    schema = Environment.model_json_schema()
    assert schema["additionalProperties"] is False
    pool = schema["$defs"]["GpuNodePool"]["properties"]
    assert pool["max_nodes"]["description"].startswith("Most nodes")
    assert set(schema["properties"]["clusters"]["items"]["discriminator"]["mapping"]) == {"aws", "gcp", "azure", "onprem"}


def test_a_cpu_instance_type_is_not_a_gpu_pool(aws_environment):
    pool = aws_environment["clusters"][0]["node_pools"][1]
    del pool["gpu"]
    pool["instance_type"] = "m6i.large"
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].node_pools[1].instance_type: "
        "is a CPU-only machine type; a GPU pool needs GPUs (see `hangar catalog instances --cloud aws`); got 'm6i.large'"
    ]
