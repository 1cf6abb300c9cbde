"""DeepSeek-V4's KV cache as vLLM v0.33.0 allocates it: seven caches per layer kind, packed into one block pool.

Read in the PyPI wheel vllm-0.33.0 (commit 4ba787ec9 per vllm/_version.py), 2026-12-02. Each cache is a layer of the
KV-cache planner with its own spec (`hangar.catalog.deepseek_v4` says which layers have which):

* every layer, the window (vllm/v1/attention/backends/mla/sparse_swa.py `DeepseekV4SWACache`): `SlidingWindowMLASpec`,
  64-token blocks, window `sliding_window`;
* CSA / HCA layers, the compressed latents (vllm/models/deepseek_v4/attention.py `DeepseekV4Attention.get_kv_cache_spec`):
  `MLAAttentionSpec` of 256-token blocks (the cache block: the DSv4 sparse-MLA and indexer backends take 256 only,
  sparse_mla.py `get_supported_kernel_block_sizes`, v1/attention/backends/mla/indexer.py) holding one entry per 4 or 128
  tokens (`tokens_per_state`);
* CSA layers, the indexer keys (`DeepseekV4IndexerCache`): the same blocks, one entry of index_head_dim fp8 + a 4-byte
  scale per 128 (132 bytes) per 4 tokens (the default `indexer_kv_dtype` resolves to fp8, `dsa_indexer_uses_fp4`);
* CSA layers, two compressor states (compressor.py `CompressorStateCache`, float32, 2 x 2 x width a token, width 512
  for the latent's compressor and index_head_dim for the indexer's): `SlidingWindowMLASpec` of 4-token blocks, window 8;
  HCA layers one (2 x 512 float32): 8-token blocks, window 128.

Entry format: without an `--attention-backend`, nvidia/model.py `_select_dsv4_attn_cls` takes
`DeepseekV4FlashInferSM120Attention` on compute capability 12.x and `DeepseekV4FlashMLAAttention` on the others (its
backend's `supports_compute_capability`, sparse_mla.py `DeepseekV4SparseMLABackend`, takes majors 9 and 10); ROCm builds `DeepseekV4ROCMAiterMLAAttention`
(amd/model.py, its Triton sparse attention unless `VLLM_ROCM_USE_AITER_TRITON_SPARSE_MLA`). All three keep `use_fp8_ds_mla_layout` True (attention.py's default; nvidia/flashinfer_sparse.py sets it
on the SM120 class), so the layout is "fp8_ds_mla": `--kv-cache-dtype` auto becomes fp8 and anything but fp8 is refused
(`_resolve_dsv4_kv_cache_dtype`); a latent entry is 584 bytes (448 fp8 + 64 x 2 rope + 8 scale bytes:
`state_content_bytes`), the window cache's the same (v1/attention/backends/mla/sparse_swa.py `DeepseekV4SWACache`:
64-token blocks, `packed_bytes_per_token` 584), and every page is padded to a multiple of 576 bytes (`alignment`,
vllm/v1/kv_cache_interface.py `_apply_alignment_padding`). The SM120 decode kernel is FlashInfer's
`trtllm_batch_decode_sparse_mla_dsv4`, whose DSV4 family reads 584 bytes a token (flashinfer-python 0.7.2.post1, the
wheel's pinned `Requires-Dist`: flashinfer/mla/_sparse_mla_sm120/_policy.py `_STATIC_DECODE_ENVELOPE`; its
`_DECODE_DSV4_DISPATCH` admits any head count up to the maximum and any top-k, which
`has_flashinfer_sparse_mla_sm120_config` asks). Only an explicit `--attention-backend FLASHINFER_MLA_SPARSE_DSV4` on
10.x takes FlashInfer's plain-row layout (`DeepseekV4FlashInferMLAAttention`: bf16 rows, alignment 512), which Hangar
does not plan. On ROCm the indexer keys stay fp8 unless `--attention-config` asks `indexer_kv_dtype` mxfp4
(v1/attention/backends/mla/indexer.py `dsa_indexer_uses_fp4`; amd/rocm.py swaps in its MXFP4 indexer only then), so the
caches are the ones below on every GPU Hangar sizes it on.

Pool (vllm/v1/core/kv_cache_planning.py): the indexer backend asks a block-outermost layout (`BLHNC`), so
`_get_packed_kv_cache_groups` buckets the layers by spec type and block size, splits the balanced buckets (one layer of
each page size per repeat) into groups of `_approximate_gcd` repeats (the fewest padded layers, at least the largest
mixed bucket's repeats), keeps the others whole, and a block of the pool is the widest group's pages
(`_get_kv_cache_bytes_per_block`). One sequence takes, in each group, its layers' largest page count
(`UniformTypeKVCacheSpecs.max_memory_usage_pages`): ceil(tokens / 256) in the compressed groups,
ceil(min(window - 1 + in-flight tokens, tokens) / block) + 1 in a window group (`SlidingWindowSpec`). The start-up
check is that many blocks plus the null block (`_max_memory_usage_bytes_from_groups`), and every TP rank holds all of it
(`max_tp_shards` 1). vLLM v0.11.2 does not register the architecture (`hangar.sizing.engine_models`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hangar.catalog import Model
from hangar.catalog.deepseek_v4 import is_deepseek_v4

from .engine import sized_release
from .kv import KvError, ceil_div, round_up

CACHE_BLOCK = 256
WINDOW_BLOCK = 64
LATENT_ENTRY_BYTES = 584
PAGE_ALIGNMENT = 576
INDEXER_SCALE_BLOCK = 128
STATE_BYTES = 4  # float32
CSA_RATIO, HCA_RATIO = 4, 128
CSA_STATE_WINDOW, CSA_STATE_BLOCK = 2 * CSA_RATIO, 4  # coff x ratio
HCA_STATE_WINDOW, HCA_STATE_BLOCK = HCA_RATIO, 8
SERVED_MAJORS = (9, 10, 12)
"""Compute capability majors whose DeepSeek-V4 attention v0.33.0 builds in fp8_ds_mla (the module docstring)."""


def v4_gpu_refusal(capability: int | None, engine_version: str | None, vendor: str | None = None) -> str | None:
    """Why Hangar does not size DeepSeek-V4 on a GPU of compute `capability` (None: not an NVIDIA GPU) from `vendor`, None
    where it does: NVIDIA majors 9, 10 and 12, and AMD GPUs (ROCm: `rocm_served`)."""
    if sized_release(engine_version) != "v0.33.0":
        return "vLLM v0.11.2 does not register DeepseekV4ForCausalLM"
    if (capability is not None and capability // 10 in SERVED_MAJORS) or (capability is None and vendor == "AMD"):
        return None
    return ("vLLM v0.33.0's DeepSeek-V4 attention runs on compute capability 9.x and 10.x (FlashMLA sparse: "
            "vllm/models/deepseek_v4/sparse_mla.py DeepseekV4SparseMLABackend.supports_compute_capability), 12.x "
            "(FlashInfer's SM120 sparse MLA: nvidia/model.py _select_dsv4_attn_cls) and ROCm (amd/model.py) only")


def rocm_served(model: Model, engine_version: str | None) -> bool:
    """Whether vLLM `engine_version` serves `model`'s MXFP4 experts on ROCm: DeepSeek-V4 at v0.33.0, whose
    `Mxfp4MoEMethod` takes `select_deepseek_v4_mxfp4_moe_backend` (fused_moe/oracle/mxfp4.py: on ROCm AITER_MXFP4_BF16,
    the CK kernel of gfx950, then TRITON_UNFUSED; their padding: `hangar.sizing.mxfp4.ROCM`). gpt-oss's ROCm path
    (`GptOssMxfp4MoEMethod`) was not read: Hangar plans its mxfp4 on NVIDIA GPUs only."""
    return is_deepseek_v4(model) and sized_release(engine_version) == "v0.33.0"


@dataclass(frozen=True)
class Spec:
    """One layer's cache as the planner sees it (one rank)."""

    block: int
    page: int
    window: int | None  # None: full attention

    def pages(self, tokens: int, in_flight: int) -> int:
        if self.window is None:
            return ceil_div(tokens, self.block)
        return ceil_div(min(self.window - 1 + in_flight, tokens), self.block) + 1


