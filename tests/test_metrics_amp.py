"""The `amp` metrics pipeline: Amazon Managed Service for Prometheus on EKS, from the scrape to KEDA's signed query.

The plan of eks-prod with `metrics: {pipeline: amp}`: the workspace, its managed scraper (its own two
subnets, the cluster's security group, a scrape configuration promtool accepts and that keeps exactly the
model server's metrics port), KEDA's IRSA role allowed only `aps:QueryMetrics` on that workspace, the
ScaledObject querying the workspace with `awsRegion` through an `aws` TriggerAuthentication, the
NetworkPolicy admitting exactly the scraper's subnets, the alerts as the workspace's rule groups; the
readiness rule passing it and catching it broken; the spec refusing what cannot work.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pytest
import yaml
from hangar.components.metrics_alerts import slo_rules
from hangar.components.metrics_amp import scraper_cidrs
from hangar.components.metrics_pending import pending_rule
from hangar.policies.rules import evaluate, load_pack_config

from hangar.records import UNKNOWN, ResourceRecord
from tests.config_errors import config_problems
from tests.metrics_objects import RELEASE, scaled_object_trigger, the_policy
from tests.promql import promtool
from tests.provider_schema import record_problems
from tests.serving_plans import example_environment, of_kind, plan_environment, raw_environment

SCRAPER = "aws:amp/scraper:Scraper"


def amp_environment() -> dict:
    environment = raw_environment("eks-prod")
    environment["clusters"][0]["metrics"] = {"pipeline": "amp"}
    return environment


@pytest.fixture(scope="module")
def plan():
    return plan_environment(amp_environment())


def one(plan, type_: str) -> ResourceRecord:
    (record,) = [r for r in plan if r.type == type_]
    return record


def autoscaler_messages(records) -> list[str]:
    return [v.message for v in evaluate(list(records), load_pack_config({}, "test")) if v.policy == "hangar-autoscaler-metrics"]


# --- spec ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "where", "allowed"),
    [("gke-dev", "GKE", "gke-managed or in-cluster or existing"), ("aks-staging", "AKS", "in-cluster or azure-monitor or existing"), ("onprem", "on-prem", "in-cluster or existing")],
)
def test_amp_elsewhere_than_eks_is_refused_naming_key_value_and_what_is_allowed(stack, where, allowed):
    environment = raw_environment(stack)
    environment["clusters"][0]["metrics"] = {"pipeline": "amp"}
    assert config_problems(environment) == [
        f"Pulumi.test.yaml: hangar:environment.clusters[0].metrics.pipeline: Amazon Managed Service for Prometheus is not available on {where} clusters; "
        f"use {allowed}; got 'amp'"
    ]


def test_amp_needs_keda_and_two_to_six_zones_in_a_hangar_vpc():
    environment = amp_environment()
    environment["clusters"][0]["replica_autoscaler"] = "hpa"
    assert config_problems(environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].replica_autoscaler: the amp pipeline is queried with SigV4, which KEDA signs and a "
        "prometheus-adapter does not: use keda or keda-existing; got 'hpa'"
    ]
    environment = amp_environment()
    environment["clusters"][0]["zones"] = ["us-east-1a"]
    for pool in environment["clusters"][0]["node_pools"]:
        pool.pop("zones", None)
    (line,) = config_problems(environment)
    assert line.startswith("Pulumi.test.yaml: hangar:environment.clusters[0].zones: the amp pipeline's managed scraper needs subnets in at least two")
    assert line.endswith('list 2 to 6 zones; got ["us-east-1a"]')


# --- plan ---------------------------------------------------------------------------------------------


def test_a_workspace_and_a_managed_scraper_in_two_subnets_of_its_own(plan):
    workspace = one(plan, "aws:amp/workspace:Workspace")
    assert workspace.inputs["alias"] == "eks-prod-prod" and "AMPAgentlessScraper" in workspace.inputs["tags"]
    scraper = one(plan, SCRAPER)
    subnets = {r.urn: r.inputs for r in plan if r.type == "aws:ec2/subnet:Subnet" and r.name.startswith("prod-amp-scraper-")}
    cidrs = scraper_cidrs(example_environment("eks-prod").clusters[0].network.cidr)
    assert sorted(s["cidrBlock"] for s in subnets.values()) == sorted(cidrs) == ["10.20.248.0/22", "10.20.252.0/22"]
    assert len({s["availabilityZone"] for s in subnets.values()}) == 2
    assert set(subnets) <= set(scraper.dependencies)
    source = scraper.inputs["source"]["eks"]
    (cluster,) = [r for r in plan if r.type == "aws:eks/cluster:Cluster"]
    assert source["clusterArn"].endswith(":prod") and len(source["subnetIds"]) == 2 and len(source["securityGroupIds"]) == 1
    assert cluster.urn in scraper.dependencies
    assert scraper.inputs["destination"]["amp"]["workspaceArn"].endswith(":prod-amp")
    # nothing in-cluster scrapes: no Prometheus chart, no PodMonitor, no PrometheusRule
    assert not [r for r in plan if r.type == RELEASE and r.inputs["chart"] == "kube-prometheus-stack"]
    assert of_kind(plan, "PodMonitor") == [] and of_kind(plan, "PrometheusRule") == []


def test_the_scrape_configuration_keeps_the_model_servers_port_and_labels_the_series_as_a_pod_monitor_would(plan, tmp_path: Path):
    text = one(plan, SCRAPER).inputs["scrapeConfiguration"]
    config = yaml.safe_load(text)
    assert config["global"]["scrape_interval"] == "30s"  # the managed scraper's floor
    job, kube_state = config["scrape_configs"]  # the model servers, then kube-state-metrics (tests.test_metrics_kube_state)
    assert kube_state["job_name"] == "kube-state-metrics"
    assert job["kubernetes_sd_configs"] == [{"role": "pod", "namespaces": {"names": ["eks-prod"]}}] and job["metrics_path"] == "/metrics"
    steps = [(tuple(step["source_labels"]), step.get("regex"), step["action"], step.get("target_label")) for step in job["relabel_configs"]]
    assert steps == [
        (("__meta_kubernetes_pod_label_app_kubernetes_io_name",), "vllm", "keep", None),
        (("__meta_kubernetes_pod_container_port_name",), "http", "keep", None),
        (("__meta_kubernetes_pod_label_hangar_dev_role",), "worker", "drop", None),
        (("__meta_kubernetes_namespace",), None, "replace", "namespace"),
        (("__meta_kubernetes_pod_name",), None, "replace", "pod"),
    ]
    # Debian's promtool is built without Kubernetes discovery ("field kubernetes_sd_configs not found"), so the
    # rest of the configuration (global, job, relabelling: fields, actions, regexes) is checked with a static target.
    for each in (job, kube_state):
        each["static_configs"] = [{"targets": ["10.0.0.1:8000"]}]
        del each["kubernetes_sd_configs"]
    path = tmp_path / "scraper.yaml"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run([promtool(), "check", "config", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_keda_queries_the_workspace_with_sigv4_through_a_role_that_may_only_query_it(plan):
    trigger = scaled_object_trigger(plan)
    assert trigger["metadata"]["serverAddress"] == "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/prod-amp-id"
    assert trigger["metadata"]["awsRegion"] == "us-east-1" and trigger["authenticationRef"] == {"name": "hangar-metrics", "kind": "TriggerAuthentication"}
    (auth,) = of_kind(plan, "TriggerAuthentication")
    assert auth["metadata"]["name"] == "hangar-metrics" and auth["spec"] == {"podIdentity": {"provider": "aws"}}
    (role,) = [r for r in plan if r.type == "aws:iam/role:Role" and r.name == "prod-keda-amp"]
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert list(statement["Condition"]["StringEquals"].values()) == ["system:serviceaccount:keda:keda-operator", "sts.amazonaws.com"]
    (policy,) = [r.inputs for r in plan if r.type == "aws:iam/rolePolicy:RolePolicy" and r.name == "prod-keda-amp-query"]
    assert json.loads(policy["policy"])["Statement"] == [{"Effect": "Allow", "Action": ["aps:QueryMetrics"], "Resource": "arn:aws:amp:us-east-1:123456789012:prod-amp"}]
    (release,) = [r.inputs for r in plan if r.type == RELEASE and r.inputs["chart"] == "keda"]
    assert release["values"]["podIdentity"] == {"aws": {"irsa": {"enabled": True, "roleArn": role.inputs.get("arn") or release["values"]["podIdentity"]["aws"]["irsa"]["roleArn"]}}}
    assert release["values"]["podIdentity"]["aws"]["irsa"]["roleArn"].endswith("prod-keda-amp")


def test_the_network_policy_admits_exactly_the_scrapers_subnets_on_the_api_port(plan):
    policy = the_policy(plan, "llama-70b")
    (rule,) = policy["spec"]["ingress"]
    blocks = [peer["ipBlock"]["cidr"] for peer in rule["from"] if "ipBlock" in peer]
    assert blocks == ["10.20.248.0/22", "10.20.252.0/22"] and rule["ports"] == [{"protocol": "TCP", "port": 8000}]
    assert not [peer for peer in rule["from"] if peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name") == "monitoring"]


def test_the_alerts_are_the_workspaces_rule_groups_the_promtool_tests_prove(plan):
    (namespace,) = [r.inputs for r in plan if r.type == "aws:amp/ruleGroupNamespace:RuleGroupNamespace"]
    deployment = example_environment("eks-prod").deployments[0]
    assert namespace["name"] == "prod-llama-70b-slos" and namespace["workspaceId"] == "prod-amp-id"
    groups = slo_rules(deployment, "eks-prod")
    groups[0]["rules"].append(pending_rule("llama-70b", "eks-prod", {"apiVersion": "apps/v1", "kind": "Deployment", "name": "llama-70b"}, "nvidia.com/gpu"))
    assert yaml.safe_load(namespace["data"]) == {"groups": groups}


# --- readiness ----------------------------------------------------------------------------------------


def test_the_readiness_rule_reads_the_scraper_and_its_subnets(plan):
    records = list(plan)
    assert autoscaler_messages(records) == []
    # a scrape configuration that keeps another port scrapes nothing of the server
    index = next(i for i, r in enumerate(records) if r.type == SCRAPER)
    other_port = records[index].inputs["scrapeConfiguration"].replace("regex: http", "regex: grpc")
    broken = [*records[:index], dataclasses.replace(records[index], inputs={**records[index].inputs, "scrapeConfiguration": other_port}), *records[index + 1 :]]
    (message,) = autoscaler_messages(broken)
    assert message.startswith("ScaledObject eks-prod/llama-70b: nothing scrapes Deployment eks-prod/llama-70b on its metrics port http/8000")
    # a NetworkPolicy that admits only the gateway drops the scraper's traffic
    index = next(i for i, r in enumerate(records) if r.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy" and r.inputs["metadata"]["name"] == "llama-70b")
    spec = records[index].inputs["spec"]
    ingress = [{**rule, "from": [peer for peer in rule["from"] if "ipBlock" not in peer]} for rule in spec["ingress"]]
    closed = [*records[:index], dataclasses.replace(records[index], inputs={**records[index].inputs, "spec": {**spec, "ingress": ingress}}), *records[index + 1 :]]
    (message,) = autoscaler_messages(closed)
    assert message == (
        "ScaledObject eks-prod/llama-70b: NetworkPolicy llama-70b admits no traffic from subnets 10.20.248.0/22,10.20.252.0/22 (the scraper of "
        "Amazon Managed Service for Prometheus) to Deployment eks-prod/llama-70b on port http/8000: the scrapes are dropped; add an ingress rule "
        "from an ipBlock of each of its subnets 10.20.248.0/22,10.20.252.0/22 on that port"
    )


def test_air_gapped_keda_reaches_the_workspace_through_a_vpc_endpoint():
    environment = amp_environment()
    environment["clusters"][0].setdefault("network", {})["egress"] = "none"
    environment["clusters"][0]["registry_mirror"] = "111122223333.dkr.ecr.us-east-1.amazonaws.com/mirror"  # images without egress
    environment["clusters"][0]["chart_repository"] = "oci://111122223333.dkr.ecr.us-east-1.amazonaws.com/charts"  # charts too
    environment["deployments"][0]["weights"] = {"source": "mirror", "endpoint": "https://hf-mirror.internal"}  # no Hub without egress
    plan = plan_environment(environment)
    endpoints = {r.inputs["serviceName"]: r.inputs for r in plan if r.type == "aws:ec2/vpcEndpoint:VpcEndpoint"}
    aps = endpoints["com.amazonaws.us-east-1.aps-workspaces"]
    assert aps["vpcEndpointType"] == "Interface" and aps["privateDnsEnabled"] is True
    assert "com.amazonaws.us-east-1.sts" in endpoints  # KEDA's IRSA web-identity exchange
    assert scaled_object_trigger(plan)["metadata"]["serverAddress"].startswith("https://aps-workspaces.us-east-1.amazonaws.com/")
    # without amp, no such endpoint
    environment["clusters"][0]["metrics"] = {}
    assert not [r for r in plan_environment(environment) if r.type == "aws:ec2/vpcEndpoint:VpcEndpoint" and r.inputs["serviceName"].endswith("aps-workspaces")]


def test_every_aws_input_of_the_pipeline_is_a_property_of_the_installed_sdk(plan):
    amp = [r for r in plan if r.type.startswith("aws:amp/") or r.name.startswith("prod-amp") or r.name.startswith("prod-keda-amp")]
    assert {r.type for r in amp} >= {"aws:amp/workspace:Workspace", SCRAPER, "aws:amp/ruleGroupNamespace:RuleGroupNamespace", "aws:ec2/subnet:Subnet", "aws:iam/role:Role"}
    assert [problem for record in amp for problem in record_problems(record)] == []


def test_a_workspace_endpoint_unknown_at_preview_is_recognised_from_the_plans_workspace(plan):
    """A first `pulumi preview` sends the workspace's id, hence the serverAddress, as unknown."""
    records = list(plan)
    index = next(i for i, r in enumerate(records) if r.inputs.get("kind") == "ScaledObject")
    spec = records[index].inputs["spec"]
    triggers = [{**t, "metadata": {**t["metadata"], "serverAddress": UNKNOWN}} if t["type"] == "prometheus" else t for t in spec["triggers"]]
    pending = [*records[:index], dataclasses.replace(records[index], inputs={**records[index].inputs, "spec": {**spec, "triggers": triggers}}), *records[index + 1 :]]
    assert autoscaler_messages(pending) == []
    without_workspace = [r for r in pending if r.type != "aws:amp/workspace:Workspace"]
    (message,) = autoscaler_messages(without_workspace)
    assert message == (
        "ScaledObject eks-prod/llama-70b: its Prometheus address is not known until another resource of the stack exists, "
        "so whether a Prometheus answers there cannot be judged"
    )


