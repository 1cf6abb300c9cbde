"""The `azure-monitor` metrics pipeline: Azure Monitor managed service for Prometheus for an AKS cluster's model servers.

What it creates (in the cluster's resource group and region):

* an Azure Monitor workspace (`monitor.AzureMonitorWorkspace`), whose `metrics.prometheusQueryEndpoint` KEDA queries;
* the data collection endpoint, the data collection rule forwarding the `Microsoft-PrometheusMetrics` stream
  to the workspace, and the rule's association with the AKS cluster — the objects Microsoft's own template
  creates when it turns the metrics add-on on (`kind: Linux`; data source `PrometheusDataSource`, destination
  `MonitoringAccount1`). The AKS cluster itself gets `azureMonitorProfile.metrics.enabled`
  (`hangar.components.azure`), which runs the add-on's `ama-metrics` pods in `kube-system`;
* a `PodMonitor` of the add-on's own API group (`azmonitoring.coreos.com/v1`, rendered by
  `hangar.components.metrics.MetricsPipeline.scrape`), read by the `ama-metrics` ReplicaSet (pods labelled
  `rsName: ama-metrics`), which is therefore what the model servers' NetworkPolicies admit;
* a user-assigned identity for KEDA's operator, federated with its ServiceAccount `keda/keda-operator`
  through the cluster's OIDC issuer, holding "Monitoring Data Reader" on this workspace only; KEDA's chart
  labels and annotates its ServiceAccount (`podIdentity.azureWorkload`), and the ScaledObjects authenticate
  through a TriggerAuthentication of `podIdentity.provider: azure-workload`;
* the SLO alerts of each model server as a Prometheus rule group of the workspace
  (`alertsmanagement.PrometheusRuleGroup`, scoped to the workspace and the cluster), the same expressions the
  promtool tests prove; `for` as an ISO 8601 duration; with `metrics.alert_destination`, the action group
  every group's alerts trigger. Azure's numeric `severity` is left unset (the
  `severity` label is kept): Microsoft's templates map "warning" to both 3 and 4, so no mapping is sourced.

Two questions answered from Microsoft's own sources (read 2026-12-01):

* Is the add-on enabled before the data collection rule association exists a problem? Hangar enables it on the
  cluster (`azureMonitorProfile.metrics.enabled`) and associates the rule with that cluster afterwards, because the
  association names the cluster. Microsoft ships both orders: its Bicep template enables the profile after the
  association (AddonBicepTemplate/FullAzureMonitorMetricsProfile.bicep: the profile module `dependsOn` the dcra module),
  and its Terraform template creates the cluster with the add-on on (`monitor_metrics {}`) and the association after it,
  since the association's `target_resource_id` is the cluster's id (AddonTerraformTemplate/main.tf; both read at
  Azure/prometheus-collector commit 39583fd50b2f828f83cc18fc0cece9e3074f56db).
  Hangar follows the Terraform order, so nothing is reordered. No document read states what the add-on's pods do in
  the minutes before the association exists.
* Does the workspace accept `vllm:` names (a colon)? No statement on metric-name characters was found in Microsoft's
  docs. Microsoft's own recording rules, in the same templates, write colon-named series into the workspace
  (`instance:node_num_cpu:sum`, FullAzureMonitorMetricsProfile.bicep `nodeRecordingRuleGroup`), and PromQL queries
  read them back; that colons survive the add-on's scrape path (the `ama-metrics` collector) is not stated anywhere
  read: unknown until tried on a cluster.

Sources (read 2026-12-01):
* Azure/prometheus-collector at commit 39583fd50b2f828f83cc18fc0cece9e3074f56db: AddonBicepTemplate/
  FullAzureMonitorMetricsProfile.bicep (DCE, DCR, DCRA and the profile, their names and streams),
  nested_azuremonitormetrics_profile_clusterResourceId.bicep (`azureMonitorProfile.metrics.enabled`),
  recommendedMetricAlerts.bicep (`for: 'PT5M'`), AddonArmTemplate/FullAzureMonitorMetricsProfile.json
  (Monitoring Data Reader = role definition b0d8363b-8ddd-447d-831f-62ca05bff136, granted on the workspace),
  otelcollector/deploy/addon-chart/azure-monitor-metrics-addon/templates/ama-metrics-deployment.yaml
  (Deployment `ama-metrics` in kube-system, pods `rsName: ama-metrics`) and ama-metrics-podmonitor-crd.yaml.
* MicrosoftDocs/azure-docs articles/azure-monitor/containers/prometheus-metrics-scrape-crd.md (commit
  2f263d4e66886ca013414649cdeb4cb3b1f8e82e; learn.microsoft.com/azure/azure-monitor/containers/prometheus-metrics-scrape-crd):
  the add-on reads PodMonitors of group `azmonitoring.coreos.com/v1` only, and their `labelLimit` 63,
  `labelNameLengthLimit` 511, `labelValueLengthLimit` 1023 keep series from being dropped.
* KEDA 2.20 (kedacore/keda-docs commit a55c5d345e2cbd9923ab4936f1cabc2a17e9abac): scalers/prometheus.md "Azure
  Monitor Managed Service for Prometheus" (Monitoring Data Reader on the workspace; `azure-workload` provider; no
  other `authModes`) and authentication-providers/azure-ad-workload-identity.md; kedacore/charts keda/values.yaml
  at commit cbb9bb8ce0809dc9048f72302f7c09765d66ed56 (`podIdentity.azureWorkload.enabled`, `.clientId`, `.tenantId`).
* pulumi-azure-native 3.x `monitor.AzureMonitorWorkspace`, `DataCollectionEndpoint`, `DataCollectionRule`,
  `DataCollectionRuleAssociation`, `managedidentity.FederatedIdentityCredential`, `alertsmanagement.PrometheusRuleGroup`
  (the installed SDK's schema).
"""

