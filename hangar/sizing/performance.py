"""How fast one replica serves: time to first token, time per output token, throughput — an ESTIMATE.

A roofline per engine step, with efficiency factors calibrated on published measurements
(`hangar.sizing.calibration`, the catalog's `serving_measurements.csv`):

* decode step with `c` sequences in flight, each at the mean context `L = prompt + output / 2`:
  memory time = (weights read + c x KV bytes of L tokens) / (TP x peak bandwidth x `memory`) (a sparse-attention model
  reads its indexer's top-k tokens and all its keys, and attends to those: `hangar.sizing.sparse_decode`);
  compute time = c x (2 x active parameters + attention 4 x layers x L x heads x head_dim) FLOPs
  / (TP x dense peak of the precision x `compute`) (NVFP4 on FP4 tensor cores: its quantised layers at the FP4 peak,
  the head, the modules kept in 16 bits and attention at the bf16 one); the step takes the longer of the two, plus a
  fixed `step_ms` (scheduling, sampling, launches) and, with tensor parallelism, two all-reduces
  per layer (a fixed `allreduce_us` each plus the activations over the interconnect). A mixture of experts reads the experts its batch routes to
  (1 - (1 - k/E)^c of them), computes only the active ones.
* prefill of a prompt of P tokens: P x 2 x active parameters + 2 x layers x P^2 x heads x head_dim
  FLOPs at the same compute rate (compute-bound) plus its all-reduces; time to first token on an
  idle replica is that (or reading the weights once, if longer) plus one step and `request_ms`.
* closed loop of `c` requests in flight, each P prompt and O output tokens: a request lives
  T = O x step(c) + c x prefill (the engine prefills every request in flight once per lifetime),
  so throughput = c x O / T and the pace a user sees (time per output token) = (O x step(c) +
  (c - 1) x prefill) / O. Saturated: c is what the KV cache holds (`kv_admission` says whether
  the engine books the whole sequence up front or as it grows) and the engine's max_num_seqs allow. What the KV cache
  holds is the fit check's own count (`Replica.max_concurrency`: `hangar.sizing.memory.memory_fit` over the release's
  pool, `hangar.sizing.kv_pool`), so sliding windows, hybrid models' state pages, latent attention, layer groups and
  block padding bound the planner's concurrency exactly as they bound the fit verdict's capacity.

* a data-parallel replica (`Replica.data_parallel` D engines, `expert_parallel`): each engine steps over c / D of the
  sequences with its own KV cache, reading its copy of the shared weights and its share of the experts (which see the
  tokens of all engines); a mixture of experts' engines step together and exchange their tokens at each MoE layer
  (`hangar.sizing.data_parallel`, an ESTIMATE outside the calibration); a request lives O x step(c) + (c / D) x prefill.

Not modelled (the calibration error includes their effect): queueing variance (a p95 is read as
the mean), prefix caching, speculative decoding, CUDA-graph batch padding, PCIe versus NVLink for
all-reduces, pipeline parallelism, per-kernel efficiency that varies with shape. No calibration row is data-parallel.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from hangar.catalog import Model
from hangar.catalog.deepseek_v4 import is_deepseek_v4

from .data_parallel import busy_engines, exchange_seconds, expert_share
from .embeddings import quantised_weight_bytes, sixteen_bit_active_parameters
from .kv import layer_token_bytes, served_kv_dtype
from .kv_deepseek_v4 import decode_read_bytes
from .lora import LoraSlots
from .memory import BYTES_PER_PARAM, GIB, Accelerator, MemoryFit, SizingError, memory_fit, weight_bytes
from .mxfp4 import PUBLISHED, Mxfp4Unsized, backend, expert_padding, rest_bytes, rocm_kernel
from .quant_kernels import NVFP4_TENSOR_CORES, nvfp4_kernel
from .sparse_decode import decode_attended, is_sparse
from .sparse_decode import decode_read_bytes as decode_read_bytes_sparse
from .wna16 import model_bytes_per_weight


@dataclass(frozen=True)
class Efficiency:
    """Shares of the datasheet peaks a serving engine achieves, and its fixed costs per step."""

    memory: float
    """Share of peak memory bandwidth a decode step achieves."""
    compute: float
    """Share of the dense peak FLOPS of the precision (prefill, and decode when compute-bound); FP4 products take it too,
    having no measurement to fit their own (`peak_flops`)."""
    step_ms: float
    """Fixed time per decode step: scheduling, sampling, kernel launches."""
    allreduce_us: float
    """Fixed latency of one tensor-parallel all-reduce (two per layer per step) when TP > 1."""
    compute_fp8: float
    """Share of the dense fp8 peak that fp8 (W8A8) matrix products achieve."""
    interconnect: float
    """Share of the interconnect bandwidth (one direction) an all-reduce achieves."""
    request_ms: float
    """Fixed time added to the first token of each request: API server, tokenization, scheduling."""


CALIBRATED = Efficiency(memory=0.7, compute=0.4, step_ms=0.75, allreduce_us=10.0, compute_fp8=0.55, interconnect=0.5, request_ms=8.0)
"""Fitted by `bench/performance_calibration.py` on the catalog's calibration table (see
`hangar.sizing.calibration.MEASURED_ERROR` for its error there)."""

COMPUTE_FORMAT = {"bf16": "bf16", "fp16": "fp16", "fp8": "fp8", "int8": "int8", "awq": "fp16", "gptq": "fp16", "mxfp4": "bf16", "int4": "bf16", "nvfp4": "bf16"}
"""The tensor-core format each weight precision computes in: W8A8 fp8/int8 at their own rate; 4-bit
AWQ/GPTQ weights are dequantized to 16 bits (W4A16) and multiply at the 16-bit rate, as compressed-tensors int4's do
in the activation dtype (`hangar.sizing.wna16`: Marlin, Machete); so are MXFP4 experts by the
backends vLLM v0.11.2's image picks (Marlin "Weight-only FP4 compression", FlashInfer "MXFP4_BF16": `hangar.sizing.mxfp4`).
NVFP4's entry is where vLLM runs it as Marlin weight-only (16-bit products); where it runs on FP4 tensor cores, `compute_format`
says fp4."""

def compute_format(precision: str, acc: Accelerator, engine_version: str | None = None) -> str:
    """The tensor-core format `precision`'s products run in on `acc` under vLLM `engine_version` (the pinned release when None).

    NVFP4 depends on the kernel the release picks on that GPU (`hangar.sizing.quant_kernels.nvfp4_kernel`; the vLLM
    sdists 0.11.2 and 0.33.0, read 2026-12-02): from compute capability 10.0 both releases multiply on FP4 tensor cores,
    activations quantised to FP4 too (W4A4: v0.33.0's first supported entries of `_POSSIBLE_NVFP4_KERNELS[CUDA]`, `FlashInferCuteDslNvFp4LinearKernel`
    on sm_10x and `FlashInferCutlassNvFp4LinearKernel` from 10.0, and its MoE oracle's first, FLASHINFER_TRTLLM's
    `TrtLlmNvFp4Experts` on the 10.x family; v0.11.2's `ModelOptNvFp4LinearMethod` takes "flashinfer-cutlass" or "cutlass"
    and its MoE `detect_nvfp4_moe_support` CUTLASS FP4 / FlashInfer where `cutlass_fp4_supported`),
    so the rate is the accelerator's dense FP4 peak; below 10.0 v0.33.0 falls through to `MarlinNvFp4LinearKernel` /
    `MarlinExperts`, which dequantise the 4-bit weights and multiply in 16 bits (the weights are still read in 4 bits).
    A GPU whose FP4 peak the catalog lacks falls back to the 16-bit rate in `peak_flops` (a floor)."""
    if precision == "nvfp4" and acc.compute_capability is not None:
        if nvfp4_kernel(acc.compute_capability, engine_version) == NVFP4_TENSOR_CORES:
            return "fp4"
    return COMPUTE_FORMAT.get(precision, "bf16")


class PerformanceUnknown(ValueError):
    """The catalog lacks a figure the estimate needs (memory bandwidth or a peak FLOPS)."""


def peak_flops(acc: Accelerator, precision: str, eff: Efficiency, engine_version: str | None = None) -> float:
    """Achieved FLOP/s of one accelerator for a weight precision under vLLM `engine_version`: the dense peak of the format
    it computes in (`compute_format`) times the calibrated share; the 16-bit rate when the accelerator has no figure for
    that format (e.g. fp8 weights on a GPU without fp8 tensor cores run weight-only).

    The share: `compute_fp8` for fp8 products, `compute` for every other format. FP4 has no share of its own: the
    calibration table (`serving_measurements.csv`) holds no NVFP4 measurement (its `precision` column takes bf16, fp16,
    fp8, int8, awq and gptq) and no B200 one, so none could be fitted; FP4 products take `compute`, the share fitted on
    16-bit ones, so NVFP4's quantised products on FP4 tensor cores are estimated faster than bf16 ones by the datasheet
    ratio (B200: 9,000 / 2,250 dense TFLOPS, 4x), not by a measured one (`Replica._compute` keeps the rest in 16 bits)."""
    wanted = compute_format(precision, acc, engine_version)
    for name in (wanted, "bf16", "fp16"):
        value = acc.peak_tflops.get(name)
        if value:
            return value * 1e12 * (eff.compute_fp8 if name == "fp8" else eff.compute)
    raise PerformanceUnknown(f"{acc.name}: no peak FLOPS in the catalog (accelerator_performance.csv), so speed cannot be estimated")


def bandwidth(acc: Accelerator) -> float:
    """Peak memory bandwidth in bytes/s."""
    if not acc.bandwidth_gbps:
        raise PerformanceUnknown(f"{acc.name}: no memory bandwidth in the catalog, so speed cannot be estimated")
    return acc.bandwidth_gbps * 1e9


def _attention_width(model: Model) -> int:
    """Query heads x head size: the width of the attention products per token and layer."""
    if model.head_dim is not None:
        return model.attention_heads * model.head_dim
    return model.attention_heads * ((model.kv_lora_rank or 0) + (model.qk_rope_head_dim or 0))


def _attended(model: Model, context: float) -> float:
    """Sum over attention layers of the tokens each attends to at `context` (sliding layers see their window)."""
    sliding = model.sliding_window_layers or 0
    full = model.kv_layers - sliding
    return full * context + sliding * min(context, model.sliding_window or context)


def _expert_split(model: Model) -> tuple[float, float]:
    """(parameters every token uses, parameters in routed experts) of a mixture of experts."""
    total, active = model.params_total_b * 1e9, (model.params_active_b or model.params_total_b) * 1e9
    if not model.is_moe or total <= active:
        return total, 0.0
    if model.num_experts and model.num_experts_per_tok and model.num_experts > model.num_experts_per_tok:
        share = model.num_experts_per_tok / model.num_experts
    else:
        share = active / total  # ESTIMATE when the expert count is not in the catalog
    experts = (total - active) / (1 - share)
    return total - experts, experts


def routed_share(model: Model, batch: float) -> float:
    """Share of the routed experts' weights a step of `batch` tokens reads (1 - (1 - k/E)^batch)."""
    if model.num_experts and model.num_experts_per_tok:
        share = model.num_experts_per_tok / model.num_experts
    else:
        total, active = model.params_total_b, model.params_active_b or model.params_total_b
        share = active / total
    return 1 - (1 - share) ** max(batch, 1.0)


