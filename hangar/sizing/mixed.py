"""The weights of a ModelOpt MIXED_PRECISION checkpoint: each listed module at its own format's bytes, the rest in 16 bits.

The row's `mixed_params_b` holds the parameters the checkpoint lists per format (`hangar.catalog.modelopt_mixed`, which
has what vLLM v0.33.0 does); every other parameter (the token embedding, norms, routers, an unlisted head or vision
tower) is 16-bit. Bytes a weight takes in GPU memory, read in the PyPI wheel vllm-0.33.0 (commit 4ba787ec9) on 2026-12-03,
vllm/model_executor/layers/quantization/modelopt.py:
* nvfp4 (NVFP4 and W4A16_NVFP4 alike): half a byte and an e4m3 scale per 16 (`hangar.sizing.quant_kernels`);
* fp8 (`FP8`, "FP8 per-tensor weight + optional static activation scale"): one byte, a scalar per tensor;
* mxfp8 (`MXFP8`, "fp8-e4m3 values + per-32-block e8m0 (uint8) scale", `MXFP8_BLOCK_SIZE` 32 in
  layers/quantization/utils/mxfp8_utils.py): one byte and a byte per 32.

The active weights (what a decode step reads) count the listed modules outside nvfp4 as every token's (the reader
keeps the routed experts in nvfp4: attention, dense MLPs, shared experts and Mamba projections are what NVIDIA's
checkpoints list in fp8 or mxfp8), the 16-bit ones less the embedding (a lookup) likewise, and the rest of the active
parameters in nvfp4.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .embeddings import EMBEDDING_BYTES
from .quant_kernels import NVFP4_BYTES_PER_WEIGHT

if TYPE_CHECKING:
    from hangar.catalog import Model

MIXED_BYTES: dict[str, float] = {"nvfp4": NVFP4_BYTES_PER_WEIGHT, "fp8": 1.0, "mxfp8": 1 + 1 / 32}
"""Bytes a weight takes in each format of `mixed_params_b` (the module docstring has the sources)."""


def mixed_weight_bytes(model: Model, *, active: bool = False) -> float:
    """Bytes of a MIXED_PRECISION row's weights (`active`: those a token reads); the row must have `mixed_params_b`."""
    groups = {form: billions * 1e9 for form, billions in (model.mixed_params() or {}).items()}
    sixteen = model.params_total_b * 1e9 - sum(groups.values())
    if not active:
        return sum(params * MIXED_BYTES[form] for form, params in groups.items()) + sixteen * EMBEDDING_BYTES
    embedding = (model.vocab_size or 0) * (model.hidden_size or 0)
    every_token = {form: params for form, params in groups.items() if form != "nvfp4"}
    sixteen_active = max(sixteen - embedding, 0.0)
    active_params = (model.params_active_b if model.params_active_b is not None else model.params_total_b) * 1e9
    nvfp4 = max(active_params - sixteen_active - sum(every_token.values()), 0.0)
    return sixteen_active * EMBEDDING_BYTES + sum(p * MIXED_BYTES[f] for f, p in every_token.items()) + nvfp4 * NVFP4_BYTES_PER_WEIGHT



MIXED_SERVED = (0, 33, 0)
"""The first vLLM release read that loads every MIXED_PRECISION checkpoint Hangar sizes, whichever file declares it. Read in
the PyPI wheels on 2026-12-03, layers/quantization/modelopt.py `ModelOptMixedPrecisionConfig` and
transformers_utils/model_arch_config_convertor.py `_normalize_quantization_config`: v0.16.0 has no MIXED_PRECISION;
v0.17.0 (commit b31e9326a), v0.18.0, v0.19.0, v0.20.1 and v0.21.0 build FP8 and NVFP4 layers; v0.22.0 and v0.24.0 also
W4A16_NVFP4; v0.25.0 (dd10e03f9), v0.25.1, v0.26.0 and v0.27.0 also MXFP8. Up to v0.32.0 (v0.17.0, v0.25.0, v0.30.0 and
v0.32.0 read) the convertor raises "Unknown ModelOpt quant algo" for MIXED_PRECISION in an hf_quant_config.json (it maps
FP8 and NVFP4 only), so only a config.json declaring it loads there; v0.33.0 maps it to modelopt_mixed. The row keeps
neither which file declared it nor nvfp4's W4A4 from W4A16, so Hangar plans such a row from v0.33.0."""


def mixed_refusal(model: Model, given: tuple[int, int, int], tag: str) -> str | None:
    """Why release `given` (named `tag`) is not planned for a MIXED_PRECISION row; None where it is, or for another row."""
    if model.mixed_params_b is None or given >= MIXED_SERVED:
        return None
    if given < (0, 17, 0):
        why = ("its ModelOpt quant_algo MIXED_PRECISION is not one that release takes (v0.11.2 raises \"Unknown ModelOpt quant algo\" for "
               "an hf_quant_config.json, \"ModelOpt currently only supports: ['FP8', 'NVFP4']\" for a config.json)")
    else:
        why = ("that release takes ModelOpt MIXED_PRECISION only in part (FP8 and NVFP4 layers from v0.17.0, W4A16_NVFP4 from v0.22.0, MXFP8 "
               "from v0.25.0, and only from config.json: an hf_quant_config.json declaring it fails before v0.33.0)")
    return f"vLLM {tag} cannot load {model.hf_id}: {why}; Hangar plans it from v0.33.0"
