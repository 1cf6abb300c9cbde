"""Network placement in prod: private cluster endpoints, no public node IPs, internal load balancers.

Judged per resource, for raw provider resources as much as for Hangar's: an EKS cluster with a
public endpoint open to the world, a subnet or launch template that gives nodes public IPs, a
GKE cluster without private nodes, an AKS cluster or pool with public node IPs, a Kubernetes
Service that is an internet-facing load balancer without declared auth, and — when egress is not
allowed — NAT and internet gateways.
"""

from __future__ import annotations

from typing import Any, Callable

from hangar.policies.rules.base import NETWORK, Finding
from hangar.policies.rules.config import NetworkConfig
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.tiers import effective_tier

OPEN = "0.0.0.0/0"
INTERNAL_LB_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    "networking.gke.io/load-balancer-type": "Internal",
    "cloud.google.com/load-balancer-type": "Internal",
    "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
}
AUTH_ANNOTATION = "hangar.dev/auth"
EGRESS_TYPES = {
    "aws:ec2/natGateway:NatGateway": "a NAT gateway",
    "aws:ec2/internetGateway:InternetGateway": "an internet gateway",
    "gcp:compute/routerNat:RouterNat": "a Cloud NAT",
    "azure-native:network:NatGateway": "a NAT gateway",
}


def check(facts: StackFacts, config: NetworkConfig) -> list[Finding]:
    findings = []
    for record in facts.records:
        if not config.allow_egress and record.type in EGRESS_TYPES:
            findings.append(Finding(NETWORK, record.urn, f"{record.name}: {EGRESS_TYPES[record.type]} gives the stack internet egress, which this stack does not allow"))
        if effective_tier(config.tier, record) != "prod":
            continue
        judge = PROD_CHECKS.get(record.type)
        if judge is not None:
            findings += [Finding(NETWORK, record.urn, f"{record.name}: {message}") for message in judge(record.inputs)]
    return findings


def _eks_cluster(inputs: dict[str, Any]) -> list[str]:
    vpc = inputs.get("vpcConfig") or {}
    if vpc.get("endpointPublicAccess", True) is False:
        return []
    cidrs = vpc.get("publicAccessCidrs") or [OPEN]
    if OPEN in cidrs:
        return ["the EKS API endpoint is public to 0.0.0.0/0; set endpointPublicAccess false or list publicAccessCidrs"]
    return []


def _subnet(inputs: dict[str, Any]) -> list[str]:
    return ["the subnet gives instances public IPs (mapPublicIpOnLaunch); nodes must have none"] if inputs.get("mapPublicIpOnLaunch") else []


def _launch_template(inputs: dict[str, Any]) -> list[str]:
    interfaces = inputs.get("networkInterfaces") or []
    if any(str(i.get("associatePublicIpAddress")).lower() == "true" for i in interfaces if isinstance(i, dict)):
        return ["the launch template gives nodes public IPs (associatePublicIpAddress)"]
    return []


def _gke_cluster(inputs: dict[str, Any]) -> list[str]:
    private = inputs.get("privateClusterConfig") or {}
    problems = []
    if not private.get("enablePrivateNodes"):
        problems.append("GKE nodes have public IPs; set privateClusterConfig.enablePrivateNodes")
    if not private.get("enablePrivateEndpoint"):
        networks = (inputs.get("masterAuthorizedNetworksConfig") or {}).get("cidrBlocks") or []
        cidrs = [n.get("cidrBlock") for n in networks if isinstance(n, dict)]
        if not cidrs or OPEN in cidrs:
            problems.append("the GKE control plane is public without authorised networks; enable the private endpoint or list cidrBlocks")
    return problems


def _gke_node_pool(inputs: dict[str, Any]) -> list[str]:
    if (inputs.get("networkConfig") or {}).get("enablePrivateNodes") is False:
        return ["the node pool turns private nodes off (networkConfig.enablePrivateNodes false)"]
    return []


def _aks_cluster(inputs: dict[str, Any]) -> list[str]:
    problems = []
    access = inputs.get("apiServerAccessProfile") or {}
    if not access.get("enablePrivateCluster"):
        ranges = access.get("authorizedIPRanges") or []
        if not ranges or OPEN in ranges:
            problems.append("the AKS API server is public without authorised IP ranges; enable the private cluster or list authorizedIPRanges")
    for profile in inputs.get("agentPoolProfiles") or []:
        if isinstance(profile, dict) and profile.get("enableNodePublicIP"):
            problems.append(f"agent pool {profile.get('name')!r} gives nodes public IPs (enableNodePublicIP)")
    return problems


def _aks_pool(inputs: dict[str, Any]) -> list[str]:
    return ["the agent pool gives nodes public IPs (enableNodePublicIP)"] if inputs.get("enableNodePublicIP") else []


def _service(inputs: dict[str, Any]) -> list[str]:
    spec = inputs.get("spec") or {}
    if spec.get("type") != "LoadBalancer":
        return []
    annotations = (inputs.get("metadata") or {}).get("annotations") or {}
    if any(str(annotations.get(key, "")).lower() == value.lower() for key, value in INTERNAL_LB_ANNOTATIONS.items()):
        return []
    if annotations.get(AUTH_ANNOTATION) in ("api-key", "oidc"):
        return []
    return [f"the Service is an internet-facing load balancer with no declared auth; make it internal or put auth in front (annotation {AUTH_ANNOTATION}: api-key|oidc)"]


PROD_CHECKS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:ec2/subnet:Subnet": _subnet,
    "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
    "gcp:container/cluster:Cluster": _gke_cluster,
    "gcp:container/nodePool:NodePool": _gke_node_pool,
    "azure-native:containerservice:ManagedCluster": _aks_cluster,
    "azure-native:containerservice:AgentPool": _aks_pool,
    "kubernetes:core/v1:Service": _service,
}
