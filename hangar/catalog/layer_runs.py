"""Per-layer columns of a model row, written as runs: `8x6 0x2 8x3` is 8 for six layers, 0 for two, 8 for three.

A model whose layers differ one from another (NVIDIA's Llama-Nemotron, `nemotron-nas`: a neural-architecture search
gave each layer its own KV grouping and MLP width, and dropped attention or the MLP from some) cannot be held by the
row's single `kv_heads` / `intermediate_size`. Two columns hold it layer by layer, in layer order:

* `layer_kv_heads`: the KV heads of each layer, 0 where the layer has no attention (a no-op);
* `layer_mlp_widths`: the MLP width of each layer, 0 where the layer has no MLP.

A run is `value` or `value x count` (`8x6`), runs are separated by spaces: the CSV cell stays short and readable
(Llama-3.3-Nemotron-Super-49B-v1's 80 layers are nine runs). `check_layer_columns` keeps a row's columns coherent;
sizing reads `kv_head_counts` (how many attention layers cache how many KV heads).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from .errors import RowProblem

if TYPE_CHECKING:
    from .model_row import Model

_RUN = re.compile(r"^(\d+)(?:x(\d+))?$")


def decode_runs(column: str, text: str) -> tuple[int, ...]:
    """The per-layer values of a runs cell (`8x6 0x2`); RowProblem naming `column` when a run is malformed."""
    values: list[int] = []
    for run in text.split():
        match = _RUN.match(run)
        if match is None or (match.group(2) is not None and int(match.group(2)) < 1):
            raise RowProblem(column, text, f"run {run!r} is not 'value' or 'value x count' (e.g. '8x6 0x2 8x3': 8 for six layers, 0 for two, 8 for three)")
        values += [int(match.group(1))] * int(match.group(2) or 1)
    if not values:
        raise RowProblem(column, text, "gives no layer; leave the cell empty instead")
    return tuple(values)


def encode_runs(values: list[int] | tuple[int, ...]) -> str:
    """The runs cell of per-layer values, each run of equal neighbours as `value x count`."""
    runs: list[list[int]] = []
    for value in values:
        if runs and runs[-1][0] == value:
            runs[-1][1] += 1
        else:
            runs.append([value, 1])
    return " ".join(f"{value}x{count}" if count > 1 else str(value) for value, count in runs)


def kv_head_counts(model: Model) -> Counter[int]:
    """How many attention layers cache how many KV heads: {kv_heads: layers}. A row without `layer_kv_heads` has one
    entry (its `kv_heads` in every attention layer); an MLA row (no `kv_heads`) has none."""
    if model.layer_kv_heads is not None:
        return Counter(heads for heads in decode_runs("layer_kv_heads", model.layer_kv_heads) if heads)
    return Counter({model.kv_heads: model.kv_layers}) if model.kv_heads is not None else Counter()


def query_head_counts(model: Model) -> Counter[int]:
    """How many layers have how many query heads: {heads: layers}, from `layer_attention_heads`, else `attention_heads`
    in every layer."""
    if model.layer_attention_heads is not None:
        return Counter(decode_runs("layer_attention_heads", model.layer_attention_heads))
    return Counter({model.attention_heads: model.layers})


def check_layer_columns(model: Model) -> None:
    """RowProblem unless `layer_kv_heads` / `layer_mlp_widths` / `layer_attention_heads` agree with the row's other columns."""
    if model.layer_attention_heads is not None:
        query = decode_runs("layer_attention_heads", model.layer_attention_heads)
        if len(query) != model.layers:
            raise RowProblem("layer_attention_heads", model.layer_attention_heads, f"gives {len(query)} layers; the row has {model.layers} (layers)")
        if model.kv_heads is None or model.layer_kv_heads is not None:
            raise RowProblem("layer_attention_heads", model.layer_attention_heads, "only a grouped-query model with one kv_heads has per-layer query heads")
        odd = next((q for q in query if not q or q % model.kv_heads), None)
        if odd is not None:
            raise RowProblem("layer_attention_heads", model.layer_attention_heads, f"{odd} query heads is not a multiple of kv_heads ({model.kv_heads})")
    if model.layer_kv_heads is not None:
        heads = decode_runs("layer_kv_heads", model.layer_kv_heads)
        if len(heads) != model.layers:
            raise RowProblem("layer_kv_heads", model.layer_kv_heads, f"gives {len(heads)} layers; the row has {model.layers} (layers)")
        if model.kv_heads is None or model.head_dim is None or model.sliding_window_layers or model.global_kv_heads:
            raise RowProblem("layer_kv_heads", model.layer_kv_heads, "only a model of full-attention layers with kv_heads and head_dim has per-layer KV heads")
        attention = [h for h in heads if h]
        if len(attention) != model.kv_layers:
            raise RowProblem("layer_kv_heads", model.layer_kv_heads, f"has {len(attention)} layers with attention; the row says {model.kv_layers} (attention_layers, else layers)")
        if attention and attention[0] != model.kv_heads:
            raise RowProblem("kv_heads", model.kv_heads, f"must be the first attention layer's KV heads in layer_kv_heads ({attention[0]}), the count vLLM reports for the model")
        for value in sorted(set(attention)):
            if model.attention_heads % value:
                raise RowProblem("layer_kv_heads", model.layer_kv_heads, f"{value} KV heads do not divide attention_heads ({model.attention_heads})")
    if model.layer_mlp_widths is not None:
        widths = decode_runs("layer_mlp_widths", model.layer_mlp_widths)
        if len(widths) != model.layers:
            raise RowProblem("layer_mlp_widths", model.layer_mlp_widths, f"gives {len(widths)} layers; the row has {model.layers} (layers)")
        if model.hidden_size is None or model.num_experts is not None or model.intermediate_size is not None:
            raise RowProblem("layer_mlp_widths", model.layer_mlp_widths, "only a dense model with hidden_size has per-layer MLP widths (leave intermediate_size empty)")


def describe_layers(model: Model) -> str | None:
    """One phrase on a per-layer row's attention layers and their KV heads (None for a row without `layer_kv_heads`, or
    DeepSeek-V4's caches by kind of layer):
    '49 with attention, 8 KV heads each; 31 without', or '..., 4 KV heads in 9, 8 in 40; ...' where they differ."""
    if model.csa_layers or model.hca_layers:  # DeepSeek-V4 (hangar.catalog.deepseek_v4)
        only = f", {model.sliding_window_layers} keep only that" if model.sliding_window_layers else ""
        return (f"each caches its last {model.sliding_window} tokens' latents; {model.csa_layers or 0} also one latent and one indexer key "
                f"per 4 tokens (CSA), {model.hca_layers or 0} one latent per 128 (HCA){only}")
    if model.layer_kv_heads is None:
        return None
    counts = kv_head_counts(model)
    attention = sum(counts.values())
    if len(counts) == 1:
        heads = f"{next(iter(counts))} KV heads each"
    else:
        heads = ", ".join(f"{kv} KV heads in {layers}" if i == 0 else f"{kv} in {layers}" for i, (kv, layers) in enumerate(sorted(counts.items())))
    return f"{attention} with attention, {heads}; {model.layers - attention} without"
