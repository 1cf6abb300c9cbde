"""`hangar:serving:MetricsPipeline`: what scrapes the model servers of a cluster, and where KEDA reads them.

The cluster's `metrics.pipeline` (`hangar.spec.metrics`) picks one of:

* `in-cluster` — a pinned kube-prometheus-stack release (`KUBE_PROMETHEUS_STACK`) in `monitoring`: the
  Prometheus Operator and one Prometheus, `hangar-prometheus`, that selects every PodMonitor and
  PrometheusRule in the cluster. Chosen over a bare Prometheus Operator chart because
  prometheus-community publishes the operator only inside this chart (with its CRDs), and it brings
  the node/kube-state exporters and Alertmanager the serving alerts need. Its Grafana (chart
  grafana-community/helm-charts grafana 12.11.1, Grafana 13.2.0; admin password generated into its
  Secret when none is given: charts/grafana/templates/_helpers.tpl at commit
  864f7794683680e5100a38670e103c4fa6e37e29) shows the environment's dashboard
  (`hangar.components.metrics_dashboard`), reached with `kubectl port-forward`. Left out on
  cloud clusters: the control-plane scrapes (controller manager, scheduler, etcd), which a managed
  control plane does not expose and whose "down" alerts would always fire. KEDA queries the
  chart's Service `http://hangar-prometheus.monitoring.svc:9090`; the Prometheus pods carry
  `app.kubernetes.io/name: prometheus` and `operator.prometheus.io/name: hangar-prometheus` (the
  selector of that Service in the chart's templates/prometheus/service.yaml), and those are what the
  servers' NetworkPolicies admit.
* `gke-managed` — GKE Managed Service for Prometheus with managed collection (Hangar's GKE clusters
  enable it: `hangar.components.gcp`, `monitoring_config.managed_prometheus`): a `PodMonitoring` per server,
  scraped by the `collector` DaemonSet in `gmp-system` (pods labelled
  `app.kubernetes.io/name: collector`: GoogleCloudPlatform/prometheus-engine
  charts/operator/templates/_helpers.tpl, commit 2ffde4ec7b7e4ca1da4e32f36b692945b78a60e4). KEDA
  queries the project's Prometheus-compatible API
  `https://monitoring.googleapis.com/v1/projects/<project>/location/global/prometheus` with a
  TriggerAuthentication of `podIdentity.provider: gcp`: KEDA's operator (KSA `keda/keda-operator`)
  impersonates a Google service account holding `roles/monitoring.viewer` through Workload
  Identity (`iam.gke.io/gcp-service-account`, set by the KEDA chart's `podIdentity.gcp` values).
  Sources: keda.sh/docs/2.20/scalers/prometheus ("Google Managed Service for Prometheus") and
  /docs/2.20/authentication-providers/gcp-workload-identity (kedacore/keda-docs commit a55c5d34);
  cloud.google.com/monitoring/api/ref_v3/rest/v1/projects.location.prometheus.api.v1/query_range
  (read 2026-12-01: location "has to be global").
* `amp` — Amazon Managed Service for Prometheus on EKS (`hangar.components.metrics_amp`): a workspace,
  its AWS managed scraper in two subnets of its own (the NetworkPolicies admit exactly those CIDRs),
  the alerts as the workspace's rule groups, KEDA querying with SigV4 through its IRSA role; a pinned
  kube-state-metrics for the pods-pending alert (`hangar.components.metrics_kube_state`).
* `azure-monitor` — Azure Monitor managed service for Prometheus on AKS (`hangar.components.metrics_azure`):
  an Azure Monitor workspace with its data collection endpoint, rule and association; the cluster's metrics
  add-on (`ama-metrics` pods in kube-system) reads an `azmonitoring.coreos.com/v1` PodMonitor per server;
  alerts as the workspace's Prometheus rule groups; KEDA querying with Microsoft Entra workload identity; the
  add-on's settings ConfigMap keeping the series the pods-pending alert needs (`hangar.components.metrics_kube_state`).
* `existing` — the team's Prometheus at `metrics.url`, scraping from `metrics.scraper_namespace`;
  Hangar renders the scrape object it names and references its TriggerAuthentication, if any.

vLLM serves `/metrics` on its API port without the API key (vllm v0.11.2
vllm/entrypoints/openai/api_server.py: `mount_metrics`, and `AuthenticationMiddleware` checks only
paths under `/v1`; v0.33.0, the PyPI sdist vllm-0.33.0.tar.gz, commit 4ba787ec9 per its vllm/_version.py, read 2026-12-02: vllm/entrypoints/serve/middleware/authenticate.py guards
`/v1`, `/v2`, `/inference` and `/cohere` only), so the scrape objects need no credentials. Multi-host replicas are scraped on
their leader only: workers run no API server.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from hangar.components.helm import PinnedChart, chart_release
from hangar.components.metrics_adapter import CONFIG_MAP, adapter_config_text
from hangar.components.metrics_alerts import slo_rules
from hangar.components.metrics_azure import POD_MONITOR_LIMITS
from hangar.components.metrics_dashboard import LABEL as DASHBOARD_LABEL
from hangar.components.metrics_dashboard import dashboard_text
from hangar.components.metrics_kube_state import AZURE_SETTINGS, azure_settings_data, bundled_kube_state_values, kube_state_chart, kube_state_values
from hangar.components.metrics_pending import pending_rule

from hangar.spec import SYSTEM_POOL, Environment, ModelDeployment

SCRAPE_INTERVAL = "15s"
"""As often as the most eager autoscaler polls (realtime: 15 s); GMP's own default would be 60 s."""
METRICS_PATH = "/metrics"


