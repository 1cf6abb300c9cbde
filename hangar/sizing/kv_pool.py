"""The KV-cache block pool as vLLM carves it: the block it holds back, and a hybrid model's state pages and layer groups.

Every KV-cache group draws its blocks from one pool (vLLM's `BlockPool`), which takes block 0 for itself as the "null
block" in both releases read (vllm/v1/core/block_pool.py `BlockPool.__init__`: `self.null_block =
self.free_block_queue.popleft()`). So a replica holds (blocks - 1) // (blocks one sequence takes) sequences at once.
The start-up check differs per release:

* vLLM v0.11.2 (PyPI wheel vllm-0.11.2, commit 275de3417 per vllm/_version.py, read 2026-12-02):
  vllm/v1/core/kv_cache_utils.py `check_enough_kv_cache_memory` sums `max_memory_usage_bytes` over the layers and
  compares it with all the memory: the null block is not counted.
* vLLM v0.33.0 (PyPI wheel vllm-0.33.0, commit 4ba787ec9, read 2026-12-02): vllm/v1/core/kv_cache_planning.py
  `get_kv_cache_configs` "Reserve[s] the null block BlockPool permanently holds back", checking one sequence against
  the memory less one pool block (`_pool_bytes_per_block_from_builder`), and counts that sequence by groups
  (`_max_memory_usage_bytes_from_groups`: bytes per block x the blocks each group takes).

A hybrid model (Qwen3-Next, Qwen3.5: Gated DeltaNet linear-attention layers beside full-attention layers) keeps one
fixed state per linear layer and sequence, a "mamba" page. vLLM makes every page of the pool the same size:

* The attention block is raised until one attention page holds a layer's state: block = A x ceil(state page /
  (A x attention bytes per token)), A the kernel alignment, and the state page is padded up to the attention page.
  v0.11.2: vllm/model_executor/models/config.py `HybridAttentionMambaModelConfig.verify_and_update_config`, A = 16
  (32 on compute capability 10.0 with head size 256, FlashInfer's limit). v0.33.0: vllm/platforms/interface.py
  `_align_hybrid_block_size`, A = the backend's smallest kernel block (16 for the backends Hangar's KV layout takes:
  `hangar.sizing.kv_blocks`), made a multiple of the Gated DeltaNet prefill checkpoint alignment, 64
  (vllm/v1/attention/backends/gdn_attn.py `FLASHINFER_GDN_CHECKPOINT_ALIGNMENT`), when prefix caching is on and
  FlashInfer runs the GDN prefill.
* Pages of state a sequence takes per state group: v0.11.2 turns prefix caching off for Qwen3-Next (MambaModelConfig:
  `qwen3_next.py` does not declare `SupportsMambaPrefixCaching`), so `mamba_block_size` = max_model_len and a
  sequence takes 1 page (`MambaSpec.max_memory_usage_bytes`: ceil(max_model_len / mamba_block_size) pages). v0.33.0
  keeps prefix caching on for generative hybrid models (vllm/config/model.py `is_prefix_caching_supported`), which
  sets `mamba_cache_mode` "align" (MambaModelConfig; the `--no-enable-prefix-caching` Hangar passes where a deployment
  turns caching off makes it "none": one page, no checkpoint); vllm/v1/kv_cache_interface.py
  `MambaSpec.max_memory_usage_bytes` then counts 2 + speculative + prefill-checkpoint pages, the checkpoint page (1) where FlashInfer runs the GDN prefill
  (vllm/model_executor/layers/mamba/gdn/qwen_gdn_linear_attn.py `_resolve_gdn_prefill_backend`: Hopper, compute
  capability 9.0; on 10.x and 12.x only with linear key heads of 128 and CUDA runtime >= 13, which the v0.33.0 wheel
  links, `libcudart.so.13`; Triton elsewhere). Hangar plans no speculative decoding.
* Layer groups (`_get_kv_cache_groups_uniform_page_size`, both releases): the layers of each kind are split into
  groups of `group_size` layers, the smallest kind's count (v0.33.0: the largest's where it is under 1.5 x the
  smallest), the last group of a kind padded; a block of the pool is `group_size` pages, one per layer of a group, and
  a sequence takes ceil(tokens / block) blocks in each attention group and its state pages in each state group.
* The state itself: conv state (kernel - 1) x (2 x key dim + value dim) in the model's dtype, recurrent state value
  heads x key head size x value head size in `mamba_ssm_dtype` where Qwen3.5's config names one (its float32 doubles
  it), split over TP ranks (`hangar.catalog.model_config`, which stores it as `state_bytes_per_sequence`).
* Mamba2 hybrids (Granite 4.0, Nemotron-H; `hangar.catalog.mamba_layout`) are paged the same way
  (`HybridAttentionMambaModelConfig` at v0.11.2, `_align_hybrid_block_size` at v0.33.0), with three differences. Their
  state per rank is `MambaStateShapeCalculator.mamba2_state_shape`'s: groups TP does not divide are replicated up to TP
  before the conv channels are split, so it is not the state / TP (`state_bytes_per_rank`); Nemotron-H's temporal state is
  float32 (or the config's `mamba_ssm_cache_dtype`) at v0.33.0 (`NemotronHForCausalLMConfig`) and in the model's dtype
  at v0.11.2. `MambaMixer2` exports no prefill checkpoint alignment (vllm/model_executor/layers/mamba/abstract.py
  `get_prefill_checkpoint_alignment` returns None), so 'align' mode adds none to the block, but its spec always carries
  one checkpoint page (mamba_mixer2.py `get_kv_cache_spec`: `num_prefill_checkpoint_blocks=1`): 3 state pages a
  sequence with prefix caching, on any GPU. v0.11.2 turns prefix caching off for every hybrid unless it is asked for
  (vllm/engine/arg_utils.py `get_chunked_prefill_prefix_caching_defaults`: `not model_config.is_hybrid`), so 1 page.
  And their MLP-only layers hold no cache: the state layers are `state_layers`, not every layer but the attention ones.

A model with sliding-window and full-attention layers of one page size (Gemma 2 and 3, gpt-oss, Command R7B) is grouped
the same way, by the same rule: Gemma 3 27B's 52 sliding and 10 full layers make one full group and six sliding groups
of 10, the last with 8 padding layers (vLLM logs "Add 8 padding layers"). A sequence takes ceil(tokens / block)
blocks in each full group and a sliding layer's blocks (`SlidingWindowSpec`: min(window - 1 + tokens in flight,
max_model_len) in whole blocks, plus one) in each sliding group, and a replica holds (blocks - 1) // that many
sequences in both releases (vllm/v1/core/kv_cache_utils.py `get_max_concurrency_for_kv_cache_config`: the pool's
blocks over the blocks a request takes in every group). The start-up check counts padding at v0.33.0
(`_max_memory_usage_bytes_from_groups`, "This correctly accounts for padding in hybrid models") and not at v0.11.2
(the sum over layers). Kinds of layer whose pages differ (Gemma 4's full layers cache 2 x 512 a token, its sliding ones
8 x 256) are not grouped so: their sequence is the sum over layers.

* Kimi Linear and Kimi K3 (`hangar.catalog.kimi_linear`: KDA linear-attention layers beside multi-head latent attention)
  are paged the same way, the attention page being the MLA latent's, which every rank stores whole (kv_lora_rank +
  qk_rope_head_dim elements a token, one head: `MLAAttentionSpec`), and the state a KDA layer's split over the ranks.
  v0.33.0 (`_align_hybrid_block_size`, wheel commit 4ba787ec9, read 2026-12-02): with `use_mla` the alignment is at
  least 128 ("TRTLLM/FlashInfer MLA decode kernels require the physical number of kernel blocks to be aligned to 128 /
  kernel_block_size"); neither KDA layer exports a prefill checkpoint alignment (they keep `MambaBase`'s None), so
  'align' mode adds none. Pages a sequence takes in 'align' mode: Kimi Linear's `KimiGatedDeltaNetAttention` runs the
  Triton prefill only and keeps the base spec (2); K3's `KimiK3DeltaAttention.get_kv_cache_spec` adds one checkpoint
  page where FlashKDA runs its prefill (vllm/models/kimi_k3/nvidia/kda.py `is_flashkda_supported`: CUDA compute
  capability major 9, 10 or 12, bf16 activations, head_dim 128 and a bounded gate, which K3's config has;
  vllm/model_executor/layers/mamba/kda_checkpoint.py `kda_prefill_checkpoint_alignment`), so 3 there. v0.11.2
  (`HybridAttentionMambaModelConfig`): MLA aligns to 64 (128 only under VLLM_ATTENTION_BACKEND=CUTLASS_MLA, which Hangar
  does not set), prefix caching off, 1 page.

DeepSeek-V4's seven caches (window, compressed latents, indexer keys, compressor states) are packed into groups of their
own kind: `hangar.sizing.kv_deepseek_v4` (v0.33.0 only).

Not modelled: FA4's larger pages on Blackwell, and a linear key head size other than 128 on Blackwell (Hangar's
row does not carry the key head size, so there it takes FlashInfer's checkpoint page and 64-token alignment, the larger
of the two); pipeline stages; sliding-window and state layers in one model (no such layout is read); FlashKDA's prefill
workspace (two float32 max_num_seqs x heads x head_dim x head_dim buffers from vLLM's shared workspace, activation memory
outside the pool).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import lcm

from hangar.catalog import Model
from hangar.catalog.deepseek_v4 import is_deepseek_v4
from hangar.catalog.mamba_layout import mamba2_state_bytes

from .engine import sized_release
from .kv import KvError, ceil_div, layer_token_bytes, sequence_kv
from .kv_blocks import DEFAULT_LAYOUT, KvLayout
from .kv_deepseek_v4 import kv_dtype, packing, v4_gpu_refusal
from .lora_architectures import architecture

GDN_CHECKPOINT_ALIGNMENT = 64
"""vllm/v1/attention/backends/gdn_attn.py `FLASHINFER_GDN_CHECKPOINT_ALIGNMENT` (v0.33.0)."""
MLA_HYBRID_ALIGNMENT = {"v0.11.2": 64, "v0.33.0": 128}
"""The least block alignment each release gives a latent-attention hybrid (the module docstring)."""
FLASHKDA_ARCHITECTURES = ("KimiK3ForConditionalGeneration",)
"""Model classes whose KDA layers run FlashKDA's prefill on CUDA majors 9, 10 and 12 at v0.33.0 (a checkpoint page)."""


