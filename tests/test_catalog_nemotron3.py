"""NVIDIA Nemotron 3 (`nemotron_h`): Super's and Ultra's latent MoE, Ultra's and Lightning's `layers_block_type`, the
modules a ModelOpt repack keeps in 16 bits, through the reader, `hangar catalog import-model`, sizing and the engine check.

The files are NVIDIA's copies in ai-dynamo/aiconfigurator (tests/model_configs/, sources.json, read 2026-12-02); none
makes a catalog row (no licence text read: hangar/catalog/data/README.md), so the sizing tests build the row
import-model would. Every figure is worked by hand from vLLM v0.33.0's vllm/model_executor/models/nemotron_h.py and
layers/mamba/mamba_mixer2.py (PyPI wheel, commit 4ba787ec9), as `hangar.catalog.mamba_layout` and
`hangar.catalog.nemotron_quant` cite them.
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
from hangar.sizing.data_parallel import exchange_seconds
from hangar.sizing.engine_models import engine_refusal, first_served
from hangar.sizing.experts import moe_layers, routed_expert_params
from hangar.sizing.kv_pool import state_bytes_per_rank
from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems
from tests.h200_stacks import with_deployment

CONFIGS = Path(__file__).parent / "model_configs"
CAT = load_catalog()
SUPER_ID = "nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8"
NANO_NVFP4 = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-NVFP4"
SHORTHAND = {"quantization": {"quant_algo": "FP8", "kv_cache_quant_algo": "FP8"}}
"""aiconfigurator's hf_quant_config.json beside Super's FP8 copy, whole (98 bytes): no producer, no exclude_modules."""


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


SUPER = config("nvidia-nemotron-3-super-120b-a12b-fp8.json")
ULTRA = config("nvidia-nemotron-3-ultra-550b-a55b-bf16.json")
NANO_QUANT = config("hf_quant_config/nvidia-nemotron-3-nano-30b-a3b-nvfp4.json")


def row(hf_id: str, fields: dict):
    return model_row(hf_id, fields, licence_id="nvidia-open-model-license", source="test", as_of=datetime.date(2026, 12, 2))


def test_super_reads_its_latent_moe_as_vllm_builds_it():
    """88 layers: 40 Mamba2, 40 MoE, 8 attention (hybrid_override_pattern). By layer, in weights:

    * Mamba2 mixer (128 heads of 64 = width 8,192; conv channels 8,192 + 2 x 8 groups x 128 state = 10,240): in_proj
      4,096 x (8,192 + 10,240 + 128) = 76,021,760; conv1d 10,240 x 4 = 40,960; out_proj 8,192 x 4,096 = 33,554,432;
    * attention: q and o 4,096 x 32 x 128 each, k and v 4,096 x 2 x 128 each = 35,651,584;
    * MoE (`NemotronHMoE`): 512 experts, each up 1,024 x 2,688 and down 2,688 x 1,024 (the FusedMoE's hidden_size is
      moe_latent_size) = 5,505,024; fc1_latent_proj and fc2_latent_proj 2 x 4,096 x 1,024 = 8,388,608; the router
      4,096 x 512 = 2,097,152; the shared expert 2 x 4,096 x 5,376 = 44,040,192;
    * embedding and head (untied) 2 x 131,072 x 4,096 = 1,073,741,824; the MTP layer (`mtp.`) is dropped at load.

    Total 40 x 109,617,152 + 8 x 35,651,584 + 40 x (512 x 5,505,024 + 54,525,952) + 1,073,741,824 = 120,667,783,168;
    active (22 experts, the head but not the embedding): 12,231,819,264. NVIDIA's card notes: 120.6B total, 12.7B active
    (12.769B with the embedding). KV: 2 x 8 layers x 2 heads x 128 x 2 bytes = 8,192 a token; a Mamba2 state 3 x 10,240 x
    2 + 128 x 64 x 128 x 4 (mamba_ssm_cache_dtype float32) = 4,255,744 bytes, 40 of them a sequence."""
    arch = read_config(SUPER)
    assert (arch.layers, arch.state_layers, arch.attention_layers, arch.num_experts, arch.num_experts_per_tok) == (88, 40, 8, 512, 22)
    assert (arch.moe_latent_size, arch.moe_intermediate_size, arch.shared_expert_intermediate_size) == (1024, 2688, 5376)
    assert (arch.params_total_b, arch.params_active_b) == (120.668, 12.232)
    assert arch.kv_bytes_per_token_bf16 == 8192 and arch.state_bytes_per_sequence == 40 * 4_255_744
    assert (arch.dtype, arch.kv_cache_dtype, arch.unquantised_params_b, arch.max_context_tokens) == ("bfloat16", None, None, 262_144)


def test_ultra_reads_its_layers_block_type_list_without_num_hidden_layers():
    """108 layers from `layers_block_type` (transformers 5.16.1 NemotronHConfig: num_hidden_layers is the list's length):
    48 Mamba2 (256 heads of 64: in_proj 8,192 x (16,384 + 18,432 + 256) = 287,178,752, conv1d 18,432 x 4 = 73,728,
    out_proj 16,384 x 8,192 = 134,217,728), 12 attention (2 x 8,192 x 64 x 128 + 2 x 8,192 x 2 x 128 = 138,412,032),
    48 MoE (512 x 2 x 2,048 x 5,120 = 10,737,418,240 of experts; 2 x 8,192 x 2,048 latent; 8,192 x 512 router; 2 x 8,192 x
    10,240 shared) and 2 x 131,072 x 8,192 of embedding and head: 549,306,384,384 in all; 54,982,033,408 active. NVIDIA
    names it 550B-A55B."""
    arch = read_config(ULTRA)
    assert "num_hidden_layers" not in ULTRA and (arch.layers, arch.state_layers, arch.attention_layers) == (108, 48, 12)
    assert (arch.moe_latent_size, arch.params_total_b, arch.params_active_b) == (2048, 549.306, 54.982)
    assert arch.kv_bytes_per_token_bf16 == 2 * 12 * 2 * 128 * 2
    spelled = {**{k: v for k, v in ULTRA.items() if k != "layers_block_type"},
               "hybrid_override_pattern": "".join({"mamba": "M", "attention": "*", "moe": "E"}[kind] for kind in ULTRA["layers_block_type"])}
    assert read_config(spelled) == arch  # the same layers, spelt as the characters vLLM reads


def test_lightning_reads_as_nanos_shape_with_its_million_token_context():
    """`moe_latent_size` null: no latent MoE (vLLM's `getattr(config, "moe_latent_size", None) is not None`); its MTP
    layer is not counted, so it reads as Nano's 31.578B. Its hf_quant_config.json is MIXED_PRECISION: refused."""
    arch = read_config(config("nvidia-nemotron-3.5-lightning-30b-a3b-nvfp4.json"))
    nano = read_config(config("nvidia-nemotron-3-nano-30b-a3b-bf16.json"))
    assert (arch.moe_latent_size, arch.params_total_b, arch.max_context_tokens) == (None, nano.params_total_b, 1_048_576)
    mixed = {"producer": {"name": "modelopt", "version": "0.44.0rc5"}, "quantization": {"quant_algo": "MIXED_PRECISION", "kv_cache_quant_algo": "FP8"}}
    with pytest.raises(ConfigError) as raised:
        read_config(config("nvidia-nemotron-3.5-lightning-30b-a3b-nvfp4.json"), mixed)
    assert raised.value.field == "hf_quant_config.json.quantization.quant_algo" and "'MIXED_PRECISION'" in str(raised.value)


def test_nano_nvfp4_keeps_its_listed_projections_in_16_bits():
    """exclude_modules names the in/out projections of 6 Mamba2 layers: 6 x (2,688 x (4,096 + 6,144 + 64) + 4,096 x 2,688)
    = 232,243,200; the q/k/v/o projections of the 6 attention layers: 6 x (2 x 2,688 x 4,096 + 2 x 2,688 x 256) =
    140,378,112; 23 Mamba2 conv1d (16-bit in vLLM whatever the list) and lm_head: not counted again. 0.373B in all."""
    arch = read_config(config("nvidia-nemotron-3-nano-30b-a3b-nvfp4.json"), NANO_QUANT)
    assert (arch.dtype, arch.kv_cache_dtype, arch.unquantised_params_b) == ("nvfp4", "fp8", 0.373)


@pytest.mark.parametrize(("entry", "says"), [
    ("backbone.layers.0.mixer.q_proj", "'backbone.layers.0.mixer.q_proj', a module layer 0 (mamba) does not have"),
    ("backbone.layers.1.mixer.fc1_latent_proj", "a module layer 1 (moe) does not have"),  # Nano has no latent MoE
    ("backbone.layers.1.mixer.experts.0.up_proj", "keeps modules in 16 bits that Hangar cannot count"),
])  # fmt: skip
def test_a_nemotron_exclusion_the_layout_cannot_place_is_refused_by_field(entry, says):
    quant = {**NANO_QUANT, "quantization": {**NANO_QUANT["quantization"], "exclude_modules": ["lm_head", entry]}}
    with pytest.raises(ConfigError) as raised:
        read_config(config("nvidia-nemotron-3-nano-30b-a3b-nvfp4.json"), quant)
    assert raised.value.field.startswith("hf_quant_config.json") and says in str(raised.value)


def test_a_super_latent_projection_exclusion_is_counted():
    """Were a Super repack to list both latent projections of MoE layer 1 (vLLM: "ModelOpt excludes the latent
    projections"): 2 x 4,096 x 1,024 = 8,388,608 weights kept in 16 bits."""
    quant = {"producer": {"name": "modelopt"}, "quantization": {"quant_algo": "FP8", "kv_cache_quant_algo": "FP8",
             "exclude_modules": ["lm_head", "backbone.layers.1.mixer.fc1_latent_proj", "backbone.layers.1.mixer.fc2_latent_proj"]}}
    assert read_config(SUPER, quant).unquantised_params_b == round(8_388_608 / 1e9, 3)


@pytest.mark.parametrize(("change", "field", "says"), [
    ({"layers_block_type": ["mamba"] * 107 + ["hybrid"]}, "layers_block_type", "'hybrid' not understood"),
    ({"layers_block_type": "MEM*"}, "layers_block_type", "is not a list of layer types"),
    ({"hybrid_override_pattern": "M" * 108}, "hybrid_override_pattern", "differs from layers_block_type"),
    ({"num_hidden_layers": 88}, "layers_block_type", "names 108 layers, num_hidden_layers 88"),
    ({"block_configs": [{"block_type": "moe"}]}, "block_configs", "per-layer blocks (a heterogeneous Nemotron-H) are not read"),
    ({"moe_latent_size": 0}, "moe_latent_size", "0 is not a positive whole number"),
])  # fmt: skip
def test_an_ultra_config_the_reader_cannot_size_is_refused_by_field(change, field, says):
    with pytest.raises(ConfigError) as raised:
        read_config({**ULTRA, **change})
    assert raised.value.field == field and says in str(raised.value)


def test_aiconfigurators_shorthand_quant_config_is_not_read_as_modelopt():
    with pytest.raises(ConfigError) as raised:
        read_config(SUPER, SHORTHAND)
    assert raised.value.field == "hf_quant_config.json" and "no producer modelopt" in str(raised.value)


# --- serving and sizing ------------------------------------------------------------------------------------------


def test_vllm_v0_11_2_cannot_load_a_latent_moe():
    model = row(SUPER_ID, SUPER)
    assert engine_refusal(model, "v0.11.2") == (
        f"vLLM v0.11.2 cannot load {SUPER_ID}: its nemotron_h.py has no latent MoE (moe_latent_size 1024): it builds the routed "
        "experts 4096 wide and no fc1_latent_proj or fc2_latent_proj for the checkpoint's weights; vLLM v0.33.0 serves it "
        "(the releases between were not read)"
    )
    assert engine_refusal(model, "v0.33.0") is None and engine_refusal(model, "v0.20.0") is None and first_served(model) == "v0.33.0"
    nano = row("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", config("nvidia-nemotron-3-nano-30b-a3b-bf16.json"))
    assert engine_refusal(nano, "v0.11.2") is None and first_served(nano) is None


def test_super_routed_experts_are_counted_in_their_latent_width():
    """40 MoE layers (88 less 40 Mamba2 and 8 attention) x 512 experts x 2 matrices (no gate) x 1,024 x 2,688."""
    model = row(SUPER_ID, SUPER)
    assert moe_layers(model) == 40 and routed_expert_params(model) == 40 * 512 * 2 * 1024 * 2688


def test_super_exchanges_its_tokens_in_the_latent_width_under_data_parallelism():
    """DP 2 x TP 1, 1,000 tokens, a 400 GB/s link at full share, 10 us: each of the 40 MoE layers all-gathers and
    reduce-scatters (2 - 1) / 2 of 1,000 x 1,024 (moe_latent_size, not the 4,096 residual) x 2 bytes over 200 GB/s."""
    model = row(SUPER_ID, SUPER)
    step = 10e-6 + 0.5 * 1000 * 1024 * 2 / 200e9
    args = {"tensor_parallel": 1, "data_parallel": 2, "expert_parallel": False, "interconnect_gbps": 400, "latency_us": 10, "interconnect_share": 1}
    assert exchange_seconds(model, 1000, **args) == pytest.approx(2 * 40 * step)
    wide = model.model_copy(update={"moe_latent_size": None})
    assert exchange_seconds(wide, 1000, **args) == pytest.approx(2 * 40 * (10e-6 + 0.5 * 1000 * 4096 * 2 / 200e9))


def test_super_in_fp8_on_two_h100s_at_v0_33():
    """TP 2, fp8, 8,192 tokens, 92% of 80 GiB x 2 = 147.2 GiB usable:

    * weights: (120.668e9 - 1,073,741,824) x 1 byte + the embedding and head 1,073,741,824 x 2 = 121,741,741,824 bytes
      split over the two GPUs, and on each the whole latent projections (335,544,320 fp8 weights) and router (83,886,080
      bf16 weights on Hopper), which the split charged once at 1 byte: + 335,544,320 + 83,886,080 x 3 = 122,328,944,384;
    * a Mamba2 state on a rank: conv 3 x 10,240 / 2 x 2 = 30,720 + temporal 64 heads x 64 x 128 x 4 = 2,127,872 bytes;
      an attention token of a layer on a rank: 2 x 1 KV head x 128 x 2 = 512 bytes; block 16 x ceil(2,127,872 /
      (16 x 512)) = 4,160 tokens, a page of 2,129,920 bytes;
    * 8 attention and 40 Mamba2 layers: groups of 8 (1 attention, 5 state), a block 8 pages a rank; a sequence
      ceil(8,192 / 4,160) = 2 + 5 x 3 = 17 blocks, x 2 ranks.
    The modules NVIDIA's FP8 repack keeps in 16 bits are not known (no ModelOpt file read): every other weight is fp8."""
    model = row(SUPER_ID, SUPER)
    assert state_bytes_per_rank(model, 2, "v0.33.0") == 2_127_872
    fit = memory_fit(model, CAT.gpus["H100-SXM"], precision="fp8", tensor_parallel=2, engine_version="v0.33.0", max_context_tokens=8192)
    assert fit.weights_gib * GIB == 122_328_944_384 and "attention blocks of 4,160 tokens" in fit.kv_pages
    block = 2 * 8 * 2_129_920
    assert fit.kv_per_sequence_gib * GIB == 17 * block and fit.fits
    assert fit.capacity_sequences == (int(fit.kv_budget_gib * GIB // block) - 1) // 17 == 54
    one = memory_fit(model, CAT.gpus["H100-SXM"], precision="fp8", tensor_parallel=1, engine_version="v0.33.0", max_context_tokens=8192)
    assert not one.fits and "the weights alone do not fit" in one.reason


def test_import_model_writes_super_and_hangar_size_serves_it_on_two_h100s(tmp_path):
    imported = CliRunner().invoke(app, ["catalog", "import-model", SUPER_ID, "--config", str(CONFIGS / "nvidia-nemotron-3-super-120b-a12b-fp8.json"),
                                        "--licence", "nvidia-open-model-license", "--overrides", str(tmp_path / "ours")])
    assert imported.exit_code == 0, imported.output
    assert ("120.668B parameters (12.232B active, 22 of 512 experts in a 1,024 latent); 88 layers (8 with attention, 40 with a fixed state"
            in imported.stdout)
    assert load_catalog(tmp_path / "ours").model(SUPER_ID).moe_latent_size == 1024
    sized = CliRunner().invoke(app, ["size", SUPER_ID, "--overrides", str(tmp_path / "ours"), "-p", "fp8", "--cloud", "gcp", "--limit", "0"])
    assert sized.exit_code == 0, sized.output
    line = next(line for line in sized.stdout.splitlines() if "a3-highgpu-2g" in line)
    assert "2 x H100-SXM" in line and "2 x 1" in line and line.split("│")[-3].strip() == "54"


def test_import_model_reads_nano_nvfp4_with_the_quant_config_beside_it(tmp_path):
    (tmp_path / "config.json").write_text((CONFIGS / "nvidia-nemotron-3-nano-30b-a3b-nvfp4.json").read_text())
    (tmp_path / "hf_quant_config.json").write_text(json.dumps(NANO_QUANT))
    result = CliRunner().invoke(app, ["catalog", "import-model", NANO_NVFP4, "--config", str(tmp_path / "config.json"),
                                      "--licence", "nvidia-open-model-license", "--overrides", str(tmp_path / "ours")])
    assert result.exit_code == 0, result.output
    model = load_catalog(tmp_path / "ours").model(NANO_NVFP4)
    assert (model.dtype, model.kv_cache_dtype, model.unquantised_params_b) == ("nvfp4", "fp8", 0.373)
    (tmp_path / "shorthand.json").write_text(json.dumps(SHORTHAND))
    refused = CliRunner().invoke(app, ["catalog", "import-model", SUPER_ID, "--config", str(CONFIGS / "nvidia-nemotron-3-super-120b-a12b-fp8.json"),
                                       "--quant-config", str(tmp_path / "shorthand.json"), "--licence", "nvidia-open-model-license",
                                       "--overrides", str(tmp_path / "ours")])
    assert refused.exit_code == 2 and "hf_quant_config.json: not a ModelOpt quantisation config (no producer modelopt)" in refused.output
    assert SUPER_ID not in load_catalog(tmp_path / "ours").models


def test_a_super_deployment_pinned_to_v0_11_2_is_refused(tmp_path, aws_environment):
    imported = CliRunner().invoke(app, ["catalog", "import-model", SUPER_ID, "--config", str(CONFIGS / "nvidia-nemotron-3-super-120b-a12b-fp8.json"),
                                        "--licence", "nvidia-open-model-license", "--overrides", str(tmp_path / "ours")])
    assert imported.exit_code == 0, imported.output
    raw = with_deployment(copy.deepcopy(aws_environment), model=SUPER_ID, engine_version="v0.11.2")
    raw["catalog_overrides"] = str(tmp_path / "ours")
    refused = [p for p in config_problems(raw) if "deployments[0].model" in p]
    assert len(refused) == 1 and "its nemotron_h.py has no latent MoE" in refused[0]
    assert "set deployments[0].engine_version to v0.33.0 or later" in refused[0]
    raw = with_deployment(copy.deepcopy(aws_environment), model=SUPER_ID, engine_version="v0.33.0")
    raw["catalog_overrides"] = str(tmp_path / "ours")
    assert environment_from_config(raw, "Pulumi.test.yaml").deployments[0].model == SUPER_ID  # v0.33.0 serves it
