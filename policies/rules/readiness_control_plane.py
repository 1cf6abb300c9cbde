"""Reachable control plane: a private API server and Kubernetes objects applied through it, from where?

A cluster whose API endpoint is private (EKS `vpcConfig.endpointPublicAccess: false`; GKE
`privateClusterConfig.enablePrivateEndpoint` or `controlPlaneEndpointsConfig.ipEndpointsConfig.enablePublicEndpoint:
false`, without a DNS endpoint open to external traffic; AKS `apiServerAccessProfile.enablePrivateCluster`) can
only be reached from inside its network. If the same stack also creates Kubernetes objects, `pulumi up` must
run there — a CI runner on the internet times out creating the first one, after the cluster is built. Refused
unless the stack declares a deployer inside the network (policy config `deployerReachesPrivateEndpoints`,
written by `hangar policy-config` from the stack config's `deployer`).

Fields: pulumi-aws 7.51 `eks.ClusterVpcConfig.endpoint_public_access` (default true, "Whether the Amazon EKS
public API server endpoint is enabled"), pulumi-gcp 10.2 `container.ClusterPrivateClusterConfig.enable_private_endpoint`,
`ClusterControlPlaneEndpointsConfigDnsEndpointConfig.allow_external_traffic`, pulumi-azure-native 3.29
`ManagedClusterAPIServerAccessProfile.enable_private_cluster` (the installed SDKs' schemas).
"""

from __future__ import annotations

from typing import Any

from hangar.policies.rules.base import REACHABLE_CONTROL_PLANE, Finding
from hangar.policies.rules.config import ReachableControlPlaneConfig
from hangar.policies.rules.facts import StackFacts

from hangar.records import ResourceRecord

K8S_PROVIDER = "pulumi:providers:kubernetes"


def check(facts: StackFacts, config: ReachableControlPlaneConfig) -> list[Finding]:
    if config.deployer_reaches_private_endpoints:
        return []
    private = [(record, why) for record in facts.records if (why := private_endpoint(record))]
    if not private:
        return []
    objects = [r for r in facts.records if r.type.startswith("kubernetes:") and r.custom]
    if not objects:
        return []
    private_urns = {c.urn for c, _ in private}
    # Each object is looked up once: the private clusters its provider depends on (indexed per provider).
    through_provider: dict[str, list[str]] = {}
    linked: dict[str, list[ResourceRecord]] = {}
    unlinked: list[ResourceRecord] = []
    for record in objects:
        provider_urn = record.provider_urn or ""
        if provider_urn not in through_provider:
            provider = facts.by_urn.get(provider_urn)
            depends = provider.dependencies if provider is not None and provider.type == K8S_PROVIDER else ()
            through_provider[provider_urn] = [urn for urn in dict.fromkeys(depends) if urn in private_urns]
        clusters = through_provider[provider_urn]
        for urn in clusters:
            linked.setdefault(urn, []).append(record)
        if not clusters:
            unlinked.append(record)
    unlinked.sort(key=_by_kind)
    findings = []
    for cluster, why in private:
        through = sorted(linked[cluster.urn], key=_by_kind) if cluster.urn in linked else unlinked
        if not through:
            continue
        examples = ", ".join(f"{o.type.rsplit(':', 1)[-1]} {o.name}" for o in through[:3]) + (f" and {len(through) - 3} more" if len(through) > 3 else "")
        findings.append(
            Finding(
                REACHABLE_CONTROL_PLANE,
                cluster.urn,
                f"{cluster.name}: its API endpoint is private ({why}), and this stack also applies {len(through)} Kubernetes "
                f"object{'s' if len(through) != 1 else ''} to it ({examples}): `pulumi up` from outside the network creates the "
                "cluster, then fails on the first object. Declare a deployer inside the network (the stack config's `deployer`, "
                "which sets deployerReachesPrivateEndpoints), or apply the Kubernetes objects from a separate stack that runs there",
            )
        )
    return findings


def private_endpoint(record: ResourceRecord) -> str:
    """Why this cluster's API endpoint is private, or '' when it is reachable from outside (or not a cluster)."""
    inputs = record.inputs
    if record.type == "aws:eks/cluster:Cluster":
        return "vpcConfig.endpointPublicAccess false" if (inputs.get("vpcConfig") or {}).get("endpointPublicAccess") is False else ""
    if record.type == "gcp:container/cluster:Cluster":
        endpoints: dict[str, Any] = inputs.get("controlPlaneEndpointsConfig") or {}
        if (endpoints.get("dnsEndpointConfig") or {}).get("allowExternalTraffic") is True:
            return ""  # reachable through the DNS endpoint, with IAM
        if (inputs.get("privateClusterConfig") or {}).get("enablePrivateEndpoint") is True:
            return "privateClusterConfig.enablePrivateEndpoint"
        if (endpoints.get("ipEndpointsConfig") or {}).get("enablePublicEndpoint") is False:
            return "controlPlaneEndpointsConfig.ipEndpointsConfig.enablePublicEndpoint false"
        return ""
    if record.type == "azure-native:containerservice:ManagedCluster":
        return "apiServerAccessProfile.enablePrivateCluster" if (inputs.get("apiServerAccessProfile") or {}).get("enablePrivateCluster") is True else ""
    return ""


def _by_kind(record: ResourceRecord) -> tuple[str, str]:
    """Objects named in a message by type then name: registration order varies between runs."""
    return (record.type, record.name)
