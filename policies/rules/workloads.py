"""Recognise model-serving workloads in any program's Kubernetes resources, by their engine's flags.

A Deployment, StatefulSet, Job, Pod or LeaderWorkerSet whose container runs vLLM or TGI is a
serving workload, whoever wrote it; Hangar's own labels are not needed. The served model is read
in every form the engines take it: vLLM's positional `vllm serve MODEL` (flags may come before or
after it) and the older `--model MODEL` / `--model=MODEL` (vLLM v0.11.2 still accepts it, with a
deprecation warning; v0.33.0 too, vllm/engine/arg_utils.py), the OpenAI server module (`python -m vllm.entrypoints.openai.api_server
--model MODEL`), a shell that ends in `vllm serve "$@"` with the model among the container's
args (a multi-host leader), and TGI's `--model-id`. A model given as a local directory (weights
staged on a volume) is known by its `--served-model-name`. A container of a vLLM image whose
`command` runs another program (a Job staging weights with `python3 -c ...`) serves nothing. The flags are read
with the options of the release the image tag names (`hangar.policies.rules.vllm_flags`).
"""

from __future__ import annotations

import dataclasses
import shlex
from typing import Any, Iterable

from hangar.policies.rules.vllm_flags import image_release, is_switch, short_option, short_switch

from hangar.precision import PRECISION_ANNOTATION
from hangar.records import ResourceRecord
from hangar.sizing.lora import DEFAULT_MAX_LORA_RANK, DEFAULT_MAX_LORAS, LoraSlots
from hangar.sizing.quant_kernels import ONLINE_FP8_NAMES

POD_SPEC_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "kubernetes:apps/v1:Deployment": (("spec", "template", "spec"),),
    "kubernetes:apps/v1:StatefulSet": (("spec", "template", "spec"),),
    "kubernetes:apps/v1:DaemonSet": (("spec", "template", "spec"),),
    "kubernetes:batch/v1:Job": (("spec", "template", "spec"),),
    "kubernetes:core/v1:Pod": (("spec",),),
    "kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet": (
        ("spec", "leaderWorkerTemplate", "leaderTemplate", "spec"),
        ("spec", "leaderWorkerTemplate", "workerTemplate", "spec"),
    ),
}
ACCELERATOR_RESOURCES = ("nvidia.com/gpu", "google.com/tpu", "amd.com/gpu")


def selector_text(selector: dict[str, str]) -> str:
    """A nodeSelector as messages show it, keys sorted: the engine does not send a map's keys in the program's order."""
    return str(dict(sorted(selector.items())))


@dataclasses.dataclass(frozen=True)
class ServingWorkload:
    """What a serving workload asks of its hardware, read from its engine flags and pod spec."""

    urn: str
    name: str
    engine: str
    model: str | None
    tensor_parallel: int
    max_model_len: int | None
    max_num_seqs: int | None
    quantization: str | None
    dtype: str | None
    kv_cache_dtype: str | None
    gpu_memory_utilization: float | None
    accelerators: dict[str, int]
    """Accelerator resource → count requested per pod (e.g. {"nvidia.com/gpu": 2})."""
    node_selector: dict[str, str]
    labels: dict[str, str]
    lora: LoraSlots | None = None
    """With vLLM's `--enable-lora`: its `--max-loras`, `--max-lora-rank` and `--fully-sharded-loras` (vLLM's defaults where left out)."""
    image: str = ""
    """The serving container's image, as the program names it."""
    planned_precision: str | None = None
    """The precision Hangar planned where the flags cannot say it (`hangar.precision.PRECISION_ANNOTATION`: int8, int4)."""
    prefix_caching: bool | None = None
    """vLLM's `--enable-prefix-caching` / `--no-enable-prefix-caching`; None where neither is given (vLLM's default, on)."""
    trust_remote_code: bool = False
    """vLLM's `--trust-remote-code`: the server may run the model repository's own configuration code."""
    data_parallel: int = 1
    """vLLM's `--data-parallel-size` (`-dp`): engines of `tensor_parallel` GPUs in the pod (`hangar.sizing.experts`)."""
    expert_parallel: bool = False
    """vLLM's `--enable-expert-parallel` (`-ep` at v0.33.0)."""
    allow_long_max_model_len: bool = False
    """The container sets VLLM_ALLOW_LONG_MAX_MODEL_LEN to 1 or true (vllm/envs.py at v0.11.2 and v0.33.0, read 2026-12-02):
    vLLM then starts with a `--max-model-len` above the context it derives (`hangar.sizing.context`)."""

    @property
    def accelerators_needed(self) -> int:
        """GPUs the engine flags ask of the pod: tensor x data parallel."""
        return self.tensor_parallel * self.data_parallel

    @property
    def precision(self) -> str:
        """The weight precision the flags name, in the catalog's terms: fp8, awq, gptq, mxfp4, int8, fp16 or bf16
        (`hangar.precision.engine_precision` adds what vLLM loads from a quantised checkpoint without the flag)."""
        if self.quantization in ("fp8", "awq", "gptq", "mxfp4"):
            return self.quantization
        if self.quantization in ONLINE_FP8_NAMES:  # v0.33.0's online fp8, which deprecates `fp8` for a 16-bit checkpoint
            return "fp8"
        if self.quantization in ("int8", "bitsandbytes", "w8a8"):
            return "int8"
        if self.quantization in ("modelopt", "modelopt_fp4"):  # vLLM's names for a ModelOpt checkpoint's methods (hangar.catalog.modelopt)
            return "fp8" if self.quantization == "modelopt" else "nvfp4"
        if self.quantization in ("awq_marlin", "gptq_marlin"):
            return self.quantization.split("_")[0]
        if self.quantization in ("auto_awq", "auto_gptq"):  # vLLM v0.33.0's names for them (`hangar.sizing.quant_kernels`)
            return self.quantization.split("_")[1]
        return "fp16" if self.dtype in ("float16", "half", "fp16") else "bf16"


