"""`hangar:routing:InferencePool`: a model server's InferencePool and its endpoint picker (EPP).

Per deployment behind a route, in the serving namespace (the pool selects its pods there):

* an `InferencePool` (inference.networking.k8s.io/v1) `<name>`: the server's pods (the leaders of a
  multi-host group) on the API port, its endpoint picker `<name>-epp` on the ext-proc port, failing
  open (a picker that is down does not stop traffic: the gateway falls back to its own balancing);
* the endpoint picker: a `ServiceAccount`, a `Role` + `RoleBinding` (read pods, InferencePools and the
  optional InferenceObjective / InferenceModelRewrite objects, and the Lease and Events of leader election), a
  `ConfigMap` holding its EndpointPickerConfig, a `Deployment`, a `Service` (ext-proc and metrics ports) and a
  `NetworkPolicy` (in: the gateway's proxies on the ext-proc port, and on GKE Google's health checkers on it too);
* two pickers per pool (`hangar.endpoint_picker.PICKER_REPLICAS`), active-passive as the chart runs more than one:
  `--ha-enable-leader-election` (a Lease `epp-<namespace>-<pool>.gateway-api-inference-extension.sigs.k8s.io` in the
  pool's namespace, pkg/epp/server/controller_manager.go), the Role's `leases` and `events` rules
  (epplib/templates/_leader-election-rbac.yaml), and the gRPC probes asking for the `liveness` and `readiness`
  services: every picker is live, only the leader that has synced the pool is ready (cmd/epp/runner/health.go), so
  the Service's endpoints hold the leader alone (on Istio, whose gateway calls the Service's ready endpoints; that
  GKE's load balancer does too rests on the chart's README offering HA with `provider=gke`, not on a Google statement
  read here), and a standby takes over when it goes. `Recreate`, as the
  chart: one active picker keeps the prefix-cache state whole, and a rolling update could never evict the old leader
  (the chart's comment). The two prefer different nodes (the chart sets no affinity), so one node's loss leaves a
  picker. No PodDisruptionBudget: a budget counts only Ready pods ("healthy" = Ready, PodDisruptionBudgetSpec at
  https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/pod-disruption-budget-v1, read 2026-12-01),
  and here only the leader is ever Ready, so any budget that kept one picker would forbid evicting the leader at all
  and hold every drain of its node, while losing it costs a few seconds of failing open until the standby leads;
* the picker serves its ext-proc gRPC over TLS: v1.5.0's `--secure-serving` defaults to true and, with no
  `--cert-path`, the picker makes itself a self-signed certificate (pkg/epp/server/options.go,
  pkg/epp/server/runserver.go). So the Service's ext-proc port carries no `appProtocol`, as the chart's
  epplib/templates/_service.yaml writes it (`kubernetes.io/h2c`, which Hangar wrote before, declares
  cleartext HTTP/2; Istio reads the port name's `grpc-` prefix as gRPC instead: istio/istio tag 1.29.6,
  pkg/config/kube/conversion.go), and on Istio (every target but GKE) a `DestinationRule` on the picker
  Service's cluster-local host has the gateway call it over TLS without verifying that certificate
  (`mode: SIMPLE`, `insecureSkipVerify: true`), as the chart's inferencepool/templates/istio.yaml writes it:
  Istio builds the ext_proc call to `outbound|9002||<picker host>`, the cluster that DestinationRule
  configures (pilot/pkg/networking/core/route/route.go at 1.29.6). On GKE the chart writes nothing for the
  picker's TLS, and neither does Hangar;
* on GKE, a `HealthCheckPolicy` (the load balancer probes `/health` on the API port every 2 s; GKE's
  default probe asks for `/`, which vLLM does not serve) and a `GCPBackendPolicy` (a 300 s backend
  timeout: a long generation outlasts the load balancer's default), both aimed at the InferencePool, as
  the Inference Extension chart's config/charts/inferencepool/templates/gke.yaml (v1.5.0) writes them.
  Their schemas: GoogleCloudPlatform/gke-gateway-api commit fc40d606a5332f11a8883f85caff66b63c4e88ef
  (2026-04-29) config/crd/, whose API reference (googlecloudplatform.github.io/gke-gateway-api, read
  2026-12-01) gives `/` as the HTTP health check's default requestPath. The chart's GCPBackendPolicy also turns on
  logging of every request; Hangar leaves that to the operator (Cloud Logging bills by volume);
* on GKE the load balancer behind `gke-l7-rilb` is a regional internal Application Load Balancer, built on Envoy:
  its proxies send requests (to the servers, and ext-proc calls to the picker) from the region's proxy-only
  subnet, and its health checks come from Google's ranges 35.191.0.0/16 and 130.211.0.0/22
  (https://cloud.google.com/load-balancing/docs/firewall-rules, "Regional internal Application Load Balancer":
  health check ranges and the proxy-only subnet, read 2026-12-01). The servers' NetworkPolicy admits both on the
  API port, where the HealthCheckPolicy probes `/health` (`hangar.components.routing.server_peers`); the picker's
  admits both on its ext-proc port. No HealthCheckPolicy names the picker (the chart writes none), and GKE's
  health checks probe the serving port unless told otherwise (`USE_SERVING_PORT`, "which is the default", in the
  HealthCheckPolicy CRD at the gke-gateway-api commit below).

The picker scores the pool's pods on vLLM's own metrics, scraped from `/metrics` on the API port:
`vllm:num_requests_waiting` (queue), `vllm:num_requests_running`, `vllm:kv_cache_usage_perc`
(KV-cache use), `vllm:lora_requests_info` (adapters) and `vllm:cache_config_info` (KV block size
and count, for the prefix-cache scorer). Hangar names them explicitly in the picker's
`core-metrics-extractor` engine config rather than leaning on its built-in default. All five are
defined by vLLM v0.11.2's `PrometheusStatLogger` (vllm/v1/metrics/loggers.py at tag v0.11.2; the
LoRA gauge only when LoRA is enabled), with the same names and labels at v0.33.0 (the PyPI sdist, commit 4ba787ec9).

Sources — kubernetes-sigs/gateway-api-inference-extension tag v1.5.0 (commit
df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849, 2026-04-18), read 2026-12-01:
config/charts/inferencepool/values.yaml (the image `registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0`,
ext-proc port 9002, FailOpen, resources: requests 4 CPU / 8Gi, limit 16Gi memory, "validated with
scale testing at high QPS"), config/charts/epplib/templates/_deployment.yaml (args `--pool-name`,
`--pool-namespace`, `--pool-group inference.networking.k8s.io`, `--zap-encoder json`, `--config-file`,
`--tracing=false`, `--ha-enable-leader-election` above one replica; ports grpc 9002, grpc-health 9003, metrics
9090; gRPC probes on 9003; env NAMESPACE and POD_NAME; terminationGracePeriodSeconds 130),
config/charts/epplib/templates/_config.yaml (the default EndpointPickerConfig: queue, KV-cache and
prefix-cache scorers weighted 2/2/3, the `metrics-data-source` and `core-metrics-extractor` plugins),
config/charts/epplib/templates/_rbac.yaml and config/charts/inferencepool/templates/rbac.yaml (the
Roles), pkg/epp/framework/plugins/datalayer/extractor/metrics/factories.go (`engineConfigs` fields
and the vLLM metric names), Dockerfile (base image gcr.io/distroless/static:nonroot, so the picker
runs as the distroless `nonroot` user 65532). Hangar writes these objects itself rather than
installing the `inferencepool` chart because the chart's Deployment sets no securityContext, which
the serving namespace's Pod Security `restricted` level would refuse.
"""

