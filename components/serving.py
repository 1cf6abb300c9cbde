"""`hangar:serving:ModelServer`: a vLLM server for one `ModelDeployment`, on the pool it names.

Children (all in the serving namespace, all labelled `hangar.dev/model`, `hangar.dev/pool`,
`hangar.dev/environment` plus the environment's labels and `app.kubernetes.io/*`, all annotated
`hangar.dev/model-id: <exact Hugging Face id>`):

* the workload — one kind per shape of replica:
  - `apps/v1 StatefulSet` when the weight cache is `pvc` (the default when the server downloads its
    weights; `ModelDeployment.weight_cache`): each replica gets its own
    ReadWriteOnce claim `model-cache` from `volumeClaimTemplates`, kept when it is scaled away
    (`whenScaled: Retain`), so a restart or a scale-up from zero finds its weights. One claim shared
    by a Deployment would need ReadWriteMany storage, which no cloud gives by default. Its governing
    headless Service is `<name>-pods`.
  - `apps/v1 Deployment` when the cache is `node-local` (a hostPath on the node's disk) or `none` (the
    default when a volume holds the weights: `weights.source` volume or shared, which every replica in
    every zone mounts read-only, so no replica is tied to a zone by its weights).
  - `leaderworkerset.x-k8s.io/v1 LeaderWorkerSet` when a replica spans hosts (a multi-host TPU
    slice, or `tensor_parallel` above a node's GPUs): the leader runs the Ray head and
    `vllm serve`, the workers join it; one group per replica, on one node pool
    (`exclusive-topology`), restarted as a group. Its cache is a claim per pod.
  The pod contract (image, args, GPU/TPU requests, node selector, probes, security) is in
  `hangar.components.serving_pod`. The autoscaler owns `replicas`, so the workload leaves it unset.
  `pulumi up` waits for it as long as its replicas may take to load (`pulumi.com/timeoutSeconds`
  and `customTimeouts`, from the startup probe's budget; `hangar.components.serving_await`).
* with `weights.source: shared`, a `batch/v1 Job` `<name>-weights` that stages the weights into the
  cluster's shared store (`hangar.components.serving_weights`); the workload waits for it.
* a `Secret` `<name>-hf-token` from the secret stack config key `hangar:huggingface_token`
  (`pulumi config set --secret huggingface_token hf_...`), read by the server as `HF_TOKEN`; and
  with `exposure.auth: api-key` a `Secret` `<name>-api-key` from `hangar:api_key`, read by vLLM
  as `VLLM_API_KEY`. Both stay secret Outputs: a plan shows them as "[secret]". Each is annotated
  `hangar.dev/secret-source: <key>=<config key>` (`token=hangar:huggingface_token`), so a rendered
  manifest, which never holds the value, still says where it comes from.
* a `ConfigMap` `<name>-prompts-<digest>` of the deployment's prompt templates (immutable, named by
  content so a change rolls the pods), mounted read-only at `/etc/hangar/prompts`.
* a `Service` `<name>`: ClusterIP, unless callers outside the cluster are named (`allowed_cidrs`)
  or the scope is public — then a LoadBalancer, internal unless `exposure.scope: public`, with
  the cloud's annotation (`LB_ANNOTATIONS`), `externalTrafficPolicy: Local` (client addresses reach
  the NetworkPolicy) and `loadBalancerSourceRanges` = the allowed CIDRs.
* a `PodDisruptionBudget` (one pod at a time; an unhealthy pod may always be evicted).
* a `NetworkPolicy`: in, only from the named namespaces and CIDRs, and from the pods that scrape
  its metrics and the proxy that wakes it from zero (`peers`: each a namespace AND pod labels,
  `hangar.components.metrics`, `hangar.components.metrics_activation`); out, only DNS, HTTPS (the Hugging Face Hub or its mirror; not
  the cloud metadata address) and, for multi-host groups, the group's own pods.

Labels: `hangar.dev/model` is the Hugging Face id spelt as a label value the way the Hub's own
cache spells it, `org--name` (`meta-llama--Llama-3.3-70B-Instruct`); a value past 63 characters
keeps its first 52 and a hash. The exact id is the annotation `hangar.dev/model-id`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from hangar.components import serving_await as wait
from hangar.components import serving_lora as lora
from hangar.components import serving_pod as pod
from hangar.components.labels import ENVIRONMENT, MODEL, POOL, environment_labels
from hangar.components.placement import PoolPlacement
from hangar.components.serving_weights import staging_job

from hangar.precision import precision_annotation
from hangar.prompts import PromptBundle
from hangar.render import SECRET_SOURCE
from hangar.replica import ReplicaShape
from hangar.sizing.capacity import Demand, demand_annotations
from hangar.spec import Environment, ModelDeployment
from hangar.spec.serving import survives_a_node
from hangar.stackfile import API_KEY_KEY, HF_TOKEN_KEY
from hangar.stackfile import CONFIG_NAMESPACE as CONFIG

MODEL_ID = "hangar.dev/model-id"
ACCELERATORS_PER_REPLICA = "hangar.dev/accelerators-per-replica"
LB_ANNOTATIONS: dict[str, dict[str, dict[str, str]]] = {
    "aws": {
        "internal": {
            "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
            "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
        },
        "public": {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb", "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"},
    },
    "gcp": {"internal": {"networking.gke.io/load-balancer-type": "Internal"}, "public": {}},
    "azure": {"internal": {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}, "public": {}},
    "onprem": {"internal": {}, "public": {}},
}
"""LoadBalancer Service annotations per cloud and scope. AWS: the AWS Load Balancer Controller reads
`-scheme`, the in-tree controller `-internal`; both ask for an NLB. On-prem LBs (MetalLB, ...) take none."""
METADATA_ADDRESS = pod.METADATA_ADDRESS


def model_label(hf_id: str) -> str:
    """The Hugging Face id as a label value: `org--name`, hashed past 63 characters."""
    value = hf_id.replace("/", "--")
    if len(value) > 63:
        value = f"{value[:52].rstrip('-_.')}-{hashlib.sha256(hf_id.encode()).hexdigest()[:10]}"
    return value


def object_labels(environment: Environment, deployment: ModelDeployment) -> dict[str, str]:
    """Labels on every object of a deployment."""
    return {
        **environment_labels(environment),
        MODEL: model_label(deployment.model),
        POOL: deployment.pool,
        ENVIRONMENT: environment.name,
        "app.kubernetes.io/name": "vllm",
        "app.kubernetes.io/instance": deployment.name,
        "app.kubernetes.io/component": "model-server",
        "app.kubernetes.io/version": re.sub(r"[^A-Za-z0-9_.-]", "-", deployment.engine_version),
        "app.kubernetes.io/part-of": "hangar",
    }


def selector_labels(deployment: ModelDeployment) -> dict[str, str]:
    return {"app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": deployment.name}


def workload_kind(deployment: ModelDeployment, shape: ReplicaShape) -> tuple[str, str]:
    """(apiVersion, kind) of the workload a deployment is served by."""
    if shape.multi_host:
        return "leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet"
    if deployment.weight_cache == "pvc":
        return "apps/v1", "StatefulSet"
    return "apps/v1", "Deployment"


def _image(deployment: ModelDeployment, shape: ReplicaShape, registry: pulumi.Input[str] | None) -> pulumi.Input[str]:
    """The engine image, behind the cluster's registry when it has one (a string on-prem, an Output of the AKS registry)."""
    if registry is None or isinstance(registry, str):
        return pod.image(deployment, shape, registry)
    return pulumi.Output.from_input(registry).apply(lambda login_server: pod.image(deployment, shape, login_server))