def serving_workloads(records: Iterable[ResourceRecord]) -> list[ServingWorkload]:
    """Every serving workload among the records (one per workload resource, from its first serving container)."""
    found = []
    for record in records:
        for path in POD_SPEC_PATHS.get(record.type, ()):
            pod = dig(record.inputs, path)
            workload = _from_pod(record, pod) if isinstance(pod, dict) else None
            if workload is not None:
                found.append(workload)
                break
    return found


def _from_pod(record: ResourceRecord, pod: dict[str, Any]) -> ServingWorkload | None:
    for container in pod.get("containers") or []:
        command = [str(word) for word in container.get("command") or []]
        args = [str(word) for word in container.get("args") or []]
        words = _expand_shell(command, args)
        image = str(container.get("image", ""))
        engine = _engine(image, words, overrides_entrypoint=bool(command))
        if engine is None:
            continue
        if engine == "vllm" and not command and _serve_at(words) is None and not any("vllm.entrypoints" in word for word in words):
            words = ["vllm", "serve", *words]  # args only: the image's ENTRYPOINT ["vllm", "serve"] runs them (docker/Dockerfile)
        flags, positional = _parse_flags(words, image_release(image) if engine == "vllm" else None)
        model = _served_model(flags, positional)
        resources = container.get("resources") or {}
        requested = {**(resources.get("requests") or {}), **(resources.get("limits") or {})}
        accelerators = {name: int(float(requested[name])) for name in ACCELERATOR_RESOURCES if name in requested}
        metadata = record.inputs.get("metadata") or {}
        return ServingWorkload(
            urn=record.urn,
            name=str(metadata.get("name") or record.name),
            engine=engine,
            model=model,
            tensor_parallel=_int(flags.get("tensor-parallel-size") or flags.get("tp") or flags.get("num-shard")) or 1,
            max_model_len=_int(flags.get("max-model-len") or flags.get("max-total-tokens")),
            max_num_seqs=_int(flags.get("max-num-seqs") or flags.get("max-concurrent-requests")),
            quantization=flags.get("quantization") or flags.get("quantize"),
            dtype=flags.get("dtype"),
            kv_cache_dtype=flags.get("kv-cache-dtype"),
            gpu_memory_utilization=_float(flags.get("gpu-memory-utilization")),
            accelerators=accelerators,
            node_selector={str(k): str(v) for k, v in (pod.get("nodeSelector") or {}).items()},
            labels={str(k): str(v) for k, v in (metadata.get("labels") or {}).items()},
            planned_precision=(metadata.get("annotations") or {}).get(PRECISION_ANNOTATION),
            lora=_lora(flags) if engine == "vllm" else None,
            image=image,
            prefix_caching=_prefix_caching(flags) if engine == "vllm" else None,
            trust_remote_code=engine == "vllm" and flags.get("trust-remote-code", "false").lower() != "false",
            data_parallel=(_int(flags.get("data-parallel-size") or flags.get("dp")) or 1) if engine == "vllm" else 1,
            expert_parallel=engine == "vllm" and flags.get("enable-expert-parallel", "false").lower() != "false",
            allow_long_max_model_len=_env_true(container, "VLLM_ALLOW_LONG_MAX_MODEL_LEN"),
        )
    return None


def _env_true(container: dict[str, Any], name: str) -> bool:
    """Whether the container's env sets `name` to a literal vLLM reads as true ("1" or "true", any case and spaces)."""
    for entry in container.get("env") or []:
        if isinstance(entry, dict) and entry.get("name") == name and isinstance(entry.get("value"), str):
            return entry["value"].strip().lower() in ("1", "true")
    return False