from __future__ import annotations

from typing import Any, Sequence

import pulumi
import pulumi_kubernetes as k8s
import yaml
from hangar.components.registry_path import under_registry
from hangar.components.serving_pod import container_security

from hangar.endpoint_picker import PICKER_REPLICAS

EPP_VERSION = "v1.5.0"
EPP_IMAGE = f"registry.k8s.io/gateway-api-inference-extension/epp:{EPP_VERSION}"
EPP_IMAGE_PATH = "gateway-api-inference-extension/epp"
"""The picker image's path under registry.k8s.io, where a registry mirror keeps it too."""
EXT_PROC_PORT = 9002
HEALTH_PORT = 9003
METRICS_PORT = 9090
NONROOT_UID = 65532
"""The `nonroot` user of gcr.io/distroless/static (the picker image's base)."""
VLLM_ENGINE = {
    "name": "vllm",
    "queuedRequestsSpec": "vllm:num_requests_waiting",
    "runningRequestsSpec": "vllm:num_requests_running",
    "kvUsageSpec": "vllm:kv_cache_usage_perc",
    "loraSpec": "vllm:lora_requests_info",
    "cacheInfoSpec": "vllm:cache_config_info",
}
"""The metric names the picker reads from a vLLM server (its `core-metrics-extractor` engine config)."""
POOL_API = "inference.networking.k8s.io/v1"
LEADER_ELECTION_RULES = (
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
)
"""What leader election needs, as the chart's epplib/templates/_leader-election-rbac.yaml grants it."""
GOOGLE_HEALTH_CHECK_RANGES = ("35.191.0.0/16", "130.211.0.0/22")
"""Where a regional internal Application Load Balancer's health checks come from (its requests come from the proxy-only
subnet): https://cloud.google.com/load-balancing/docs/firewall-rules, read 2026-12-01."""
ISTIO_TLS = {"mode": "SIMPLE", "insecureSkipVerify": True}
"""How Istio's gateway calls the picker: TLS, its self-signed certificate unverified (the chart's templates/istio.yaml)."""


