"""ByteDance Seed's Seed-OSS (`seed_oss`), read by `hangar catalog import-model` (`hangar.catalog.layouts_seed_oss`).

No whole config.json of Seed-OSS-36B was found, so no packaged row (the catalog README says why). The reader is tested
on a config written from the model card's architecture table (64 layers, 80 query / 8 KV heads of 128, hidden 5,120,
a 512K context) with the rest from transformers' `SeedOssConfig` defaults (transformers-4.57.1 wheel: intermediate
27,648, vocab 155,136, the head untied): the attention is wider than the residual (80 x 128 = 10,240), so the head
size must come from `head_dim`, as vLLM v0.11.2's seed_oss.py takes it.
"""

from __future__ import annotations

from hangar.catalog.model_config import read_config
from hangar.sizing.lora_architectures import supports_lora

CONFIG = {
    "architectures": ["SeedOssForCausalLM"], "model_type": "seed_oss", "hidden_size": 5120, "intermediate_size": 27648,
    "num_hidden_layers": 64, "num_attention_heads": 80, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 155136,
    "max_position_embeddings": 524288, "attention_bias": True, "attention_out_bias": False,
}  # fmt: skip


def test_the_head_size_is_the_configs_not_hidden_over_heads():
    arch = read_config(CONFIG)
    assert (arch.model_type, arch.layers, arch.attention_heads, arch.kv_heads, arch.head_dim) == ("seed_oss", 64, 80, 8, 128)
    assert arch.kv_bytes_per_token_bf16 == 64 * 8 * 128 * 2 * 2 == 256 * 1024
    assert (arch.max_context_tokens, arch.tie_word_embeddings) == (524288, False)
    # q and o are 5120 x 10240 each, k and v 5120 x 1024: ~36B with the untied 155,136-row embedding and head
    assert 35.5 < arch.params_total_b < 36.5


def test_a_file_without_head_dim_takes_seedossconfigs_128():
    arch = read_config({k: v for k, v in CONFIG.items() if k != "head_dim"})
    assert arch.head_dim == 128  # not 5120 / 80 = 64


def test_both_releases_give_its_class_adapters():
    assert supports_lora("SeedOssForCausalLM", "v0.11.2") and supports_lora("SeedOssForCausalLM", "v0.33.0")
