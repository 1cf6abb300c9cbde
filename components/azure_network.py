"""The Azure target's network: `AzureNetwork` (`hangar:azure:Network`), the VNet and node subnet an AKS cluster runs in,
its NAT egress, and the private registry an air-gapped cluster pulls through."""

from __future__ import annotations

import hashlib
from typing import Any

import pulumi
from pulumi_azure_native import containerregistry, network, privatedns

from hangar.spec import Network

MCR_CACHE_RULE = ("aks-managed-mcr", "mcr.microsoft.com/*", "aks-managed-repository/*")
"""The cache rule a network-isolated AKS cluster bootstraps through (AKS docs, 'network isolated cluster', BYO ACR)."""


def private_link(
    name: str, *, dns_name: str, zone_name: str, group: str, resource_id: pulumi.Input[str], resource_group_name: pulumi.Input[str],
    location: str, vnet_id: pulumi.Input[str], subnet_id: pulumi.Input[str], tags: dict[str, str], opts: pulumi.ResourceOptions,
) -> tuple[privatedns.VirtualNetworkLink, network.PrivateDnsZoneGroup]:
    """Reach an Azure resource only from the VNet: a private endpoint for its `group` sub-resource in `subnet_id`, and the
    `zone_name` private DNS zone, linked to the VNet, that resolves the resource's name to the endpoint.
    Returns the zone's VNet link and the endpoint's DNS records, what a mount or pull waits for."""
    rg = resource_group_name
    zone = privatedns.PrivateZone(dns_name, resource_group_name=rg, private_zone_name=zone_name, location="global", tags=tags, opts=opts)
    link = privatedns.VirtualNetworkLink(
        dns_name, resource_group_name=rg, private_zone_name=zone.name, virtual_network=privatedns.SubResourceArgs(id=vnet_id),
        registration_enabled=False, location="global", tags=tags, opts=opts,
    )  # fmt: skip
    endpoint = network.PrivateEndpoint(
        name,
        resource_group_name=rg,
        location=location,
        subnet={"id": subnet_id},  # a reference: SubnetArgs would also send its policy defaults
        private_link_service_connections=[network.PrivateLinkServiceConnectionArgs(name=group, private_link_service_id=resource_id, group_ids=[group])],
        tags=tags,
        opts=opts,
    )
    records = network.PrivateDnsZoneGroup(
        name,
        resource_group_name=rg,
        private_endpoint_name=endpoint.name,
        private_dns_zone_group_name="default",
        private_dns_zone_configs=[network.PrivateDnsZoneConfigArgs(name=group, private_dns_zone_id=zone.id)],
        opts=opts,
    )
    return link, records


def _child(parent: pulumi.Resource, **options: Any) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **options)