LORA_AFFINITY_SCORER = "lora-affinity-scorer"
"""The scorer preferring a server that has the requested LoRA adapter loaded (1.0), or room to load it (0.8), or it
queued (0.6), read from `vllm:lora_requests_info` (v1.5.0 pkg/epp/framework/plugins/scheduling/scorer/loraaffinity/
README.md and lora_affinity.go; no parameters, site-src/guides/epp-configuration/config-text.md). The chart's default
profile leaves it out; Hangar adds it to the pools of servers with adapters and gives it no weight of its own, so the
loader gives it `DefaultScorerWeight` 1.0 (pkg/epp/config/loader/defaults.go), as in the project's own
test/integration/epp/testdata/default-config.yaml, which lists it beside the three default scorers unweighted."""


FLOW_CONTROL_GATE = "flowControl"
"""The picker's feature gate for flow control (Inference Extension v1.5.0 pkg/epp/flowcontrol/config.go `FeatureGate`)."""


def picker_config(lora: bool = False, flow_control: dict[str, Any] | None = None) -> dict[str, Any]:
    """The EndpointPickerConfig: the chart's default scorers, with vLLM's metrics named explicitly; with `lora` (the
    server serves adapters) also `LORA_AFFINITY_SCORER`; with `flow_control` (its `flowControl` block) the `flowControl`
    feature gate on (`hangar.spec.routing_flow`)."""
    config: dict[str, Any] = {
        "apiVersion": "inference.networking.x-k8s.io/v1alpha1",
        "kind": "EndpointPickerConfig",
        "plugins": [
            {"type": "queue-scorer"},
            {"type": "kv-cache-utilization-scorer"},
            {"type": "prefix-cache-scorer"},
            {"type": "metrics-data-source", "parameters": {"scheme": "http", "path": "/metrics", "insecureSkipVerify": True}},
            {"type": "core-metrics-extractor", "parameters": {"defaultEngine": "vllm", "engineConfigs": [dict(VLLM_ENGINE)]}},
        ],
        "schedulingProfiles": [
            {
                "name": "default",
                "plugins": [
                    {"pluginRef": "queue-scorer", "weight": 2},
                    {"pluginRef": "kv-cache-utilization-scorer", "weight": 2},
                    {"pluginRef": "prefix-cache-scorer", "weight": 3},
                ],
            }
        ],
    }
    if lora:
        config["plugins"].insert(3, {"type": LORA_AFFINITY_SCORER})
        config["schedulingProfiles"][0]["plugins"].append({"pluginRef": LORA_AFFINITY_SCORER})
    if flow_control is not None:
        config["featureGates"] = [FLOW_CONTROL_GATE]
        config["flowControl"] = dict(flow_control)
    return config


def health_check_peers() -> list[dict[str, Any]]:
    """NetworkPolicy peers of Google's load-balancer health checkers (GKE's gateway probes the pods from these ranges)."""
    return [{"ipBlock": {"cidr": cidr}} for cidr in GOOGLE_HEALTH_CHECK_RANGES]


def picker_host(pool: str, namespace: str) -> str:
    """The cluster-local host name of a pool's picker Service: what Istio's ext_proc cluster and DestinationRule name."""
    return f"{pool}-epp.{namespace}.svc.cluster.local"


def picker_labels(pool: str) -> dict[str, str]:
    """The labels that select a pool's picker pods (its Service, its NetworkPolicy, the servers' admission of it)."""
    return {"app.kubernetes.io/name": "endpoint-picker", "app.kubernetes.io/instance": f"{pool}-epp"}


