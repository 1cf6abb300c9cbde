"""A raw Pulumi program (not Hangar's) serving a model on EKS, in two versions: `broken` and `fixed`.

`broken` applies without an error and would never serve: a private API endpoint with Kubernetes objects in
the same stack, GPU pods that tolerate no taint and no device plugin that runs on the GPU nodes, a
StatefulSet awaited for 10 minutes that may take 15 to start, more replicas than the pool can hold and no
node autoscaler, an autoscaler reading a Prometheus that is not there and metrics nobody scrapes, scaled
to zero with nothing to wake it, and a per-replica ReadWriteOnce cache on a pool spanning two zones.
`fixed` is the same program with each of those put right (the wait by Pulumi customTimeouts alone), and `unscraped` is `fixed` with a NetworkPolicy that
drops the scrapes. The readiness policies must tell them apart.
"""

import json

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

config = pulumi.Config()
fixed = config.require_bool("fixed")
admit_scraper = config.get_bool("admitScraper") is not False
GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}

subnets = [
    aws.ec2.Subnet(f"private-{zone}", vpc_id="vpc-1", cidr_block=cidr, availability_zone=f"us-east-1{zone}")
    for zone, cidr in (("a", "10.0.0.0/20"), ("b", "10.0.16.0/20"))
]
vpc_config = {"subnet_ids": [s.id for s in subnets], "endpoint_private_access": True}
vpc_config |= {"endpoint_public_access": True, "public_access_cidrs": ["203.0.113.0/24"]} if fixed else {"endpoint_public_access": False}
cluster = aws.eks.Cluster("serving", role_arn="arn:aws:iam::123456789012:role/eks", version="1.34", vpc_config=vpc_config)
aws.eks.Addon("vpc-cni", cluster_name=cluster.name, addon_name="vpc-cni", configuration_values=json.dumps({"enableNetworkPolicy": "true"}))
aws.eks.NodeGroup(
    "h100",
    cluster_name=cluster.name,
    node_role_arn="arn:aws:iam::123456789012:role/nodes",
    subnet_ids=[subnets[0].id] if fixed else [s.id for s in subnets],
    instance_types=["p5.48xlarge"],
    labels={"pool": "h100"},
    taints=[GPU_TAINT],
    scaling_config={"min_size": 1, "max_size": 2, "desired_size": 1},
)
kubeconfig = pulumi.Output.all(cluster.name, cluster.endpoint).apply(
    lambda args: json.dumps({"apiVersion": "v1", "kind": "Config", "clusters": [{"name": args[0], "cluster": {"server": args[1] or "https://eks.invalid"}}]})
)
provider = k8s.Provider("serving-k8s", kubeconfig=kubeconfig)
opts = pulumi.ResourceOptions(provider=provider)

# The NVIDIA device plugin chart v0.20.0: its DaemonSet only lands on nodes labelled by Node Feature Discovery
# (or nvidia.com/gpu.present=true); `gfd.enabled` deploys NFD along with it.
k8s.helm.v3.Release(
    "device-plugin",
    chart="nvidia-device-plugin",
    version="0.20.0",
    namespace="kube-system",
    repository_opts={"repo": "https://nvidia.github.io/k8s-device-plugin"},
    values={"gfd": {"enabled": True}} if fixed else {},
    opts=opts,
)
if fixed:
    k8s.helm.v3.Release(
        "cluster-autoscaler",
        chart="cluster-autoscaler",
        version="9.59.0",
        namespace="kube-system",
        repository_opts={"repo": "https://kubernetes.github.io/autoscaler"},
        values={"autoDiscovery": {"clusterName": "serving"}, "image": {"tag": "v1.34.5"}},  # the image of the cluster's minor
        opts=opts,
    )
    k8s.apiextensions.CustomResource(
        "prometheus", api_version="monitoring.coreos.com/v1", kind="Prometheus", metadata={"name": "main", "namespace": "monitoring"},
        spec={"podMonitorSelector": {}, "podMonitorNamespaceSelector": {}}, opts=opts,
    )  # fmt: skip
    k8s.apiextensions.CustomResource(
        "llm-metrics", api_version="monitoring.coreos.com/v1", kind="PodMonitor", metadata={"name": "llm", "namespace": "llm"},
        spec={"selector": {"matchLabels": {"app": "llm"}}, "podMetricsEndpoints": [{"port": "http", "path": "/metrics"}]}, opts=opts,
    )  # fmt: skip

labels = {"app": "llm", "hangar.dev/latency-class": "realtime"}
container = {
    "name": "vllm",
    "image": "vllm/vllm-openai:v0.11.2",
    "args": ["--model", "openai/gpt-oss-120b", "--tensor-parallel-size", "8", "--max-model-len", "8192", "--max-num-seqs", "16", "--port", "8000"],
    "ports": [{"name": "http", "containerPort": 8000}],
    "resources": {"limits": {"nvidia.com/gpu": "8"}},
    "startupProbe": {"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 10, "failureThreshold": 90},
    "volumeMounts": [{"name": "weights", "mountPath": "/models"}],
}
k8s.apps.v1.StatefulSet(
    "llm",
    metadata={"name": "llm", "namespace": "llm", "labels": labels},
    spec={
        "serviceName": "llm",
        "selector": {"matchLabels": {"app": "llm"}},
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "nodeSelector": {"pool": "h100"},
                "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}] if fixed else [],
                "containers": [container],
            },
        },
        "volumeClaimTemplates": [{"metadata": {"name": "weights"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "200Gi"}}}}],
    },
    # Fixed with Pulumi customTimeouts alone (no annotation): the provider prefers them, and so does the rule.
    opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(create="15m", update="15m"))) if fixed else opts,
)
k8s.networking.v1.NetworkPolicy(
    "llm",
    metadata={"name": "llm", "namespace": "llm"},
    spec={
        "podSelector": {"matchLabels": {"app": "llm"}},
        "policyTypes": ["Ingress"],
        "ingress": [
            {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "chat"}}}], "ports": [{"protocol": "TCP", "port": 8000}]},
            *([{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}], "ports": [{"port": "http"}]}] if fixed and admit_scraper else []),
        ],
    },
    opts=opts,
)
prometheus = "http://prometheus-operated.monitoring.svc:9090" if fixed else "http://prometheus.observability.svc:9090"
triggers = [
    {
        "type": "prometheus",
        "metadata": {"serverAddress": prometheus, "query": 'sum(vllm:num_requests_waiting{namespace="llm"})', "threshold": "1"},
    }
]
if fixed:
    triggers.append(
        {"type": "prometheus", "name": "gateway", "metadata": {"serverAddress": prometheus, "query": 'sum(rate(gateway_requests_total{route="llm"}[2m]))', "threshold": "1"}}
    )
k8s.apiextensions.CustomResource(
    "llm-scaler",
    api_version="keda.sh/v1alpha1",
    kind="ScaledObject",
    metadata={"name": "llm", "namespace": "llm"},
    spec={"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "llm"}, "minReplicaCount": 0, "maxReplicaCount": 2 if fixed else 4, "triggers": triggers},
    opts=opts,
)
