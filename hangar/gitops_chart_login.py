"""The `helm registry login` a workflow job runs before `pulumi`, when a cluster's charts come from an OCI mirror.

`clusters[i].chart_repository` (hangar/spec/registry.py) may name an OCI registry; every Helm release Hangar
installs then pulls its chart from there, on the machine that runs `pulumi up` or `pulumi preview`: the
provider loads the chart in `Check`, which runs at preview too, and its registry client reads only Helm's
registry config file (`$HELM_CONFIG_HOME/registry/config.json` unless the provider's `registryConfigPath` or
`PULUMI_K8S_HELM_REGISTRY_CONFIG_PATH` says otherwise) — the file `helm registry login` writes. Read in
pulumi/pulumi-kubernetes at 94977969d64112b04e19945818a7d5d5f38f631d (2026-07-01),
provider/pkg/provider/helm_release.go (`Check` → `helmLoad`, `getActionConfig` → `registry.NewClient(
ClientOptCredentialsFile(settings.RegistryConfig))`) and provider.go (`helmRegistryConfigPath`); the provider
takes no OCI credentials of its own (issue 1914).

One login step per distinct registry host, with the credentials the job already has where the vendor allows it:

* Amazon ECR (`<account>.dkr.ecr.<region>.amazonaws.com`): `aws ecr get-login-password --region <region> |
  helm registry login --username AWS --password-stdin <host>`, with the job's OIDC role; the token lasts
  12 hours (awsdocs/amazon-ecr-user-guide doc_source/push-oci-artifact.md at 19920104913ab2c059b0f99ae957ee58a6e01d24,
  and https://docs.aws.amazon.com/AmazonECR/latest/userguide/push-oci-artifact.html, read 2026-12-01).
* Azure Container Registry (`<name>.azurecr.io`): the Entra token of the job's `azure/login` session,
  `az acr login --name <name> --expose-token --output tsv --query accessToken`, handed to `helm registry login
  <host>` as the password of user `00000000-0000-0000-0000-000000000000` (MicrosoftDocs/azure-management-docs
  articles/container-registry/container-registry-helm-repos.md at 064a6550eb2d8f5a38ef9944e872f38ed7fed334,
  "Authenticate with the registry", ms.date 2025-03-31, read 2026-12-01).
* Artifact Registry (`<location>-docker.pkg.dev`): a short-lived access token of the job's Google identity,
  `gcloud auth print-access-token`, as the password of user `oauth2accesstoken` — the "access token" method of
  https://cloud.google.com/artifact-registry/docs/helm/authentication (read 2026-12-01; only the opening of that
  section could be read here: it asks for the token "less than an hour before" use, so the login runs in the job,
  just before pulumi). The user name is Google's for an access token on its registries: "Username
  oauth2accesstoken, Password Your access token" (https://cloud.google.com/container-registry/docs/advanced-authentication,
  "Using an access token", read 2026-12-02); Google's Helm page's own command, past the part read, was not seen, so
  this rests on the registry login Artifact Registry took over from Container Registry. `_json_key` is the user
  of the long-lived key-file method, which Hangar does not use. gcloud holds the
  job's identity because google-github-actions/setup-gcloud v3 configures gcloud from the Application Default
  Credentials `google-github-actions/auth` sets (its README "Authorization", at aa5489c8, read 2026-12-01).
* Any other OCI registry (Harbor, a registry inside the site): the `HELM_REGISTRY_USERNAME` and
  `HELM_REGISTRY_PASSWORD` secrets (one pair per GitHub environment), the password on stdin.

A registry whose vendor login the job cannot run (an ECR mirror for a GKE-only stack: the job logs in to AWS
only for an EKS cluster) is a `WorkflowError` naming the stack, the key and the value. A chart repository over
https gets no login: Hangar's releases pass it no credentials. Helm 3.8 or later must be on the runner (OCI
support without the experimental flag, per the Azure and Google pages above); the step says so when it is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hangar.spec import Environment

ECR = re.compile(r"^\d{12}\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com$")
ACR = re.compile(r"^(?P<name>[a-z0-9]+)\.azurecr\.io$")
ARTIFACT_REGISTRY = re.compile(r"^[a-z0-9-]+-docker\.pkg\.dev$")
ACR_TOKEN_USER = "00000000-0000-0000-0000-000000000000"
SECRET_USER, SECRET_PASSWORD = "HELM_REGISTRY_USERNAME", "HELM_REGISTRY_PASSWORD"
VENDORS = {"aws": ("an Amazon ECR", "EKS", "AWS"), "gcp": ("an Artifact Registry", "GKE", "Google Cloud"), "azure": ("an Azure Container Registry", "AKS", "Azure")}
NEEDS_HELM = 'command -v helm > /dev/null || { echo "::error::install Helm 3.8 or later on this runner: pulumi pulls the charts from an OCI mirror"; exit 1; }\n'


@dataclass(frozen=True)
class ChartMirror:
    """An OCI chart repository of one cluster: where it is named, its registry host (with any port) and the cloud whose login it takes."""

    key: str
    repository: str
    host: str
    vendor: str | None

    @property
    def hostname(self) -> str:
        return self.host.rsplit(":", 1)[0]

    @property
    def region(self) -> str | None:
        """An ECR registry's region (its login asks for it); None elsewhere."""
        match = ECR.match(self.hostname)
        return match["region"] if match else None


