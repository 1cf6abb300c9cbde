"""Which precisions a model's published checkpoint can be served in, for `hangar size`: what cannot is not offered.

vLLM (v0.11.2 and v0.33.0 alike; `hangar.precision` has the sources) loads a quantised checkpoint in its own format
whatever `--dtype` says, finds no awq or gptq config in a 16-bit one, and quantises no dense layer to int8 as it loads:
an fp8 checkpoint is served in fp8 unless a 16-bit checkpoint of the same model exists, which is then a row of its own
(the fp8 repack names it as its `base_model`). Serving awq, gptq or int8 takes a checkpoint quantised to it ahead of
time, so they are offered only for a row whose `dtype` says the checkpoint is one (int8 for a compressed-tensors W8A8
int8 row, int4 for a W4A16 one): where the format is unknown (a row checked against a vendor's architecture arguments, which do not say it, a
team's row written without one, or a quantisation the column does not name) no such checkpoint is known to exist. `hangar size` judges at the pinned release.
"""

from __future__ import annotations

from collections.abc import Sequence

from hangar.catalog import Catalog, Model
from hangar.engine_release import sized_release
from hangar.precision import QUANTISED, VOUCHED_BY_CHECKPOINT, mismatch


def unservable(model: Model, precisions: Sequence[str], engine_version: str | None = None) -> dict[str, str]:
    """Each of `precisions` the published checkpoint cannot be served in, with vLLM `engine_version`'s reason."""
    release = sized_release(engine_version)
    refused = {p: why for p in precisions if (why := mismatch(p, model.dtype, model.hf_id, engine_version)) is not None}
    for planned in ("mxfp4", "nvfp4"):  # format unknown: sized only from a checkpoint published in it
        if planned in precisions and model.dtype is None:
            refused[planned] = f"{model.hf_id}: {planned} is planned only for a checkpoint published in it"
    for precision in VOUCHED_BY_CHECKPOINT:
        if precision in precisions and model.dtype is None:  # format unknown: no checkpoint in it is known to exist
            refused[precision] = (
                f"{model.hf_id}: the catalog knows no {precision} checkpoint of it (its published format is unknown), and vLLM {release} serves "
                f"{precision} only from a checkpoint quantised to it ahead of time; import one under its own id"
            )
    return refused


def _short_reason(model: Model, precision: str, release: str) -> str:
    if model.dtype in QUANTISED:
        return f"{model.hf_id} is published in {model.dtype}, which vLLM {release} loads whatever --dtype says"
    if precision == "int4":
        return "Hangar plans int4 only from a compressed-tensors W4A16 checkpoint: import one under its own id"
    if precision in VOUCHED_BY_CHECKPOINT and model.dtype is None:
        return "no awq, gptq or int8 checkpoint of it is known (its published format is unknown): import one quantised ahead of time under its own id"
    if precision in ("awq", "gptq"):
        return f"vLLM {release} finds no awq or gptq config in a 16-bit checkpoint: import one quantised ahead of time under its own id"
    if precision == "int8":
        return f"vLLM {release} quantises no dense weights to int8 as it loads: import a W8A8 int8 checkpoint under its own id"
    return f"{precision} is planned only for a checkpoint published in it"


def refusal_note(model: Model, catalog: Catalog, refused: dict[str, str], engine_version: str | None = None) -> str | None:
    """One line naming the precisions not offered and why, and the 16-bit base row to size instead where the catalog has one."""
    if not refused:
        return None
    reasons: dict[str, list[str]] = {}
    for precision in refused:
        reasons.setdefault(_short_reason(model, precision, sized_release(engine_version)), []).append(precision)
    note = "not offered: " + "; ".join(f"{', '.join(names)} ({reason})" for reason, names in reasons.items())
    base = catalog.models.get(model.base_model) if model.base_model else None
    if base is not None and base.dtype in ("bfloat16", "float16") and any(p in ("bf16", "fp16") for p in refused):
        note += f"; its 16-bit checkpoint is {base.hf_id}: size that for bf16"
    return note
