"""Mock cloud answers for offline plans: plausible ids, ARNs, endpoints and kubeconfigs.

The outputs only need to be the right shape, so that programs which read outputs (an EKS
cluster's endpoint into a kubeconfig, an account id into an ARN) run to the end.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pulumi
import yaml

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
FAKE_CA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nhangar-offline-plan\n-----END CERTIFICATE-----\n").decode()


class PlausibleMocks(pulumi.runtime.Mocks):
    """Outputs = inputs plus the computed fields that programs commonly read."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        resource_id = args.resource_id or f"{args.name}-id"
        state = dict(args.inputs)
        state.setdefault("name", args.name)
        package = args.typ.split(":", 1)[0]
        if package == "aws":
            service = args.typ.split(":")[1].split("/")[0]
            state.setdefault("arn", f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{args.name}")
        elif package == "gcp":
            state.setdefault("selfLink", f"https://www.googleapis.com/{args.typ}/{args.name}")
        elif package == "azure-native":
            state.setdefault("id", f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hangar/{args.name}")
            identity = state.get("identity")
            if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
                # Azure takes user-assigned identities as a list of ids and returns them as a map id -> {principalId, clientId}.
                state["identity"] = {**identity, "userAssignedIdentities": {rid: {} for rid in identity["userAssignedIdentities"]}}
        state.update(_computed_outputs(args.typ, args.name, state))
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/hangar", "userId": "hangar", "id": ACCOUNT_ID}
        if token in ("aws:index/getRegion:getRegion", "aws:index/getRegion:getRegionOutput"):
            return {"name": REGION, "region": REGION, "id": REGION}
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {"names": [f"{REGION}{z}" for z in "abc"], "zoneIds": [f"use1-az{i}" for i in (1, 2, 4)], "id": REGION}
        if token == "aws:iam/getPolicyDocument:getPolicyDocument":
            return {"json": json.dumps({"Version": "2012-10-17", "Statement": args.args.get("statements", [])}), "id": "policy"}
        if token == "gcp:organizations/getClientConfig:getClientConfig":
            return {"project": "hangar-offline", "region": "us-central1", "zone": "us-central1-a", "accessToken": "offline", "id": "client"}
        if token == "azure-native:authorization:getClientConfig":
            return {"clientId": "offline", "objectId": "offline", "subscriptionId": "00000000-0000-0000-0000-000000000000", "tenantId": "offline"}
        if token == "azure-native:containerservice:listManagedClusterUserCredentials":
            return {"kubeconfigs": [{"name": "clusterUser", "value": base64.b64encode(_aks_kubeconfig(args.args).encode()).decode()}]}
        if token == "kubernetes:yaml:decode":
            return {"result": [doc for doc in yaml.safe_load_all(args.args.get("text", "")) if doc]}
        return {}


def _computed_outputs(type_token: str, name: str, state: dict[str, Any]) -> dict[str, Any]:
    if type_token == "gcp:filestore/instance:Instance":
        # Filestore gives each network an internal address from its reserved range; a placeholder of that shape.
        return {"networks": [{**network, "ipAddresses": ["10.250.0.2"]} for network in state.get("networks", [])]}
    if type_token == "azure-native:monitor:AzureMonitorWorkspace":
        # The query endpoint's shape: https://<workspace>-<suffix>.<region>.prometheus.monitor.azure.com (KEDA 2.20 prometheus scaler docs' example).
        return {"metrics": {"prometheusQueryEndpoint": f"https://{name}-offline.{state.get('location', 'eastus')}.prometheus.monitor.azure.com", "internalId": f"mac_{name}"}}
    if type_token == "aws:ec2/launchTemplate:LaunchTemplate":
        return {"latestVersion": 1, "defaultVersion": 1}
    if type_token == "aws:eks/nodeGroup:NodeGroup":
        return {"resources": [{"autoscalingGroups": [{"name": f"eks-{name}-asg"}]}]}  # the Auto Scaling group EKS creates for it
    if type_token == "aws:eks/cluster:Cluster":
        return {
            "endpoint": f"https://{name}.gr7.{REGION}.eks.amazonaws.com",
            "certificateAuthority": {"data": FAKE_CA},
            "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{REGION}.amazonaws.com/id/{name.upper()}"}]}],
            "version": state.get("version", "1.33"),
            "vpcConfig": {**state.get("vpcConfig", {}), "clusterSecurityGroupId": f"sg-{name}"},
        }
    if type_token == "gcp:container/cluster:Cluster":
        endpoints = state.get("controlPlaneEndpointsConfig") or {}
        # The DNS endpoint's form, per the GKE API reference: '<uid>.<location>.gke.goog'.
        dns = {**endpoints.get("dnsEndpointConfig", {}), "endpoint": f"gke-{name}-offline.{state.get('location', 'us-central1')}.gke.goog"}
        return {"endpoint": "10.0.0.2", "masterAuth": {"clusterCaCertificate": FAKE_CA}, "controlPlaneEndpointsConfig": {**endpoints, "dnsEndpointConfig": dns}}
    if type_token == "azure-native:containerservice:ManagedCluster":
        return {
            "fqdn": f"{name}.hcp.eastus.azmk8s.io",
            "privateFQDN": f"{name}.privatelink.eastus.azmk8s.io",
            "oidcIssuerProfile": {**state.get("oidcIssuerProfile", {}), "issuerURL": f"https://eastus.oic.prod-aks.azure.com/offline/{name}/"},
        }
    if type_token == "azure-native:managedidentity:UserAssignedIdentity":
        return {"principalId": f"{name}-principal", "clientId": f"{name}-client", "tenantId": "offline"}
    if type_token == "azure-native:keyvault:Key":
        uri = f"https://{state.get('vaultName', 'vault')}.vault.azure.net/keys/{state.get('keyName', name)}"
        return {"keyUri": uri, "keyUriWithVersion": f"{uri}/0123456789abcdef0123456789abcdef"}
    if type_token == "azure-native:containerregistry:Registry":
        return {"loginServer": f"{state.get('registryName', name)}.azurecr.io"}
    return {}


def _aks_kubeconfig(args: dict[str, Any]) -> str:
    """An AKS user kubeconfig in `exec` format (kubelogin), as listManagedClusterUserCredentials returns it."""
    name = args.get("resourceName", "aks")
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "kubelogin", "args": ["get-token", "--login", "devicecode", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"]}}
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": name, "cluster": {"server": f"https://{name}.privatelink.eastus.azmk8s.io:443", "certificate-authority-data": FAKE_CA}}],
            "users": [{"name": f"clusterUser_{name}", "user": user}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": f"clusterUser_{name}"}}],
            "current-context": name,
        }
    )
