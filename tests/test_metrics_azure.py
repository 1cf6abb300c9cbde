"""The `azure-monitor` metrics pipeline: Azure Monitor managed Prometheus on AKS, from the scrape to KEDA's query.

The plan of aks-staging with `metrics: {pipeline: azure-monitor}`: the workspace, data collection endpoint,
rule and association, the cluster's metrics add-on switched on, an `azmonitoring.coreos.com/v1` PodMonitor
per server (valid against the add-on's CRD) scraped by `ama-metrics` pods the NetworkPolicy admits, KEDA's
federated identity holding Monitoring Data Reader on that workspace only, the ScaledObject querying the
workspace through an `azure-workload` TriggerAuthentication, the alerts as the workspace's rule groups;
the readiness rule passing it and catching it broken; the spec refusing what cannot work.
"""

from __future__ import annotations

import dataclasses

import pytest
from hangar.components.metrics_alerts import slo_rules
from hangar.components.metrics_azure import azure_rules, iso_duration
from hangar.components.metrics_pending import pending_rule
from hangar.policies.rules import evaluate, load_pack_config

from hangar.records import UNKNOWN
from tests.config_errors import config_problems
from tests.kube_schemas import problems as manifest_problems
from tests.metrics_objects import RELEASE, scaled_object_trigger, the_policy
from tests.provider_schema import record_problems
from tests.serving_plans import example_environment, of_kind, plan_environment, raw_environment


def azure_environment() -> dict:
    environment = raw_environment("aks-staging")
    environment["clusters"][0]["metrics"] = {"pipeline": "azure-monitor"}
    return environment


@pytest.fixture(scope="module")
def plan():
    return plan_environment(azure_environment())


def inputs(plan, type_: str) -> list[dict]:
    return [r.inputs for r in plan if r.type == type_]


def autoscaler_messages(records) -> list[str]:
    return [v.message for v in evaluate(list(records), load_pack_config({}, "test")) if v.policy == "hangar-autoscaler-metrics"]


# --- spec ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "where", "allowed"), [("eks-prod", "EKS", "in-cluster or amp or existing"), ("gke-dev", "GKE", "gke-managed or in-cluster or existing")]
)
def test_azure_monitor_elsewhere_than_aks_is_refused_naming_key_value_and_what_is_allowed(stack, where, allowed):
    environment = raw_environment(stack)
    environment["clusters"][0]["metrics"] = {"pipeline": "azure-monitor"}
    assert config_problems(environment) == [
        f"Pulumi.test.yaml: hangar:environment.clusters[0].metrics.pipeline: Azure Monitor managed service for Prometheus is not available on {where} "
        f"clusters; use {allowed}; got 'azure-monitor'"
    ]


def test_azure_monitor_needs_keda_and_egress():
    environment = azure_environment()
    environment["clusters"][0]["replica_autoscaler"] = "hpa"
    assert config_problems(environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].replica_autoscaler: the azure-monitor pipeline is queried with Microsoft Entra workload "
        "identity, which KEDA signs and a prometheus-adapter does not: use keda or keda-existing; got 'hpa'"
    ]
    environment = azure_environment()
    environment["clusters"][0].setdefault("network", {})["egress"] = "none"
    (line,) = [line for line in config_problems(environment) if ".network.egress:" in line]
    assert line.startswith("Pulumi.test.yaml: hangar:environment.clusters[0].network.egress: metrics.pipeline azure-monitor needs egress")
    assert line.endswith("with egress none use metrics.pipeline in-cluster (installed from the cluster's private registry) or existing; got 'none'")


def test_rule_durations_become_iso_8601():
    assert [iso_duration(d) for d in ("5m", "15m", "1h", "30s")] == ["PT5M", "PT15M", "PT1H", "PT30S"]
    with pytest.raises(ValueError, match="not a Prometheus duration"):
        iso_duration("1d")


# --- plan ---------------------------------------------------------------------------------------------


def test_a_workspace_whose_data_collection_rule_is_associated_with_the_cluster(plan):
    (workspace,) = [r for r in plan if r.type == "azure-native:monitor:AzureMonitorWorkspace"]
    (endpoint,) = inputs(plan, "azure-native:monitor:DataCollectionEndpoint")
    (rule,) = inputs(plan, "azure-native:monitor:DataCollectionRule")
    (association,) = inputs(plan, "azure-native:monitor:DataCollectionRuleAssociation")
    (cluster,) = [r for r in plan if r.type == "azure-native:containerservice:ManagedCluster"]
    assert endpoint["kind"] == rule["kind"] == "Linux" and workspace.inputs["location"] == endpoint["location"] == rule["location"] == "eastus"
    assert rule["dataSources"] == {"prometheusForwarder": [{"name": "PrometheusDataSource", "streams": ["Microsoft-PrometheusMetrics"], "labelIncludeFilter": {}}]}
    assert rule["destinations"] == {"monitoringAccounts": [{"accountResourceId": "staging-prometheus-id", "name": "MonitoringAccount1"}]}
    assert rule["dataFlows"] == [{"streams": ["Microsoft-PrometheusMetrics"], "destinations": ["MonitoringAccount1"]}]
    assert association["resourceUri"] == "staging-id" and association["associationName"] == "MSProm-eastus-staging"
    assert cluster.inputs["azureMonitorProfile"] == {"metrics": {"enabled": True}}
    assert not [r for r in plan if r.type == RELEASE and r.inputs["chart"] == "kube-prometheus-stack"]


