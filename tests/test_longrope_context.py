"""A longrope model's context when the deployment gives no `--max-model-len`: what vLLM v0.11.2 and v0.33.0 start with.

Both releases' `_get_and_verify_max_len` (vllm/config/model.py) derive the longest context from the config's keys
(a longrope scaling is not multiplied in) and, for an unset max_model_len of a longrope config, take the text config's
`original_max_position_embeddings` instead, `Phi3Config`'s 4,096 where the file leaves it out (transformers 4.57.6 and
5.20.2). Phi-3-mini-128k, Phi-3.5-mini and Phi-4-mini ship `"rope_scaling": {"type": "longrope", ...}` over
`max_position_embeddings` 131,072 and `original_max_position_embeddings` 4,096; no whole copy of their config.json
was found (the catalog README says so), so the fixture is microsoft/phi-4's real config.json (tests/model_configs/phi-4.json,
`phi3`) given that block and those two keys.
"""

from __future__ import annotations

import copy
import datetime
import json

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.model_config import ConfigError, model_row, read_config
from hangar.catalog.model_import import write_model_override
from hangar.cli import app
from hangar.sizing import memory_fit
from hangar.sizing.context import context_problem, model_context, unset_context
from hangar.stackfile import environment_from_config
from tests.h200_stacks import with_deployment
from tests.policy_records import messages, node_group, record
from tests.yarn_configs import config

CAT = load_catalog()
LONGROPE_ID = "example-org/phi-4-longrope"
BLOCK = {"type": "longrope", "long_factor": [1.0] * 64, "short_factor": [1.0] * 64}


def longrope(drop: tuple[str, ...] = (), **change) -> dict:
    phi4 = {**config("phi-4.json"), "max_position_embeddings": 131072, "original_max_position_embeddings": 4096, "rope_scaling": dict(BLOCK)}
    return {**{key: value for key, value in phi4.items() if key not in drop}, **change}


def row(**change):
    return model_row(LONGROPE_ID, longrope(**change), licence_id="mit", base_model="microsoft/phi-4",
                     source="microsoft/phi-4's config.json with a Phi-3.5-style longrope block", as_of=datetime.date(2026, 12, 2))


def test_the_reader_keeps_the_longest_context_and_the_shorter_one_vllm_starts_with():
    arch = read_config(longrope())
    assert (arch.max_context_tokens, arch.default_context_tokens, arch.yarn_context_tokens) == (131072, 4096, None)
    assert read_config(longrope(rope_scaling={**BLOCK, "type": "su"})).default_context_tokens == 4096  # legacy name, renamed by vLLM
    assert read_config(longrope(rope_scaling={**BLOCK, "rope_type": "longrope"})).default_context_tokens == 4096


def test_without_the_key_phi3_takes_its_transformers_class_default():
    assert read_config(longrope(drop=("original_max_position_embeddings",))).default_context_tokens == 4096
    # a class without the attribute: vLLM's getattr falls back to the derived length, so nothing differs
    llama = {**config("llama-3.1-8b.json"), "rope_scaling": dict(BLOCK)}
    assert (read_config(llama).max_context_tokens, read_config(llama).default_context_tokens) == (131072, None)


def test_no_packaged_row_and_no_other_scaling_has_a_shorter_default():
    assert [m.hf_id for m in CAT.models.values() if m.default_context_tokens is not None] == []
    assert read_config(config("phi-4.json")).default_context_tokens is None  # rope_scaling null
    assert read_config(longrope(original_max_position_embeddings=131072)).default_context_tokens is None  # equal: stays empty


def test_a_bad_original_length_is_named():
    with pytest.raises(ConfigError) as raised:
        read_config(longrope(original_max_position_embeddings="4k"))
    assert raised.value.field == "original_max_position_embeddings" and "'4k'" in str(raised.value)


@pytest.mark.parametrize("release", ["v0.11.2", "v0.33.0"])
def test_an_unset_max_model_len_is_sized_at_4096_and_up_to_131072_is_allowed(release):
    model = row()
    assert (unset_context(model, release), model_context(model, release)) == (4096, 131072)
    fit = memory_fit(model, CAT.gpu("L4"), engine_version=release)
    assert fit.max_context_tokens == 4096 and "max_context_tokens" in fit.defaulted
    assert context_problem(model, 131072, release) is None
    assert "max_model_len 131,073 is greater than the 131,072 tokens" in context_problem(model, 131073, release)


@pytest.fixture
def overrides(tmp_path):
    write_model_override(tmp_path, row())
    return tmp_path


def test_a_raw_server_without_max_model_len_is_judged_at_4096(overrides):
    # 2 x 5,120 x 40 layers x 10 KV heads x 128 x 2 bytes = 200 KiB a token: one 131,072-token sequence would take 25 GiB
    container = {"name": "vllm", "image": "vllm/vllm-openai:v0.33.0", "command": ["vllm"], "args": ["serve", LONGROPE_ID],
                 "resources": {"limits": {"nvidia.com/gpu": "1"}}}
    spec = {"template": {"spec": {"containers": [container], "nodeSelector": {"hangar.dev/pool": "l40s"}}}}
    records = [node_group("l40s", "g6e.xlarge", 1), record("kubernetes:apps/v1:Deployment", "phi", {"metadata": {"name": "phi"}, "spec": spec})]
    found = messages(records, "hangar-hardware-fit", {"hangar-hardware-fit": {"catalog_overrides": str(overrides)}})
    assert [m for m in found if not m.startswith("this verdict rests on an overridden catalog row")] == []


def test_a_deployment_may_ask_the_longest_context(aws_environment, overrides):
    raw = with_deployment(copy.deepcopy(aws_environment), model=LONGROPE_ID, max_context_tokens=131072, tensor_parallel=1)
    raw["catalog_overrides"] = str(overrides)
    assert environment_from_config(raw, "Pulumi.test.yaml").deployments[0].max_context_tokens == 131072


def test_import_model_says_what_vllm_starts_with(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(longrope()))
    result = CliRunner().invoke(app, ["catalog", "import-model", LONGROPE_ID, "--config", str(path), "--licence", "mit", "--overrides", str(tmp_path)],
                                catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "max context 131,072 (vLLM starts at 4,096 without --max-model-len)" in result.stdout
    assert load_catalog(tmp_path).model(LONGROPE_ID).default_context_tokens == 4096


def test_a_phi3_yarn_block_is_longrope_as_transformers_phi3config_renames_it():
    # transformers 4.57.6 and 5.20.2 Phi3Config turn "su" and "yarn" into "longrope": no yarn length at v0.11.2 either
    arch = read_config(longrope(rope_scaling={**BLOCK, "type": "yarn", "factor": 32.0}))
    assert (arch.max_context_tokens, arch.yarn_context_tokens, arch.default_context_tokens) == (131072, None, 4096)
