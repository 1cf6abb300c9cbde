"""Mistral Large 3 (`MistralLarge3ForCausalLM`), read from Mistral's own params.json as vLLM adapts it
(`hangar.catalog.mistral_params`): the layout, the Pixtral vision tower, `import-model`, `hangar size` in fp8 on eight
H200s and eight B200s, the refusal at vLLM v0.11.2, LoRA, and the files refused naming the field.

NOT the release's file: no copy of mistralai/Mistral-Large-3-675B-Instruct-2512's params.json was found (hangar/catalog/
data/README.md says where it was looked for). `TEXT` is the Mistral Large 3 params.json vLLM's own test writes,
vllm-project/vllm tests/transformers_utils/test_utils.py `test_mistral_yarn_apply_scale_false_disables_yarn_magnitude_scaling`
(read 2026-12-03): 61 layers of width 7,168, 128 heads, latent attention (q_lora_rank 1,536, kv_lora_rank 512, nope 128,
rope 64, v 128), 128 experts of 4,096 (top 4) and one shared expert, 3 dense first layers of 16,384, vocabulary 131,072.
Estimated from those shapes the text model has 673.42B parameters, 39.006B active - what Mistral AI's model card says of
it: "A Granular MoE Language Model with 673B params and 39B active" (huggingface.co/mistralai/Mistral-Large-3-675B-
Instruct-2512 README.md, read 2026-12-03 from a stored copy). Its vision encoder is the card's "2.5B Vision Encoder", whose
shape was not found: `VISION` is Mistral Small 3.1's Pixtral tower instead, the sizes of Devstral Small 2's config.json
(tests/model_configs/devstral-small-2-24b-instruct.json `vision_config`, with its spatial_merge_size 2 and
multimodal_projector_bias false), so the totals below are this test file's, not the release's.

Bytes per token: each of the 61 layers caches the 512-wide latent and the 64-wide rotary key, 2 bytes each:
61 x 576 x 2 = 70,272 (68.625 KiB). Vision (pixtral.py, matrices): patch 3 x 14^2 x 1,024 = 602,112; 24 blocks of
4 x 1,024^2 + 3 x 1,024 x 4,096 = 16,777,216 -> 402,653,184; merger (1,024 x 4) x 1,024 = 4,194,304; adapter 1,024 x
7,168 + 7,168^2 = 58,720,256; 466,169,856 in all, kept 16-bit under fp8 (the row's unquantised_params_b 0.466).
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
from hangar.catalog.mistral_params import pixtral_vision_params, vllm_config
from hangar.catalog.model_config import model_row, read_config
from hangar.cli import app
from hangar.sizing.engine_models import engine_refusal, first_served
from hangar.sizing.lora import LoraSizeUnknown, LoraSlots, lora_bytes
from hangar.sizing.lora_architectures import architecture, lora_refusal, supports_lora

HF_ID = "mistralai/Mistral-Large-3-675B-Instruct-2512"
TEXT = {
    "dim": 7168, "n_layers": 61, "head_dim": 192, "hidden_dim": 16384, "n_heads": 128, "n_kv_heads": 128, "norm_eps": 1e-5,
    "vocab_size": 131072, "rope_theta": 10000.0, "max_position_embeddings": 294912, "q_lora_rank": 1536, "kv_lora_rank": 512,
    "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
    "moe": {"num_experts": 128, "num_experts_per_tok": 4, "num_shared_experts": 1, "expert_hidden_dim": 4096, "first_k_dense_replace": 3,
            "route_every_n": 1, "routed_scale": 1.0, "num_expert_groups": 1, "num_expert_groups_per_tok": 1},
    "llama_4_scaling": {"beta": 0.1, "original_max_position_embeddings": 8192},
    "yarn": {"alpha": 1, "apply_scale": False, "beta": 32, "factor": 36, "original_max_position_embeddings": 8192},
}  # fmt: skip
_DEVSTRAL = json.loads((Path(__file__).parent / "model_configs" / "devstral-small-2-24b-instruct.json").read_text())
VISION = {
    **{k: _DEVSTRAL["vision_config"][k] for k in ("hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers",
                                                  "patch_size", "num_channels", "image_size")},
    "spatial_merge_size": _DEVSTRAL["spatial_merge_size"], "adapter_bias": _DEVSTRAL["multimodal_projector_bias"],
    "mm_projector_id": "patch_merge", "image_token_id": _DEVSTRAL["image_token_index"], "rope_theta": 10000.0,
}
FP8 = {"qformat_weight": "fp8_e4m3", "qscheme_act": "TENSOR"}
KV_PER_TOKEN = 61 * (512 + 64) * 2
VISION_PARAMS = 602_112 + 24 * (4 * 1024**2 + 3 * 1024 * 4096) + 4 * 1024 * 1024 + 1024 * 7168 + 7168**2


def params(**change) -> dict:
    return {**copy.deepcopy(TEXT), "vision_encoder": dict(VISION), "quantization": dict(FP8), **change}


def imported(tmp_path: Path, path: Path | None = None):
    if path is None:
        path = tmp_path / "params.json"
        path.write_text(json.dumps(params()))
    return CliRunner().invoke(
        app, ["catalog", "import-model", HF_ID, "--config", str(path), "--licence", "apache-2.0", "--overrides", str(tmp_path / "ours")],
        catch_exceptions=False, env={"COLUMNS": "200"},
    )


def test_the_text_model_is_deepseek_v3s_layout_and_matches_the_model_cards_673b_and_39b():
    arch = read_config(TEXT)
    assert (arch.model_type, arch.text_model_type, arch.layers, arch.hidden_size, arch.attention_heads) == ("mistral_large_3", "deepseek_v3", 61, 7168, 128)
    assert (arch.q_lora_rank, arch.kv_lora_rank, arch.qk_nope_head_dim, arch.qk_rope_head_dim, arch.v_head_dim) == (1536, 512, 128, 64, 128)
    assert (arch.num_experts, arch.num_experts_per_tok, arch.moe_intermediate_size, arch.shared_expert_intermediate_size) == (128, 4, 4096, 4096)
    assert (arch.dense_mlp_layers, arch.intermediate_size, arch.tie_word_embeddings, arch.multimodal) == (3, 16384, False, False)
    assert (arch.params_total_b, arch.params_active_b) == (673.42, 39.006)
    assert arch.kv_bytes_per_token_bf16 == KV_PER_TOKEN == 70_272
    assert (arch.max_context_tokens, arch.yarn_context_tokens) == (294_912, 36 * 8192)


def test_vllm_wraps_a_file_with_a_vision_encoder_as_pixtral_around_mistral_large_3():
    built = vllm_config(params())
    assert (built["model_type"], built["architectures"]) == ("pixtral", ["PixtralForConditionalGeneration"])
    text = built["text_config"]
    assert (text["model_type"], text["architectures"], text["n_routed_experts"], text["moe_intermediate_size"]) == (
        "deepseek_v3", ["MistralLarge3ForCausalLM"], 128, 4096)
    assert text["rope_parameters"] == {"rope_type": "yarn", "mscale_all_dim": 1, "factor": 36, "original_max_position_embeddings": 8192,
                                       "beta_fast": 32, "beta_slow": 1, "rope_theta": 10000.0, "attention_factor": 1.0}
    assert built["quantization_config"] == {"quant_method": "fp8", "activation_scheme": "static"}
    assert vllm_config(params(quantization={"qformat_weight": "fp8_e4m3", "qscheme_act": "NO_SCALES"}))["quantization_config"]["activation_scheme"] == "dynamic"


def test_the_pixtral_tower_is_counted_as_vllm_builds_it_and_kept_16_bit_under_fp8():
    assert pixtral_vision_params(vllm_config(params())) == VISION_PARAMS == 466_169_856
    arch = read_config(params())
    assert (arch.dtype, arch.multimodal, arch.unquantised_params_b) == ("fp8", True, 0.466)
    assert arch.params_total_b == round(673.42 + VISION_PARAMS / 1e9, 3) == 673.886
    assert read_config(params(vision_encoder={**VISION, "mm_projector_id": ""})).params_total_b == round(673.886 - 4 * 1024**2 / 1e9, 3)


def _row():
    return model_row(HF_ID, params(), licence_id="apache-2.0", source="params.json: test", as_of=datetime.date(2026, 12, 3))


def test_vllm_v0_11_2_cannot_load_it_and_v0_12_0_is_the_first_that_serves_it():
    row = _row()
    assert (row.family, architecture(row), first_served(row)) == ("mistral_large_3", "MistralLarge3ForCausalLM", "v0.12.0")
    refused = engine_refusal(row, "v0.11.2")
    assert refused and "MistralLarge3ForCausalLM is not in v0.11.2's model registry" in refused
    assert "reads its params.json's moe block as MixtralForCausalLM" in refused and "vLLM serves it from v0.12.0" in refused
    assert engine_refusal(row, "v0.12.0") is None and engine_refusal(row, "v0.33.0") is None


def test_lora_is_served_at_v0_33_0_but_its_slots_are_not_sized():
    row = _row()
    assert supports_lora("MistralLarge3ForCausalLM", "v0.33.0") is True and lora_refusal(row, "v0.33.0") is None
    with pytest.raises(LoraSizeUnknown, match="latent attention in a model class \\(MistralLarge3ForCausalLM\\) whose LoRA layers were not read"):
        lora_bytes(row, LoraSlots(), tensor_parallel=8, engine_version="v0.33.0")
    with pytest.raises(LoraSizeUnknown, match="vLLM v0.11.2 cannot load"):
        lora_bytes(row, LoraSlots(), tensor_parallel=8, engine_version="v0.11.2")


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"moe": {**TEXT["moe"], "num_shared_experts": 0}}, "moe.num_shared_experts", "as Mixtral's"),
        ({"moe": None}, "moe", "Mistral's dense layout"),
        ({"moe": {**TEXT["moe"], "top_k_groups": 2}}, "moe.top_k_groups", "not a field vLLM's Mistral adapter renames"),
        ({"llama_4_scaling": {"beta": 0.1}}, "llama_4_scaling", "vLLM asserts"),
        ({"max_position_embeddings": None}, "max_position_embeddings", "from the repository's config.json"),
        ({"quantization": {"qformat_weight": "int4"}}, "quantization", "Found unknown quantization"),
        ({"quantization": {"qformat_weight": "fp8_e4m3", "qscheme_act": "CHANNEL"}}, "quantization.qscheme_act", "NO_SCALES or TENSOR"),
        ({"yarn": {**TEXT["yarn"], "truncate": False}}, "yarn.truncate", "Unparsed yarn config"),
        ({"tied_embeddings": True}, "tied_embeddings", "always loads its own lm_head"),
        ({"vision_encoder": {**VISION, "num_attention_heads": 15}}, "vision_encoder.num_attention_heads", "does not divide hidden_size 1024"),
        ({"vision_encoder": {k: v for k, v in VISION.items() if k != "patch_size"}}, "vision_encoder.patch_size", "missing"),
    ],
)
def test_a_params_json_vllm_would_read_otherwise_is_refused_naming_the_field(change, field, says):
    changed = {k: v for k, v in params(**change).items() if v is not None}
    with pytest.raises(ConfigError) as refused:
        read_config(changed)
    assert refused.value.field == field and says in str(refused.value)


def test_import_model_reads_params_json_and_names_it_as_the_source(tmp_path):
    result = imported(tmp_path)
    assert result.exit_code == 0, result.output
    assert ("673.886B parameters (39.473B active, 4 of 128 experts); 61 layers; latent attention (kv_lora_rank 512 + rope 64); "
            "68.625 KiB/token of bf16 KV in full layers; max context 294,912") in result.stdout
    assert f"source: params.json of {HF_ID} at an unrecorded revision, read from params.json" in result.stdout
    row = load_catalog(tmp_path / "ours").model(HF_ID)
    assert (row.family, row.dtype, row.text_model_type, row.kv_bytes_per_token_bf16) == ("mistral_large_3", "fp8", "deepseek_v3", KV_PER_TOKEN)


def test_import_model_refuses_a_dense_params_json_with_exit_2(tmp_path):
    bad = tmp_path / "params.json"
    bad.write_text(json.dumps({k: v for k, v in TEXT.items() if k != "moe"}))
    result = imported(tmp_path, bad)
    assert result.exit_code == 2 and f"error: --config {bad}: moe: missing or 0" in result.output
    assert not (tmp_path / "ours" / "models.csv").exists()


def test_hangar_size_fits_it_in_fp8_on_eight_h200s_or_eight_b200s(tmp_path):
    assert imported(tmp_path).exit_code == 0
    args = ["size", HF_ID, "--overrides", str(tmp_path / "ours"), "--context", "32768", "--cloud", "aws", "--precision", "fp8", "--format", "json"]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    feasible = json.loads(result.stdout)["feasible"]
    eights = {(o["accelerator"], o["tensor_parallel"]) for o in feasible}
    assert {("H200", 8), ("B200", 8)} <= eights and not any(o["accelerator"] == "H100" for o in feasible)
    h200 = next(o["memory"] for o in feasible if o["accelerator"] == "H200" and o["tensor_parallel"] == 8)
    # fp8 weights 673.886B - 0.466B kept 16-bit, plus that 0.466B at 2 bytes and the 131,072 x 7,168 embedding and head at 2
    # (629.8 GiB), and what each GPU holds whole (hangar.sizing.replicated_weights; vLLM serves it as DeepseekV3ForCausalLM):
    # 7 more copies of the fp8 fused_qkv_a_proj, 61 x 7,168 x 2,112, and the 58 MoE layers' 7,168 x 128 routers in bf16
    whole = 61 * 7168 * 2112 * 7 + 58 * 7168 * 128 * (2 * 8 - 1)
    assert h200["weights_gib"] == pytest.approx(629.8 + whole / 2**30, abs=0.05) and round(h200["weights_gib"], 2) == 636.55
    # ONE 32,768-token sequence: the latent is whole on each of the 8 ranks
    assert h200["kv_per_sequence_gib"] == pytest.approx(KV_PER_TOKEN * 32768 * 8 / 2**30)


def test_hangar_size_refuses_a_deployment_pinned_to_v0_11_2(tmp_path):
    assert imported(tmp_path).exit_code == 0
    args = ["size", HF_ID, "--overrides", str(tmp_path / "ours"), "--context", "32768", "--cloud", "aws", "--precision", "fp8",
            "--engine-version", "v0.11.2"]
    result = CliRunner().invoke(app, args, catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"no feasible option: the vLLM release cannot load {HF_ID} on any machine" in result.stdout
    assert (f"vLLM v0.11.2 cannot load {HF_ID}: MistralLarge3ForCausalLM is not in v0.11.2's model registry" in result.stdout
            and "set --engine-version to v0.12.0 or later" in result.stdout)
