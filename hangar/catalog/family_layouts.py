"""Model families the reader reads through a layout it already knows: one module per family, registered here.

A family's config.json spells a known layout in its own words (OLMo 3's sliding-window layers are Llama's grouped-query
attention with a `layer_types` list; Qwen3-VL's text model is Qwen3's inside a `text_config`). Its module checks what
the vLLM releases Hangar deploys do with the file, refuses what they would read differently (a ConfigError naming the
field), and hands `hangar.catalog.model_config` the text config in the vocabulary of the layout it `reads_as`. Where
the family carries a vision tower whose weights the generic ViT count would get wrong, it counts them itself
(`vision_params`), as vLLM loads them.

The reader keeps reporting the family's own `model_type`, so a row it makes names the family, not the layout borrowed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .layouts_ernie import ernie_moe_text, ernie_text
from .layouts_glm5 import glm_moe_dsa_text
from .layouts_granite_smollm3 import granite_text, smollm3_text
from .layouts_granite_swa import granite_swa_text
from .layouts_kimi_k25 import VISION_KEPT, kimi_k25_text, kimi_k25_vision_params
from .layouts_olmo import olmo_text
from .layouts_qwen3_vl import qwen3_vl_text, qwen3_vl_vision_params
from .layouts_seed_oss import seed_oss_text
from .mistral_dense import PIXTRAL_DENSE, dense_text
from .mistral_params import VISION_KEPT as PIXTRAL_KEPT
from .mistral_params import mistral_large_3_text, pixtral_vision_params


@dataclass(frozen=True)
class FamilyLayout:
    """How the reader reads one family: the known layout it reads as, and the family's own checks and translation."""

    reads_as: str
    """A layout `hangar.catalog.model_config` knows (`KNOWN_MODEL_TYPES`)."""
    text: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]
    """(config.json, its text config) -> the text config in `reads_as`'s field names; a ConfigError names a field it refuses."""
    vision_params: Callable[[dict[str, Any]], int] | None = None
    """The vision tower's weights as vLLM loads them, replacing the generic ViT estimate; None where there is no tower."""
    vision_unquantised: tuple[str, ...] = ()
    """Quantisation methods (`quant_method`) under which vLLM keeps the vision tower in 16 bits whatever the checkpoint's
    `ignore` says: its weights are then counted in the row's `unquantised_params_b`."""


FAMILY_LAYOUTS: dict[str, FamilyLayout] = {
    "ernie4_5": FamilyLayout("llama", ernie_text),
    "ernie4_5_moe": FamilyLayout("glm4_moe", ernie_moe_text),
    "glm_moe_dsa": FamilyLayout("deepseek_v32", glm_moe_dsa_text),
    "granite": FamilyLayout("llama", granite_text),
    "granitemoe": FamilyLayout("mixtral", granite_text),
    "granitemoeshared": FamilyLayout("mixtral", granite_text),  # with its shared expert (shared_expert_intermediate_size)
    "granite_swa": FamilyLayout("llama", granite_swa_text),
    "granitemoe_swa": FamilyLayout("mixtral", granite_swa_text),
    "olmo2": FamilyLayout("llama", olmo_text),
    "olmo3": FamilyLayout("llama", olmo_text),
    "seed_oss": FamilyLayout("llama", seed_oss_text),
    "smollm3": FamilyLayout("llama", smollm3_text),
    "qwen3_vl_text": FamilyLayout("qwen3", qwen3_vl_text, qwen3_vl_vision_params),
    "qwen3_vl_moe_text": FamilyLayout("qwen3_moe", qwen3_vl_text, qwen3_vl_vision_params),
    "qwen3_vl": FamilyLayout("qwen3", qwen3_vl_text, qwen3_vl_vision_params),  # a text_config that names no model_type
    "qwen3_vl_moe": FamilyLayout("qwen3_moe", qwen3_vl_text, qwen3_vl_vision_params),
    "kimi_k25": FamilyLayout("deepseek_v3", kimi_k25_text, kimi_k25_vision_params, VISION_KEPT),  # its text_config says kimi_k2
    # vLLM's config from Mistral Large 3's params.json (hangar.catalog.mistral_params): a deepseek_v3 text_config
    "pixtral": FamilyLayout("deepseek_v3", mistral_large_3_text, pixtral_vision_params, PIXTRAL_KEPT),
    PIXTRAL_DENSE: FamilyLayout("mistral", dense_text, pixtral_vision_params, PIXTRAL_KEPT),  # a dense params.json's (mistral_dense)
}
"""The families read through another layout, by the text config's `model_type` (or, for one whose text config names a
layout the reader knows, as Kimi K2.5's `kimi_k2`, the file's own: `TOP_LEVEL`)."""
TOP_LEVEL = ("kimi_k25", "pixtral", PIXTRAL_DENSE)
"""Families found by config.json's own `model_type`, whose `text_config` names a plain layout of its own."""