@dataclass(frozen=True)
class HybridPages:
    """How one release pages a hybrid model's KV cache on one rank (figures per rank; the module docstring has sources)."""

    block_size: int
    """Attention tokens per block, raised so one attention page holds one layer's state."""
    page_bytes: int
    """One layer's page on one rank: the attention page, the state page padded to it."""
    state_bytes: int
    """One linear layer's state on one rank, unpadded."""
    state_pages: int
    """Pages a sequence takes in each state group (1 without prefix caching; 2, or 3 with FlashInfer's checkpoint)."""
    prefix_caching: bool
    """Whether the release keeps prefix caching on for the model (`mamba_cache_mode` "align")."""
    group_size: int
    """Layers per KV-cache group: a block of the pool is this many pages."""
    attention_groups: int
    state_groups: int

    def blocks(self, tokens: int) -> int:
        """Blocks of the pool one sequence of `tokens` takes, over all groups."""
        return self.attention_groups * ceil_div(tokens, self.block_size) + self.state_groups * self.state_pages

    def describe(self) -> str:
        cache = "prefix caching on: 'align' mode" if self.prefix_caching else "prefix caching off"
        return (f"hybrid pages: attention blocks of {self.block_size:,} tokens, one page ({self.page_bytes / 2**20:,.2f} MiB a rank) "
                f"holds a layer's state; {self.state_pages} state page(s) per sequence ({cache}); "
                f"{self.attention_groups + self.state_groups} layer groups of {self.group_size}")