class AzureNetwork(pulumi.ComponentResource):
    """`hangar:azure:Network`: a VNet with one node subnet, or an existing VNet's subnet.

    The node subnet has `defaultOutboundAccess` off, so a VM never gets Azure's implicit public
    outbound IP; nodes have no public IPs either. With `egress: nat` a Standard NAT gateway with one
    static public IP is attached to the node subnet (AKS outbound type `userAssignedNATGateway`); it is
    non-zonal, because a Standard NAT gateway lives in one zone or none. With `egress: none` nothing
    leads out (AKS outbound type `none`): a Premium, zone-redundant container registry without public
    access, reached through a private endpoint in its own subnet and the `privatelink.azurecr.io` zone,
    holds the `MCR_CACHE_RULE` AKS bootstraps through (and any image the serving layer mirrors). The
    API server's private endpoint and DNS zone are AKS's own (`privateDNSZone: system`).

    Layout of a new VNet: the first quarter of `cidr` for nodes (Azure CNI overlay gives pods no VNet
    addresses), the last quarter's first /27 for private endpoints. An existing VNet must name its node
    subnet in `existing_subnet_ids[0]`; its egress (a NAT gateway on that subnet) is the owner's.

    Outputs: `vnet_id`, `node_subnet_id`, `registry_id` and `registry_login_server` (None unless air-gapped).
    """

    def __init__(self, name: str, spec: Network, *, resource_group_name: pulumi.Input[str], location: str, subscription_id: pulumi.Output[str], tags: dict[str, str], opts: pulumi.ResourceOptions | None = None):
        super().__init__("hangar:azure:Network", name, None, opts)
        self._name, self._rg, self._location, self._tags = name, resource_group_name, location, tags
        self.registry_id: pulumi.Output[str] | None = None
        self.registry_login_server: pulumi.Output[str] | None = None
        endpoint_subnet_id: pulumi.Input[str]
        if spec.existing_network_id:
            self.vnet_id = pulumi.Output.from_input(spec.existing_network_id)
            self.node_subnet_id = pulumi.Output.from_input(spec.existing_subnet_ids[0])
            endpoint_subnet_id = self.node_subnet_id
        else:
            quarters = list(spec.cidr.subnets(prefixlen_diff=2))
            vnet = network.VirtualNetwork(f"{name}-vnet", resource_group_name=resource_group_name, location=location, address_space=network.AddressSpaceArgs(address_prefixes=[str(spec.cidr)]), tags=tags, opts=_child(self))
            self.vnet_id = vnet.id
            nat = self._nat_gateway() if spec.egress == "nat" else None
            nodes = network.Subnet(
                f"{name}-nodes",
                resource_group_name=resource_group_name,
                virtual_network_name=vnet.name,
                address_prefix=str(quarters[0]),
                default_outbound_access=False,
                nat_gateway=network.SubResourceArgs(id=nat.id) if nat else None,
                opts=_child(self),
            )
            self.node_subnet_id = nodes.id
            endpoint_subnet_id = self.node_subnet_id
            if spec.egress == "none":
                endpoints = network.Subnet(
                    f"{name}-endpoints",
                    resource_group_name=resource_group_name,
                    virtual_network_name=vnet.name,
                    address_prefix=str(next(quarters[3].subnets(new_prefix=max(27, quarters[3].prefixlen)))),
                    default_outbound_access=False,
                    private_endpoint_network_policies="Disabled",
                    opts=_child(self, depends_on=[nodes]),  # Azure updates one subnet of a VNet at a time
                )
                endpoint_subnet_id = endpoints.id
        self.endpoint_subnet_id = endpoint_subnet_id  # private endpoints: the shared weight store's (hangar.components.azure_weights)
        if spec.egress == "none":
            self._private_registry(endpoint_subnet_id, subscription_id)
        self.register_outputs({"vnet_id": self.vnet_id, "node_subnet_id": self.node_subnet_id, "registry_login_server": self.registry_login_server})

    def _nat_gateway(self) -> network.NatGateway:
        where = {"resource_group_name": self._rg, "location": self._location, "tags": self._tags}
        address = network.PublicIPAddress(
            f"{self._name}-nat-ip", sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"), public_ip_allocation_method="Static", public_ip_address_version="IPv4", **where, opts=_child(self)
        )
        return network.NatGateway(
            f"{self._name}-nat", sku=network.NatGatewaySkuArgs(name="Standard"), public_ip_addresses=[network.SubResourceArgs(id=address.id)], idle_timeout_in_minutes=4, **where, opts=_child(self)
        )

    def _private_registry(self, subnet_id: pulumi.Input[str], subscription_id: pulumi.Output[str]) -> None:
        """The only image source of an air-gapped cluster, reachable only from the VNet."""
        name, rg = self._name, self._rg
        registry = containerregistry.Registry(
            f"{name}-registry",
            resource_group_name=rg,
            location=self._location,
            # Registry names are global and alphanumeric: derived from the subscription and the component.
            registry_name=subscription_id.apply(lambda sub: "hangar" + hashlib.sha256(f"{sub}/{pulumi.get_project()}/{pulumi.get_stack()}/{name}".encode()).hexdigest()[:16]),
            sku=containerregistry.SkuArgs(name="Premium"),  # the only tier with private endpoints
            admin_user_enabled=False,
            anonymous_pull_enabled=False,
            public_network_access="Disabled",
            network_rule_bypass_options="AzureServices",  # lets `az acr import` mirror images in
            zone_redundancy="Enabled",
            data_endpoint_enabled=True,
            tags=self._tags,
            opts=_child(self),
        )
        rule, source, target = MCR_CACHE_RULE
        containerregistry.CacheRule(f"{name}-{rule}", resource_group_name=rg, registry_name=registry.name, cache_rule_name=rule, source_repository=source, target_repository=target, opts=_child(self))
        private_link(
            f"{name}-registry", dns_name=f"{name}-acr-dns", zone_name="privatelink.azurecr.io", group="registry", resource_id=registry.id,
            resource_group_name=rg, location=self._location, vnet_id=self.vnet_id, subnet_id=subnet_id, tags=self._tags, opts=_child(self),
        )  # fmt: skip
        self.registry_id, self.registry_login_server = registry.id, registry.login_server
