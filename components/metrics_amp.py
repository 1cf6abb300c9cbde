"""The `amp` metrics pipeline: Amazon Managed Service for Prometheus for an EKS cluster's model servers.

What it creates (all with the cluster's AWS provider):

* a workspace (`aws.amp.Workspace`) per cluster, tagged `AMPAgentlessScraper` as the pulumi-aws
  Scraper docs advise (the managed scraper adds that tag itself, which would otherwise show as drift);
* the AWS managed scraper (`aws.amp.Scraper`, agentless) with the EKS cluster as its source. It runs in
  two subnets of its own (`SCRAPER_SLOTS`, cut from the block Hangar's VPC layout leaves free; in an existing
  VPC, the subnets `metrics.scraper_subnets` names, which its owner keeps for the scraper) with the
  cluster security group, so the model servers' NetworkPolicies can admit exactly those addresses on the
  metrics port and nothing else of the VPC. Its Kubernetes access comes from the EKS access entry the
  service creates itself when the cluster's authentication mode is API or API_AND_CONFIG_MAP (Hangar's
  is API). Its scrape configuration (`scrape_configuration`) discovers pods and keeps exactly the model
  servers' metrics port, as the in-cluster PodMonitor does, and, in a second job, the kube-state-metrics
  Hangar installs for the pods-pending alert (`hangar.components.metrics_kube_state`);
* an IAM role for KEDA's operator (IRSA: the `keda/keda-operator` ServiceAccount through the cluster's
  OIDC provider) allowed `aps:QueryMetrics` on this workspace only; KEDA's chart annotates its
  ServiceAccount with it (`podIdentity.aws.irsa`), and the ScaledObjects sign their queries with SigV4
  through a TriggerAuthentication of `podIdentity.provider: aws` and the trigger's `awsRegion`;
* the SLO alerts of each model server as a rule-groups namespace of the workspace
  (`aws.amp.RuleGroupNamespace`), the same rule groups the promtool tests prove; with
  `metrics.alert_destination` (an SNS topic), the workspace's alert manager definition routes every alert
  there (`aws.amp.AlertManagerDefinition`: `alertmanager_config` holding a route to one receiver with
  `sns_configs` of `topic_arn` and `sigv4.region`, which AMP requires). The topic's access policy is its
  owner's: it must allow `aps.amazonaws.com` `sns:Publish` (AMP user guide,
  AMP-alertmanager-receiver-AMPpermission.html); Hangar does not rewrite another team's topic policy.

Sources (read 2026-12-01):
* https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-collector-how-to.html — subnets (at least two
  zones) and security group of the cluster; access entries created for the scraper in API /
  API_AND_CONFIG_MAP mode; the cluster's private endpoint must be on; only `kubernetes_sd_config` discovery;
  "the scraper config can't specify a scrape interval of less than 30 seconds"; cluster, scraper and
  workspace in one region.
* pulumi-aws 7.x `aws.amp.Scraper`, `Workspace`, `RuleGroupNamespace` (the installed SDK's schema and docs).
* KEDA 2.20 (kedacore/keda-docs commit a55c5d345e2cbd9923ab4936f1cabc2a17e9abac): content/docs/2.20/scalers/prometheus.md
  "Amazon Managed Service for Prometheus" (serverAddress `https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>`,
  metadata `awsRegion`, `authenticationRef` to a TriggerAuthentication with `podIdentity.provider: aws`) and
  content/docs/2.20/authentication-providers/aws.md (`identityOwner` defaults to `keda`: the operator's IRSA role);
  kedacore/charts keda/values.yaml at commit cbb9bb8ce0809dc9048f72302f7c09765d66ed56 (`podIdentity.aws.irsa.enabled`,
  `.roleArn`).
* AWS managed policy AmazonPrometheusQueryAccess (docs.aws.amazon.com/aws-managed-policy/latest/reference/
  AmazonPrometheusQueryAccess.html, v1): aps:GetLabels, GetMetricMetadata, GetSeries, QueryMetrics. KEDA only
  runs instant queries, so its role gets QueryMetrics alone, on one workspace.
* AMP alert manager: docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-config.html (the file's
  `alertmanager_config` key) and AMP-alertmanager-receiver-config.html (SNS only; `sigv4.region` required;
  no `api_url`, no `http_config`).
* Prometheus `kubernetes_sd_config`, role pod (prometheus.io/docs/prometheus/latest/configuration/configuration/):
  one target per declared container port, with `__meta_kubernetes_pod_container_port_name` and
  `__meta_kubernetes_pod_label_<labelname>` (label names sanitised to underscores).
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pulumi
import yaml

from hangar.spec.metrics import SCRAPER_CIDRS_SEPARATOR, SCRAPER_CIDRS_TAG

AMP_SCRAPE_INTERVAL = "30s"
"""The managed scraper's floor (AMP user guide: no scrape interval below 30 seconds)."""
SCRAPE_JOB = "hangar-model-servers"
QUERY_URL = "https://aps-workspaces.{region}.amazonaws.com/workspaces/{workspace}"
QUERY_ACTIONS = ("aps:QueryMetrics",)

