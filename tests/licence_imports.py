"""A model imported with `hangar catalog import-model --licence ID` into an overrides directory, and one policy's verdicts
on a deployment of it, offline and by the pack over gRPC: what the licence test files share."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.cli import app
from tests.pack_agreement import offline_verdicts, pack_verdicts
from tests.policy_records import vllm

CONFIGS = Path(__file__).parent / "model_configs"
CONFIG = CONFIGS / "mistral-7b-instruct-v0.3.json"
SCOUT_CONFIG = CONFIGS / "llama-4-scout-17b-16e-instruct.json"
"""Llama 4 Scout Instruct's config.json as NVIDIA's aiconfigurator keeps it (trimmed: `reader_only` in sources.json, so
the packaged catalog has no Llama 4 row), with its vision_config: what a team imports to serve Llama 4."""


def imported(tmp_path: Path, hf_id: str, licence: str, config: Path = CONFIG) -> str:
    """Import a model with `licence` into an overrides directory the way a team would; the directory's path."""
    overrides = tmp_path / "ours"
    result = CliRunner().invoke(app, ["catalog", "import-model", hf_id, "--config", str(config), "--licence", licence, "--overrides", str(overrides)],
                                catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert load_catalog(overrides).model(hf_id).licence_id == licence
    return str(overrides)


def judged(model: str, overrides: str, policy: str, **config) -> list[tuple[str, str]]:
    """`policy`'s (message, level) on one vLLM deployment of `model`, offline; asserts the pack over gRPC gives the same.
    The stack-wide advisory naming the imported override row is left out: these tests are about the licence."""
    from hangar.policies.rules import load_pack_config

    records = [vllm("chat", model, pool="x")]
    configs = load_pack_config({policy: {"catalogOverrides": overrides, **config}}, "test")
    offline = offline_verdicts(records, configs, policy)
    assert pack_verdicts(records, configs, policy) == offline
    return [(message, level) for _, urn, message, level in offline if urn]
