"""Metrics behind every autoscaler: an autoscaler on the engine's metrics reads series that really exist.

For each KEDA ScaledObject or HPA whose metrics come from the engine (`vllm:*`, `vllm_*`, `tgi_*`):

* its target is in the plan (else what it scales, and on which port, cannot be read: fail closed);
* a scrape object selects the target's pods on the metrics port — a `monitoring.coreos.com/v1` PodMonitor
  (pods; its own namespace unless `namespaceSelector` says otherwise) or ServiceMonitor (through a Service
  that selects the pods and targets the port), or a `monitoring.googleapis.com/v1` PodMonitoring (same
  namespace) / ClusterPodMonitoring. vLLM serves `/metrics` on its API port (`--port`, default 8000:
  https://docs.vllm.ai/en/v0.11.2/serving/openai_compatible_server.html, read 2026-12-01);
* a Prometheus answers at the address it queries: a ScaledObject's prometheus trigger `serverAddress`
  (an HPA's: the `prometheus.url` of a `prometheus-adapter` release) is an in-cluster Service of the plan
  — `prometheus-operated.<ns>` for a `monitoring.coreos.com/v1` Prometheus or a `kube-prometheus-stack`
  release in `<ns>` (the operator's governing Service, `governingServiceName = "prometheus-operated"` in
  prometheus-operator's pkg/prometheus), the chart's own `<fullname>-prometheus` Service (fullname:
  `fullnameOverride`, else the release name when it contains the chart name, else `<release>-<chart>`, cut at
  26 characters: prometheus-community/helm-charts charts/kube-prometheus-stack templates/_helpers.tpl and
  templates/prometheus/service.yaml at commit 00a2982a, read 2026-12-01), any Service of the plan by name —
  or a managed endpoint (Amazon
  Managed Prometheus `aps-workspaces.<region>.amazonaws.com`, Google `monitoring.googleapis.com`, Azure
  `*.prometheus.monitor.azure.com`) with a KEDA `authenticationRef`, or an address the config lists;
* when NetworkPolicies restrict ingress to the target's pods, one admits the scraper's namespace on the
  metrics port (the Prometheus's namespace; `gmp-system` for Google managed collection, whose collector
  DaemonSet runs there as ordinary pods, no host network: GoogleCloudPlatform/prometheus-engine
  manifests/operator.yaml at commit 2ffde4ec, and
  https://cloud.google.com/stackdriver/docs/managed-prometheus/setup-managed, read 2026-12-01);
* a managed workspace's query endpoint that is unknown at preview (computed from the workspace) counts as that
  workspace's when the trigger's TriggerAuthentication uses its cloud's pod identity and the plan creates the
  workspace (readiness_scrape_configs.pending_endpoint); any other unknown address cannot be judged;
* an Amazon Managed Prometheus scraper (`aws:amp/scraper:Scraper`) scrapes the pods its scrape configuration
  selects, from the subnets it runs in: `readiness_scrape_configs` reads both;
* scaling to zero (`minReplicaCount` 0, KEDA's default) needs a trigger whose signal exists at zero
  replicas: a scaler that is not Prometheus, or a query that reads no engine series. At zero replicas no
  engine pod exports anything, so engine-only triggers never wake it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from hangar.policies.rules.base import AUTOSCALER_METRICS, Finding
from hangar.policies.rules.config import AutoscalerMetricsConfig
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.readiness_autoscalers import Autoscaler, autoscalers, engine_metric
from hangar.policies.rules.readiness_devices import RELEASE_TYPES, chart_name
from hangar.policies.rules.readiness_pods import PodWorkload, namespace_of
from hangar.policies.rules.readiness_scrape_configs import (
    AMA_METRICS,
    AZURE_POD_MONITOR,
    admits_cidrs,
    amp_scrapers,
    outside_cidrs,
    outside_scraper,
    pending_endpoint,
    scrapes,
)

from hangar.records import UNKNOWN, ResourceRecord

POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor"
SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
POD_MONITORING = "kubernetes:monitoring.googleapis.com/v1:PodMonitoring"
CLUSTER_POD_MONITORING = "kubernetes:monitoring.googleapis.com/v1:ClusterPodMonitoring"
PROMETHEUS_CR = "kubernetes:monitoring.coreos.com/v1:Prometheus"
SERVICE = "kubernetes:core/v1:Service"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
TRIGGER_AUTH = ("kubernetes:keda.sh/v1alpha1:TriggerAuthentication", "kubernetes:keda.sh/v1alpha1:ClusterTriggerAuthentication")
OPERATED = "prometheus-operated"
GMP_COLLECTOR = ("gmp-system", {"app.kubernetes.io/name": "collector"})
"""Google managed collection's collector pods: namespace and labels (prometheus-engine manifests/operator.yaml)."""
MANAGED = (
    (re.compile(r"^aps-workspaces\.[a-z0-9-]+\.amazonaws\.com$"), "Amazon Managed Service for Prometheus", None),
    (re.compile(r"^monitoring\.googleapis\.com$"), "Google Cloud Managed Service for Prometheus", GMP_COLLECTOR),
    (re.compile(r"\.prometheus\.monitor\.azure\.com$"), "Azure Monitor managed Prometheus", AMA_METRICS),
)
Scraper = tuple[str, dict[str, str] | None]
"""The namespace of the pods that scrape, and their labels when known."""
VLLM_PORT = 8000


