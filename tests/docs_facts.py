"""Every figure the docs state in prose, with where its value comes from (checked by tests/test_docs_prose.py).

A `Fact` is a phrase of a page with `{placeholders}`; each placeholder's value is computed here from the code
or the catalog, so the page cannot say what the code does not. When a page gains a figure, add the phrase
here with the value's source; when the code changes a value, the phrase no longer matches and the test names
it. A figure that is not the project's (a paper's year, the number of a list item) is a fact without
placeholders that says `why`.
"""

from __future__ import annotations

import functools
import importlib
import re
import signal

from tests.docs_facts_kimi import KIMI_FACTS
from tests.docs_facts_lora import LORA_FACTS
from tests.docs_facts_mixed import MIXED_FACTS
from tests.docs_facts_models import MODEL_FACTS
from tests.docs_facts_parallel import PARALLEL_FACTS
from tests.docs_facts_serving import SERVING_FACTS, support_window
from tests.docs_prose import Fact
from tests.docs_sync import CONSOLE_COLUMNS, ROOT
from tests.docs_values import (
    ENGINE,
    bench_sizes,
    catalog,
    chart_version,
    code_says,
    constant,
    exit_code,
    python_floor,
    workflow_step_value,
)


def _online_fp8() -> dict[str, str]:
    from hangar.sizing.quant_kernels import ONLINE_FP8

    return ONLINE_FP8


def _rocm_read(read: bool) -> str:
    """The one release whose ROCm AWQ/GPTQ path was read (`read`), or was not."""
    from hangar.sizing.quant_kernels import KERNELS

    (release,) = [k.release for k in KERNELS.values() if (k.rocm == frozenset({"awq", "gptq"})) == read]
    return release


def _qwen3_yarn(release: str) -> int:
    """The context vLLM `release` derives for Qwen3-8B's config with its model card's YaRN block (`hangar.sizing.context`)."""
    from hangar.sizing.context import model_context
    from tests.yarn_configs import yarn_row

    return model_context(yarn_row(), release)


def _yarn(key: str):
    from tests.yarn_configs import YARN

    return YARN[key]