from __future__ import annotations

from typing import Any

import pulumi

MONITORING_DATA_READER = "b0d8363b-8ddd-447d-831f-62ca05bff136"
"""Built-in role "Monitoring Data Reader" (the same id in every subscription; Azure/prometheus-collector AddonArmTemplate)."""
STREAM = "Microsoft-PrometheusMetrics"
SOURCE, DESTINATION = "PrometheusDataSource", "MonitoringAccount1"
TOKEN_AUDIENCE = "api://AzureADTokenExchange"
"""The audience of a federated credential trusted by Microsoft Entra ID (learn.microsoft.com/graph/api/resources/federatedidentitycredential)."""
AMA_SCRAPER = ("kube-system", {"rsName": "ama-metrics"})
"""The add-on's ReplicaSet pods, which scrape PodMonitor targets (ama-metrics-deployment.yaml at the commit above)."""
POD_MONITOR_LIMITS = {"labelLimit": 63, "labelNameLengthLimit": 511, "labelValueLengthLimit": 1023}
"""The limits Microsoft's PodMonitor template sets so that no series is dropped (prometheus-metrics-scrape-crd.md)."""


def iso_duration(duration: str) -> str:
    """A Prometheus rule duration ('5m', '15m', '1h', '30s') as the ISO 8601 duration Azure's rule groups take ('PT5M')."""
    number, unit = duration[:-1], duration[-1]
    if not number.isdigit() or unit not in "smh":
        raise ValueError(f"not a Prometheus duration of seconds, minutes or hours: {duration!r}")
    return f"PT{int(number)}{unit.upper()}"


