"""Where `pulumi up` runs for an environment, and how it reaches every API server the stack talks to.

One stack per environment creates the clusters AND the Kubernetes objects inside them, so whatever
runs `pulumi up` (the deployer) must reach each cluster's API server, including private ones. The
stack config declares it (`deployer:`); the spec refuses a declared deployer with no way into a
private endpoint (one line per problem, naming the keys), the cloud components open exactly that
way in, and the workflows and operator objects run it where it is declared.

Why one stack and not two (the cluster, and what runs in it, joined by a StackReference): the
policy pack judges one stack at a time under `pulumi preview --policy-pack`, and its most valuable
checks — hardware fit, schedulable accelerators, room for the replicas — join each workload to the
node pool it lands on. Split in two, the serving stack would carry workloads without pools and the
pack would be blind, unless the serving half recorded the pool facts (instance type, accelerators,
taints, labels, max nodes) as inputs of its own resources. That split is a later step: the cluster
stack would export the pool facts, the serving stack would read them with a StackReference and
restate them on a record resource the rules recognise, and its deployer alone would need the
network path. Today: one stack, one declared deployer that reaches every API server of it.

Each cloud's way in (how `deployer_problems` judges a cluster):

* GKE — the DNS-based control-plane endpoint (`gke_dns_endpoint`): an IAM-authenticated address
  reachable from anywhere that reaches Google APIs, so even a GitHub-hosted runner reaches a
  private cluster (the caller needs `container.clusters.connect`). Without it, the private
  endpoint admits the master authorized networks only: an in-network deployer's `source_cidrs`.
  (https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation, read 2026-12-01.)
* EKS — the private endpoint is reached from inside the VPC or a network routed to it; the cluster
  security group admits the deployer on 443 from `source_cidrs`. A public endpoint is open only to
  `network.authorized_cidrs` plus the deployer's public `source_cidrs`.
* AKS — a private cluster's API server has a private endpoint in the cluster's VNet (and a private
  DNS zone linked to it): the deployer must run inside that VNet, so the cluster goes into the
  runner's existing VNet (`network.existing_network_id`). Or a public endpoint with authorized IP
  ranges (`network.authorized_cidrs` plus the deployer's public `source_cidrs`).
* On-prem and edge — the API server is on the site's network: a runner (or the operator) inside it.

The bootstrap limit, plainly: a private EKS or AKS cluster in a network this stack creates can only
be reached by a deployer connected to that network, and nothing connects it before the first
`pulumi up` — so such a cluster goes into a network that exists already and holds (or is routed
to) the runner, or its deployer's network is connected to the new one (peering, Transit Gateway,
VPN) by the network team before the stack first creates Kubernetes objects. GKE's DNS endpoint is
the one way in that needs no network path at all. Likewise the operator runs inside a cluster that
exists: a cloud cluster's first `pulumi up` comes from a runner, the operator then applies updates.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from hangar.spec.base import SpecModel, problem, raise_problems

DeployerKind = Literal["github-hosted", "self-hosted-runner", "pulumi-deployments", "operator"]
AzureLogin = Literal["azurecli", "workloadidentity"]

SELF_HOSTED_LABEL = "self-hosted"
"""GitHub gives every self-hosted runner this label and recommends it first in `runs-on`, so the job
never lands on a current or future GitHub-hosted runner
(https://docs.github.com/en/actions/how-tos/manage-runners/self-hosted-runners/use-in-a-workflow, read 2026-12-01)."""
HOSTED_IMAGE_LABEL = re.compile(r"^(ubuntu|windows|macos)-")
"""GitHub-hosted runner image labels (ubuntu-latest, ubuntu-24.04, windows-2025, macos-15, ...)."""
DEFAULT_HOSTED_LABELS = ("ubuntu-latest",)
ROLE_ARN = r"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$"

INTERNAL_RANGES = tuple(ipaddress.IPv4Network(cidr) for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))
"""Private (RFC 1918) and carrier-grade NAT (RFC 6598) ranges: addresses inside networks, never seen by a public endpoint."""

RunnerLabel = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")]
RoleArn = Annotated[str, Field(pattern=ROLE_ARN, description="An IAM role ARN, arn:aws:iam::<account>:role/<name>.")]