def check(facts: StackFacts, config: AutoscalerMetricsConfig) -> list[Finding]:
    index = _Index(facts)
    findings = []
    for scaler in autoscalers(facts):
        texts = scaler.metric_texts()
        if not any(engine_metric(text) for text in texts) and not (scaler.target is not None and _serves(scaler.target) and not any(texts)):
            continue
        findings += [Finding(AUTOSCALER_METRICS, scaler.urn, f"{scaler.describe()}: {problem}") for problem in _problems(scaler, index, config)]
    return findings


def _serves(workload: PodWorkload) -> bool:
    return any("vllm" in str(c.get("image", "")) or "text-generation-inference" in str(c.get("image", "")) for c in workload.leader.containers)


def _problems(scaler: Autoscaler, index: _Index, config: AutoscalerMetricsConfig) -> list[str]:
    if scaler.target is None:
        return [f"scales {scaler.describe_target()}, which is not in this stack, so whether its metrics are scraped cannot be judged; create the target in this stack"]
    target = scaler.target
    if not any(scaler.metric_texts()):
        return [f"its metric source cannot be read (no query or metric name in its {'triggers' if scaler.kind == 'ScaledObject' else 'metrics'})"]
    problems = []
    names, numbers = metrics_ports(target)
    port = "/".join([*sorted(names), *map(str, sorted(numbers))])
    if not index.scraped(target, names, numbers):
        problems.append(
            f"nothing scrapes {target.describe()} on its metrics port {port}: add a PodMonitor (monitoring.coreos.com/v1) or PodMonitoring "
            f"(monitoring.googleapis.com/v1) in {target.namespace} selecting {dict(sorted(target.leader.labels.items())) if target.leader.labels else '{}'} on port {port}, so the engine's series exist"
        )
    servers: list[tuple[str, Scraper | None]] = []
    for address, auth in _addresses(scaler, index):
        where, scraper, problem = index.prometheus_at(address, auth, scaler.namespace, config)
        if problem:
            problems.append(problem) if problem not in problems else None
        elif where not in [w for w, _ in servers]:
            servers.append((where, scraper))
    restricting = index.ingress_policies(target)
    if restricting and servers:
        for where, scraper in servers:
            if scraper is None:
                problems.append(
                    f"NetworkPolicy {', '.join(p.name for p in restricting)} restricts ingress to {target.describe()}, and which namespace scrapes it for "
                    f"{where} is not in this stack, so whether the scraper is admitted cannot be judged"
                )
            elif not any(_admits(p, index.ns(p), scraper, names, numbers) for p in restricting):
                who = f"namespace {scraper[0]}" + (f" pods {scraper[1]}" if scraper[1] else "") if outside_cidrs(scraper[0]) is None else scraper[0]
                problems.append(
                    f"NetworkPolicy {', '.join(p.name for p in restricting)} admits no traffic from {who} (the scraper of {where}) to "
                    f"{target.describe()} on port {port}: the scrapes are dropped; add an ingress rule from "
                    + (f"namespaceSelector kubernetes.io/metadata.name: {scraper[0]}" if outside_cidrs(scraper[0]) is None else f"an ipBlock of each of its {scraper[0]}")
                    + " on that port"
                )
    if scaler.min_replicas == 0 and scaler.kind == "ScaledObject" and not any(_wakes(t) for t in scaler.triggers):
        problems.append(
            "scales to zero (minReplicaCount 0), but every trigger reads the engine's own series, which no pod exports at zero replicas: "
            "nothing can wake it. Add a trigger on a signal outside the pods (a queue's depth, the gateway's request rate), or keep minReplicaCount at 1"
        )
    return problems