def chart_mirrors(environment: Environment) -> list[ChartMirror]:
    """The environment's OCI chart repositories, one per registry host, in cluster order."""
    mirrors: dict[str, ChartMirror] = {}
    for index, cluster in enumerate(environment.clusters):
        repository = getattr(cluster, "chart_repository", None)
        if not repository or not repository.startswith("oci://"):
            continue
        host = repository.removeprefix("oci://").split("/", 1)[0].lower()
        hostname = host.rsplit(":", 1)[0]
        vendor = "aws" if ECR.match(hostname) else "azure" if ACR.match(hostname) else "gcp" if ARTIFACT_REGISTRY.match(hostname) else None
        mirrors.setdefault(host, ChartMirror(f"clusters[{index}].chart_repository", repository, host, vendor))
    return list(mirrors.values())


def chart_login_problems(stack: str, environment: Environment) -> list[str]:
    """A mirror whose vendor login the stack's job does not have (it logs in to each cloud it has a cluster in)."""
    clouds = {cluster.provider for cluster in environment.clusters}
    problems = []
    for mirror in chart_mirrors(environment):
        if mirror.vendor is not None and mirror.vendor not in clouds:
            registry, target, cloud = VENDORS[mirror.vendor]
            problems.append(
                f"stack {stack}: {mirror.key}: {mirror.repository!r} is {registry} registry, but the job logs in to {cloud} only for "
                f"{target} clusters and this stack has none; name a chart repository the job reaches with the "
                f"{SECRET_USER}/{SECRET_PASSWORD} secrets (any other OCI registry) or a Helm repository over https"
            )
    return problems


def chart_login_needs(deployed: list[tuple[str, Environment]]) -> list[str]:
    """What the workflows' "Needs:" header adds for the chart mirrors of the stacks a job deploys: the
    HELM_REGISTRY_* secrets where a mirror is no cloud's registry, read access for the job's identity where it is."""
    secrets = sorted({stack for stack, environment in deployed for mirror in chart_mirrors(environment) if mirror.vendor is None})
    clouds = sorted({stack for stack, environment in deployed for mirror in chart_mirrors(environment) if mirror.vendor is not None})
    lines = []
    if secrets:
        lines.append(f"The {SECRET_USER} + {SECRET_PASSWORD} secrets for the OCI chart mirror of {', '.join(secrets)} (`helm registry login`).")
    if clouds:
        lines.append(f"Pull access to the ECR / Artifact Registry / ACR chart mirror of {', '.join(clouds)} for that job's cloud identity.")
    return lines


def chart_login_steps(environment: Environment) -> list[dict[str, Any]]:
    """One `helm registry login` step per OCI chart mirror of the environment (none without one)."""
    return [_login_step(mirror) for mirror in chart_mirrors(environment)]


def login_line(mirror: ChartMirror) -> str:
    """The one shell line that logs Helm in to `mirror`, reading `$REGISTRY` (and `$REGION`, `$ACR_NAME`, or a site
    registry's `$USERNAME`/`$PASSWORD`) from its environment; it needs pipefail to fail when the token command does."""
    if mirror.vendor == "aws":
        return 'aws ecr get-login-password --region "$REGION" | helm registry login --username AWS --password-stdin "$REGISTRY"'
    if mirror.vendor == "azure":
        return (
            'az acr login --name "$ACR_NAME" --expose-token --output tsv --query accessToken'
            f' | helm registry login "$REGISTRY" --username {ACR_TOKEN_USER} --password-stdin'
        )
    if mirror.vendor == "gcp":
        return 'gcloud auth print-access-token | helm registry login "$REGISTRY" --username oauth2accesstoken --password-stdin'
    return 'printf \'%s\' "$PASSWORD" | helm registry login "$REGISTRY" --username "$USERNAME" --password-stdin'


def _login_step(mirror: ChartMirror) -> dict[str, Any]:
    name = f"Helm registry login to {mirror.host} (the chart mirror pulumi's Helm releases pull from)"
    env = {"REGISTRY": mirror.host}
    login = login_line(mirror) + "\n"
    if mirror.vendor == "aws":
        env["REGION"] = mirror.region  # type: ignore[assignment]
    elif mirror.vendor == "azure":
        env["ACR_NAME"] = ACR.match(mirror.hostname)["name"]  # type: ignore[index]
    elif mirror.vendor is None:
        env |= {"USERNAME": f"${{{{ secrets.{SECRET_USER} }}}}", "PASSWORD": f"${{{{ secrets.{SECRET_PASSWORD} }}}}"}
        login = (
            'if [ -z "$USERNAME" ] || [ -z "$PASSWORD" ]; then\n'
            f'  echo "::error::set the {SECRET_USER} and {SECRET_PASSWORD} secrets: the chart mirror $REGISTRY needs a login"\n'
            "  exit 1\n"
            "fi\n"
        ) + login
    # `shell: bash` runs it with pipefail (GitHub's default shell runs `bash -e` only): a failed token command fails the step.
    return {"name": name, "shell": "bash", "env": env, "run": NEEDS_HELM + login}
