"""Which vLLM model class serves each catalog family, and whether that class takes LoRA adapters, per read release.

vLLM picks a model's class by the `architectures` of its config.json (vllm/model_executor/models/registry.py)
and, with `--enable-lora`, refuses to start unless that class implements `SupportsLoRA`: `load_lora_model`
raises "<class> does not support LoRA yet." (vllm/v1/worker/lora_model_runner_mixin.py). An architecture
missing from the registry is not refused outright: vLLM may fall back to its Transformers backend (whose
`Base` class implements `SupportsLoRA`, vllm/model_executor/models/transformers/base.py) if the image's
transformers has the model, which is not read here.

Each family's architecture is the one its rows' config.json names (copies in the project's tests/model_configs,
each with its source), or, where no config.json was read, the one vLLM's own test registry
(tests/models/registry.py `_HfExamplesInfo`) gives for that repository: `CohereForCausalLM` for
CohereForAI/c4ai-command-r-v01, `Phi3ForCausalLM` for microsoft/Phi-3-mini-4k-instruct, `GPT2LMHeadModel`
for openai-community/gpt2. DeepSeek-R1's Llama distills are taken to keep their Llama 3.1/3.3 base's class
(their config.json was not read). A row `hangar catalog import-model` writes without `--family` has its config's
`model_type` as its family: GLM-4.5 to 4.7's `glm4_moe` names `Glm4MoeForCausalLM` (zai-org/GLM-4.7's config.json,
the copy tests/model_configs/glm-4.7.json).

vLLM v0.11.2 (the PyPI sdist vllm-0.11.2.tar.gz, commit 275de3417 per its vllm/_version.py), read 2026-12-02:
the class declarations in vllm/model_executor/models/llama.py, mllama4.py, gemma2.py, gemma3.py, gemma3_mm.py,
mixtral.py, qwen2.py, qwen3.py, qwen3_moe.py, qwen3_next.py, deepseek_v2.py, phi3.py (`Phi3ForCausalLM` extends
`LlamaForCausalLM`), gpt_oss.py, commandr.py, glm4_moe.py and gpt2.py (`class GPT2LMHeadModel(nn.Module, SupportsPP)`:
no `SupportsLoRA`); registry.py maps `MistralForCausalLM` to llama's class, `Cohere2ForCausalLM` to commandr.py's
`CohereForCausalLM` (`SupportsLoRA`, `embedding_modules` embed_tokens only; so does the PyPI wheel vllm-0.33.0, commit
4ba787ec9, read 2026-12-02) and `DeepseekV32ForCausalLM` to deepseek_v2's `DeepseekV3ForCausalLM`, and has no entry
for Qwen3.5's or Gemma 4's classes (`hangar.sizing.engine_models` refuses them at v0.11.2). A class that adapts its
output head too also refuses a vocabulary its LoRA kernels do not take (`hangar.sizing.lora_vocab`), and every mixture
of experts refuses expert parallelism with LoRA: `FusedMoEWithLoRA` asserts "EP support for Fused MoE LoRA is not
implemented yet" (vllm/lora/layers/fused_moe.py), and vLLM shards the experts when `--enable-expert-parallel` is set
and tensor x data parallel exceeds one GPU (vllm/model_executor/layers/fused_moe/config.py `FusedMoEParallelConfig.make`).

vLLM v0.33.0 (the PyPI sdist vllm-0.33.0.tar.gz, commit 4ba787ec9 per its vllm/_version.py), read 2026-12-02: the same
classes implement `SupportsLoRA` (llama.py, mistral.py's own `MistralForCausalLM` extending llama's, mllama4.py,
gemma2.py, gemma3.py, gemma3_mm.py, mixtral.py, qwen2.py, qwen3.py, qwen3_moe.py, qwen3_next.py, deepseek_v2.py and
vllm/models/deepseek_v32/nvidia/model.py's `DeepseekV32ForCausalLM` extending `DeepseekV2ForCausalLM`, phi3.py,
gpt_oss.py, commandr.py, glm4_moe.py), GPT-2's still does not, and the registry adds Qwen3.5's and Gemma 4's, both
`SupportsLoRA` (qwen3_5.py, gemma4_mm.py). MiniMax-M2's `MiniMaxM2ForCausalLM` (minimax_m2.py, from the PyPI wheels
vllm-0.11.2 and vllm-0.33.0, read 2026-12-02) is `SupportsPP` only at v0.11.2 and `SupportsLoRA` at v0.33.0, with q/k/v
packed into `qkv_proj`, a `GateLinear` router, a FusedMoE of w1/w2/w3 experts in every layer, no shared expert, and no
`embedding_modules` (its vocabulary is not adapted). Expert parallelism with LoRA is served, under conditions
(`hangar.sizing.lora_releases`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hangar.catalog import Model
from hangar.catalog.compressed_tensors import W4A16_FORMATS

from .engine import sized_release
from .lora_granite import GRANITE_EMBEDDINGS, SUPPORTS_LORA_GRANITE, SWA_CLASSES, expert_mapping_refusal
from .lora_releases import EP_BACKENDS, engine_label, lora_rules

if TYPE_CHECKING:
    from .lora import LoraSlots

SUPPORTS_LORA: dict[str, bool] = {
    "LlamaForCausalLM": True,
    "MistralForCausalLM": True,
    "Mistral3ForConditionalGeneration": True,  # Devstral Small 2's class: mistral3.py declares SupportsLoRA (v0.11.2 and v0.33.0)
    "Llama4ForConditionalGeneration": True,
    "Gemma2ForCausalLM": True,
    "Gemma3ForCausalLM": True,
    "Gemma3ForConditionalGeneration": True,
    "MixtralForCausalLM": True,
    "Qwen2ForCausalLM": True,
    "Qwen3ForCausalLM": True,
    "Qwen3MoeForCausalLM": True,
    "Qwen3NextForCausalLM": True,
    "DeepseekV3ForCausalLM": True,
    "DeepseekV32ForCausalLM": True,
    "Phi3ForCausalLM": True,
    "GptOssForCausalLM": True,
    "CohereForCausalLM": True,
    "Cohere2ForCausalLM": True,
    "Glm4MoeForCausalLM": True,
    "MiniMaxM2ForCausalLM": False,  # minimax_m2.py: `class MiniMaxM2ForCausalLM(nn.Module, SupportsPP)`
    "DeciLMForCausalLM": True,  # Llama-Nemotron: nemotron_nas.py declares SupportsLoRA (v0.11.2 and v0.33.0)
    "GPT2LMHeadModel": False,
    "Olmo2ForCausalLM": True,  # OLMo 2 and 3: registry.py maps both to olmo2.py's Olmo2ForCausalLM (SupportsLoRA)
    "Olmo3ForCausalLM": True,
    "Qwen3VLForConditionalGeneration": True,  # qwen3_vl.py declares SupportsLoRA (v0.11.2 and v0.33.0)
    "Qwen3VLMoeForConditionalGeneration": True,  # qwen3_vl_moe.py extends it
    "Ernie4_5ForCausalLM": True,  # ernie45.py: a LlamaForCausalLM
    "Ernie4_5_MoeForCausalLM": True,  # ernie45_moe.py declares SupportsLoRA (v0.11.2 and v0.33.0)
    "SeedOssForCausalLM": True,  # seed_oss.py declares SupportsLoRA (v0.11.2)
    "KimiLinearForCausalLM": False,  # kimi_linear.py: `(nn.Module, HasInnerState, SupportsPP, MixtureOfExperts, IsHybrid)`
    **SUPPORTS_LORA_GRANITE,  # IBM Granite's classes (hangar.sizing.lora_granite)
    # Gemma 3n (v0.11.2 and v0.33.0): gemma3n_mm.py `(nn.Module, SupportsMultiModal, SupportsTranscription)`, gemma3n.py `(nn.Module)`
    "Gemma3nForConditionalGeneration": False,
    "Gemma3nForCausalLM": False,
}
"""The registered vLLM v0.11.2 architectures of the catalog's families: whether the class implements `SupportsLoRA`."""
SUPPORTS_LORA_RELEASES: dict[str, dict[str, bool]] = {
    "v0.11.2": SUPPORTS_LORA,
    "v0.33.0": {
        **SUPPORTS_LORA,
        "Qwen3_5ForConditionalGeneration": True,
        "Qwen3_5MoeForConditionalGeneration": True,
        "Gemma4ForConditionalGeneration": True,
        "MiniMaxM2ForCausalLM": True,  # minimax_m2.py: `(nn.Module, SupportsLoRA, SupportsPP, SupportsEagle3)`
        "DeepseekV4ForCausalLM": True,  # vllm/models/deepseek_v4/nvidia/model.py: `(nn.Module, SupportsPP, SupportsEagle3, SupportsLoRA, ...)`
        "GlmMoeDsaForCausalLM": True,  # GLM-5: vllm/models/deepseek_v32/__init__.py serves it as DeepseekV32ForCausalLM (CUDA)
        # Kimi K2.5: kimi_k25.py's class is SupportsMultiModal, SupportsPP, SupportsQuant, SupportsEagle(3), not SupportsLoRA
        "KimiK25ForConditionalGeneration": False,
        # MiniMax-M3: vllm/models/minimax_m3/nvidia/model.py `(nn.Module, SupportsMultiModal, MiniMaxM3EncoderCudaGraphMixin,
        # SupportsPP, SupportsEagle3)`, no SupportsLoRA (v0.11.2 has no such class: hangar.sizing.engine_models)
        "MiniMaxM3SparseForConditionalGeneration": False,
        # vllm/models/kimi_k3/nvidia/model.py: neither class declares SupportsLoRA
        "KimiLinearForCausalLM": False,
        "KimiK3ForConditionalGeneration": False,
        "MiMoV2FlashForCausalLM": False,  # mimo_v2.py: `(nn.Module, SupportsPP, MixtureOfExperts, SupportsEagle3)`; not in v0.11.2
        "Step3p7ForConditionalGeneration": False,  # step3p7.py extends step3_vl.py's (SupportsMultiModal, SupportsPP, ...)
        "LagunaForCausalLM": True,  # laguna.py: `(nn.Module, SupportsPP, SupportsLoRA, SupportsEagle3)`; not in v0.11.2
        # Mistral Large 3: mistral_large_3.py's class extends DeepseekV3ForCausalLM (SupportsLoRA), and pixtral.py's
        # PixtralForConditionalGeneration, which wraps it where params.json has a vision encoder, declares SupportsLoRA
        "MistralLarge3ForCausalLM": True,
        # OLMo 2 and 3 and Seed-OSS through the Transformers backend (_TRANSFORMERS_SUPPORTED_MODELS), whose Base implements
        # SupportsLoRA (vllm/model_executor/models/transformers/base.py, wheel vllm-0.33.0, read 2026-12-02)
        **SWA_CLASSES,  # Granite's SWA checkpoints, served by Granite's classes (hangar.sizing.lora_granite)
    },
}
"""Each read release's registered architectures of the catalog's families: whether the class implements `SupportsLoRA`."""
EMBEDDING_MODULES: dict[str, tuple[str, ...]] = {
    "LlamaForCausalLM": ("embed_tokens", "lm_head"),
    "MistralForCausalLM": ("embed_tokens", "lm_head"),
    "Phi3ForCausalLM": ("embed_tokens", "lm_head"),
    "MixtralForCausalLM": ("embed_tokens", "lm_head"),
    "Ernie4_5ForCausalLM": ("embed_tokens", "lm_head"),  # ernie45.py extends llama.py's LlamaForCausalLM
    "CohereForCausalLM": ("embed_tokens",),
    "Cohere2ForCausalLM": ("embed_tokens",),
    "DeciLMForCausalLM": ("embed_tokens", "lm_head"),
    **{name: GRANITE_EMBEDDINGS[name] for name in SUPPORTS_LORA_GRANITE},  # hangar.sizing.lora_granite
}
"""The vocabulary modules a v0.11.2 class adapts too (its `embedding_modules`: llama.py, which Phi3ForCausalLM extends,
mixtral.py, commandr.py); every other class above keeps `SupportsLoRA`'s empty default (vllm/model_executor/models/interfaces.py)."""
EXTRA_VOCAB = 256
"""Tokens each adapter may add, vLLM v0.11.2's `lora_extra_vocab_size` default (vllm/config/lora.py); Hangar does not set it."""
MAX_LORA_HEAD_VOCAB = 257024
"""The largest output-head vocabulary, extra tokens included, whose LoRA vLLM v0.11.2 builds: `LogitsProcessorWithLoRA.create_lora_weights`
raises "When using LoRA, vocab size must be 32000 >= vocab_size <= 257024" above it (vllm/lora/layers/logits_processor.py)."""
FAMILY_ARCHITECTURES: dict[str, tuple[str | None, str | None]] = {
    "Llama 3.1": ("LlamaForCausalLM", None),
    "Llama 3.2": ("LlamaForCausalLM", None),
    "Llama 3.3": ("LlamaForCausalLM", None),
    "DeepSeek-R1 distill (Llama base)": ("LlamaForCausalLM", None),
    "Llama 4": (None, "Llama4ForConditionalGeneration"),
    "Mistral": ("MistralForCausalLM", None),
    "Devstral": ("Mistral3ForConditionalGeneration", None),
    "Mixtral": (None, "MixtralForCausalLM"),
    "Gemma 2": ("Gemma2ForCausalLM", None),
    "Gemma 3": ("Gemma3ForConditionalGeneration", None),
    "Gemma 4": (None, "Gemma4ForConditionalGeneration"),
    "Qwen2.5": ("Qwen2ForCausalLM", None),
    "DeepSeek-R1 distill (Qwen base)": ("Qwen2ForCausalLM", None),
    "Qwen3": ("Qwen3ForCausalLM", "Qwen3MoeForCausalLM"),
    "Qwen3-Coder": (None, "Qwen3MoeForCausalLM"),
    "Qwen3-Next": (None, "Qwen3NextForCausalLM"),
    "Qwen3.5": ("Qwen3_5ForConditionalGeneration", "Qwen3_5MoeForConditionalGeneration"),
    "DeepSeek-V3": (None, "DeepseekV3ForCausalLM"),
    "DeepSeek-R1": (None, "DeepseekV3ForCausalLM"),
    "Kimi K2": (None, "DeepseekV3ForCausalLM"),
    "Kimi K2.5": (None, "KimiK25ForConditionalGeneration"),
    "kimi_k25": (None, "KimiK25ForConditionalGeneration"),
    "DeepSeek V3.2": (None, "DeepseekV32ForCausalLM"),
    "Phi-3": ("Phi3ForCausalLM", None),
    "Phi-4": ("Phi3ForCausalLM", None),
    "gpt-oss": (None, "GptOssForCausalLM"),
    "Command R": ("CohereForCausalLM", None),
    "cohere": ("CohereForCausalLM", None),
    "cohere2": ("Cohere2ForCausalLM", None),
    "glm4_moe": (None, "Glm4MoeForCausalLM"),
    "GLM-4.5": (None, "Glm4MoeForCausalLM"),
    "GLM-5": (None, "GlmMoeDsaForCausalLM"),
    "glm_moe_dsa": (None, "GlmMoeDsaForCausalLM"),
    "MiniMax-M2": (None, "MiniMaxM2ForCausalLM"),
    "minimax_m2": (None, "MiniMaxM2ForCausalLM"),
    "minimax_m3_vl": (None, "MiniMaxM3SparseForConditionalGeneration"),  # MiniMax-M3's config.json
    "minimax_m3": (None, "MiniMaxM3ForCausalLM"),  # aiconfigurator's flat text form: no release registers it
    "Llama Nemotron": ("DeciLMForCausalLM", None),
    "nemotron-nas": ("DeciLMForCausalLM", None),
    "GPT-2": ("GPT2LMHeadModel", None),
    "OLMo 3": ("Olmo3ForCausalLM", None),
    "olmo2": ("Olmo2ForCausalLM", None),
    "olmo3": ("Olmo3ForCausalLM", None),
    "qwen3_vl_text": ("Qwen3VLForConditionalGeneration", None),
    "qwen3_vl_moe_text": (None, "Qwen3VLMoeForConditionalGeneration"),
    "ernie4_5": ("Ernie4_5ForCausalLM", None),
    "ernie4_5_moe": (None, "Ernie4_5_MoeForCausalLM"),
    "seed_oss": ("SeedOssForCausalLM", None),
    "mimo_v2_flash": (None, "MiMoV2FlashForCausalLM"),
    "deepseek_v4": (None, "DeepseekV4ForCausalLM"),
    "kimi_linear": (None, "KimiLinearForCausalLM"),
    "kimi_k3": (None, "KimiK3ForConditionalGeneration"),
    "step3p7": (None, "Step3p7ForConditionalGeneration"),
    "granite": ("GraniteForCausalLM", None),  # IBM Granite (hangar.catalog.layouts_granite_smollm3, mamba_layout)
    "granitemoe": (None, "GraniteMoeForCausalLM"),
    "granitemoeshared": (None, "GraniteMoeSharedForCausalLM"),
    "granitemoehybrid": ("GraniteMoeHybridForCausalLM", "GraniteMoeHybridForCausalLM"),
    # SmolLM3: both releases' registries map it to their Transformers backend (TransformersForCausalLM), no class of their own
    "smollm3": ("SmolLM3ForCausalLM", None),
    "granite_swa": ("GraniteSWAForCausalLM", None),  # Granite's SWA checkpoints (hangar.catalog.layouts_granite_swa)
    "granitemoe_swa": (None, "GraniteMoeSWAForCausalLM"),
    "laguna": (None, "LagunaForCausalLM"),  # poolside's Laguna (hangar.catalog.layouts_laguna)
    "gemma3n": ("Gemma3nForConditionalGeneration", None),
    "gemma3n_text": ("Gemma3nForCausalLM", None),
    "mistral_large_3": (None, "MistralLarge3ForCausalLM"),  # read from params.json (hangar.catalog.mistral_params)
    "mistral_params": ("PixtralForConditionalGeneration", None),  # a dense params.json (hangar.catalog.mistral_dense)
    # The model_type `hangar catalog import-model` gives a row of a family the catalog also packages under its own name
    "llama": ("LlamaForCausalLM", None),
    "llama4_text": (None, "Llama4ForConditionalGeneration"),
    "mistral": ("MistralForCausalLM", None),  # a multimodal one is Mistral3ForConditionalGeneration (architecture())
    "mixtral": (None, "MixtralForCausalLM"),
    "gemma2": ("Gemma2ForCausalLM", None),
    "gemma3_text": ("Gemma3ForConditionalGeneration", None),
    "gemma4_text": (None, "Gemma4ForConditionalGeneration"),
    "qwen2": ("Qwen2ForCausalLM", None),
    "qwen3": ("Qwen3ForCausalLM", None),
    "qwen3_moe": (None, "Qwen3MoeForCausalLM"),
    "qwen3_next": (None, "Qwen3NextForCausalLM"),
    "qwen3_5_text": ("Qwen3_5ForConditionalGeneration", None),
    "qwen3_5_moe_text": (None, "Qwen3_5MoeForConditionalGeneration"),
    "deepseek_v3": (None, "DeepseekV3ForCausalLM"),
    "deepseek_v32": (None, "DeepseekV32ForCausalLM"),
    "phi3": ("Phi3ForCausalLM", None),
    "gpt_oss": (None, "GptOssForCausalLM"),
    "nemotron_h": ("NemotronHForCausalLM", "NemotronHForCausalLM"),
}
"""Catalog family -> (architecture of its dense rows, of its mixture-of-experts rows), as their config.json names it.
`cohere`, `cohere2`, `glm4_moe`, `minimax_m2`, `nemotron-nas`, `deepseek_v4`, `kimi_linear`, `kimi_k3`, `gemma3n` and
`gemma3n_text` (Gemma 3n's Gemma3nForConditionalGeneration and its text-only Gemma3nForCausalLM) are the families
`hangar catalog import-model` gives a row the catalog has none of (its `model_type`): Command R's CohereForCausalLM,
Command R7B's Cohere2ForCausalLM, GLM-4.5 to 4.7's Glm4MoeForCausalLM, MiniMax-M2 to M2.7's MiniMaxM2ForCausalLM,
DeepSeek-V4's DeepseekV4ForCausalLM, Kimi Linear's KimiLinearForCausalLM and Kimi K3's KimiK3ForConditionalGeneration,
Llama-Nemotron's DeciLMForCausalLM (`nemotron-nas`;
its `embedding_modules` are embed_tokens and lm_head in both releases). The packaged `GLM-4.5` row names the same class
(zai-org/GLM-4.5's config.json, tests/model_configs/glm-4.5.json)."""