def _wakes(trigger: dict[str, Any]) -> bool:
    if trigger.get("type") != "prometheus":
        return trigger.get("type") not in ("cpu", "memory")
    query = str((trigger.get("metadata") or {}).get("query") or "")
    return bool(query) and not engine_metric(query)


def _addresses(scaler: Autoscaler, index: _Index) -> list[tuple[str, str | None]]:
    """(address, authenticationRef name) of each Prometheus the autoscaler reads."""
    if scaler.kind == "ScaledObject":
        found = []
        for trigger in scaler.triggers:
            if trigger.get("type") == "prometheus":
                auth = (trigger.get("authenticationRef") or {}).get("name")
                found.append((str((trigger.get("metadata") or {}).get("serverAddress") or ""), str(auth) if auth else None))
        return found
    adapters = [r for r in index.releases if chart_name(r) == "prometheus-adapter"]
    if not adapters:
        return [("", None)]
    prometheus = (adapters[0].inputs.get("values") or {}).get("prometheus") or {}
    url, port = str(prometheus.get("url") or ""), prometheus.get("port")
    return [(f"{url}:{int(float(port))}" if url and port and url.count(":") < 2 else url, None)]


def metrics_ports(workload: PodWorkload) -> tuple[set[str], set[int]]:
    """Names and numbers of the container port the engine serves /metrics on."""
    names: set[str] = set()
    numbers: set[int] = set()
    for container in workload.leader.containers:
        words = [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]
        port = VLLM_PORT
        for i, word in enumerate(words):
            if word == "--port" and i + 1 < len(words):
                port = _int(words[i + 1]) or port
            elif word.startswith("--port="):
                port = _int(word.split("=", 1)[1]) or port
        numbers.add(port)
        for declared in container.get("ports") or []:
            if isinstance(declared, dict) and _int(declared.get("containerPort")) == port and declared.get("name"):
                names.add(str(declared["name"]))
    return names, numbers


