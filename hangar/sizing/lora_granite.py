"""LoRA for IBM Granite: which of its vLLM classes take adapters at each read release, and the slots of the Granite
layers `hangar.sizing.lora` does not size itself (Granite MoE Shared's shared MLP, Granite 4.0's attention-only layout).

Read 2026-12-03 in the PyPI wheels vllm-0.11.2 (commit 275de3417) and vllm-0.33.0 (commit 4ba787ec9):

* Every Granite class implements `SupportsLoRA` at both releases (vllm/model_executor/models/granite.py
  `GraniteForCausalLM`, granitemoe.py `GraniteMoeForCausalLM`, granitemoeshared.py `GraniteMoeSharedForCausalLM`,
  granitemoehybrid.py `GraniteMoeHybridForCausalLM`), with q/k/v packed into `qkv_proj` and `embed_tokens` and `lm_head`
  in `embedding_modules`; granite.py also packs gate/up into `gate_up_proj` (Llama's layers) and at v0.11.2 grows its
  embedding and head by the adapters' extra tokens as llama.py does. v0.33.0 serves the SWA checkpoints with these classes
  (`GraniteSWAForCausalLM` with granite.py's, `GraniteMoeSWAForCausalLM` with granitemoeshared.py's).
* v0.11.2 cannot start Granite MoE or Granite MoE Shared with LoRA: vllm/lora/models.py builds its manager's
  `packed_modules_mapping` with vllm/lora/utils.py `process_packed_modules_mapping`, which for a model holding a FusedMoE
  takes the expert mapping from `get_expert_mapping` on the model or one of its children
  (vllm/model_executor/utils.py `get_moe_expert_mapping`) and raises AttributeError "To support LoRA for MoE model,
  'get_expert_mapping' must be implemented" where none has it: granitemoe.py and granitemoeshared.py define none
  (granitemoehybrid.py's `GraniteMoeHybridModel` does). v0.33.0's `get_moe_expert_mapping` finds the experts' own
  (vllm/model_executor/layers/fused_moe/routed_experts.py `get_expert_mapping`), so it serves them.
* The MoE layers (`GraniteMoeMoE`): `gate`, the router, a `ReplicatedLinear` at v0.11.2 and a `GateLinear` at v0.33.0
  (adapted at both), and `experts`, a FusedMoE of w1/w3/w2 per expert. At v0.33.0 granitemoe.py's decoder layer makes
  them sequence-parallel with `use_sequence_parallel_moe`; granitemoeshared.py's and granitemoehybrid.py's do not.
* The shared MLP (`GraniteMoeSharedMLP`): `input_linear`, a MergedColumnParallelLinear of two `shared_intermediate_size`
  outputs, and `output_linear`, row-parallel. granitemoehybrid.py's `packed_modules_mapping` names `input_linear` as one
  checkpoint module, so `ColumnParallelLinearWithLoRA` wraps it (one A r x H, B 2 I/tp x r; vllm/lora/layers/
  column_parallel_linear.py `can_replace_layer`: a MergedColumnParallelLinear with one packed name). granitemoeshared.py's
  names none, so no LoRA class takes it: v0.33.0's vllm/lora/model_manager.py `_create_lora_modules` logs "could not be
  wrapped by any LoRA layer implementation ... It will be ignored" and adapts `output_linear` only.
* Granite 4.0's Mamba2 layers (`in_proj`, `conv1d`, `out_proj`) are adapted too; their slots are not sized here.
"""

from __future__ import annotations

from hangar.catalog import Model

from .lora_layouts import Shapes, gated_attention

SUPPORTS_LORA_GRANITE: dict[str, bool] = {
    "GraniteForCausalLM": True,
    "GraniteMoeForCausalLM": True,
    "GraniteMoeSharedForCausalLM": True,
    "GraniteMoeHybridForCausalLM": True,
}
"""Granite's classes registered at both releases: all implement `SupportsLoRA`."""
SWA_CLASSES = {"GraniteSWAForCausalLM": True, "GraniteMoeSWAForCausalLM": True}
"""v0.33.0's names for the SWA checkpoints, served by the classes above."""
GRANITE_EMBEDDINGS = {name: ("embed_tokens", "lm_head") for name in (*SUPPORTS_LORA_GRANITE, *SWA_CLASSES)}
"""The vocabulary modules every Granite class adapts (`embedding_modules`, both releases)."""
NO_EXPERT_MAPPING = frozenset({"GraniteMoeForCausalLM", "GraniteMoeSharedForCausalLM"})
"""Classes v0.11.2 cannot start with `--enable-lora`: no `get_expert_mapping` (see the module docstring)."""
SHARED_MLP_CLASSES = frozenset({"GraniteMoeSharedForCausalLM", "GraniteMoeSWAForCausalLM", "GraniteMoeHybridForCausalLM"})
"""Classes with Granite's shared MLP, whose LoRA slots this module sizes."""


def expert_mapping_refusal(name: str, engine: str, sized: str) -> str | None:
    """Why release `sized` (labelled `engine`) fails to start class `name` with LoRA for want of an expert mapping."""
    if sized != "v0.11.2" or name not in NO_EXPERT_MAPPING:
        return None
    return (
        f"{engine} fails to start {name} with --enable-lora: its LoRA manager needs the experts' get_expert_mapping, which "
        "neither the class nor its model defines (\"To support LoRA for MoE model, 'get_expert_mapping' must be implemented\"); "
        "vLLM v0.33.0 takes the experts' own"
    )


def granite_elements(model: Model, shapes: Shapes, name: str) -> float:
    """Elements of one slot on one GPU over every layer of a `SHARED_MLP_CLASSES` row: attention, the router and experts
    where it has them, and the shared MLP (both its layers where the class packs `input_linear`, else `output_linear`)."""
    assert model.hidden_size
    hidden = model.hidden_size
    layer = gated_attention(model, shapes)
    if model.num_experts is not None:
        assert model.moe_intermediate_size
        layer += shapes.replicated(hidden, model.num_experts)  # gate: a ReplicatedLinear / GateLinear at both releases
        layer += shapes.experts(model.num_experts, hidden, model.moe_intermediate_size)
        shared = model.shared_expert_intermediate_size
    else:
        shared = model.intermediate_size  # granite-4.0-micro's layout: the shared MLP is its only MLP
    if shared:
        packed = name == "GraniteMoeHybridForCausalLM"
        layer += (shapes.column(hidden, 2 * shared) if packed else 0.0) + shapes.row(shared, hidden)
    return model.layers * layer


def granite_unsized(model: Model) -> str | None:
    """Why a `SHARED_MLP_CLASSES` row's slots cannot be sized from its columns; None when they can."""
    if model.state_layers:
        return "Granite 4.0's Mamba2 layers (in_proj, conv1d, out_proj) are adapted too, and their LoRA slots are not sized"
    if model.hidden_size is None or model.kv_heads is None or model.head_dim is None:
        return "its catalog row has no hidden_size/kv_heads/head_dim (no config.json read)"
    if model.num_experts is not None and model.moe_intermediate_size is None:
        return "its catalog row has no moe_intermediate_size"
    return None
