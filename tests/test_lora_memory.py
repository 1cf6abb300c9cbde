"""LoRA adapters' GPU memory in the fit (issue 15): the slots vLLM v0.11.2 allocates with `--enable-lora` (the vocabulary as v0.11.2 adapts it; v0.33.0: tests/test_lora_vocab_releases.py).

The expected sizes are written out tensor by tensor, as each layer's `create_lora_weights` shapes them
(vllm/lora/layers/column_parallel_linear.py and row_parallel_linear.py of the vllm-0.11.2 sdist), from the
catalog rows' own widths.
"""

from __future__ import annotations

import copy
import math
import re

import pytest
from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.base import CANNOT_JUDGE, HARDWARE_FIT

from hangar.catalog import load_catalog
from hangar.sizing import LoraSizeUnknown, LoraSlots, lora_bytes, memory_fit
from tests.adapter_records import server
from tests.catalog_overrides import UNSIZED, unsized_model
from tests.lora_plans import SQL, SUPPORT, with_adapters
from tests.serving_plans import flags, plan_environment, server_container, workloads

CATALOG = load_catalog()


def model(hf_id: str):
    return CATALOG.models[hf_id]


def elements(*shapes: tuple[int, ...]) -> int:
    return sum(math.prod(shape) for shape in shapes)