def test_the_add_ons_pod_monitor_selects_the_server_and_its_scrapers_are_admitted(plan):
    (monitor,) = of_kind(plan, "PodMonitor")
    assert monitor["apiVersion"] == "azmonitoring.coreos.com/v1" and monitor["metadata"]["namespace"] == "aks-staging"
    assert monitor["spec"]["selector"] == {"matchLabels": {"app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "mixtral"}}
    assert monitor["spec"]["podMetricsEndpoints"] == [{"port": "http", "path": "/metrics", "interval": "15s"}]
    assert (monitor["spec"]["labelLimit"], monitor["spec"]["labelNameLengthLimit"], monitor["spec"]["labelValueLengthLimit"]) == (63, 511, 1023)
    assert manifest_problems(monitor, "1.33") == []
    assert manifest_problems({**monitor, "spec": {**monitor["spec"], "podMetricEndpoints": []}}, "1.33") != []  # the schema is strict
    (rule,) = the_policy(plan, "mixtral")["spec"]["ingress"]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}, "podSelector": {"matchLabels": {"rsName": "ama-metrics"}}} in rule["from"]


def test_keda_queries_the_workspace_with_a_federated_identity_that_may_only_read_it(plan):
    trigger = scaled_object_trigger(plan)
    assert trigger["metadata"]["serverAddress"] == "https://staging-prometheus-offline.eastus.prometheus.monitor.azure.com"
    assert trigger["authenticationRef"] == {"name": "hangar-metrics", "kind": "TriggerAuthentication"} and "awsRegion" not in trigger["metadata"]
    (auth,) = of_kind(plan, "TriggerAuthentication")
    assert auth["spec"] == {"podIdentity": {"provider": "azure-workload"}}
    (federation,) = inputs(plan, "azure-native:managedidentity:FederatedIdentityCredential")
    assert federation["subject"] == "system:serviceaccount:keda:keda-operator" and federation["audiences"] == ["api://AzureADTokenExchange"]
    assert federation["issuer"].startswith("https://") and federation["resourceName"] == "staging-keda-metrics"
    (grant,) = [g for g in inputs(plan, "azure-native:authorization:RoleAssignment") if g["principalId"] == "staging-keda-metrics-principal"]
    assert grant["scope"] == "staging-prometheus-id" and grant["roleDefinitionId"].endswith("/roleDefinitions/b0d8363b-8ddd-447d-831f-62ca05bff136")
    (release,) = [r for r in inputs(plan, RELEASE) if r["chart"] == "keda"]
    identity = release["values"]["podIdentity"]["azureWorkload"]
    assert identity["enabled"] is True and identity["clientId"] == "staging-keda-metrics-client" and identity["tenantId"]


def test_the_alerts_are_the_workspaces_rule_groups_the_promtool_tests_prove(plan):
    (group,) = inputs(plan, "azure-native:alertsmanagement:PrometheusRuleGroup")
    deployment = example_environment("aks-staging").deployments[0]
    assert group["ruleGroupName"] == "staging-mixtral-slos" and group["scopes"] == ["staging-prometheus-id", "staging-id"] and group["interval"] == "PT1M"
    expected = slo_rules(deployment, "aks-staging")
    expected[0]["rules"].append(pending_rule("mixtral", "aks-staging", {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "mixtral"}, "nvidia.com/gpu"))
    assert [r["expression"] for r in group["rules"]] == [r["expr"] for g in expected for r in g["rules"]]
    assert [r.get("for") for r in group["rules"]] == [iso_duration(r["for"]) for g in expected for r in g["rules"]]
    assert len(azure_rules(expected)) == len(group["rules"])


def test_every_azure_input_of_the_pipeline_is_a_property_of_the_installed_sdk(plan):
    types = ("azure-native:monitor:", "azure-native:alertsmanagement:", "azure-native:managedidentity:FederatedIdentityCredential")
    records = [r for r in plan if r.type.startswith(types) and r.type != "azure-native:monitor:DiagnosticSetting"]
    assert len(records) == 6
    assert [problem for record in records for problem in record_problems(record)] == []


