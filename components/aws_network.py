"""`hangar:aws:Network`: the VPC an EKS cluster lives in — private subnets for nodes, NAT or no egress at all.

Nodes only ever get private subnets (no public IPs). With `egress: nat` a small public subnet per
zone holds nothing but a NAT gateway (one per zone in prod, one shared elsewhere, to stay cheap).
With `egress: none` the VPC has no internet gateway and no NAT: nodes reach AWS through VPC
endpoints instead (S3 as a gateway endpoint, the others as interface endpoints with private DNS).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from hangar.spec import Network

INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "sts", "ec2", "logs", "elasticloadbalancing", "autoscaling")
"""AWS services an air-gapped EKS cluster needs: image pulls (ecr.*, plus the S3 gateway endpoint for
layers), IRSA (sts), node bootstrap (ec2), control-plane and node logs (logs), internal load
balancers (elasticloadbalancing) and the cluster autoscaler (autoscaling)."""

INTERNAL_ELB = "kubernetes.io/role/internal-elb"
PUBLIC_ELB = "kubernetes.io/role/elb"
MAX_ZONES = 7


def subnet_layout(cidr: ipaddress.IPv4Network, zones: int) -> tuple[list[str], list[str]]:
    """Private and public subnet CIDRs, one each per zone.

    The range is cut in eighths: the first `zones` eighths are the private node subnets (large,
    because the VPC CNI gives every pod a VPC address); the last eighth is cut in eighths again for
    the public NAT subnets, which hold one address each.
    """
    if not 1 <= zones <= MAX_ZONES:
        raise ValueError(f"network: a new VPC spans 1 to {MAX_ZONES} zones; got {zones}")
    eighths = list(cidr.subnets(prefixlen_diff=3))
    public = list(eighths[-1].subnets(prefixlen_diff=3))
    return [str(block) for block in eighths[:zones]], [str(block) for block in public[:zones]]


class AwsNetwork(pulumi.ComponentResource):
    """A VPC with private node subnets across `zones`, or an existing VPC's subnets.

    Outputs: `vpc_id`, `private_subnet_ids` (all zones), `subnets_by_zone` (zone → subnet id; empty
    for an existing network, whose subnets Hangar does not map to zones) and `zone_names` (empty there too). VPC endpoints are only
    created in a new VPC: in an existing one they are the network owner's to provide.
    """

    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    subnets_by_zone: dict[str, pulumi.Output[str]]
    zone_names: list[pulumi.Input[str]]

    def __init__(
        self,
        name: str,
        network: Network,
        *,
        zones: Sequence[str] | None,
        region: str,
        cluster_name: str,
        ha_nat: bool,
        tags: dict[str, str],
        extra_endpoints: Sequence[str] = (),
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`zones`: the zones to span, or None for the region's first three available zones.
        `cluster_name`: the EKS cluster's name, for the subnet discovery tag. `ha_nat`: one NAT
        gateway per zone (else one for the whole VPC). `extra_endpoints`: more interface endpoints an
        air-gapped VPC needs (e.g. `aps-workspaces` for the amp metrics pipeline's queries)."""
        super().__init__("hangar:aws:Network", name, None, opts)
        self._name, self._tags = name, tags
        self.subnets_by_zone = {}
        self.zone_names = []
        if network.existing_network_id:
            self.vpc_id = pulumi.Output.from_input(network.existing_network_id)
            if network.existing_subnet_ids:
                self.private_subnet_ids = pulumi.Output.from_input(list(network.existing_subnet_ids))
            else:
                found = aws.ec2.get_subnets_output(
                    filters=[
                        aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[network.existing_network_id]),
                        aws.ec2.GetSubnetsFilterArgs(name=f"tag:{INTERNAL_ELB}", values=["1"]),
                    ],
                    opts=pulumi.InvokeOutputOptions(parent=self),
                )
                self.private_subnet_ids = found.ids
            self.register_outputs({"vpc_id": self.vpc_id, "private_subnet_ids": self.private_subnet_ids})
            return

        zone_names = list(zones) if zones else self._default_zones(3)
        keys = list(zones) if zones else [f"zone-{index}" for index in range(3)]
        private_cidrs, public_cidrs = subnet_layout(network.cidr, len(zone_names))
        discovery = {f"kubernetes.io/cluster/{cluster_name}": "shared"}

        vpc = aws.ec2.Vpc(
            name,
            cidr_block=str(network.cidr),
            enable_dns_support=True,
            enable_dns_hostnames=True,  # private DNS of interface endpoints and of the EKS private endpoint
            tags=self._tagged(name),
            opts=self._child(),
        )
        self.vpc_id = vpc.id
        private = [
            aws.ec2.Subnet(
                f"{name}-private-{key}",
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags=self._tagged(f"{name}-private-{key}", {INTERNAL_ELB: "1", **discovery}),
                opts=self._child(),
            )
            for key, zone, cidr in zip(keys, zone_names, private_cidrs)
        ]
        self.subnets_by_zone = {key: subnet.id for key, subnet in zip(keys, private)}
        self.zone_names = zone_names
        self.private_subnet_ids = pulumi.Output.all(*[subnet.id for subnet in private])

        route_tables = [
            aws.ec2.RouteTable(f"{name}-private-{key}", vpc_id=vpc.id, tags=self._tagged(f"{name}-private-{key}"), opts=self._child()) for key in keys
        ]
        for key, subnet, table in zip(keys, private, route_tables):
            aws.ec2.RouteTableAssociation(f"{name}-private-{key}", subnet_id=subnet.id, route_table_id=table.id, opts=self._child())

        if network.egress == "nat":
            public_tags = {PUBLIC_ELB: "1", **discovery} if network.load_balancers == "public" else {}
            self._nat_egress(vpc, keys, zone_names, public_cidrs, route_tables, ha_nat, public_tags)
        else:
            self._private_endpoints(vpc, network, region, private, route_tables, tuple(extra_endpoints))
        self.register_outputs({"vpc_id": self.vpc_id, "private_subnet_ids": self.private_subnet_ids})

    def _nat_egress(self, vpc, keys, zone_names, public_cidrs, private_tables, ha_nat: bool, public_tags: dict[str, str]) -> None:
        """Public subnets that hold only NAT gateways, an internet gateway, and default routes through NAT."""
        name = self._name
        gateway = aws.ec2.InternetGateway(name, vpc_id=vpc.id, tags=self._tagged(name), opts=self._child())
        public_table = aws.ec2.RouteTable(f"{name}-public", vpc_id=vpc.id, tags=self._tagged(f"{name}-public"), opts=self._child())
        aws.ec2.Route(f"{name}-public-default", route_table_id=public_table.id, destination_cidr_block="0.0.0.0/0", gateway_id=gateway.id, opts=self._child())
        nats = []
        for index, (key, zone, cidr) in enumerate(zip(keys, zone_names, public_cidrs)):
            subnet = aws.ec2.Subnet(
                f"{name}-public-{key}",
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,  # only NAT gateways live here, with their own Elastic IPs
                tags=self._tagged(f"{name}-public-{key}", public_tags),
                opts=self._child(),
            )
            aws.ec2.RouteTableAssociation(f"{name}-public-{key}", subnet_id=subnet.id, route_table_id=public_table.id, opts=self._child())
            if ha_nat or index == 0:
                address = aws.ec2.Eip(f"{name}-nat-{key}", domain="vpc", tags=self._tagged(f"{name}-nat-{key}"), opts=self._child())
                nats.append(
                    aws.ec2.NatGateway(
                        f"{name}-{key}",
                        allocation_id=address.id,
                        subnet_id=subnet.id,
                        connectivity_type="public",
                        tags=self._tagged(f"{name}-{key}"),
                        opts=self._child(depends_on=[gateway]),
                    )
                )
        for index, (key, table) in enumerate(zip(keys, private_tables)):
            nat = nats[index] if ha_nat else nats[0]
            aws.ec2.Route(
                f"{name}-private-{key}-default", route_table_id=table.id, destination_cidr_block="0.0.0.0/0", nat_gateway_id=nat.id, opts=self._child()
            )

    def _private_endpoints(self, vpc, network: Network, region: str, private, private_tables, extra: tuple[str, ...] = ()) -> None:
        """No way out: the AWS services the cluster needs, as VPC endpoints reachable only from the VPC."""
        name = self._name
        aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[table.id for table in private_tables],
            tags=self._tagged(f"{name}-s3"),
            opts=self._child(),
        )
        group = aws.ec2.SecurityGroup(
            f"{name}-endpoints",
            vpc_id=vpc.id,
            description="HTTPS from the VPC to its AWS service endpoints",
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=443, to_port=443, cidr_blocks=[str(network.cidr)], description="HTTPS from the VPC")
            ],
            tags=self._tagged(f"{name}-endpoints"),
            opts=self._child(),
        )
        for service in INTERFACE_ENDPOINTS + extra:
            label = service.replace(".", "-")
            aws.ec2.VpcEndpoint(
                f"{name}-{label}",
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[subnet.id for subnet in private],
                security_group_ids=[group.id],
                tags=self._tagged(f"{name}-{label}"),
                opts=self._child(),
            )

    def _default_zones(self, count: int) -> list[pulumi.Output[str]]:
        available = aws.get_availability_zones_output(state="available", opts=pulumi.InvokeOutputOptions(parent=self))
        return [available.names.apply(lambda names, index=index: names[index]) for index in range(count)]

    def _tagged(self, name: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {**self._tags, **(extra or {}), "Name": name}

    def _child(self, **options) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **options)
