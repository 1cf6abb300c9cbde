"""IBM Granite 4.0 configs the Granite tests share: no whole config.json of a Granite 4.0 release was found
(hangar/catalog/data/README.md), so they are written from transformers' class defaults."""

from __future__ import annotations

GRANITE_DEFAULTS = {  # transformers-4.57.1 GraniteMoeHybridConfig.__init__ defaults
    "model_type": "granitemoehybrid", "architectures": ["GraniteMoeHybridForCausalLM"], "vocab_size": 32000, "hidden_size": 4096,
    "intermediate_size": 11008, "num_hidden_layers": 32, "num_attention_heads": 32, "max_position_embeddings": 2048,
    "tie_word_embeddings": False, "num_local_experts": 8, "num_experts_per_tok": 2, "shared_intermediate_size": 1024,
    "mamba_n_heads": 128, "mamba_n_groups": 1, "mamba_d_state": 256, "mamba_d_head": "auto", "mamba_d_conv": 4, "mamba_expand": 2,
    "torch_dtype": "bfloat16",
    "layer_types": ["attention" if i % 8 == 5 else "mamba" for i in range(32)],  # written here: 4 attention, 28 Mamba2
}  # fmt: skip