@dataclass(frozen=True)
class Replica:
    """One replica shape: model, accelerator, TP degree, weight and KV formats."""

    model: Model
    accelerator: Accelerator
    tensor_parallel: int = 1
    precision: str = "bf16"
    kv_cache_dtype: str = "auto"
    lora: LoraSlots | None = None
    """The LoRA slots vLLM reserves beside the weights (their memory only: the adapters' extra compute is not modelled)."""
    engine_version: str | None = None
    """The vLLM release whose kernels pad the weights (held, and read by a decode step), whose NVFP4 kernel sets the format
    products run in (`compute_format`), whose LoRA slots are reserved and whose KV pool is paged (the pinned release when
    None)."""
    prefix_caching: bool | None = None
    """False for a server told `--no-enable-prefix-caching` (a hybrid model's state pages depend on it); None: vLLM's default."""
    data_parallel: int = 1
    """Engines of `tensor_parallel` GPUs each (`--data-parallel-size`): the replica's sequences shared among them, a mixture
    of experts' engines stepping together (`hangar.sizing.data_parallel`)."""
    expert_parallel: bool = False
    """`--enable-expert-parallel`: whole routed experts spread over the T x D GPUs (`hangar.sizing.experts`)."""

    def __post_init__(self) -> None:
        if self.tensor_parallel < 1 or self.data_parallel < 1:
            raise SizingError(f"tensor_parallel and data_parallel must be at least 1, got {self.tensor_parallel} and {self.data_parallel}")
        if self.expert_parallel and self.model.num_experts is None:
            raise SizingError(f"{self.model.hf_id} has no experts: expert parallelism (--enable-expert-parallel) is for a mixture of experts")

    @property
    def accelerators(self) -> int:
        """GPUs of the replica: TP x DP."""
        return self.tensor_parallel * self.data_parallel

    def weights_read(self, batch: float) -> float:
        """Bytes of weights one engine's step reads over its TP group, `batch` the tokens the step carries over all engines:
        a mixture of experts reads the experts they route to, of the share the engine's GPUs hold (`expert_share`)."""
        per_param = model_bytes_per_weight(self.model) if self.precision == "int4" else BYTES_PER_PARAM[self.precision]
        if not self.model.is_moe:
            return weight_bytes(self.model, self.precision)
        shared, experts = _expert_split(self.model)
        held = expert_share(self.model, tensor_parallel=self.tensor_parallel, data_parallel=self.data_parallel, expert_parallel=self.expert_parallel)
        routed = experts * routed_share(self.model, batch) * held
        if self.precision == "mxfp4":  # only the experts are 4-bit; what every token reads stays bf16 (DeepSeek-V4: fp8)
            return rest_bytes(self.model, shared) + routed * per_param * self._mxfp4_padding()
        # the embedding and output head are among the shared weights, and stay 16-bit when the rest is quantised
        return quantised_weight_bytes(self.model, shared, per_param) + routed * per_param

    def _mxfp4_padding(self) -> float:
        """The MXFP4 experts as the kernel of `engine_version` on this GPU pads them (`hangar.sizing.mxfp4`): a step reads
        the padded tiles. 1 where the GPU's compute capability or the experts' shape is not known."""
        capability = self.accelerator.compute_capability
        kernel = backend(capability, lora=self.lora is not None, engine_version=self.engine_version) if capability is not None else rocm_kernel(self.accelerator)
        try:
            return expert_padding(self.model, tensor_parallel=self.tensor_parallel, kernel=kernel or PUBLISHED)
        except Mxfp4Unsized:
            return 1.0

    def kv_bytes(self, context: float) -> float:
        """KV bytes one sequence at `context` tokens reads per step, over the TP group."""
        if is_deepseek_v4(self.model):  # compressed, picked and windowed latents, on every rank
            return decode_read_bytes(self.model, context) * self.tensor_parallel
        served = served_kv_dtype(self.model, self.kv_cache_dtype, self.engine_version, self.accelerator.compute_capability)
        if is_sparse(self.model):  # the indexer's pick and all its keys (`hangar.sizing.sparse_decode`)
            return decode_read_bytes_sparse(self.model, served, self.tensor_parallel, context)
        full_token, sliding_token = layer_token_bytes(self.model, served, self.tensor_parallel)
        model = self.model
        sliding = model.sliding_window_layers or 0
        read = full_token * (model.kv_layers - sliding) * context + sliding_token * sliding * min(context, model.sliding_window or context)
        return read + (model.state_bytes_per_sequence or 0)

    def decode_step(self, batch: float, context: float, eff: Efficiency) -> float:
        """Seconds of one decode step with `batch` sequences in flight over the replica at mean `context` tokens: each
        engine's step over its share (a mixture of experts' engines step together, its experts seeing every engine's
        tokens, exchanged at each MoE layer: `hangar.sizing.data_parallel`)."""
        acc, tp = self.accelerator, self.tensor_parallel
        engine = batch / self.data_parallel
        memory = (self.weights_read(batch) + engine * self.kv_bytes(context)) / (tp * bandwidth(acc) * eff.memory)
        attended = decode_attended(self.model, context, _attention_width(self.model)) if is_sparse(self.model) else _attended(self.model, context)
        compute = self._compute(engine, attended, eff)
        return max(memory, compute) + eff.step_ms / 1000 + self._allreduce(engine, eff) + self._exchange(batch, eff)

    def _exchange(self, tokens: float, eff: Efficiency) -> float:
        """ESTIMATE: seconds a step over `tokens` tokens (all engines') spends gathering and scattering them at the MoE
        layers of a data-parallel replica (`hangar.sizing.data_parallel.exchange_seconds`); 0 for one engine or a dense model."""
        seconds = exchange_seconds(
            self.model, tokens, tensor_parallel=self.tensor_parallel, data_parallel=self.data_parallel, expert_parallel=self.expert_parallel,
            interconnect_gbps=self.accelerator.interconnect_gbps, latency_us=eff.allreduce_us, interconnect_share=eff.interconnect,
        )  # fmt: skip
        if seconds is None:
            raise PerformanceUnknown(f"{self.model.hf_id}: no hidden_size in the catalog, so the data-parallel experts' exchange cannot be estimated")
        return seconds

    def _compute(self, tokens: float, attended: float, eff: Efficiency) -> float:
        """Seconds of the matrix products of `tokens` tokens, each attending to `attended` tokens summed over the layers:
        2 x active parameters + 4 x attended x the attention width FLOPs a token, over the TP group, at the rate of the
        format they run in (`compute_format`). On FP4 tensor cores only the quantised linear layers run at the FP4 rate:
        the output head and the modules the checkpoint keeps in 16 bits (`sixteen_bit_active_parameters`) and the
        attention products run at the 16-bit one."""
        active = (self.model.params_active_b or self.model.params_total_b) * 1e9
        attention = 4 * attended * _attention_width(self.model)
        acc, tp, release = self.accelerator, self.tensor_parallel, self.engine_version
        if compute_format(self.precision, acc, release) != "fp4":
            return tokens * (2 * active + attention) / (tp * peak_flops(acc, self.precision, eff, release))
        sixteen = sixteen_bit_active_parameters(self.model, active)
        fp4 = 2 * (active - sixteen) / peak_flops(acc, self.precision, eff, release)
        return tokens * (fp4 + (2 * sixteen + attention) / peak_flops(acc, "bf16", eff, release)) / tp

    def _allreduce(self, tokens: float, eff: Efficiency) -> float:
        """Seconds of the two all-reduces per layer of a step over `tokens` tokens (0 without TP): a fixed
        latency each, plus a ring all-reduce moving 2 (TP - 1) / TP of the 16-bit activations over one
        direction of the interconnect (unknown interconnect: latency only)."""
        tp = self.tensor_parallel
        if tp == 1:
            return 0.0
        seconds = eff.allreduce_us / 1e6
        link = self.accelerator.interconnect_gbps
        if link:
            activations = tokens * _attention_width(self.model) * 2
            seconds += 2 * (tp - 1) / tp * activations / (link / 2 * 1e9 * eff.interconnect)
        return 2 * self.model.layers * seconds

    def prefill(self, prompt_tokens: int, eff: Efficiency, *, engines: int | None = None) -> float:
        """Seconds of accelerator time one engine takes to prefill one prompt (compute-bound) while `engines` engines prefill
        one each (all of them when None): a mixture of experts' experts then exchange all their tokens."""
        attended = _attended(self.model, prompt_tokens / 2)  # causal: each token sees half the prompt on average
        busy = self.data_parallel if engines is None else engines
        return self._compute(prompt_tokens, attended, eff) + self._allreduce(prompt_tokens, eff) + self._exchange(busy * prompt_tokens, eff)

    def ttft(self, prompt_tokens: int, eff: Efficiency) -> float:
        """Seconds to the first token on an idle replica: the prefill (or one read of the weights) plus one step."""
        read = self.weights_read(prompt_tokens) / (self.tensor_parallel * bandwidth(self.accelerator) * eff.memory)
        return max(self.prefill(prompt_tokens, eff, engines=1), read) + (eff.step_ms + eff.request_ms) / 1000

    def engine_fit(self, tokens: int, gpu_memory_utilization: float) -> MemoryFit:
        """This replica against sequences of `tokens`: the fit check itself (`hangar.sizing.memory.memory_fit`), whose KV pool
        is paged as the release pages it (`hangar.sizing.kv_pool`): one engine's memory, all engines' capacity."""
        return memory_fit(
            self.model, self.accelerator, precision=self.precision, kv_cache_dtype=self.kv_cache_dtype, max_context_tokens=tokens,
            tensor_parallel=self.tensor_parallel, gpu_memory_utilization=gpu_memory_utilization, lora=self.lora,
            engine_version=self.engine_version, prefix_caching=self.prefix_caching, data_parallel=self.data_parallel,
            expert_parallel=self.expert_parallel,
        )  # fmt: skip

    def kv_budget_bytes(self, gpu_memory_utilization: float) -> float:
        """Bytes one engine has left for its KV cache after weights, overhead and LoRA slots (0 when none is left): the fit
        check's budget."""
        return max(0.0, self.engine_fit(1, gpu_memory_utilization).kv_budget_gib * GIB)

    def max_concurrency(self, prompt_tokens: int, output_tokens: int, *, gpu_memory_utilization: float, max_num_seqs: int | None,
                        kv_admission: str = "grow") -> int:  # fmt: skip
        """Sequences in flight the KV caches of the replica's engines allow (and max_num_seqs, which holds per engine), booked
        whole (`full`) or at their mean length (`grow`).

        The sequences of the booked length whose blocks (and, for a hybrid model, state pages) the pool holds at once, as
        the fit check counts them (`MemoryFit.capacity_sequences`, from `hangar.sizing.kv_pool.PoolFit.sequences_within`):
        vLLM's scheduler admits a request only while the pool has the blocks it needs (vLLM v0.11.2 and v0.33.0
        vllm/v1/core/kv_cache_utils.py / kv_cache_planning.py `get_max_concurrency_for_kv_cache_config`: the pool's blocks
        over the blocks one request takes in every KV-cache group; PyPI wheels read 2026-12-02), so a sliding-window layer
        holds its window, a linear-attention or Mamba2 layer its fixed state pages, a latent (MLA) layer its one latent,
        each in whole blocks of the release's size, the pool's null block held back."""
        booked = ceil(prompt_tokens + (output_tokens if kv_admission == "full" else output_tokens / 2))
        held = self.engine_fit(booked, gpu_memory_utilization).capacity_sequences
        return held if max_num_seqs is None else min(held, max_num_seqs * self.data_parallel)


