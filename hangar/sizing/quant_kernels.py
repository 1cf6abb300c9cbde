"""The `--quantization` value Hangar passes: the kernel vLLM v0.11.2 would choose itself for the checkpoint on the GPU.

Read from vLLM v0.11.2 (the PyPI sdist vllm-0.11.2.tar.gz, commit 275de3417 per vllm/_version.py, read 2026-12-02):

* vllm/config/model.py `ModelConfig._verify_quantization` asks each method's `override_quantization_method` (awq_marlin and
  gptq_marlin among the `overrides`) with the checkpoint's `quantization_config` and the `--quantization` given; the first
  answer becomes the method.
* quantization/awq_marlin.py `AWQMarlinConfig.override_quantization_method`: when the checkpoint `is_awq_marlin_compatible`
  and the user asked nothing, `marlin` or `awq_marlin`, it answers awq_marlin ("The model is convertible to awq_marlin
  during runtime. Using awq_marlin kernel."); asked `awq` explicitly it answers nothing and logs "Detected that the
  model can run with awq_marlin, however you specified quantization=awq explicitly, so forcing awq. Use
  quantization=awq_marlin for faster inference". gptq_marlin.py does the same for GPTQ.
* `is_awq_marlin_compatible` needs CUDA, a `bits`, `group_size` and `zero_point` in the config, and
  utils/marlin_utils.py `check_marlin_supported`, whose `query_marlin_supported_quant_types` returns nothing below
  compute capability 8.0 (`if device_capability < 80: return []`) and, with zero points, only uint4 at or above it
  (4-bit AWQ), for group sizes -1, 32, 64 and 128 (`MARLIN_SUPPORTED_GROUP_SIZES`). `is_gptq_marlin_compatible` likewise for 4- or 8-bit
  symmetric GPTQ (`TYPE_MAP` keys (4, True), (8, True)) with `desc_act` stated.

Hangar sizes a 4-bit group-128 checkpoint (`hangar.sizing.memory`), as AutoAWQ's GEMM (zero points) and symmetric GPTQ
write them, so on compute capability 8.0 and newer it passes the Marlin method vLLM would have picked, and the plain one
below (AWQ's own kernel from 7.5, `AWQConfig.get_min_capability`; GPTQ's from 6.0). A checkpoint of another layout
(asymmetric GPTQ, AWQ without zero points) is not one Marlin takes: vLLM would refuse the Marlin flag for it.
"""

from __future__ import annotations

from hangar.catalog.config_fields import QUANT_BITS, QUANT_GROUP

SIZED_BITS = QUANT_BITS
"""Bits a weight of the awq / gptq checkpoints Hangar sizes (`hangar.sizing.memory`); the catalog names no other."""
SIZED_GROUP = QUANT_GROUP
"""Weights per scale and zero point in them: the usual group size (AutoAWQ's and GPTQ's default), a Marlin one."""
MARLIN_MIN_CAPABILITY = 80
"""`query_marlin_supported_quant_types`: no Marlin type below compute capability 8.0."""
MARLIN = {"awq": "awq_marlin", "gptq": "gptq_marlin"}
FLAGS = {"fp8": "fp8", "mxfp4": "mxfp4", "awq": "awq", "gptq": "gptq"}
"""`--quantization` by precision where Marlin does not apply. int8 has none: vLLM reads W8A8 int8 from the checkpoint."""


def quantization_flag(precision: str, compute_capability: int | None) -> str | None:
    """The `--quantization` value for weights in `precision` on a GPU of `compute_capability` (None: not an NVIDIA GPU)."""
    if precision in MARLIN and compute_capability is not None and compute_capability >= MARLIN_MIN_CAPABILITY:
        return MARLIN[precision]
    return FLAGS.get(precision)
