"""A program that is not Hangar's: raw provider resources that break Hangar's policies in prod.

A GKE GPU node pool with a TPU workload scheduled on it, a public EKS endpoint, and an
internet-facing load balancer with no auth — the policies must recognise them by type and inputs.
"""

import pulumi_aws as aws
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

aws.eks.Cluster("public-api", role_arn="arn:aws:iam::123456789012:role/eks", vpc_config={"subnet_ids": ["subnet-1"], "endpoint_public_access": True})
gcp.container.NodePool(
    "l4-pool",
    cluster="gke",
    location="us-central1",
    node_count=1,
    node_config={"machine_type": "g2-standard-4", "labels": {"team": "search"}, "guest_accelerators": [{"type": "nvidia-l4", "count": 1}]},
)
k8s.apps.v1.Deployment(
    "gemma-on-tpu",
    metadata={"name": "gemma"},
    spec={
        "selector": {"match_labels": {"app": "gemma"}},
        "template": {
            "metadata": {"labels": {"app": "gemma"}},
            "spec": {
                "node_selector": {"team": "search"},
                "containers": [
                    {
                        "name": "server",
                        "image": "vllm/vllm-tpu:v0.11.2",
                        "args": ["--model", "google/gemma-2-9b-it", "--tensor-parallel-size", "4"],
                        "resources": {"limits": {"google.com/tpu": "4"}},
                    }
                ],
            },
        },
    },
)
k8s.core.v1.Service("chat", metadata={"name": "chat"}, spec={"type": "LoadBalancer", "selector": {"app": "gemma"}, "ports": [{"port": 80}]})