class _Index:
    """The plan's monitoring objects, Services and NetworkPolicies, by namespace."""

    def __init__(self, facts: StackFacts):
        self.facts = facts
        by_type: dict[str, list[ResourceRecord]] = {}
        for record in facts.records:
            by_type.setdefault(record.type, []).append(record)
        self.by_type = by_type
        self.releases = [r for t in RELEASE_TYPES for r in by_type.get(t, [])]
        # Per-namespace lists, so each autoscaler looks only at its own namespace's objects (linear in the plan).
        self.in_namespace: dict[tuple[str, str], list[ResourceRecord]] = {}
        for kind in (POD_MONITOR, POD_MONITORING, SERVICE_MONITOR, SERVICE, NETWORK_POLICY, AZURE_POD_MONITOR):
            for record in by_type.get(kind, []):
                self.in_namespace.setdefault((kind, self.ns(record)), []).append(record)
        self.wide = {
            kind: [r for r in by_type.get(kind, []) if isinstance((r.inputs.get("spec") or {}).get("namespaceSelector"), dict)]
            for kind in (POD_MONITOR, SERVICE_MONITOR)
        }

        # Pod selectors indexed by (kind, namespace, first matchLabels pair): a target finds the monitors and
        # policies that may select it through its own label pairs, not by scanning its whole namespace.
        self.by_selector: dict[tuple[str, str, str, str], list[ResourceRecord]] = {}
        self.unkeyed: dict[tuple[str, str], list[ResourceRecord]] = {}
        for kind, field in ((POD_MONITOR, "selector"), (POD_MONITORING, "selector"), (NETWORK_POLICY, "podSelector")):
            for record in by_type.get(kind, []):
                if kind == POD_MONITOR and record in self.wide.get(POD_MONITOR, []):
                    continue
                labels = ((record.inputs.get("spec") or {}).get(field) or {}).get("matchLabels") or {}
                if labels:
                    key, value = next(iter(labels.items()))
                    self.by_selector.setdefault((kind, self.ns(record), str(key), str(value)), []).append(record)
                else:
                    self.unkeyed.setdefault((kind, self.ns(record)), []).append(record)

    def selecting(self, kind: str, namespace: str, labels: dict[str, str]) -> list[ResourceRecord]:
        """Objects of a kind in a namespace whose pod selector may select these labels (to be checked in full)."""
        found = list(self.unkeyed.get((kind, namespace), []))
        for key, value in labels.items():
            found += self.by_selector.get((kind, namespace, key, value), [])
        unique = {id(record): record for record in found}  # a selector keyed on one pair is found once
        return list(unique.values())

    def near(self, kind: str, namespace: str) -> list[ResourceRecord]:
        """Objects of a kind in a namespace, and (monitors) those that select namespaces beyond their own."""
        local = self.in_namespace.get((kind, namespace), [])
        return local + [r for r in self.wide.get(kind, []) if r not in local]

    def ns(self, record: ResourceRecord) -> str:
        return namespace_of(record, self.facts.by_urn)

    def scraped(self, target: PodWorkload, names: set[str], numbers: set[int]) -> bool:
        labels = target.leader.labels
        for monitor in self.selecting(POD_MONITOR, target.namespace, labels) + self.wide.get(POD_MONITOR, []):
            spec = monitor.inputs.get("spec") or {}
            if _in_namespaces(spec.get("namespaceSelector"), self.ns(monitor), target.namespace) and _matches(spec.get("selector"), labels):
                if any(_endpoint_port(e, names, numbers) for e in spec.get("podMetricsEndpoints") or [] if isinstance(e, dict)):
                    return True
        for kind in (POD_MONITORING, CLUSTER_POD_MONITORING):
            for monitor in self.selecting(kind, target.namespace, labels) if kind == POD_MONITORING else self.by_type.get(kind, []):
                spec = monitor.inputs.get("spec") or {}
                if (kind == CLUSTER_POD_MONITORING or self.ns(monitor) == target.namespace) and _matches(spec.get("selector"), labels):
                    if any(_endpoint_port(e, names, numbers) for e in spec.get("endpoints") or [] if isinstance(e, dict)):
                        return True
        for monitor in self.near(SERVICE_MONITOR, target.namespace):
            spec = monitor.inputs.get("spec") or {}
            if not _in_namespaces(spec.get("namespaceSelector"), self.ns(monitor), target.namespace):
                continue
            for service in self.in_namespace.get((SERVICE, target.namespace), []):
                service_spec = service.inputs.get("spec") or {}
                selector = {str(k): str(v) for k, v in (service_spec.get("selector") or {}).items()}
                if self.ns(service) != target.namespace or not selector or any(labels.get(k) != v for k, v in selector.items()):
                    continue
                if not _matches(spec.get("selector"), {str(k): str(v) for k, v in ((service.inputs.get("metadata") or {}).get("labels") or {}).items()}):
                    continue
                served = {str(p.get("name")) for p in service_spec.get("ports") or [] if isinstance(p, dict) and _service_port_targets(p, names, numbers)}
                if any(str(e.get("port")) in served or _int(e.get("targetPort")) in numbers for e in spec.get("endpoints") or [] if isinstance(e, dict)):
                    return True
        for monitor in self.in_namespace.get((AZURE_POD_MONITOR, target.namespace), []):  # Azure Monitor's add-on (readiness_scrape_configs)
            spec = monitor.inputs.get("spec") or {}
            if _matches(spec.get("selector"), labels) and any(_endpoint_port(e, names, numbers) for e in spec.get("podMetricsEndpoints") or [] if isinstance(e, dict)):
                return True
        # An Amazon Managed Prometheus scraper selects pods in its own scrape configuration (readiness_scrape_configs).
        ports = [(name, number) for name in sorted(names) or [None] for number in sorted(numbers)]
        return any(scrapes(s.inputs.get("scrapeConfiguration"), target.namespace, labels, ports) for s in amp_scrapers(self.by_type))

    def prometheus_at(self, address: str, auth: str | None, namespace: str, config: AutoscalerMetricsConfig) -> tuple[str, Scraper | None, str]:
        """(what answers, the namespace that scrapes for it, the problem) for a queried address."""
        authentications = [r for t in TRIGGER_AUTH for r in self.by_type.get(t, []) if auth and self._named(r, auth)]
        address = pending_endpoint(address, authentications[0] if authentications else None, self.by_type) or address
        if address == UNKNOWN:
            return "", None, "its Prometheus address is not known until another resource of the stack exists, so whether a Prometheus answers there cannot be judged"
        if not address:
            return "", None, "its Prometheus address cannot be read (no serverAddress, or no prometheus-adapter release with prometheus.url in this stack)"
        if address.rstrip("/") in {u.rstrip("/") for u in config.prometheus_urls}:
            host = urlparse(address).hostname or ""
            parts = host.split(".")
            return address, (parts[1], None) if len(parts) > 2 and parts[2] == "svc" else None, ""
        host = urlparse(address if "//" in address else f"http://{address}").hostname or ""
        for pattern, name, scraper in MANAGED:
            if pattern.search(host):
                if auth is None:
                    return name, scraper, f"queries {name} at {address} without an authenticationRef: a managed endpoint refuses unauthenticated queries; add a TriggerAuthentication"
                if not any(self._named(r, auth) and (r.type.endswith("ClusterTriggerAuthentication") or self.ns(r) == namespace) for t in TRIGGER_AUTH for r in self.by_type.get(t, [])):
                    return name, scraper, f"its authenticationRef {auth} names no TriggerAuthentication in {namespace} in this stack"
                return name, scraper or self._agent_namespace() or outside_scraper(self.by_type, self.facts.by_urn), ""
        parts = host.split(".")
        if len(parts) >= 2 and (len(parts) == 2 or parts[2] == "svc"):
            service, ns = parts[0], parts[1]
            scraper = self._prometheus(service, ns)
            if scraper is not None:
                return f"Prometheus {ns}/{service}", scraper, ""
            return "", None, (
                f"queries {address}, but nothing in this stack serves Prometheus there (no Service {ns}/{service}, and no Prometheus or "
                f"kube-prometheus-stack in {ns} behind {OPERATED}); point serverAddress at the plan's Prometheus or deploy one"
            )
        return "", None, f"queries {address}, which is neither an in-cluster Service of this stack nor a known managed Prometheus; list it in prometheusUrls if it exists outside the stack"

    def _prometheus(self, service: str, namespace: str) -> Scraper | None:
        """Who scrapes for the Prometheus behind a Service name in a namespace (its pods' labels when known); None if none is there."""
        stacks = [r for r in self.releases if chart_name(r) == "kube-prometheus-stack" and str(r.inputs.get("namespace") or "default") == namespace]
        crs = [p for p in self.by_type.get(PROMETHEUS_CR, []) if self.ns(p) == namespace]
        for release in stacks:
            if service in (_stack_service(release), OPERATED):
                name = _stack_service(release)
                return namespace, {"app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": name} if name else None
        if service == OPERATED and crs:
            return namespace, {"app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": self._name(crs[0])} if len(crs) == 1 else None
        if any(self._named(s, service) for s in self.in_namespace.get((SERVICE, namespace), [])):
            return namespace, None
        return None

    def _agent_namespace(self) -> Scraper | None:
        """Where an in-cluster agent scrapes for a managed backend: the plan's Prometheus, if it has one."""
        prometheus = self.by_type.get(PROMETHEUS_CR, [])
        return (self.ns(prometheus[0]), {"app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": self._name(prometheus[0])}) if prometheus else None

    @staticmethod
    def _name(record: ResourceRecord) -> str:
        return str((record.inputs.get("metadata") or {}).get("name") or record.name)

    @classmethod
    def _named(cls, record: ResourceRecord, name: str) -> bool:
        return cls._name(record) == name

    def ingress_policies(self, target: PodWorkload) -> list[ResourceRecord]:
        """NetworkPolicies that select the target's pods and restrict their ingress."""
        found = []
        for policy in self.selecting(NETWORK_POLICY, target.namespace, target.leader.labels):
            spec = policy.inputs.get("spec") or {}
            types = spec.get("policyTypes") or (["Ingress"])
            if self.ns(policy) == target.namespace and "Ingress" in types and _matches(spec.get("podSelector"), target.leader.labels):
                found.append(policy)
        return found


