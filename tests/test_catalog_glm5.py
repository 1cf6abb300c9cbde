"""Z.ai's GLM-5 family (`glm_moe_dsa`): the GLM-5 and GLM-5-FP8 rows read from their config.json, GLM-5.1 and GLM-5.2
(and NVIDIA's NVFP4 repacks) as reader tests, the refusals naming the field, and what a team sees for a deployment.

The layout as vLLM v0.33.0 builds it (`hangar.catalog.layouts_glm5`, `hangar.catalog.sparse_indexer`): 78 layers of latent
attention caching kv_lora_rank 512 + rope 64 elements a token (78 x 576 x 2 bytes = 87.75 KiB of bf16 per token), and
on each layer that keeps an indexer its fp8 keys, 128 bytes and a 4-byte scale (132 bytes): every layer of GLM-5 (10,296
bytes a token), 21 of GLM-5.2's (2,772: IndexShare, one indexer for layers 0-2 and then for each four from layer 6). zai-org's
README (zai-org/GLM-5 at 218be5246e4d, read 2026-12-02) gives GLM-5 and GLM-5.1 as "744B-A40B"; the estimate is 743.9B and
40.8B without the multi-token-prediction layer vLLM drops at load. vLLM v0.11.2 cannot load the family; v0.19.1 is the
first release that can (`hangar.sizing.engine_models`).
"""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.config_fields import ConfigError
from hangar.catalog.model_config import model_row, read_config
from hangar.cli import app
from hangar.sizing import GIB, memory_fit
from hangar.sizing.kv import kv_bytes_per_token, served_kv_dtype
from tests.config_errors import config_problems as problems
from tests.h200_stacks import with_deployment

CONFIGS = Path(__file__).parent / "model_configs"
SOURCES = json.loads((CONFIGS / "sources.json").read_text())
GLM5, GLM5_FP8 = "zai-org/GLM-5", "zai-org/GLM-5-FP8"
LATENT = 78 * (512 + 64) * 2
INDEXER_KEY = 128 + 4
INDEXER_PARAMS = 2048 * 32 * 128 + 6144 * 128 + 6144 * 32
"""One layer's indexer: wq_b (q_lora_rank -> 32 heads x 128), wk (hidden -> 128), weights_proj (hidden -> 32 heads)."""


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


def import_model(tmp_path: Path, path: Path, hf_id: str = "zai-org/GLM-5.2"):
    return CliRunner().invoke(
        app, ["catalog", "import-model", hf_id, "--config", str(path), "--licence", "mit", "--overrides", str(tmp_path / "ours")],
        catch_exceptions=False, env={"COLUMNS": "200"},
    )


def test_glm_5_and_its_fp8_repack_make_rows_and_the_releases_without_a_licence_read_only_test_the_reader():
    catalog = load_catalog()
    base, fp8 = catalog.model(GLM5), catalog.model(GLM5_FP8)
    assert (base.family, base.licence_id, base.config_verified, base.text_model_type, base.dtype) == ("GLM-5", "mit", True, "glm_moe_dsa", "bfloat16")
    assert (fp8.family, fp8.licence_id, fp8.base_model, fp8.dtype) == ("GLM-5", "mit", GLM5, "fp8")
    assert "license: mit" in base.source and "refs%2Fpr%2F10" in base.source and "949e09d" in fp8.source
    for name in ("glm-5.1.json", "glm-5.1-fp8.json", "glm-5.2.json", "glm-5.2-fp8.json", "nvidia-glm-5-nvfp4.json", "nvidia-glm-5.2-nvfp4.json"):
        assert SOURCES[name]["reader_only"] and SOURCES[name]["hf_id"] not in catalog.models


def test_the_reader_reads_deepseek_v3_2s_layout_with_glms_wider_heads():
    arch = read_config(config("glm-5.json"))
    assert (arch.model_type, arch.text_model_type, arch.layers, arch.attention_heads, arch.kv_heads) == ("glm_moe_dsa", "glm_moe_dsa", 78, 64, None)
    assert (arch.kv_lora_rank, arch.qk_rope_head_dim, arch.q_lora_rank, arch.qk_nope_head_dim, arch.v_head_dim) == (512, 64, 2048, 192, 256)
    assert (arch.index_n_heads, arch.index_head_dim, arch.kv_bytes_per_token_bf16, arch.indexer_bytes_per_token) == (32, 128, LATENT, 78 * INDEXER_KEY)
    assert (arch.num_experts, arch.num_experts_per_tok, arch.moe_intermediate_size, arch.shared_expert_intermediate_size) == (256, 8, 2048, 2048)
    assert (arch.dense_mlp_layers, arch.intermediate_size, arch.max_context_tokens, arch.tie_word_embeddings) == (3, 12288, 202752, False)


