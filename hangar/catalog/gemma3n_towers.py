"""The vision and audio towers of Gemma 3n (`Gemma3nForConditionalGeneration`), counted as vLLM builds them.

vLLM v0.11.2 and v0.33.0 `vllm/model_executor/models/gemma3n_mm.py` (PyPI wheels, read 2026-12-03) build both towers with
transformers' `AutoModel.from_config` (`vision_tower` from `vision_config`, `audio_tower` from `audio_config`) and beside
each a `Gemma3nMultimodalEmbedder`: an `embedding` of the tower's `vocab_size` x its `hidden_size` and an
`embedding_projection` from its `hidden_size` to the text model's (plus RMS norms).

* Audio: transformers 5.25.0 (and 4.57.6, the last release vLLM v0.11.2 admits) `models/gemma3n/modeling_gemma3n.py`
  `Gemma3nAudioEncoder`: a sub-sampling projection (`Gemma3nAudioSubSampleConvProjection`: two Conv2d of
  `sscp_conv_channel_size` channels and `sscp_conv_kernel_size` kernels, no bias, the frequency axis padded by one on each
  side and strided by `sscp_conv_stride_size`, then `input_proj_linear` from channels x frequencies to `hidden_size`), and
  `conf_num_hidden_layers` conformer blocks, each two feed-forward modules (hidden -> 4 x hidden -> hidden), attention
  (q, k, v and the relative position `pos_proj`, each hidden -> heads x hidden // heads; `post` hidden -> hidden) and a
  light convolution (`linear_start` hidden -> 2 x hidden, a depthwise Conv1d of `conf_conv_kernel_size`, `linear_end`
  hidden -> hidden). `Gemma3nAudioConfig` defaults (both releases): hidden 1536, 12 blocks, 8 heads, kernel 5,
  input_feat_size 128, channels (128, 32), kernels ((3, 3), (3, 3)), strides ((2, 2), (2, 2)), vocab_size 128.
* Vision: `Gemma3nVisionConfig` is a timm wrapper (`architecture`, default "mobilenetv5_300m_enc"; `model_args` passed to
  `timm.create_model`), so its shape is timm's, not the config's. Counted: transformers 5.25.0
  `AutoModel.from_config(Gemma3nVisionConfig())` (a `TimmWrapperModel` over timm 1.0.31 `timm/models/mobilenetv5.py`
  `mobilenetv5_300m_enc`, the newest on PyPI, instantiated 2026-12-03) holds 293,841,472 convolution weights and 285,440
  norm and bias parameters. Another architecture, or `model_args`, is refused naming the key.

vLLM v0.33.0 skips a tower whose modalities `--limit-mm-per-prompt` all sets to 0 (`SupportsMultiModal._mark_tower_model`,
model_executor/models/interfaces.py); Hangar passes no such limit, so both towers are counted.

As `hangar.catalog.model_params` counts, norms and biases are left out: ESTIMATES of the weights a GPU holds.
"""

from __future__ import annotations

from .config_fields import ConfigError, config_int

VISION_TOWERS = {"mobilenetv5_300m_enc": 293_841_472}
"""Weights (convolutions; norms and biases left out) of the timm vision towers counted (module docstring)."""

AUDIO_DEFAULTS = {
    "hidden_size": 1536, "conf_num_hidden_layers": 12, "conf_num_attention_heads": 8, "conf_conv_kernel_size": 5,
    "input_feat_size": 128, "vocab_size": 128, "sscp_conv_channel_size": [128, 32], "sscp_conv_kernel_size": [[3, 3], [3, 3]],
    "sscp_conv_stride_size": [[2, 2], [2, 2]],
}
"""`Gemma3nAudioConfig`'s class defaults, transformers 4.57.6 and 5.25.0 (`models/gemma3n/configuration_gemma3n.py`)."""
VISION_DEFAULTS = {"architecture": "mobilenetv5_300m_enc", "hidden_size": 2048, "vocab_size": 128}
"""`Gemma3nVisionConfig`'s class defaults, transformers 4.57.6 and 5.25.0."""


