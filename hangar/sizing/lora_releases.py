"""How each read vLLM release builds LoRA's layers, beyond the vocabulary (`hangar.sizing.lora_vocab`): which model classes
take adapters, which layers it wraps and how, and whether it serves them on experts sharded by expert parallelism.

vLLM v0.11.2: the PyPI sdist vllm-0.11.2.tar.gz (commit 275de3417 per its vllm/_version.py), read 2026-12-01 and
2026-12-02; its facts are stated beside the code that uses them (`hangar.sizing.lora`, `hangar.sizing.lora_layouts`,
`hangar.sizing.lora_architectures`).

vLLM v0.33.0: the PyPI sdist vllm-0.33.0.tar.gz (commit 4ba787ec9 per its vllm/_version.py), read 2026-12-02. What differs:

* A layer held under two names is wrapped once: vllm/lora/model_manager.py `_create_lora_modules` keeps `wrapped_by_id`
  and points the second name at the first wrapper ("Same underlying module was already wrapped under another path").
  v0.11.2 (vllm/lora/models.py) wrapped each name, so the latent-attention projections DeepSeek's `mla_attn` also holds
  got two sets of slots; at v0.33.0 one.
* Routers: every MoE class read builds its router as a `GateLinear` (vllm/model_executor/layers/fused_moe/router/
  gate_linear.py, a `ReplicatedLinear`, which `ReplicatedLinearWithLoRA.can_replace_layer` takes by `isinstance`):
  mixtral.py, qwen3_moe.py, qwen3_next.py, deepseek_v2.py, glm4_moe.py, minimax_m2.py and gpt_oss.py (`MLPBlock.router`), so gpt-oss's
  and GLM's routers, plain `torch.nn.Linear` layers at v0.11.2, get slots too. Qwen3-Next's and Qwen3.5's
  `shared_expert_gate` (hidden -> 1) is a `ReplicatedLinear` (qwen3_next.py `Qwen3NextSparseMoeBlock`), a
  `torch.nn.Linear` at v0.11.2.
* Experts (vllm/lora/layers/fused_moe.py): `FusedMoEWithLoRA` allocates per expert w1 and w3 A (r x H), B (Ie/tp x r),
  w2 A (r x Ie/tp), B (H x r), now with `--fully-sharded-loras` splitting w1/w3 A's rank and w2 B's H over the GPUs
  (`divide(max_lora_rank, tp_size)`, `divide(hidden_size, tp_size)`), which v0.11.2 did not. A model whose class sets
  `is_3d_moe_weight` (gpt_oss.py `GptOssForCausalLM`, qwen3_5.py `Qwen3_5MoeForConditionalGeneration`) gets
  `FusedMoE3DWithLoRA` (model_manager.py: `["w13"] if self._is_3d_moe_weight`): one w13 A (r x H) and one w13 B
  (2 Ie/tp x r) per expert. `enable_moe_shared_loras` and `enable_mixed_moe_lora_format` default to false
  (vllm/config/lora.py), as Hangar leaves them.
* Expert parallelism: `FusedMoEWithLoRA` holds `moe_config.num_local_experts` experts and the MoE's own tensor-parallel
  size, which `FusedMoEParallelConfig.make` (vllm/model_executor/layers/fused_moe/config.py) sets to 1 under expert
  parallelism, sharding the experts over tensor x data parallel GPUs instead: each GPU holds E / (tp x dp) experts of
  the whole width. It refuses to start when `_ep_check` finds `all2all_backend` other than "allgather_reducescatter"
  (the default, vllm/config/parallel.py, which also turns the removed "pplx" and "naive" into it) or a sequence-parallel
  MoE, and when `_verify_ep_fs` finds `--fully-sharded-loras` ("Fused MoE LoRA does not support
  enable_expert_parallel=True together with fully_sharded_loras=True"). The MoE is sequence-parallel
  (`ParallelConfig.use_sequence_parallel_moe`: expert parallelism with tensor and data parallelism both above 1 and
  that backend) in the classes that pass it to their experts: qwen3_moe.py, qwen3_next.py (hence Qwen3.5),
  deepseek_v2.py, vllm/models/deepseek_v32/nvidia/model.py and llama4.py; gpt_oss.py only without LoRA; not mixtral.py
  nor glm4_moe.py.
* DeepSeek-V3.2 (`DeepseekV32ForCausalLM`, now vllm/models/deepseek_v32/ with its CUDA model in nvidia/model.py and
  attention.py): the same latent-attention projections, MoE and dense layers as DeepSeek-V3; its indexer keeps `wq_b`
  (a `ReplicatedLinear`) but merges `wk` and `weights_proj` into `wk_weights_proj`, a `MergedColumnParallelLinear` of
  two outputs that no packed-module entry names, which no LoRA wrapper takes (`MergedColumnParallelLinearWithLoRA`
  needs two packed names, vllm/lora/layers/column_parallel_linear.py): not adapted. GLM-5's `GlmMoeDsaForCausalLM` is that
  class under another name on CUDA (vllm/models/deepseek_v32/__init__.py), so it follows the same rules; v0.11.2 does
  not serve it (`hangar.sizing.engine_models`).
* The classes that take adapters (`SupportsLoRA`, vllm/model_executor/models/interfaces.py): as at v0.11.2, and the
  registry (vllm/model_executor/models/registry.py) now also has Qwen3.5's `Qwen3_5ForConditionalGeneration` and
  `Qwen3_5MoeForConditionalGeneration` (qwen3_5.py, which extend qwen3_vl.py's `Qwen3VLForConditionalGeneration`,
  `SupportsLoRA`) and Gemma 4's `Gemma4ForConditionalGeneration` (gemma4_mm.py, `SupportsLoRA`). GLM-4.5 to 4.7's
  `Glm4MoeForCausalLM` (glm4_moe.py) implements it at both releases. GPT-2's `GPT2LMHeadModel` still does not (gpt2.py).
* A compressed-tensors W4A16 mixture of experts (`hangar.sizing.wna16`): v0.11.2's vllm/lora/layers/fused_moe.py
  `FusedMoEWithLoRA` swaps the experts' method for a `FusedMoEModularMethod` whose `apply` (fused_moe/
  fused_moe_modular_method.py) passes `layer.w13_weight` and `layer.w2_weight`, and sizes its LoRA kernels from
  `layer.w13_weight.size()`; the compressed-tensors WNA16 MoE methods register `w13_weight_packed` / `w2_weight_packed`
  instead, so the experts' first forward pass fails. v0.33.0's `FusedMoEWithLoRA` takes the method's own modular kernel
  and asserts it `supports_lora()`; with LoRA on, the WNA16 backend oracle (fused_moe/oracle/int_wna16.py
  `select_wna16_moe_backend`) passes over experts classes that do not (fused_moe/modular_kernel.py `is_supported_config`:
  "LoRA", so FlashInfer TRT-LLM's monolithic one) and takes Marlin's `MarlinExperts` (a `LoRAExpertsMixin`).
* A multimodal model's vision tower and connector get no slots unless `--enable-tower-connector-lora` (default false,
  vllm/config/lora.py; model_manager.py `_get_punica_wrapper` finds no wrapper for their modules).

The dense layers (vllm/lora/layers/base_linear.py, column_parallel_linear.py, row_parallel_linear.py,
replicated_linear.py) allocate the same shapes at both releases.
"""