def test_glm_5_2_keeps_an_indexer_on_21_of_its_78_layers_as_vllm_builds_them():
    arch = read_config(config("glm-5.2.json"))
    assert arch.indexer_bytes_per_token == 21 * INDEXER_KEY and arch.kv_bytes_per_token_bf16 == LATENT
    assert config("glm-5.2.json")["indexer_types"].count("full") == 21
    assert arch.max_context_tokens == 1_048_576
    # the same rule from an F/S pattern, which vLLM v0.33.0 reads in place of the frequency
    pattern = "F" + "S" * 77
    assert read_config({**config("glm-5.2.json"), "index_topk_pattern": pattern, "indexer_types": None}).indexer_bytes_per_token == INDEXER_KEY


def test_the_estimate_matches_zai_orgs_744b_a40b_and_leaves_out_the_prediction_layer():
    arch = read_config(config("glm-5.json"))
    assert (arch.params_total_b, arch.params_active_b) == (743.91, 40.832)
    assert arch.params_total_b == pytest.approx(744, rel=0.001) and arch.params_active_b == pytest.approx(40, rel=0.025)
    assert read_config({**config("glm-5.json"), "num_nextn_predict_layers": 3}).params_total_b == arch.params_total_b
    # GLM-5.2's 57 layers that share an indexer carry none of its weights
    assert read_config(config("glm-5.2.json")).params_total_b == pytest.approx(arch.params_total_b - 57 * INDEXER_PARAMS / 1e9, abs=0.001)


def test_the_fp8_and_nvfp4_repacks_read_their_formats():
    assert read_config(config("glm-5-fp8.json")).dtype == "fp8" and read_config(config("glm-5.2-fp8.json")).dtype == "fp8"
    nvfp4 = read_config(config("nvidia-glm-5-nvfp4.json"), config("hf_quant_config/nvidia-glm-5-nvfp4.json"))
    assert (nvfp4.dtype, nvfp4.kv_cache_dtype) == ("nvfp4", "fp8") and nvfp4.unquantised_params_b > 0
    inline = read_config(config("nvidia-glm-5.2-nvfp4.json"))  # layer_types, num_experts and embed_tokens in its ignore list
    assert (inline.dtype, inline.indexer_bytes_per_token, inline.num_experts) == ("nvfp4", 21 * INDEXER_KEY, 256)


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"index_topk_freq": 2}, "indexer_types", "layer 4 is 'shared' where vLLM v0.33.0 builds 'full'"),
        ({"first_k_dense_replace": 2}, "mlp_layer_types", "layer 2 is 'dense' where vLLM v0.33.0 builds 'sparse'"),
        ({"qk_head_dim": 192}, "qk_head_dim", "differs from qk_nope_head_dim + qk_rope_head_dim = 256"),
        ({"num_experts": 128}, "num_experts", "differs from n_routed_experts 256"),
        ({"layer_types": ["full_attention"] * 78}, "layer_types", "layer 0 is 'full_attention'"),
        ({"index_topk_pattern": ["full"] * 78, "indexer_types": None}, "index_topk_pattern", "not a string of F (full) and S (shared)"),
    ],
)
def test_a_config_vllm_would_build_otherwise_is_refused_naming_the_field(change, field, says):
    with pytest.raises(ConfigError) as refused:
        read_config({**config("glm-5.2.json"), **change})
    assert refused.value.field == field and says in str(refused.value)


def test_kv_bytes_per_token_and_vllm_v0_33_0s_fp8_default_on_compute_capability_10():
    model = load_catalog().model(GLM5_FP8)
    assert kv_bytes_per_token(model) == LATENT + 78 * INDEXER_KEY
    assert kv_bytes_per_token(model, "fp8") == 78 * 656 + 78 * INDEXER_KEY  # fp8_ds_mla: FlashMLA's sparse backend (Hopper)
    assert kv_bytes_per_token(model, "fp8", fp8_ds_mla=False) == 78 * 576 + 78 * INDEXER_KEY  # FlashInfer's (Blackwell)
    assert [served_kv_dtype(model, "auto", "v0.33.0", capability) for capability in (90, 100, 103, 120)] == ["auto", "fp8", "fp8", "auto"]
    assert served_kv_dtype(model, "auto", "v0.11.2", 100) == "auto"
    catalog = load_catalog()
    b200 = memory_fit(model, catalog.gpu("B200"), precision="fp8", tensor_parallel=8, engine_version="v0.33.0")
    h200 = memory_fit(model, catalog.gpu("H200"), precision="fp8", tensor_parallel=8, engine_version="v0.33.0")
    assert (b200.kv_cache_dtype, h200.kv_cache_dtype) == ("fp8", "auto")
    # MLA's latent is whole on every TP rank: 8 copies of one 202,752-token sequence
    assert h200.kv_per_sequence_gib == pytest.approx(8 * 202752 * (LATENT + 78 * INDEXER_KEY) / GIB, rel=0.001)