def test_alerts_go_to_the_declared_sns_topic_or_the_plan_says_they_notify_nobody(plan):
    assert any("notify nobody: set metrics.alert_destination to an SNS topic ARN" in w for w in plan.warnings)
    assert not [r for r in plan if r.type == "aws:amp/alertManagerDefinition:AlertManagerDefinition"]
    environment = amp_environment()
    topic = "arn:aws:sns:us-east-1:123456789012:llm-alerts"
    environment["clusters"][0]["metrics"]["alert_destination"] = topic
    routed = plan_environment(environment)
    assert record_problems(one(routed, "aws:amp/alertManagerDefinition:AlertManagerDefinition")) == []
    definition = one(routed, "aws:amp/alertManagerDefinition:AlertManagerDefinition").inputs
    assert definition["workspaceId"] == "prod-amp-id"
    config = yaml.safe_load(yaml.safe_load(definition["definition"])["alertmanager_config"])
    assert config == {"route": {"receiver": "hangar"}, "receivers": [{"name": "hangar", "sns_configs": [{"topic_arn": topic, "sigv4": {"region": "us-east-1"}}]}]}
    assert not any("notify nobody" in w for w in routed.warnings)
    environment["clusters"][0]["metrics"]["alert_destination"] = "llm-alerts"
    assert config_problems(environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].metrics.alert_destination: the amp pipeline sends its alerts to an SNS topic ARN "
        "(arn:aws:sns:<region>:<account>:<topic>); got 'llm-alerts'"
    ]
    environment["clusters"][0]["metrics"] = {"alert_destination": topic}
    assert config_problems(environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].metrics.alert_destination: only with pipeline amp (an SNS topic ARN) or azure-monitor "
        f"(an action group id); other pipelines route alerts themselves; got '{topic}'"
    ]