KUBE_PROMETHEUS_STACK = PinnedChart(
    "kube-prometheus-stack",
    "https://prometheus-community.github.io/helm-charts",
    "88.5.3",
    "monitoring",
    "prometheus-community/helm-charts charts/kube-prometheus-stack/Chart.yaml at commit ea930baeebeba39f56d6b44e351f23b2a072a600 "
    "(version 88.5.3, appVersion v0.93.1: prometheus-operator v0.93.1)",
)
FULLNAME = "hangar"
"""The chart's `fullnameOverride`: its Prometheus CR and Service are then `hangar-prometheus`."""
PROMETHEUS_NAME = f"{FULLNAME}-prometheus"
IN_CLUSTER_URL = f"http://{PROMETHEUS_NAME}.{KUBE_PROMETHEUS_STACK.namespace}.svc:9090"
GMP_URL = "https://monitoring.googleapis.com/v1/projects/{project}/location/global/prometheus"
KEDA_OPERATOR_ACCOUNT = ("keda", "keda-operator")
"""Namespace and name of KEDA's operator ServiceAccount (kedacore/charts keda/values.yaml `serviceAccount.operator.name`)."""
TRIGGER_AUTHENTICATION = "hangar-metrics"


@dataclasses.dataclass(frozen=True)
class Scraper:
    """What scrapes the model servers: pods (their namespace and labels; empty labels: the whole namespace),
    or, for a scraper that runs outside the cluster, the CIDRs its network interfaces sit in."""

    namespace: str
    pod_labels: dict[str, str]
    cidrs: tuple[str, ...] = ()

    def peer(self) -> dict[str, Any]:
        """A NetworkPolicy `from` peer admitting exactly these pods (namespace AND pods in one peer)."""
        peer: dict[str, Any] = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": self.namespace}}}
        if self.pod_labels:
            peer["podSelector"] = {"matchLabels": dict(self.pod_labels)}
        return peer

    def peers(self) -> list[dict[str, Any]]:
        """NetworkPolicy `from` peers admitting exactly the scraper: its pods, or an ipBlock per CIDR of a scraper outside the cluster."""
        return [{"ipBlock": {"cidr": cidr}} for cidr in self.cidrs] if self.cidrs else [self.peer()]


