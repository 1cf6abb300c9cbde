"""A deployment's weight precision, agreed with the format its checkpoint is published in (the catalog's `dtype`), at
the vLLM release it names (`engine_version`).

What vLLM does with a checkpoint and the `--quantization` / `--dtype` it is given, read at both releases Hangar sizes
(v0.11.2: the PyPI sdist vllm-0.11.2.tar.gz, commit 275de3417; v0.33.0: vllm-0.33.0.tar.gz, commit 4ba787ec9; each per
vllm/_version.py, read 2026-12-01 and 2026-12-02). The two agree on every point below unless it says otherwise:

* vllm/config/model.py `ModelConfig.quantization`: "If `None`, we first check the `quantization_config` attribute in
  the model config file"; `_verify_quantization` then takes the checkpoint's `quant_method` as the quantisation, and
  raises "Quantization method specified in the model config (...) does not match the quantization method specified
  in the `quantization` argument (...)" when both are given and differ. So a checkpoint published in fp8 (DeepSeek
  V3/R1/V3.2, Kimi K2) is loaded as fp8 whatever `--dtype` says: bf16 or fp16 cannot be asked of it, nor int8, awq
  or gptq; `--dtype` only sets the type of the layers left unquantised and of the activations.
* A 16-bit checkpoint with `--quantization fp8` is quantised to fp8 as it loads (v0.11.2: docs/features/quantization/
  fp8.md, "Dynamic quantization of an original precision BF16/FP16 model to FP8 can be achieved with vLLM without any
  calibration data required"; `Fp8Config.get_config_filenames` is empty, so vllm/model_executor/model_loader/
  weight_utils.py `get_quant_config` builds a default, not-serialised config. v0.33.0: the same `get_quant_config`
  builds the online `fp8_per_tensor` config for it, logging that `--quantization fp8` is deprecated for online use).
* A 16-bit checkpoint with `--quantization awq` or `gptq` fails: `get_quant_config` finds no quantisation config in
  the model config, looks for `quant_config.json` / `quantize_config.json` beside it (v0.33.0:
  `AutoAWQConfig.get_config_filenames`, `AutoGPTQConfig.get_config_filenames`; neither name is an online shorthand)
  and raises "Cannot find the config file for awq" (gptq) when none ships.
* int8: vLLM quantises no dense layer to int8 as it loads. Its one online int8 is for a mixture of experts' expert
  weights only, weight-only, the rest left 16-bit (`--quantization experts_int8`, quantization/experts_int8.py
  `ExpertsInt8Config`: "Linear layers are left unquantized", `get_min_capability` 80; v0.33.0 adds the shorthand
  `int8_per_channel_weight_only`, vllm/config/quantization.py `_ONLINE_SHORTHANDS`, "INT8 weight-only on MoE; linear
  stays unquantized"), a layout Hangar does not size. bitsandbytes quantises in flight to 4 bits only
  (`BitsAndBytesConfig` defaults `load_in_4bit=True`; docs/features/quantization/bnb.md "Inflight quantization: load
  as 4bit quantization"), and at v0.33.0 lives out of tree (bnb.md: the `vllm-bnb-plugin` package, which the
  vllm-openai image does not install; "bitsandbytes" is no longer in `QuantizationMethods`). So Hangar's int8 (every
  weight at one byte, W8A8) is an int8 checkpoint that vLLM reads from its own `quantization_config`
  (compressed-tensors), with no flag, and no 16-bit checkpoint is served in it.
* An awq or gptq checkpoint (the catalog's `dtype` names one only in the 4-bit, group-128 layout Hangar sizes) is
  likewise loaded in its own format: the same `_verify_quantization` takes its `quant_method` (or the method that
  overrides it, `hangar.sizing.quant_kernels`), so it is served in awq or gptq only.
* gpt-oss publishes its experts in MXFP4 (config.json `"quant_method": "mxfp4"`): vLLM loads them so whatever is
  asked (the same `_verify_quantization`), with bf16 activations only (`Mxfp4Config.get_supported_act_dtypes`), on
  GPUs of compute capability 8.0 or newer (`hangar.sizing.mxfp4` has the source and the bytes). Hangar sizes mxfp4 only
  so: v0.11.2's `Mxfp4MoEMethod` allocates packed 4-bit experts only such a checkpoint fills, and v0.33.0's online
  `mxfp4` shorthand (vllm/config/quantization.py, linear and MoE layers of a 16-bit checkpoint) is a layout it does not size.
* DeepSeek-V4 (`dtype` mxfp4: MXFP4 experts, FP8 blocks beside them; v0.33.0 only) declares `"quant_method": "fp8"`, and
  `_verify_quantization` asks every override method in turn and takes the first answer as the quantisation, replacing
  whatever `--quantization` said: `Mxfp4Config.override_quantization_method` answers only for `model_type` gpt_oss
  (quantization/mxfp4.py), `DeepseekV4FP8Config.override_quantization_method` answers "deepseek_v4_fp8" for a
  deepseek_v4 config whose `quant_method` is fp8 (vllm/models/deepseek_v4/quant_config.py). `--quantization mxfp4` would
  be replaced unread, and names a config (`Mxfp4Config`) vLLM does not build for it: Hangar passes none
  (`own_quantisation`), as for ModelOpt and compressed-tensors checkpoints.

* A compressed-tensors checkpoint (the catalog's `dtype` w8a8-int8 or w8a8-fp8, `hangar.catalog.compressed_tensors`) is
  loaded in its own scheme with no `--quantization` (the same `_verify_quantization` refuses any other than
  `compressed-tensors`), so it is served in int8 or fp8 only and Hangar passes no `--quantization` for it
  (`hangar.sizing.quant_kernels.quantization_flag`). v0.33.0 read; v0.11.2's compressed-tensors code was not for W8A8.
  A W4A16 one (`dtype` w4a16-g<group>[-asym]) is served so in `int4` only, at both releases (`hangar.sizing.wna16`:
  vLLM's `CompressedTensorsWNA16`, read in both wheels); Hangar quantises nothing to int4 as it loads.
* A ModelOpt checkpoint (the catalog's `dtype` modelopt-fp8, `hangar.catalog.modelopt`) declares its format in
  config.json or the `hf_quant_config.json` beside it; `ModelOptFp8Config.override_quantization_method` answers
  "modelopt" for it whatever `--quantization` says, so it is served in fp8 only and Hangar passes no `--quantization`.
  `get_min_capability` is 89 at v0.11.2 and 80 at v0.33.0 (below 8.9 a weight-only path Hangar does not plan: its fp8
  takes the GPU's fp8 column, `hangar.sizing.capability.capability_problems`). NVFP4 (dtype nvfp4) likewise answers
  "modelopt_fp4" and is served in nvfp4 only, from a checkpoint published in it (4-bit e2m1 weights with an e4m3 scale
  per 16; its kernels per release: `hangar.sizing.quant_kernels`).

Hence: an unset `precision` means "as published" (fp8 for an fp8 checkpoint, mxfp4 for gpt-oss, int4 for W4A16, bf16 or fp16 for a
16-bit one), bf16 where the catalog does not know the format (a model not in it, or a quantisation its `dtype` column
does not name); a precision the checkpoint cannot be served in is a config error. awq, gptq or int8 of a row whose
format the catalog does not know depends on a checkpoint it cannot vouch for (a repack under that id, or a
compressed-tensors one): not a config error, but Hangar does not offer it (`hangar.sizing.published`) and the policy
pack cannot judge it (`format_unknown`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hangar.catalog import Catalog, CatalogLookupError, load_catalog
from hangar.catalog.compressed_tensors import W4A16_FORMATS
from hangar.engine_release import sized_release

if TYPE_CHECKING:
    from hangar.catalog import Model
    from hangar.spec import Environment, ModelDeployment

DEFAULT_PRECISION = "bf16"
"""What an unset precision means when the catalog does not know the published format."""

AS_PUBLISHED = {
    "bfloat16": "bf16", "float16": "fp16", "float32": "bf16", "fp8": "fp8", "mxfp4": "mxfp4", "awq": "awq", "gptq": "gptq",
    "w8a8-int8": "int8", "w8a8-fp8": "fp8", **dict.fromkeys(W4A16_FORMATS, "int4"), "modelopt-fp8": "fp8", "nvfp4": "nvfp4",
}
"""The precision an unset `precision` takes, by the catalog's `dtype` (a float32 checkpoint is served cast to 16 bits:
Hangar always passes `--dtype bfloat16` or `float16`)."""

SERVABLE = {
    "bfloat16": ("bf16", "fp16", "fp8"),
    "float16": ("bf16", "fp16", "fp8"),
    "float32": ("bf16", "fp16", "fp8"),
    "fp8": ("fp8",),
    "mxfp4": ("mxfp4",),
    "awq": ("awq",),
    "gptq": ("gptq",),
    "w8a8-int8": ("int8",),
    "w8a8-fp8": ("fp8",),
    **dict.fromkeys(W4A16_FORMATS, ("int4",)),
    "modelopt-fp8": ("fp8",),
    "nvfp4": ("nvfp4",),
}
"""Precisions vLLM serves a checkpoint published in each format in, at both releases read (the module docstring has why)."""


QUANTISED = ("fp8", "mxfp4", "awq", "gptq", "w8a8-int8", "w8a8-fp8", *W4A16_FORMATS, "modelopt-fp8", "nvfp4")
"""Published formats vLLM loads in their own quantisation whatever is asked."""


def published_format(catalog: Catalog, hf_id: str) -> str | None:
    """The catalog's `dtype` of the model: the format its weights are published in, or None when unknown."""
    try:
        return catalog.model(hf_id).dtype
    except CatalogLookupError:
        return None


