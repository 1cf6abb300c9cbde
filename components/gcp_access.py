"""Who reaches a GKE API server, and how: master authorized networks, the DNS endpoint, a kubeconfig holding no secret.

Used by `hangar.components.gcp.GkeCluster`; the AWS and Azure targets keep theirs in
`hangar.components.aws_access` and `hangar.components.azure_access`.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_gcp as gcp

from hangar.spec import Deployer, Network


def authorized_networks(network: Network, deployer: Deployer | None) -> list[str]:
    """Master authorized networks: with a private endpoint, the new network's CIDR, the authorized CIDRs and
    the deployer's addresses; with a public one, the authorized CIDRs and the deployer's public addresses."""
    allowed = [str(cidr) for cidr in network.authorized_cidrs]
    if network.public_api_endpoint:
        extra = deployer.public_source_cidrs if deployer else []
    else:
        extra = list(deployer.source_cidrs) if deployer else []
        if not network.existing_network_id:
            allowed = [str(network.cidr), *allowed]
    return list(dict.fromkeys([*allowed, *(str(cidr) for cidr in extra)]))


def dns_endpoint_config(deployer: Deployer | None) -> gcp.container.ClusterControlPlaneEndpointsConfigArgs | None:
    """GKE's DNS-based control-plane endpoint, open to user traffic when the deployer comes in that way.

    The endpoint ('<uid>.<location>.gke.goog') is reachable from anywhere that reaches Google APIs and
    admits only callers with the IAM permission `container.clusters.connect` (before Kubernetes RBAC):
    https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation and
    https://cloud.google.com/blog/products/containers-kubernetes/new-dns-based-endpoint-for-the-gke-control-plane
    (read 2026-12-01). Field names from the installed pulumi_gcp 10.2 schema
    (`control_plane_endpoints_config.dns_endpoint_config.allow_external_traffic`).
    """
    if not (deployer and deployer.gke_dns_endpoint):
        return None
    return gcp.container.ClusterControlPlaneEndpointsConfigArgs(
        dns_endpoint_config=gcp.container.ClusterControlPlaneEndpointsConfigDnsEndpointConfigArgs(allow_external_traffic=True)
    )


def kubeconfig(gke: gcp.container.Cluster, *, dns_endpoint: bool = False) -> pulumi.Output[str]:
    """A kubeconfig (JSON) that authenticates with `gke-gcloud-auth-plugin`: it holds no secret.

    With the DNS endpoint the server is `https://<dns endpoint>` and there is no cluster CA: the DNS
    endpoint presents a publicly trusted certificate, so gcloud writes none either (Google Cloud SDK,
    googlecloudsdk/api_lib/container/kubeconfig.py `Cluster(..., has_dns_endpoint)` and
    api_lib/container/util.py `_GetDNSEndpoint`, read 2026-12-01).
    """

    def render(name: str, endpoint: str, authority: str, dns: str | None) -> str:
        plugin = "gke-gcloud-auth-plugin"
        install = f"Install {plugin}: gcloud components install {plugin}"
        user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": plugin, "installHint": install, "provideClusterInfo": True}}
        server = {"server": f"https://{dns}"} if dns_endpoint else {"server": f"https://{endpoint}", "certificate-authority-data": authority}
        return json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": name, "cluster": server}],
                "users": [{"name": name, "user": user}],
                "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
                "current-context": name,
            }
        )

    dns = gke.control_plane_endpoints_config.apply(lambda config: config.dns_endpoint_config.endpoint if config and config.dns_endpoint_config else None)
    return pulumi.Output.all(gke.name, gke.endpoint, gke.master_auth.cluster_ca_certificate, dns).apply(lambda args: render(*args))