def architecture(model: Model) -> str | None:
    """The config.json architecture of a catalog row, from its family; None where the family is not mapped here."""
    dense, experts = FAMILY_ARCHITECTURES.get(model.family, (None, None))
    if dense is None or experts is None:
        chosen = dense or experts  # one class for the whole family (a row whose config.json was not read may lack num_experts)
    else:
        chosen = experts if model.num_experts is not None else dense
    if chosen == "Gemma3ForConditionalGeneration" and model.multimodal is False:
        return "Gemma3ForCausalLM"  # a text-only Gemma 3 (the 1B) is registered as Gemma3ForCausalLM
    if chosen == "MistralForCausalLM" and model.multimodal and model.family == "mistral":
        return "Mistral3ForConditionalGeneration"  # Mistral Small 3.1's config.json: a `mistral` text_config in Mistral 3's wrapper
    if chosen == "PixtralForConditionalGeneration" and model.multimodal is False:
        return "MistralForCausalLM"  # vLLM's adapter wraps a dense params.json as Pixtral only with a vision encoder
    return chosen


def supports_lora(name: str, engine_version: str | None = None) -> bool | None:
    """Whether release `engine_version`'s class `name` implements `SupportsLoRA`; None where the release has no such class."""
    return SUPPORTS_LORA_RELEASES[sized_release(engine_version)].get(name)


