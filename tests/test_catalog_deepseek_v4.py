"""DeepSeek-V4 (`deepseek_v4`, `DeepseekV4ForCausalLM`): the reader on DeepSeek's Flash and Pro config.json (NVIDIA
aiconfigurator's copies, `reader_only`: no licence was read from DeepSeek's own copy, so no packaged row), its refusals,
the KV cache vLLM v0.33.0 allocates for it, `hangar size` on 8 x H200 and 8 x B200, and v0.11.2's refusal.

Hand calculation of the KV cache from vLLM v0.33.0's code (wheel, commit 4ba787ec9; `hangar.sizing.kv_deepseek_v4` has
the files), DeepSeek-V4-Flash on compute capability 9.0 or 10.0 (fp8_ds_mla), one rank:

  pages (each padded to a multiple of 576 bytes):
    window (43 layers):           64-token block x 584 B           = 37,376 -> 37,440 B, window 128
    CSA latents (21 layers):      256-token block / 4 x 584 B      = 37,376 -> 37,440 B
    HCA latents (20 layers):      256 / 128 x 584 B                =  1,168 ->  1,728 B
    CSA indexer keys (21):        256 / 4 x (128 + 128 / 128 x 4)  =  8,448 ->  8,640 B
    CSA latent compressor (21):   4-token block x 2 x 2 x 512 x 4  = 32,768 -> 32,832 B, window 8
    CSA indexer compressor (21):  4 x 2 x 2 x 128 x 4              =  8,192 ->  8,640 B, window 8
    HCA compressor (20):          8-token block x 2 x 512 x 4      = 32,768 -> 32,832 B, window 128
  groups (`_get_packed_kv_cache_groups`): the compressor bucket of block 4 mixes two page sizes 21:21, so groups hold at
  least 21 repeats; `_approximate_gcd`([43, 21, 20], lower 21) = 22 (padding 1 + 1 + 2 = 4); so the window bucket splits
  into 2 groups (22 + 21 layers), the rest stay whole: widest group = the 256-token bucket, 21 x 37,440 + 20 x 1,728 +
  21 x 8,640 = 1,002,240 B a block.
  one 1,048,576-token sequence, max_num_batched_tokens 8,192 (H200), 2 batches in flight = 16,384 tokens:
    256-token group ceil(1,048,576 / 256) = 4,096; window groups 2 x (ceil((127 + 16,384) / 64) + 1) = 2 x 259;
    block-4 group ceil((7 + 16,384) / 4) + 1 = 4,099; block-8 group ceil((127 + 16,384) / 8) + 1 = 2,065
    = 10,778 blocks x 1,002,240 B = 10.06 GiB a rank, 80.48 GiB over TP 8 (every rank holds it all).
Decode reads (ESTIMATE) of one step of a 1,048,576-token sequence on one rank: windows 43 x 128 x 584 + CSA top-k
21 x 512 x 584 + every indexer key 21 x 262,144 x 132 + every HCA latent 20 x 8,192 x 584 = 831,839,232 B.
Weights (mxfp4 experts, fp8 rest, bf16 embedding and head): 43 x 256 x 3 x 4,096 x 2,048 = 277.03B expert weights x
(1/2 + 1/32) B + (284.332B - 277.03B - 1.059B) x 1 B + 1.059B x 2 B = 155.54 GB = 144.85 GiB.
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
from hangar.sizing.engine_models import engine_refusal
from hangar.sizing.kv_deepseek_v4 import packing, token_bytes
from tests.config_errors import config_problems
from tests.h200_stacks import with_deployment

CONFIGS = Path(__file__).parent / "model_configs"
SOURCES = json.loads((CONFIGS / "sources.json").read_text())
FLASH, PRO = "deepseek-ai/DeepSeek-V4-Flash", "deepseek-ai/DeepSeek-V4-Pro"
BLOCK = 21 * 37_440 + 20 * 1_728 + 21 * 8_640


def config(name: str = "deepseek-v4-flash.json") -> dict:
    return json.loads((CONFIGS / name).read_text())


def flash_row():
    return model_row(FLASH, config(), licence_id="mit", source="tests/model_configs", as_of=datetime.date(2026, 12, 2))


def import_flash(tmp_path: Path, path: Path | None = None):
    return CliRunner().invoke(
        app, ["catalog", "import-model", FLASH, "--config", str(path or CONFIGS / "deepseek-v4-flash.json"), "--licence", "mit",
              "--overrides", str(tmp_path / "ours")], catch_exceptions=False, env={"COLUMNS": "250"},
    )


def test_the_copies_test_the_reader_and_make_no_packaged_row_without_deepseeks_licence():
    for name, hf_id in (("deepseek-v4-flash.json", FLASH), ("deepseek-v4-pro.json", PRO)):
        entry = SOURCES[name]
        assert entry["hf_id"] == hf_id and entry["commit"].startswith("095f58a5") and "no licence read" in entry["reader_only"]
        assert "48 keys" in entry["note"]
    catalog = load_catalog()
    assert FLASH not in catalog.models and PRO not in catalog.models


def test_the_reader_reads_flash_by_kind_of_layer_and_its_published_formats():
    arch = read_config(config())
    assert (arch.model_type, arch.text_model_type, arch.layers, arch.attention_heads, arch.kv_heads, arch.head_dim) == (
        "deepseek_v4", "deepseek_v4", 43, 64, 1, 512)
    assert (arch.csa_layers, arch.hca_layers, arch.sliding_window, arch.sliding_window_layers) == (21, 20, 128, 2)
    assert (arch.index_n_heads, arch.index_head_dim, arch.kv_lora_rank, arch.indexer_bytes_per_token) == (64, 128, None, None)
    assert arch.kv_bytes_per_token_bf16 == 21 * 512 * 2 // 4 + 20 * 512 * 2 // 128 == 5_536
    assert (arch.num_experts, arch.num_experts_per_tok, arch.moe_intermediate_size, arch.shared_expert_intermediate_size) == (256, 6, 2048, 2048)
    assert (arch.dtype, arch.max_context_tokens, arch.tie_word_embeddings, arch.intermediate_size) == ("mxfp4", 1_048_576, False, None)


def test_pro_has_no_window_only_layer_and_the_estimates_are_near_the_published_sizes():
    pro, flash = read_config(config("deepseek-v4-pro.json")), read_config(config())
    assert (pro.layers, pro.csa_layers, pro.hca_layers, pro.sliding_window_layers, pro.num_experts) == (61, 30, 31, None, 384)
    # the model card: Flash 284B (13B activated), Pro 1.6T (49B activated); the ESTIMATE counts the embedding and head as active
    assert (flash.params_total_b, flash.params_active_b) == (284.332, 13.8)
    assert (pro.params_total_b, pro.params_active_b) == (1572.997, 49.779)
    assert read_config({**config(), "num_nextn_predict_layers": 3}).params_total_b == flash.params_total_b  # the MTP draft is not loaded
    assert read_config({**config(), "expert_dtype": "fp8"}).dtype == "fp8"  # Flash-Base's FP8 experts


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"compress_ratios": [0, 2] + [4] * 42}, "compress_ratios", "holds [2]; vLLM v0.33.0 builds ratios 0 (window only), 4 and 128"),
        ({"compress_ratios": [4] * 40}, "compress_ratios", "has 40 entries for 43 layers"),
        ({"compress_ratios": None}, "compress_ratios", "must be a list of integers"),
        ({"head_dim": 576}, "head_dim", "576: vLLM v0.33.0's DeepSeek-V4 caches"),
        ({"expert_dtype": "int4"}, "expert_dtype", "'int4'; vLLM v0.33.0 takes fp4 or fp8"),
    ],
)
def test_a_config_vllm_would_not_build_so_is_refused_naming_the_field(change, field, says):
    with pytest.raises(ConfigError) as refused:
        read_config({**config(), **change})
    assert refused.value.field == field and says in str(refused.value)


def test_the_kv_cache_is_the_hand_calculation_of_the_docstring():
    model = flash_row()
    pack = packing(model)
    assert sorted(len(group) for group in pack.groups) == [20, 21, 22, 42, 62]
    assert pack.block_bytes == BLOCK == 1_002_240
    assert pack.blocks(1_048_576, 16_384) == 4_096 + 2 * 259 + 4_099 + 2_065 == 10_778
    assert token_bytes(model) == 21 * (584 + 132) / 4 + 20 * 584 / 128  # the compressed caches a token adds, amortised
    fit = memory_fit(model, load_catalog().gpu("H200"), precision="mxfp4", tensor_parallel=8)
    assert (fit.kv_cache_dtype, fit.max_context_tokens, fit.max_num_batched_tokens) == ("fp8", 1_048_576, 8_192)
    assert fit.kv_per_sequence_gib == pytest.approx(10_778 * BLOCK * 8 / GIB)
    assert fit.kv_reserved_gib == pytest.approx(BLOCK * 8 / GIB)  # the null block
    assert fit.weights_gib == pytest.approx(144.8536, abs=1e-4)
    assert fit.fits and fit.capacity_sequences == int(fit.kv_budget_gib * GIB // (BLOCK * 8) - 1) // 10_778 == 10


def test_bf16_kv_is_refused_where_vllm_refuses_it():
    from hangar.sizing.kv import KvError

    with pytest.raises(KvError, match="takes fp8 only"):
        memory_fit(flash_row(), load_catalog().gpu("H200"), precision="mxfp4", tensor_parallel=8, kv_cache_dtype="bf16")


def _size(tmp_path: Path, *args: str) -> dict:
    assert import_flash(tmp_path).exit_code == 0
    result = CliRunner().invoke(app, ["size", FLASH, "--overrides", str(tmp_path / "ours"), "--format", "json", "--limit", "0", *args],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_hangar_size_on_eight_h200_and_eight_b200(tmp_path):
    ranking = _size(tmp_path, "--context", "1048576", "--concurrency", "1")
    by_node = {(o["instance_type"], o["tensor_parallel"]): o for o in ranking["feasible"]}
    h200, b200 = by_node[("p5en.48xlarge", 8)], by_node[("p6-b200.48xlarge", 8)]
    assert (h200["accelerator"], h200["precision"], h200["kv_cache_dtype"]) == ("H200", "mxfp4", "fp8")
    assert h200["memory"]["kv_per_sequence_gib"] == pytest.approx(10_778 * BLOCK * 8 / GIB) and h200["memory"]["capacity_sequences"] == 10
    # B200: max_num_batched_tokens 16,384, 32,768 tokens in flight: 4,096 + 2 x 515 + 8,195 + 4,113 blocks
    assert b200["accelerator"] == "B200" and b200["memory"]["max_num_batched_tokens"] == 16_384
    assert b200["memory"]["kv_per_sequence_gib"] == pytest.approx((4_096 + 2 * 515 + 8_195 + 4_113) * BLOCK * 8 / GIB)
    assert b200["memory"]["capacity_sequences"] == 8
    assert {o["precision"] for o in ranking["feasible"]} == {"mxfp4"}


def test_hangar_size_refuses_gpus_without_flashmla_sparse_and_the_unregistering_release(tmp_path):
    ranking = _size(tmp_path)
    reasons = {r["accelerator"]: " ".join(r["reasons"]) for r in ranking["infeasible"]}
    assert "runs on compute capability 9.x and 10.x (FlashMLA sparse" in reasons["A100-80GB"]  # and 12.x: tests/test_deepseek_v4_gpus.py
    assert "runs on compute capability 9.x and 10.x" in reasons["L40S"]
    old = _size(tmp_path, "--engine-version", "v0.11.2")
    refusal = engine_refusal(flash_row(), "v0.11.2")  # the deployment path's refusal, on every machine
    assert old["feasible"] == [] and old["refusal"] == refusal and all(r["reasons"] == [refusal] for r in old["infeasible"])


def test_vllm_v0_11_2_cannot_load_it_and_a_deployment_pinned_to_it_is_refused(tmp_path, aws_environment):
    refusal = engine_refusal(flash_row(), "v0.11.2")
    assert refusal == (f"vLLM v0.11.2 cannot load {FLASH}: DeepseekV4ForCausalLM is not in v0.11.2's model registry, and its "
                       "Transformers backend cannot stand in: transformers 4.57.6, the last release v0.11.2's transformers<5 admits, "
                       "has no deepseek_v4 model; vLLM v0.33.0 serves it")
    assert "v0.11.2's (and v0.10.0 is older)" in engine_refusal(flash_row(), "v0.10.0")
    assert engine_refusal(flash_row(), "v0.25.0") is None and engine_refusal(flash_row(), "v0.33.0") is None  # not read / serves it
    assert import_flash(tmp_path).exit_code == 0
    raw = with_deployment(copy.deepcopy(aws_environment), model=FLASH, engine_version="v0.11.2")
    raw["catalog_overrides"] = str(tmp_path / "ours")
    problems = [p for p in config_problems(raw) if ".model:" in p]
    assert problems == [
        f"Pulumi.test.yaml: hangar:environment.deployments[0].model: {refusal}: set deployments[0].engine_version to v0.33.0 "
        "(the releases between v0.11.2 and it were not read for it), or serve another model (Hangar's generated vLLM arguments "
        f"are verified for v0.11.2 and v0.33.0); got '{FLASH}'"
    ]


def test_import_model_says_what_it_read_and_refuses_a_repack_it_cannot_size(tmp_path):
    result = import_flash(tmp_path)
    assert result.exit_code == 0, result.output
    assert ("284.332B parameters (13.8B active, 6 of 256 experts); 43 layers (each caches its last 128 tokens' latents; 21 also one "
            "latent and one indexer key per 4 tokens (CSA), 20 one latent per 128 (HCA), 2 keep only that); 1 KV heads x 512; 5.40625 "
            "KiB/token of bf16 compressed latents; max context 1,048,576") in " ".join(result.stdout.split())
    row = load_catalog(tmp_path / "ours").model(FLASH)
    assert (row.licence_id, row.dtype, row.family, row.csa_layers, row.hca_layers) == ("mit", "mxfp4", "deepseek_v4", 21, 20)
    repack = tmp_path / "nvfp4.json"
    repack.write_text(json.dumps({**config(), "quantization_config": {**config()["quantization_config"], "quant_algo": "MIXED_PRECISION"}}))
    refused = import_flash(tmp_path / "other", repack)
    assert refused.exit_code == 2 and "quantization_config.quant_algo: Hangar sizes DeepSeek-V4 only as DeepSeek publishes it" in refused.output


def test_adapters_are_not_sized_for_its_compressed_attention_and_the_reason_says_so():
    from hangar.sizing.lora import LoraSlots
    from hangar.sizing.lora_architectures import lora_refusal

    model = flash_row()
    assert lora_refusal(model, "v0.33.0") is None  # DeepseekV4ForCausalLM declares SupportsLoRA at v0.33.0
    fit = memory_fit(model, load_catalog().gpu("H200"), precision="mxfp4", tensor_parallel=8, lora=LoraSlots())
    assert fit.lora_unsized == (f"{FLASH}: the GPU memory of its LoRA slots is not sized: compressed latent attention in a model "
                                "class (DeepseekV4ForCausalLM) whose LoRA layers were not read")


def test_a_decode_step_reads_the_window_the_picked_latents_every_indexer_key_and_every_hca_latent():
    from hangar.sizing.kv_deepseek_v4 import decode_read_bytes

    model = flash_row()
    assert model.index_topk == 512 and read_config(config("deepseek-v4-pro.json")).index_topk == 1024
    assert decode_read_bytes(model, 1_048_576) == 43 * 128 * 584 + 21 * 512 * 584 + 21 * 262_144 * 132 + 20 * 8_192 * 584 == 831_839_232
    assert decode_read_bytes(model, 64) == 43 * 64 * 584 + 21 * 16 * 584 + 21 * 16 * 132 + 20 * 0.5 * 584  # short: all of them
