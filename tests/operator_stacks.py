"""The Pulumi Kubernetes Operator's Stack objects checked against its CRD copy (other objects against Kubernetes' schemas), and an environment as the operator would deploy it: what the gitops tests share."""

from __future__ import annotations

import copy
import functools
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

from hangar.spec import Deployer, Environment
from tests.conftest import ROOT

CRD = ROOT / "schema" / "crds" / "pulumi.com_stacks.yaml"
KUBERNETES_VERSION = "1.33"
REPO = "https://github.com/acme/llm-infra.git"


def _strict(schema: Any) -> Any:
    """The structural schema as JSON Schema that refuses unknown fields (where the CRD does not preserve them)."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _strict(value) for key, value in schema.items() if not key.startswith("x-kubernetes-") and key not in ("format", "default")}
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out and not schema.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


@functools.cache
def stack_schema() -> dict[str, Any]:
    crd = yaml.safe_load(CRD.read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    schema = _strict(copy.deepcopy(version["schema"]["openAPIV3Schema"]))
    schema["properties"]["apiVersion"] = {"enum": ["pulumi.com/v1"]}
    schema["properties"]["kind"] = {"enum": ["Stack"]}
    schema["properties"]["metadata"] = {
        "type": "object",
        "required": ["name", "namespace"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
            "namespace": {"type": "string"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    schema["required"] = ["apiVersion", "kind", "metadata", "spec"]
    return schema


def validate(document: dict[str, Any]) -> None:
    if document["apiVersion"] == "pulumi.com/v1":
        jsonschema.Draft7Validator(stack_schema()).validate(document)
        for rule in yaml.safe_load(CRD.read_text())["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["x-kubernetes-validations"]:
            assert rule["rule"] == "size(self.metadata.name) <= 42", "a new CEL rule in the CRD: teach this test to check it"
            assert len(document["metadata"]["name"]) <= 42, rule["message"]
    else:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


OPERATOR = Deployer(kind="operator")


def as_operator(environment: Environment) -> Environment:
    """The same environment deployed by the operator (kept unvalidated: the choices per tier are what is tested)."""
    return environment.model_copy(update={"deployer": OPERATOR})
