"""A data-parallel replica in the performance model: D engines of T GPUs, each with its own KV cache, one mixture of
experts' routed experts spread over all T x D GPUs, the engines exchanging tokens at every MoE layer — an ESTIMATE.

What vLLM does (its docs/serving/data_parallel_deployment.md and expert_parallel_deployment.md in the PyPI sdists
vllm-0.11.2.tar.gz, commit 275de3417, and vllm-0.33.0.tar.gz, commit 4ba787ec9, read 2026-12-02):

* "each DP rank is deployed as a separate 'core engine' process"; "Each DP engine has an independent KV cache" (both
  pages); "`--max-num-seqs` applies per DP rank" (v0.33.0's page; at v0.11.2 each engine builds its own `Scheduler`,
  `hangar.sizing.experts`). A dense model's servers are "fully independent" (both pages): the replica is D engines
  side by side.
* A mixture of experts' engines "are not completely independent. Forward passes must be aligned, and expert layers
  across all ranks are required to synchronize during every forward pass", an idle engine running "dummy" passes; "expert
  layers form a tensor parallel group of size DP x TP", or with `--enable-expert-parallel` an expert-parallel group of
  that size (`hangar.sizing.experts` has how the weights spread). So one step of the replica is one step of every
  engine, each with its share of the sequences, whose MoE layers see the tokens of all engines.
* How the tokens meet: the default `--all2all-backend` is "allgather_reducescatter" in both releases (v0.11.2
  vllm/envs.py `VLLM_ALL2ALL_BACKEND`, v0.33.0 vllm/config/parallel.py `ParallelConfig.all2all_backend`), whose
  manager (vllm/distributed/device_communicators/all2all.py `AgRsAll2AllManager`) dispatches by all-gathering every
  engine's hidden states over the DP group and combines by reduce-scattering them (v0.11.2 fused_moe/layer.py and
  v0.33.0 fused_moe/runner/moe_runner.py `do_naive_dispatch_combine`: whenever DP > 1). With expert parallelism, T > 1
  and D > 1 the MoE runs sequence-parallel (v0.33.0 `ParallelConfig.use_sequence_parallel_moe`): the group is the
  T x D expert-parallel group, each GPU holding 1 / (T x D) of the tokens.

The ESTIMATE (`exchange_seconds`), built as the tensor-parallel all-reduce is (`hangar.sizing.performance`): per MoE
layer and step, one all-gather and one reduce-scatter, each a fixed latency (the calibrated all-reduce latency, taken
for both) plus a ring moving (group - 1) / group of the step's 16-bit hidden states (tokens x hidden_size x 2 bytes)
over one direction of the interconnect at the calibrated share of its bandwidth. A latent MoE (Nemotron 3 Super and Ultra:
the row's `moe_latent_size`) exchanges its tokens in the latent width: v0.33.0's `MoERunner.forward` applies the routed
input transform (`fc1_latent_proj`) before its dispatch and the output transform after the combine (vllm/model_executor/
layers/fused_moe/runner/moe_runner.py, `apply_routed_input_transform`). Assumed, not measured: the engines
carry equal shares of the sequences (vLLM balances by queue lengths), the experts equal shares of the tokens (no
expert-load imbalance), activations exchanged in 16 bits (the router logits or top-k ids that travel with them, and a
quantised dispatch, are not counted), the group within one node's interconnect (Hangar places a DP replica on one
node). No published measurement of a DP replica is in the calibration table, so the calibration error does not cover
this part. Other backends (DeepEP, FlashInfer's all-to-all) move only the routed tokens and are not modelled.
"""

from __future__ import annotations

import math

from hangar.catalog import Model

from .experts import experts_on_largest_rank, moe_layers


def expert_share(model: Model, *, tensor_parallel: int, data_parallel: int, expert_parallel: bool) -> float:
    """Share of the routed experts' weights one engine's T GPUs hold, each counted as the GPU holding the most
    (`hangar.sizing.experts.engine_weight_bytes`): ceil(E / (T x D)) whole experts a GPU with expert parallelism,
    1 / (T x D) of every expert without it; 1 for one engine without expert parallelism."""
    ranks = tensor_parallel * data_parallel
    if expert_parallel and ranks > 1 and model.num_experts:
        return experts_on_largest_rank(model.num_experts, ranks) / model.num_experts * tensor_parallel
    return 1 / data_parallel


def exchange_group(*, tensor_parallel: int, data_parallel: int, expert_parallel: bool) -> int:
    """GPUs of the all-gather / reduce-scatter: the DP group, or all T x D under the sequence-parallel MoE."""
    return tensor_parallel * data_parallel if expert_parallel and tensor_parallel > 1 and data_parallel > 1 else data_parallel


def exchange_seconds(model: Model, tokens: float, *, tensor_parallel: int, data_parallel: int, expert_parallel: bool,
                     interconnect_gbps: float | None, latency_us: float, interconnect_share: float) -> float | None:  # fmt: skip
    """ESTIMATE: seconds one step over `tokens` tokens (all engines') spends exchanging them at the MoE layers (the
    module docstring); 0 for a dense model or one engine; None where the row lacks the hidden size it needs."""
    if data_parallel == 1 or model.num_experts is None:
        return 0.0
    if model.hidden_size is None:
        return None
    group = exchange_group(tensor_parallel=tensor_parallel, data_parallel=data_parallel, expert_parallel=expert_parallel)
    seconds = latency_us / 1e6
    if interconnect_gbps:
        hidden = tokens * (model.moe_latent_size or model.hidden_size) * 2  # a latent MoE dispatches latent vectors
        seconds += (group - 1) / group * hidden / (interconnect_gbps / 2 * 1e9 * interconnect_share)
    return 2 * moe_layers(model) * seconds


def busy_engines(data_parallel: int, concurrency: float) -> int:
    """Engines that hold a sequence when `concurrency` are in flight, shared evenly."""
    return max(1, min(data_parallel, math.ceil(concurrency)))