class InferencePool(pulumi.ComponentResource):
    """`hangar:routing:InferencePool`: the InferencePool of one model server and its endpoint picker.

    `selector` are the labels of the server pods that answer requests, `port` their API port,
    `labels` the environment's labels for every object, `gateway_peers` the NetworkPolicy peers of
    the gateway proxies that call the picker, `cpu`/`memory_gib` the picker's requests (its memory
    limit is twice the request, as the chart's 8Gi/16Gi), `node_selector` where it runs, `mirror` an
    image registry holding the picker under its upstream path, `gke` whether GKE's managed gateway calls
    it (else Istio's), `lora` whether the server serves LoRA adapters (the picker then scores adapter
    affinity too), `flow_control` the picker's `flowControl` block when flow control is on. Exposes `name` (the pool's).
    """

    def __init__(self, name: str, *, namespace: str, selector: dict[str, str], port: int, labels: dict[str, str],
                 gateway_peers: Sequence[dict[str, Any]], cpu: str, memory_gib: int, node_selector: dict[str, str] | None = None,
                 mirror: pulumi.Input[str] | None = None, gke: bool = False, lora: bool = False, flow_control: dict[str, Any] | None = None, depends_on: Sequence[pulumi.Resource] = (), opts: pulumi.ResourceOptions | None = None):  # fmt: skip
        super().__init__("hangar:routing:InferencePool", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
        self.name, epp = name, f"{name}-epp"
        own = {**labels, **picker_labels(name)}

        def meta(object_name: str) -> dict[str, Any]:
            return {"name": object_name, "namespace": namespace, "labels": own}

        k8s.apiextensions.CustomResource(
            name,
            api_version=POOL_API,
            kind="InferencePool",
            metadata={"name": name, "namespace": namespace, "labels": labels},
            spec={
                "selector": {"matchLabels": dict(selector)},
                "targetPorts": [{"number": port}],
                "appProtocol": "http",
                "endpointPickerRef": {"name": epp, "port": {"number": EXT_PROC_PORT}, "failureMode": "FailOpen"},
            },
            opts=child,
        )
        k8s.core.v1.ServiceAccount(epp, metadata=meta(epp), automount_service_account_token=True, opts=child)
        k8s.rbac.v1.Role(
            epp,
            metadata=meta(epp),
            rules=[
                {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "watch", "list"]},
                {"apiGroups": ["inference.networking.k8s.io"], "resources": ["inferencepools"], "verbs": ["get", "watch", "list"]},
                {"apiGroups": ["inference.networking.x-k8s.io"], "resources": ["inferenceobjectives", "inferencemodelrewrites"], "verbs": ["get", "watch", "list"]},
                *LEADER_ELECTION_RULES,
            ],
            opts=child,
        )
        k8s.rbac.v1.RoleBinding(
            epp,
            metadata=meta(epp),
            subjects=[{"kind": "ServiceAccount", "name": epp, "namespace": namespace}],
            role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": epp},
            opts=child,
        )
        k8s.core.v1.ConfigMap(epp, metadata=meta(epp), data={"plugins.yaml": yaml.safe_dump(picker_config(lora, flow_control), sort_keys=False)}, opts=child)
        k8s.apps.v1.Deployment(epp, metadata=meta(epp), spec=self._deployment(name, namespace, own, cpu, memory_gib, node_selector, mirror), opts=child)
        k8s.core.v1.Service(
            epp,
            metadata=meta(epp),
            spec={
                "type": "ClusterIP",
                "selector": picker_labels(name),
                "ports": [
                    # No appProtocol: the picker serves TLS, not cleartext HTTP/2 (`kubernetes.io/h2c`); see the module docstring.
                    {"name": "grpc-ext-proc", "port": EXT_PROC_PORT, "targetPort": EXT_PROC_PORT, "protocol": "TCP"},
                    {"name": "http-metrics", "port": METRICS_PORT, "targetPort": METRICS_PORT, "protocol": "TCP"},
                ],
            },
            opts=child,
        )
        k8s.networking.v1.NetworkPolicy(
            epp,
            metadata=meta(epp),
            spec={
                "podSelector": {"matchLabels": picker_labels(name)},
                "policyTypes": ["Ingress", "Egress"],
                # In: the gateway's ext-proc calls. Out: the pool's pods (metrics), DNS, and the API server
                # (its address is not known before the cluster exists, so HTTPS and 6443 to any address).
                "ingress": [{"from": [*gateway_peers, *(health_check_peers() if gke else [])], "ports": [{"port": EXT_PROC_PORT, "protocol": "TCP"}]}],
                "egress": [
                    {"to": [{"podSelector": {"matchLabels": dict(selector)}}], "ports": [{"port": port, "protocol": "TCP"}]},
                    {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},
                    {"ports": [{"port": 443, "protocol": "TCP"}, {"port": 6443, "protocol": "TCP"}]},
                ],
            },
            opts=child,
        )
        if not gke:  # Istio: the gateway calls the picker over TLS
            k8s.apiextensions.CustomResource(
                f"{epp}-tls",
                api_version="networking.istio.io/v1",
                kind="DestinationRule",
                metadata=meta(epp),
                spec={"host": picker_host(name, namespace), "trafficPolicy": {"tls": dict(ISTIO_TLS)}},
                opts=child,
            )
        else:
            target = {"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": name}
            k8s.apiextensions.CustomResource(
                f"{name}-health",
                api_version="networking.gke.io/v1",
                kind="HealthCheckPolicy",
                metadata={"name": name, "namespace": namespace, "labels": labels},
                spec={
                    "targetRef": target,
                    "default": {"timeoutSec": 2, "checkIntervalSec": 2, "config": {"type": "HTTP", "httpHealthCheck": {"requestPath": "/health", "port": port}}},
                },
                opts=child,
            )
            k8s.apiextensions.CustomResource(
                f"{name}-backend",
                api_version="networking.gke.io/v1",
                kind="GCPBackendPolicy",
                metadata={"name": name, "namespace": namespace, "labels": labels},
                spec={"targetRef": target, "default": {"timeoutSec": 300}},
                opts=child,
            )
        self.register_outputs({"pool": name, "picker": epp})

    @staticmethod
    def _deployment(pool: str, namespace: str, labels: dict[str, str], cpu: str, memory_gib: int,
                    node_selector: dict[str, str] | None, mirror: pulumi.Input[str] | None) -> dict[str, Any]:  # fmt: skip
        epp = f"{pool}-epp"
        image = under_registry(mirror, f"{EPP_IMAGE_PATH}:{EPP_VERSION}") if mirror is not None else EPP_IMAGE
        container = {
            "name": "epp",
            "image": image,
            "imagePullPolicy": "IfNotPresent",
            "args": [
                "--pool-name", pool, "--pool-namespace", namespace, "--pool-group", "inference.networking.k8s.io",
                "--zap-encoder", "json", "--config-file", "/config/plugins.yaml", "--ha-enable-leader-election", "--tracing=false",
            ],  # fmt: skip
            "ports": [
                {"name": "grpc", "containerPort": EXT_PROC_PORT},
                {"name": "grpc-health", "containerPort": HEALTH_PORT},
                {"name": "metrics", "containerPort": METRICS_PORT},
            ],
            "env": [
                {"name": "NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            ],
            "resources": {"requests": {"cpu": cpu, "memory": f"{memory_gib}Gi"}, "limits": {"memory": f"{2 * memory_gib}Gi"}},
            "livenessProbe": {"grpc": {"port": HEALTH_PORT, "service": "liveness"}, "initialDelaySeconds": 5, "periodSeconds": 10},
            "readinessProbe": {"grpc": {"port": HEALTH_PORT, "service": "readiness"}, "periodSeconds": 2},
            "volumeMounts": [{"name": "plugins-config", "mountPath": "/config", "readOnly": True}],
            "securityContext": container_security(NONROOT_UID),
        }
        spec: dict[str, Any] = {
            "serviceAccountName": epp,
            "terminationGracePeriodSeconds": 130,
            "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [container],
            "volumes": [{"name": "plugins-config", "configMap": {"name": epp}}],
            # Preferred, not required: a system pool of one node still runs both (the standby then guards a crash only).
            "affinity": {
                "podAntiAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": picker_labels(pool)}}}
                    ]
                }
            },
        }
        if node_selector:
            spec["nodeSelector"] = dict(node_selector)
        return {
            "replicas": PICKER_REPLICAS,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": picker_labels(pool)},
            "template": {"metadata": {"labels": labels}, "spec": spec},
        }
