"""How vLLM spreads a model's weights over data-parallel ranks, with and without expert parallelism.

`vllm serve --data-parallel-size D --tensor-parallel-size T [--enable-expert-parallel]` runs D engines (D schedulers, D
KV caches) of T GPUs each in one pod: `data_parallel_size_local` defaults to `data_parallel_size` on a single node
(vLLM v0.11.2 and v0.33.0 vllm/engine/arg_utils.py `EngineArgs.create_engine_config`, "Otherwise local DP size defaults
to global DP size if not set"), so the pod takes T x D GPUs (`ParallelConfig.world_size_across_dp`, "TPxPPxDP",
vllm/config/parallel.py). Each engine is a `DPEngineCoreProc` with its own `Scheduler` built from the one scheduler
config (vllm/v1/engine/core.py), so `--max-num-seqs` holds per engine. Wheels of both releases read 2026-12-02.

The attention, the dense MLPs, the shared experts and the embeddings are split by TP only: every engine holds a copy.
The routed experts of a fused MoE layer are spread over all T x D GPUs either way (vllm/model_executor/layers/
fused_moe/config.py `FusedMoEParallelConfig.make`, both releases):

* without expert parallelism, `flatten_tp_across_dp` makes the MoE's tensor-parallel size T x D: every GPU holds every
  expert, 1 / (T x D) of its width ("There are 2 engine instances and the tensors are sharded across 4 devices");
* with it, `ep_size` is T x D and each GPU holds whole experts: `determine_expert_map` (v0.11.2 fused_moe/layer.py,
  v0.33.0 fused_moe/expert_map_manager.py) gives num_experts // ep_size to a rank and one more to each of the first
  num_experts % ep_size ranks, so the largest rank holds ceil(num_experts / ep_size) and sets what must fit.

Not counted (ESTIMATE): with expert parallelism, T > 1 and D > 1 vLLM runs a sequence-parallel MoE that replicates the
shared experts over the TP group (`ParallelConfig.use_sequence_parallel_moe`, deepseek_v2.py `disable_tp`); an mxfp4
checkpoint's padding is taken at the engine's T.
"""

from __future__ import annotations

import math

from hangar.catalog import Model

from .mxfp4 import MXFP4_BYTES_PER_WEIGHT

NEMOTRON_H = "nemotron_h"
"""The text model type whose layers each hold one block (Mamba2, attention, MLP or MoE) and whose experts have no gate."""


class ExpertsUnsized(ValueError):
    """The catalog row lacks what counting its routed experts needs."""


def routed_expert_params(model: Model) -> int | None:
    """Weights of the routed experts (gate, up and down of every expert of every MoE layer); None for a dense model.

    The MoE layers are the layers less `dense_mlp_layers` (DeepSeek's and GLM's first_k_dense_replace), except where
    every layer keeps its dense MLP beside the experts (Gemma 4: `dense_mlp_layers` equals `layers`). An expert is
    `moe_intermediate_size` wide, or `intermediate_size` where the row names no dense MLP apart (Mixtral). A Nemotron-H
    expert has no gate (up and down, relu2: vLLM nemotron_h.py `is_non_gated_moe`) and works in the `moe_latent_size`
    width where the row has one (`hangar.catalog.mamba_layout`), as a Kimi K3 expert does
    (`hangar.catalog.kimi_linear`)."""
    if model.num_experts is None:
        return None
    width = model.moe_intermediate_size or (model.intermediate_size if not model.dense_mlp_layers else None)
    if model.hidden_size is None or width is None:
        raise ExpertsUnsized(f"{model.hf_id}'s routed experts cannot be counted: the catalog lacks its hidden_size or its experts' width")
    matrices = 2 if model.text_model_type == NEMOTRON_H else 3
    return moe_layers(model) * model.num_experts * matrices * (model.moe_latent_size or model.hidden_size) * width


def moe_layers(model: Model) -> int:
    """Layers with routed experts: all but `dense_mlp_layers` (DeepSeek's first_k_dense_replace), or all where every layer
    keeps its dense MLP beside the experts (Gemma 4). A Nemotron-H layer holds one block: its MoE layers are those that are
    neither Mamba2 (`state_layers`), attention nor MLP-only (`dense_mlp_layers`)."""
    dense = model.dense_mlp_layers or 0
    if model.text_model_type == NEMOTRON_H and model.state_layers is not None and model.attention_layers is not None:
        return model.layers - model.state_layers - model.attention_layers - dense
    return model.layers if dense >= model.layers else model.layers - dense


def experts_on_largest_rank(num_experts: int, ranks: int) -> int:
    """Experts the largest expert-parallel rank holds (`determine_expert_map`): ceil(num_experts / ranks)."""
    return math.ceil(num_experts / ranks)


def engine_weight_bytes(model: Model, whole: float, precision_bytes: float, *, tensor_parallel: int, data_parallel: int, expert_parallel: bool) -> float:
    """Bytes of weights one engine's T GPUs hold, each counted as the GPU holding the most (so engine / T is per GPU).

    `whole` is the weights of the model over T GPUs without data parallelism (`hangar.sizing.memory.weight_bytes`),
    `precision_bytes` the bytes a routed-expert weight takes at the served precision."""
    if data_parallel == 1 and not expert_parallel:
        return whole
    params = routed_expert_params(model)
    if params is None:
        return whole  # a dense model: every engine holds it all, split by TP
    routed = params * precision_bytes
    rest = max(whole - routed, 0.0)
    ranks = tensor_parallel * data_parallel
    assert model.num_experts is not None
    share = experts_on_largest_rank(model.num_experts, ranks) / model.num_experts if expert_parallel and ranks > 1 else 1 / ranks
    return rest + routed * share * tensor_parallel


def expert_precision_bytes(precision: str, bytes_per_param: float) -> float:
    """Bytes of one routed-expert weight: mxfp4's 4.25 bits, else the precision's bytes per weight."""
    return MXFP4_BYTES_PER_WEIGHT if precision == "mxfp4" else bytes_per_param
