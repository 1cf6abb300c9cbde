"""Validate a Kubernetes manifest for a cluster's version, offline, as strictly as the API server would.

Built-in kinds against the Kubernetes OpenAPI schema of the cluster's `kubernetes_version`, as
`kubernetes-validate` ships it, with unknown fields as errors; custom resources (KEDA ScaledObject and
TriggerAuthentication, the HTTP add-on's InterceptorRoute, LeaderWorkerSet, PodMonitor, PrometheusRule, PodMonitoring, Rules, Azure Monitor's PodMonitor, InferencePool, InferenceObjective, Gateway, HTTPRoute, GKE's HealthCheckPolicy, GCPBackendPolicy and GCPRoutingExtension, Istio's EnvoyFilter and DestinationRule) against the CRD schemas kept in `schema/crds/`, made strict the same way, with
their embedded Kubernetes types resolved against that version's definitions. Shared by
`test_manifests` (the plans' objects) and `test_render` (the files `hangar render` writes).
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import referencing
import yaml

from tests.conftest import ROOT

ValidationErrors = (jsonschema.ValidationError, kubernetes_validate.ValidationError)

CRDS = ROOT / "schema" / "crds"
CUSTOM = {
    ("keda.sh/v1alpha1", "ScaledObject"): (CRDS / "keda.sh_scaledobjects.yaml", "v1alpha1"),
    ("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet"): (CRDS / "leaderworkerset.x-k8s.io_leaderworkersets.yaml", "v1"),
    ("keda.sh/v1alpha1", "TriggerAuthentication"): (CRDS / "keda.sh_triggerauthentications.yaml", "v1alpha1"),
    ("http.keda.sh/v1beta1", "InterceptorRoute"): (CRDS / "http.keda.sh_interceptorroutes.yaml", "v1beta1"),
    ("monitoring.coreos.com/v1", "PodMonitor"): (CRDS / "monitoring.coreos.com_podmonitors.yaml", "v1"),
    ("monitoring.coreos.com/v1", "PrometheusRule"): (CRDS / "monitoring.coreos.com_prometheusrules.yaml", "v1"),
    ("monitoring.googleapis.com/v1", "PodMonitoring"): (CRDS / "monitoring.googleapis.com_podmonitorings.yaml", "v1"),
    ("monitoring.googleapis.com/v1", "Rules"): (CRDS / "monitoring.googleapis.com_rules.yaml", "v1"),
    ("azmonitoring.coreos.com/v1", "PodMonitor"): (CRDS / "azmonitoring.coreos.com_podmonitors.yaml", "v1"),
    ("inference.networking.k8s.io/v1", "InferencePool"): (CRDS / "inference.networking.k8s.io_inferencepools.yaml", "v1"),
    ("inference.networking.x-k8s.io/v1alpha2", "InferenceObjective"): (CRDS / "inference.networking.x-k8s.io_inferenceobjectives.yaml", "v1alpha2"),
    ("gateway.networking.k8s.io/v1", "Gateway"): (CRDS / "gateway.networking.k8s.io_gateways.yaml", "v1"),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"): (CRDS / "gateway.networking.k8s.io_httproutes.yaml", "v1"),
    ("networking.gke.io/v1", "HealthCheckPolicy"): (CRDS / "networking.gke.io_healthcheckpolicies.yaml", "v1"),
    ("networking.gke.io/v1", "GCPBackendPolicy"): (CRDS / "networking.gke.io_gcpbackendpolicies.yaml", "v1"),
    ("networking.gke.io/v1", "GCPRoutingExtension"): (CRDS / "networking.gke.io_gcproutingextensions.yaml", "v1"),
    ("networking.istio.io/v1alpha3", "EnvoyFilter"): (CRDS / "networking.istio.io_envoyfilters.yaml", "v1alpha3"),
    ("networking.istio.io/v1", "DestinationRule"): (CRDS / "networking.istio.io_destinationrules.yaml", "v1"),
}
DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"


def _strict(schema: Any) -> Any:
    """A CRD's structural schema as strict JSON Schema: no unknown fields, int-or-string, `$ref`s to Kubernetes types."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _strict(value) for key, value in schema.items() if key not in ("x-kubernetes-list-type", "x-kubernetes-map-type", "format", "default")}
    if isinstance(schema.get("properties"), dict):  # a field may be named like a dropped keyword (GKE policies' `default`)
        out["properties"] = {name: _strict(value) for name, value in schema["properties"].items()}
    if "$ref" in out:
        out["$ref"] = out["$ref"].replace("#/definitions/", f"{DEFINITIONS_ID}#/$defs/")
    if out.pop("x-kubernetes-int-or-string", False):
        out = {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


@functools.cache
def _definitions(kubernetes_version: str) -> referencing.Resource:
    package = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    versions = sorted((p for p in package.glob("v*-local-strict")), key=lambda p: tuple(int(x) for x in p.name[1:].split("-")[0].split(".")))
    chosen = [p for p in versions if tuple(int(x) for x in p.name[1:].split("-")[0].split(".")[:2]) <= tuple(int(x) for x in kubernetes_version.split("."))][-1]
    return referencing.Resource.from_contents(yaml.safe_load((chosen / "_definitions.json").read_text()))


@functools.cache
def _crd_schema(path: Path, version: str) -> dict[str, Any]:
    crd = yaml.safe_load(path.read_text())
    (served,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    schema = _strict(copy.deepcopy(served["schema"]["openAPIV3Schema"]))
    schema["properties"]["metadata"] = {"$ref": f"{DEFINITIONS_ID}#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
    schema["properties"]["apiVersion"] = {"enum": [f"{crd['spec']['group']}/{version}"]}
    schema["properties"]["kind"] = {"enum": [crd["spec"]["names"]["kind"]]}
    schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
    return schema


def validate_custom(document: dict[str, Any], kubernetes_version: str) -> None:
    path, version = CUSTOM[(document["apiVersion"], document["kind"])]
    registry = referencing.Registry().with_resource(DEFINITIONS_ID, _definitions(kubernetes_version))
    jsonschema.Draft202012Validator(_crd_schema(path, version), registry=registry).validate(document)


def validate(document: dict[str, Any], kubernetes_version: str) -> None:
    if (document["apiVersion"], document["kind"]) in CUSTOM:
        validate_custom(document, kubernetes_version)
    else:
        kubernetes_validate.validate(document, kubernetes_version, strict=True)


def problems(document: dict[str, Any], kubernetes_version: str) -> list[str]:
    """What is wrong with a manifest for that version, one line per problem ([] when it validates)."""
    try:
        validate(document, kubernetes_version)
    except ValidationErrors as error:
        return [f"{error.message} at {'/'.join(map(str, error.absolute_path))}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [error.message]
    return []
