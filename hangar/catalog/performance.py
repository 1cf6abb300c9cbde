"""Catalog rows for speed: accelerators' datasheet peaks, and published measurements of serving engines.

Two tables, kept apart from `gpus.csv` (whose bandwidth and bf16 figures came from secondary
compilations) so that every peak here is a datasheet figure with where it was read:

* `accelerator_performance.csv` — dense (no 2:4 sparsity) peak FLOPS per precision and memory
  bandwidth of one accelerator (a GPU by its `gpus.csv` name, a TPU chip as "TPU <generation>");
* `serving_measurements.csv` — PUBLISHED MEASURED serving results (throughput, time per output
  token, time to first token) with engine and version, accelerators, model, precision and workload:
  the calibration table of `hangar.sizing.performance`. A row is a measurement someone published,
  never a number Hangar made up; what the source leaves unsaid is in `notes`.
"""

from __future__ import annotations

import datetime
from typing import Literal, Optional

from pydantic import model_validator

from .errors import RowProblem
from .schema import PositiveFloat, PositiveInt, Row, Text

METRICS = ("output_tokens_per_s", "tpot_ms", "ttft_ms")
LOADS = ("saturated", "concurrency", "request_rate")


class AcceleratorPerformance(Row):
    """Datasheet peaks of one accelerator: memory bandwidth and dense FLOPS per number format.

    An empty cell is unknown (the format may exist but its figure was not read), never 0.
    """

    accelerator: Text
    memory_bandwidth_gbps: PositiveFloat
    dense_bf16_tflops: Optional[PositiveFloat] = None
    dense_fp16_tflops: Optional[PositiveFloat] = None
    dense_fp8_tflops: Optional[PositiveFloat] = None
    dense_int8_tops: Optional[PositiveFloat] = None
    dense_fp4_tflops: Optional[PositiveFloat] = None
    """Dense FP4 tensor-core peak (Blackwell and newer): the rate of NVFP4 products where vLLM runs them on FP4 tensor
    cores (`hangar.sizing.performance.compute_format`)."""
    interconnect_gbps: Optional[PositiveFloat] = None
    """Accelerator-to-accelerator bandwidth as the vendor quotes it (both directions summed): NVLink,
    PCIe when there is none, ICI for TPU chips. Tensor-parallel all-reduces run over it."""
    source: Text
    """The vendor document the figures are from."""
    read_at: Text
    """Where the figures were read (the document itself or a page reproducing it)."""
    as_of: datetime.date
    notes: Optional[str] = None

    def peak_tflops(self) -> dict[str, float]:
        """Dense peak per number format ('bf16', 'fp16', 'fp8', 'int8', 'fp4'), known ones only."""
        found = {"bf16": self.dense_bf16_tflops, "fp16": self.dense_fp16_tflops, "fp8": self.dense_fp8_tflops, "int8": self.dense_int8_tops,
                 "fp4": self.dense_fp4_tflops}  # fmt: skip
        return {name: value for name, value in found.items() if value is not None}


class ServingMeasurement(Row):
    """One published measurement of a serving engine, with everything needed to predict it.

    `load` says how the benchmark drove the engine: `saturated` (all requests queued at once; an
    optional `load_value` caps the requests in flight), `concurrency` (a closed loop of `load_value`
    requests in flight) or `request_rate` (arrivals at `load_value` requests/s). `kv_admission` is
    how the engine's scheduler books KV blocks: `grow` (as a sequence grows, vLLM/SGLang) or `full`
    (prompt + output reserved when a request is admitted, TensorRT-LLM's guaranteed-no-evict).
    """

    id: Text
    model: Text
    accelerator: Text
    accelerators: PositiveInt
    tensor_parallel: PositiveInt
    precision: Literal["bf16", "fp16", "fp8", "int8", "awq", "gptq"]
    kv_cache_dtype: Literal["auto", "fp8"]
    engine: Text
    engine_version: Text
    gpu_memory_utilization: PositiveFloat
    max_num_seqs: Optional[PositiveInt] = None
    kv_admission: Literal["grow", "full"]
    prompt_tokens: PositiveInt
    output_tokens: PositiveInt
    load: Literal["saturated", "concurrency", "request_rate"]
    load_value: Optional[PositiveFloat] = None
    metric: Literal["output_tokens_per_s", "tpot_ms", "ttft_ms"]
    value: PositiveFloat
    source: Text
    as_of: datetime.date
    notes: Optional[str] = None

    @model_validator(mode="after")
    def _consistent(self) -> "ServingMeasurement":
        if self.load != "saturated" and self.load_value is None:
            raise RowProblem("load_value", None, f"required with load {self.load} (the concurrency or the requests/s)")
        if self.accelerators % self.tensor_parallel:
            raise RowProblem("accelerators", self.accelerators, f"must be a multiple of tensor_parallel ({self.tensor_parallel})")
        if self.gpu_memory_utilization > 1:
            raise RowProblem("gpu_memory_utilization", self.gpu_memory_utilization, "must be at most 1")
        return self

    @property
    def replicas(self) -> int:
        """Engine replicas the measurement ran (accelerators / tensor_parallel)."""
        return self.accelerators // self.tensor_parallel
