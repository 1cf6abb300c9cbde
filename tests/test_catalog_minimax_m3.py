"""MiniMax-M3 (`minimax_m3_vl`, and NVIDIA aiconfigurator's flat `minimax_m3`): the reader on the real files, the KV bytes
vLLM v0.33.0 allocates, the estimate against MiniMax's size, `hangar size` on 8 x H200, the releases that cannot load it.

The files (tests/model_configs, sources.json): aiconfigurator's flat form of the text model (minimax-m3.json) and NVIDIA's
NVFP4 repack (nvidia-minimax-m3-nvfp4.json), the VL shell the release ships, whose MIXED_PRECISION quantisation is sized
in tests/test_modelopt_mixed.py; its layout is read here with the quantization_config taken out. Neither makes a row (no whole copy of MiniMax's
own config.json, and no licence text read in MiniMax's repository for M3: the catalog README).

KV bytes per token, by hand from vLLM v0.33.0 (vllm/models/minimax_m3/nvidia/model.py, common/indexer.py; PyPI wheel, read
2026-12-02). Each of the 60 layers registers a `FullAttentionSpec` of max(1, 4 // TP) KV heads x 128, K and V; each of the
57 sparse layers (sparse_attention_freq 1 from layer 3 on) also a `MiniMaxM3IndexerCache`, an `MLAAttentionSpec` of ONE
head of 128 (`num_kv_heads=1` on every rank), key only, in bf16 (`indexer_kv_dtype` "auto" -> "bf16"). One KV-cache group
(`UniformTypeKVCacheSpecs`), so a token costs the sum. Per rank at TP 8, bf16: 60 x 2 x 1 x 128 x 2 = 30,720 bytes of K/V
+ 57 x 128 x 2 = 14,592 of index keys = 45,312; over the 8 ranks 362,496. With --kv-cache-dtype fp8 the K/V halve (15,360 a
rank) and the index keys stay bf16: 29,952 a rank, 239,616 over 8. At TP 1: 122,880 + 14,592 = 137,472.

MiniMax's model card (its text as unsloth/MiniMax-M3 on Hugging Face keeps it, read in a mirror 2026-12-02): "~428B
parameters and ~23B activated parameters". The estimate: 427.04B in all, 25.60B active, of which the output head (200,064 x
6,144 = 1.229B) and the vision tower (0.865B) make 2.09B: 23.5B in the decoder's layers.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.config_fields import ConfigError
from hangar.catalog.model_config import read_config
from hangar.cli import app
from hangar.sizing import GIB, memory_fit
from hangar.sizing.engine_models import engine_refusal, first_served
from hangar.sizing.kv import kv_bytes_per_token
from hangar.sizing.lora_architectures import lora_refusal
from hangar.stackfile import environment_from_config
from tests.catalog_overrides import override
from tests.config_errors import config_problems
from tests.h200_stacks import with_deployment

CONFIGS = Path(__file__).parent / "model_configs"
SOURCES = json.loads((CONFIGS / "sources.json").read_text())
M3 = "MiniMaxAI/MiniMax-M3"
HEAD, VISION = 200064 * 6144, 865_007_616


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


def vl() -> dict:
    """NVIDIA's repack of the release's config.json without its quantization_config: the bf16 release's layout."""
    return {key: value for key, value in config("nvidia-minimax-m3-nvfp4.json").items() if key != "quantization_config"}


