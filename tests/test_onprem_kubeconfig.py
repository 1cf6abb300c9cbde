"""The on-prem kubeconfig: a secret the plan needs, names the key and command when missing, and never prints.

Moved unchanged from tests/test_onprem.py; the kubeconfig's absence from the example plans stays there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hangar.cli import app
from hangar.plan import PlanError
from hangar.records import SECRET, Plan
from tests.config_errors import config_problems
from tests.conftest import ROOT
from tests.onprem_plans import KUBECONFIG, PROVIDER, TOKEN, copy_project, onprem_environment, plan_environment


def test_a_missing_kubeconfig_secret_names_the_key_and_the_command():
    with pytest.raises(PlanError) as error:
        plan_environment(onprem_environment(), kubeconfig=None)
    assert str(error.value) == (
        "cluster 'dc1': the kubeconfig secret hangar:kubeconfig is not set; "
        "set it with `pulumi config set --secret hangar:kubeconfig \"$(cat ~/.kube/config)\" -s test`"
    )


def test_the_kubeconfig_key_is_configurable():
    with pytest.raises(PlanError, match=r"hangar:dc1-kubeconfig is not set; set it with `pulumi config set --secret hangar:dc1-kubeconfig "):
        plan_environment(onprem_environment(kubeconfig_secret="dc1-kubeconfig"), kubeconfig=None)
    plan, _ = plan_environment(onprem_environment(kubeconfig_secret="dc1-kubeconfig"))
    assert plan.of_type(PROVIDER)[0].inputs["kubeconfig"] == SECRET


def test_a_kubeconfig_in_plain_config_is_refused_without_echoing_it():
    with pytest.raises(PlanError) as error:
        plan_environment(onprem_environment(), secret=False)
    message = str(error.value)
    assert message.startswith("cluster 'dc1': hangar:kubeconfig holds a kubeconfig (credentials) in plain text; remove it from the stack file")
    assert "pulumi config set --secret hangar:kubeconfig" in message
    assert TOKEN not in message and "k8s.dc1.example.internal" not in message


def test_hangar_plan_json_never_prints_the_kubeconfig(monkeypatch):
    """`hangar plan onprem --format json` with a real kubeconfig given to the program as a secret."""
    import hangar.plan
    import hangar.stackplan

    real = hangar.plan.plan_stack
    calls = []

    def with_the_secret(root: Path, stack: str, **_: Any) -> Plan:
        calls.append(stack)
        return real(root, stack, extra_secrets={"hangar:kubeconfig": KUBECONFIG})

    monkeypatch.setattr(hangar.plan, "plan_stack", with_the_secret)
    monkeypatch.setattr(hangar.stackplan, "plan_stack", with_the_secret)
    result = CliRunner().invoke(app, ["plan", "onprem", "--format", "json", "-C", str(ROOT)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert calls == ["onprem"]
    assert TOKEN not in result.output and "k8s.dc1.example.internal" not in result.output
    document = json.loads(result.stdout)
    (provider,) = [r for r in document["resources"] if r["type"] == PROVIDER]
    assert provider["inputs"] == {"kubeconfig": SECRET}


def test_hangar_plan_refuses_a_plain_text_kubeconfig_without_printing_it(tmp_path):
    stack = (ROOT / "stacks" / "Pulumi.onprem.yaml").read_text()
    plain = "  hangar:kubeconfig: |\n" + "".join(f"    {line}\n" for line in KUBECONFIG.splitlines())
    root = copy_project(tmp_path, "onprem", stack + plain)
    result = CliRunner().invoke(app, ["plan", "onprem", "--format", "json", "-C", str(root)], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: stack onprem: cluster 'dc1': hangar:kubeconfig holds a kubeconfig (credentials) in plain text")
    assert TOKEN not in result.output and "k8s.dc1.example.internal" not in result.output


def test_hangar_plan_of_a_stack_file_holding_the_encrypted_kubeconfig(tmp_path):
    """A stack after `pulumi config set --secret kubeconfig ...`: the ciphertext is read as a redacted secret."""
    ciphertext = "v1:Zm9vYmFyYmF6:c2VjcmV0LWt1YmVjb25maWctY2lwaGVydGV4dA=="
    stack = (ROOT / "stacks" / "Pulumi.onprem.yaml").read_text()
    root = copy_project(tmp_path, "onprem", f"encryptionsalt: v1:c2FsdA==:v1:abc:def\n{stack}  hangar:kubeconfig:\n    secure: {ciphertext}\n")
    result = CliRunner().invoke(app, ["plan", "onprem", "--format", "json", "-C", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert ciphertext not in result.output
    (provider,) = [r for r in json.loads(result.stdout)["resources"] if r["type"] == PROVIDER]
    assert provider["inputs"] == {"kubeconfig": SECRET}


def test_the_kubeconfig_key_must_be_a_plain_config_key():
    lines = config_problems(onprem_environment(kubeconfig_secret="hangar:kubeconfig"))
    assert len(lines) == 1 and lines[0].startswith("Pulumi.test.yaml: hangar:environment.clusters[0].kubeconfig_secret: String should match pattern")
    assert config_problems(onprem_environment(kubeconfig_secret="environment")) == [  # a secret-named key's value is never echoed
        "Pulumi.test.yaml: hangar:environment.clusters[0].kubeconfig_secret: hangar:environment holds the environment itself; name another key (value hidden)"
    ]