def test_a_deployment_pinned_to_v0_11_2_is_a_config_error_and_v0_19_1_serves_it(aws_environment):
    from hangar.stackfile import environment_from_config

    def stack(engine_version: str) -> dict:
        return with_deployment(copy.deepcopy(aws_environment), model=GLM5_FP8, tensor_parallel=8, engine_version=engine_version)

    (refused,) = problems(stack("v0.11.2"))
    assert (
        "deployments[0].model: vLLM v0.11.2 cannot load zai-org/GLM-5-FP8: GlmMoeDsaForCausalLM is not in v0.11.2's model "
        "registry, and its Transformers backend cannot stand in: the model_type glm_moe_dsa came in transformers 5.2.0"
    ) in refused
    assert "set deployments[0].engine_version to v0.19.1 or later" in refused
    (registered,) = problems(stack("v0.18.1"))
    assert "v0.18.1 registers GlmMoeDsaForCausalLM, but it has no glm_moe_dsa config class of its own and requires transformers<5" in registered
    assert environment_from_config(stack("v0.19.1"), "Pulumi.test.yaml").deployments[0].engine_version == "v0.19.1"


def test_hangar_size_puts_glm_5_fp8_on_eight_h200s_and_says_eight_h100s_cannot_hold_it():
    result = CliRunner().invoke(app, ["size", GLM5_FP8, "-p", "fp8", "--context", "202752", "--why-not"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "MLA latent cache (512 + 64) + an indexer cache of 10.0547 KiB/token" in out
    assert "best: aws p5en.48xlarge (8 x H200), fp8, TP 8 x 1 replica(s) per node" in out
    assert "│ 1 │ aws   │ p5en.48xlarge    │ 8 x H200     │ fp8       │         8 x 1 │" in out
    assert "2 ! │" in out  # two 202,752-token sequences fit in the KV cache, fewer than the 16 asked
    assert "needs more than one node: at least 16 x H100-SXM to hold it, and a node has 8" in out


def test_import_model_says_what_it_read_and_refuses_a_list_vllm_would_not_follow(tmp_path):
    result = import_model(tmp_path, CONFIGS / "glm-5.2.json")
    assert result.exit_code == 0, result.output
    assert ("743.376B parameters (40.298B active, 8 of 256 experts); 78 layers; latent attention (kv_lora_rank 512 + rope 64), "
            "plus a sparse-attention indexer cache of 2.70703 KiB/token; 87.75 KiB/token of bf16 KV in full layers; max context 1,048,576") in result.stdout
    row = load_catalog(tmp_path / "ours").model("zai-org/GLM-5.2")
    assert (row.family, row.text_model_type, row.indexer_bytes_per_token) == ("glm_moe_dsa", "glm_moe_dsa", 21 * INDEXER_KEY)
    bad = tmp_path / "config.json"
    bad.write_text(json.dumps({**config("glm-5.2.json"), "index_topk_freq": 2}))
    refused = import_model(tmp_path, bad, hf_id="example/glm-5.2-edit")
    assert refused.exit_code == 2 and f"error: --config {bad}: indexer_types: layer 4 is 'shared'" in refused.output


def test_lora_is_refused_with_the_engine_at_v0_11_2_and_counts_glm_5_2s_indexers_only_where_they_are_at_v0_33_0():
    from hangar.sizing.lora import LoraSlots, lora_gib

    glm5 = load_catalog().model(GLM5_FP8)
    gib, why = lora_gib(glm5, LoraSlots(), 8, "v0.11.2")
    assert gib == 0.0 and "vLLM v0.11.2 cannot load zai-org/GLM-5-FP8" in why

    def row(name: str):
        return model_row(f"example/{name}", config(name), licence_id="mit", source="test", as_of=datetime.date(2026, 12, 2))

    slots = LoraSlots()
    full, shared = lora_gib(row("glm-5.json"), slots, 8, "v0.33.0"), lora_gib(row("glm-5.2.json"), slots, 8, "v0.33.0")
    assert full[1] is None and shared[1] is None
    # at v0.33.0 only the indexer's wq_b is adapted (replicated: A r x 2048, B 4096 x r on each of the 8 GPUs), 2 bytes each
    wq_b = slots.rank * (2048 + 32 * 128)
    assert full[0] - shared[0] == pytest.approx(57 * wq_b * slots.slots * 8 * 2 / GIB)
