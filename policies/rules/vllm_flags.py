"""Which `vllm serve` options take no value, and which one-dash aliases it knows, in each read vLLM release; and the
release a `vllm-openai` image tag names.

A word after a switch is positional (the model in `vllm serve --enforce-eager MODEL`), so reading a raw program's
server needs its release's switches. Each set is the `bool` fields of the release's engine and frontend argument
classes (vLLM registers a `bool` field with `argparse.BooleanOptionalAction`: `--x` / `--no-x`, no value) plus the
switches `make_arg_parser` adds by hand; names starting enable-/disable-/no- never take a value and are not listed.

* vLLM v0.11.2 (PyPI sdist vllm-0.11.2.tar.gz, commit 275de3417 per vllm/_version.py, read 2026-12-02): `EngineArgs`
  (vllm/engine/arg_utils.py), `FrontendArgs` (vllm/entrypoints/openai/cli_args.py), `--headless`.
* vLLM v0.33.0 (PyPI sdist vllm-0.33.0.tar.gz, commit 4ba787ec9 per vllm/_version.py, read 2026-12-02): `EngineArgs`
  and `AsyncEngineArgs` (vllm/engine/arg_utils.py), `BaseFrontendArgs` and `FrontendArgs`
  (vllm/entrypoints/common/cli_args.py), `--headless` and `--grpc` (`make_arg_parser`, the same file).

The one-dash aliases are the `add_argument` calls' second names in the same files. At v0.11.2 `-O` is
`--compilation-config`; at v0.33.0 `-cc` is, and vllm/utils/argparse_utils.py turns `-O <0-3>` (or `-O3`) into
`--optimization-level`. A release not read is parsed as the pinned one.
"""

from __future__ import annotations

import re

from hangar.sizing.engine import sized_release

SWITCHES: dict[str, frozenset[str]] = {
    "v0.11.2": frozenset(
        {
            "aggregate-engine-logging", "allow-credentials", "async-scheduling", "calculate-kv-scales",
            "data-parallel-external-lb", "data-parallel-hybrid-lb", "enforce-eager", "eplb-log-balancedness",
            "exclude-tools-when-tool-choice-none", "fully-sharded-loras", "guided-decoding-disable-additional-properties",
            "guided-decoding-disable-any-whitespace", "guided-decoding-disable-fallback", "headless", "interleave-mm-strings",
            "kv-sharing-fast-prefill", "log-error-stack", "ray-workers-use-nsight", "return-tokens-as-token-ids",
            "skip-mm-profiling", "skip-tokenizer-init", "tokens-only", "trust-remote-code", "trust-request-chat-template",
            "use-tqdm-on-load",
        }
    ),
    "v0.33.0": frozenset(
        {
            "aggregate-engine-logging", "allow-credentials", "allow-deprecated-quantization", "async-scheduling",
            "cohere-is-reasoning-model", "cudagraph-metrics", "data-parallel-external-lb", "data-parallel-hybrid-lb",
            "data-parallel-multi-port-external-lb", "dcp-q-replicate", "enforce-eager", "exclude-tools-when-tool-choice-none",
            "fail-on-environ-validation", "fully-sharded-loras", "grpc", "headless", "interleave-mm-strings",
            "jit-monitor-verbose", "kv-cache-metrics", "kv-sharing-fast-prefill", "language-model-only", "log-error-stack",
            "long-prefill-token-threshold-adaptive", "mm-device-do-normalize", "mm-encoder-only", "monokernel", "numa-bind",
            "ray-workers-use-nsight", "return-sampling-mask", "return-tokens-as-token-ids", "scheduler-reserve-full-isl",
            "skip-mm-profiling", "skip-tokenizer-init", "sleep-mode-offload-cudagraph", "specialize-active-lora",
            "swa-bounded-replay", "tokens-only", "trust-remote-code", "trust-request-chat-template",
            "trust-request-mm-kwargs", "use-fp64-gumbel", "use-replayssm", "use-tqdm-on-load",
        }
    ),
}  # fmt: skip
"""Each read release's value-less options that are not named enable-/disable-/no-."""

SHORT_OPTIONS: dict[str, dict[str, str]] = {
    "v0.11.2": {
        "tp": "tensor-parallel-size", "pp": "pipeline-parallel-size", "q": "quantization", "O": "compilation-config",
        "dcp": "decode-context-parallel-size", "dp": "data-parallel-size", "dpn": "data-parallel-rank",
        "dpr": "data-parallel-start-rank", "dpl": "data-parallel-size-local", "dpa": "data-parallel-address",
        "dpp": "data-parallel-rpc-port", "dpb": "data-parallel-backend", "n": "nnodes", "r": "node-rank",
        "asc": "api-server-count",
    },
    "v0.33.0": {
        "tp": "tensor-parallel-size", "pp": "pipeline-parallel-size", "q": "quantization", "O": "optimization-level",
        "dcp": "decode-context-parallel-size", "pcp": "prefill-context-parallel-size", "dp": "data-parallel-size",
        "dpn": "data-parallel-rank", "dpr": "data-parallel-start-rank", "dpl": "data-parallel-size-local",
        "dpa": "data-parallel-address", "dpp": "data-parallel-rpc-port", "dpb": "data-parallel-backend",
        "sc": "speculative-config", "dc": "diffusion-config", "cc": "compilation-config", "ac": "attention-config",
        "n": "nnodes", "r": "node-rank", "asc": "api-server-count",
    },
}  # fmt: skip
"""Each read release's one-dash aliases that take a value."""

SHORT_SWITCHES: dict[str, dict[str, str]] = {
    "v0.11.2": {"dph": "data-parallel-hybrid-lb", "dpe": "data-parallel-external-lb"},
    "v0.33.0": {
        "dph": "data-parallel-hybrid-lb", "dpe": "data-parallel-external-lb", "dpm": "data-parallel-multi-port-external-lb",
        "ep": "enable-expert-parallel",
    },
}  # fmt: skip
"""Each read release's one-dash aliases of switches."""

RELEASE_TAG = re.compile(r"(?:^|/)vllm-openai(?:-rocm)?:(v?\d+\.\d+\.\d+)(?:@sha256:[0-9a-f]{64})?$")
"""`vllm-openai:<release>` and vLLM's ROCm image `vllm-openai-rocm:<release>` (same `vllm serve` arguments,
`hangar.sizing.rocm_images`)."""


def image_release(image: str) -> str | None:
    """The vLLM release a `vllm-openai` (or `vllm-openai-rocm`) image tag names, `v0.11.2`; None for any other image or tag."""
    found = RELEASE_TAG.search(image)
    return found.group(1) if found is not None else None


def is_switch(name: str, release: str | None) -> bool:
    """Whether `--name` takes no value in vLLM `release` (the pinned one's options where None or not read)."""
    return name.startswith(("enable-", "disable-", "no-")) or name in SWITCHES[sized_release(release)]


def short_option(alias: str, release: str | None) -> str | None:
    """The long name of a one-dash alias that takes a value (`tp`), None where it is not one."""
    return SHORT_OPTIONS[sized_release(release)].get(alias)


def short_switch(alias: str, release: str | None) -> str | None:
    """The long name of a one-dash switch (`ep` at v0.33.0), None where it is not one."""
    return SHORT_SWITCHES[sized_release(release)].get(alias)