def lora_refusal(model: Model, engine_version: str | None = None, lora: LoraSlots | None = None, tensor_parallel: int = 1) -> str | None:
    """Why vLLM `engine_version` (the pinned release when None) refuses to start this model with `--enable-lora` (and
    `lora`'s expert parallelism); None where it serves LoRA for it or that is unknown."""
    engine = engine_label(engine_version)
    name = architecture(model)
    if model.num_experts is not None and model.dtype in W4A16_FORMATS and not lora_rules(engine_version).int4_experts:
        return (
            f"{engine} fails to start {model.hf_id}'s int4 (compressed-tensors W4A16) experts with --enable-lora: its MoE LoRA runs "
            "them through FusedMoEModularMethod, which reads the layer's w13_weight, and the compressed-tensors W4A16 MoE "
            "method holds w13_weight_packed (vllm/lora/layers/fused_moe.py, hangar.sizing.lora_releases)"
        )
    if lora is not None and lora.expert_parallel and model.num_experts is not None:
        why = _expert_parallel_refusal(name, lora, tensor_parallel, engine_version)
        if why:
            return f"{engine} serves LoRA on a mixture of experts ({model.hf_id}) {why}"
    if name is None:
        return None
    if supports_lora(name, engine_version) is False:
        return (
            f"{engine}'s {name} (the model class of {model.hf_id}) does not implement SupportsLoRA: "
            f"with --enable-lora vLLM refuses to start ({name} does not support LoRA yet)"
        )
    failure = expert_mapping_refusal(name, engine, sized_release(engine_version))
    if failure:
        return failure
    from .lora_vocab import head_refusal  # lora_vocab reads this module's classes: imported here, not at the top

    return head_refusal(model, engine_version)


