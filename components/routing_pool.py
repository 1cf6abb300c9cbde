"""`hangar:routing:InferencePool`: a model server's InferencePool and its endpoint picker (EPP).

Per deployment behind a route, in the serving namespace (the pool selects its pods there):

* an `InferencePool` (inference.networking.k8s.io/v1) `<name>`: the server's pods (the leaders of a
  multi-host group) on the API port, its endpoint picker `<name>-epp` on the ext-proc port, failing
  open (a picker that is down does not stop traffic: the gateway falls back to its own balancing);
* the endpoint picker: a `ServiceAccount`, a `Role` + `RoleBinding` (read pods, InferencePools and the
  optional InferenceObjective / InferenceModelRewrite objects), a `ConfigMap` holding its
  EndpointPickerConfig, a `Deployment` of one replica (`Recreate`: one active picker keeps the
  prefix-cache state whole), a `Service` (ext-proc and metrics ports) and a `NetworkPolicy`;
* on GKE, a `HealthCheckPolicy` (the load balancer probes `/health` on the API port every 2 s; GKE's
  default probe asks for `/`, which vLLM does not serve) and a `GCPBackendPolicy` (a 300 s backend
  timeout: a long generation outlasts the load balancer's default), both aimed at the InferencePool, as
  the Inference Extension chart's config/charts/inferencepool/templates/gke.yaml (v1.5.0) writes them.
  Their schemas: GoogleCloudPlatform/gke-gateway-api commit fc40d606a5332f11a8883f85caff66b63c4e88ef
  (2026-04-29) config/crd/, whose API reference (googlecloudplatform.github.io/gke-gateway-api, read
  2026-12-01) gives `/` as the HTTP health check's default requestPath.

The picker scores the pool's pods on vLLM's own metrics, scraped from `/metrics` on the API port:
`vllm:num_requests_waiting` (queue), `vllm:num_requests_running`, `vllm:kv_cache_usage_perc`
(KV-cache use), `vllm:lora_requests_info` (adapters) and `vllm:cache_config_info` (KV block size
and count, for the prefix-cache scorer). Hangar names them explicitly in the picker's
`core-metrics-extractor` engine config rather than leaning on its built-in default. All five are
defined by vLLM v0.11.2's `PrometheusStatLogger` (vllm/v1/metrics/loggers.py at tag v0.11.2; the
LoRA gauge only when LoRA is enabled).

Sources — kubernetes-sigs/gateway-api-inference-extension tag v1.5.0 (commit
df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849, 2026-04-18), read 2026-12-01:
config/charts/inferencepool/values.yaml (the image `registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0`,
ext-proc port 9002, FailOpen, resources: requests 4 CPU / 8Gi, limit 16Gi memory, "validated with
scale testing at high QPS"), config/charts/epplib/templates/_deployment.yaml (args `--pool-name`,
`--pool-namespace`, `--pool-group inference.networking.k8s.io`, `--zap-encoder json`, `--config-file`,
`--tracing=false`; ports grpc 9002, grpc-health 9003, metrics 9090; gRPC probes on 9003, service
`inference-extension`; env NAMESPACE and POD_NAME; terminationGracePeriodSeconds 130),
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
from hangar.components.serving_pod import container_security

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


LORA_AFFINITY_SCORER = "lora-affinity-scorer"
"""The scorer preferring a server that has the requested LoRA adapter loaded (1.0), or room to load it (0.8), or it
queued (0.6), read from `vllm:lora_requests_info` (v1.5.0 pkg/epp/framework/plugins/scheduling/scorer/loraaffinity/
README.md and lora_affinity.go; no parameters, site-src/guides/epp-configuration/config-text.md). The chart's default
profile leaves it out; Hangar adds it to the pools of servers with adapters and gives it no weight of its own, so the
loader gives it `DefaultScorerWeight` 1.0 (pkg/epp/config/loader/defaults.go), as in the project's own
test/integration/epp/testdata/default-config.yaml, which lists it beside the three default scorers unweighted."""


def picker_config(lora: bool = False) -> dict[str, Any]:
    """The EndpointPickerConfig: the chart's default scorers, with vLLM's metrics named explicitly; with `lora` (the
    server serves adapters) also `LORA_AFFINITY_SCORER`."""
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
    return config


def picker_labels(pool: str) -> dict[str, str]:
    """The labels that select a pool's picker pods (its Service, its NetworkPolicy, the servers' admission of it)."""
    return {"app.kubernetes.io/name": "endpoint-picker", "app.kubernetes.io/instance": f"{pool}-epp"}


class InferencePool(pulumi.ComponentResource):
    """`hangar:routing:InferencePool`: the InferencePool of one model server and its endpoint picker.

    `selector` are the labels of the server pods that answer requests, `port` their API port,
    `labels` the environment's labels for every object, `gateway_peers` the NetworkPolicy peers of
    the gateway proxies that call the picker, `cpu`/`memory_gib` the picker's requests (its memory
    limit is twice the request, as the chart's 8Gi/16Gi), `node_selector` where it runs, `mirror` an
    image registry holding the picker under its upstream path, `lora` whether the server serves LoRA adapters (the
    picker then scores adapter affinity too). Exposes `name` (the pool's).
    """

    def __init__(self, name: str, *, namespace: str, selector: dict[str, str], port: int, labels: dict[str, str],
                 gateway_peers: Sequence[dict[str, Any]], cpu: str, memory_gib: int, node_selector: dict[str, str] | None = None,
                 mirror: str | None = None, gke: bool = False, lora: bool = False, depends_on: Sequence[pulumi.Resource] = (), opts: pulumi.ResourceOptions | None = None):  # fmt: skip
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
        k8s.core.v1.ConfigMap(epp, metadata=meta(epp), data={"plugins.yaml": yaml.safe_dump(picker_config(lora), sort_keys=False)}, opts=child)
        k8s.apps.v1.Deployment(epp, metadata=meta(epp), spec=self._deployment(name, namespace, own, cpu, memory_gib, node_selector, mirror), opts=child)
        k8s.core.v1.Service(
            epp,
            metadata=meta(epp),
            spec={
                "type": "ClusterIP",
                "selector": picker_labels(name),
                "ports": [
                    {"name": "grpc-ext-proc", "port": EXT_PROC_PORT, "targetPort": EXT_PROC_PORT, "protocol": "TCP", "appProtocol": "kubernetes.io/h2c"},
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
                "ingress": [{"from": list(gateway_peers), "ports": [{"port": EXT_PROC_PORT, "protocol": "TCP"}]}],
                "egress": [
                    {"to": [{"podSelector": {"matchLabels": dict(selector)}}], "ports": [{"port": port, "protocol": "TCP"}]},
                    {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},
                    {"ports": [{"port": 443, "protocol": "TCP"}, {"port": 6443, "protocol": "TCP"}]},
                ],
            },
            opts=child,
        )
        if gke:
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
                    node_selector: dict[str, str] | None, mirror: str | None) -> dict[str, Any]:  # fmt: skip
        epp = f"{pool}-epp"
        image = f"{mirror.rstrip('/')}/{EPP_IMAGE_PATH}:{EPP_VERSION}" if mirror else EPP_IMAGE
        health = {"port": HEALTH_PORT, "service": "inference-extension"}
        container = {
            "name": "epp",
            "image": image,
            "imagePullPolicy": "IfNotPresent",
            "args": [
                "--pool-name", pool, "--pool-namespace", namespace, "--pool-group", "inference.networking.k8s.io",
                "--zap-encoder", "json", "--config-file", "/config/plugins.yaml", "--tracing=false",
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
            "livenessProbe": {"grpc": health, "initialDelaySeconds": 5, "periodSeconds": 10},
            "readinessProbe": {"grpc": health, "periodSeconds": 2},
            "volumeMounts": [{"name": "plugins-config", "mountPath": "/config", "readOnly": True}],
            "securityContext": container_security(NONROOT_UID),
        }
        spec: dict[str, Any] = {
            "serviceAccountName": epp,
            "terminationGracePeriodSeconds": 130,
            "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [container],
            "volumes": [{"name": "plugins-config", "configMap": {"name": epp}}],
        }
        if node_selector:
            spec["nodeSelector"] = dict(node_selector)
        return {
            "replicas": 1,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": picker_labels(pool)},
            "template": {"metadata": {"labels": labels}, "spec": spec},
        }
