"""The vLLM release Hangar pins, the releases it read, and the defaults that differ between them.

A light module (the spec takes its defaults from here without importing the sizing package). The sources of each
fact are in `hangar.sizing.engine` (defaults) and the modules `VERIFIED_RELEASES` names.
"""

from __future__ import annotations

from dataclasses import dataclass

ENGINE_VERSION = "v0.33.0"
"""The vLLM release Hangar pins (`ModelDeployment.engine_version`'s default)."""

VERIFIED_RELEASES = ("v0.11.2", "v0.33.0")
"""The releases the vLLM arguments Hangar generates were read at: the `vllm serve` flags and their forms
(`hangar.components.serving_pod`, `hangar.components.serving_lora`), the image's entrypoint, user, Python and cache
paths, and the metric series the autoscalers, alerts, dashboard and endpoint picker read; and the sizing rules that
differ between them, each per release: these defaults, the KV layout (`hangar.sizing.kv_blocks`), the LoRA vocabulary
(`hangar.sizing.lora_vocab`), LoRA's other layers and which classes take adapters (`hangar.sizing.lora_releases`), the
MXFP4 kernels (`hangar.sizing.mxfp4`), the AWQ/GPTQ methods and the GPUs that run them (`hangar.sizing.quant_kernels`),
the options of a raw `vllm serve` line (`hangar.policies.rules.vllm_flags`). The tensor-parallel rule (attention heads
divisible by TP, vllm/config/model.py `verify_with_parallel_config`) and which precisions a published checkpoint can be
served in (`hangar.precision`) read the same in both."""

@dataclass(frozen=True)
class ReleaseDefaults:
    """The defaults of one vLLM release that Hangar's sizing reads (sources: `hangar.sizing.engine`)."""

    gpu_memory_utilization: float
    largest_gpu_gib: int | None
    """GPUs with at least this much memory get 16384 batched tokens; None where the release has no such tier."""


RELEASE_DEFAULTS: dict[str, ReleaseDefaults] = {
    "v0.11.2": ReleaseDefaults(0.90, None),
    "v0.33.0": ReleaseDefaults(0.92, 160),
}
"""The releases whose engine defaults were read."""

GPU_MEMORY_UTILIZATION = RELEASE_DEFAULTS[ENGINE_VERSION].gpu_memory_utilization
"""`CacheConfig.gpu_memory_utilization` default of the pinned release."""


def sized_release(engine_version: str | None = None) -> str:
    """The read release whose rules size `engine_version` (`v0.33.0` or `0.33.0`): itself where it was read
    (`VERIFIED_RELEASES`), else the pinned release."""
    tag = f"v{(engine_version or ENGINE_VERSION).removeprefix('v')}"
    return tag if tag in VERIFIED_RELEASES else ENGINE_VERSION


ENGINE_VERSION_PATTERN = r"^v?[0-9]+\.[0-9]+\.[0-9]+$"
"""What a vLLM release looks like (`v0.33.0` or `0.33.0`): `ModelDeployment.engine_version` and `hangar size --engine-version`."""


def unread_note(engine_version: str | None) -> str | None:
    """"vLLM v0.20.0 was not read: sized as v0.33.0" where `engine_version` is not a read release; None where it is."""
    tag = f"v{(engine_version or ENGINE_VERSION).removeprefix('v')}"
    if tag in VERIFIED_RELEASES:
        return None
    return f"vLLM {tag} was not read (releases read: {', '.join(VERIFIED_RELEASES)}): sized as {sized_release(tag)}"


def release_defaults(engine_version: str | None = None) -> ReleaseDefaults:
    """The defaults of a vLLM release (`v0.33.0` or `0.33.0`); the pinned release's where it was not read."""
    return RELEASE_DEFAULTS[sized_release(engine_version)]