def is_hybrid(model: Model) -> bool:
    """A model whose linear-attention (state) layers sit beside attention layers, paged as vLLM's hybrid manager does."""
    return (model.state_bytes_per_sequence is not None and model.attention_layers is not None and model.attention_layers > 0
            and not model.sliding_window_layers)


def hybrid_pages(model: Model, *, kv_cache_dtype: str, tensor_parallel: int, engine_version: str | None, capability: int | None,
                 attention_block: int, prefix_caching: bool | None = None) -> HybridPages:
    """The pages of a hybrid model (`is_hybrid`) under release `engine_version` on a GPU of compute `capability`, with
    `attention_block` the block the attention backend takes on its own (`hangar.sizing.kv_blocks`); `prefix_caching`
    False where the server is told `--no-enable-prefix-caching` (None: vLLM's default, on)."""
    newer = sized_release(engine_version) == "v0.33.0"
    full_token, _ = layer_token_bytes(model, kv_cache_dtype, tensor_parallel)
    attention_token = round(full_token / tensor_parallel)  # one layer, one token, one rank
    linear = model.fixed_state_layers
    state = state_bytes_per_rank(model, tensor_parallel, engine_version)
    if newer:
        prefix_caching = prefix_caching is not False
        mamba2 = model.mamba_heads is not None
        major = capability // 10 if capability is not None else None
        if model.uses_mla:  # KDA beside MLA: no checkpoint alignment; K3's FlashKDA keeps a checkpoint page
            checkpoint = prefix_caching and architecture(model) in FLASHKDA_ARCHITECTURES and major in (9, 10, 12)
            align = max(MLA_HYBRID_ALIGNMENT["v0.33.0"], attention_block)
        else:
            flashinfer = capability is not None and (capability == 90 or major in (10, 12))
            checkpoint = prefix_caching and (mamba2 or flashinfer)  # GDN: FlashInfer's mid-prefill checkpoints; Mamba2: always
            align = max(16, attention_block)
            if checkpoint and not mamba2:
                align = lcm(align, GDN_CHECKPOINT_ALIGNMENT)
        block = max(align * ceil_div(state, align * attention_token), attention_block)
        state_pages = (2 + (1 if checkpoint else 0)) if prefix_caching else 1
    else:
        prefix_caching = False
        align = 32 if capability == 100 and model.head_dim == 256 else 16
        if model.uses_mla:
            align = MLA_HYBRID_ALIGNMENT["v0.11.2"]
        block = max(align * ceil_div(state, align * attention_token), attention_block)
        state_pages = 1
    group = _group_size((model.attention_layers, linear), newer)
    return HybridPages(
        block_size=block,
        page_bytes=block * attention_token,
        state_bytes=state,
        state_pages=state_pages,
        prefix_caching=prefix_caching,
        group_size=group,
        attention_groups=ceil_div(model.attention_layers, group),
        state_groups=ceil_div(linear, group),
    )