def _expert_parallel_refusal(name: str | None, lora: LoraSlots, tensor_parallel: int, engine_version: str | None) -> str | None:
    """Why the release refuses LoRA on these experts sharded by expert parallelism (`hangar.sizing.lora_releases`)."""
    if not lora_rules(engine_version).expert_parallel:
        return (
            "only without expert parallelism: with --enable-expert-parallel over more than one GPU it refuses to start "
            "(EP support for Fused MoE LoRA is not implemented yet)"
        )
    if lora.fully_sharded:
        return (
            "with expert parallelism only without --fully-sharded-loras: with both it refuses to start (Fused MoE LoRA does "
            "not support enable_expert_parallel=True together with fully_sharded_loras=True)"
        )
    if lora.all2all_backend is not None and lora.all2all_backend not in EP_BACKENDS:
        return (
            f"with expert parallelism only on --all2all-backend allgather_reducescatter: on {lora.all2all_backend} it refuses "
            "to start (Fused MoE LoRA with EP currently only supports all2all_backend='allgather_reducescatter')"
        )
    if tensor_parallel > 1 and lora.data_parallel > 1 and name in lora_rules(engine_version).sequence_parallel_moe:
        return (
            f"with expert parallelism only where its experts are not sequence-parallel: {name} makes them so with tensor "
            "and data parallelism both above 1, and the experts' LoRA then refuses to start (FusedMoEWithLoRA._ep_check)"
        )
    return None


def lora_families(engine_version: str | None = None) -> list[str]:
    """The catalog families whose every row's architecture serves LoRA in vLLM `engine_version`'s own model classes."""
    return sorted(
        family
        for family, classes in FAMILY_ARCHITECTURES.items()
        if all(supports_lora(name, engine_version) is True and not expert_mapping_refusal(name, "", sized_release(engine_version))
               for name in classes if name is not None)
    )
