"""LoRA memory and support at the deployment's vLLM release (hangar.sizing.lora_releases): v0.33.0 wraps a layer held under
two names once, adapts gpt-oss's and GLM's routers and Qwen3-Next's shared-expert gate, gives gpt-oss's and Qwen3.5-MoE's
experts one w13 A, splits the experts with --fully-sharded-loras, serves Qwen3.5 and Gemma 4 (sized in
tests/test_lora_gemma4_devstral.py), and serves expert
parallelism under conditions. Each slot is written out layer by layer, one slot on ONE GPU, from the shapes the source
reads (elements; 2 bytes each); v0.11.2's are in tests/test_lora_memory.py and tests/test_lora_memory_layouts.py.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.base import CANNOT_JUDGE, HARDWARE_FIT

from hangar.catalog import load_catalog
from hangar.catalog.model_import import import_row
from hangar.sizing import LoraSlots, lora_bytes
from hangar.sizing.lora_architectures import architecture, supports_lora
from tests.adapter_records import server
from tests.catalog_overrides import UNSIZED, unsized_model
from tests.pack_agreement import offline_verdicts, pack_verdicts

CAT = load_catalog()
CONFIGS = Path(__file__).parent / "model_configs"
R = 16
DECLARED = [{"name": "sql", "source": "acme/moe-lora", "revision": "0" * 40, "licence": "apache-2.0", "rank": R}]


def glm():
    """GLM-4.7 as `hangar catalog import-model` reads it (tests/model_configs/glm-4.7.json): its family is `glm4_moe`."""
    return import_row("zai-org/GLM-4.7", CONFIGS / "glm-4.7.json", licence_id="mit", revision=None, today=datetime.date(2026, 12, 2))


# --- a dense model: only the vocabulary differs -------------------------------------------------------------------------


def test_a_dense_models_layers_are_the_same_at_both_releases_and_only_the_vocabulary_differs():
    qwen = CAT.model("Qwen/Qwen2.5-7B-Instruct")  # Qwen2ForCausalLM adapts no vocabulary at either release
    assert lora_bytes(qwen, LoraSlots(2, 64), 2, "v0.11.2") == lora_bytes(qwen, LoraSlots(2, 64), 2, "v0.33.0")
    llama = CAT.model("meta-llama/Llama-3.1-8B-Instruct")
    old, new = (lora_bytes(llama, LoraSlots(1, R), 1, release) for release in ("v0.11.2", "v0.33.0"))
    assert old > new  # v0.11.2's 256 extra tokens per slot and its padded head


# --- mixtures of experts ----------------------------------------------------------------------------------------------


def qwen3_moe_per_gpu(tp: int, *, sharded: bool = False, expert_gpus: int = 1) -> float:
    """One slot on one GPU of Qwen3-30B-A3B (H 2048, 32 heads x 128, 4 KV heads, 128 experts of 768) at v0.33.0, no vocabulary."""
    h, a_rank, b_h = 2048, (R / tp if sharded else R), (2048 / tp if sharded else 2048)
    kv = max(1, 4 // tp) * 128
    attention = (3 * a_rank * h + (4096 / tp + 2 * kv) * R) + (R * 4096 / tp + b_h * R)
    router = R * h + 128 * R
    local, width = (128 / expert_gpus, 768) if expert_gpus > 1 else (128, 768 / tp)
    experts = local * (2 * a_rank * h + 2 * width * R + R * width + b_h * R)
    return attention + router + experts


def qwen3_vocabulary(tp: int) -> int:
    """Qwen3-MoE's embed_tokens and lm_head slots at v0.33.0, whole on each of `tp` GPUs (V 151,936)."""
    return tp * ((151936 * R + 2048 * R) + (R * 2048 + 151936 * R))


def test_qwen3_moe_at_v0_33_0_written_out():
    moe = CAT.model("Qwen/Qwen3-30B-A3B")
    assert lora_bytes(moe, LoraSlots(1, R), 2, "v0.33.0") == (qwen3_moe_per_gpu(2) * 2 * 48 + qwen3_vocabulary(2)) * 2


