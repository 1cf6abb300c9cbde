"""A secret never leaves: not in an error, not in a report, not in a rendered object.

Before (issue 16): a Hugging Face token put under `hangar:environment` came back verbatim in the
error ("unknown key ...; got 'hf_...'"), a plaintext token in a stack file was planned without a
word, and `hangar gitops render --repo https://user:TOKEN@...` wrote the token into every Stack.
The canary runs every command in every output format over stacks that carry a credential in the
wrong place, and looks for the credential in everything they print and write.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hangar.cli import app
from hangar.stackfile import StackConfigError, environment_from_config, read_project, read_stack_config, secret_looking
from tests.conftest import ROOT

CANARY = "hf_CANARYxq7Z3kP9rT2vW8yB4nM6"
runner = CliRunner()


def onprem() -> dict:
    return yaml.safe_load((ROOT / "stacks" / "Pulumi.onprem.yaml").read_text())


def project_with(tmp_path: Path, stacks: dict[str, dict]) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "stacks").mkdir()
    for name, document in stacks.items():
        (tmp_path / "stacks" / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump(document))
    return tmp_path


def leaking_stacks() -> dict[str, dict]:
    """Stack files with the canary where it does not belong: under the environment, in a pool, and in plain text."""
    wrong_key = onprem()
    wrong_key["config"]["hangar:environment"]["huggingface_token"] = CANARY
    in_a_pool = onprem()
    in_a_pool["config"]["hangar:environment"]["clusters"][0]["node_pools"][0]["api_key"] = CANARY
    plaintext = onprem()
    plaintext["config"]["hangar:huggingface_token"] = CANARY
    plaintext_key = onprem()
    plaintext_key["config"]["hangar:api_key"] = CANARY
    as_a_name = onprem()
    as_a_name["config"]["hangar:environment"]["clusters"][0]["kubeconfig_secret"] = CANARY
    return {"wrong-key": wrong_key, "in-a-pool": in_a_pool, "plaintext": plaintext, "plaintext-key": plaintext_key, "as-a-name": as_a_name}


def test_a_token_under_the_wrong_key_is_named_never_echoed():
    raw = onprem()["config"]["hangar:environment"]
    raw["huggingface_token"] = CANARY
    with pytest.raises(StackConfigError) as error:
        environment_from_config(raw, "s.yaml")
    assert str(error.value) == (
        "s.yaml: hangar:environment.huggingface_token: unknown key (value hidden); see `hangar schema` for the keys allowed here; "
        "a credential belongs in the secret stack config, not here: `pulumi config set --secret huggingface_token <value>`"
    )


def test_a_plaintext_token_in_a_stack_file_is_refused_like_a_plaintext_kubeconfig(tmp_path: Path):
    root = project_with(tmp_path, {"plain": leaking_stacks()["plaintext"]})
    with pytest.raises(StackConfigError) as error:
        read_stack_config(read_project(root), "plain")
    assert str(error.value) == (
        f"{root}/stacks/Pulumi.plain.yaml: hangar:huggingface_token: holds a credential in plain text (value hidden); "
        "remove it from the stack file and set it as a secret with `pulumi config set --secret huggingface_token <value>`"
    )


def test_an_encrypted_token_is_fine(tmp_path: Path):
    document = onprem()
    document["config"]["hangar:huggingface_token"] = {"secure": "v1:AAAAciphertext"}
    root = project_with(tmp_path, {"enc": document})
    assert read_stack_config(read_project(root), "enc")["hangar:huggingface_token"] == {"secure": "v1:AAAAciphertext"}


def test_the_canary_never_reaches_any_output_of_any_command(tmp_path: Path):
    (tmp_path / "project").mkdir()
    root = project_with(tmp_path / "project", leaking_stacks())
    git = ["git", "-C", str(root)]
    subprocess.run([*git, "init", "--quiet", "--initial-branch=main"], check=True)
    subprocess.run([*git, "-c", "user.name=t", "-c", "user.email=t@hangar.invalid", "add", "-A"], check=True)
    subprocess.run([*git, "-c", "user.name=t", "-c", "user.email=t@hangar.invalid", "commit", "--quiet", "-m", "base"], check=True)
    out = tmp_path / "out"
    commands = []
    for stack in leaking_stacks():
        commands += [["plan", stack], ["plan", stack, "--format", "json"], ["cost", stack], ["cost", stack, "--format", "json"], ["policy-config", stack]]
        commands += [["check", stack, "--format", fmt] for fmt in ("table", "json", "sarif", "markdown")]
        commands += [["render", stack, "--out", str(out)], ["diff", stack, "--base", "HEAD", "--format", "markdown"], ["diff", stack, "--base", "HEAD", "--format", "json"]]
    commands += [["stacks"], ["check", "--all", "--format", "json"], ["gitops", "render", "--repo", "https://github.com/acme/infra.git", "--out", str(tmp_path / "gitops")]]
    for command in commands:
        result = runner.invoke(app, [*command, "-C", str(root)], env={"COLUMNS": "300"})
        assert result.exit_code in (0, 1, 2), (command, result.output)
        assert CANARY not in result.stdout and CANARY not in result.stderr, (command, result.output)
    for path in tmp_path.rglob("*"):
        if path.is_file() and ".git" not in path.parts and "stacks" not in path.parts:
            assert CANARY not in path.read_text(errors="replace"), path


# --- gitops render --------------------------------------------------------------------------------------------

TOKEN = "ghp_CANARYgitopsTOKEN123"


def test_gitops_render_refuses_a_repo_url_with_a_credential_and_never_echoes_it(tmp_path: Path):
    result = runner.invoke(app, ["gitops", "render", "onprem", "--repo", f"https://bot:{TOKEN}@github.com/acme/infra.git", "--out", str(tmp_path), "-C", str(ROOT)])
    assert result.exit_code == 2
    assert result.stderr == "error: --repo: the URL holds credentials (user:token@host); give it without them, and the token in the Secret named by --git-secret\n"
    assert TOKEN not in result.output and list(tmp_path.iterdir()) == []


def test_the_gitops_library_refuses_it_too():
    from hangar.gitops import GitopsError, GitopsSettings, render
    from hangar.stackfile import read_environment

    environment = read_environment(read_project(ROOT), "onprem")
    with pytest.raises(GitopsError, match="repo: the URL holds credentials") as error:
        render({"onprem": environment}, GitopsSettings(repo=f"https://{TOKEN}@github.com/acme/infra.git", branch="main", project="hangar"))
    assert TOKEN not in str(error.value)


def test_gitops_render_does_not_overwrite_a_file_it_did_not_write(tmp_path: Path):
    (tmp_path / "onprem.yaml").write_text("# my own notes\n")
    args = ["gitops", "render", "onprem", "--repo", "https://github.com/acme/infra.git", "--out", str(tmp_path), "-C", str(ROOT)]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2 and "onprem.yaml: exists and was not written by hangar gitops render" in refused.stderr
    assert (tmp_path / "onprem.yaml").read_text() == "# my own notes\n" and not (tmp_path / "namespace.yaml").exists()
    (tmp_path / "onprem.yaml").unlink()
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args)  # its own files are re-rendered
    assert again.exit_code == 0, again.output


def test_the_program_refuses_a_plaintext_token_under_pulumi_up_too():
    """`pulumi up` reads config without Hangar's stack-file reader: the program itself refuses, before registering anything."""
    from hangar.components.program import build_stack

    from hangar.plan import PlanError, plan_program

    raw = onprem()["config"]["hangar:environment"]
    config = {"hangar:environment": raw, "hangar:kubeconfig": "apiVersion: v1\nkind: Config\n", "hangar:huggingface_token": CANARY}
    with pytest.raises(PlanError) as error:
        plan_program(build_stack, project="hangar", stack="onprem", config=config, secret_keys=("hangar:kubeconfig",))
    assert "hangar:huggingface_token: holds a credential in plain text (value hidden)" in str(error.value)
    assert "pulumi config set --secret huggingface_token <value>" in str(error.value) and CANARY not in str(error.value)
    secret = plan_program(build_stack, project="hangar", stack="onprem", config=config, secret_keys=("hangar:kubeconfig", "hangar:huggingface_token"))
    assert secret.resources and CANARY not in json.dumps(secret.to_json(), default=str)


@pytest.mark.parametrize(
    ("key", "hidden"),
    [("huggingface_token", True), ("hfToken", True), ("HF_TOKEN", True), ("token", True), ("db_api_key", True),
     ("kubeconfig_secret", True), ("max_context_tokens", False), ("prompt_tokens", False), ("tokenizer", False)],
)
def test_a_value_is_hidden_under_a_key_named_like_a_credential_not_under_a_count_of_tokens(key: str, hidden: bool):
    """A token count is no credential: its error names the value given, as every other config error does."""
    assert secret_looking(key) is hidden
