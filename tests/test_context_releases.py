"""The context a deployment gets follows its vLLM release (`hangar.catalog.context_length`, `hangar.sizing.context`).

vLLM v0.11.2 takes a yarn rope scaling's original_max_position_embeddings x factor for the context; v0.33.0 keeps the
length the config's keys give. The real configs kept in tests/model_configs show both: the packaged yarn configs
state max_position_embeddings = original x factor, so their rows derive one context at both releases; Qwen3-8B's
config with the YaRN block its model card describes (factor 4 over 32,768, max_position_embeddings left at 40,960)
derives 131,072 at v0.11.2 and 40,960 at v0.33.0 - and a deployment asking 131,072 tokens is a config error at v0.33.0.
"""

from __future__ import annotations

import copy

import pytest

from hangar.catalog import load_catalog
from hangar.catalog.model_config import read_config
from hangar.catalog.model_import import write_model_override
from hangar.sizing import memory_fit, rank_options
from hangar.sizing.context import model_context
from hangar.sizing.memory import SizingError
from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems
from tests.h200_stacks import with_deployment
from tests.policy_records import messages, node_group, record
from tests.yarn_configs import QWEN3_YARN, config, yarn_row

CAT = load_catalog()


@pytest.mark.parametrize(
    ("name", "context"),
    [("deepseek-v3.json", 163840), ("deepseek-r1.json", 163840), ("deepseek-v3.2.json", 163840), ("kimi-k2-instruct.json", 131072),
     ("gpt-oss-20b.json", 131072), ("gpt-oss-120b.json", 131072), ("devstral-small-2-24b-instruct.json", 393216),
     ("olmo-3.1-32b-instruct.json", 65536)],
)
def test_the_packaged_yarn_configs_derive_one_context_at_both_releases(name, context):
    arch = read_config(config(name))
    assert (arch.max_context_tokens, arch.yarn_context_tokens) == (context, context)  # max_position_embeddings = original x factor


def test_no_packaged_row_changes_context_between_the_releases():
    changed = [row.hf_id for row in CAT.models.values() if model_context(row, "v0.11.2") != model_context(row, "v0.33.0")]
    assert changed == []
    with_yarn = sorted(row.hf_id for row in CAT.models.values() if row.yarn_context_tokens is not None)
    assert with_yarn == [
        "allenai/Olmo-3.1-32B-Instruct", "deepseek-ai/DeepSeek-R1", "deepseek-ai/DeepSeek-V3", "deepseek-ai/DeepSeek-V3.2", "mistralai/Devstral-Small-2-24B-Instruct-2512",
        "moonshotai/Kimi-K2-Instruct", "moonshotai/Kimi-K2.5", "openai/gpt-oss-120b", "openai/gpt-oss-20b",
    ]


def test_a_yarn_block_over_an_unscaled_length_derives_two_contexts():
    row = yarn_row()
    assert (row.max_context_tokens, row.yarn_context_tokens) == (40960, 131072)
    assert model_context(row, "v0.11.2") == 131072
    assert model_context(row, "v0.33.0") == model_context(row) == 40960
    assert model_context(row, "v0.20.0") == 40960  # a release not read is sized as the pinned one
    # the v0.33.0 way to 131,072: raise max_position_embeddings with the scaling (vLLM's "already scaled")
    raised = yarn_row(max_position_embeddings=131072)
    assert (model_context(raised, "v0.11.2"), model_context(raised, "v0.33.0")) == (131072, 131072)


def test_a_deepseek_config_with_an_unscaled_length_derives_two_contexts():
    deepseek = {**config("deepseek-v3.json"), "max_position_embeddings": 4096}
    arch = read_config(deepseek)
    assert (arch.max_context_tokens, arch.yarn_context_tokens) == (4096, 163840)


def test_other_scalings_multiply_at_both_releases_and_gemma_3_is_never_rescaled():
    linear = read_config({**config("qwen3-8b.json"), "rope_scaling": {"rope_type": "linear", "factor": 2.0}})
    assert (linear.max_context_tokens, linear.yarn_context_tokens) == (81920, None)
    llama3 = read_config(config("llama-3.1-8b.json"))  # llama3 scaling: the keys' length as is
    assert (llama3.max_context_tokens, llama3.yarn_context_tokens) == (131072, None)
    gemma = read_config(config("gemma-3-27b-it.json"))  # linear factor 8, but vLLM skips Gemma 3 ("already scaled")
    assert (gemma.max_context_tokens, gemma.yarn_context_tokens) == (131072, None)


def test_an_unset_max_model_len_sizes_the_release_s_context():
    row = yarn_row()
    h100 = CAT.gpu("H100-SXM")
    older, newer = memory_fit(row, h100, engine_version="v0.11.2"), memory_fit(row, h100, engine_version="v0.33.0")
    assert (older.max_context_tokens, newer.max_context_tokens) == (131072, 40960)
    assert older.kv_per_sequence_gib > 3 * newer.kv_per_sequence_gib