# --- an existing VPC ----------------------------------------------------------------------------------

SCRAPER_SUBNETS = [{"id": "subnet-0a1b2c3d4e5f60718", "cidr": "10.90.250.0/28"}, {"id": "subnet-0f1e2d3c4b5a69788", "cidr": "10.90.250.16/28"}]


def existing_vpc_environment(scraper_subnets: list | None = SCRAPER_SUBNETS) -> dict:
    environment = amp_environment()
    environment["clusters"][0]["network"] = {"existing_network_id": "vpc-0abc1234", "existing_subnet_ids": ["subnet-0aaa1111", "subnet-0bbb2222"]}
    if scraper_subnets is not None:
        environment["clusters"][0]["metrics"]["scraper_subnets"] = scraper_subnets
    return environment


def test_amp_in_an_existing_vpc_needs_two_distinct_subnets_set_aside_for_its_scraper():
    (line,) = config_problems(existing_vpc_environment(None))
    assert line.startswith("Pulumi.test.yaml: hangar:environment.clusters[0].metrics.scraper_subnets: the amp pipeline's managed scraper in an existing VPC needs two or more subnets")
    assert line.endswith("list them with their id and cidr; got []")
    (line,) = config_problems(existing_vpc_environment(SCRAPER_SUBNETS[:1]))
    assert "needs two or more subnets" in line and line.endswith('got [{"id": "subnet-0a1b2c3d4e5f60718", "cidr": "10.90.250.0/28"}]')
    overlapping = [SCRAPER_SUBNETS[0], {"id": "subnet-0f1e2d3c4b5a69788", "cidr": "10.90.250.0/27"}]
    assert config_problems(existing_vpc_environment(overlapping)) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].metrics.scraper_subnets[1]: repeats or overlaps subnet-0a1b2c3d4e5f60718 (10.90.250.0/28): "
        "give distinct subnets; got 'subnet-0f1e2d3c4b5a69788'"
    ]
    (line,) = config_problems(existing_vpc_environment([SCRAPER_SUBNETS[0], {"id": "subnet-12", "cidr": "10.90.250.16/28"}]))
    assert line.startswith("Pulumi.test.yaml: hangar:environment.clusters[0].metrics.scraper_subnets[1].id:") and "subnet-12" in line
    # in a VPC Hangar creates, or with another pipeline, the key means nothing and is refused
    environment = amp_environment()
    environment["clusters"][0]["metrics"]["scraper_subnets"] = SCRAPER_SUBNETS
    assert config_problems(environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].metrics.scraper_subnets: only with pipeline amp in an existing VPC (network.existing_network_id); "
        'in a VPC Hangar creates, Hangar cuts the scraper\'s subnets itself; got ["10.90.250.0/28", "10.90.250.16/28"]'
    ]
    environment = existing_vpc_environment()
    environment["clusters"][0]["metrics"]["pipeline"] = "in-cluster"
    (line,) = config_problems(environment)
    assert line.startswith("Pulumi.test.yaml: hangar:environment.clusters[0].metrics.scraper_subnets: only with pipeline amp in an existing VPC")