class ModelServer(pulumi.ComponentResource):
    """`hangar:serving:ModelServer`: workload, secrets, prompts, Service, PDB and NetworkPolicy of a deployment.

    Give it the checked `shape` (`hangar.replica.replica_shape`), the pool's `placement`, the cluster's
    `cloud` (aws, gcp, azure or onprem) and the `namespace` its objects go to; children inherit the
    Kubernetes provider from `opts` and wait for `depends_on` (the namespace, the operators). `hf_token` / `api_key` are secret Outputs (or None).
    `peers` are NetworkPolicy peers admitted on the API port besides the named callers: the pods that scrape its
    metrics (`hangar.components.metrics.Scraper.peer`) and, when it scales to zero, the HTTP add-on's interceptor.
    `pod_labels` go on the pods that serve the API only (not on a LeaderWorkerSet's workers): a failover route's labels.
    Exposes `target` (the workload's apiVersion, kind and name), `namespace`, `labels`,
    `annotations` and `service_name`.
    """

    def __init__(
        self,
        name: str,
        deployment: ModelDeployment,
        environment: Environment,
        *,
        shape: ReplicaShape,
        placement: PoolPlacement,
        cloud: str,
        namespace: str,
        hf_token: pulumi.Output[str] | None,
        api_key: pulumi.Output[str] | None,
        prompts: PromptBundle | None,
        runtime_class: str | None = None,
        registry_mirror: pulumi.Input[str] | None = None,
        peers: Sequence[dict[str, Any]] = (),
        aliases: Sequence[str] = (),
        pod_labels: Mapping[str, str] | None = None,
        weights_ready: Sequence[pulumi.Resource] = (),
        depends_on: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("hangar:serving:ModelServer", name, None, opts)
        self.deployment, self.shape, self.namespace, self.aliases = deployment, shape, namespace, tuple(aliases)
        self.pod_labels = dict(pod_labels or {})
        self.spread = ("nodes" if cloud == "onprem" else "nodes-and-zones") if survives_a_node(environment.tier, deployment) else "preferred"
        self.labels = object_labels(environment, deployment)
        self.annotations = {MODEL_ID: deployment.model, ACCELERATORS_PER_REPLICA: str(shape.accelerators_per_replica)}
        self.annotations.update(lora.adapters_annotation(deployment))
        self.annotations.update(precision_annotation(shape.precision, shape.quantization))  # read by hangar-cannot-judge
        declared = Demand.declared(deployment.traffic, deployment.slo)  # read by the hangar-capacity rule
        self.annotations.update(demand_annotations(declared) if declared else {})
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
        hf_secret = self._secret(f"{name}-hf-token", "token", hf_token, f"{CONFIG}:{HF_TOKEN_KEY}", child) if hf_token is not None else None
        key_secret = self._secret(f"{name}-api-key", "key", api_key, f"{CONFIG}:{API_KEY_KEY}", child) if api_key is not None else None
        prompts_name = None
        if prompts is not None:
            prompts_name = f"{name}-prompts-{prompts.digest}"
            k8s.core.v1.ConfigMap(
                prompts_name, metadata=self._metadata(prompts_name), data=dict(prompts.templates), immutable=True, opts=child
            )
        api_version, kind = workload_kind(deployment, shape)
        self.target = {"apiVersion": api_version, "kind": kind, "name": name}
        env = pod.environment(deployment, hf_token_secret=hf_secret, api_key_secret=key_secret)
        image = _image(deployment, shape, registry_mirror)
        self.staging = None
        workload_child = child
        if deployment.weights.source == "shared":
            # The weights are staged once into the cluster's shared store; the workload waits for that Job.
            self.staging = staging_job(
                name, deployment, shape, image=image, namespace=namespace, metadata={**self._metadata(f"{name}-weights"), "annotations": {MODEL_ID: deployment.model}}, hf_token_secret=hf_secret, cloud=cloud,
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=list(weights_ready))),
            )  # fmt: skip
            workload_child = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[self.staging]))
        if kind == "LeaderWorkerSet":
            self.workload = self._leader_worker_set(name, placement, image, env, prompts_name, runtime_class, workload_child)
        else:
            self.workload = self._single_host(name, kind, placement, image, env, prompts_name, runtime_class, workload_child)
        self.service_name = name
        self._service(name, cloud, child)
        self._disruption_budget(name, child)
        self._network_policy(name, peers, child)
        self.register_outputs({"target": self.target, "namespace": namespace, "service": name, "image": image})

    # --- helpers ----------------------------------------------------------------------------------

    def _metadata(self, name: str, **extra: Any) -> dict[str, Any]:
        return {"name": name, "namespace": self.namespace, "labels": self.labels, "annotations": {**self.annotations, **extra}}

    def _secret(self, name: str, key: str, value: pulumi.Output[str], config_key: str, child: pulumi.ResourceOptions) -> str:
        metadata = self._metadata(name, **{SECRET_SOURCE: f"{key}={config_key}"})
        k8s.core.v1.Secret(name, metadata=metadata, type="Opaque", string_data={key: pulumi.Output.secret(value)}, opts=child)
        return name

    def _template(self, spec: dict[str, Any], role: str | None = None) -> dict[str, Any]:
        # No prometheus.io/* annotations: neither the Prometheus Operator nor GKE Managed Prometheus reads
        # them; the metrics pipeline scrapes through a PodMonitor / PodMonitoring (hangar.components.metrics).
        labels = {**self.labels, **({"hangar.dev/role": role} if role else {})}
        if role != "worker":  # the pods that serve the API: a failover route's Service selects them by these
            labels.update(self.pod_labels)
        return {"metadata": {"labels": labels, "annotations": dict(self.annotations)}, "spec": spec}

    def _pod_spec(self, placement: PoolPlacement, image: pulumi.Input[str], env: list, prompts: str | None, runtime_class: str | None, *,
                  command: list[str], with_probes: bool, cache_claim: bool, spread: dict[str, str] | None) -> dict[str, Any]:  # fmt: skip
        volume_list, mounts = pod.volumes(self.deployment, self.shape, prompts_config_map=prompts, cache_claim=cache_claim)
        spec = pod.pod_spec(
            self.deployment, self.shape, placement, image_ref=image, command=command,
            args=[*pod.engine_args(self.deployment, self.shape, aliases=self.aliases), *lora.lora_args(self.deployment)] if with_probes else [],
            env=env, volume_list=volume_list, mounts=mounts, with_probes=with_probes,
            spread_labels=spread, spread=self.spread,
        )  # fmt: skip
        spec = lora.with_adapters(spec, self.deployment, image)
        if runtime_class:
            spec["runtimeClassName"] = runtime_class
        return spec

    def _claim_templates(self) -> list[dict[str, Any]]:
        size = pod.cache_size_gib(self.deployment, self.shape)
        return [
            {
                "metadata": {"name": "model-cache", "labels": self.labels},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": f"{size}Gi"}}},
            }
        ]

    def _awaited(self, name: str, kind: str, server_pod: dict[str, Any], child: pulumi.ResourceOptions) -> tuple[dict[str, Any], pulumi.ResourceOptions]:
        """The workload's metadata and options with the await timeout its server's startup budget needs (`hangar.components.serving_await`)."""
        seconds = wait.await_seconds(server_pod["containers"][0]["startupProbe"], self.deployment.autoscaling.max_replicas)
        opts = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(custom_timeouts=wait.custom_timeouts(seconds)))
        return self._metadata(name, **wait.await_annotations(kind, seconds)), opts

    # --- workloads --------------------------------------------------------------------------------

    def _single_host(self, name: str, kind: str, placement: PoolPlacement, image: pulumi.Input[str], env: list, prompts: str | None,
                     runtime_class: str | None, child: pulumi.ResourceOptions) -> pulumi.CustomResource:  # fmt: skip
        claim = kind == "StatefulSet"
        spec = self._pod_spec(placement, image, env, prompts, runtime_class, command=["vllm", "serve"], with_probes=True, cache_claim=claim, spread=selector_labels(self.deployment))
        workload: dict[str, Any] = {
            "selector": {"matchLabels": selector_labels(self.deployment)},
            "template": self._template(spec),
            "revisionHistoryLimit": 5,
        }
        metadata, child = self._awaited(name, kind, spec, child)
        if kind == "Deployment":
            # No surge: a new pod needs accelerators that a busy pool does not have spare.
            workload["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
            # One replica's whole load counts as progress; the 600 s default would fail a slow one.
            workload["progressDeadlineSeconds"] = wait.replica_ready_seconds(spec["containers"][0]["startupProbe"])
            return k8s.apps.v1.Deployment(name, metadata=metadata, spec=workload, opts=child)
        headless = f"{name}-pods"
        k8s.core.v1.Service(
            headless,
            metadata=self._metadata(headless),
            spec={"clusterIP": "None", "selector": selector_labels(self.deployment), "ports": [{"name": pod.PORT_NAME, "port": pod.PORT, "targetPort": pod.PORT_NAME}]},
            opts=child,
        )
        workload.update(
            serviceName=headless,
            podManagementPolicy="Parallel",
            updateStrategy={"type": "RollingUpdate"},
            volumeClaimTemplates=self._claim_templates(),
            persistentVolumeClaimRetentionPolicy={"whenDeleted": "Delete", "whenScaled": "Retain"},
        )
        return k8s.apps.v1.StatefulSet(name, metadata=metadata, spec=workload, opts=child)

    def _leader_worker_set(self, name: str, placement: PoolPlacement, image: pulumi.Input[str], env: list, prompts: str | None,
                           runtime_class: str | None, child: pulumi.ResourceOptions) -> pulumi.CustomResource:  # fmt: skip
        claim = self.deployment.weight_cache == "pvc"
        # Groups spread by their leaders (one per group) only where a replica must survive a node; a group's own pods fill its nodes.
        leaders = {**selector_labels(self.deployment), "hangar.dev/role": "leader"} if self.spread != "preferred" else None
        leader = self._pod_spec(placement, image, env, prompts, runtime_class, command=pod.leader_command(), with_probes=True, cache_claim=claim, spread=leaders)
        worker = self._pod_spec(placement, image, env, prompts, runtime_class, command=pod.worker_command(), with_probes=False, cache_claim=claim, spread=None)
        template: dict[str, Any] = {
            "size": self.shape.pods,
            "restartPolicy": "RecreateGroupOnPodRestart",
            "leaderTemplate": self._template(leader, "leader"),
            "workerTemplate": self._template(worker, "worker"),
        }
        if claim:
            template["volumeClaimTemplates"] = self._claim_templates()
        spec = {
            "leaderWorkerTemplate": template,
            "startupPolicy": "LeaderCreated",
            "rolloutStrategy": {"type": "RollingUpdate", "rollingUpdateConfiguration": {"maxUnavailable": 1, "maxSurge": 0}},
        }
        # One group per node pool: a multi-host TPU slice is one node pool; GPU groups stay on one pool.
        exclusive = {"leaderworkerset.sigs.k8s.io/exclusive-topology": "cloud.google.com/gke-nodepool"} if self.shape.is_tpu else {}
        metadata, child = self._awaited(name, "LeaderWorkerSet", leader, child)
        metadata["annotations"].update(exclusive)
        return k8s.apiextensions.CustomResource(
            name, api_version="leaderworkerset.x-k8s.io/v1", kind="LeaderWorkerSet", metadata=metadata, spec=spec, opts=child
        )

    # --- around the workload ------------------------------------------------------------------------

    def _service(self, name: str, cloud: str, child: pulumi.ResourceOptions) -> None:
        exposure = self.deployment.exposure
        selector = selector_labels(self.deployment)
        if self.shape.multi_host:
            selector = {**selector, "hangar.dev/role": "leader"}
        spec: dict[str, Any] = {
            "type": "ClusterIP",
            "selector": selector,
            "ports": [{"name": pod.PORT_NAME, "port": pod.PORT, "targetPort": pod.PORT_NAME, "protocol": "TCP", "appProtocol": "http"}],
        }
        extra: dict[str, str] = {}
        if exposure.allowed_cidrs or exposure.scope == "public":
            spec.update(type="LoadBalancer", externalTrafficPolicy="Local")
            if exposure.allowed_cidrs:
                spec["loadBalancerSourceRanges"] = [str(cidr) for cidr in exposure.allowed_cidrs]
            extra = LB_ANNOTATIONS[cloud][exposure.scope]
        if exposure.auth != "none":
            extra = {**extra, "hangar.dev/auth": exposure.auth}
        k8s.core.v1.Service(name, metadata=self._metadata(name, **extra), spec=spec, opts=child)

    def _disruption_budget(self, name: str, child: pulumi.ResourceOptions) -> None:
        k8s.policy.v1.PodDisruptionBudget(
            name,
            metadata=self._metadata(name),
            spec={"maxUnavailable": 1, "selector": {"matchLabels": selector_labels(self.deployment)}, "unhealthyPodEvictionPolicy": "AlwaysAllow"},
            opts=child,
        )

    def _network_policy(self, name: str, peers: Sequence[dict[str, Any]], child: pulumi.ResourceOptions) -> None:
        exposure = self.deployment.exposure
        port = [{"protocol": "TCP", "port": pod.PORT}]
        # Each peer is one namespace AND its pods, not every pod of that namespace.
        callers: list[dict[str, Any]] = list(peers)
        if exposure.allowed_namespaces:
            callers.append(
                {"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": list(exposure.allowed_namespaces)}]}}
            )
        callers += [{"ipBlock": {"cidr": str(cidr)}} for cidr in exposure.allowed_cidrs]
        if exposure.scope == "public" and not exposure.allowed_cidrs:
            callers.append({"ipBlock": {"cidr": "0.0.0.0/0"}})
        # An empty `from` would admit every source: with no caller at all, admit none.
        ingress = [{"from": callers, "ports": port}] if callers else []
        egress: list[dict[str, Any]] = [
            pod.DNS_EGRESS,
            {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [METADATA_ADDRESS]}}], "ports": [{"protocol": "TCP", "port": 443}]},
        ]
        mirror_port = pod.mirror_port(self.deployment)
        if mirror_port not in (None, 443):  # a Hub mirror on another port (weights.endpoint)
            egress.append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [METADATA_ADDRESS]}}], "ports": [{"protocol": "TCP", "port": mirror_port}]})
        if self.shape.multi_host:
            group = [{"podSelector": {"matchLabels": selector_labels(self.deployment)}}]
            ingress.append({"from": group})
            egress.append({"to": group})
        k8s.networking.v1.NetworkPolicy(
            name,
            metadata=self._metadata(name),
            spec={"podSelector": {"matchLabels": selector_labels(self.deployment)}, "policyTypes": ["Ingress", "Egress"], "ingress": ingress, "egress": egress},
            opts=child,
        )