def tower_params(config: dict, text_hidden: int) -> int:
    """Weights of both towers and their embedders, from a Gemma3nForConditionalGeneration config.json (a missing
    `vision_config` or `audio_config` is built from its class defaults, as transformers' `Gemma3nConfig` does)."""
    vision = _section(config, "vision_config", VISION_DEFAULTS)
    audio = _section(config, "audio_config", AUDIO_DEFAULTS)
    return vision_params(vision, text_hidden) + audio_params(audio, text_hidden)


def vision_params(vision: dict, text_hidden: int) -> int:
    """The timm tower's weights (`VISION_TOWERS`) and the vision embedder's."""
    name = vision["architecture"]
    if name not in VISION_TOWERS:
        raise ConfigError("vision_config.architecture", f"{name!r}: the timm tower Hangar counted is {', '.join(VISION_TOWERS)}")
    if vision.get("model_args") not in (None, {}):
        raise ConfigError("vision_config.model_args", f"{vision['model_args']!r} changes the timm tower; only none is counted")
    return VISION_TOWERS[name] + _embedder(vision, "vision_config", text_hidden)


def audio_params(audio: dict, text_hidden: int) -> int:
    """The conformer audio encoder's weights (module docstring) and the audio embedder's."""
    def get(key: str) -> int:
        return _int(audio, "audio_config", key)

    hidden, heads, kernel = get("hidden_size"), get("conf_num_attention_heads"), get("conf_conv_kernel_size")
    channels = _numbers(audio, "sscp_conv_channel_size", 1)
    kernels, strides = _numbers(audio, "sscp_conv_kernel_size", 2), _numbers(audio, "sscp_conv_stride_size", 2)
    frequencies, convs, inputs = get("input_feat_size"), 0, 1
    for out, (k_time, k_freq), (_, s_freq) in zip(channels, kernels, strides):
        frequencies = (frequencies + 2 - k_freq) // s_freq + 1  # the frequency axis padded by one on each side
        convs += inputs * out * k_time * k_freq
        inputs = out
    projection = channels[-1] * frequencies * hidden
    attention = 4 * hidden * heads * (hidden // heads) + hidden * hidden  # q, k, v, pos_proj; post
    block = 2 * 8 * hidden * hidden + attention + 3 * hidden * hidden + hidden * kernel  # two FFWs; light conv
    return convs + projection + get("conf_num_hidden_layers") * block + _embedder(audio, "audio_config", text_hidden)


def _embedder(tower: dict, section: str, text_hidden: int) -> int:
    hidden = _int(tower, section, "hidden_size")
    return _int(tower, section, "vocab_size") * hidden + hidden * text_hidden


def _int(tower: dict, section: str, key: str) -> int:
    try:
        return config_int(tower, key)
    except ConfigError as error:
        raise ConfigError(f"{section}.{key}", str(error).split(": ", 1)[1]) from None


def _section(config: dict, key: str, defaults: dict) -> dict:
    value = config.get(key)
    if value is not None and not isinstance(value, dict):
        raise ConfigError(key, f"{value!r} is not a JSON object")
    return {**defaults, **(value or {})}


def _numbers(audio: dict, key: str, width: int) -> list:
    """The sub-sampling projection's two convolutions' setting `key`: two numbers, or two pairs (`width` 2)."""
    value = audio[key]
    items = value if isinstance(value, (list, tuple)) and len(value) == 2 else None
    parts = [list(item) if isinstance(item, (list, tuple)) else [item] for item in items or ()]
    if items is None or any(len(part) != width or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in part) for part in parts):
        shape = "two positive whole numbers" if width == 1 else "two pairs of positive whole numbers"
        raise ConfigError(f"audio_config.{key}", f"{value!r}: the sub-sampling projection has two convolutions; expected {shape}")
    return [part[0] for part in parts] if width == 1 else parts
