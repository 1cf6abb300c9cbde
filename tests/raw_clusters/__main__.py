"""A program that is not Hangar's: an EKS, a GKE and an AKS cluster, each with a NetworkPolicy applied to it,
and pinned charts on two of them (KEDA and the Cluster Autoscaler on EKS, the KEDA HTTP add-on on AKS).

With `fixed: false` every cluster breaks both cluster rules: its network plugin does not enforce the
NetworkPolicy (EKS vpc-cni add-on without enableNetworkPolicy, GKE legacy dataplane, AKS network policy
none) and its Kubernetes version is past its cloud's end of standard support (EKS 1.32, AKS 1.33) or one
the catalog cannot judge (GKE 1.33); each chart is outside its range for its cluster (KEDA 2.20 on 1.32,
the Cluster Autoscaler's default v1.35 image on 1.32, the HTTP add-on 0.15 on 1.33). With `fixed: true`
the same clusters are configured to enforce and run supported versions (the GKE version is left to GKE's
channel), with the Cluster Autoscaler's image of the cluster's minor.
"""

import json

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

fixed = pulumi.Config().require_bool("fixed")


def kubeconfig(server: pulumi.Output[str]) -> pulumi.Output[str]:
    """A minimal kubeconfig for a cluster's API server: it makes the provider depend on the cluster."""
    return server.apply(
        lambda url: json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": f"https://{url}"}}],
                "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
                "users": [{"name": "u", "user": {}}],
                "current-context": "c",
            }
        )
    )


def only_the_gateway(name: str, provider: k8s.Provider) -> None:
    k8s.networking.v1.NetworkPolicy(
        name,
        metadata={"name": "only-the-gateway", "namespace": "llm"},
        spec={"pod_selector": {"match_labels": {"app": "vllm"}}, "policy_types": ["Ingress"], "ingress": [{"from": [{"namespace_selector": {"match_labels": {"name": "gateway"}}}]}]},
        opts=pulumi.ResourceOptions(provider=provider),
    )


def pinned_chart(name: str, chart: str, version: str, namespace: str, repo: str, provider: k8s.Provider, values: dict | None = None) -> None:
    """A Helm release of a pinned chart into the cluster behind `provider` (what hangar-supported-versions judges)."""
    k8s.helm.v3.Release(
        name, chart=chart, version=version, namespace=namespace, repository_opts={"repo": repo}, values=values, opts=pulumi.ResourceOptions(provider=provider)
    )


KEDA_CHARTS, AUTOSCALER_CHARTS = "https://kedacore.github.io/charts", "https://kubernetes.github.io/autoscaler"

eks = aws.eks.Cluster(
    "eks",
    role_arn="arn:aws:iam::123456789012:role/eks",
    version="1.34" if fixed else "1.32",
    vpc_config={"subnet_ids": ["subnet-1", "subnet-2"], "endpoint_private_access": True, "endpoint_public_access": False},
)
aws.eks.Addon(
    "vpc-cni",
    cluster_name=eks.name,
    addon_name="vpc-cni",
    configuration_values=json.dumps({"enableNetworkPolicy": "true"}) if fixed else None,
)
eks_k8s = k8s.Provider("eks-k8s", kubeconfig=kubeconfig(eks.endpoint))
only_the_gateway("eks-only-the-gateway", eks_k8s)
pinned_chart("keda", "keda", "2.20.2", "keda", KEDA_CHARTS, eks_k8s)
autoscaler_values = {"cloudProvider": "aws", "image": {"tag": "v1.34.5"}} if fixed else {"cloudProvider": "aws"}
pinned_chart("cluster-autoscaler", "cluster-autoscaler", "9.59.0", "kube-system", AUTOSCALER_CHARTS, eks_k8s, autoscaler_values)

gke = gcp.container.Cluster(
    "gke",
    location="us-central1",
    initial_node_count=1,
    min_master_version=None if fixed else "1.33",
    datapath_provider="ADVANCED_DATAPATH" if fixed else "LEGACY_DATAPATH",
    private_cluster_config={"enable_private_nodes": True, "enable_private_endpoint": True},
)
only_the_gateway("gke-only-the-gateway", k8s.Provider("gke-k8s", kubeconfig=kubeconfig(gke.endpoint)))

aks = azure.containerservice.ManagedCluster(
    "aks",
    resource_group_name="llm",
    dns_prefix="llm",
    kubernetes_version="1.35" if fixed else "1.33",
    network_profile={"network_plugin": "azure", "network_plugin_mode": "overlay", "network_dataplane": "cilium", "network_policy": "cilium" if fixed else "none"},
    api_server_access_profile={"enable_private_cluster": True},
)
aks_k8s = k8s.Provider("aks-k8s", kubeconfig=kubeconfig(aks.fqdn))
only_the_gateway("aks-only-the-gateway", aks_k8s)
pinned_chart("http-add-on", "keda-add-ons-http", "0.15.0", "keda", KEDA_CHARTS, aks_k8s)
