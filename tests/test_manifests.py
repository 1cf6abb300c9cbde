"""Every Kubernetes object every example stack plans is a valid manifest for its cluster's version.

Built-in kinds are validated strictly (unknown fields are errors) against the Kubernetes OpenAPI
schema of the cluster's `kubernetes_version`, as `kubernetes-validate` ships it; custom resources
(KEDA ScaledObject, LeaderWorkerSet) against the CRD schemas kept in `schema/crds/`, made strict the
same way, with their embedded Kubernetes types resolved against that version's definitions
(`tests.kube_schemas`). A Secret is validated as `hangar render` writes it, without its values.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
from hangar.components.environment import TARGETS
from hangar.components.metrics import KUBE_PROMETHEUS_STACK

from hangar.keda import KEDA_VERSION
from hangar.records import SECRET
from hangar.render import manifest, without_secret_values
from hangar.spec.clusters import DEFAULT_KUBERNETES_VERSIONS
from tests.conftest import EXAMPLE_STACKS
from tests.kube_schemas import CRDS, CUSTOM, validate
from tests.serving_plans import (
    API_KEY,
    example_environment,
    example_plan,
    kube_records,
    plan_environment,
    raw_environment,
    workloads,
)


def _cluster_versions(stack: str) -> dict[str, str]:
    """Kubernetes provider name (`<cluster>-k8s`) -> the cluster's Kubernetes version."""
    return {f"{cluster.name}-k8s": cluster.kubernetes_version for cluster in example_environment(stack).clusters}


def _serving_clusters(stack: str) -> set[str]:
    environment = example_environment(stack)
    return {environment.cluster_of(d).name for d in environment.deployments if environment.cluster_of(d).provider in TARGETS}


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_every_manifest_of_every_example_validates_strictly(stack):
    plan = example_plan(stack)
    versions = _cluster_versions(stack)
    records = kube_records(plan)
    if not _serving_clusters(stack):
        pytest.fail(f"{stack}: no deployment runs on a built target; the example stacks should all serve a model")
    failures = []
    for record in records:
        provider = record.provider.split("::")[3]
        document = without_secret_values(manifest(record))
        try:
            validate(document, versions[provider])
        except (jsonschema.ValidationError, kubernetes_validate.ValidationError) as error:
            failures.append(f"{document['kind']}/{record.name}: {error.message} at {'/'.join(map(str, error.absolute_path))}")
        except kubernetes_validate.SchemaNotFoundError as error:
            failures.append(f"{document['kind']}/{record.name}: {error.message}")
    assert not failures, "\n".join(failures)
    assert workloads(plan), f"{stack}: no model server workload"
    assert any(r.inputs.get("kind") == "ScaledObject" for r in records)


def test_the_crd_schemas_are_strict_and_catch_mistakes():
    scaled = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "x"},
        "spec": {"scaleTargetRef": {"name": "x"}, "triggers": [{"type": "prometheus", "metadata": {"query": "q", "threshold": "1"}}]},
    }
    validate(scaled, "1.33")
    with pytest.raises(jsonschema.ValidationError, match="minReplicas"):
        validate({**scaled, "spec": {**scaled["spec"], "minReplicas": 1}}, "1.33")  # the HPA spelling, not KEDA's
    with pytest.raises(jsonschema.ValidationError):
        validate({**scaled, "spec": {**scaled["spec"], "triggers": [{"type": "prometheus", "metadata": {"threshold": 1}}]}}, "1.33")
    lws = {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "metadata": {"name": "x"},
        "spec": {"leaderWorkerTemplate": {"size": 2, "workerTemplate": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}},
    }
    validate(lws, "1.33")
    with pytest.raises(jsonschema.ValidationError, match="imagePullPolice"):  # a typo inside the embedded PodSpec
        broken = copy.deepcopy(lws)
        broken["spec"]["leaderWorkerTemplate"]["workerTemplate"]["spec"]["containers"][0]["imagePullPolice"] = "Always"
        validate(broken, "1.33")
    with pytest.raises(jsonschema.ValidationError):
        validate({**lws, "spec": {**lws["spec"], "startupPolicy": "Whenever"}}, "1.33")


