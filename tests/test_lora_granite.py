"""LoRA on IBM Granite and SmolLM3 (`hangar.sizing.lora_granite`): which classes each vLLM release starts with adapters,
and the slots it allocates, written out from the shapes the module docstring cites (one slot of rank 16 on one GPU,
elements x 2 bytes). The configs are transformers' class defaults (tests/granite_configs.py), as no whole config.json of
a Granite or SmolLM3 release was found."""

from __future__ import annotations

import copy
import datetime
import json

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.model_config import model_row
from hangar.cli import app
from hangar.sizing import LoraSlots, lora_bytes, memory_fit
from hangar.sizing.lora_architectures import lora_families, lora_refusal
from tests.granite_configs import GRANITE_DEFAULTS
from tests.lora_plans import SQL, with_adapters
from tests.serving_plans import refused

R, H, V = 16, 4096, 32000
"""The rank, and the hidden size and vocabulary of every config below (the Granite classes' defaults)."""
SHAPE = {"hidden_size": H, "intermediate_size": 11008, "num_hidden_layers": 32, "num_attention_heads": 32, "vocab_size": V,
         "torch_dtype": "bfloat16"}  # fmt: skip
GRANITE = {"architectures": ["GraniteForCausalLM"], "model_type": "granite", **SHAPE}
LLAMA = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", **SHAPE, "max_position_embeddings": 2048}
GRANITEMOE = {"architectures": ["GraniteMoeForCausalLM"], "model_type": "granitemoe", **SHAPE}
SHARED = {"architectures": ["GraniteMoeSharedForCausalLM"], "model_type": "granitemoeshared", **SHAPE, "shared_intermediate_size": 1024}
MICRO_LAYOUT = {**GRANITE_DEFAULTS, "layer_types": ["attention"] * 32, "num_local_experts": 0}
SLOT = LoraSlots(slots=1, rank=R)
H100 = load_catalog().gpus["H100-SXM"]


def row(config: dict, family: str | None = None):
    return model_row(f"example-org/{config['model_type']}", config, licence_id="apache-2.0", source="test",
                     as_of=datetime.date(2026, 12, 3), family=family)  # fmt: skip


ATTENTION = 3 * R * H + 3 * H * R + R * H + H * R
"""qkv_proj (three A r x H, B (q + 2 kv) x r: 32 KV heads of 128) and o_proj, per layer."""
VOCAB_V033 = (V * R + H * R) + (R * H + V * R)
"""embed_tokens (A V x r, B H x r) and lm_head (A r x H, B V x r) at v0.33.0."""


@pytest.mark.parametrize("release", ["v0.11.2", "v0.33.0"])
def test_granite_takes_llamas_slots_at_both_releases(release):
    """granite.py builds Llama's layers and vocabulary (growing it at v0.11.2 as llama.py does)."""
    granite, llama = row(GRANITE), row(LLAMA, family="Llama 3.1")
    assert lora_refusal(granite, release) is None
    assert lora_bytes(granite, SLOT, engine_version=release) == lora_bytes(llama, SLOT, engine_version=release)
    if release == "v0.33.0":
        mlp = 2 * R * H + 2 * 11008 * R + R * 11008 + H * R  # gate_up_proj, down_proj
        assert lora_bytes(granite, SLOT, engine_version=release) == (32 * (ATTENTION + mlp) + VOCAB_V033) * 2


def test_v0_11_2_cannot_start_granite_moe_with_lora_and_v0_33_sizes_it():
    moe = row(GRANITEMOE)
    assert lora_refusal(moe, "v0.11.2") == (
        "vLLM v0.11.2 fails to start GraniteMoeForCausalLM with --enable-lora: its LoRA manager needs the experts' "
        "get_expert_mapping, which neither the class nor its model defines (\"To support LoRA for MoE model, "
        "'get_expert_mapping' must be implemented\"); vLLM v0.33.0 takes the experts' own"
    )
    assert lora_refusal(moe, "v0.33.0") is None
    assert "granitemoe" not in lora_families("v0.11.2") and {"granite", "granitemoe", "granitemoeshared"} <= set(lora_families("v0.33.0"))
    # the router (r x H, 8 x r), 8 experts' w1, w3 (r x H, 11,008 x r) and w2 (r x 11,008, H x r)
    experts = R * H + 8 * R + 8 * (2 * R * H + 2 * 11008 * R + R * 11008 + H * R)
    assert lora_bytes(moe, SLOT, engine_version="v0.33.0") == (32 * (ATTENTION + experts) + VOCAB_V033) * 2