def test_amp_in_an_existing_vpc_scrapes_from_the_named_subnets_and_only_they_are_admitted():
    plan = plan_environment(existing_vpc_environment())
    scraper = one(plan, SCRAPER)
    assert not [r for r in plan if r.type == "aws:ec2/subnet:Subnet"]  # nothing is cut from a VPC Hangar does not own
    source = scraper.inputs["source"]["eks"]
    assert source["subnetIds"] == ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"] and len(source["securityGroupIds"]) == 1
    assert scraper.inputs["tags"]["hangar.dev/scraper-cidrs"] == "10.90.250.0/28_10.90.250.16/28"
    (rule,) = the_policy(plan, "llama-70b")["spec"]["ingress"]
    assert [peer["ipBlock"]["cidr"] for peer in rule["from"] if "ipBlock" in peer] == ["10.90.250.0/28", "10.90.250.16/28"]
    assert record_problems(scraper) == []
    # the readiness rule reads the ranges from the tag, and catches a policy that no longer admits them
    records = list(plan)
    assert autoscaler_messages(records) == []
    index = next(i for i, r in enumerate(records) if r.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy" and r.inputs["metadata"]["name"] == "llama-70b")
    spec = records[index].inputs["spec"]
    narrowed = [{**r, "from": [p for p in r["from"] if p.get("ipBlock", {}).get("cidr") != "10.90.250.16/28"]} for r in spec["ingress"]]
    closed = [*records[:index], dataclasses.replace(records[index], inputs={**records[index].inputs, "spec": {**spec, "ingress": narrowed}}), *records[index + 1 :]]
    (message,) = autoscaler_messages(closed)
    assert "admits no traffic from subnets 10.90.250.0/28,10.90.250.16/28" in message