def test_each_crd_schema_names_its_source_and_version():
    for path, _ in CUSTOM.values():
        header = path.read_text().split("apiVersion:", 1)[0]
        assert "Source: https://github.com/" in header and "commit" in header and ("Licence: Apache-2.0" in header or "Licence: MIT" in header)
    for crd in ("keda.sh_scaledobjects.yaml", "keda.sh_triggerauthentications.yaml"):
        assert f"KEDA {KEDA_VERSION}" in (CRDS / crd).read_text()
    for crd in ("monitoring.coreos.com_podmonitors.yaml", "monitoring.coreos.com_prometheusrules.yaml"):
        assert f"kube-prometheus-stack chart {KUBE_PROMETHEUS_STACK.version}" in (CRDS / crd).read_text()
    assert "LWS v0.8.0" in (CRDS / "leaderworkerset.x-k8s.io_leaderworkersets.yaml").read_text()


def test_secrets_are_manifests_without_values():
    for stack in EXAMPLE_STACKS:
        for record in kube_records(example_plan(stack)):
            if record.inputs.get("kind") == "Secret":
                assert record.inputs.get("stringData", SECRET) == SECRET and "data" not in record.inputs


def _variants(tmp_path: Path) -> dict[str, tuple[dict[str, Any], dict[str, str]]]:
    """Shapes the examples do not cover: multi-host GPU and TPU, node-local cache, load balancers, prompts, api-key."""
    gpu = raw_environment("eks-prod")
    gpu["deployments"][0].update(tensor_parallel=16, latency_class="interactive", autoscaling={"min_replicas": 1, "max_replicas": 1}, exposure={"allowed_cidrs": ["10.8.0.0/16"]})
    tpu = raw_environment("gke-tpu")
    tpu["clusters"][0]["tpu_slices"][0].update(name="v5e-4x4", topology="4x4", min_slices=0, max_slices=1)
    tpu["deployments"][0].update(pool="v5e-4x4", autoscaling={"min_replicas": 1, "max_replicas": 1})
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "answer.j2").write_text("{# variables: question #}\nQ: {{ question }}\n")
    local = raw_environment("gke-dev")
    local["deployments"][0].update(caching={"weight_cache": "node-local"}, prompt_templates_dir=str(prompts), exposure={"scope": "public", "auth": "api-key"})
    azure = raw_environment("aks-staging")
    azure["deployments"][0].update(caching={"weight_cache": "none"}, exposure={"allowed_cidrs": ["10.9.0.0/16"], "allowed_namespaces": ["apps"]})
    return {"gpu-lws": (gpu, {}), "tpu-lws": (tpu, {}), "node-local": (local, {"hangar:api_key": API_KEY}), "no-cache": (azure, {})}


def test_the_shapes_the_examples_do_not_cover_validate_strictly_too(tmp_path):
    failures = []
    kinds = set()
    for variant, (environment, secrets) in _variants(tmp_path).items():
        cluster = environment["clusters"][0]
        version = cluster.get("kubernetes_version", DEFAULT_KUBERNETES_VERSIONS[cluster["provider"]])
        for record in kube_records(plan_environment(environment, secrets)):
            document = without_secret_values(manifest(record))
            kinds.add(document["kind"])
            try:
                validate(document, version)
            except (jsonschema.ValidationError, kubernetes_validate.ValidationError) as error:
                failures.append(f"{variant}: {document['kind']}/{record.name}: {error.message} at {'/'.join(map(str, error.absolute_path))}")
    assert not failures, "\n".join(failures)
    assert {"LeaderWorkerSet", "Deployment", "ConfigMap", "ScaledObject", "Service"} <= kinds