def test_granitemoeshared_adapts_its_shared_mlps_output_layer_only_at_v0_33():
    """granitemoeshared.py packs no `input_linear`: no LoRA class takes it (v0.33.0 ignores it, with a warning), and
    `output_linear` gets A r x 1,024, B H x r."""
    shared = row(SHARED)
    experts = R * H + 8 * R + 8 * (2 * R * H + 2 * 11008 * R + R * 11008 + H * R)
    assert lora_bytes(shared, SLOT, engine_version="v0.33.0") == (32 * (ATTENTION + experts + R * 1024 + H * R) + VOCAB_V033) * 2
    assert "get_expert_mapping" in lora_refusal(shared, "v0.11.2")


@pytest.mark.parametrize("release", ["v0.11.2", "v0.33.0"])
def test_granite_micros_layout_adapts_its_shared_mlp_as_one_packed_module(release):
    """granitemoehybrid.py names `input_linear` one checkpoint module: one A r x H, B 2 x 1,024 x r, and output_linear.
    At v0.11.2 each slot also adds 256 tokens to the LoRA embedding and head (padded to 32,256 rows), not to the model's own."""
    micro = row(MICRO_LAYOUT)
    layer = ATTENTION + (R * H + 2 * 1024 * R) + (R * 1024 + H * R)
    vocab = VOCAB_V033 if release == "v0.33.0" else (256 * H + (V + 256) * R + H * R) + (R * H + 32256 * R + 256 * H)
    assert lora_refusal(micro, release) is None
    assert lora_bytes(micro, SLOT, engine_version=release) == (32 * layer + vocab) * 2
    fit = memory_fit(micro, H100, engine_version=release, lora=SLOT)
    assert fit.lora_unsized is None and fit.lora_gib == lora_bytes(micro, SLOT, engine_version=release) / 2**30


def test_a_mamba2_granite_and_smollm3_take_adapters_but_their_slots_are_not_sized():
    hybrid = row({**GRANITE_DEFAULTS, "num_local_experts": 0})
    smollm3 = row({"architectures": ["SmolLM3ForCausalLM"], "model_type": "smollm3", **SHAPE})
    for release in ("v0.11.2", "v0.33.0"):
        assert lora_refusal(hybrid, release) is None and lora_refusal(smollm3, release) is None
        assert memory_fit(hybrid, H100, engine_version=release, lora=SLOT).lora_unsized == (
            "example-org/granitemoehybrid: the GPU memory of its LoRA slots is not sized: Granite 4.0's Mamba2 layers (in_proj, "
            "conv1d, out_proj) are adapted too, and their LoRA slots are not sized"
        )
        smol = memory_fit(smollm3, H100, engine_version=release, lora=SLOT)
        assert "its architecture SmolLM3ForCausalLM is not one of" in smol.lora_unsized and "Transformers backend" in smol.lora_unsized


def test_adapters_on_granite_moe_pinned_to_v0_11_2_are_a_config_error(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(SHARED))
    imported = CliRunner().invoke(app, ["catalog", "import-model", "example-org/granite-shared", "--config", str(path),
                                        "--licence", "apache-2.0", "--overrides", str(tmp_path / "ours")])  # fmt: skip
    assert imported.exit_code == 0, imported.output
    raw = copy.deepcopy(with_adapters(SQL))
    raw["catalog_overrides"] = str(tmp_path / "ours")
    raw["deployments"][0].update(model="example-org/granite-shared", engine_version="v0.11.2", max_context_tokens=2048)
    (line,) = [line for line in refused(raw).splitlines() if "get_expert_mapping" in line]
    assert line.startswith("Pulumi.test.yaml: hangar:environment.deployments[0].lora: vLLM v0.11.2 fails to start "
                           "GraniteMoeSharedForCausalLM with --enable-lora"), line
    assert "catalog families:" in line and "granitemoeshared" not in line.split("catalog families:")[1], line