def test_fully_sharded_loras_split_the_experts_at_v0_33_0_only():
    moe = CAT.model("Qwen/Qwen3-30B-A3B")
    sharded = LoraSlots(1, R, fully_sharded=True)
    assert lora_bytes(moe, sharded, 2, "v0.33.0") == (qwen3_moe_per_gpu(2, sharded=True) * 2 * 48 + qwen3_vocabulary(2)) * 2
    plain_old, sharded_old = (lora_bytes(moe, LoraSlots(1, R, fully_sharded=f), 2, "v0.11.2") for f in (False, True))
    plain_new, sharded_new = (lora_bytes(moe, LoraSlots(1, R, fully_sharded=f), 2, "v0.33.0") for f in (False, True))
    # v0.11.2 splits only the attention's ranks; v0.33.0 the experts' w1/w3 A and w2 B too, far more
    assert plain_old - sharded_old < 0.02 * plain_old and plain_new - sharded_new > 0.3 * plain_new


def test_expert_parallelism_at_v0_33_0_holds_a_share_of_the_experts_at_their_whole_width():
    moe = CAT.model("Qwen/Qwen3-30B-A3B")
    ep = LoraSlots(1, R, expert_parallel=True)
    assert lora_bytes(moe, ep, 2, "v0.33.0") == (qwen3_moe_per_gpu(2, expert_gpus=2) * 2 * 48 + qwen3_vocabulary(2)) * 2
    # experts: 64 of width 768 instead of 128 of 384 per GPU, the same A/B count but a smaller A share
    assert lora_bytes(moe, ep, 2, "v0.33.0") < lora_bytes(moe, LoraSlots(1, R), 2, "v0.33.0")


def test_gpt_oss_at_v0_33_0_adapts_its_router_and_holds_one_w13_a_per_expert():
    # As at v0.11.2 its experts run on Marlin with LoRA, padded to 3072 (H) and 2944 (Ie); the router is a GateLinear now.
    oss = CAT.model("openai/gpt-oss-20b")
    attention = (3 * R * 2880 + (4096 + 2 * 512) * R) + (R * 4096 + 2880 * R)
    router = R * 2880 + 32 * R
    experts = 32 * ((R * 3072 + 2 * 2944 * R) + (R * 2944 + 3072 * R))  # FusedMoE3DWithLoRA: one w13 A, w13 B of 2 x Ie
    assert lora_bytes(oss, LoraSlots(), 1, "v0.33.0") == (attention + router + experts) * 24 * 2
    old = lora_bytes(oss, LoraSlots(), 1, "v0.11.2")
    assert old - lora_bytes(oss, LoraSlots(), 1, "v0.33.0") == (32 * R * 3072 - router) * 24 * 2