IN_CLUSTER_SCRAPER = Scraper(KUBE_PROMETHEUS_STACK.namespace, {"app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": PROMETHEUS_NAME})
GMP_SCRAPER = Scraper("gmp-system", {"app.kubernetes.io/name": "collector"})
SCRAPE_KINDS = {
    "pod-monitor": ("monitoring.coreos.com/v1", "PodMonitor"),
    "pod-monitoring": ("monitoring.googleapis.com/v1", "PodMonitoring"),
    "azure-pod-monitor": ("azmonitoring.coreos.com/v1", "PodMonitor"),
}
RULE_KINDS = {"PodMonitor": ("monitoring.coreos.com/v1", "PrometheusRule"), "PodMonitoring": ("monitoring.googleapis.com/v1", "Rules")}
"""The rule object the same Prometheus evaluates: the Prometheus Operator's PrometheusRule, or GMP's Rules."""


def keda_account_id(environment: Environment, cluster_name: str) -> str:
    """A 6-30 character Google service-account id for KEDA's metric reads, unique per environment and cluster."""
    digest = hashlib.sha256(f"{environment.name}/{cluster_name}".encode()).hexdigest()[:6]
    return f"keda-{cluster_name[:17].rstrip('-')}-{digest}"


class MetricsPipeline(pulumi.ComponentResource):
    """`hangar:serving:MetricsPipeline`: a cluster's metrics pipeline (see the module docstring).

    Exposes `pipeline` (in-cluster, gke-managed or existing), `query_url` (KEDA's `serverAddress`),
    `scraper` (who scrapes: for the NetworkPolicies), `scrape_kind` ((apiVersion, kind) of the scrape
    objects, or None), `keda_values` (what KEDA's chart needs to authenticate), `resources` (what the
    scrape objects wait for). `scrape(...)` renders a server's scrape object;
    `trigger_authentication(...)` the KEDA TriggerAuthentication the ScaledObjects reference, if any;
    `alerts(...)` a server's SLO alerts (`hangar.components.metrics_alerts`); `adapter_rules(...)` the
    prometheus-adapter rules an `hpa` cluster's HPAs need (`hangar.components.metrics_adapter`); `dashboard(...)`
    the environment's Grafana dashboard (`hangar.components.metrics_dashboard`).
    """

    def __init__(self, name: str, cluster: Any, environment: Environment, component: Any, opts: pulumi.ResourceOptions | None = None, *,
                 namespace: str | None = None):  # fmt: skip
        """`namespace`: the serving namespace (where the amp pipeline's scraper discovers the model servers)."""
        super().__init__("hangar:serving:MetricsPipeline", name, None, opts)
        self._cluster, self._environment = cluster, environment
        self.pipeline = cluster.metrics.resolved(cluster.provider)
        self.keda_values: dict[str, Any] = {}
        self.trigger_metadata: dict[str, str] = {}
        self._amp: Any = None
        self._azure: Any = None
        self.resources: list[pulumi.Resource] = []
        self._needs_authentication = False
        child = pulumi.ResourceOptions(parent=self)
        if self.pipeline == "in-cluster":
            self.query_url: pulumi.Input[str] = IN_CLUSTER_URL
            self.scraper = IN_CLUSTER_SCRAPER
            self.scrape_kind: tuple[str, str] | None = SCRAPE_KINDS["pod-monitor"]
            self.resources.append(self._kube_prometheus_stack(name, child, getattr(component, "image_registry", None)))
        elif self.pipeline == "gke-managed":
            project = component.cluster.project
            prefix, suffix = GMP_URL.split("{project}")
            # A literal project keeps the URL literal, so the plan (and the readiness rule) can read it.
            self.query_url = f"{prefix}{project}{suffix}" if isinstance(project, str) else pulumi.Output.concat(prefix, project, suffix)
            self.scraper = GMP_SCRAPER
            self.scrape_kind = SCRAPE_KINDS["pod-monitoring"]
            self._google_identity(name, project, component)
            self._needs_authentication = True
        elif self.pipeline == "amp":
            self._amazon_managed(name, component, namespace or environment.name)
            self._needs_authentication = True
        elif self.pipeline == "azure-monitor":
            self._azure_monitor(name, component)
            self._needs_authentication = True
        else:
            metrics = cluster.metrics
            self.query_url = metrics.url
            self.scraper = Scraper(metrics.scraper_namespace, dict(metrics.scraper_pod_labels))
            self.scrape_kind = SCRAPE_KINDS.get(metrics.scrape_object)
        self.register_outputs({"pipeline": self.pipeline, "query_url": self.query_url, "scraper_namespace": self.scraper.namespace or None})

    # --- in-cluster ---------------------------------------------------------------------------------

    def _kube_prometheus_stack(self, name: str, child: pulumi.ResourceOptions, cloud_registry: pulumi.Input[str] | None = None) -> pulumi.Resource:
        """The pinned chart; its images from the on-prem `registry_mirror`, or from an air-gapped cloud cluster's own registry (`cloud_registry`)."""
        cluster = self._cluster
        chart = KUBE_PROMETHEUS_STACK
        # Keys from the chart's values.yaml at the pinned commit.
        values: dict[str, Any] = {
            "fullnameOverride": FULLNAME,
            "grafana": {"enabled": True},
            "prometheus": {
                "prometheusSpec": {
                    # Select every PodMonitor / PrometheusRule, not only those labelled with this release.
                    "podMonitorSelectorNilUsesHelmValues": False,
                    "ruleSelectorNilUsesHelmValues": False,
                    "serviceMonitorSelectorNilUsesHelmValues": False,
                }
            },
        }
        if cluster.provider != "onprem":
            # A managed control plane exposes no controller-manager, scheduler or etcd metrics.
            values |= {"kubeControllerManager": {"enabled": False}, "kubeScheduler": {"enabled": False}, "kubeEtcd": {"enabled": False}}
            system = {"nodeSelector": {"hangar.dev/pool": SYSTEM_POOL}}
            values["prometheus"]["prometheusSpec"] |= system
            values |= {"prometheusOperator": dict(system), "alertmanager": {"alertmanagerSpec": dict(system)}, "kube-state-metrics": dict(system)}
            values["grafana"] |= system  # the grafana chart's own `nodeSelector` (values.yaml at the commit above)
        if kube_state := bundled_kube_state_values(cluster.kubernetes_version):
            # Its kube-state-metrics supports only the minor it is built for (hangar.components.metrics_kube_state).
            values["kube-state-metrics"] = values.get("kube-state-metrics", {}) | kube_state
        mirror = getattr(cluster, "registry_mirror", None) or cloud_registry
        if mirror is not None:
            # `global.imageRegistry` replaces the registry of every image of the chart and, Helm globals reaching
            # subcharts, of kube-state-metrics and node-exporter too (their _helpers.tpl read it), at the pinned commit;
            # and of Grafana and its sidecars (grafana chart 12.11.1 templates/_pod.tpl reads it for every image).
            values["global"] = {"imageRegistry": mirror}
        return chart_release(f"{name}-{chart.name}", chart, values, cluster=cluster, environment=self._environment.name, opts=child)

    # --- gke-managed --------------------------------------------------------------------------------

    def _google_identity(self, name: str, project: pulumi.Input[str], component: Any) -> None:
        """A Google service account that may read the project's metrics, impersonated by KEDA's operator."""
        import pulumi_gcp as gcp

        gcp_child = pulumi.ResourceOptions(parent=self, provider=component.gcp_provider)
        account_id = keda_account_id(self._environment, self._cluster.name)
        account = gcp.serviceaccount.Account(
            f"{name}-keda-metrics",
            account_id=account_id,
            display_name=f"KEDA reads Managed Prometheus for {self._environment.name}/{self._cluster.name}",
            project=project,
            opts=gcp_child,
        )
        # A user-managed account's email is always <account_id>@<project>.iam.gserviceaccount.com; built from the
        # inputs it is known at plan time (the provider fills `email` only after creation).
        email = pulumi.Output.concat(account.account_id, "@", project, ".iam.gserviceaccount.com")
        gcp.projects.IAMMember(
            f"{name}-keda-monitoring-viewer", project=project, role="roles/monitoring.viewer", member=pulumi.Output.concat("serviceAccount:", email), opts=gcp_child
        )
        namespace, ksa = KEDA_OPERATOR_ACCOUNT
        gcp.serviceaccount.IAMMember(
            f"{name}-keda-workload-identity",
            service_account_id=account.name,
            role="roles/iam.workloadIdentityUser",
            member=pulumi.Output.concat("serviceAccount:", project, f".svc.id.goog[{namespace}/{ksa}]"),
            opts=gcp_child,
        )
        self.keda_values = {"podIdentity": {"gcp": {"enabled": True, "gcpIAMServiceAccount": email}}}
        self.google_service_account = email
        if self._cluster.replica_autoscaler == "keda-existing":
            pulumi.log.warn(
                f"cluster {self._cluster.name!r}: KEDA is not installed by Hangar (keda-existing); annotate its operator's ServiceAccount "
                f"{namespace}/{ksa} with iam.gke.io/gcp-service-account={account_id}@<project>.iam.gserviceaccount.com so it can query Managed Prometheus",
                self,
            )

    # --- amp ----------------------------------------------------------------------------------------

    def _amazon_managed(self, name: str, component: Any, namespace: str) -> None:
        """Amazon Managed Service for Prometheus: workspace, managed scraper, KEDA's IRSA role (`hangar.components.metrics_amp`)."""
        from hangar.components.labels import CLUSTER, environment_labels
        from hangar.components.metrics_amp import AmpResources
        from hangar.components.serving_pod import PORT_NAME

        # Every Hangar model server carries app.kubernetes.io/name=vllm (hangar.components.serving.selector_labels);
        # a multi-host replica's workers (hangar.dev/role=worker) run no API server and are not scraped.
        self._amp = AmpResources(
            name, self._cluster, self._environment, component, namespace=namespace, pod_labels={"app.kubernetes.io/name": "vllm"},
            port_name=PORT_NAME, metrics_path=METRICS_PATH, drop_labels={"hangar.dev/role": "worker"}, parent=self,
            tags={**environment_labels(self._environment), CLUSTER: self._cluster.name},
        )  # fmt: skip
        self.query_url = self._amp.query_url
        # The pending alert's series: a kube-state-metrics the scraper's second job reads (hangar.components.metrics_kube_state).
        kube_state = kube_state_chart(self._cluster.kubernetes_version)
        self.kube_state = chart_release(
            f"{name}-{kube_state.name}", kube_state, kube_state_values([namespace], list(self._amp.cidrs), getattr(component, "image_registry", None)),
            cluster=self._cluster, environment=self._environment.name, opts=pulumi.ResourceOptions(parent=self),
        )  # fmt: skip
        self.scraper = Scraper("", {}, tuple(self._amp.cidrs))
        self.scrape_kind = None  # the scraper's own configuration selects the pods: no scrape object in the cluster
        self.keda_values = self._amp.keda_values
        self.trigger_metadata = {"awsRegion": self._cluster.region}
        self.resources.append(self._amp.scraper)
        if self._cluster.replica_autoscaler == "keda-existing":
            pulumi.log.warn(
                f"cluster {self._cluster.name!r}: KEDA is not installed by Hangar (keda-existing); annotate its operator's ServiceAccount "
                "keda/keda-operator with eks.amazonaws.com/role-arn set to the role Hangar creates for it (`<cluster>-keda-amp`) so it can query the workspace",
                self,
            )

    # --- azure-monitor ------------------------------------------------------------------------------

    def _azure_monitor(self, name: str, component: Any) -> None:
        """Azure Monitor managed Prometheus: workspace, data collection, KEDA's workload identity (`hangar.components.metrics_azure`)."""
        from hangar.components.labels import CLUSTER, environment_labels
        from hangar.components.metrics_azure import AMA_SCRAPER, AzureMonitorResources

        self._azure = AzureMonitorResources(
            name, self._cluster, self._environment, component, parent=self, tags={**environment_labels(self._environment), CLUSTER: self._cluster.name}
        )
        self.query_url = self._azure.query_url
        self.scraper = Scraper(AMA_SCRAPER[0], dict(AMA_SCRAPER[1]))
        self.scrape_kind = SCRAPE_KINDS["azure-pod-monitor"]
        self.keda_values = self._azure.keda_values
        self.resources += self._azure.resources
        # The add-on's kube-state-metrics keeps a minimal list of series; the pending alert needs one more (hangar.components.metrics_kube_state).
        settings_namespace, settings_name = AZURE_SETTINGS
        self.addon_settings = k8s.core.v1.ConfigMap(
            f"{name}-ama-metrics-settings",
            metadata={
                "name": settings_name,
                "namespace": settings_namespace,
                "labels": environment_labels(self._environment),
                "annotations": {"hangar.dev/purpose": "Azure Monitor metrics add-on settings: the minimal ingestion profile plus kube_pod_status_unschedulable"},
            },
            data=azure_settings_data(),
            opts=pulumi.ResourceOptions(parent=self),
        )
        if self._cluster.replica_autoscaler == "keda-existing":
            pulumi.log.warn(
                f"cluster {self._cluster.name!r}: KEDA is not installed by Hangar (keda-existing); give its operator's ServiceAccount keda/keda-operator "
                "the workload identity of the identity Hangar creates for it (`<cluster>-keda-metrics`: label azure.workload.identity/use and its client id) "
                "so it can query the Azure Monitor workspace",
                self,
            )

    # --- per server ---------------------------------------------------------------------------------

    @property
    def authentication(self) -> str | None:
        """The TriggerAuthentication ScaledObjects name in `authenticationRef`, or None."""
        if self._needs_authentication:
            return TRIGGER_AUTHENTICATION
        return self._cluster.metrics.authentication if self.pipeline == "existing" else None

    def trigger_authentication(self, namespace: str, labels: dict[str, str], depends_on: list[pulumi.Resource]) -> pulumi.Resource | None:
        """The TriggerAuthentication Hangar owns (gke-managed: GCP Workload Identity; amp: AWS IRSA; azure-monitor: Entra workload identity), in the serving namespace."""
        if not self._needs_authentication:
            return None
        # gke-managed: GCP Workload Identity; amp: AWS IRSA of KEDA's operator (identityOwner keda, the default);
        # azure-monitor: the workload identity KEDA's chart gives its operator (identityId defaults to it).
        provider = {"amp": "aws", "azure-monitor": "azure-workload"}.get(self.pipeline, "gcp")
        return k8s.apiextensions.CustomResource(
            f"{self._cluster.name}-{TRIGGER_AUTHENTICATION}",
            api_version="keda.sh/v1alpha1",
            kind="TriggerAuthentication",
            metadata={"name": TRIGGER_AUTHENTICATION, "namespace": namespace, "labels": labels},
            spec={"podIdentity": {"provider": provider}},
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )

    def scrape(self, name: str, *, namespace: str, labels: dict[str, str], annotations: dict[str, str], selector: dict[str, str],
               port: str, depends_on: list[pulumi.Resource]) -> pulumi.Resource | None:  # fmt: skip
        """The scrape object of one model server: its pods (`selector`), its metrics `port` (by name) and path."""
        if self.scrape_kind is None:
            return None
        api_version, kind = self.scrape_kind
        extra = dict(self._cluster.metrics.scrape_object_labels) if self.pipeline == "existing" else {}
        endpoint = {"port": port, "path": METRICS_PATH, "interval": SCRAPE_INTERVAL}
        spec: dict[str, Any] = {"selector": {"matchLabels": dict(selector)}}
        if api_version == SCRAPE_KINDS["azure-pod-monitor"][0]:
            spec |= POD_MONITOR_LIMITS
        spec["podMetricsEndpoints" if kind == "PodMonitor" else "endpoints"] = [endpoint]
        return k8s.apiextensions.CustomResource(
            f"{name}-scrape",
            api_version=api_version,
            kind=kind,
            metadata={"name": name, "namespace": namespace, "labels": {**labels, **extra}, "annotations": annotations},
            spec=spec,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*self.resources, *depends_on]),
        )


    def alerts(self, deployment: ModelDeployment, *, namespace: str, labels: dict[str, str], annotations: dict[str, str],
               workload: dict[str, str], accelerator_resource: str, depends_on: list[pulumi.Resource]) -> pulumi.Resource | None:  # fmt: skip
        """The SLO alerts of one model server, as the rule object the pipeline's Prometheus evaluates (None when Hangar renders no scrape object).

        With amp, a rule-groups namespace of the workspace (`<cluster>-<deployment>-slos`); with azure-monitor, a
        Prometheus rule group of the workspace.

        In-cluster, amp and azure-monitor — where kube-state-metrics' pod series reach the pipeline's Prometheus (the
        chart's own; the one Hangar installs for AMP; the add-on's, with the keep-list Hangar widens:
        `hangar.components.metrics_kube_state`) — also the alert for its pods pending for accelerators
        (`hangar.components.metrics_pending`; `workload` is the server's apiVersion/kind/name).
        """
        if self._amp is not None or self._azure is not None:
            groups = slo_rules(deployment, namespace)
            groups[0]["rules"].append(pending_rule(deployment.name, namespace, workload, accelerator_resource))
            if self._amp is not None:
                return self._amp.rule_groups(f"{self._cluster.name}-{deployment.name}-slos", groups)
            return self._azure.rule_group(f"{self._cluster.name}-{deployment.name}-slos", groups, f"Serving SLO alerts of {deployment.name} ({namespace})")
        if self.scrape_kind is None:
            return None
        api_version, kind = RULE_KINDS[self.scrape_kind[1]]
        extra = dict(self._cluster.metrics.scrape_object_labels) if self.pipeline == "existing" else {}
        name = f"{deployment.name}-slos"
        groups = slo_rules(deployment, namespace)
        if self.pipeline == "in-cluster":
            groups[0]["rules"].append(pending_rule(deployment.name, namespace, workload, accelerator_resource))
        return k8s.apiextensions.CustomResource(
            name,
            api_version=api_version,
            kind=kind,
            metadata={"name": name, "namespace": namespace, "labels": {**labels, **extra}, "annotations": annotations},
            spec={"groups": groups},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*self.resources, *depends_on]),
        )

    def dashboard(self, namespace: str, labels: dict[str, str]) -> pulumi.Resource | None:
        """The environment's model-server dashboard as a ConfigMap Grafana's sidecar loads (in-cluster only: Grafana runs there)."""
        if self.pipeline != "in-cluster":
            return None
        environment = self._environment.name
        key, value = DASHBOARD_LABEL
        return k8s.core.v1.ConfigMap(
            f"{self._cluster.name}-dashboard",
            metadata={
                "name": f"hangar-dashboard-{environment}",
                "namespace": KUBE_PROMETHEUS_STACK.namespace,
                "labels": {**labels, key: value},
                "annotations": {"hangar.dev/purpose": f"Grafana dashboard of the model servers of {environment} (namespace {namespace})"},
            },
            data={f"hangar-{environment}.json": dashboard_text(environment, namespace)},
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.resources)),  # the release creates the namespace
        )

    def adapter_rules(self, namespace: str, labels: dict[str, str], depends_on: list[pulumi.Resource]) -> pulumi.Resource:
        """The prometheus-adapter rules (a ConfigMap) that serve vLLM's gauges to the HPAs of an `hpa` cluster."""
        return k8s.core.v1.ConfigMap(
            f"{self._cluster.name}-{CONFIG_MAP}",
            metadata={
                "name": CONFIG_MAP,
                "namespace": namespace,
                "labels": labels,
                "annotations": {"hangar.dev/purpose": "prometheus-adapter rules (its config.yaml) serving vLLM's gauges to this namespace's HPAs"},
            },
            data={"config.yaml": adapter_config_text()},
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )
