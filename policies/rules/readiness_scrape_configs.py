"""Scrapers that are not a Prometheus in the cluster: what they select, and where their traffic comes from.

`hangar-autoscaler-metrics` (`readiness_metrics`) asks two things of whatever scrapes a model server: that
it selects the server's pods on the metrics port, and that the server's NetworkPolicy admits it. For the
Amazon Managed Service for Prometheus managed scraper (`aws:amp/scraper:Scraper`) both answers are in the
plan, not in a PodMonitor:

* its `scrapeConfiguration` is a Prometheus configuration whose `kubernetes_sd_configs` (role `pod`, the
  only discovery the managed scraper supports: docs.aws.amazon.com/prometheus/latest/userguide/
  AMP-collector-how-to.html, read 2026-12-01) find pods, one target per declared container port, and whose
  `relabel_configs` keep or drop them. A target carries `__meta_kubernetes_namespace`,
  `__meta_kubernetes_pod_label_<name>` / `__meta_kubernetes_pod_labelpresent_<name>` (label names with
  every character outside [a-zA-Z0-9_] replaced by `_`), `__meta_kubernetes_pod_container_port_name` and
  `_number` (prometheus.io/docs/prometheus/latest/configuration/configuration/#kubernetes_sd_config, role
  pod). `keep` / `drop` join `source_labels` with `separator` (default `;`) and match `regex` (default
  `(.*)`) anchored at both ends (#relabel_config). Other actions do not decide which pods are scraped
  and are passed over.
* Azure Monitor managed Prometheus: its add-on reads `azmonitoring.coreos.com/v1` PodMonitors (the Prometheus
  Operator's schema under another group) and scrapes from its `ama-metrics` pods in kube-system.

The AMP scraper runs outside the cluster, in network interfaces in the subnets of its `source.eks.subnetIds`: the
  subnets it depends on in the plan give their CIDRs, and a NetworkPolicy admits it when one ingress rule
  on the metrics port has an `ipBlock` holding each of them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Any

import yaml

from hangar.records import UNKNOWN, ResourceRecord
from hangar.spec.metrics import SCRAPER_CIDRS_SEPARATOR, SCRAPER_CIDRS_TAG

AMP_SCRAPER = "aws:amp/scraper:Scraper"
AZURE_POD_MONITOR = "kubernetes:azmonitoring.coreos.com/v1:PodMonitor"
"""Azure Monitor's metrics add-on reads PodMonitors of its own API group only (learn.microsoft.com/azure/azure-monitor/containers/
prometheus-metrics-scrape-crd, MicrosoftDocs/azure-docs commit 2f263d4e), scraped by its `ama-metrics` ReplicaSet:"""
AMA_METRICS = ("kube-system", {"rsName": "ama-metrics"})
"""the add-on's scraping pods (Azure/prometheus-collector otelcollector/deploy/addon-chart/azure-monitor-metrics-addon/templates/
ama-metrics-deployment.yaml at commit 39583fd5: Deployment ama-metrics in kube-system, pods labelled rsName: ama-metrics)."""
SUBNET = "aws:ec2/subnet:Subnet"
OUTSIDE = "subnets "
"""Prefix of the `namespace` of a scraper that is not a pod: `subnets <cidr>,<cidr>` (readiness_metrics' Scraper)."""


PENDING_WORKSPACES = {
    "aws": ("aws:amp/workspace:Workspace", "https://aps-workspaces.pending.amazonaws.com/workspaces/pending"),
    "azure-workload": ("azure-native:monitor:AzureMonitorWorkspace", "https://workspace-pending.pending.prometheus.monitor.azure.com"),
}
"""A workspace's query endpoint is unknown until the workspace exists (a first `pulumi preview` sends it as unknown): a
TriggerAuthentication of this pod-identity provider beside a workspace of this type in the plan stands for that
workspace's endpoint (the placeholder address, which the managed patterns of readiness_metrics recognise)."""


def pending_endpoint(address: str, trigger_authentication: ResourceRecord | None, by_type: dict[str, list[ResourceRecord]]) -> str | None:
    """The placeholder address of a managed workspace the plan creates, for an unknown `serverAddress`; else None."""
    if address != UNKNOWN or trigger_authentication is None:
        return None
    provider = str(((trigger_authentication.inputs.get("spec") or {}).get("podIdentity") or {}).get("provider") or "")
    workspace_type, placeholder = PENDING_WORKSPACES.get(provider, ("", ""))
    return placeholder if by_type.get(workspace_type) else None


def _sanitised(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


def _targets(namespace: str, labels: dict[str, str], ports: Sequence[tuple[str | None, int]]) -> list[dict[str, str]]:
    """The discovery labels kubernetes_sd gives a pod's targets, one per declared container port."""
    base = {"__meta_kubernetes_namespace": namespace}
    for key, value in labels.items():
        base[f"__meta_kubernetes_pod_label_{_sanitised(key)}"] = value
        base[f"__meta_kubernetes_pod_labelpresent_{_sanitised(key)}"] = "true"
    return [base | {"__meta_kubernetes_pod_container_port_name": name or "", "__meta_kubernetes_pod_container_port_number": str(number)} for name, number in ports]


def _kept(target: dict[str, str], relabels: list[Any]) -> bool:
    for step in relabels:
        if not isinstance(step, dict) or step.get("action", "replace") not in ("keep", "drop"):
            continue
        value = str(step.get("separator", ";")).join(target.get(str(label), "") for label in step.get("source_labels") or [])
        try:
            matched = re.fullmatch(str(step.get("regex", "(.*)")), value) is not None
        except re.error:
            return False  # an invalid regex fails the configuration: nothing is scraped
        if matched != (step["action"] == "keep"):
            return False
    return True


def scrapes(configuration: Any, namespace: str, labels: dict[str, str], ports: Sequence[tuple[str | None, int]], metrics_path: str = "/metrics") -> bool:
    """Whether a Prometheus configuration (YAML text) scrapes a pod of these labels on one of `ports` ((name, number) pairs) at `metrics_path`."""
    try:
        config = yaml.safe_load(configuration) if isinstance(configuration, str) else None
    except yaml.YAMLError:
        return False
    for job in (config or {}).get("scrape_configs") or [] if isinstance(config, dict) else []:
        if not isinstance(job, dict) or str(job.get("metrics_path", "/metrics")) != metrics_path:
            continue
        for discovery in job.get("kubernetes_sd_configs") or []:
            if not isinstance(discovery, dict) or discovery.get("role") != "pod":
                continue
            names = ((discovery.get("namespaces") or {}).get("names")) or []
            if names and namespace not in [str(n) for n in names]:
                continue
            if any(_kept(target, job.get("relabel_configs") or []) for target in _targets(namespace, labels, ports)):
                return True
    return False


def amp_scrapers(by_type: dict[str, list[ResourceRecord]]) -> list[ResourceRecord]:
    return by_type.get(AMP_SCRAPER, [])


def scraper_cidrs(scraper: ResourceRecord, by_urn: dict[str, ResourceRecord]) -> list[str] | None:
    """The CIDRs of the subnets a managed scraper runs in, or None when they cannot be read.

    From the plan's subnets it depends on; a scraper in subnets the plan does not create (an existing VPC) states their
    ranges in its tag `SCRAPER_CIDRS_TAG`, one per subnet id."""
    subnets = [by_urn[urn] for urn in scraper.dependencies if urn in by_urn and by_urn[urn].type == SUBNET]
    given = ((scraper.inputs.get("source") or {}).get("eks") or {}).get("subnetIds") or []
    cidrs = sorted(str(s.inputs.get("cidrBlock")) for s in subnets if s.inputs.get("cidrBlock"))
    if not subnets:
        tagged = [c for c in str((scraper.inputs.get("tags") or {}).get(SCRAPER_CIDRS_TAG) or "").split(SCRAPER_CIDRS_SEPARATOR) if c]
        try:
            cidrs = sorted(str(ipaddress.ip_network(c, strict=False)) for c in tagged)
        except ValueError:
            return None
    return cidrs if cidrs and len(cidrs) == len(given) else None


def outside_scraper(by_type: dict[str, list[ResourceRecord]], by_urn: dict[str, ResourceRecord]) -> tuple[str, None] | None:
    """The plan's managed scraper as readiness_metrics' Scraper (`subnets <cidrs>`, no pod labels), or None."""
    for scraper in amp_scrapers(by_type):
        cidrs = scraper_cidrs(scraper, by_urn)
        if cidrs:
            return OUTSIDE + ",".join(cidrs), None
    return None


def outside_cidrs(namespace: str) -> list[str] | None:
    """The CIDRs of an outside scraper's `namespace`, or None for a namespace of pods."""
    return namespace[len(OUTSIDE) :].split(",") if namespace.startswith(OUTSIDE) else None


def admits_cidrs(policy: ResourceRecord, cidrs: list[str], port_ok: Any) -> bool:
    """Whether one ingress rule of the policy admits every CIDR on a port `port_ok(port_entry)` accepts."""
    wanted = [ipaddress.ip_network(c, strict=False) for c in cidrs]
    for rule in (policy.inputs.get("spec") or {}).get("ingress") or []:
        if not isinstance(rule, dict):
            continue
        ports = [p for p in rule.get("ports") or [] if isinstance(p, dict)]
        if ports and not any(port_ok(p) for p in ports):
            continue
        peers = rule.get("from")
        if not peers:
            return True
        blocks = []
        for peer in peers:
            block = peer.get("ipBlock") if isinstance(peer, dict) else None
            if isinstance(block, dict) and block.get("cidr"):
                try:
                    blocks.append((ipaddress.ip_network(str(block["cidr"]), strict=False), [ipaddress.ip_network(str(e), strict=False) for e in block.get("except") or []]))
                except ValueError:
                    continue
        if all(any(w.version == b.version and w.subnet_of(b) and not any(w.overlaps(e) for e in excepted) for b, excepted in blocks) for w in wanted):
            return True
    return False