def own_quantisation(catalog: Catalog, hf_id: str) -> bool:
    """Whether vLLM picks the model's quantisation itself whatever `--quantization` says, so Hangar passes none
    (DeepSeek-V4: the module docstring)."""
    from hangar.catalog.deepseek_v4 import is_deepseek_v4

    try:
        return is_deepseek_v4(catalog.model(hf_id))
    except CatalogLookupError:
        return False


def resolve(precision: str | None, published: str | None) -> str:
    """The precision served: the one asked for, else the published format's, else bf16."""
    if precision is not None:
        return precision
    return AS_PUBLISHED.get(published or "", DEFAULT_PRECISION)


def deployment_precision(catalog: Catalog, deployment: ModelDeployment) -> str:
    """The precision `deployment` is sized, costed and served in."""
    return resolve(deployment.precision, published_format(catalog, deployment.model))


def checkpoint_bytes(model: Model) -> float:
    """Bytes of the published checkpoint: 1 a parameter for fp8, 4-bit weights and group scales for awq, gptq and nvfp4, MXFP4
    experts and a bf16 rest for mxfp4, else 2 a parameter (float32 is counted as 16-bit, as the catalog's sizes always
    were; no float32 row exists).

    An fp8, awq or gptq checkpoint holds its token embedding and output head in 16 bits, as vLLM loads them: vLLM gives
    those two no quantisation method and so reads no scales for them (`hangar.sizing.embeddings` has the source); where
    the row lacks their shape every parameter is counted at the format's bytes."""
    from hangar.sizing.embeddings import quantised_weight_bytes
    from hangar.sizing.memory import BYTES_PER_PARAM
    from hangar.sizing.mxfp4 import Mxfp4Unsized, weight_bytes
    from hangar.sizing.wna16 import weight_bytes as int4_bytes

    if model.dtype in W4A16_FORMATS:
        return int4_bytes(model)
    if model.dtype == "mxfp4":
        try:
            return weight_bytes(model)
        except Mxfp4Unsized:
            pass  # sized as 16-bit: an upper bound
    params = model.params_total_b * 1e9
    if model.dtype in ("fp8", "awq", "gptq", "w8a8-int8", "w8a8-fp8", "modelopt-fp8", "nvfp4"):
        return quantised_weight_bytes(model, params, BYTES_PER_PARAM[AS_PUBLISHED[model.dtype]])
    return params * 2.0