def _stack_service(release: ResourceRecord) -> str | None:
    """The Prometheus Service a kube-prometheus-stack release creates (None when its release name is left to Pulumi)."""
    values = release.inputs.get("values") or {}
    if values.get("fullnameOverride"):
        full = str(values["fullnameOverride"])
    elif release.inputs.get("name"):
        name, chart = str(release.inputs["name"]), str(values.get("nameOverride") or "kube-prometheus-stack")
        full = name if chart in name else f"{name}-{chart}"
    else:
        return None
    return f"{full[:26].rstrip('-')}-prometheus"


def _admits(policy: ResourceRecord, policy_namespace: str, scraper: Scraper, names: set[str], numbers: set[int]) -> bool:
    """Whether an ingress rule of the policy lets the scraper's pods reach the metrics port."""
    namespace, pod_labels = scraper
    if (cidrs := outside_cidrs(namespace)) is not None:
        return admits_cidrs(policy, cidrs, lambda p: p.get("port") is None or str(p.get("port")) in names or _int(p.get("port")) in numbers)
    for rule in (policy.inputs.get("spec") or {}).get("ingress") or []:
        if not isinstance(rule, dict):
            continue
        ports = [p for p in rule.get("ports") or [] if isinstance(p, dict)]
        if ports and not any(p.get("port") is None or str(p.get("port")) in names or _int(p.get("port")) in numbers for p in ports):
            continue
        peers = rule.get("from")
        if not peers:
            return True
        for peer in peers:
            if not isinstance(peer, dict):
                continue
            if (peer.get("ipBlock") or {}).get("cidr") == "0.0.0.0/0":
                return True
            if "namespaceSelector" in peer:
                in_namespace = _matches(peer["namespaceSelector"], {"kubernetes.io/metadata.name": namespace})
            else:
                in_namespace = "podSelector" in peer and namespace == policy_namespace
            if in_namespace and _pods_match(peer.get("podSelector"), pod_labels):
                return True
    return False


