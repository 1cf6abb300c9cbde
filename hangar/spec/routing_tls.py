"""TLS on the inference gateway: the certificate its HTTPS listener (port 443) presents.

`gateway.tls` names a certificate the user (or cert-manager) keeps; Hangar never holds the private key:

* `secret`: a Kubernetes Secret of type `kubernetes.io/tls` in the serving namespace (named after the
  environment, where the Gateway is). Every target: Istio's gateway pods (EKS, AKS, on-prem) and GKE's
  managed gateways both take it as the listener's `tls.certificateRefs`.
* `gcp_certificate`: GKE only, a Certificate Manager certificate in the cluster's region (self-managed,
  or Google-managed with DNS authorization), named in the listener's `tls.options`.

`redirect_http` adds a plain HTTP listener on port 80 whose one HTTPRoute answers every request with a redirect
to https (`hangar.components.routing.redirect_route`); not on GKE (`hangar.spec.routing_gke` says why).

Sources, read 2026-12-01: Gateway API v1.5.1 (kubernetes-sigs/gateway-api tag v1.5.1,
config/crd/standard/gateway.networking.k8s.io_gateways.yaml: `listeners[].tls.mode` Terminate,
`certificateRefs` of kind Secret, `options` a map of implementation-specific settings);
https://docs.cloud.google.com/kubernetes-engine/docs/concepts/gateway-security (a GKE Gateway secured by a
Kubernetes Secret needs an HTTPS listener on port 443 with `tls.mode` Terminate and the Secret in
`tls.certificateRefs`); https://cloud.google.com/kubernetes-engine/docs/how-to/secure-gateway ("Google-managed
certificates are compatible with regional Gateways and global Gateways"; certificate maps are for
global Gateways); pulumi_gcp 10.2.0 certificatemanager/certificate.py (a certificate's `location`
defaults to "global", a regional one names its region; the name rule below).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from hangar.spec.base import SpecModel, problem, raise_problems

SECRET_NAME = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"
"""A Kubernetes Secret's name: a DNS subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)."""
CERTIFICATE_MANAGER_NAME = r"^[a-zA-Z][a-zA-Z0-9_-]*$"
"""A Certificate Manager certificate's name, 1-64 characters (pulumi_gcp 10.2.0 certificatemanager.Certificate `name`)."""


class GatewayTls(SpecModel):
    """The certificate the gateway presents on HTTPS port 443; with it the gateway serves no plain HTTP."""

    secret: str | None = Field(
        None,
        min_length=1,
        max_length=253,
        pattern=SECRET_NAME,
        description="A kubernetes.io/tls Secret (tls.crt, tls.key) in the serving namespace (named after the environment), "
        "which you or cert-manager keep; any target.",
    )
    gcp_certificate: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        pattern=CERTIFICATE_MANAGER_NAME,
        description="gcp only: a Certificate Manager certificate in the cluster's region (location = the region), "
        "self-managed or Google-managed.",
    )

    redirect_http: bool = Field(
        False,
        description="Also listen for plain HTTP on port 80 and answer every request there with a redirect to https (308, which keeps "
        "the method: an API call stays a POST). A client that calls http:// still sends its first request, API key included, in "
        "clear text before it is redirected, so it is off by default. Not on GKE, whose gateway claims no method-keeping redirect.",
    )

    @model_validator(mode="after")
    def _one_certificate(self) -> GatewayTls:
        if (self.secret is None) == (self.gcp_certificate is None):
            raise_problems([problem("secret", "give exactly one of secret (a kubernetes.io/tls Secret) or gcp_certificate (GKE)", self.secret)])
        return self


def tls_problems(environment: Any, provider: str) -> list[dict[str, Any]]:
    """A Certificate Manager certificate off GKE; a public gateway in prod without TLS (its API key and prompts in clear text)."""
    gateway = environment.gateway
    problems = []
    if gateway.tls is not None and gateway.tls.gcp_certificate is not None and provider != "gcp":
        problems.append(
            problem(
                "gateway.tls.gcp_certificate",
                f"only for a gcp cluster; the gateway's cluster is {provider}: name a kubernetes.io/tls Secret in tls.secret",
                gateway.tls.gcp_certificate,
            )
        )
    if environment.tier == "prod" and gateway.scope == "public" and gateway.tls is None:
        problems.append(
            problem(
                "gateway.tls",
                "a public endpoint in prod needs TLS (its API key and prompts would cross the internet in clear text): "
                "give tls.secret (a kubernetes.io/tls Secret) or, on GKE, tls.gcp_certificate",
                None,
            )
        )
    return problems