def azure_rules(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules of Prometheus rule groups as Azure PrometheusRule inputs (alert, expression, for, labels, annotations)."""
    rules = []
    for group in groups:
        for rule in group["rules"]:
            converted: dict[str, Any] = {"alert": rule["alert"], "expression": rule["expr"], "enabled": True}
            if "for" in rule:
                converted["for_"] = iso_duration(rule["for"])
            for key in ("labels", "annotations"):
                if rule.get(key):
                    converted[key] = dict(rule[key])
            rules.append(converted)
    return rules


class AzureMonitorResources:
    """The Azure side of the `azure-monitor` pipeline for one cluster (see the module docstring).

    `component` is the cluster's `AzureGpuCluster` (resource group, AKS cluster, OIDC issuer, client config).
    Exposes `workspace`, `query_url`, `keda_values`, `resources` (what scrape objects wait for).
    """

    def __init__(self, name: str, cluster: Any, environment: Any, component: Any, *, parent: pulumi.Resource, tags: dict[str, str]):
        from hangar.components.metrics import KEDA_OPERATOR_ACCOUNT
        from pulumi_azure_native import authorization, managedidentity, monitor

        aks = component.cluster
        rg, location = aks.resource_group_name, cluster.region
        child = pulumi.ResourceOptions(parent=parent)
        self._rg, self._location, self._aks, self._tags, self._child = rg, location, aks, tags, child
        self.workspace = monitor.AzureMonitorWorkspace(f"{name}-prometheus", resource_group_name=rg, location=location, tags=tags, opts=child)
        endpoint = monitor.DataCollectionEndpoint(
            f"{name}-prometheus", resource_group_name=rg, location=location, kind="Linux", description=f"Managed Prometheus of {environment.name}/{cluster.name}", tags=tags, opts=child
        )
        rule = monitor.DataCollectionRule(
            f"{name}-prometheus",
            resource_group_name=rg,
            location=location,
            kind="Linux",
            data_collection_endpoint_id=endpoint.id,
            data_sources={"prometheus_forwarder": [{"name": SOURCE, "streams": [STREAM], "label_include_filter": {}}]},
            destinations={"monitoring_accounts": [{"account_resource_id": self.workspace.id, "name": DESTINATION}]},
            data_flows=[{"streams": [STREAM], "destinations": [DESTINATION]}],
            description=f"Prometheus metrics of {environment.name}/{cluster.name} to its Azure Monitor workspace",
            tags=tags,
            opts=child,
        )
        association = monitor.DataCollectionRuleAssociation(
            f"{name}-prometheus",
            resource_uri=aks.aks.id,
            association_name=pulumi.Output.concat("MSProm-", location, "-", aks.aks.name),
            data_collection_rule_id=rule.id,
            description="Association of data collection rule. Deleting this association will break the data collection for this AKS Cluster.",
            opts=child,
        )
        self.resources: list[pulumi.Resource] = [association]
        self.query_url = self.workspace.metrics.apply(lambda metrics: metrics.prometheus_query_endpoint if metrics else None)

        keda_namespace, keda_account = KEDA_OPERATOR_ACCOUNT
        identity = managedidentity.UserAssignedIdentity(f"{name}-keda-metrics", resource_group_name=rg, location=location, tags=tags, opts=child)
        managedidentity.FederatedIdentityCredential(
            f"{name}-keda-metrics",
            resource_group_name=rg,
            resource_name_=identity.name,
            issuer=aks.oidc_issuer_url,
            subject=f"system:serviceaccount:{keda_namespace}:{keda_account}",
            audiences=[TOKEN_AUDIENCE],
            opts=child,
        )
        subscription = component.client.subscription_id
        authorization.RoleAssignment(
            f"{name}-keda-metrics-reader",
            scope=self.workspace.id,
            principal_id=identity.principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=subscription.apply(lambda sub: f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{MONITORING_DATA_READER}"),
            description="Hangar: KEDA reads the model servers' metrics (Monitoring Data Reader)",
            opts=child,
        )
        self.keda_values = {"podIdentity": {"azureWorkload": {"enabled": True, "clientId": identity.client_id, "tenantId": identity.tenant_id}}}
        self._destination = cluster.metrics.alert_destination
        if not self._destination:
            pulumi.log.warn(
                f"cluster {cluster.name!r}: the workspace evaluates the serving alerts, but they notify nobody: set metrics.alert_destination to an action group id",
                parent,
            )

    def rule_group(self, name: str, groups: list[dict[str, Any]], description: str) -> pulumi.Resource:
        """A deployment's alerts as a Prometheus rule group of the workspace, scoped to it and the cluster."""
        from pulumi_azure_native import alertsmanagement

        return alertsmanagement.PrometheusRuleGroup(
            name,
            rule_group_name=name,
            resource_group_name=self._rg,
            location=self._location,
            scopes=[self.workspace.id, self._aks.aks.id],
            cluster_name=self._aks.aks.name,
            description=description,
            enabled=True,
            interval="PT1M",
            rules=[{**rule, "actions": [{"action_group_id": self._destination}]} for rule in azure_rules(groups)] if self._destination else azure_rules(groups),
            tags=self._tags,
            opts=self._child,
        )