from __future__ import annotations

from dataclasses import dataclass

from .engine import ENGINE_VERSION, sized_release


@dataclass(frozen=True)
class LoraRules:
    """How one vLLM release builds LoRA's layers (the module docstring has the sources)."""

    mla_wrappers: int
    """Slots each latent-attention projection gets: 2 where `mla_attn`'s second name is wrapped again."""
    linear_routers: frozenset[str]
    """Mixture-of-experts classes whose router is a linear layer vLLM adapts."""
    shared_expert_gate: bool
    """Whether Qwen3-Next's and Qwen3.5's `shared_expert_gate` is adapted."""
    sharded_experts: bool
    """Whether `--fully-sharded-loras` splits the experts' w1/w3 A rank and w2 B width over the GPUs."""
    fused_w13_classes: frozenset[str]
    """Classes whose experts get one w13 A per expert (`FusedMoE3DWithLoRA`)."""
    expert_parallel: bool
    """Whether LoRA serves experts sharded by expert parallelism at all."""
    sequence_parallel_moe: frozenset[str]
    """Classes whose experts go sequence-parallel with expert, tensor and data parallelism, which LoRA refuses."""
    indexer_wk: bool
    """Whether DeepSeek-V3.2's indexer `wk` and `weights_proj` are adapted (v0.11.2: two ReplicatedLinear layers)."""
    int4_experts: bool = True
    """Whether LoRA serves experts published in compressed-tensors W4A16 (int4)."""


