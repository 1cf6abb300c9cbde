"""Which vLLM releases serve IBM's Granite SWA checkpoints (`GraniteSWAForCausalLM`, model_type `granite_swa`;
`GraniteMoeSWAForCausalLM`, `granitemoe_swa`), for `hangar.sizing.engine_models`.

Read 2026-12-03, each release's vllm/model_executor/models/registry.py in its PyPI wheel (commit per vllm/_version.py):
v0.11.2 (275de3417), v0.20.0 to v0.21.0, v0.27.0 (4bdc8a788) and v0.28.0 (2cf0a6915) register neither; v0.29.0
(98dff2a81) is the first that does, mapping `GraniteSWAForCausalLM` to granite.py's `GraniteForCausalLM` and
`GraniteMoeSWAForCausalLM` to granitemoeshared.py's `GraniteMoeSharedForCausalLM` (their attention reads `layer_types`
through `granite_layer_attn_params`), and v0.30.0 (ced6857af), v0.31.0 (db9527a46), v0.32.0 (5df63a720) and v0.33.0
(4ba787ec9) keep both. No release read has a config class of its own for either model type (v0.29.0's
vllm/transformers_utils/config.py `_CONFIG_REGISTRY`): transformers has them from 5.15.0 (models/granite_swa/ and
models/granitemoe_swa/ are in the PyPI wheels 5.15.0, 5.15.1, 5.16.0 and 5.16.1, not in 5.14.1, 5.12.1, 5.10.4 or 4.57.6).
v0.29.0 to v0.31.0 require transformers>=5.10.4, so they read the config only where the installed transformers is 5.15.0 or
later (pip's newest admitted is); v0.32.0 and v0.33.0 require >=5.16.1. v0.11.2 requires transformers<5, which has no such
model, so its Transformers backend cannot stand in either.
"""

from __future__ import annotations

GRANITE_SWA_ARRIVALS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int], str, str]] = {
    "GraniteSWAForCausalLM": ((0, 29, 0), (0, 29, 0), "granite_swa", "5.15.0"),
    "GraniteMoeSWAForCausalLM": ((0, 29, 0), (0, 29, 0), "granitemoe_swa", "5.15.0"),
}
"""Architecture -> (the release that registers it, the release that serves it, its model_type, the transformers release
that added that model type): `hangar.sizing.engine_models.Arrival`'s fields."""