def test_deepseek_v3_at_v0_33_0_wraps_its_latent_attention_once():
    r, tp = R, 8
    fused_qkv_a = 2 * r * 7168 + (1536 + 512 + 64) * r
    attention = fused_qkv_a + (r * 1536 + 128 * 192 // tp * r) + (r * 512 + 128 * 256 // tp * r) + (r * 128 * 128 // tp + 7168 * r)
    v3 = CAT.model("deepseek-ai/DeepSeek-V3")
    old, new = (lora_bytes(v3, LoraSlots(1, r), tp, release) for release in ("v0.11.2", "v0.33.0"))
    assert old - new == 61 * attention * 2 * tp  # v0.11.2's second wrapper under mla_attn
    assert (old / tp / 2**30, new / tp / 2**30) == (pytest.approx(10.04, abs=0.01), pytest.approx(9.97, abs=0.01))


def test_deepseek_v32s_indexer_at_v0_33_0_adapts_only_wq_b():
    v3, v32 = CAT.model("deepseek-ai/DeepSeek-V3"), CAT.model("deepseek-ai/DeepSeek-V3.2")
    wq_b = R * 1536 + 64 * 128 * R  # wk_weights_proj: a merged layer no packed-module entry names, not wrapped
    assert lora_bytes(v32, LoraSlots(1, R), 8, "v0.33.0") - lora_bytes(v3, LoraSlots(1, R), 8, "v0.33.0") == 61 * wq_b * 2 * 8


def test_qwen3_next_at_v0_33_0_adds_its_shared_expert_gate():
    nxt = CAT.model("Qwen/Qwen3-Next-80B-A3B-Thinking")
    gate = R * 2048 + 1 * R  # a ReplicatedLinear of hidden -> 1, in each of its 48 MoE layers
    assert lora_bytes(nxt, LoraSlots(1, R), 4, "v0.33.0") - lora_bytes(nxt, LoraSlots(1, R), 4, "v0.11.2") == 48 * gate * 2 * 4


def test_glm_is_sized_at_both_releases_and_v0_33_0_adapts_its_router():
    row, r, tp = glm(), R, 8
    named = json.loads((CONFIGS / "glm-4.7.json").read_text())["architectures"][0]
    assert architecture(row) == named == "Glm4MoeForCausalLM" and supports_lora(named, "v0.11.2") and supports_lora(named, "v0.33.0")
    assert row.family == "glm4_moe" and (row.dense_mlp_layers, row.num_experts, row.shared_expert_intermediate_size) == (3, 160, 1536)
    attention = (3 * r * 5120 + (12288 // tp + 2 * 128) * r) + (r * 12288 // tp + 5120 * r)
    dense = (2 * r * 5120 + 2 * 12288 // tp * r) + (r * 12288 // tp + 5120 * r)
    mlp_1536 = (2 * r * 5120 + 2 * 1536 // tp * r) + (r * 1536 // tp + 5120 * r)
    experts = 160 * (2 * r * 5120 + 2 * 1536 // tp * r + r * 1536 // tp + 5120 * r)
    router = r * 5120 + 160 * r  # a GateLinear at v0.33.0, a torch.nn.Linear at v0.11.2
    old = 92 * attention + 3 * dense + 89 * (experts + mlp_1536)
    assert lora_bytes(row, LoraSlots(1, r), tp, "v0.11.2") == old * 2 * tp
    assert lora_bytes(row, LoraSlots(1, r), tp, "v0.33.0") == (old + 89 * router) * 2 * tp


# --- Qwen3.5 and Gemma 4 ----------------------------------------------------------------------------------------------


def test_qwen3_5_dense_is_sized_at_v0_33_0():
    # 24 gated-delta-net layers (keys 2048, values 4096, 32 value heads, kernel 4: in_proj_qkvz four A, in_proj_ba two),
    # 8 gated-attention layers (16 heads x 256 doubled by the gate, 4 KV heads), an MLP of 12288 in all 32; V 248,320 adapted
    h, v = 4096, 248320
    gdn = (R * 4 + 8192 * R) + (4 * R * h + 12288 * R) + (2 * R * h + 64 * R) + (R * 4096 + h * R)
    attention = (3 * R * h + (2 * 16 * 256 + 2 * 4 * 256) * R) + (R * 4096 + h * R)
    mlp = (2 * R * h + 2 * 12288 * R) + (R * 12288 + h * R)
    vocabulary = (v * R + h * R) + (R * h + v * R)
    expected = (24 * gdn + 8 * attention + 32 * mlp + vocabulary) * 2
    assert lora_bytes(CAT.model("Qwen/Qwen3.5-9B"), LoraSlots(1, R), 1, "v0.33.0") == expected


def test_qwen3_5_moe_is_sized_at_v0_33_0():
    # TP 2; 30 gated-delta-net and 10 attention layers (2 KV heads, one a GPU); 256 experts of 512 with one w13 A each
    # (is_3d_moe_weight), the router, a shared MLP of 512 and its gate in all 40
    h, v, tp = 2048, 248320, 2
    gdn = (R * 4 + 8192 / tp * R) + (4 * R * h + 12288 / tp * R) + (2 * R * h + 64 / tp * R) + (R * 4096 / tp + h * R)
    attention = (3 * R * h + (2 * 16 * 256 / tp + 2 * 256) * R) + (R * 4096 / tp + h * R)
    moe = (R * h + 256 * R) + 256 * ((R * h + 2 * 256 * R) + (R * 256 + h * R))
    moe += (2 * R * h + 2 * 256 * R) + (R * 256 + h * R) + (R * h + R)
    vocabulary = tp * ((v * R + h * R) + (R * h + v * R))
    expected = ((30 * gdn + 10 * attention + 40 * moe) * tp + vocabulary) * 2
    assert lora_bytes(CAT.model("Qwen/Qwen3.5-35B-A3B"), LoraSlots(1, R), tp, "v0.33.0") == expected


@pytest.mark.parametrize(("hf_id", "release"), [("Qwen/Qwen3.5-9B", "v0.11.2"), ("google/gemma-4-26B-A4B", "v0.11.2")])
def test_a_raw_program_with_adapters_on_a_model_the_release_cannot_load_gets_that_reason(hf_id, release):
    records = server(["sql=/x"], DECLARED, model=hf_id, release=release)
    found = [(v.policy, v.message) for v in evaluate(records, load_pack_config({}, "test")) if v.policy in (HARDWARE_FIT, CANNOT_JUDGE)]
    lora = [(policy, message) for policy, message in found if "LoRA" in message]
    # the release cannot load the model at all: that, not its adapters, is the verdict
    assert lora == [] and any(policy == HARDWARE_FIT and f"vLLM v0.11.2 cannot load {hf_id}" in message for policy, message in found)


# --- expert parallelism per release --------------------------------------------------------------------------------------


def ep_refusals(model: str, release: str, flags: list[str]) -> list[str]:
    records = server(["sql=/x"], DECLARED, model=model, release=release)
    records[0].inputs["spec"]["template"]["spec"]["containers"][0]["args"] += flags
    return [v.message for v in evaluate(records, load_pack_config({}, "test")) if v.policy == HARDWARE_FIT and "expert parallelism" in v.message]


EP = ["--enable-expert-parallel", "--tensor-parallel-size", "2"]


def test_v0_33_0_serves_lora_on_experts_sharded_by_expert_parallelism():
    assert ep_refusals("Qwen/Qwen3-30B-A3B", "v0.33.0", EP) == []
    assert ep_refusals("Qwen/Qwen3-30B-A3B", "v0.33.0", [*EP, "--all2all-backend", "allgather_reducescatter"]) == []
    (old,) = ep_refusals("Qwen/Qwen3-30B-A3B", "v0.11.2", EP)
    assert old.startswith("qwen: vLLM v0.11.2 serves LoRA on a mixture of experts (Qwen/Qwen3-30B-A3B) only without expert parallelism")


def test_v0_33_0_refuses_expert_parallelism_with_fully_sharded_loras_naming_the_release():
    (line,) = ep_refusals("Qwen/Qwen3-30B-A3B", "v0.33.0", [*EP, "--fully-sharded-loras"])
    assert line == (
        "qwen: vLLM v0.33.0 serves LoRA on a mixture of experts (Qwen/Qwen3-30B-A3B) with expert parallelism only without "
        "--fully-sharded-loras: with both it refuses to start (Fused MoE LoRA does not support enable_expert_parallel=True "
        "together with fully_sharded_loras=True)"
    )
    (unread,) = ep_refusals("Qwen/Qwen3-30B-A3B", "v0.20.0", [*EP, "--fully-sharded-loras"])
    assert unread.startswith("qwen: vLLM v0.20.0 (sized by v0.33.0's LoRA rules: v0.20.0's were not read) serves LoRA")


def test_v0_33_0_refuses_expert_parallelism_on_another_all2all_backend():
    (line,) = ep_refusals("Qwen/Qwen3-30B-A3B", "v0.33.0", [*EP, "--all2all-backend", "deepep_low_latency"])
    assert "only on --all2all-backend allgather_reducescatter: on deepep_low_latency it refuses to start" in line
    assert ep_refusals("Qwen/Qwen3-30B-A3B", "v0.33.0", [*EP, "--all2all-backend", "naive"]) == []  # rewritten to the default


def test_v0_33_0_refuses_sequence_parallel_experts_but_not_mixtrals():
    both = [*EP, "--data-parallel-size", "2"]
    (line,) = ep_refusals("Qwen/Qwen3-30B-A3B", "v0.33.0", both)
    assert "Qwen3MoeForCausalLM makes them so with tensor and data parallelism both above 1" in line
    assert ep_refusals("Qwen/Qwen3-30B-A3B", "v0.33.0", ["--enable-expert-parallel", "--data-parallel-size", "2"]) == []
    assert ep_refusals("mistralai/Mixtral-8x7B-Instruct-v0.1", "v0.33.0", both) == []  # mixtral.py passes no sequence parallelism


def test_the_pack_over_grpc_agrees_on_expert_parallelism_and_unsized_adapters(tmp_path):
    configs = load_pack_config({}, "test")
    refused = server(["sql=/x"], DECLARED, model="Qwen/Qwen3-30B-A3B", release="v0.33.0")
    refused[0].inputs["spec"]["template"]["spec"]["containers"][0]["args"] += [*EP, "--fully-sharded-loras"]
    verdicts = offline_verdicts(refused, configs, HARDWARE_FIT)
    assert any("together with fully_sharded_loras=True" in message for _, _, message, _ in verdicts)
    assert pack_verdicts(refused, configs, HARDWARE_FIT) == verdicts
    unsized = server(["sql=/x"], DECLARED, model=UNSIZED, release="v0.33.0")
    configs = load_pack_config({CANNOT_JUDGE: {"catalogOverrides": unsized_model(tmp_path / "ours")}}, "test")
    verdicts = offline_verdicts(unsized, configs, CANNOT_JUDGE)
    assert any("the GPU memory of its LoRA slots is not sized" in message for _, _, message, _ in verdicts)
    assert pack_verdicts(unsized, configs, CANNOT_JUDGE) == verdicts
