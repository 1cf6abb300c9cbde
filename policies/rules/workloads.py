"""Recognise model-serving workloads in any program's Kubernetes resources, by their engine's flags.

A Deployment, StatefulSet, Job, Pod or LeaderWorkerSet whose container runs vLLM (`vllm serve
MODEL` or the OpenAI server with `--model MODEL`) or TGI (`--model-id`) is a serving workload,
whoever wrote it; Hangar's own labels are not needed.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from hangar.records import ResourceRecord

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

    @property
    def precision(self) -> str:
        """The weight precision in the catalog's terms: fp8, awq, gptq, int8, fp16 or bf16."""
        if self.quantization in ("fp8", "awq", "gptq"):
            return self.quantization
        if self.quantization in ("int8", "bitsandbytes", "w8a8"):
            return "int8"
        if self.quantization in ("awq_marlin", "gptq_marlin"):
            return self.quantization.split("_")[0]
        return "fp16" if self.dtype in ("float16", "half", "fp16") else "bf16"


def serving_workloads(records: Iterable[ResourceRecord]) -> list[ServingWorkload]:
    """Every serving workload among the records (one per workload resource, from its first serving container)."""
    found = []
    for record in records:
        for path in POD_SPEC_PATHS.get(record.type, ()):
            pod = _dig(record.inputs, path)
            workload = _from_pod(record, pod) if isinstance(pod, dict) else None
            if workload is not None:
                found.append(workload)
                break
    return found


def _from_pod(record: ResourceRecord, pod: dict[str, Any]) -> ServingWorkload | None:
    for container in pod.get("containers") or []:
        words = [str(word) for word in (container.get("command") or []) + (container.get("args") or [])]
        image = str(container.get("image", ""))
        engine = _engine(image, words)
        if engine is None:
            continue
        flags, positional = _parse_flags(words)
        model = flags.get("model") or flags.get("model-id") or _served_model(positional)
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
        )
    return None


def _engine(image: str, words: list[str]) -> str | None:
    if "vllm" in image.lower() or (words[:2] == ["vllm", "serve"]) or any("vllm.entrypoints" in word for word in words):
        return "vllm"
    if "text-generation-inference" in image:
        return "tgi"
    return None


def _parse_flags(words: list[str]) -> tuple[dict[str, str], list[str]]:
    """`--flag value`, `--flag=value` and bare `--switch` into a dict; the rest stays positional."""
    flags: dict[str, str] = {}
    positional: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("--"):
            name, has_value, value = word[2:].partition("=")
            if not has_value:
                following = words[index + 1] if index + 1 < len(words) else None
                if following is not None and not following.startswith("--"):
                    value = following
                    index += 1
                else:
                    value = "true"
            flags[name.replace("_", "-")] = value
        else:
            positional.append(word)
        index += 1
    return flags, positional


def _served_model(positional: list[str]) -> str | None:
    """`vllm serve MODEL`: the word after 'serve'."""
    if "serve" in positional:
        after = positional.index("serve") + 1
        return positional[after] if after < len(positional) else None
    return None


def _dig(value: Any, path: tuple[str, ...]) -> Any:
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