def test_llamas_slots_are_the_tensors_vllm_allocates_in_each_layer():
    llama = model("meta-llama/Llama-3.1-8B-Instruct")
    assert (llama.layers, llama.hidden_size, llama.intermediate_size, llama.attention_heads, llama.kv_heads, llama.head_dim) == (32, 4096, 14336, 32, 8, 128)
    slots, rank = 2, 16
    one_gpu = elements(
        *[(slots, 1, rank, 4096)] * 3, (slots, 1, 4096, rank), (slots, 1, 1024, rank), (slots, 1, 1024, rank),  # qkv_proj: A per q/k/v, B per slice
        (slots, 1, rank, 4096), (slots, 1, 4096, rank),  # o_proj
        *[(slots, 1, rank, 4096)] * 2, *[(slots, 1, 14336, rank)] * 2,  # gate_up_proj
        (slots, 1, rank, 14336), (slots, 1, 4096, rank),  # down_proj
    )  # fmt: skip
    # LlamaForCausalLM adapts embed_tokens and lm_head too (128,256 tokens, 256 extra per slot), on every GPU whole ...
    vocabulary = elements(
        (slots, 256, 4096), (slots, 128256 + 256, rank), (slots, 1, 4096, rank),  # embed_tokens: added embeddings, A, B
        (slots, 1, rank, 4096), (slots, 1, 128512, rank), (slots, 256, 4096),  # lm_head: A, B (128,512 a multiple of 256), added
    )  # fmt: skip
    # ... and its base embedding gains 256 rows per slot, its head 256 (split over the GPUs).
    rows = (256 * slots + 256) * 4096
    assert lora_bytes(llama, LoraSlots(slots, rank), engine_version="v0.11.2") == (one_gpu * 32 + vocabulary + rows) * 2  # 32 layers, 2-byte weights
    # Over two GPUs the column layers' B and the row layers' A are split; the other halves are on both.
    per_gpu = elements(
        *[(slots, 1, rank, 4096)] * 3, (slots, 1, 2048, rank), (slots, 1, 512, rank), (slots, 1, 512, rank),
        (slots, 1, rank, 2048), (slots, 1, 4096, rank),
        *[(slots, 1, rank, 4096)] * 2, *[(slots, 1, 7168, rank)] * 2,
        (slots, 1, rank, 7168), (slots, 1, 4096, rank),
    )  # fmt: skip
    assert lora_bytes(llama, LoraSlots(slots, rank), tensor_parallel=2, engine_version="v0.11.2") == (2 * per_gpu * 32 + 2 * vocabulary + rows) * 2
    # --fully-sharded-loras splits the rest too: A of the column layers by rank, B of the row layers by output.
    sharded = elements(
        *[(slots, 1, rank // 2, 4096)] * 3, (slots, 1, 2048, rank), (slots, 1, 512, rank), (slots, 1, 512, rank),
        (slots, 1, rank, 2048), (slots, 1, 2048, rank),
        *[(slots, 1, rank // 2, 4096)] * 2, *[(slots, 1, 7168, rank)] * 2,
        (slots, 1, rank, 7168), (slots, 1, 2048, rank),
    )  # fmt: skip
    assert lora_bytes(llama, LoraSlots(slots, rank, fully_sharded=True), tensor_parallel=2, engine_version="v0.11.2") == (2 * sharded * 32 + 2 * vocabulary + rows) * 2


def test_a_checkpoint_that_fuses_qkv_and_gate_up_gets_one_a_matrix_for_each():
    # vLLM's Phi3ForCausalLM packs qkv_proj and gate_up_proj from one checkpoint module each: one slice, one A.
    phi = model("microsoft/phi-4")
    assert phi.family == "Phi-4" and (phi.hidden_size, phi.intermediate_size, phi.attention_heads, phi.kv_heads, phi.head_dim) == (5120, 17920, 40, 10, 128)
    one_gpu = elements(
        (1, 1, 8, 5120), (1, 1, 5120 + 2 * 1280, 8),
        (1, 1, 8, 5120), (1, 1, 5120, 8),
        (1, 1, 8, 5120), (1, 1, 2 * 17920, 8),
        (1, 1, 8, 17920), (1, 1, 5120, 8),
    )  # fmt: skip
    # Phi3ForCausalLM extends Llama's class, vocabulary included: 100,352 tokens, 100,608 with 256 extra (a multiple of 256).
    vocabulary = elements((1, 256, 5120), (1, 100608, 8), (1, 1, 5120, 8), (1, 1, 8, 5120), (1, 1, 100608, 8), (1, 256, 5120))
    assert lora_bytes(phi, LoraSlots(1, 8), engine_version="v0.11.2") == (one_gpu * phi.layers + vocabulary + (256 + 256) * 5120) * 2


def test_a_vocabulary_off_the_padding_gets_the_lora_heads_padded_rows():
    # Phi-3-mini's 32,064 tokens: the head's B takes 32,320 padded to 32,512; the base head grows from 32,064 rows (a multiple
    # of 64) to 32,512 (32,256 then 256 extra), the base embedding by 256 rows for its one slot.
    phi3 = model("microsoft/Phi-3-mini-4k-instruct")
    assert (phi3.vocab_size, phi3.hidden_size) == (32064, 3072)
    without_vocabulary = lora_bytes(phi3, LoraSlots(1, 8), engine_version="v0.11.2") / 2 - elements(
        (1, 256, 3072), (1, 32064 + 256, 8), (1, 1, 3072, 8), (1, 1, 8, 3072), (1, 1, 32512, 8), (1, 256, 3072)
    ) - (256 + 448) * 3072
    layer = elements((1, 1, 8, 3072), (1, 1, 3072 + 2 * 3072, 8), (1, 1, 8, 3072), (1, 1, 3072, 8), (1, 1, 8, 3072), (1, 1, 16384, 8),
                     (1, 1, 8, 8192), (1, 1, 3072, 8))  # fmt: skip
    assert without_vocabulary == layer * 32


def test_classes_that_leave_the_vocabulary_alone_get_no_slots_there():
    from hangar.sizing.lora_vocab import adapted_vocabulary, vocabulary_elements

    qwen = model("Qwen/Qwen2.5-7B-Instruct")
    assert adapted_vocabulary(qwen) == () and vocabulary_elements(qwen, 4, 64, 1) == 0
    # Command R's class adapts its embedding only; its row has no widths, so its slots stay unsized, said so.
    assert adapted_vocabulary(model("CohereForAI/c4ai-command-r-v01")) == ("embed_tokens",)


def test_a_llama_row_without_vocab_size_is_not_sized():
    llama = model("meta-llama/Llama-3.1-8B-Instruct").model_copy(update={"vocab_size": None})
    with pytest.raises(LoraSizeUnknown, match="its class LlamaForCausalLM adapts its vocabulary too, and its catalog row has no vocab_size"):
        lora_bytes(llama, LoraSlots())


def test_a_mixture_of_experts_gets_a_slot_in_its_router_and_in_every_expert():
    # Qwen3-30B-A3B: every one of its 48 layers routes to 128 experts of width 768 (Qwen3MoeSparseMoeBlock), no shared expert.
    qwen = model("Qwen/Qwen3-30B-A3B")
    assert (qwen.layers, qwen.hidden_size, qwen.moe_intermediate_size, qwen.num_experts, qwen.attention_heads, qwen.kv_heads, qwen.head_dim) == (
        48, 2048, 768, 128, 32, 4, 128
    )  # fmt: skip
    slots, rank = 2, 8

    def per_gpu(tp: int) -> int:
        width, kv = 768 // tp, 4 // tp * 128
        return elements(
            *[(slots, 1, rank, 2048)] * 3, (slots, 1, 4096 // tp, rank), (slots, 1, kv, rank), (slots, 1, kv, rank),  # qkv_proj
            (slots, 1, rank, 4096 // tp), (slots, 1, 2048, rank),  # o_proj
            (slots, 1, rank, 2048), (slots, 1, 128, rank),  # gate: the router, whole on every GPU
            (slots, 128, rank, 2048), (slots, 128, width, rank),  # experts w1 (FusedMoEWithLoRA's w1_lora_a/b_stacked)
            (slots, 128, rank, 2048), (slots, 128, width, rank),  # w3
            (slots, 128, rank, width), (slots, 128, 2048, rank),  # w2
        )  # fmt: skip

    assert lora_bytes(qwen, LoraSlots(slots, rank), engine_version="v0.11.2") == per_gpu(1) * 48 * 2
    # Over two GPUs every expert stays on both (no expert parallelism with LoRA), each with half its width.
    assert lora_bytes(qwen, LoraSlots(slots, rank), tensor_parallel=2, engine_version="v0.11.2") == 2 * per_gpu(2) * 48 * 2
    # --fully-sharded-loras halves the attention's qkv A and o_proj B on each GPU, not the experts' matrices.
    sharded = lora_bytes(qwen, LoraSlots(slots, rank, fully_sharded=True), tensor_parallel=2, engine_version="v0.11.2")
    saved = elements(*[(slots, 1, rank // 2, 2048)] * 3, (slots, 1, 1024, rank))
    assert lora_bytes(qwen, LoraSlots(slots, rank), tensor_parallel=2, engine_version="v0.11.2") - sharded == 2 * saved * 48 * 2


def test_gpt_oss_experts_take_the_width_marlin_pads_them_to():
    # With LoRA, vLLM v0.11.2 runs gpt-oss's mxfp4 experts on Marlin: 2880 wide experts pad to 2944 (a multiple of 128) and the
    # hidden size 2880 to 3072 (of 256) on the layer. Its router is a torch.nn.Linear: no slot there.
    oss = model("openai/gpt-oss-20b")
    assert (oss.layers, oss.hidden_size, oss.moe_intermediate_size, oss.num_experts, oss.attention_heads, oss.kv_heads, oss.head_dim) == (
        24, 2880, 2880, 32, 64, 8, 64
    )  # fmt: skip
    one_gpu = elements(
        *[(1, 1, 16, 2880)] * 3, (1, 1, 4096, 16), (1, 1, 512, 16), (1, 1, 512, 16),
        (1, 1, 16, 4096), (1, 1, 2880, 16),
        (1, 32, 16, 3072), (1, 32, 2944, 16), (1, 32, 16, 3072), (1, 32, 2944, 16),
        (1, 32, 16, 2944), (1, 32, 3072, 16),
    )  # fmt: skip
    assert lora_bytes(oss, LoraSlots(), engine_version="v0.11.2") == one_gpu * 24 * 2
    # Over four GPUs each expert's quarter (720) pads to 768.
    four = elements(
        *[(1, 1, 16, 2880)] * 3, (1, 1, 1024, 16), (1, 1, 128, 16), (1, 1, 128, 16),
        (1, 1, 16, 1024), (1, 1, 2880, 16),
        (1, 32, 16, 3072), (1, 32, 768, 16), (1, 32, 16, 3072), (1, 32, 768, 16),
        (1, 32, 16, 768), (1, 32, 3072, 16),
    )  # fmt: skip
    assert lora_bytes(oss, LoraSlots(), tensor_parallel=4, engine_version="v0.11.2") == 4 * four * 24 * 2


def test_mixtrals_slots_fill_an_h100_that_holds_its_weights_without_them():
    mixtral, h100 = model("mistralai/Mixtral-8x7B-Instruct-v0.1"), CATALOG.gpus["H100-SXM"]
    bare = memory_fit(mixtral, h100, max_context_tokens=8192, tensor_parallel=2)
    loaded = memory_fit(mixtral, h100, max_context_tokens=8192, tensor_parallel=2, lora=LoraSlots(8, 256))
    assert bare.fits and not loaded.fits and loaded.lora_gib == lora_bytes(mixtral, LoraSlots(8, 256), tensor_parallel=2) / 2**30
    assert loaded.lora_unsized is None and "+ 8 LoRA slots of rank 256 " in loaded.reason


@pytest.mark.parametrize(
    ("hf_id", "release", "why"),
    [
        ("Qwen/Qwen3.5-27B", "v0.11.2", "vLLM v0.11.2 cannot load Qwen/Qwen3.5-27B: Qwen3_5ForConditionalGeneration is not in v0.11.2's model registry"),
        ("google/gemma-4-26B-A4B", "v0.11.2", "vLLM v0.11.2 cannot load google/gemma-4-26B-A4B: Gemma4ForConditionalGeneration is not in v0.11.2's"),
        ("mistralai/Devstral-Small-2-24B-Instruct-2512", "v0.11.2", "vLLM v0.11.2 cannot load mistralai/Devstral-Small-2-24B-Instruct-2512: its text config's"),
        ("distilbert/distilgpt2", "v0.33.0", "its family 'DistilGPT2' is not one whose vLLM model class was read"),
        ("openai-community/gpt2", "v0.11.2", "vLLM v0.11.2's GPT2LMHeadModel (the model class of openai-community/gpt2) does not implement SupportsLoRA"),
        ("openai-community/gpt2", "v0.33.0", "vLLM v0.33.0's GPT2LMHeadModel (the model class of openai-community/gpt2) does not implement SupportsLoRA"),
        ("openai-community/gpt2", "v0.20.0", "vLLM v0.20.0 (sized by v0.33.0's LoRA rules: v0.20.0's were not read)'s GPT2LMHeadModel"),
    ],
)
def test_a_model_whose_slots_the_catalog_cannot_size_says_why_naming_the_release(hf_id, release, why):
    with pytest.raises(LoraSizeUnknown, match=re.escape(why)):
        lora_bytes(model(hf_id), LoraSlots(), engine_version=release)


def test_a_hand_written_row_without_widths_says_so(tmp_path):
    row = load_catalog(unsized_model(tmp_path / "ours")).models[UNSIZED]
    with pytest.raises(LoraSizeUnknown, match=re.escape(f"{UNSIZED}: the GPU memory of its LoRA slots is not sized: its catalog row has no "
                                                        "hidden_size/intermediate_size (no config.json read)")):
        lora_bytes(row, LoraSlots(), engine_version="v0.33.0")


def test_the_slots_come_out_of_the_kv_cache_budget_and_can_stop_vllm_starting():
    qwen, l4 = model("Qwen/Qwen2.5-7B-Instruct"), CATALOG.gpus["L4"]
    bare = memory_fit(qwen, l4, max_context_tokens=8192)
    slots = LoraSlots(4, 320)
    with_slots = memory_fit(qwen, l4, max_context_tokens=8192, lora=slots)
    assert with_slots.lora_gib == lora_bytes(qwen, slots) / 2**30 > 5
    assert bare.fits and with_slots.kv_budget_gib == pytest.approx(bare.kv_budget_gib - with_slots.lora_gib)
    assert not with_slots.fits and with_slots.required_gib == pytest.approx(bare.required_gib + with_slots.lora_gib)
    assert f"+ 4 LoRA slots of rank 320 {with_slots.lora_gib:,.1f} + KV cache of one 8,192-token sequence" in with_slots.reason
    # vLLM's defaults (one slot of rank 16) still fit.
    assert memory_fit(qwen, l4, max_context_tokens=8192, lora=LoraSlots()).fits


def raw_verdicts(flags: list[str], model_id: str = "Qwen/Qwen2.5-7B-Instruct", overrides: str | None = None) -> list[tuple[str, str, str]]:
    records = server(["sql=/x"], [{"name": "sql", "source": "acme/sql-lora", "revision": "0" * 40, "licence": "apache-2.0", "rank": 16}], model=model_id)
    args = records[0].inputs["spec"]["template"]["spec"]["containers"][0]["args"]
    args[args.index("--enable-lora") + 1 : args.index("--enable-lora") + 1] = flags
    config = {policy: {"catalogOverrides": overrides} for policy in (HARDWARE_FIT, CANNOT_JUDGE)} if overrides else {}
    return [(v.policy, v.level, v.message) for v in evaluate(records, load_pack_config(config, "test")) if v.policy in (HARDWARE_FIT, CANNOT_JUDGE)]


def test_hardware_fit_counts_a_raw_programs_lora_slots_from_its_flags():
    assert raw_verdicts([]) == []  # --enable-lora alone: one slot of rank 16 on the L4
    (found,) = raw_verdicts(["--max-loras", "4", "--max-lora-rank", "320"])
    assert found[:2] == (HARDWARE_FIT, "mandatory")
    assert "Qwen/Qwen2.5-7B-Instruct in bf16 on" in found[2] and "does not fit" in found[2] and "+ 4 LoRA slots of rank 320 " in found[2], found


def test_slots_of_a_model_the_catalog_cannot_size_cannot_be_judged(tmp_path):
    found = [v for v in raw_verdicts(["--max-loras", "2"], model_id=UNSIZED, overrides=unsized_model(tmp_path / "ours")) if v[0] == CANNOT_JUDGE]
    assert [message for _, _, message in found] == [
        f"qwen: {UNSIZED}: the GPU memory of its LoRA slots is not sized: its catalog row has no "
        "hidden_size/intermediate_size (no config.json read), so whether 2 LoRA slots of rank 16 still fit cannot be judged"
    ]


def test_hangars_own_server_is_judged_with_the_slots_it_gives_vllm():
    small = with_adapters(SQL, SUPPORT)  # two slots of rank 16
    large = with_adapters(*[{**SQL, "name": f"a{i}", "rank": 300} for i in range(4)])  # four slots of rank 320
    for raw in (small, large):
        raw["deployments"][0]["max_context_tokens"] = 8192
    fits = [v for v in evaluate(list(plan_environment(small)), load_pack_config({}, "test")) if v.policy == HARDWARE_FIT]
    assert fits == []
    (refused,) = [v for v in evaluate(list(plan_environment(copy.deepcopy(large))), load_pack_config({}, "test")) if v.policy == HARDWARE_FIT]
    assert "+ 4 LoRA slots of rank 320 " in refused.message and "does not fit" in refused.message, refused.message


def test_tensor_parallel_auto_makes_room_for_the_slots():
    def planned_tp(lora: dict | None) -> str:
        raw = with_adapters(SQL)
        deployment = raw["deployments"][0]
        deployment.update(model="Qwen/Qwen3-32B", pool="h100", max_context_tokens=8192, max_concurrent_sequences=8, tensor_parallel="auto")
        deployment.pop("lora") if lora is None else deployment.update(lora=lora)
        (workload,) = workloads(plan_environment(raw))
        return flags(server_container(workload)["args"])["--tensor-parallel-size"]

    # Qwen3-32B's 8 sequences of 8,192 tokens fit two H100s; eight slots of rank 512 (about 116 GiB over four GPUs) need four.
    eight = [{**SQL, "name": f"a{i}", "rank": 512} for i in range(8)]
    assert (planned_tp(None), planned_tp({"adapters": eight})) == ("2", "4")


def test_the_pack_over_grpc_judges_the_slots_as_the_offline_check_does():
    from tests.pack_agreement import offline_verdicts, pack_verdicts

    records = server(["sql=/x"], [{"name": "sql", "source": "acme/sql-lora", "revision": "0" * 40, "licence": "apache-2.0", "rank": 16}])
    args = records[0].inputs["spec"]["template"]["spec"]["containers"][0]["args"]
    args += ["--max-loras", "4", "--max-lora-rank", "320"]
    configs = load_pack_config({}, "test")
    offline = offline_verdicts(records, configs)
    assert any(policy == HARDWARE_FIT and "4 LoRA slots of rank 320" in message for policy, _, message, _ in offline)
    assert pack_verdicts(records, configs) == offline


def test_the_capacity_rule_batches_only_what_the_kv_cache_left_by_the_slots_holds():
    from tests.capacity_records import DEMAND, found, node_group, scaled_object
    from tests.capacity_records import server as capacity_server

    def in_flight(lora_flags: list[str]) -> int:
        workload = capacity_server(DEMAND)  # Qwen2.5-7B on an H100, --max-num-seqs 64
        workload.inputs["spec"]["template"]["spec"]["containers"][0]["args"] += lora_flags
        ((_, message),) = found([node_group(100), workload, scaled_object(1)])  # one replica: the message gives its operating point
        return int(message.split(" sequences in flight")[0].rsplit(" ", 1)[1])

    # 22 slots of rank 512 take about 53 GiB of the H100's: the rest holds fewer than the 64 sequences the SLO would batch.
    assert in_flight([]) == 64
    assert in_flight(["--enable-lora", "--max-loras", "22", "--max-lora-rank", "512"]) < 64


def test_a_replicas_kv_cache_is_what_the_slots_leave():
    from hangar.sizing import Accelerator
    from hangar.sizing.performance import Replica

    qwen, h100 = model("Qwen/Qwen2.5-7B-Instruct"), Accelerator.of(CATALOG.gpus["H100-SXM"])
    slots = LoraSlots(8, 512)
    bare, loaded = Replica(qwen, h100), Replica(qwen, h100, lora=slots)
    assert bare.kv_budget_bytes(0.9) - loaded.kv_budget_bytes(0.9) == pytest.approx(lora_bytes(qwen, slots))
    # and the sequences in flight are what the slots leave, as the fit check counts them
    assert loaded.max_concurrency(8192, 0, gpu_memory_utilization=0.9, max_num_seqs=None) < bare.max_concurrency(8192, 0, gpu_memory_utilization=0.9, max_num_seqs=None)