SCRAPER_SLOTS = (6, 7)
"""Which of the eight blocks of the VPC's last eighth hold the scraper's two subnets.

`hangar.components.aws_network.subnet_layout` uses blocks 0..zones-1 of that eighth for the NAT subnets,
so with at most six zones blocks 6 and 7 are free (the spec refuses `amp` with more zones)."""


def scraper_cidrs(vpc_cidr: ipaddress.IPv4Network) -> list[str]:
    """The two CIDRs of the scraper's own subnets in a Hangar VPC."""
    last_eighth = list(vpc_cidr.subnets(prefixlen_diff=3))[-1]
    blocks = list(last_eighth.subnets(prefixlen_diff=3))
    return [str(blocks[slot]) for slot in SCRAPER_SLOTS]


def _sanitised(label: str) -> str:
    """A Kubernetes label name as kubernetes_sd exposes it in `__meta_kubernetes_pod_label_<name>`."""
    return "".join(c if c.isalnum() or c == "_" else "_" for c in label)


def scrape_configuration(namespace: str, pod_labels: dict[str, str], port_name: str, metrics_path: str, drop_labels: dict[str, str],
                         extra_jobs: list[dict[str, Any]] = ()) -> str:  # fmt: skip
    """The scraper's Prometheus configuration: pods of `namespace` with `pod_labels`, on the container port named `port_name`.

    Pods carrying any of `drop_labels` (a multi-host replica's workers, which run no API server) are dropped;
    every series gets the `namespace` and `pod` labels the autoscalers' and alerts' selectors use, as a
    PodMonitor would add them. `extra_jobs` follow the model servers' job (kube-state-metrics':
    `hangar.components.metrics_kube_state.scrape_job`).
    """
    keep = [
        {"source_labels": [f"__meta_kubernetes_pod_label_{_sanitised(key)}"], "regex": value, "action": "keep"} for key, value in sorted(pod_labels.items())
    ]
    keep.append({"source_labels": ["__meta_kubernetes_pod_container_port_name"], "regex": port_name, "action": "keep"})
    drop = [
        {"source_labels": [f"__meta_kubernetes_pod_label_{_sanitised(key)}"], "regex": value, "action": "drop"} for key, value in sorted(drop_labels.items())
    ]
    labels = [
        {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace", "action": "replace"},
        {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod", "action": "replace"},
    ]
    config = {
        "global": {"scrape_interval": AMP_SCRAPE_INTERVAL},
        "scrape_configs": [
            {
                "job_name": SCRAPE_JOB,
                "metrics_path": metrics_path,
                "kubernetes_sd_configs": [{"role": "pod", "namespaces": {"names": [namespace]}}],
                "relabel_configs": keep + drop + labels,
            },
            *extra_jobs,
        ],
    }
    return yaml.safe_dump(config, sort_keys=False)


def alert_manager_definition(topic_arn: str) -> str:
    """The workspace's alert manager file: every alert to one SNS topic, signed in the topic's region."""
    region = topic_arn.split(":")[3]
    config = {"route": {"receiver": "hangar"}, "receivers": [{"name": "hangar", "sns_configs": [{"topic_arn": topic_arn, "sigv4": {"region": region}}]}]}
    return yaml.safe_dump({"alertmanager_config": yaml.safe_dump(config, sort_keys=False)}, sort_keys=False)


def query_policy(workspace_arn: str) -> str:
    """The KEDA role's only permission: instant queries against this one workspace."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(QUERY_ACTIONS), "Resource": workspace_arn}]})


class AmpResources:
    """The AWS side of the `amp` pipeline for one cluster (see the module docstring).

    `component` is the cluster's `AwsGpuCluster` (network, EKS cluster, OIDC provider, AWS provider).
    Exposes `workspace`, `scraper`, `query_url`, `cidrs` (the scraper's subnets), `keda_values`.
    """

    def __init__(self, name: str, cluster: Any, environment: Any, component: Any, *, namespace: str, pod_labels: dict[str, str],
                 port_name: str, metrics_path: str, drop_labels: dict[str, str], parent: pulumi.Resource, tags: dict[str, str]):  # fmt: skip
        import pulumi_aws as aws
        from hangar.components.aws_access import irsa_trust_policy
        from hangar.components.metrics import KEDA_OPERATOR_ACCOUNT
        from hangar.components.metrics_kube_state import scrape_job

        self._aws, self._parent, self._tags = aws, parent, tags
        child = pulumi.ResourceOptions(parent=parent, provider=component.aws_provider)
        self.workspace = aws.amp.Workspace(
            f"{name}-amp", alias=f"{environment.name}-{cluster.name}", tags={**tags, "AMPAgentlessScraper": ""}, opts=child
        )
        network = component.network
        given = cluster.metrics.scraper_subnets
        if cluster.network.existing_network_id:
            # An existing VPC: the subnets its owner set aside for the scraper (hangar.spec.metrics.ScraperSubnet).
            self.cidrs = [str(subnet.cidr) for subnet in given]
            subnet_ids: list[pulumi.Input[str]] = [subnet.id for subnet in given]
            scraper_tags = {**tags, SCRAPER_CIDRS_TAG: SCRAPER_CIDRS_SEPARATOR.join(self.cidrs)}
        else:
            self.cidrs = scraper_cidrs(cluster.network.cidr)
            subnet_ids = [
                aws.ec2.Subnet(
                    f"{name}-amp-scraper-{index}",
                    vpc_id=network.vpc_id,
                    cidr_block=cidr,
                    availability_zone=zone,
                    map_public_ip_on_launch=False,
                    tags={**tags, "Name": f"{name}-amp-scraper-{index}"},
                    opts=child,
                ).id
                for index, (cidr, zone) in enumerate(zip(self.cidrs, network.zone_names[:2]))
            ]
            scraper_tags = tags
        eks = component.cluster.eks
        self.scraper = aws.amp.Scraper(
            f"{name}-amp",
            alias=f"{environment.name}-{cluster.name}",
            source={"eks": {"cluster_arn": eks.arn, "subnet_ids": subnet_ids, "security_group_ids": [eks.vpc_config.cluster_security_group_id]}},
            destination={"amp": {"workspace_arn": self.workspace.arn}},
            scrape_configuration=scrape_configuration(namespace, pod_labels, port_name, metrics_path, drop_labels, [scrape_job()]),
            tags=scraper_tags,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=component.cluster.api_access)),
        )
        prefix, middle = QUERY_URL.split("{region}")
        middle, _ = middle.split("{workspace}")
        self.query_url = pulumi.Output.concat(prefix, cluster.region, middle, self.workspace.id)
        keda_namespace, keda_account = KEDA_OPERATOR_ACCOUNT
        role = aws.iam.Role(
            f"{name}-keda-amp",
            assume_role_policy=irsa_trust_policy(component.cluster.oidc_provider_arn, component.cluster.oidc_issuer, keda_namespace, keda_account),
            description=f"KEDA queries Amazon Managed Prometheus for {environment.name}/{cluster.name}",
            tags=tags,
            opts=child,
        )
        aws.iam.RolePolicy(f"{name}-keda-amp-query", role=role.id, policy=self.workspace.arn.apply(query_policy), opts=child)
        destination = cluster.metrics.alert_destination
        if destination:
            aws.amp.AlertManagerDefinition(f"{name}-amp-alerts", workspace_id=self.workspace.id, definition=alert_manager_definition(destination), opts=child)
        else:
            pulumi.log.warn(
                f"cluster {cluster.name!r}: the workspace evaluates the serving alerts, but they notify nobody: set metrics.alert_destination to an SNS topic ARN",
                parent,
            )
        self.keda_values = {"podIdentity": {"aws": {"irsa": {"enabled": True, "roleArn": role.arn}}}}
        self._child = child

    def rule_groups(self, name: str, groups: list[dict[str, Any]]) -> pulumi.Resource:
        """A deployment's alert rule groups as a rule-groups namespace of the workspace (the Prometheus rule-file format)."""
        return self._aws.amp.RuleGroupNamespace(
            name, name=name, workspace_id=self.workspace.id, data=yaml.safe_dump({"groups": groups}, sort_keys=False), tags=self._tags, opts=self._child
        )