ROUTED_CLASSES = frozenset({"MixtralForCausalLM", "Qwen3MoeForCausalLM", "Qwen3NextForCausalLM", "DeepseekV3ForCausalLM", "DeepseekV32ForCausalLM"})
"""Classes whose router is a `ReplicatedLinear` at v0.11.2 too (mixtral.py, qwen3_moe.py, qwen3_next.py, deepseek_v2.py)."""

RULES: dict[str, LoraRules] = {
    "v0.11.2": LoraRules(
        mla_wrappers=2,
        linear_routers=ROUTED_CLASSES,
        shared_expert_gate=False,
        sharded_experts=False,
        fused_w13_classes=frozenset(),
        expert_parallel=False,
        sequence_parallel_moe=frozenset(),
        indexer_wk=True,
        int4_experts=False,
    ),
    "v0.33.0": LoraRules(
        mla_wrappers=1,
        linear_routers=ROUTED_CLASSES | {"GptOssForCausalLM", "Glm4MoeForCausalLM", "Qwen3_5MoeForConditionalGeneration", "MiniMaxM2ForCausalLM",
                                         "GlmMoeDsaForCausalLM", "GraniteMoeForCausalLM"},  # granitemoe.py: GateLinear
        shared_expert_gate=True,
        sharded_experts=True,
        fused_w13_classes=frozenset({"GptOssForCausalLM", "Qwen3_5MoeForConditionalGeneration"}),
        expert_parallel=True,
        sequence_parallel_moe=frozenset({
            "Qwen3MoeForCausalLM", "Qwen3NextForCausalLM", "Qwen3_5MoeForConditionalGeneration", "DeepseekV3ForCausalLM",
            "DeepseekV32ForCausalLM", "GlmMoeDsaForCausalLM", "Llama4ForConditionalGeneration", "GraniteMoeForCausalLM",
        }),  # fmt: skip
        indexer_wk=False,
    ),
}
"""The read releases' LoRA layer rules."""

EP_BACKENDS = frozenset({"allgather_reducescatter", "pplx", "naive"})
"""`--all2all-backend` values v0.33.0's LoRA takes with expert parallelism: its one backend, and the two it rewrites to it."""


def lora_rules(engine_version: str | None = None) -> LoraRules:
    """The LoRA rules of release `engine_version`; the pinned release's where None or not read."""
    return RULES[sized_release(engine_version)]


def engine_label(engine_version: str | None = None) -> str:
    """The release a deployment runs as LoRA messages name it: `vLLM v0.33.0`, or for a release not read
    `vLLM v0.20.0 (sized by v0.33.0's LoRA rules: v0.20.0's were not read)`."""
    tag = f"v{(engine_version or ENGINE_VERSION).removeprefix('v')}"
    read = sized_release(tag)
    return f"vLLM {tag}" if tag == read else f"vLLM {tag} (sized by {read}'s LoRA rules: {tag}'s were not read)"