def imported(tmp_path: Path, fields: dict, hf_id: str = M3) -> Path:
    """`hangar catalog import-model` of `fields` into tmp_path/ours, under a licence row the team adds itself."""
    ours = tmp_path / "ours"
    override(ours, "licences.csv", "id", "minimax-model-license", id="team-read-minimax-m3")
    path = tmp_path / "config.json"
    path.write_text(json.dumps(fields))
    result = CliRunner().invoke(app, ["catalog", "import-model", hf_id, "--config", str(path), "--licence", "team-read-minimax-m3",
                                      "--overrides", str(ours)], catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return ours


def test_neither_file_makes_a_row_and_each_says_why():
    flat, nvfp4 = SOURCES["minimax-m3.json"], SOURCES["nvidia-minimax-m3-nvfp4.json"]
    assert flat["reader_only"] and "235 lines" in flat["note"] and "5.25 kB" in flat["note"]
    assert nvfp4["reader_only"] and "MIXED_PRECISION" in nvfp4["reader_only"]
    assert M3 not in load_catalog().models and "nvidia/MiniMax-M3-NVFP4" not in load_catalog().models


def test_the_flat_form_reads_dense_first_layers_routed_experts_with_a_shared_one_and_the_indexer_cache():
    arch = read_config(config("minimax-m3.json"))
    assert (arch.model_type, arch.text_model_type, arch.layers, arch.attention_heads, arch.kv_heads, arch.head_dim) == ("minimax_m3", "minimax_m3", 60, 64, 4, 128)
    assert (arch.kv_bytes_per_token_bf16, arch.indexer_bytes_per_token, arch.attention_layers, arch.sliding_window_layers) == (122880, 14592, None, None)
    assert (arch.num_experts, arch.num_experts_per_tok, arch.moe_intermediate_size, arch.shared_expert_intermediate_size) == (128, 4, 3072, 3072)
    assert (arch.intermediate_size, arch.dense_mlp_layers, arch.tie_word_embeddings, arch.multimodal) == (12288, 3, False, False)
    assert (arch.dtype, arch.max_context_tokens, arch.vocab_size) == ("bfloat16", 1048576, 200064)


def test_the_release_form_reads_the_same_text_model_and_counts_its_vision_tower_as_vllm_loads_it():
    flat, release = read_config(config("minimax-m3.json")), read_config(vl())
    assert (release.model_type, release.text_model_type, release.multimodal) == ("minimax_m3_vl", "minimax_m3_vl", True)
    # ViT: Conv3d 3 x 2 x 14^2 -> 1280; 32 blocks of 4 h^2 + 2 h x 5120; projector 1280 -> 6144 -> 6144; merger 4 x 6144 -> 6144 -> 6144
    tower = 3 * 2 * 14**2 * 1280 + 32 * (4 * 1280**2 + 2 * 1280 * 5120) + (1280 * 6144 + 6144**2) + (4 * 6144 * 6144 + 6144**2)
    assert tower == VISION and release.params_total_b == pytest.approx(flat.params_total_b + VISION / 1e9, abs=0.001)
    same = ("layers", "kv_heads", "head_dim", "kv_bytes_per_token_bf16", "indexer_bytes_per_token", "num_experts", "dense_mlp_layers", "max_context_tokens")
    assert [getattr(release, f) for f in same] == [getattr(flat, f) for f in same]


def test_the_estimate_is_minimax_size_and_leaves_out_the_prediction_modules():
    arch = read_config(vl())
    assert arch.params_total_b == pytest.approx(428, rel=0.01)
    assert arch.params_active_b - (HEAD + VISION) / 1e9 == pytest.approx(23, rel=0.03)  # MiniMax's count leaves out head and tower
    assert read_config({**config("minimax-m3.json"), "num_mtp_modules": 1}).params_total_b == read_config(config("minimax-m3.json")).params_total_b


@pytest.mark.parametrize(("kv", "tp", "per_rank"), [("auto", 8, 45312), ("fp8", 8, 29952), ("auto", 4, 45312), ("auto", 1, 137472)])
def test_bytes_per_token_are_the_k_v_by_kv_heads_plus_the_index_keys_whole_on_every_rank(tmp_path, kv, tp, per_rank):
    model = load_catalog(imported(tmp_path, vl())).model(M3)
    assert kv_bytes_per_token(model, kv, tp) == per_rank * tp


def test_nvidias_mixed_precision_repack_reads_the_release_layout_in_nvfp4_and_mxfp8():
    arch = read_config(config("nvidia-minimax-m3-nvfp4.json"))
    assert (arch.params_total_b, arch.dtype, arch.mixed_params_b) == (read_config(vl()).params_total_b, "nvfp4", "nvfp4:413.122 mxfp8:10.548")


SPARSE = "sparse_attention_config"


def changed(path: str, value) -> dict:
    fields = copy.deepcopy(config("minimax-m3.json"))
    *outer, key = path.split(".")
    target = fields
    for part in outer:
        target = target[part]
    target[key] = value
    return fields


@pytest.mark.parametrize(
    ("path", "value", "field", "says"),
    [
        ("hidden_act", "silu", "hidden_act", "'silu': vLLM's MiniMax-M3 MLP takes only swigluoai"),
        ("attention_output_gate", True, "attention_output_gate", "builds no output gate"),
        ("tie_word_embeddings", True, "tie_word_embeddings", "loads an output head of its own"),
        ("shared_intermediate_size", 1536, "shared_intermediate_size", "1536: vLLM builds it as 3072"),
        ("moe_intermediate_size", 2048, "moe_intermediate_size", "2048: vLLM builds it as 3072"),
        ("moe_layer_freq", [0] * 3 + [1] * 56, "moe_layer_freq", "expected a list of 60 whole numbers"),
        (f"{SPARSE}.sparse_attention_freq", None, f"{SPARSE}.sparse_attention_freq", "expected a list of 60"),
        (f"{SPARSE}.sparse_num_index_heads", 8, f"{SPARSE}.sparse_num_index_heads", "8: vLLM's fused index projection needs as many index heads as KV heads (4)"),
        (f"{SPARSE}.sparse_index_dim", 64, f"{SPARSE}.sparse_index_dim", "64: vLLM's fused index projection assumes the head size (128)"),
        (f"{SPARSE}.sparse_disable_index_value", [0] * 60, f"{SPARSE}.sparse_disable_index_value", "0 on a sparse layer"),
        (SPARSE, None, SPARSE, "missing"),
        ("num_local_experts", None, "num_local_experts", "missing"),
    ],
)
def test_a_config_vllm_would_build_otherwise_is_refused_naming_the_field(path, value, field, says):
    with pytest.raises(ConfigError) as refused:
        read_config(changed(path, value))
    assert refused.value.field == field and says in str(refused.value)


def test_dense_layers_off_the_index_path_cache_no_index_keys():
    arch = read_config(changed(f"{SPARSE}.sparse_attention_freq", [0] * 10 + [1] * 50))
    assert arch.indexer_bytes_per_token == 50 * 128 * 2 and arch.kv_bytes_per_token_bf16 == 122880
    assert read_config(changed(f"{SPARSE}.sparse_attention_freq", [0] * 60)).indexer_bytes_per_token is None


def test_import_model_says_what_it_read(tmp_path):
    ours = imported(tmp_path, vl())
    row = load_catalog(ours).model(M3)
    assert (row.family, row.licence_id, row.multimodal, row.text_model_type, row.indexer_bytes_per_token) == ("minimax_m3_vl", "team-read-minimax-m3", True, "minimax_m3_vl", 14592)


def test_an_import_of_the_mixed_precision_repack_with_a_layer_algo_vllm_does_not_take_exits_2_naming_the_entry(tmp_path):
    ours = tmp_path / "ours"
    override(ours, "licences.csv", "id", "minimax-model-license", id="team-read-minimax-m3")
    fields = config("nvidia-minimax-m3-nvfp4.json")
    fields["quantization_config"]["quantized_layers"]["language_model.model.layers.0.self_attn.o_proj"] = {"quant_algo": "W4A8_AWQ"}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(fields))
    result = CliRunner().invoke(app, ["catalog", "import-model", "nvidia/MiniMax-M3-NVFP4", "--config", str(path),
                                      "--licence", "team-read-minimax-m3", "--overrides", str(ours)], env={"COLUMNS": "400"})
    assert result.exit_code == 2 and ("quantization_config.quantized_layers['language_model.model.layers.0.self_attn.o_proj'].quant_algo: "
                                      "'W4A8_AWQ': vLLM v0.33.0 builds no quantised layer for it") in " ".join(result.output.split())
    assert not (ours / "models.csv").exists()


