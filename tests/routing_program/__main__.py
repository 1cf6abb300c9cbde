"""A raw Pulumi program (not Hangar's) routing a model through the Gateway API Inference Extension on EKS.

`broken` applies without an error and routes nothing: its HTTPRoute names an InferencePool the program
never creates, a second pool selects pods no workload runs and names a picker Service that is not there,
and the first pool's endpoint picker requests 4 CPU on 2-vCPU system nodes, three times over on a pool of two
nodes at most. `fixed` is the same program with each of those put right (two 1-CPU pickers, active-passive). `hangar-routing` must tell them apart.
"""

import json

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

fixed = pulumi.Config().require_bool("fixed")

cluster = aws.eks.Cluster("serving", role_arn="arn:aws:iam::123456789012:role/eks", version="1.34",
                          vpc_config={"subnet_ids": ["subnet-a", "subnet-b"], "endpoint_public_access": True, "public_access_cidrs": ["203.0.113.0/24"]})  # fmt: skip
for name, instance, labels in (("system", "m6i.large", {"pool": "system"}), ("l4", "g6.xlarge", {"pool": "l4"})):
    aws.eks.NodeGroup(
        name, cluster_name=cluster.name, node_role_arn="arn:aws:iam::123456789012:role/nodes", subnet_ids=["subnet-a"],
        instance_types=[instance], labels=labels, scaling_config={"min_size": 1, "max_size": 2, "desired_size": 1},
    )  # fmt: skip
kubeconfig = pulumi.Output.all(cluster.name, cluster.endpoint).apply(
    lambda args: json.dumps({"apiVersion": "v1", "kind": "Config", "clusters": [{"name": args[0], "cluster": {"server": args[1] or "https://eks.invalid"}}]})
)
opts = pulumi.ResourceOptions(provider=k8s.Provider("serving-k8s", kubeconfig=kubeconfig))
meta = {"namespace": "serve"}

server = {"app": "qwen"}
k8s.apps.v1.Deployment(
    "qwen",
    metadata={**meta, "name": "qwen", "annotations": {"hangar.dev/peak-rps": "2"}},
    spec={
        "selector": {"matchLabels": server},
        "template": {
            "metadata": {"labels": server, "annotations": {"hangar.dev/peak-rps": "2"}},
            "spec": {
                "nodeSelector": {"pool": "l4"},
                "containers": [{
                    "name": "vllm", "image": "vllm/vllm-openai:v0.11.2", "args": ["Qwen/Qwen2.5-7B-Instruct", "--port", "8000"],
                    "ports": [{"name": "http", "containerPort": 8000}], "resources": {"limits": {"nvidia.com/gpu": "1"}},
                }],
            },
        },
    },
    opts=opts,
)  # fmt: skip


def pool(name: str, selector: dict[str, str]) -> None:
    """An InferencePool and its endpoint picker's Service."""
    k8s.apiextensions.CustomResource(
        name, api_version="inference.networking.k8s.io/v1", kind="InferencePool", metadata={**meta, "name": name},
        spec={"selector": {"matchLabels": selector}, "targetPorts": [{"number": 8000}],
              "endpointPickerRef": {"name": f"{name}-epp", "port": {"number": 9002}, "failureMode": "FailOpen"}},
        opts=opts,
    )  # fmt: skip


def picker(name: str, cpu: str, memory: str) -> None:
    """The picker's Service and Deployment on the system nodes."""
    labels = {"app": f"{name}-epp"}
    k8s.core.v1.Service(f"{name}-epp", metadata={**meta, "name": f"{name}-epp"}, spec={"selector": labels, "ports": [{"name": "grpc", "port": 9002}]}, opts=opts)
    k8s.apps.v1.Deployment(
        f"{name}-epp",
        metadata={**meta, "name": f"{name}-epp"},
        spec={"replicas": 2 if fixed else 3, "selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": {
            "nodeSelector": {"pool": "system"},
            "containers": [{"name": "epp", "image": "registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0",
                            "ports": [{"containerPort": 9002}], "resources": {"requests": {"cpu": cpu, "memory": memory}}}],
        }}},
        opts=opts,
    )  # fmt: skip


pool("qwen", server)
picker("qwen", "1" if fixed else "4", "2Gi" if fixed else "8Gi")
if not fixed:
    pool("llama", {"app": "llama"})  # no workload runs such pods, and its picker Service is never created
k8s.apiextensions.CustomResource(
    "chat", api_version="gateway.networking.k8s.io/v1", kind="HTTPRoute", metadata={**meta, "name": "chat"},
    spec={"parentRefs": [{"name": "inference-gateway"}], "rules": [{"backendRefs": [
        {"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": "qwen" if fixed else "qwen-large"},
    ]}]},
    opts=opts,
)  # fmt: skip