# --- readiness ----------------------------------------------------------------------------------------


def test_the_readiness_rule_reads_the_add_ons_pod_monitor_and_its_pods(plan):
    records = list(plan)
    assert autoscaler_messages(records) == []
    index = next(i for i, r in enumerate(records) if r.inputs.get("apiVersion") == "azmonitoring.coreos.com/v1")
    spec = records[index].inputs["spec"]
    other_port = {**spec, "podMetricsEndpoints": [{"port": "grpc"}]}
    broken = [*records[:index], dataclasses.replace(records[index], inputs={**records[index].inputs, "spec": other_port}), *records[index + 1 :]]
    (message,) = autoscaler_messages(broken)
    assert message.startswith("ScaledObject aks-staging/mixtral: nothing scrapes StatefulSet aks-staging/mixtral on its metrics port http/8000")
    index = next(i for i, r in enumerate(records) if r.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy" and r.inputs["metadata"]["name"] == "mixtral")
    policy = records[index].inputs["spec"]
    gateway = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "gateway"}}}
    ingress = [{**rule, "from": [peer for peer in rule["from"] if "podSelector" not in peer] + [gateway]} for rule in policy["ingress"]]
    closed = [*records[:index], dataclasses.replace(records[index], inputs={**records[index].inputs, "spec": {**policy, "ingress": ingress}}), *records[index + 1 :]]
    (message,) = autoscaler_messages(closed)
    assert "admits no traffic from namespace kube-system pods {'rsName': 'ama-metrics'} (the scraper of Azure Monitor managed Prometheus)" in message


def test_an_air_gapped_aks_cluster_installs_its_in_cluster_prometheus_from_its_own_registry():
    environment = raw_environment("aks-staging")
    environment["clusters"][0]["network"] = {"egress": "none", "public_api_endpoint": True, "authorized_cidrs": ["203.0.113.0/24"]}
    environment["clusters"][0]["chart_repository"] = "https://charts.corp.internal/hangar"
    environment["deployments"][0]["weights"] = {"source": "mirror", "endpoint": "https://hf-mirror.internal"}  # no Hub without egress
    plan = plan_environment(environment)
    (chart,) = [r for r in inputs(plan, RELEASE) if r["chart"] == "kube-prometheus-stack"]
    (registry,) = [r for r in plan if r.type == "azure-native:containerregistry:Registry"]
    assert chart["values"]["global"] == {"imageRegistry": f"{registry.inputs['registryName']}.azurecr.io"}
    (keda,) = [r for r in inputs(plan, RELEASE) if r["chart"] == "keda"]
    assert keda["values"]["image"]["keda"]["registry"] == chart["values"]["global"]["imageRegistry"]  # the same registry as KEDA's images


def test_a_workspace_endpoint_unknown_at_preview_is_recognised_from_the_plans_workspace(plan):
    records = list(plan)
    index = next(i for i, r in enumerate(records) if r.inputs.get("kind") == "ScaledObject")
    spec = records[index].inputs["spec"]
    triggers = [{**t, "metadata": {**t["metadata"], "serverAddress": UNKNOWN}} if t["type"] == "prometheus" else t for t in spec["triggers"]]
    pending = [*records[:index], dataclasses.replace(records[index], inputs={**records[index].inputs, "spec": {**spec, "triggers": triggers}}), *records[index + 1 :]]
    assert autoscaler_messages(pending) == []
    assert len(autoscaler_messages([r for r in pending if r.type != "azure-native:monitor:AzureMonitorWorkspace"])) == 1


def test_alerts_trigger_the_declared_action_group_or_the_plan_says_they_notify_nobody(plan):
    assert any("notify nobody: set metrics.alert_destination to an action group id" in w for w in plan.warnings)
    (group,) = inputs(plan, "azure-native:alertsmanagement:PrometheusRuleGroup")
    assert all("actions" not in rule for rule in group["rules"])
    environment = azure_environment()
    action_group = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ops/providers/Microsoft.Insights/actionGroups/llm-oncall"
    environment["clusters"][0]["metrics"]["alert_destination"] = action_group
    (record,) = [r for r in plan_environment(environment) if r.type == "azure-native:alertsmanagement:PrometheusRuleGroup"]
    assert record_problems(record) == []
    routed = record.inputs
    assert routed["rules"] and all(rule["actions"] == [{"actionGroupId": action_group}] for rule in routed["rules"])
    environment["clusters"][0]["metrics"]["alert_destination"] = "arn:aws:sns:us-east-1:123456789012:llm-alerts"
    (line,) = config_problems(environment)
    assert line.startswith("Pulumi.test.yaml: hangar:environment.clusters[0].metrics.alert_destination: the azure-monitor pipeline sends its alerts to an action group resource id")