def _page(block: int, entry: int, tokens_per_entry: int = 1) -> int:
    return round_up(block // tokens_per_entry * entry, PAGE_ALIGNMENT)


def layer_specs(model: Model) -> list[Spec]:
    """Every cache of the model's layers (fp8_ds_mla), one Spec per cache."""
    csa, hca = model.csa_layers or 0, model.hca_layers or 0
    index_dim = model.index_head_dim or 0
    width = model.head_dim or 0
    window = Spec(WINDOW_BLOCK, _page(WINDOW_BLOCK, LATENT_ENTRY_BYTES), model.sliding_window)
    specs = [window] * model.layers
    specs += [Spec(CACHE_BLOCK, _page(CACHE_BLOCK, LATENT_ENTRY_BYTES, CSA_RATIO), None)] * csa
    specs += [Spec(CACHE_BLOCK, _page(CACHE_BLOCK, LATENT_ENTRY_BYTES, HCA_RATIO), None)] * hca
    indexer_entry = index_dim + index_dim // INDEXER_SCALE_BLOCK * 4
    specs += [Spec(CACHE_BLOCK, _page(CACHE_BLOCK, indexer_entry, CSA_RATIO), None)] * csa
    specs += [Spec(CSA_STATE_BLOCK, _page(CSA_STATE_BLOCK, 2 * 2 * width * STATE_BYTES), CSA_STATE_WINDOW)] * csa
    specs += [Spec(CSA_STATE_BLOCK, _page(CSA_STATE_BLOCK, 2 * 2 * index_dim * STATE_BYTES), CSA_STATE_WINDOW)] * csa
    specs += [Spec(HCA_STATE_BLOCK, _page(HCA_STATE_BLOCK, 2 * width * STATE_BYTES), HCA_STATE_WINDOW)] * hca
    return specs


def _approximate_gcd(values: list[int], lower: int) -> int:
    """vLLM's `_approximate_gcd`: the size in [lower, max] padding the values least, the larger on a tie."""
    best, best_pad = lower, None
    for size in range(lower, max(values) + 1):
        pad = sum((size - value % size) % size for value in values)
        if best_pad is None or pad <= best_pad:
            best, best_pad = size, pad
    return best


@dataclass(frozen=True)
class Packing:
    """The groups `_get_packed_kv_cache_groups` makes, as (layers per page size, spec) lists, and the pool's block."""

    groups: tuple[tuple[Spec, ...], ...]

    @property
    def block_bytes(self) -> int:
        """One block of the pool on one rank: the widest group's pages."""
        return max(sum(spec.page for spec in group) for group in self.groups)

    def blocks(self, tokens: int, in_flight: int) -> int:
        """Blocks one sequence of `tokens` takes over all groups."""
        return sum(max(spec.pages(tokens, in_flight) for spec in group) for group in self.groups)


def packing(model: Model) -> Packing:
    """The planner's groups for the model's caches (the module docstring)."""
    buckets: dict[tuple[int, int | None, bool], list[Spec]] = {}
    for spec in layer_specs(model):
        buckets.setdefault((spec.block, spec.window, spec.window is None), []).append(spec)
    shaped = []
    for specs in buckets.values():
        counts = Counter(spec.page for spec in specs)
        shaped.append((specs, counts, len(set(counts.values())) == 1))
    floor = max((max(counts.values()) for _, counts, balanced in shaped if balanced and len(counts) > 1), default=0)
    repeats = _approximate_gcd([max(counts.values()) for _, counts, balanced in shaped if balanced], floor) if floor else None
    groups: list[tuple[Spec, ...]] = []
    for specs, counts, balanced in shaped:
        parts = ceil_div(max(counts.values()), repeats) if balanced and repeats else 1
        if repeats is None and specs[0].window is not None:
            raise KvError("DeepSeek-V4 without compressed sparse layers packs its window caches as state buckets, which Hangar does not size")
        if parts == 1:
            groups.append(tuple(specs))
            continue
        by_page = [[spec for spec in specs if spec.page == page] for page in counts]
        pattern = list(zip(*by_page))
        groups += [tuple(spec for repeat in pattern[i::parts] for spec in repeat) for i in range(parts)]
    return Packing(tuple(groups))


def kv_dtype(kv_cache_dtype: str) -> str:
    """The cache vLLM v0.33.0 keeps for `--kv-cache-dtype` on the FlashMLA path: fp8_ds_mla, for auto or fp8."""
    if kv_cache_dtype not in ("auto", "fp8"):
        raise KvError(f"kv_cache_dtype {kv_cache_dtype!r}: DeepSeek-V4's fp8_ds_mla layout takes fp8 only (auto becomes fp8)")
    return "fp8"


def decode_read_bytes(model: Model, context: float) -> float:
    """ESTIMATE: bytes one decode step of a sequence at `context` tokens reads from the caches of one rank: every layer's
    window, a CSA layer's `index_topk` latents and all its indexer keys (the indexer scores each), an HCA layer's every
    latent. The compressor states, written a token at a time and read once per 4 or 128 tokens, are left out."""
    csa, hca = model.csa_layers or 0, model.hca_layers or 0
    index_dim = model.index_head_dim or 0
    compressed = context / CSA_RATIO
    window = model.layers * min(context, model.sliding_window or 0) * LATENT_ENTRY_BYTES
    picked = csa * min(compressed, model.index_topk or compressed) * LATENT_ENTRY_BYTES
    keys = csa * compressed * (index_dim + index_dim // INDEXER_SCALE_BLOCK * 4)
    return window + picked + keys + hca * context / HCA_RATIO * LATENT_ENTRY_BYTES


def token_bytes(model: Model) -> float:
    """Bytes one token adds to the compressed caches of one rank, amortised (latents and indexer keys, pages unpadded)."""
    csa, hca = model.csa_layers or 0, model.hca_layers or 0
    index_dim = model.index_head_dim or 0
    indexer_entry = index_dim + index_dim // INDEXER_SCALE_BLOCK * 4
    return csa * (LATENT_ENTRY_BYTES + indexer_entry) / CSA_RATIO + hca * LATENT_ENTRY_BYTES / HCA_RATIO