def test_on_eight_h200s_bf16_holds_81_sequences_of_8k_and_not_the_full_context(tmp_path):
    """Usable 8 x 141 GiB x 92% = 1,037.8 GiB; bf16 weights 427.04B x 2 bytes = 795.4 GiB; overhead 16; one 128-token block
    held back (128 x 362,496 bytes = 0.04 GiB); a sequence of 8,192 tokens 8,192 x 362,496 bytes = 2.766 GiB: 81 of them."""
    catalog = load_catalog(imported(tmp_path, vl()))
    model, h200 = catalog.model(M3), catalog.gpu("H200")
    fit = memory_fit(model, h200, precision="bf16", tensor_parallel=8, max_context_tokens=8192)
    assert fit.fits and fit.capacity_sequences == 81 and fit.kv_per_sequence_gib == pytest.approx(8192 * 362496 / GIB)
    full = memory_fit(model, h200, precision="bf16", tensor_parallel=8)
    assert not full.fits and "KV cache of one 1,048,576-token sequence 354.0" in full.reason
    assert "a max_model_len of at most 670,208 tokens would fit" in full.reason
    assert memory_fit(model, h200, precision="fp8", tensor_parallel=8).capacity_sequences == 1


def test_hangar_size_on_eight_h200s(tmp_path):
    ours = imported(tmp_path, vl())
    result = CliRunner().invoke(app, ["size", M3, "--overrides", str(ours), "--cloud", "aws", "--precision", "bf16", "--limit", "3"],
                                catch_exceptions=False, env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    assert ("MiniMaxAI/MiniMax-M3: 427.039B parameters (25.598B active, MoE), 60 layers, 4 KV heads x 128 + an indexer cache of "
            "14.25 KiB/token (120 KiB/token of bf16 KV), max context 1,048,576") in result.stdout
    row = next(line for line in result.stdout.splitlines() if "p5en.48xlarge" in line and "8 x H200" in line)
    assert "bf16" in row and "8 x 1" in row and row.rstrip("│ ").split("│")[-2].strip() == "81"
    # the best option's memory: K/V's 4 heads are copied twice over TP 8, the index keys kept whole on every GPU
    assert "replicated x2 across TP, indexer keys whole on each of the 8 GPUs" in result.stdout


def test_v0_11_2_cannot_load_the_release_and_v0_24_0_is_the_first_that_serves_it(tmp_path):
    model = load_catalog(imported(tmp_path, vl())).model(M3)
    assert engine_refusal(model, "v0.11.2") == (
        f"vLLM v0.11.2 cannot load {M3}: MiniMaxM3SparseForConditionalGeneration is not in v0.11.2's model registry, and its "
        "Transformers backend cannot stand in: the model_type minimax_m3_vl came in transformers 5 (4.57.6, the last 4.x, has none), "
        "and v0.11.2 requires transformers>=4.56.0,<5; vLLM serves it from v0.24.0"
    )
    assert first_served(model) == "v0.24.0" and engine_refusal(model, "v0.19.0") is not None
    assert engine_refusal(model, "v0.23.0") is None  # admits transformers 5: its Transformers backend was not read
    assert engine_refusal(model, "v0.24.0") is None and engine_refusal(model, "v0.33.0") is None


def test_no_release_loads_the_flat_form_and_a_deployment_of_it_says_so(tmp_path, aws_environment):
    ours = imported(tmp_path, config("minimax-m3.json"), hf_id="acme/minimax-m3-flat")
    model = load_catalog(ours).model("acme/minimax-m3-flat")
    for release in ("v0.11.2", "v0.33.0"):
        assert engine_refusal(model, release).startswith(f"vLLM {release} cannot load acme/minimax-m3-flat: no release read")
    stack = with_deployment(copy.deepcopy(aws_environment), model="acme/minimax-m3-flat", tensor_parallel=8)
    stack["catalog_overrides"] = str(ours)
    (problem,) = [p for p in config_problems(stack) if "deployments[0].model" in p]
    assert "MiniMax-M3's own config.json is minimax_m3_vl (MiniMaxM3SparseForConditionalGeneration), which vLLM serves from v0.24.0" in problem
    assert problem.endswith("serve another model (Hangar's generated vLLM arguments are verified for v0.11.2 and v0.33.0); got 'acme/minimax-m3-flat'")


def test_the_release_deploys_at_v0_33_0_without_adapters(tmp_path, aws_environment):
    ours = imported(tmp_path, vl())
    stack = with_deployment(copy.deepcopy(aws_environment), model=M3, tensor_parallel=8, max_context_tokens=32768)
    stack["catalog_overrides"] = str(ours)
    assert environment_from_config(stack, "Pulumi.test.yaml").deployments[0].model == M3
    refused = lora_refusal(load_catalog(ours).model(M3), "v0.33.0")
    assert refused == (f"vLLM v0.33.0's MiniMaxM3SparseForConditionalGeneration (the model class of {M3}) does not implement "
                       "SupportsLoRA: with --enable-lora vLLM refuses to start (MiniMaxM3SparseForConditionalGeneration does not support LoRA yet)")
