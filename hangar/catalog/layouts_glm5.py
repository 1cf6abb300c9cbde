"""Z.ai's GLM-5 family (GLM-5, GLM-5.1, GLM-5.2: `model_type: glm_moe_dsa`, `GlmMoeDsaForCausalLM`), read as
DeepSeek-V3.2's layout (`deepseek_v32`): multi-head latent attention with DeepSeek Sparse Attention's indexer, and
DeepSeek's mixture of experts.

What vLLM does with it, read 2026-12-02:
* v0.33.0 (PyPI wheel vllm-0.33.0, commit 4ba787ec9): registry.py maps `GlmMoeDsaForCausalLM` to
  `vllm.models.deepseek_v32`, whose CUDA entry (`vllm/models/deepseek_v32/__init__.py`) is `DeepseekV32ForCausalLM` under
  that name: the same model code as DeepSeek-V3.2. `DeepseekV32Attention` (attention.py) builds the latent attention
  from `q_lora_rank`, `kv_lora_rank`, `qk_nope_head_dim`, `qk_rope_head_dim` and `v_head_dim` (qk head size = nope +
  rope; it reads no `head_dim`), caching `kv_lora_rank + qk_rope_head_dim` elements per token and layer (GLM-5: 512 +
  64, as DeepSeek's; the wider heads, qk_nope 192 and v 256, change the projections, not the cache), and an indexer of
  `index_n_heads` x `index_head_dim` on the layers `hangar.catalog.sparse_indexer` names. `DeepseekV32DecoderLayer`
  (nvidia/model.py) routes layer i when i >= `first_k_dense_replace` and i % `moe_layer_freq` == 0 (a
  `DeepseekV2MoE` of `n_routed_experts` experts of `moe_intermediate_size`, top `num_experts_per_tok`, beside
  `n_shared_experts` shared ones), else a dense MLP of `intermediate_size`. `DeepseekV32Model.load_weights` skips the
  multi-token-prediction layers (`num_nextn_predict_layers`, loaded only by the MTP draft model of speculative
  decoding), so the layer count, the weights and the parameter ESTIMATE leave them out. vLLM's own
  `GlmMoeDsaForCausalLM.verify_and_update_config` (vllm/model_executor/models/config.py) turns `--kv-cache-dtype auto`
  into fp8_e4m3 on compute capability 10.x (`is_device_capability_family(100)`); vLLM has no config class of its own for
  `glm_moe_dsa`: transformers' `GlmMoeDsaConfig` (5.2.0 and later; v0.33.0 requires transformers >= 5.16.1) reads it.
* v0.11.2 does not serve it: `hangar.sizing.engine_models`.

The config's per-layer lists are what transformers 5.16.1's `GlmMoeDsaConfig.__post_init__` derives, and vLLM v0.33.0
reads none of them: `indexer_types` ("full" / "shared", from `index_topk_freq` and `index_skip_topk_offset` or
`index_topk_pattern`), `mlp_layer_types` ("dense" / "sparse", from `first_k_dense_replace`), `layer_types` (every layer
"deepseek_sparse_attention"). A list that says otherwise than the rule vLLM follows is refused, naming it, since the
engine would build another model than the file describes. A `num_experts` (transformers' override of
`n_routed_experts`) must equal it.
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int
from .sparse_indexer import indexer_layers

DSA_LAYER_TYPE = "deepseek_sparse_attention"
"""The one entry `GlmMoeDsaConfig` writes in `layer_types` (transformers 5.16.1)."""


def glm_moe_dsa_text(config: dict[str, Any], text: dict[str, Any]) -> dict[str, Any]:
    """The GLM-5 text config in DeepSeek-V3.2's field names; a ConfigError names a field vLLM v0.33.0 would read otherwise."""
    layers = config_int(text, "num_hidden_layers")
    read = {key: value for key, value in text.items() if key not in ("layer_types", "indexer_types", "mlp_layer_types")}
    nope, rope = config_int(text, "qk_nope_head_dim"), config_int(text, "qk_rope_head_dim")
    stated = text.get("qk_head_dim")
    if stated is not None and stated != nope + rope:
        raise ConfigError("qk_head_dim", f"{stated!r} differs from qk_nope_head_dim + qk_rope_head_dim = {nope + rope}, "
                                         "the query/key head size vLLM v0.33.0 builds")
    experts = text.get("num_experts")
    if experts is not None and experts != text.get("n_routed_experts", experts):
        raise ConfigError("num_experts", f"{experts!r} differs from n_routed_experts {text.get('n_routed_experts')!r}")
    if experts is not None:
        read["n_routed_experts"] = config_int(text, "num_experts")
    _check_list(text, "layer_types", layers, [DSA_LAYER_TYPE] * layers)
    first = 0 if text.get("first_k_dense_replace") in (0, None) else config_int(text, "first_k_dense_replace")
    freq = config_int(text, "moe_layer_freq", 1)
    _check_list(text, "mlp_layer_types", layers, ["dense" if i < first or i % freq else "sparse" for i in range(layers)])
    _check_list(text, "indexer_types", layers, ["full" if own else "shared" for own in indexer_layers(text, layers)])
    return read


def _check_list(text: dict[str, Any], key: str, layers: int, expected: list[str]) -> None:
    stated = text.get(key)
    if stated is None or stated == expected:
        return
    if not isinstance(stated, list) or len(stated) != layers:
        raise ConfigError(key, f"expected a list of {layers} entries (num_hidden_layers)")
    first = next(i for i, (have, want) in enumerate(zip(stated, expected, strict=True)) if have != want)
    raise ConfigError(key, f"layer {first} is {stated[first]!r} where vLLM v0.33.0 builds {expected[first]!r} from the config's other "
                           "fields; it reads no such list, so it would serve another model than the file describes")