def _prefix_caching(flags: dict[str, str]) -> bool | None:
    if flags.get("no-enable-prefix-caching", "false").lower() != "false":
        return False
    given = flags.get("enable-prefix-caching")
    return None if given is None else given.lower() != "false"


def _lora(flags: dict[str, str]) -> LoraSlots | None:
    if flags.get("enable-lora", "false").lower() == "false":
        return None
    return LoraSlots(
        slots=_int(flags.get("max-loras")) or DEFAULT_MAX_LORAS,
        rank=_int(flags.get("max-lora-rank")) or DEFAULT_MAX_LORA_RANK,
        fully_sharded=flags.get("fully-sharded-loras", "false").lower() != "false",
        expert_parallel=flags.get("enable-expert-parallel", "false").lower() != "false" and _gpus(flags) > 1,
        data_parallel=_int(flags.get("data-parallel-size") or flags.get("dp")) or 1,
        all2all_backend=flags.get("all2all-backend"),
    )


def _gpus(flags: dict[str, str]) -> int:
    """GPUs a vLLM server spreads one model over: tensor x data parallel (vLLM shards experts over them with expert parallelism)."""
    return (_int(flags.get("tensor-parallel-size") or flags.get("tp")) or 1) * (_int(flags.get("data-parallel-size") or flags.get("dp")) or 1)


SHELLS = ("sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/sh", "/usr/bin/bash")
SHELL_SEPARATORS = ("&&", "||", ";", "|", "&")


def _expand_shell(command: list[str], args: list[str]) -> list[str]:
    """The engine's command line: `command + args`, or for `sh -c SCRIPT [$0 ARGS...]` the script's last
    command with `"$@"` replaced by ARGS (how a container runs the server after a setup step)."""
    words = command + args
    if len(words) < 3 or words[0] not in SHELLS or words[1] != "-c":
        return words
    try:
        script = shlex.split(words[2])
    except ValueError:
        return words
    last: list[str] = []
    for token in script:
        last = [] if token in SHELL_SEPARATORS else [*last, token]
    if last[:1] == ["exec"]:
        last = last[1:]
    expanded: list[str] = []
    for token in last:
        expanded += words[4:] if token in ("$@", "${@}") else [token]
    return expanded


def _engine(image: str, words: list[str], *, overrides_entrypoint: bool = False) -> str | None:
    """The engine a container runs. A vLLM image runs `vllm serve` (its ENTRYPOINT) unless the container's
    `command` replaces it with something that is not the server (a weight-staging `python3 -c ...`)."""
    if _serve_at(words) is not None or any("vllm.entrypoints" in word for word in words):
        return "vllm"
    if "vllm" in image.lower() and not overrides_entrypoint:
        return "vllm"
    if "text-generation-inference" in image:
        return "tgi"
    return None


def _parse_flags(words: list[str], release: str | None = None) -> tuple[dict[str, str], list[str]]:
    """`--flag value`, `--flag=value` and bare `--switch` into a dict, as vLLM `release` takes them (the pinned one's
    options where None); the rest stays positional."""
    flags: dict[str, str] = {}
    positional: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("--"):
            name, has_value, value = word[2:].partition("=")
            if not has_value:
                following = words[index + 1] if index + 1 < len(words) else None
                if following is not None and not following.startswith("--") and not is_switch(name.replace("_", "-"), release):
                    value = following
                    index += 1
                else:
                    value = "true"
            flags[name.replace("_", "-")] = value
        elif word[:1] == "-" and short_option(word[1:], release) and index + 1 < len(words):
            flags[short_option(word[1:], release) or ""] = words[index + 1]
            index += 1
        elif word[:1] == "-" and short_switch(word[1:], release):
            flags[short_switch(word[1:], release) or ""] = "true"
        else:
            positional.append(word)
        index += 1
    return flags, positional


def _serve_at(words: list[str]) -> int | None:
    """Index of `serve` in `vllm serve` (the executable given by name or path), if the words run it."""
    for index in range(len(words) - 1):
        if words[index].rsplit("/", 1)[-1] == "vllm" and words[index + 1] == "serve":
            return index + 1
    return None


def _served_model(flags: dict[str, str], positional: list[str]) -> str | None:
    """The model: `--model` / `--model-id`, else the first positional word after `vllm serve`; a local
    directory is named by its first `--served-model-name` when one is given."""
    model = flags.get("model") or flags.get("model-id")
    if model is None:
        serve = _serve_at(positional)
        if serve is not None:
            model = next((word for word in positional[serve + 1 :] if not word.startswith("-")), None)
    if model is not None and model.startswith(("/", "./", "../")) and flags.get("served-model-name"):
        return flags["served-model-name"].split()[0]
    return model


def dig(value: Any, path: tuple[str, ...]) -> Any:
    """The value at `path` through nested dicts; None where a step is missing or not a dict."""
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _int(text: str | None) -> int | None:
    try:
        return int(float(text)) if text is not None else None
    except ValueError:
        return None


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None
