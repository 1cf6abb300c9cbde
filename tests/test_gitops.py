"""`hangar gitops render` and the committed policy configs the GitOps objects and workflows point at.

Every rendered `Stack` is validated against the operator's CRD schema kept in
schema/crds/pulumi.com_stacks.yaml — strictly: a field the CRD does not define is an error, as with
`kubectl apply --validate=strict` — including the CRD's CEL rule on the name length. The built-in
kinds (Namespace, ServiceAccount, ClusterRoleBinding) are validated with kubernetes-validate.
"""

from __future__ import annotations

import copy
import json
import subprocess
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from hangar.cli import app
from hangar.cli.gitops_commands import https_url
from hangar.gitops import GitopsError, GitopsSettings, operator_stacks, render, render_environment
from hangar.stackfile import read_environment, read_project
from tests.conftest import ROOT
from tests.operator_stacks import CRD, REPO, as_operator, stack_schema, validate

runner = CliRunner()
STACKS = read_project(ROOT).stacks()


def rendered(settings: GitopsSettings | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every example as if the operator deployed it, except AKS (its kubeconfig needs kubelogin in the image)."""
    project = read_project(ROOT)
    environments = {name: as_operator(read_environment(project, name)) for name in STACKS if name != "aks-staging"}
    return render(environments, settings or GitopsSettings(repo=REPO))


def stacks_of(files: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["labels"]["hangar.dev/environment"]: doc for docs in files.values() for doc in docs if doc["kind"] == "Stack"}


# --- the schema copy ---------------------------------------------------------------------------------------


def test_the_crd_copy_names_its_source():
    header = CRD.read_text().split("apiVersion:", 1)[0]
    for part in ("github.com/pulumi/pulumi-kubernetes-operator", "operator/config/crd/bases/pulumi.com_stacks.yaml", "commit:", "copied:"):
        assert part in header
    spec = stack_schema()["properties"]["spec"]
    assert {"stack", "projectRepo", "branch", "backend", "envRefs", "secretsProvider", "refresh", "destroyOnFinalize", "workspaceTemplate"} <= set(spec["properties"])


def test_the_validator_refuses_what_the_crd_does_not_define():
    good = stacks_of(rendered())["eks-prod"]
    validate(good)
    for breakage in (
        lambda d: d["spec"].update(policyPack="policies"),  # no such field in the operator
        lambda d: d["spec"].update(refresh="yes"),
        lambda d: d["spec"]["envRefs"]["PULUMI_ACCESS_TOKEN"].update(secret={"name": "x"}),  # key is required
        lambda d: d["spec"].pop("stack"),
        lambda d: d["metadata"].update(name="hangar-" + "x" * 40),
        lambda d: d["spec"].update(workspaceReclaimPolicy="Keep"),
    ):
        broken = copy.deepcopy(good)
        breakage(broken)
        with pytest.raises((jsonschema.ValidationError, AssertionError)):
            validate(broken)


# --- rendering ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        GitopsSettings(repo=REPO),
        GitopsSettings(repo=REPO, backend="s3://acme-pulumi-state?region=us-east-1", repo_dir="infra", git_secret="hangar-git", namespace="llm-infra"),
        GitopsSettings(repo="git@github.com:acme/llm-infra.git", backend="gs://acme-state", secrets_provider="gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k", git_secret="hangar-git", organization="acme"),
    ],
    ids=["pulumi-cloud", "s3-backend", "gcs-kms"],
)
def test_every_rendered_object_validates(settings):
    files = rendered(settings)
    assert set(files) == {"namespace.yaml", "kustomization.yaml", *(f"{name}.yaml" for name in STACKS if name != "aks-staging")}
    for name, documents in files.items():
        if name == "kustomization.yaml":
            assert documents[0]["resources"] == [n for n in files if n != "kustomization.yaml"]
            continue
        for document in documents:
            validate(document)
    assert set(stacks_of(files)) == set(STACKS) - {"aks-staging"}


def test_stack_choices_per_tier_and_secrets_by_reference():
    stacks = stacks_of(rendered(GitopsSettings(repo=REPO, branch="release")))
    for name, stack in stacks.items():
        spec, tier = stack["spec"], stack["metadata"]["labels"]["hangar.dev/tier"]
        assert spec["projectRepo"] == REPO and spec["branch"] == "release" and spec["stack"] == name
        assert spec["refresh"] is True
        assert spec["destroyOnFinalize"] is (tier == "dev"), name  # never for staging or prod
        assert spec["useLocalStackOnly"] is (tier == "prod")
        assert spec["serviceAccountName"] == stack["metadata"]["name"]
        assert spec["envRefs"] == {"PULUMI_ACCESS_TOKEN": {"type": "Secret", "secret": {"name": "hangar-pulumi", "key": "accessToken"}}}
        annotations = stack["metadata"]["annotations"]
        assert (ROOT / annotations["hangar.dev/policy-pack"] / "PulumiPolicy.yaml").is_file()
        assert (ROOT / annotations["hangar.dev/policy-pack-config"]).is_file()
    assert stacks["eks-prod"]["spec"]["destroyOnFinalize"] is False
    assert stacks["gke-dev"]["spec"]["destroyOnFinalize"] is True


def test_no_secret_value_is_ever_inline():
    settings = GitopsSettings(repo=REPO, backend="s3://state", git_secret="hangar-git")
    for documents in rendered(settings).values():
        for document in documents:
            if document["kind"] != "Stack":
                continue
            spec = document["spec"]
            assert "secrets" not in spec and "config" not in spec and "accessTokenSecret" not in spec
            refs = list(spec.get("envRefs", {}).values()) + [spec["gitAuth"]["accessToken"]]
            assert refs and all(ref["type"] == "Secret" and set(ref) == {"type", "secret"} for ref in refs)
            assert spec["envRefs"] == {"PULUMI_CONFIG_PASSPHRASE": {"type": "Secret", "secret": {"name": "hangar-pulumi", "key": "passphrase"}}}


def test_only_an_environment_the_operator_deploys_gets_a_stack():
    project = read_project(ROOT)
    environments = {name: read_environment(project, name) for name in STACKS}
    assert operator_stacks(environments) == ["onprem"]
    files = render({"onprem": environments["onprem"]}, GitopsSettings(repo=REPO))
    assert set(stacks_of(files)) == {"onprem"}
    with pytest.raises(GitopsError, match="stack eks-prod: its deployer is kind self-hosted-runner, not the operator"):
        render_environment("eks-prod", environments["eks-prod"], GitopsSettings(repo=REPO))
    aks = as_operator(environments["aks-staging"])
    with pytest.raises(GitopsError, match="kubelogin, which the pulumi/pulumi: workspace image does not ship"):
        render_environment("aks-staging", aks, GitopsSettings(repo=REPO))
    assert render_environment("aks-staging", aks, GitopsSettings(repo=REPO, image="registry.example.com/pulumi-kubelogin:3.200.0"))[-1]["kind"] == "Stack"


def test_a_name_the_operator_refuses_is_an_error():
    environment = as_operator(read_environment(read_project(ROOT), "gke-dev"))
    with pytest.raises(GitopsError, match="42"):
        render_environment("a-very-long-environment-name-for-the-operator", environment, GitopsSettings(repo=REPO))


# --- the command ----------------------------------------------------------------------------------------------


def test_render_writes_files_with_defaults_from_the_git_remote(tmp_path):
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "--quiet", str(repo)], check=True)
    (repo / "infra" / "stacks").mkdir(parents=True)
    (repo / "infra" / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (repo / "infra" / "stacks" / "Pulumi.gke-dev.yaml").write_text((ROOT / "stacks" / "Pulumi.gke-dev.yaml").read_text())
    (repo / "infra" / "stacks" / "Pulumi.onprem.yaml").write_text((ROOT / "stacks" / "Pulumi.onprem.yaml").read_text())
    subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", "git@github.com:acme/llm-infra.git"], check=True)
    out = tmp_path / "out"
    result = runner.invoke(app, ["gitops", "render", "--out", str(out), "--backend", "s3://acme-state", "-C", str(repo / "infra")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["kustomization.yaml", "namespace.yaml", "onprem.yaml"]  # gke-dev: a GitHub runner deploys it
    documents = list(yaml.safe_load_all((out / "onprem.yaml").read_text()))
    stack = documents[-1]
    assert stack["spec"]["projectRepo"] == "https://github.com/acme/llm-infra.git" and stack["spec"]["repoDir"] == "infra"
    assert stack["spec"]["branch"] == "main" and stack["spec"]["backend"] == "s3://acme-state"
    assert stack["metadata"]["annotations"]["hangar.dev/policy-pack-config"] == "infra/policies/config/onprem.json"
    assert stack["spec"]["workspaceTemplate"]["spec"]["image"].startswith("pulumi/pulumi:3.")
    for document in documents:
        validate(document)


def test_render_prints_and_needs_a_repo(tmp_path):
    printed = runner.invoke(app, ["gitops", "render", "onprem", "--repo", REPO, "-C", str(ROOT)])
    assert printed.exit_code == 0, printed.output
    documents = list(yaml.safe_load_all(printed.stdout))
    assert [d["kind"] for d in documents] == ["Namespace", "ServiceAccount", "ClusterRoleBinding", "Stack"]
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.gke-dev.yaml").write_text((ROOT / "stacks" / "Pulumi.gke-dev.yaml").read_text())
    nothing = runner.invoke(app, ["gitops", "render", "--repo", REPO, "-C", str(tmp_path)])
    assert nothing.exit_code == 2 and "no stack declares `deployer: {kind: operator}`" in nothing.output
    (tmp_path / "stacks" / "Pulumi.onprem.yaml").write_text((ROOT / "stacks" / "Pulumi.onprem.yaml").read_text())
    missing = runner.invoke(app, ["gitops", "render", "-C", str(tmp_path)])
    assert missing.exit_code == 2 and "--repo" in missing.output
    refused = runner.invoke(app, ["gitops", "render", "gke-dev", "--repo", REPO, "-C", str(tmp_path)])
    assert refused.exit_code == 2 and "stack gke-dev: its deployer is kind github-hosted, not the operator" in refused.output


@pytest.mark.parametrize(
    ("remote", "url"),
    [
        ("git@github.com:acme/llm-infra.git", "https://github.com/acme/llm-infra.git"),
        ("ssh://git@gitlab.example.com:2222/platform/llm.git", "https://gitlab.example.com/platform/llm.git"),
        ("https://x-access-token:ghs_abc@github.com/acme/llm-infra.git", "https://github.com/acme/llm-infra.git"),
        ("https://github.com/acme/llm-infra.git", "https://github.com/acme/llm-infra.git"),
    ],
)
def test_https_url(remote, url):
    assert https_url(remote) == url


# --- the committed policy configs -------------------------------------------------------------------------


def test_policy_configs_are_current():
    """policies/config/<env>.json is exactly what `hangar policy-config <env>` prints: regenerate, never hand-edit."""
    committed = sorted(p.stem for p in (ROOT / "policies" / "config").glob("*.json"))
    assert committed == STACKS, "one policy config per stack file: run `hangar policy-config STACK > policies/config/STACK.json`"
    for stack in STACKS:
        result = runner.invoke(app, ["policy-config", stack, "-C", str(ROOT)])
        assert result.exit_code == 0, result.output
        path = ROOT / "policies" / "config" / f"{stack}.json"
        assert path.read_text() == result.stdout, f"{path.name} is stale: hangar policy-config {stack} > {path.relative_to(ROOT)}"
        json.loads(path.read_text())