def engine_precision(flagged: str, quantization_flag: str | None, published: str | None) -> str:
    """The precision vLLM serves when a server's flags say `flagged` (`--quantization` and `--dtype` read): without a
    `--quantization` flag it still loads a quantised checkpoint's own format (fp8, mxfp4, awq, gptq), as the module
    docstring says."""
    if quantization_flag is None and published in QUANTISED:
        return AS_PUBLISHED[published]
    return flagged


PRECISION_ANNOTATION = "hangar.dev/precision"
"""The workload annotation naming the precision Hangar planned where the server's flags cannot say it: int8, which has no
`--quantization` of its own (vLLM reads an int8 checkpoint's config), so the policies can tell it from 16 bits."""


def precision_annotation(precision: str, quantization_flag: str | None) -> dict[str, str]:
    """`{PRECISION_ANNOTATION: precision}` where the flags leave a planned quantisation unsaid (int8, int4); else {}."""
    return {PRECISION_ANNOTATION: precision} if quantization_flag is None and precision in ("int8", "int4") else {}


VOUCHED_BY_CHECKPOINT = ("awq", "gptq", "int8", "int4")
"""Precisions vLLM serves only from a checkpoint published in them (the module docstring has why)."""


def mismatch(precision: str | None, published: str | None, hf_id: str, engine_version: str | None = None) -> str | None:
    """Why `precision` cannot be served from `hf_id`'s checkpoint published in `published` by vLLM `engine_version` (the
    pinned release when None); None if it can, or if the format is unknown."""
    if precision is None or published is None:
        return None
    allowed = SERVABLE.get(published, ())
    if precision in allowed:
        return None
    release = sized_release(engine_version)
    shown = {
        "bfloat16": "bf16", "float16": "fp16", "float32": "fp32", "w8a8-int8": "compressed-tensors W8A8 int8", "w8a8-fp8": "compressed-tensors W8A8 fp8",
        "modelopt-fp8": "ModelOpt fp8", "nvfp4": "ModelOpt NVFP4",
    }.get(published, published)
    if published in W4A16_FORMATS:
        shown = f"compressed-tensors W4A16 ({published})"
    if published in QUANTISED:
        why = f"vLLM {release} loads {hf_id}'s {shown} quantization_config whatever --dtype says (vllm/config/model.py _verify_quantization)"
    elif precision == "nvfp4":
        why = "Hangar plans nvfp4 only for a checkpoint published in it (NVIDIA's ModelOpt NVFP4 repacks)"
        if release == "v0.33.0":  # vllm/config/quantization.py _ONLINE_SHORTHANDS: MoE experts only, on Blackwell with FlashInfer TRTLLM
            why += "; vLLM v0.33.0's online nvfp4_per_token quantises a mixture of experts' experts only, a layout Hangar does not size"
    elif precision == "mxfp4":
        why = "Hangar plans mxfp4 only for a checkpoint published in it (gpt-oss's MXFP4 experts)"
        if release == "v0.33.0":
            why += "; vLLM v0.33.0's online mxfp4 of a 16-bit checkpoint is a layout Hangar does not size"
    elif precision in ("awq", "gptq"):
        why = (
            f"vLLM {release} finds no {precision} quantisation config in a {shown} checkpoint ('Cannot find the config file for {precision}', "
            "vllm/model_executor/model_loader/weight_utils.py get_quant_config); "
            "serve a checkpoint quantised ahead of time under its own id"
        )
    elif precision == "int4":
        why = (
            "Hangar plans int4 only from a compressed-tensors W4A16 checkpoint (vLLM's in-flight 4-bit, bitsandbytes, is a layout "
            "it does not size): serve one under its own id"
        )
    else:
        why = (
            f"vLLM {release} quantises no dense weights to int8 as it loads (its online experts_int8 covers a mixture of experts' experts only, "
            "a layout Hangar does not size: vllm/model_executor/layers/quantization/experts_int8.py), so int8 takes a W8A8 int8 checkpoint: "
            "serve one under its own id"
        )
    return f"{hf_id} is published in {shown}: {why}; allowed: {', '.join(allowed)} (or leave precision unset: {AS_PUBLISHED[published]})"


