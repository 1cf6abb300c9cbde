"""Who reaches an EKS API server, and with what rights: the declared deployer's way in and the access entries,
the kubeconfig that logs in with `aws eks get-token`, and the IRSA trust policy of a service account's role.

Two things the stack config declares (`deployer:`, see hangar/spec/deployer.py) become resources here:

* the network path — one ingress rule per `deployer.source_cidrs` on the cluster security group EKS
  creates (`vpc_config.cluster_security_group_id`), TCP 443, so a runner inside the VPC or routed to
  it reaches the private endpoint. (The private endpoint's network interfaces carry that group:
  https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html, read 2026-12-01.)
* the identities — an EKS access entry plus the `AmazonEKSClusterAdminPolicy` access policy, cluster
  scope, for the deployer's role (`deployer.eks_role_arn`) and each admin role
  (`deployer.eks_admin_role_arns`). Access policies:
  https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html (read 2026-12-01).

Inputs as the installed pulumi_aws 7.51 schema names them: `aws.vpc.SecurityGroupIngressRule`
(security_group_id, cidr_ipv4, from_port, to_port, ip_protocol), `aws.eks.AccessEntry`
(cluster_name, principal_arn, type) and `aws.eks.AccessPolicyAssociation` (cluster_name,
principal_arn, policy_arn, access_scope.type "cluster" | "namespace").
"""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pulumi_aws as aws

from hangar.spec import Deployer

API_PORT = 443
CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
ACCESS_ENTRY_TYPE = "STANDARD"  # the type for IAM roles and users (the EC2/Fargate types are for nodes)


def role_slug(role_arn: str) -> str:
    """A resource-name-safe tail of a role ARN: 'arn:aws:iam::1:role/team/platform-admin' → 'platform-admin'."""
    return re.sub(r"[^a-z0-9-]+", "-", role_arn.rsplit("/", 1)[-1].lower()).strip("-") or "role"


def deployer_ingress(
    name: str, deployer: Deployer | None, cluster_security_group_id: pulumi.Input[str], tags: dict[str, str], parent: pulumi.Resource
) -> list[aws.vpc.SecurityGroupIngressRule]:
    """The cluster security group admits the deployer's addresses on the API port."""
    if deployer is None:
        return []
    return [
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-deployer-{index}",
            security_group_id=cluster_security_group_id,
            cidr_ipv4=str(cidr),
            from_port=API_PORT,
            to_port=API_PORT,
            ip_protocol="tcp",
            description=f"Hangar deployer ({deployer.kind}) to the Kubernetes API",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for index, cidr in enumerate(deployer.source_cidrs)
    ]


def cluster_admins(name: str, deployer: Deployer | None, cluster_name: pulumi.Input[str], tags: dict[str, str], parent: pulumi.Resource) -> list[pulumi.Resource]:
    """An access entry with cluster-admin for the deployer's role and each admin role; returns the deployer's
    policy association first (Kubernetes objects must wait for it)."""
    if deployer is None:
        return []
    principals: list[tuple[str, str]] = []
    if deployer.eks_role_arn:
        principals.append((f"{name}-deployer", deployer.eks_role_arn))
    principals += [(f"{name}-admin-{role_slug(arn)}", arn) for arn in deployer.eks_admin_role_arns]
    associations: list[pulumi.Resource] = []
    seen: set[str] = set()
    for resource_name, arn in principals:
        while resource_name in seen:  # two admin roles with the same name in different paths or accounts
            resource_name += "-x"
        seen.add(resource_name)
        entry = aws.eks.AccessEntry(
            resource_name, cluster_name=cluster_name, principal_arn=arn, type=ACCESS_ENTRY_TYPE, tags=tags, opts=pulumi.ResourceOptions(parent=parent)
        )
        associations.append(
            aws.eks.AccessPolicyAssociation(
                resource_name,
                cluster_name=cluster_name,
                principal_arn=entry.principal_arn,
                policy_arn=CLUSTER_ADMIN_POLICY,
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                opts=pulumi.ResourceOptions(parent=parent, depends_on=[entry]),
            )
        )
    return associations


def endpoint_public_cidrs(network: Any, deployer: Deployer | None) -> list[str] | None:
    """`publicAccessCidrs` of a public endpoint: the authorized CIDRs and the deployer's public addresses."""
    if not network.public_api_endpoint:
        return None
    extra = deployer.public_source_cidrs if deployer else []
    return list(dict.fromkeys(str(cidr) for cidr in [*network.authorized_cidrs, *extra]))


def irsa_trust_policy(provider_arn: pulumi.Input[str], issuer: pulumi.Input[str], namespace: str, service_account: str) -> pulumi.Output[str]:
    """Trust policy letting one Kubernetes service account assume a role through the cluster's OIDC provider."""

    def render(arn: str, url: str) -> str:
        host = url.removeprefix("https://")
        condition = {f"{host}:sub": f"system:serviceaccount:{namespace}:{service_account}", f"{host}:aud": "sts.amazonaws.com"}
        statement = {"Effect": "Allow", "Principal": {"Federated": arn}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": condition}}
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    return pulumi.Output.all(provider_arn, issuer).apply(lambda args: render(*args))


def kubeconfig(eks: aws.eks.Cluster, region: str) -> pulumi.Output[str]:
    """A kubeconfig (JSON) for the cluster that authenticates with `aws eks get-token`: it holds no secret."""

    def render(name: str, endpoint: str, authority: str) -> str:
        user = {
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "command": "aws",
                "args": ["eks", "get-token", "--cluster-name", name, "--region", region],
            }
        }
        return json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": name, "cluster": {"server": endpoint, "certificate-authority-data": authority}}],
                "users": [{"name": name, "user": user}],
                "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
                "current-context": name,
            }
        )

    return pulumi.Output.all(eks.name, eks.endpoint, eks.certificate_authority.data).apply(lambda args: render(*args))
