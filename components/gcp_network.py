"""`hangar:gcp:Network`: the private VPC a GKE cluster lives in, with or without a way out (Cloud NAT).

Composed by `hangar.components.gcp.GcpGpuCluster`; the AWS target's counterpart is
`hangar.components.aws_network`.
"""

from __future__ import annotations

import ipaddress

import pulumi
import pulumi_gcp as gcp

from hangar.spec import Network


def subnet_layout(cidr: ipaddress.IPv4Network) -> tuple[str, str, str]:
    """Node, pod and service ranges cut from the network's CIDR.

    Nodes take the first quarter, services the second, pods the second half (a /16 gives nodes and
    services a /18 and pods a /17: 256 nodes at `hangar.components.gcp.MAX_PODS_PER_NODE` = 64, which takes a /25 per node).
    """
    quarters = list(cidr.subnets(prefixlen_diff=2))
    return str(quarters[0]), str(list(cidr.subnets(prefixlen_diff=1))[1]), str(quarters[1])


class GcpNetwork(pulumi.ComponentResource):
    """`hangar:gcp:Network`: a custom-mode VPC with one private subnetwork in the cluster's region.

    The subnetwork has secondary ranges `pods` and `services` (VPC-native GKE) and Private Google
    Access on, so nodes without public IPs reach Google APIs and Artifact Registry. With
    `egress: nat` a Cloud Router and Cloud NAT give nodes outbound internet; with `egress: none`
    there is no NAT at all: private nodes then reach nothing but Google APIs (air-gapped).
    With `existing_network_id`, nothing is created: the first of `existing_subnet_ids` holds the
    nodes and GKE creates the pod and service ranges in it.

    Outputs: `network_id`, `subnet_id`; `pods_range` / `services_range` and `network_name` (None for an existing network).
    """

    def __init__(self, name: str, network: Network, *, region: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("hangar:gcp:Network", name, None, opts)
        self.pods_range: str | None = None  # secondary range names; GKE's own in an existing network
        self.services_range: str | None = None
        self.network_name: pulumi.Output[str] | None = None  # the new VPC's name (a Filestore instance is peered by name)
        if network.existing_network_id:
            if len(network.existing_subnet_ids) > 1:
                pulumi.log.warn(f"{name}: a GKE cluster uses one subnetwork; using {network.existing_subnet_ids[0]!r}", self)
            self.network_id = pulumi.Output.from_input(network.existing_network_id)
            self.subnet_id = pulumi.Output.from_input(network.existing_subnet_ids[0] if network.existing_subnet_ids else None)
            self.register_outputs({"network_id": self.network_id, "subnet_id": self.subnet_id})
            return

        nodes, pods, services = subnet_layout(network.cidr)
        self.pods_range, self.services_range = "pods", "services"
        vpc = gcp.compute.Network(name, auto_create_subnetworks=False, routing_mode="REGIONAL", description="Hangar: private GKE network", opts=pulumi.ResourceOptions(parent=self))
        subnet = gcp.compute.Subnetwork(
            name,
            network=vpc.id,
            region=region,
            ip_cidr_range=nodes,
            private_ip_google_access=True,
            secondary_ip_ranges=[
                gcp.compute.SubnetworkSecondaryIpRangeArgs(range_name=self.pods_range, ip_cidr_range=pods),
                gcp.compute.SubnetworkSecondaryIpRangeArgs(range_name=self.services_range, ip_cidr_range=services),
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        if network.egress == "nat":
            router = gcp.compute.Router(f"{name}-nat", network=vpc.id, region=region, opts=pulumi.ResourceOptions(parent=self))
            gcp.compute.RouterNat(
                f"{name}-nat",
                router=router.name,
                region=region,
                nat_ip_allocate_option="AUTO_ONLY",
                source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
                subnetworks=[gcp.compute.RouterNatSubnetworkArgs(name=subnet.id, source_ip_ranges_to_nats=["ALL_IP_RANGES"])],
                log_config=gcp.compute.RouterNatLogConfigArgs(enable=True, filter="ERRORS_ONLY"),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.network_id, self.subnet_id, self.network_name = vpc.id, subnet.id, vpc.name
        self.register_outputs({"network_id": self.network_id, "subnet_id": self.subnet_id})