def format_unknown(precision: str, published: str | None, known: bool, hf_id: str, engine_version: str | None = None) -> str | None:
    """Why whether `hf_id` can be served in `precision` cannot be judged: the catalog knows the row (`known`) but not the
    format of its checkpoint, and vLLM `engine_version` serves awq, gptq and int8 only from a checkpoint published in
    them. None when it can be judged (a known format, a model the catalog lacks: reported as unknown, or another precision)."""
    if not known or published is not None or precision not in VOUCHED_BY_CHECKPOINT:
        return None
    return (
        f"the catalog does not know the format {hf_id}'s checkpoint is published in, and vLLM {sized_release(engine_version)} serves "
        f"{precision} only from a checkpoint quantised to it ahead of time (from a 16-bit one it refuses or loads 16 bits), so whether "
        f"it can be served in {precision} cannot be judged; import its config.json with `hangar catalog import-model` to record its format"
    )


def precision_problems(environment: Environment) -> list[dict[str, Any]]:
    """Config problems: deployments asking a precision their model's published checkpoint cannot be served in."""
    from hangar.spec import problem

    try:
        catalog = load_catalog(environment.catalog_overrides)
    except (OSError, ValueError):
        return []  # hardware_problems has reported it
    problems = []
    for index, deployment in enumerate(environment.deployments):
        message = mismatch(deployment.precision, published_format(catalog, deployment.model), deployment.model, deployment.engine_version)
        if message is not None:
            problems.append(problem(f"deployments[{index}].precision", message, deployment.precision))
    return problems