class Deployer(SpecModel):
    """Where `pulumi up` of this environment runs, and what it needs to reach every API server of it."""

    kind: DeployerKind = Field(
        description=(
            "'github-hosted': a GitHub-hosted runner (addresses outside your networks); 'self-hosted-runner': your runner, "
            "inside (or routed to) the clusters' networks; 'pulumi-deployments': Pulumi Deployments, on a customer-managed "
            "agent pool inside your network when agent_pool is set, else on Pulumi's hosted agents; 'operator': the Pulumi "
            "Kubernetes Operator running inside the target cluster (`hangar gitops render`)."
        )
    )
    runner_labels: list[RunnerLabel] = Field(
        default_factory=list,
        description=(
            "The `runs-on` labels of this environment's deploy job. A self-hosted runner's start with 'self-hosted'; "
            "github-hosted defaults to ubuntu-latest (or a larger runner's label); none for pulumi-deployments and operator."
        ),
    )
    source_cidrs: list[ipaddress.IPv4Network] = Field(
        default_factory=list,
        description=(
            "The deployer's addresses as the API server sees them: its subnet for a private endpoint, its public egress "
            "(e.g. a GitHub larger runner's static IP range) for a public one. Admitted by the EKS cluster security group, "
            "GKE master authorized networks, and the authorized ranges of public endpoints."
        ),
    )
    agent_pool: str | None = Field(None, min_length=1, description="Pulumi Deployments customer-managed agent pool id (pulumi-deployments only).")
    gke_dns_endpoint: bool = Field(
        False, description="Open GKE's IAM-authenticated DNS-based control-plane endpoint (allowExternalTraffic), the way into a private GKE cluster from outside its network."
    )
    eks_role_arn: RoleArn | None = Field(
        None, description="The IAM role the deployer runs as on AWS: it gets an EKS access entry with cluster-admin (instead of whoever created the cluster)."
    )
    eks_admin_role_arns: list[RoleArn] = Field(
        default_factory=list, description="Further IAM roles (people, break-glass) given EKS access entries with cluster-admin on every EKS cluster."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Deployer:
        problems = []
        if self.kind == "self-hosted-runner":
            if self.runner_labels[:1] != [SELF_HOSTED_LABEL]:
                problems.append(
                    problem("runner_labels", f"a self-hosted runner's labels start with {SELF_HOSTED_LABEL!r}, so the job never lands on a GitHub-hosted runner", self.runner_labels)
                )
            hosted = [label for label in self.runner_labels if HOSTED_IMAGE_LABEL.match(label)]
            if hosted:
                problems.append(problem("runner_labels", "these are GitHub-hosted image labels, not a self-hosted runner's", hosted))
        elif self.kind == "github-hosted":
            if SELF_HOSTED_LABEL in self.runner_labels:
                problems.append(problem("runner_labels", "'self-hosted' selects a self-hosted runner: use kind self-hosted-runner", self.runner_labels))
        elif self.runner_labels:
            problems.append(problem("runner_labels", f"kind {self.kind} runs no GitHub job: leave runner_labels empty", self.runner_labels))
        if self.agent_pool is not None and self.kind != "pulumi-deployments":
            problems.append(problem("agent_pool", "an agent pool belongs to kind pulumi-deployments", self.agent_pool))
        for index, cidr in enumerate(self.source_cidrs):
            if cidr.prefixlen == 0:
                problems.append(problem(f"source_cidrs[{index}]", "0.0.0.0/0 is everyone, not the deployer; name its addresses", str(cidr)))
        if self.eks_role_arn is not None and self.eks_role_arn in self.eks_admin_role_arns:
            problems.append(problem("eks_admin_role_arns", "the deployer's role is already given access by eks_role_arn", self.eks_role_arn))
        if len(set(self.eks_admin_role_arns)) != len(self.eks_admin_role_arns):
            problems.append(problem("eks_admin_role_arns", "a role is listed twice", self.eks_admin_role_arns))
        raise_problems(problems)
        return self

    @property
    def in_network(self) -> bool:
        """It runs inside the networks it deploys to (or ones routed to them), so a private endpoint can admit it."""
        return self.kind in ("self-hosted-runner", "operator") or (self.kind == "pulumi-deployments" and self.agent_pool is not None)

    @property
    def runs_on(self) -> list[str]:
        """The deploy job's `runs-on` labels; empty when no GitHub job runs `pulumi up` (Pulumi Deployments, the operator)."""
        if self.kind == "github-hosted":
            return list(self.runner_labels or DEFAULT_HOSTED_LABELS)
        return list(self.runner_labels) if self.kind == "self-hosted-runner" else []

    @property
    def public_source_cidrs(self) -> list[ipaddress.IPv4Network]:
        """Source CIDRs that are public addresses: the ones a public endpoint's allow-list can hold."""
        return [cidr for cidr in self.source_cidrs if not any(cidr.subnet_of(internal) for internal in INTERNAL_RANGES)]

    @property
    def azure_login(self) -> AzureLogin:
        """kubelogin's non-interactive login for AKS: the pod's federated identity for the operator, else the
        Azure CLI session the workflow's `azure/login` step opened (never the interactive device code)."""
        return "workloadidentity" if self.kind == "operator" else "azurecli"


def deployer_problems(deployer: Deployer | None, clusters: list[Any]) -> list[dict[str, Any]]:
    """Each cluster whose API server the declared deployer cannot reach, with paths relative to the environment."""
    if deployer is None:
        return []  # undeclared: the policy pack's reachable-control-plane rule judges it
    problems: list[dict[str, Any]] = []
    providers = {cluster.provider for cluster in clusters}
    if (deployer.eks_role_arn or deployer.eks_admin_role_arns) and "aws" not in providers:
        problems.append(problem("deployer.eks_role_arn", "EKS access entries need an aws cluster; this environment has none", deployer.eks_role_arn))
    if deployer.gke_dns_endpoint and "gcp" not in providers:
        problems.append(problem("deployer.gke_dns_endpoint", "the DNS-based endpoint is GKE's; this environment has no gcp cluster", True))
    for index, cluster in enumerate(clusters):
        problems += _cluster_problems(deployer, cluster, f"clusters[{index}]")
    return problems


def _cluster_problems(deployer: Deployer, cluster: Any, here: str) -> list[dict[str, Any]]:
    name, kind = f"cluster {cluster.name!r} ({here})", deployer.kind
    if cluster.provider == "onprem":
        if deployer.in_network:
            return []
        return [
            problem(
                "deployer.kind",
                f"{name} is on-prem: its API server is on the site's network, which a {kind} deployer does not reach; "
                "run it inside the site (self-hosted-runner, operator, or pulumi-deployments with an agent_pool there)",
                kind,
            )
        ]
    network = cluster.network
    if cluster.provider == "gcp" and deployer.gke_dns_endpoint:
        return []  # IAM-authenticated, reachable from anywhere that reaches Google APIs
    if network.public_api_endpoint:
        return _public_endpoint_problems(deployer, cluster, name, here)
    private = f"{here}.network.public_api_endpoint"
    if not deployer.in_network:
        ways = {
            "aws": "run it inside the VPC or one routed to it (kind self-hosted-runner with source_cidrs), or open a public endpoint to its addresses",
            "gcp": "open GKE's DNS-based endpoint (deployer.gke_dns_endpoint: true) or run it inside the network",
            "azure": "run it inside the cluster's VNet (kind self-hosted-runner, network.existing_network_id), or open a public endpoint to its addresses",
        }[cluster.provider]
        return [problem("deployer.kind", f"{name} has a private API endpoint ({private}: false) that a {kind} deployer cannot reach: {ways}", kind)]
    if kind == "operator":
        # Inside the cluster it deploys to (or a management cluster in its network). It cannot create that cluster:
        # the first `pulumi up` of a cloud cluster comes from a runner; the operator takes over the updates.
        return []
    problems = []
    if cluster.provider in ("aws", "gcp") and not deployer.source_cidrs:
        admits = "the cluster security group admits" if cluster.provider == "aws" else "master authorized networks admit"
        problems.append(problem("deployer.source_cidrs", f"{name} has a private API endpoint: {admits} the deployer only from its addresses; name them", []))
    if cluster.provider == "azure" and not network.existing_network_id:
        problems.append(
            problem(
                f"{here}.network.existing_network_id",
                f"{name} is a private AKS cluster in a VNet this stack creates, reachable only from inside it, where no runner can be before "
                "the first pulumi up: put the cluster in the runner's existing VNet, or use a public endpoint with authorized_cidrs",
                None,
            )
        )
    if not network.existing_network_id:
        inside = [str(cidr) for cidr in deployer.source_cidrs if cidr.subnet_of(network.cidr)]
        if inside:
            problems.append(
                problem(
                    "deployer.source_cidrs",
                    f"inside {here}.network.cidr {network.cidr}, a network this stack creates: no runner is there before the first pulumi up; "
                    "put the cluster in the runner's existing network (network.existing_network_id) or name the runner's own network, routed to this one",
                    inside,
                )
            )
    return problems


def _public_endpoint_problems(deployer: Deployer, cluster: Any, name: str, here: str) -> list[dict[str, Any]]:
    """A public endpoint admits only its allow-list: the deployer's address must be on it."""
    if deployer.kind == "operator":
        return []
    if cluster.provider == "aws" and deployer.in_network and deployer.source_cidrs:
        return []  # EKS keeps private access on: in the VPC, the endpoint resolves to private addresses the security group admits
    if deployer.public_source_cidrs:
        return []
    return [
        problem(
            "deployer.source_cidrs",
            f"{name} has a public API endpoint open only to {here}.network.authorized_cidrs: name the deployer's public egress addresses "
            "(a GitHub larger runner's static IP range, your runner's NAT) so they are admitted",
            [str(cidr) for cidr in deployer.source_cidrs],
        )
    ]
