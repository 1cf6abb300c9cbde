"""`hangar render`: every example stack's Kubernetes objects as files that validate, never a secret value.

The manifests are read back from disk and validated strictly for their cluster's Kubernetes version
(`tests.kube_schemas`: the OpenAPI schema of that version for built-in kinds, the CRD schemas in
`schema/crds/` for KEDA and LeaderWorkerSet). The layout, the Secret handling, the stale-file rule
and the command's exit codes are checked here too.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest
import yaml
from typer.testing import CliRunner

from hangar.cli import app
from hangar.plan import plan_program
from hangar.records import SECRET
from hangar.render import (
    HELM_RELEASES_FILE,
    MARKER,
    SECRET_SOURCE,
    VALUES_NOT_RENDERED,
    RenderError,
    is_cluster_scoped,
    render_plan,
    write_rendering,
)
from tests import kube_schemas
from tests.conftest import EXAMPLE_STACKS, ROOT
from tests.serving_plans import (
    API_KEY,
    HF_TOKEN,
    KUBECONFIG,
    example_environment,
    example_plan,
    kube_records,
    plan_environment,
    raw_environment,
)

NEVER = (HF_TOKEN, API_KEY, "kube-token-must-never-appear", KUBECONFIG.strip().splitlines()[-1])
"""What a rendered file must never hold: the secrets the example plans are given (and the kubeconfig)."""

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def written(directory: Path) -> dict[str, str]:
    """Every file under `directory` (relative POSIX path -> text)."""
    return {path.relative_to(directory).as_posix(): path.read_text(encoding="utf-8") for path in sorted(directory.rglob("*")) if path.is_file()}


def manifests(directory: Path) -> dict[str, dict[str, Any]]:
    """Every manifest under `directory` (relative path -> document); not the Helm summary, not the marker."""
    return {path: yaml.safe_load(text) for path, text in written(directory).items() if path.endswith(".yaml") and path != HELM_RELEASES_FILE}


def validation_failures(directory: Path, versions: dict[str, str]) -> list[str]:
    """Each manifest validated for the version of the cluster it is filed under."""
    failures = []
    for path, document in manifests(directory).items():
        cluster = path.split("/")[0]
        failures += [f"{path}: {problem}" for problem in kube_schemas.problems(document, versions[cluster])]
    return failures


# --- every example ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_every_example_renders_one_valid_manifest_per_object(stack, tmp_path):
    plan = example_plan(stack)
    rendering = render_plan(plan)
    target = write_rendering(rendering, tmp_path)
    assert target == tmp_path / stack
    environment = example_environment(stack)
    versions = {cluster.name: cluster.kubernetes_version for cluster in environment.clusters}
    documents = manifests(target)
    assert len(documents) == len(kube_records(plan)) == len(rendering.objects)  # one file per object
    assert set(rendering.clusters) <= set(versions)
    assert validation_failures(target, versions) == []
    for path, document in documents.items():
        cluster, folder, name = path.split("/")
        assert name == f"{document['kind'].lower()}-{document['metadata']['name']}.yaml"
        assert folder == ("_cluster" if is_cluster_scoped(document["kind"]) else document["metadata"]["namespace"])
    assert {"ScaledObject", "Namespace", "Service", "NetworkPolicy", "PodDisruptionBudget", "Secret"} <= {d["kind"] for d in documents.values()}
    assert any(d["kind"] in ("StatefulSet", "Deployment", "LeaderWorkerSet") for d in documents.values())
    assert rendering.files() == {path: text for path, text in written(target).items() if path != MARKER}  # the disk holds the rendering


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_no_secret_value_is_ever_written(stack, tmp_path):
    target = write_rendering(render_plan(example_plan(stack)), tmp_path)
    for path, text in written(target).items():
        assert not [secret for secret in NEVER if secret in text], path
    secrets = [d for d in manifests(target).values() if d["kind"] == "Secret"]
    assert len(secrets) == len(example_environment(stack).deployments)  # one Hugging Face token Secret per server
    for secret in secrets:
        assert "data" not in secret and "stringData" not in secret
        annotations = secret["metadata"]["annotations"]
        assert annotations[SECRET_SOURCE] == "token=hangar:huggingface_token"
        assert annotations[VALUES_NOT_RENDERED] == (
            "hangar render writes no secret values; Pulumi sets them from its secret config (token=hangar:huggingface_token)"
        )


def test_helm_releases_are_a_summary_outside_the_cluster_directories(tmp_path):
    target = write_rendering(render_plan(example_plan("onprem")), tmp_path)
    summary = yaml.safe_load((target / HELM_RELEASES_FILE).read_text())
    assert [(r["cluster"], r["name"], r["chart"], r["version"], r["namespace"]) for r in summary["releases"]] == [
        ("dc1", "gpu-operator", "gpu-operator", "v26.7.0", "gpu-operator"),
        ("dc1", "keda", "keda", "2.20.2", "keda"),
        ("dc1", "kube-prometheus-stack", "kube-prometheus-stack", "88.5.3", "monitoring"),
    ]
    assert summary["releases"][1]["repository"] == "https://kedacore.github.io/charts"
    assert summary["releases"][0]["values"]["dcgmExporter"] == {"enabled": True}
    assert not list((target / "dc1").rglob(HELM_RELEASES_FILE))


def test_shapes_the_examples_do_not_cover_render_valid_too(tmp_path):
    """A LeaderWorkerSet, prompt templates (multi-line text), an API key Secret, an HPA instead of KEDA."""
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "answer.j2").write_text("{# variables: question #}\nQ: {{ question }}\nA:\n")
    environment = raw_environment("eks-prod")
    environment["clusters"][0]["replica_autoscaler"] = "hpa"
    environment["deployments"][0].update(
        tensor_parallel=16, latency_class="interactive", autoscaling={"min_replicas": 1, "max_replicas": 1}, prompt_templates_dir=str(prompts), exposure={"auth": "api-key"}
    )
    plan = plan_environment(environment, {"hangar:api_key": API_KEY})
    rendering = render_plan(plan)
    target = write_rendering(rendering, tmp_path / "out")
    documents = manifests(target)
    assert {"LeaderWorkerSet", "ConfigMap", "HorizontalPodAutoscaler"} <= {d["kind"] for d in documents.values()}
    assert "ScaledObject" not in {d["kind"] for d in documents.values()}
    assert validation_failures(target, {"prod": "1.33"}) == []
    (config_map,) = [
        d for d in documents.values()
        if d["kind"] == "ConfigMap" and d["metadata"]["name"] != "hangar-prometheus-adapter-rules" and "grafana_dashboard" not in d["metadata"].get("labels", {})
    ]  # fmt: skip
    assert config_map["data"]["answer.j2"] == "{# variables: question #}\nQ: {{ question }}\nA:\n"
    assert "answer.j2: |\n" in next(t for p, t in written(target).items() if p.endswith(f"configmap-{config_map['metadata']['name']}.yaml"))
    secrets = {d["metadata"]["name"]: d for d in documents.values() if d["kind"] == "Secret"}
    assert secrets["llama-70b-api-key"]["metadata"]["annotations"][SECRET_SOURCE] == "key=hangar:api_key"
    assert all("stringData" not in s and "data" not in s for s in secrets.values())
    for path, text in written(target).items():
        assert not [secret for secret in NEVER if secret in text], path
    # LWS, no KEDA on an hpa cluster; the cluster's own charts (shared weight store's CSI driver, GPU device plugin, node autoscaler,
    # in-cluster metrics pipeline) all the same
    charts = sorted(r["chart"] for r in rendering.helm_releases)
    assert charts == ["aws-efs-csi-driver", "cluster-autoscaler", "kube-prometheus-stack", "nvidia-device-plugin", "oci://registry.k8s.io/lws/charts/lws"]


# --- the layout rules, on a program of its own -----------------------------------------------------------


def _program() -> None:
    cluster = pulumi.ComponentResource("test:index:Cluster", "edge")
    provider = k8s.Provider("edge-k8s", kubeconfig="{}", namespace="apps", opts=pulumi.ResourceOptions(parent=cluster))
    kube = pulumi.ResourceOptions(provider=provider)
    k8s.core.v1.ConfigMap("settings", metadata={"name": "settings"}, data={"mode": "fast"}, opts=kube)  # no namespace: the provider's
    k8s.rbac.v1.ClusterRole("reader", metadata={"name": "reader"}, rules=[], opts=kube)
    k8s.core.v1.Secret("plain", metadata={"name": "plain", "namespace": "apps"}, string_data={"password": "visible-in-the-program"}, opts=kube)
    k8s.core.v1.ServiceAccount("unnamed", opts=kube)
    k8s.core.v1.ConfigMap("elsewhere", metadata={"name": "settings", "namespace": "other"}, data={"a": "b"})  # the default provider


def test_namespaces_cluster_scope_names_and_providers():
    rendering = render_plan(plan_program(_program))
    files = rendering.files()
    assert sorted(files) == [
        "default/other/configmap-settings.yaml",
        "edge/_cluster/clusterrole-reader.yaml",
        "edge/apps/configmap-settings.yaml",
        "edge/apps/secret-plain.yaml",
        "edge/apps/serviceaccount-unnamed.yaml",
    ]
    assert yaml.safe_load(files["edge/apps/configmap-settings.yaml"])["metadata"]["namespace"] == "apps"
    assert "namespace" not in yaml.safe_load(files["edge/_cluster/clusterrole-reader.yaml"])["metadata"]
    assert "visible-in-the-program" not in json.dumps(files)  # a Secret's values are never written, secret in the plan or not
    assert yaml.safe_load(files["edge/apps/secret-plain.yaml"])["metadata"]["annotations"][VALUES_NOT_RENDERED] == (
        "hangar render writes no secret values; Pulumi sets them from the program's secret inputs"
    )
    assert rendering.notes == (
        "ServiceAccount/unnamed: no metadata.name in the program (Pulumi adds a random suffix when it creates it); written as 'unnamed'",
    )


def test_two_objects_in_one_file_and_unsafe_names_are_refused():
    def clash() -> None:
        k8s.core.v1.ConfigMap("one", metadata={"name": "same", "namespace": "ns"})
        k8s.core.v1.ConfigMap("two", metadata={"name": "same", "namespace": "ns"})

    with pytest.raises(RenderError) as error:
        render_plan(plan_program(clash))
    assert error.value.problems == [
        "default/ns/configmap-same.yaml: written by 2 objects: one (kubernetes:core/v1:ConfigMap), two (kubernetes:core/v1:ConfigMap)"
    ]
    with pytest.raises(RenderError, match="not a safe file name"):
        render_plan(plan_program(lambda: k8s.core.v1.ConfigMap("up", metadata={"name": "..", "namespace": "ns"})))


# --- the directory -----------------------------------------------------------------------------------


def test_a_render_replaces_its_own_directory_and_nothing_else(tmp_path):
    rendering = render_plan(example_plan("gke-dev"))
    target = write_rendering(rendering, tmp_path)
    stale = target / "dev" / "gke-dev" / "deployment-old-model.yaml"
    stale.write_text("kind: Deployment\n")
    with (target / MARKER).open("a") as manifest:  # as an earlier render of a stack that still had that object listed it
        manifest.write("dev/gke-dev/deployment-old-model.yaml\n")
    neighbour = tmp_path / "eks-prod" / "keep.yaml"
    neighbour.parent.mkdir()
    neighbour.write_text("mine\n")
    (tmp_path / "README.md").write_text("mine\n")
    write_rendering(rendering, tmp_path)
    assert not stale.exists()  # an object the stack no longer has does not linger
    assert neighbour.read_text() == "mine\n" and (tmp_path / "README.md").read_text() == "mine\n"


def test_a_directory_an_earlier_render_did_not_write_is_refused(tmp_path):
    rendering = render_plan(example_plan("gke-dev"))
    (tmp_path / "gke-dev").mkdir()
    (tmp_path / "gke-dev" / "notes.txt").write_text("mine\n")
    with pytest.raises(RenderError, match=r"gke-dev: exists, is not empty and was not written by hangar render \(no .hangar-render\)"):
        write_rendering(rendering, tmp_path)
    assert (tmp_path / "gke-dev" / "notes.txt").read_text() == "mine\n"
    (tmp_path / "gke-dev" / "notes.txt").unlink()
    write_rendering(rendering, tmp_path)  # an empty directory is fine


# --- the command -------------------------------------------------------------------------------------


def test_render_writes_the_stack_and_lists_the_files(tmp_path):
    result = run("render", "eks-prod", "--out", str(tmp_path), "-C", str(ROOT))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"wrote 14 manifests of stack eks-prod to {tmp_path}/eks-prod/ (clusters: prod)"
    assert "  prod/eks-prod/deployment-llama-70b.yaml" in lines and "  helm-releases.yaml" in lines
    # the shared weight store: its cluster-scoped volume, the claim in the serving namespace, the Job that stages the weights
    assert "  prod/_cluster/persistentvolume-hangar-weights-eks-prod.yaml" in lines
    assert "  prod/eks-prod/persistentvolumeclaim-hangar-weights.yaml" in lines and "  prod/eks-prod/job-llama-70b-weights.yaml" in lines
    assert "  prod/eks-prod/networkpolicy-llama-70b-weights.yaml" in lines
    assert "  prod/monitoring/configmap-hangar-dashboard-eks-prod.yaml" in lines  # the Grafana dashboard
    assert "  prod/_cluster/storageclass-gp3.yaml" in lines
    assert validation_failures(tmp_path / "eks-prod", {"prod": "1.33"}) == []
    again = run("render", "eks-prod", "--out", str(tmp_path), "-C", str(ROOT))
    assert again.exit_code == 0 and again.stdout == result.stdout


def test_render_with_a_secret_in_the_stack_file_writes_no_value(tmp_path):
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, project / name)
    ciphertext = "v1:AAABBBCCCsecretciphertextmustneverappear=="
    stack_file = (ROOT / "stacks" / "Pulumi.gke-dev.yaml").read_text()
    (project / "stacks" / "Pulumi.gke-dev.yaml").write_text(stack_file.replace("config:\n", f"config:\n  hangar:huggingface_token:\n    secure: {ciphertext}\n", 1))
    result = run("render", "gke-dev", "--out", str(tmp_path / "out"), "-C", str(project))
    assert result.exit_code == 0, result.output
    files = written(tmp_path / "out" / "gke-dev")
    secret = yaml.safe_load(files["dev/gke-dev/secret-qwen-7b-hf-token.yaml"])
    assert "stringData" not in secret and secret["metadata"]["annotations"][SECRET_SOURCE] == "token=hangar:huggingface_token"
    for text in files.values():
        assert ciphertext not in text and "not readable offline" not in text and SECRET not in text


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["nope"], "error: {root}/stacks/Pulumi.nope.yaml: no such stack file; stacks here: " + ", ".join(sorted(EXAMPLE_STACKS))),
        (["eks-prod", "--out", "{tmp}/file"], "error: stack eks-prod: --out {tmp}/file: not a directory"),
        (["gke-dev", "--out", "{tmp}"], "error: stack gke-dev: {tmp}/gke-dev: exists, is not empty and was not written by hangar render (no .hangar-render); remove it or choose another --out"),
        (["broken", "--out", "{tmp}", "-C", "{root}/tests/foreign_program"], "error: stack broken: the tiny program was asked to fail"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_line(tmp_path, args, line):
    (tmp_path / "file").write_text("")
    (tmp_path / "gke-dev").mkdir()
    (tmp_path / "gke-dev" / "mine.yaml").write_text("")
    args = [arg.format(tmp=tmp_path, root=ROOT) for arg in args]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "out")]
    if "-C" not in args:
        args += ["-C", str(ROOT)]
    result = run("render", *args)
    assert result.exit_code == 2
    assert result.stderr.strip() == line.format(tmp=tmp_path, root=ROOT)
    assert "Traceback" not in result.output
    assert (tmp_path / "gke-dev" / "mine.yaml").exists()


def test_a_bad_stack_config_exits_2_and_writes_nothing(tmp_path):
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    (project / "stacks" / "Pulumi.bad.yaml").write_text("config:\n  hangar:environment:\n    name: Bad_Name\n")
    result = run("render", "bad", "--out", str(tmp_path / "out"), "-C", str(project))
    assert result.exit_code == 2
    assert all(line.startswith(f"error: {project}/stacks/Pulumi.bad.yaml: hangar:environment.") for line in result.stderr.strip().splitlines())
    assert not (tmp_path / "out").exists()


def test_render_without_out_is_a_usage_error():
    result = run("render", "eks-prod", "-C", str(ROOT))
    assert result.exit_code == 2
    assert "--out" in result.output


def test_a_program_that_is_not_hangars_renders_through_the_default_provider(tmp_path):
    result = run("render", "dev", "--out", str(tmp_path), "-C", str(ROOT / "tests" / "foreign_program"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == ["  default/_cluster/namespace-search-dev.yaml"]
    assert validation_failures(tmp_path / "dev", {"default": "1.33"}) == []


def test_a_program_without_kubernetes_objects_renders_nothing_and_says_so(tmp_path):
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: empty\nruntime: python\nstackConfigDir: stacks\n")
    (project / "__main__.py").write_text("import pulumi\n\npulumi.export('nothing', 0)\n")
    (project / "stacks" / "Pulumi.dev.yaml").write_text("config: {}\n")
    result = run("render", "dev", "--out", str(tmp_path / "out"), "-C", str(project))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "note: the stack's plan has no Kubernetes objects"
    assert list(written(tmp_path / "out" / "dev")) == [MARKER]