@dataclass(frozen=True)
class OperatingPoint:
    """ESTIMATE of one replica serving `concurrency` requests of P prompt and O output tokens in a closed loop."""

    concurrency: float
    step_s: float
    prefill_s: float
    requests_per_s: float
    output_tokens_per_s: float
    tpot_s: float
    """Pace a user sees after the first token: the step, plus the prefills of others that interleave."""


def operating_point(replica: Replica, prompt_tokens: int, output_tokens: int, concurrency: float, eff: Efficiency = CALIBRATED) -> OperatingPoint:
    """Throughput and pace of one replica with `concurrency` requests in flight (see the module docstring)."""
    context = prompt_tokens + output_tokens / 2
    step = replica.decode_step(concurrency, context, eff)
    engines = busy_engines(replica.data_parallel, concurrency)
    prefill = replica.prefill(prompt_tokens, eff, engines=engines)
    engine = concurrency / replica.data_parallel  # each engine prefills its own share, the engines side by side
    lifetime = output_tokens * step + engine * prefill
    rate = concurrency / lifetime
    tpot = (output_tokens * step + max(engine - 1, 0) * prefill) / output_tokens
    return OperatingPoint(concurrency, step, prefill, rate, rate * output_tokens, tpot)


def at_request_rate(replica: Replica, prompt_tokens: int, output_tokens: int, requests_per_s: float, most: int,
                    eff: Efficiency = CALIBRATED) -> OperatingPoint | None:  # fmt: skip
    """The operating point carrying `requests_per_s` (mean requests in flight found by bisection); None beyond `most` in flight."""
    if operating_point(replica, prompt_tokens, output_tokens, most, eff).requests_per_s < requests_per_s:
        return None
    low, high = 1e-6, float(most)
    for _ in range(60):
        middle = (low + high) / 2
        if operating_point(replica, prompt_tokens, output_tokens, middle, eff).requests_per_s < requests_per_s:
            low = middle
        else:
            high = middle
    return operating_point(replica, prompt_tokens, output_tokens, max(high, 1.0), eff)


def saturated(replica: Replica, prompt_tokens: int, output_tokens: int, *, gpu_memory_utilization: float, max_num_seqs: int | None,
              kv_admission: str = "grow", eff: Efficiency = CALIBRATED) -> OperatingPoint | None:  # fmt: skip
    """The operating point at the most requests the KV cache (and max_num_seqs) allow in flight; None when not even one fits."""
    most = replica.max_concurrency(prompt_tokens, output_tokens, gpu_memory_utilization=gpu_memory_utilization,
                                   max_num_seqs=max_num_seqs, kv_admission=kv_admission)  # fmt: skip
    if most < 1:
        return None
    return operating_point(replica, prompt_tokens, output_tokens, most, eff)