def _pods_match(selector: Any, labels: dict[str, str] | None) -> bool:
    """A peer's podSelector against the scraper's pod labels: unknown labels pass only an empty selector."""
    if not selector or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return True
    return labels is not None and _matches(selector, labels)


def _matches(selector: Any, labels: dict[str, str]) -> bool:
    """A LabelSelector (matchLabels and matchExpressions) against labels; an empty selector matches everything."""
    if not isinstance(selector, dict):
        return selector is None
    if any(labels.get(str(k)) != str(v) for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = str(expression.get("key")), expression.get("operator"), [str(v) for v in expression.get("values") or []]
        holds = {"In": labels.get(key) in values, "NotIn": labels.get(key) not in values, "Exists": key in labels, "DoesNotExist": key not in labels}.get(operator, False)
        if not holds:
            return False
    return True


def _in_namespaces(selector: Any, own: str, target: str) -> bool:
    if isinstance(selector, dict) and selector.get("any"):
        return True
    if isinstance(selector, dict) and selector.get("matchNames"):
        return target in [str(n) for n in selector["matchNames"]]
    return own == target


def _endpoint_port(endpoint: dict[str, Any], names: set[str], numbers: set[int]) -> bool:
    port = endpoint.get("port")
    return str(port) in names or _int(port) in numbers or _int(endpoint.get("portNumber")) in numbers or _int(endpoint.get("targetPort")) in numbers or str(endpoint.get("targetPort")) in names


def _service_port_targets(port: dict[str, Any], names: set[str], numbers: set[int]) -> bool:
    target = port.get("targetPort", port.get("port"))
    return str(target) in names or _int(target) in numbers


def _int(value: Any) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None
