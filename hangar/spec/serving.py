"""A model deployment: the engine, precision, context and concurrency, autoscaling, exposure and caches."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from hangar.spec.base import (
    LatencyClass,
    Name,
    Precision,
    ScalingMetric,
    SpecModel,
    problem,
    raise_problems,
)


class Autoscaling(SpecModel):
    """How replicas of a model server scale. Unset fields take the latency class's defaults."""

    min_replicas: int | None = Field(None, ge=0, description="Fewest replicas; 0 means scale to zero (batch only).")
    max_replicas: int = Field(1, ge=1, le=1000, description="Most replicas.")
    metric: ScalingMetric | None = Field(None, description="vLLM metric to scale on.")
    target: float | None = Field(None, gt=0, description="Target value of the metric per replica.")
    scale_up_stabilization_seconds: int | None = Field(None, ge=0, le=3600)
    scale_down_stabilization_seconds: int | None = Field(None, ge=0, le=86400)

    @model_validator(mode="after")
    def _consistent(self) -> Autoscaling:
        problems = []
        if self.min_replicas is not None and self.min_replicas > self.max_replicas:
            problems.append(problem("min_replicas", f"must be <= max_replicas ({self.max_replicas})", self.min_replicas))
        raise_problems(problems)
        return self


class Exposure(SpecModel):
    """Who can reach the model server."""

    scope: Literal["internal", "public"] = Field("internal", description="internal: cluster or internal load balancer; public: internet-facing.")
    auth: Literal["none", "api-key", "oidc"] = Field("none", description="Authentication in front of the server; required for public in prod.")
    allowed_namespaces: list[Name] = Field(default_factory=list, description="Namespaces whose pods may call the server.")
    allowed_cidrs: list[ipaddress.IPv4Network] = Field(default_factory=list, description="CIDRs that may call the server.")


class Caching(SpecModel):
    """Inference caches: the prefix (KV) cache and the model-weight cache."""

    prefix_caching: bool = Field(True, description="Reuse the KV cache of shared prompt prefixes (vLLM --enable-prefix-caching).")
    weight_cache: Literal["pvc", "node-local", "none"] = Field("pvc", description="Where downloaded weights are kept across restarts.")
    weight_cache_gib: int | None = Field(None, ge=1, description="Size of the weight cache; default from the model's size.")


class ModelDeployment(SpecModel):
    """A model served on one pool of one cluster."""

    name: Name
    model: str = Field(pattern=r"^[A-Za-z0-9][-A-Za-z0-9_.]*/[A-Za-z0-9][-A-Za-z0-9_.]*$", description="Hugging Face model id, 'org/name'.")
    engine: Literal["vllm"] = Field("vllm", description="Serving engine.")
    engine_version: str = Field("v0.11.2", pattern=r"^v?[0-9]+\.[0-9]+\.[0-9]+$", description="Pinned engine image version.")
    cluster: Name | None = Field(None, description="Cluster to run on; may be omitted when the environment has one cluster.")
    pool: Name = Field(description="GPU node pool or TPU slice to run on.")
    precision: Precision = Field("bf16", description="Weight precision / quantisation.")
    kv_cache_dtype: Literal["auto", "fp8"] = Field("auto", description="KV-cache element type; fp8 halves KV memory.")
    max_context_tokens: int = Field(8192, ge=256, le=10_485_760, description="Longest sequence (prompt + output) served.")
    max_concurrent_sequences: int = Field(16, ge=1, le=4096, description="Sequences batched at once per replica.")
    tensor_parallel: int | Literal["auto"] = Field("auto", description="GPUs per replica; 'auto' picks the smallest that fits.")
    gpu_memory_utilization: float = Field(0.90, ge=0.5, le=0.98, description="Share of GPU memory the engine may use (vLLM default 0.90).")
    latency_class: LatencyClass = Field("interactive", description="realtime, interactive or batch; sets autoscaling defaults.")
    autoscaling: Autoscaling = Field(default_factory=Autoscaling)
    exposure: Exposure = Field(default_factory=Exposure)
    caching: Caching = Field(default_factory=Caching)
    prompt_templates_dir: Path | None = Field(None, description="Directory of prompt templates mounted into the server.")

    @field_validator("tensor_parallel")
    @classmethod
    def _power_of_two(cls, value: int | str) -> int | str:
        if isinstance(value, int) and (value < 1 or value & (value - 1)):
            raise PydanticCustomError("hangar_tp", "tensor_parallel must be 'auto' or a power of two (1, 2, 4, 8, 16)", {})
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ModelDeployment:
        problems = []
        if self.autoscaling.min_replicas == 0 and self.latency_class != "batch":
            problems.append(
                problem("autoscaling.min_replicas", f"scale to zero is only for latency_class batch (this is {self.latency_class})", 0)
            )
        raise_problems(problems)
        return self