def test_hangar_size_caps_the_context_at_the_release_s():
    row = yarn_row()
    assert rank_options(row, CAT, max_context_tokens=131072, clouds=["aws"], engine_version="v0.11.2").feasible
    with pytest.raises(SizingError, match=r"max_context_tokens 131,072 exceeds example-org/Qwen3-8B-YaRN's maximum context of 40,960 tokens at vLLM v0\.33\.0"):
        rank_options(row, CAT, max_context_tokens=131072, clouds=["aws"], engine_version="v0.33.0")


@pytest.fixture
def overrides(tmp_path):
    write_model_override(tmp_path, yarn_row())
    return tmp_path


def deployment(aws_environment, overrides, release: str) -> dict:
    raw = with_deployment(copy.deepcopy(aws_environment), model=QWEN3_YARN, max_context_tokens=131072, tensor_parallel=1, engine_version=release)
    raw["catalog_overrides"] = str(overrides)
    return raw


def test_a_deployment_above_its_release_s_context_is_a_config_error(aws_environment, overrides):
    accepted = environment_from_config(deployment(aws_environment, overrides, "v0.11.2"), "Pulumi.test.yaml")
    assert accepted.deployments[0].max_context_tokens == 131072
    assert config_problems(deployment(aws_environment, overrides, "v0.33.0")) == [
        "Pulumi.test.yaml: hangar:environment.deployments[0].max_context_tokens: max_model_len 131,072 is greater than the 40,960 tokens "
        f"vLLM v0.33.0 derives from {QWEN3_YARN}'s config (it refuses to start unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1): lower it, or serve "
        "another model or release; got 131072"
    ]


def raw_server(image: str, *, env: list | None = None) -> list:
    args = ["serve", QWEN3_YARN, "--max-model-len", "131072"]
    container = {"name": "vllm", "image": image, "command": ["vllm"], "args": args, "env": env or [], "resources": {"limits": {"nvidia.com/gpu": "1"}}}
    spec = {"template": {"spec": {"containers": [container], "nodeSelector": {"hangar.dev/pool": "h200"}}}}
    return [node_group("h200", "p5en.48xlarge", 2), record("kubernetes:apps/v1:Deployment", "qwen", {"metadata": {"name": "qwen"}, "spec": spec})]


@pytest.mark.parametrize(
    ("image", "env", "refused"),
    [("vllm/vllm-openai:v0.11.2", None, False), ("vllm/vllm-openai:v0.33.0", None, True),
     ("vllm/vllm-openai:v0.33.0", [{"name": "VLLM_ALLOW_LONG_MAX_MODEL_LEN", "value": "1"}], False),
     ("vllm/vllm-openai:latest", None, False)],  # no release named: refused only where every release read refuses it
)
def test_a_raw_server_above_its_image_s_context_violates_hardware_fit(overrides, image, env, refused):
    found = messages(raw_server(image, env=env), "hangar-hardware-fit", {"hangar-hardware-fit": {"catalog_overrides": str(overrides)}})
    expected = (f"qwen: vLLM would not start: max_model_len 131,072 is greater than the 40,960 tokens vLLM v0.33.0 derives from {QWEN3_YARN}'s "
                "config (it refuses to start unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1)")
    found = [message for message in found if not message.startswith("this verdict rests on an overridden catalog row")]
    assert found == ([expected] if refused else []), found


def test_a_per_layer_type_rope_without_a_factor_keeps_the_factor_before_it():
    # v0.33.0 `scaling_factor = rp.get("factor", scaling_factor)` over the layer types' dicts: the default one does not reset it
    per_layer = {"full_attention": {"rope_type": "linear", "factor": 2.0}, "sliding_attention": {"rope_type": "default"}}
    assert read_config({**config("qwen3-8b.json"), "rope_parameters": per_layer}).max_context_tokens == 81920
    null = {"full_attention": {"rope_type": "linear", "factor": None}}  # a null factor: vLLM falls back to 1.0
    assert read_config({**config("qwen3-8b.json"), "rope_parameters": null}).max_context_tokens == 40960


def test_a_phi3_yarn_block_is_read_as_the_longrope_transformers_makes_it():
    # transformers 4.57.6 and 5.20.2 Phi3Config rename "su" and "yarn" to "longrope": no original x factor at v0.11.2
    phi3 = {**config("phi-4.json"), "max_position_embeddings": 131072, "original_max_position_embeddings": 4096,
            "rope_scaling": {"type": "yarn", "factor": 32.0, "long_factor": [1.0] * 64, "short_factor": [1.0] * 64}}
    assert (read_config(phi3).max_context_tokens, read_config(phi3).yarn_context_tokens) == (131072, None)
    qwen = {**config("qwen3-8b.json"), "rope_scaling": {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}}
    assert read_config(qwen).yarn_context_tokens == 131072  # another model type's yarn stays yarn