def state_bytes_per_rank(model: Model, tensor_parallel: int, engine_version: str | None) -> int:
    """One state layer's state for one sequence on one rank under release `engine_version` (the module docstring): a
    Mamba2 mixer's by `mamba2_state_shape`, a gated-delta-net or KDA layer's the row's state split evenly (vLLM divides
    their heads and conv channels by TP, and refuses a TP that does not divide them)."""
    if model.mamba_heads is None:
        return ceil_div(model.state_bytes_per_sequence // model.fixed_state_layers, tensor_parallel)
    assert model.mamba_head_dim and model.mamba_state_size and model.mamba_groups and model.mamba_conv_kernel
    ssm = model.mamba_ssm_dtype if sized_release(engine_version) == "v0.33.0" else None
    return mamba2_state_bytes(heads=model.mamba_heads, head_dim=model.mamba_head_dim, state_size=model.mamba_state_size,
                              groups=model.mamba_groups, conv_kernel=model.mamba_conv_kernel, ssm_dtype=ssm, tensor_parallel=tensor_parallel)


@dataclass(frozen=True)
class PoolFit:
    """One sequence against the KV-cache pool, summed over the TP group (bytes)."""

    sequence_bytes: float
    """What vLLM's start-up check counts for one sequence of the context."""
    reserved_bytes: float
    """What that check holds back besides: the null block at v0.33.0, nothing at v0.11.2."""
    block_bytes: float
    """One block of the pool (the null block's size)."""
    blocks_per_sequence: int | None
    """Blocks one sequence takes where the pool is counted in blocks (hybrid models, and models whose sliding-window and
    full-attention layers form groups), else None."""
    pages: HybridPages | None = None

    def sequences_within(self, budget_bytes: float) -> int:
        """Sequences of the context the pool of `budget_bytes` holds at once, the null block taken out."""
        if self.blocks_per_sequence is not None:
            blocks = int(budget_bytes // self.block_bytes)
            return max(0, (blocks - 1) // self.blocks_per_sequence)
        return max(0, int((budget_bytes - self.block_bytes) // self.sequence_bytes))

    def starts_within(self, budget_bytes: float) -> bool:
        return self.sequence_bytes + self.reserved_bytes <= budget_bytes


def kv_pool(model: Model, tokens: int, *, engine_version: str | None, capability: int | None, layout: KvLayout = DEFAULT_LAYOUT,
            kv_cache_dtype: str = "auto", tensor_parallel: int = 1, max_num_batched_tokens: int = 2048, hybrid_kv_cache: bool = True,
            prefix_caching: bool | None = None, vendor: str | None = None) -> PoolFit:
    """One sequence of `tokens` against the pool of release `engine_version` on a GPU of compute `capability`, laid out
    as `layout` says (`hangar.sizing.kv_blocks`): a hybrid model by its pages and groups, any other by
    `hangar.sizing.kv.sequence_kv` with the null block beside it."""
    newer = sized_release(engine_version) == "v0.33.0"
    if is_deepseek_v4(model):  # one pool of packed groups (`hangar.sizing.kv_deepseek_v4`)
        return deepseek_v4_pool(model, tokens, engine_version=engine_version, capability=capability, vendor=vendor, kv_cache_dtype=kv_cache_dtype,
                                tensor_parallel=tensor_parallel, in_flight=layout.in_flight_batches * max_num_batched_tokens)
    if hybrid_kv_cache and is_hybrid(model):
        pages = hybrid_pages(model, kv_cache_dtype=kv_cache_dtype, tensor_parallel=tensor_parallel, engine_version=engine_version,
                             capability=capability, attention_block=layout.block_size, prefix_caching=prefix_caching)
        blocks = pages.blocks(tokens)
        block_bytes = float(pages.group_size * pages.page_bytes * tensor_parallel)
        if newer:  # by groups, padding layers counted
            sequence_bytes = block_bytes * blocks
        else:  # by layers: every attention layer its blocks, every state layer its page
            linear = model.fixed_state_layers
            per_rank = pages.page_bytes * (model.attention_layers * ceil_div(tokens, pages.block_size) + linear * pages.state_pages)
            sequence_bytes = float(per_rank * tensor_parallel)
        return PoolFit(sequence_bytes, block_bytes if newer else 0.0, block_bytes, blocks, pages)
    options = {"kv_cache_dtype": kv_cache_dtype, "tensor_parallel": tensor_parallel, "max_num_batched_tokens": max_num_batched_tokens,
               "hybrid_kv_cache": hybrid_kv_cache, "layout": layout}
    sequence = sequence_kv(model, tokens, **options)
    block_bytes = _block_bytes(model, kv_cache_dtype, tensor_parallel, layout, hybrid_kv_cache, newer)
    groups = window_groups(model, kv_cache_dtype, tensor_parallel, layout, newer) if hybrid_kv_cache else None
    if groups is None:
        return PoolFit(sequence.total_bytes, block_bytes if newer else 0.0, block_bytes, None)
    full_groups, sliding_groups = groups
    blocks = full_groups * ceil_div(tokens, layout.block_size) + sliding_groups * (sequence.sliding_tokens // layout.block_size)
    # v0.33.0 checks one sequence by groups, padding layers counted; v0.11.2 by layers (`sequence_kv`), padding not counted
    sequence_bytes = block_bytes * blocks if newer else sequence.total_bytes
    return PoolFit(sequence_bytes, block_bytes if newer else 0.0, block_bytes, blocks)


def deepseek_v4_pool(model: Model, tokens: int, *, engine_version: str | None, capability: int | None, kv_cache_dtype: str,
                     tensor_parallel: int, in_flight: int, vendor: str | None = None) -> PoolFit:
    """DeepSeek-V4's sequence against vLLM v0.33.0's pool: its groups' blocks, the null block held back, every rank
    holding the whole cache; KvError where Hangar does not size the model on that GPU or release."""
    if (refusal := v4_gpu_refusal(capability, engine_version, vendor)) is not None:
        raise KvError(f"{model.hf_id}: {refusal}")
    kv_dtype(kv_cache_dtype)
    pack = packing(model)
    blocks = pack.blocks(tokens, in_flight)
    block_bytes = float(pack.block_bytes * tensor_parallel)
    return PoolFit(block_bytes * blocks, block_bytes, block_bytes, blocks)


def window_groups(model: Model, kv_cache_dtype: str, tensor_parallel: int, layout: KvLayout, newer: bool) -> tuple[int, int] | None:
    """(full-attention groups, sliding-window groups) of a model whose sliding and full layers have one page size, as
    `_get_kv_cache_groups_uniform_page_size` splits them (the last group of each kind padded to `group_size` layers);
    None for a model with one kind of layer, or whose kinds' pages differ (Gemma 4: left to `sequence_kv`'s sum)."""
    full, sliding = layer_token_bytes(model, kv_cache_dtype, tensor_parallel, fp8_ds_mla=layout.fp8_ds_mla)
    sliding_layers = model.sliding_window_layers or 0
    full_layers = model.kv_layers - sliding_layers
    if not sliding_layers or not full_layers or full != sliding:
        return None
    group = _group_size((full_layers, sliding_layers), newer)
    return ceil_div(full_layers, group), ceil_div(sliding_layers, group)


def _group_size(counts: tuple[int, ...], newer: bool) -> int:
    """Layers per group: the fewest of a kind; at v0.33.0 the most where that is under 1.5 x the fewest."""
    return max(counts) if newer and max(counts) < 1.5 * min(counts) else min(counts)


def _block_bytes(model: Model, kv_cache_dtype: str, tensor_parallel: int, layout: KvLayout, hybrid_kv_cache: bool, newer: bool) -> float:
    """One block of the pool over the TP group for a model without state pages: every layer's page where the layers form
    one group (one kind of layer, or the hybrid manager off), else `group_size` of the larger page (sliding and full
    layers in groups as `_get_kv_cache_groups_uniform_page_size` splits them)."""
    full, sliding = layer_token_bytes(model, kv_cache_dtype, tensor_parallel, fp8_ds_mla=layout.fp8_ds_mla)
    sliding_layers = model.sliding_window_layers or 0
    full_layers = model.kv_layers - sliding_layers
    if not hybrid_kv_cache or not sliding_layers or not full_layers:
        return layout.block_size * (full * full_layers + sliding * sliding_layers)
    return layout.block_size * _group_size((full_layers, sliding_layers), newer) * max(full, sliding)


def max_tokens_within(model: Model, budget_bytes: float, *, upper: int, **pool) -> int:
    """Longest sequence (<= `upper`) that vLLM's start-up check lets into `budget_bytes` (its `estimate_max_model_len`),
    the null block held back where the release holds it; 0 if none. `pool`: the arguments of `kv_pool`."""
    low, high = 0, upper
    while low < high:
        mid = (low + high + 1) // 2
        if kv_pool(model, mid, **pool).starts_within(budget_bytes):
            low = mid
        else:
            high = mid - 1
    return low