def _gemma_3_groups() -> dict:
    """Gemma 3 27B's layer groups and the 65,536-token sequences one H200 holds at each release (`hangar.sizing.kv_pool`)."""
    from hangar.sizing import memory_fit
    from hangar.sizing.kv_blocks import kv_layout
    from hangar.sizing.kv_pool import kv_pool, window_groups

    model, h200 = catalog().model("google/gemma-3-27b-it"), catalog().gpu("H200")
    sliding, full = model.sliding_window_layers, model.kv_layers - model.sliding_window_layers
    _, groups = window_groups(model, "auto", 1, kv_layout(ENGINE()), True)
    held = {r: memory_fit(model, h200, max_context_tokens=65536, concurrent_sequences=8, engine_version=r) for r in ("v0.11.2", ENGINE())}
    pool = kv_pool(model, 65536, engine_version=ENGINE(), capability=90, layout=kv_layout(ENGINE(), capability=90),
                   max_num_batched_tokens=held[ENGINE()].max_num_batched_tokens)
    budget_blocks = int(held[ENGINE()].kv_budget_gib * 2**30 // pool.block_bytes)
    per_layer_pages = full * 4096 + sliding * (pool.blocks_per_sequence - 4096) // groups  # 65,536 / 16 full blocks
    return {"sliding": sliding, "full": full, "groups": groups, "padding": groups * full - sliding,
            "old": held["v0.11.2"].capacity_sequences, "new": held[ENGINE()].capacity_sequences,
            "free": (budget_blocks - 1) * full // per_layer_pages}


def _six_groups() -> str:
    """The prose's "six sliding groups of ten": what `window_groups` and the group size say."""
    found = _gemma_3_groups()
    if (found["groups"], found["full"]) != (6, 10):
        raise AssertionError(f"Gemma 3 27B has {found['groups']} sliding groups of {found['full']} now: the prose is stale")
    return ""


def _marlin_read() -> float:
    from hangar.sizing.mxfp4 import MARLIN, expert_padding

    return expert_padding(catalog().model("openai/gpt-oss-120b"), kernel=MARLIN)


def kernels(release: str):
    from hangar.sizing.quant_kernels import kernels as of_release

    return of_release(release)


FACTS: list[Fact] = [
    # --- README.md ---------------------------------------------------------------------------------
    Fact("README.md", "Python ≥ {v}", {"v": python_floor}),
    Fact("README.md", "exit code {code} on a mandatory violation", {"code": exit_code("policy violations")}),
    # --- docs/index.md -----------------------------------------------------------------------------
    Fact("docs/index.md", "Python ≥ {v}", {"v": python_floor}),
    Fact("docs/index.md", "Outputs are shown as a {columns}-column terminal prints them", {"columns": lambda: CONSOLE_COLUMNS}),
    # --- docs/tour.md ------------------------------------------------------------------------------
    Fact("docs/tour.md", "Exit code {code} when a mandatory policy is violated", {"code": exit_code("policy violations")}),
    Fact("docs/tour.md", "nesting deeper than {depth} levels, aliases that expand past {values:,} values",
         {"depth": constant("hangar.stackyaml", "MAX_DEPTH"), "values": constant("hangar.stackyaml", "MAX_VALUES")}),
    Fact("docs/tour.md", "exit {sigint} or {sigterm}, never a partial verdict",
         {"sigint": code_says("hangar.cli.interrupts", "os._exit(128 + signum)", 128 + signal.SIGINT),
          "sigterm": code_says("hangar.cli.interrupts", "os._exit(128 + signum)", 128 + signal.SIGTERM)}),
    # --- docs/targets.md ---------------------------------------------------------------------------
    Fact("docs/targets.md", "the pinned `nvidia-device-plugin` chart ({v})", {"v": chart_version("hangar.components.onprem", "DEVICE_PLUGIN")}),
    Fact("docs/targets.md", "Cluster Autoscaler (chart {v},", {"v": constant("hangar.components.aws_autoscaler", "CHART_VERSION")}),
    Fact("docs/targets.md", "the NVIDIA GPU Operator (pinned Helm chart {v}; a `kubernetes_version` outside its validated {lo}–{hi}",
         {"v": chart_version("hangar.components.onprem", "GPU_OPERATOR"), "lo": lambda: support_window("GPU_OPERATOR_SUPPORT", chart_version("hangar.components.onprem", "GPU_OPERATOR")(), 0),
          "hi": lambda: support_window("GPU_OPERATOR_SUPPORT", chart_version("hangar.components.onprem", "GPU_OPERATOR")(), 1)}),
    Fact("docs/targets.md", "(`gpu: L4`, `gpus_per_node: 1`)", why="an example of the two keys, not a figure of the project"),
    # --- docs/development.md -----------------------------------------------------------------------
    Fact("docs/development.md", "`HANGAR_NO_CACHE=1`", why="any non-empty value: the variable is read as a switch"),
    Fact("docs/development.md", "`HANGAR_CACHE_MAX_MB` (default {mb:g} MiB)", {"mb": constant("hangar.plancache", "DEFAULT_MAX_MB")}),
    Fact("docs/development.md", "(planning {a:,} / {b:,} / {c:,} resources",
         {"a": lambda: bench_sizes()[0], "b": lambda: bench_sizes()[1], "c": lambda: bench_sizes()[2]}),
    Fact("docs/development.md", "`COLUMNS={columns}`", {"columns": lambda: CONSOLE_COLUMNS}),
    # --- docs/adoption.md --------------------------------------------------------------------------
    Fact("docs/adoption.md", "CHANGELOG.md ({v} moved `components`/`policies` under `hangar.`)", {"v": lambda: changelog_move()}),
    Fact("docs/adoption.md", "({v} moved `components` and `policies` under `hangar.`", {"v": lambda: changelog_move()}),
    Fact("docs/adoption.md", "fails (exit {code}, saying why)", {"code": exit_code("bad input")}),
    # --- docs/gitops.md ----------------------------------------------------------------------------
    Fact("docs/gitops.md", "`fetch-depth: {depth}`", {"depth": workflow_step_value("fetch-depth")}),
    Fact("docs/gitops.md", "grow from 2 to 4 nodes", why="the change tests/test_diff.py makes for the snapshot shown below it (checked with the snapshot)"),
    Fact("docs/gitops.md", "--version 2.3.0", why="an install instruction for the operator's chart; Hangar pins no operator chart (NOT checked)"),
    # --- docs/policy-pack.md -----------------------------------------------------------------------
    Fact("docs/policy-pack.md", "exit code {code} on any mandatory violation", {"code": exit_code("policy violations")}),
    Fact("docs/policy-pack.md", "default {minutes} min", {"minutes": lambda: constant("hangar.policies.rules.readiness_timeout", "GENERIC_AWAIT_SECONDS")() // 60}),
]


def changelog_move() -> str:
    """The release whose CHANGELOG entry moved `components`/`policies` under `hangar.`."""
    text = (ROOT / "CHANGELOG.md").read_text()
    releases = re.split(r"^## ", text, flags=re.M)[1:]
    moved = [r.split()[0].strip("[]") for r in releases if "hangar.components" in r]
    assert moved, "CHANGELOG.md names no release that moved components under hangar."
    return moved[-1]


# --- values for docs/sizing.md -------------------------------------------------------------------


@functools.cache
def comparisons() -> tuple:
    """The calibration table's rows with the performance model's prediction (hangar.sizing.calibration)."""
    from hangar.sizing.calibration import compare

    return tuple(c for c in compare(catalog()) if c.error is not None)


def saturated(engine: str | None = None) -> list:
    return [c for c in comparisons() if c.group == "saturated throughput" and (engine is None or c.row.engine == engine)]


def percent(value: float) -> str:
    return f"{value * 100:+.0f}"


def vllm_saturated_errors() -> list[str]:
    return [percent(c.error) for c in sorted(saturated("vllm"), key=lambda c: c.error)]


def holdout(group: str) -> str:
    """The hold-out error bench/RESULTS-performance.md records (a fit on half the rows takes minutes; not re-run here)."""
    text = (ROOT / "bench" / "RESULTS-performance.md").read_text().split("## Hold-out", 1)[1]
    found = re.search(r"^\| " + re.escape(group) + r" \| \d+ \| ([\d.]+)% \|", text, re.M)
    return f"{float(found.group(1)):.0f}"


def model_rows(read: bool = False) -> int:
    """All rows, or those whose config.json the reader read (True)."""
    models = catalog().models.values()
    return sum(1 for m in models if m.source.startswith("config.json: ")) if read else len(models)


def kubernetes_row(cloud: str, version: str):
    return next(r for r in catalog().kubernetes_versions if r.cloud == cloud and r.version == version)


def eks_default() -> str:
    from hangar.spec.clusters import DEFAULT_KUBERNETES_VERSIONS

    return DEFAULT_KUBERNETES_VERSIONS["aws"]


def deepseek_v3_slot_gib(rank: int, tp: int) -> float:
    """GiB one LoRA slot of `rank` takes on each of `tp` GPUs serving DeepSeek-V3 (hangar.sizing.lora)."""
    from hangar.sizing import LoraSlots, lora_bytes

    return lora_bytes(catalog().model("deepseek-ai/DeepSeek-V3"), LoraSlots(1, rank), tensor_parallel=tp) / tp / 2**30


def llama_70b_fp8_at_8k() -> tuple[float, int]:
    """(billions of embedding and head parameters, 8 if fp8 at 8k does NOT start on one H100 else 0) for Llama 3.1 70B."""
    from hangar.sizing import memory_fit
    from hangar.sizing.embeddings import embedding_parameters

    llama = catalog().model("meta-llama/Llama-3.1-70B-Instruct")
    fit = memory_fit(llama, catalog().gpu("H100-SXM"), precision="fp8", max_context_tokens=8192, engine_version="v0.11.2")
    return embedding_parameters(llama) / 1e9, 0 if fit.fits else 8


def bytes_per_param(precision: str) -> float:
    from hangar.sizing.memory import BYTES_PER_PARAM

    return BYTES_PER_PARAM[precision]


def wna16(name: str):
    return getattr(importlib.import_module("hangar.sizing.wna16"), name)


def _lora_rules() -> dict:
    return constant("hangar.sizing.lora_releases", "RULES")()


def _w4a16_groups() -> tuple[int, ...]:
    return constant("hangar.catalog.compressed_tensors", "W4A16_GROUPS")()


def _machete_groups() -> list[int]:
    """The group sizes Hangar's kernel choice puts on Machete on Hopper (compute capability 9.0)."""
    return [g for g in _w4a16_groups() if wna16("linear_kernel")(90, g) == "Machete"]


def mxfp4(name: str):
    return constant("hangar.sizing.mxfp4", name)()


def gpt_oss_gib(gpu: str | None, engine_version: str | None = None) -> float:
    """gpt-oss-120b's weights: its checkpoint (no GPU), or as held on one `gpu` by vLLM `engine_version` (hangar.sizing.memory)."""
    from hangar.sizing.memory import Accelerator, weight_bytes

    accelerator = None if gpu is None else Accelerator.of(catalog().gpu(gpu))
    return weight_bytes(catalog().model("openai/gpt-oss-120b"), "mxfp4", accelerator=accelerator, engine_version=engine_version) / 2**30


def _release(index: int) -> str:
    return constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[index]


def qwen3_next_on_two_h200s(release: str, tokens: int | None = None):
    """Qwen3-Next-80B on 2 x H200 under vLLM `release`: its fit and its pages (hangar.sizing.memory, hangar.sizing.kv_pool)."""
    from hangar.sizing import memory_fit
    from hangar.sizing.kv_blocks import kv_layout
    from hangar.sizing.kv_pool import hybrid_pages
    from hangar.sizing.memory import Accelerator

    model, h200 = catalog().model("Qwen/Qwen3-Next-80B-A3B-Thinking"), Accelerator.of(catalog().gpu("H200"))
    fit = memory_fit(model, h200, tensor_parallel=2, engine_version=release, max_context_tokens=tokens)
    pages = hybrid_pages(model, kv_cache_dtype="auto", tensor_parallel=2, engine_version=release, capability=h200.compute_capability,
                         attention_block=kv_layout(release).block_size)
    return fit, pages


def qwen3_next_one_state_a_sequence(tokens: int) -> int:
    """Sequences of `tokens` 2 x H200 would hold at v0.33.0 if each kept its KV and one state, no pages."""
    fit, _ = qwen3_next_on_two_h200s(_release(1), tokens)
    model = catalog().model("Qwen/Qwen3-Next-80B-A3B-Thinking")
    return int(fit.kv_budget_gib * 2**30 // (tokens * model.kv_bytes_per_token_bf16 + model.state_bytes_per_sequence))


def llama_70b_fp8_longest(release: str) -> int:
    """The longest max_model_len Llama 3.1 70B in fp8 starts with on one H100 at 92 % under vLLM `release`."""
    from hangar.sizing import memory_fit

    fit = memory_fit(catalog().model("meta-llama/Llama-3.1-70B-Instruct"), catalog().gpu("H100-SXM"), precision="fp8",
                     gpu_memory_utilization=0.92, engine_version=release)
    return fit.max_tokens_that_fit


def _gpt_oss_unpadded_on_h100() -> str:
    """Nothing to render; fails where the pinned release pads gpt-oss-120b's experts on an H100 (docs/sizing.md says it does not)."""
    if gpt_oss_gib("H100-SXM") != gpt_oss_gib(None):
        raise AssertionError("the pinned release pads gpt-oss-120b's experts on one H100: docs/sizing.md says it keeps the checkpoint's size")
    return ""


OVERHEAD = constant("hangar.sizing.memory", "RUNTIME_OVERHEAD_GIB_PER_GPU")
UTILISATION = constant("hangar.sizing.engine", "GPU_MEMORY_UTILIZATION")
CITATION = "a citation of the paper or document the method rests on, not a figure of the project"

FACTS += [
    Fact("docs/sizing.md", "Fit is vLLM's own start-up rule ({v}'s", {"v": ENGINE}),
    Fact("docs/sizing.md", "+ {gib:g} GiB per GPU of runtime overhead", {"gib": OVERHEAD}),
    Fact("docs/sizing.md", "within {pct:.0f} % of accelerator memory (vLLM's default)", {"pct": lambda: UTILISATION() * 100}),
    Fact("docs/sizing.md", "`serving_measurements.csv`: {n} PUBLISHED MEASURED results", {"n": lambda: len(catalog().measurements)}),
    Fact("docs/sizing.md", "saturated throughput: {band}; time per output token: {tpot}",
         {"band": lambda: importlib.import_module("hangar.sizing.calibration").error_band("saturated throughput"),
          "tpot": lambda: importlib.import_module("hangar.sizing.calibration").error_band("TPOT")}),
    Fact("docs/sizing.md", "the other half: {sat} % and {tpot} %", {"sat": lambda: holdout("saturated throughput"), "tpot": lambda: holdout("TPOT")}),
    Fact("docs/sizing.md", "fails above the {pct:.0f} % target", {"pct": lambda: constant("hangar.sizing.calibration", "TARGET_MEDIAN_ERROR")() * 100}),
    Fact("docs/sizing.md", "overestimated by {a} % and {b} %", {"a": lambda: vllm_saturated_errors()[-2], "b": lambda: vllm_saturated_errors()[-1]}),
    Fact("docs/sizing.md", "(up to {worst} %: the engines cap", {"worst": lambda: percent(max(c.error for c in saturated("tensorrt-llm")))}),
    Fact("docs/sizing.md", "TensorRT-LLM's A100 FP16 rows ({median} % median)",
         {"median": lambda: percent(importlib.import_module("statistics").median(
             c.error for c in saturated("tensorrt-llm") if c.row.accelerator.startswith("A100") and c.row.precision == "fp16"))}),
    Fact("docs/sizing.md", "{trt} of the {sat} throughput rows are TensorRT-LLM; only {vllm} rows are vLLM",
         {"trt": lambda: len(saturated("tensorrt-llm")), "sat": lambda: len(saturated()),
          "vllm": lambda: sum(1 for c in comparisons() if c.row.engine == "vllm")}),
    Fact("docs/sizing.md", "its saturated throughput is overestimated on {over} of its {n} rows and underestimated on {under}",
         {"over": lambda: sum(1 for c in saturated("vllm") if c.error > 0), "n": lambda: len(saturated("vllm")),
          "under": lambda: sum(1 for c in saturated("vllm") if c.error < 0)}),
    Fact("docs/sizing.md", "re-derives them with the same reader): {read} of {total},", {"read": lambda: model_rows(True), "total": model_rows}),
    Fact("docs/sizing.md", "attention in {m.kv_layers} of its {m.layers} layers, each with its own KV heads",
         {"m": lambda: catalog().model("nvidia/Llama-3_3-Nemotron-Super-49B-v1")}),
    Fact("docs/sizing.md", "keeps the latent in vLLM's {b}-byte form", {"b": constant("hangar.sizing.kv", "FP8_DS_MLA_BYTES")}),
    Fact("docs/sizing.md", "`global_kv_heads` x `global_head_dim` ({m.global_kv_heads} x {m.global_head_dim}) where its sliding layers cache"
         " {m.kv_heads} x {m.head_dim}", {"m": lambda: catalog().model("google/gemma-4-26B-A4B")}),
    Fact("docs/sizing.md", "standard support on 2026-12-01 (EKS {v}, in standard support until {end})",
         {"v": eks_default, "end": lambda: kubernetes_row("eks", eks_default()).end_of_standard_support.isoformat()},
         why="2026-12-01 is the day the defaults were judged (hangar/spec/clusters.py DEFAULT_KUBERNETES_VERSIONS)"),
    Fact("docs/sizing.md", "`gpu_memory_utilization` (default {u:.2f})", {"u": UTILISATION}),
    Fact("docs/sizing.md", "usable = accelerator memory (GiB) × TP degree × {u:.2f} needed = weights + {gib:g} GiB per accelerator",
         {"u": UTILISATION, "gib": OVERHEAD}),
    Fact("docs/sizing.md", "bytes per parameter: {bf16:g} for bf16/fp16, {fp8:g} for fp8/int8, and {awq:g} for the 4-bit formats",
         {"bf16": lambda: bytes_per_param("bf16"), "fp8": lambda: bytes_per_param("fp8"), "awq": lambda: bytes_per_param("awq")}),
    Fact("docs/sizing.md", "4-bit weights plus a 16-bit scale and a 4-bit zero point per group of 128 ≈ {bits:g} bits",
         {"bits": lambda: bytes_per_param("awq") * 8}, why="4-bit, 16-bit and 128 describe vLLM's AWQ/GPTQ weights (hangar.sizing.memory)"),
    Fact("docs/lora.md", "one slot of rank {r} on DeepSeek-V3 over {tp} GPUs takes {gib:.1f} GiB on each",
         {"r": constant("hangar.sizing.lora", "DEFAULT_MAX_LORA_RANK"), "tp": lambda: 8,
          "gib": lambda: deepseek_v3_slot_gib(constant("hangar.sizing.lora", "DEFAULT_MAX_LORA_RANK")(), 8)},
         why="the rank is vLLM's --max-lora-rank default; 8 GPUs are one H200 or B200 node, the smallest that holds DeepSeek-V3"),
    Fact("docs/sizing.md", "it picks `awq_marlin` (`gptq_marlin`) from\n  compute capability {cc:.1f} on, and below that the plain kernels run AWQ from {awq:.1f} and GPTQ from {gptq:.1f}",
         {"cc": lambda: kernels("v0.11.2").marlin_min_capability / 10, "awq": lambda: kernels("v0.11.2").min_capability["awq"] / 10,
          "gptq": lambda: kernels("v0.11.2").min_capability["gptq"] / 10}),
    Fact("docs/sizing.md", "bitsandbytes quantises in flight to {bits} bits, and\n  at {v} is a plugin the image lacks",
         {"bits": code_says("hangar.precision", "`load_in_4bit=True`", 4), "v": lambda: kernels("v0.33.0").release}),
    Fact("docs/sizing.md", "with an e4m3 scale per block ({g} weights, {b:g} bytes a weight;",
         {"g": constant("hangar.catalog.modelopt", "NVFP4_GROUP"), "b": constant("hangar.sizing.quant_kernels", "NVFP4_BYTES_PER_WEIGHT")}),
    Fact("docs/sizing.md", "cores from compute capability {native:.1f} (Blackwell) and as Marlin weight-only below, from {marlin:.1f} (a T4); {old}, whose NVFP4",
         {"native": lambda: constant("hangar.sizing.quant_kernels", "NVFP4_NATIVE")() / 10, "old": lambda: kernels("v0.11.2").release,
          "marlin": lambda: constant("hangar.sizing.quant_kernels", "NVFP4_MARLIN")()["v0.33.0"] / 10}),
    Fact("docs/sizing.md", "installed, only from {native:.1f}.", {"native": lambda: constant("hangar.sizing.quant_kernels", "NVFP4_NATIVE")() / 10}),
    Fact("docs/sizing.md", "dense FP4 peak (B200: {fp4:,.0f} TFLOPS, {ratio:g} times its bf16",
         {"fp4": lambda: catalog().performance["B200"].dense_fp4_tflops,
          "ratio": lambda: catalog().performance["B200"].dense_fp4_tflops / catalog().performance["B200"].dense_bf16_tflops}),
    Fact("docs/sizing.md", "per release**: at {v}, told `--quantization awq`", {"v": lambda: kernels("v0.11.2").release}),
    Fact("docs/sizing.md", "on a V100). At {v}\n  `awq`", {"v": lambda: kernels("v0.33.0").release}),
    Fact("docs/sizing.md", "at {v} (its PyPI sdist, commit 4ba787ec9, read 2026-12-02)", {"v": lambda: kernels("v0.33.0").release},
         why="the commit and date say where and when vLLM's source was read (hangar.sizing.quant_kernels)"),
    Fact("docs/policy-pack.md", "GPTQ needs a Turing or newer GPU from {v})", {"v": lambda: kernels("v0.33.0").release},
         why="Turing is compute capability 7.5, v0.33.0's minimum for GPTQ (hangar.sizing.quant_kernels)"),
    Fact("docs/sizing.md", "the catalog's own columns, from vLLM {v}'s docs table, stay in",
         {"v": lambda: re.search(r"docs\.vllm\.ai/en/(v[0-9.]+)/features/quantization", catalog().gpu("V100-16GB").source).group(1)}),
    Fact("docs/sizing.md", "For that online fp8 Hangar passes `--quantization {old}` at {r_old} and `{new}` at\n  {r_new}, which deprecates",
         {"old": lambda: _online_fp8()["v0.11.2"], "r_old": lambda: kernels("v0.11.2").release, "new": lambda: _online_fp8()["v0.33.0"],
          "r_new": lambda: kernels("v0.33.0").release}),
    Fact("docs/sizing.md", "On AMD GPUs\n  {v}'s ROCm code runs both", {"v": lambda: _rocm_read(True)}),
    Fact("docs/sizing.md", "(neither on an MI300X) at {v}, whose ROCm path it did not read", {"v": lambda: _rocm_read(False)}),
    Fact("docs/sizing.md", "one method that picks Marlin itself, now from compute capability {cc:.1f} on",
         {"cc": lambda: kernels("v0.33.0").marlin_min_capability / 10}),
    Fact("docs/sizing.md", "Marlin takes the checkpoints Hangar sizes ({bits}-bit, groups of {group}:",
         {"bits": constant("hangar.sizing.quant_kernels", "SIZED_BITS"), "group": constant("hangar.sizing.quant_kernels", "SIZED_GROUP")}),
    Fact("docs/sizing.md", "Llama 3.1 70B's {b:.1f}B-parameter pair decides whether it starts in fp8 on one\n  H100 at {k}k in {v}'s share of the memory: it does not",
         {"b": lambda: llama_70b_fp8_at_8k()[0], "k": lambda: llama_70b_fp8_at_8k()[1], "v": lambda: constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[0]}),
    Fact("docs/sizing.md", "**Overhead** of {gib:g} GiB per accelerator", {"gib": OVERHEAD}),
    Fact("docs/sizing.md", "(Gemma 2 and 3,\ngpt-oss)", why="model names"),
    Fact("docs/sizing.md", "(at {v} the larger's, where it is under {r:g}\ntimes the smaller)",
         {"v": ENGINE, "r": code_says("hangar.sizing.kv_pool", "max(counts) < 1.5 * min(counts)", 1.5)}),
    Fact("docs/sizing.md", "Gemma 3 27B's {sliding} sliding and {full} full layers make six sliding groups of ten, so the pool pays for {padding} padding\n"
         "layers: 65,536-token sequences on one H200 number {old} at v0.11.2 and {new} at {v}, where {free} would fit if the padding were\nfree. {v}'s",
         {"sliding": lambda: _gemma_3_groups()["sliding"], "full": lambda: _gemma_3_groups()["full"], "padding": lambda: _gemma_3_groups()["padding"],
          "old": lambda: _gemma_3_groups()["old"], "new": lambda: _gemma_3_groups()["new"], "free": lambda: _gemma_3_groups()["free"], "v": ENGINE,
          "_": _six_groups}),
    Fact("docs/sizing.md", "v0.11.2's sums the layers. gpt-oss's halves need none (vLLM\nv0.11.2 and {v}", {"v": ENGINE}),
    Fact("docs/sizing.md", "`get_max_concurrency_for_kv_cache_config`, {v}\n", {"v": ENGINE}),
    Fact("docs/sizing.md", "reads {x:.2f} times the published expert bytes at\n  v0.11.2 (Marlin) and the published bytes at {v} (OAI Triton)",
         {"x": _marlin_read, "v": ENGINE}),
    Fact("docs/sizing.md", "Devstral Small 2, OLMo 3.1) state", why="model names"),
    Fact("docs/sizing.md", "(unless `VLLM_ALLOW_LONG_MAX_MODEL_LEN=1`)", why="the value vLLM reads as true (vllm/envs.py), not a figure of the project"),
    Fact("docs/sizing.md", "yarn rope scaling: {old} takes `original_max_position_embeddings` × `factor`, {new} keeps the length the keys",
         {"old": lambda: constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[0], "new": ENGINE}),
    Fact("docs/sizing.md", "(factor {f:g} over {orig:,}, `max_position_embeddings`\nleft at {mpe:,}), gets {a:,} tokens at {old} and {b:,} at {new}: at {new} raise",
         {"f": lambda: _yarn("factor"), "orig": lambda: _yarn("original_max_position_embeddings"),
          "mpe": lambda: _qwen3_yarn(ENGINE()), "a": lambda: _qwen3_yarn(constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[0]),
          "old": lambda: constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[0],
          "b": lambda: _qwen3_yarn(ENGINE()), "new": ENGINE}),
    Fact("docs/sizing.md", "The catalog's `max_context_tokens` is {new}'s", {"new": ENGINE}),
    Fact("docs/sizing.md", "`original_max_position_embeddings` ({n:,};\n`Phi3Config`'s default where the file has none)",
         {"n": lambda: constant("hangar.catalog.context_length", "LONGROPE_CLASS_DEFAULTS")()["phi3"]}),
    Fact("docs/sizing.md", "compute capability ≥ {cc}", {"cc": code_says("hangar.sizing.capability", "needs compute capability >= 8.9", "8.9")}),
    Fact("docs/sizing.md", "a one-byte scale per {n} values, {bits:g} bits a weight",
         {"n": constant("hangar.sizing.mxfp4", "MXFP4_BLOCK"), "bits": lambda: constant("hangar.sizing.mxfp4", "MXFP4_BYTES_PER_WEIGHT")() * 8}),
    Fact("docs/sizing.md", "up to a multiple of {inner} and the hidden width up to {hidden}; FlashInfer on Blackwell rounds both up to {fi}",
         {"inner": lambda: mxfp4("MARLIN").intermediate_multiple, "hidden": lambda: mxfp4("MARLIN").hidden_multiple,
          "fi": lambda: mxfp4("FLASHINFER_SM100").hidden_multiple}),
    Fact("docs/sizing.md", "At {v} Marlin", {"v": lambda: constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[0]}),
    Fact("docs/sizing.md", "gpt-oss-120b's {published:.1f} GiB\n  checkpoint takes {resident:.1f} GiB on one H100, and at its full context {v} would not start there",
         {"published": lambda: gpt_oss_gib(None), "resident": lambda: gpt_oss_gib("H100-SXM", "v0.11.2"), "v": lambda: constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[0]}),
    Fact("docs/sizing.md", "At {v} (the\n  default) Hopper runs the OAI Triton kernels, which round only each GPU's share of the width, to a multiple of {m}:\n  the checkpoint's own size",
         {"v": ENGINE, "m": lambda: mxfp4("OAI_TRITON").intermediate_multiple,
          "_": _gpt_oss_unpadded_on_h100}),
    Fact("docs/sizing.md", "Blackwell's TRT-LLM kernel rounds to {i} and {h}",
         {"i": lambda: mxfp4("TRTLLM_SM100").intermediate_multiple, "h": lambda: mxfp4("TRTLLM_SM100").hidden_multiple}),
    Fact("docs/sizing.md", "vLLM refuses mxfp4 below compute capability {cc:.1f}", {"cc": lambda: mxfp4("MIN_CAPABILITY") / 10}),
    Fact("docs/sizing.md", "eight {bits}-bit values an int32, a {scale}-bit scale per group and, asymmetric, a {bits}-bit zero point per group"
         " ({big_bytes:.3f} bytes a weight at groups of {big}, {small_bytes:g} at {small}), experts included, the token embedding and output head"
         " in {kept} bits",
         {"bits": code_says("hangar.sizing.wna16", "int32 holding eight 4-bit", 4),
          "scale": code_says("hangar.sizing.wna16", "(`params_dtype`, 16 bits)", 16),
          "big_bytes": lambda: wna16("bytes_per_weight")("w4a16-g128"), "big": lambda: max(_w4a16_groups()),
          "small_bytes": lambda: wna16("bytes_per_weight")("w4a16-g32"), "small": lambda: min(_w4a16_groups()),
          "kept": lambda: constant("hangar.sizing.embeddings", "EMBEDDING_BYTES")() * 8}),
    Fact("docs/sizing.md", "vLLM {old} runs it from compute capability {a:.1f} (the scheme's floor), {new} from {b:.1f} (a T4), on Machete on"
         " Hopper for groups of {g1} and {g2} and on Marlin otherwise; on AMD GPUs {new} runs its Triton W4A16 kernel, while {old} has none",
         {"old": lambda: _release(0), "new": lambda: _release(1), "a": lambda: wna16("MIN_CAPABILITY")[_release(0)] / 10,
          "b": lambda: wna16("MIN_CAPABILITY")[_release(1)] / 10, "g1": lambda: _machete_groups()[0], "g2": lambda: _machete_groups()[1],
          "_": lambda: "" if wna16("kernel_refusal")("AMD", None, _release(1)) is None and wna16("kernel_refusal")("AMD", None, _release(0)) else 1 / 0}),
    Fact("docs/sizing.md", "refused ({old}'s MoE methods assert symmetric", {"old": lambda: _release(0)}),
    Fact("docs/sizing.md", "Kimi K2.5's routed experts at {b:g} bytes a weight", {"b": lambda: wna16("bytes_per_weight")(catalog().model("moonshotai/Kimi-K2.5").dtype)}),
    Fact("docs/sizing.md", "vLLM {new} runs its experts on Humming on Hopper, Marlin on the other GPUs from a T4 on, and Triton on older ones and on"
         " AMD GPUs; {old} on Marlin from compute capability {cc:.1f}. An",
         {"old": lambda: _release(0), "new": lambda: _release(1), "cc": lambda: min(c for c in (75, 80, 90) if wna16("moe_kernel")(c, 32, _release(0))) / 10,
          "_": lambda: "" if [wna16("moe_kernel")(c, 32, _release(1)) for c in (90, 75, 70, None)] == ["Humming", "Marlin", "Triton", "Triton"] else 1 / 0}),
    Fact("docs/sizing.md", "(routed experts left unquantised, which {old}'s MoE method", {"old": lambda: _release(0)}),
    Fact("docs/sizing.md", "LoRA on int4 experts fails to start at {old}, whose MoE LoRA reads weights such a layer does not have, while {new} runs"
         " it on Marlin's experts",
         {"old": lambda: next(r for r, rules in _lora_rules().items() if not rules.int4_experts),
          "new": lambda: next(r for r, rules in _lora_rules().items() if rules.int4_experts)}),
    Fact("docs/sizing.md", "other weight-only schemes (8 bits,", why="the 8-bit weights vLLM's CompressedTensorsWNA16 also takes, which the reader refuses"),
    Fact("docs/sizing.md", "Sources: vLLM {old} (read from the PyPI sdist, commit 275de3417; the default engine, {v}, re-read",
         {"old": lambda: constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[0], "v": ENGINE}),
    Fact("docs/sizing.md", "`2 × KV heads × head size × bytes per element` (2 for the default 16-bit cache, 1 with `kv_cache_dtype: fp8`)",
         why="the size of a key and a value per KV head, by definition"),
    Fact("docs/sizing.md", "allocates the cache in blocks of {n} tokens", {"n": constant("hangar.sizing.engine", "BLOCK_SIZE")}),
    Fact("docs/sizing.md", "and at {v} a sliding-window layer keeps", {"v": lambda: constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[1]}),
    Fact("docs/sizing.md", "SOSP 2023", why=CITATION),
    Fact("docs/sizing.md", "counts each kind of layer as vLLM {v}'s", {"v": lambda: constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[0]}),
    Fact("docs/sizing.md", "`max(1, KV heads ÷ TP)`", {}, why="vLLM's formula (ModelConfig.get_num_kv_heads, cited beside it)"),
    Fact("docs/sizing.md", "within one node (vLLM {v}'s", {"v": ENGINE}),
    Fact("docs/sizing.md", "At {old}, which serves Qwen3-Next but not Qwen3.5, prefix caching is off",
         {"old": lambda: _release(0), "_": lambda: "" if not qwen3_next_on_two_h200s(_release(0))[1].prefix_caching else 1 / 0}),
    Fact("docs/sizing.md", "at {new} it is on (`mamba_cache_mode` \"align\") and a sequence keeps two, three where FlashInfer runs the Gated"
         " DeltaNet prefill (Hopper and Blackwell), whose checkpoints also make the block a multiple of {align} tokens",
         {"new": lambda: _release(1), "align": constant("hangar.sizing.kv_pool", "GDN_CHECKPOINT_ALIGNMENT"),
          "_": lambda: "" if qwen3_next_on_two_h200s(_release(1))[1].state_pages == 3 else 1 / 0}),
    Fact("docs/sizing.md", "twice the 16-bit size", why="float32 is 32 bits, twice 16"),
    Fact("docs/sizing.md", "takes blocks of {b_old} tokens at {old} and {b_new} at {new}, and holds {n_old} and {n_new} sequences of its full"
         " {ctx:,} tokens",
         {"b_old": lambda: qwen3_next_on_two_h200s(_release(0))[1].block_size, "old": lambda: _release(0),
          "b_new": lambda: qwen3_next_on_two_h200s(_release(1))[1].block_size, "new": lambda: _release(1),
          "n_old": lambda: qwen3_next_on_two_h200s(_release(0))[0].capacity_sequences,
          "n_new": lambda: qwen3_next_on_two_h200s(_release(1))[0].capacity_sequences,
          "ctx": lambda: catalog().model("Qwen/Qwen3-Next-80B-A3B-Thinking").max_context_tokens}),
    Fact("docs/sizing.md", "at {t:,} tokens {new} holds {n}, where one state per sequence would give {naive}",
         {"t": lambda: 32_768, "new": lambda: _release(1), "n": lambda: qwen3_next_on_two_h200s(_release(1), 32_768)[0].capacity_sequences,
          "naive": lambda: qwen3_next_one_state_a_sequence(32_768)}, why="32,768 tokens is an example context"),
    Fact("docs/sizing.md", "holds (blocks − 1) ÷ (blocks of one sequence) sequences", why="the one null block (hangar.sizing.kv_pool)"),
    Fact("docs/sizing.md", "from {new} the start-up check holds that block back too: at {pct:.0f} % of one H100, Llama 3.1 70B in fp8 starts with up"
         " to {t_old:,} tokens at {old} and {t_new:,} at {new}",
         {"new": lambda: _release(1), "pct": lambda: 92, "old": lambda: _release(0),
          "t_old": lambda: llama_70b_fp8_longest(_release(0)), "t_new": lambda: llama_70b_fp8_longest(_release(1))},
         why="92 % is v0.33.0's default, pinned for both releases to show the block alone"),
    Fact("docs/sizing.md", "(vLLM {v} `get_max_concurrency_for_kv_cache_config`", {"v": ENGINE}),
    Fact("docs/sizing.md", "CACM 52(4), 2009", why=CITATION),
    Fact("docs/sizing.md", "about 2 × (active) parameters FLOPs", why="the approximation of the paper cited beside it"),
    Fact("docs/sizing.md", "section 2.1", why=CITATION),
    Fact("docs/sizing.md", "(output tokens per second × 3600) × 10⁶, with the node fully busy; a month is {h} hours",
         {"h": constant("hangar.sizing.throughput", "HOURS_PER_MONTH")}, why="3600 s an hour, per million tokens"),
    Fact("docs/sizing.md", "ends once the licensee makes more than US${cap:,.0f} a year",
         {"cap": lambda: catalog().licence("stability-ai-community").licensee_annual_revenue_cap_usd}),
]


FACTS += SERVING_FACTS + LORA_FACTS + PARALLEL_FACTS + KIMI_FACTS + MODEL_FACTS + MIXED_FACTS
