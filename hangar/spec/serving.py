"""A model deployment: the engine, precision, context and concurrency, autoscaling, exposure and caches."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from hangar.engine_release import (
    ENGINE_VERSION,
    ENGINE_VERSION_PATTERN,
    GPU_MEMORY_UTILIZATION,
    RELEASE_DEFAULTS,
    VERIFIED_RELEASES,
    release_defaults,
)
from hangar.spec.adapters import Lora
from hangar.spec.base import (
    LatencyClass,
    Name,
    Precision,
    ScalingMetric,
    SpecModel,
    problem,
    raise_problems,
)
from hangar.spec.onprem import public_registry
from hangar.spec.traffic import Slo, Traffic


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
    weight_cache: Literal["pvc", "node-local", "none"] | None = Field(
        None,
        description="Where the server keeps downloaded weights and compiled kernels across restarts: pvc (a ReadWriteOnce claim per replica), "
        "node-local (the node's disk) or none. Unset: pvc when the server downloads its weights (weights.source hub or mirror), none when "
        "they come from a volume (volume, shared), where there is nothing to download.",
    )
    weight_cache_gib: int | None = Field(None, ge=1, description="Size of the weight cache; default from the model's size.")


class Weights(SpecModel):
    """Where the server gets the model's weights: the Hugging Face Hub, a Hub mirror, a volume they were staged on, or a
    shared store Hangar creates and stages them in.

    `hub` downloads from huggingface.co (the default; needs egress). `mirror` downloads from a Hub
    mirror inside the network (`endpoint`, set as HF_ENDPOINT). `volume` loads them from an existing
    PersistentVolumeClaim in the serving namespace (`claim`), mounted read-only, from the directory
    `path` inside it (config.json, tokenizer and weights, as `hf download MODEL --local-dir DIR`
    writes them), with the Hub client offline (HF_HUB_OFFLINE=1). `shared` is the same read-only
    mount of a store Hangar creates for the cluster, reachable from every zone (EFS on EKS, an NFS Azure
    file share on AKS, Filestore on GKE: `hangar.components.*_weights`), filled once by a staging Job from the Hub (or from the mirror at
    `endpoint`) before the servers start: no replica downloads, and no replica is tied to a zone by its
    weights. An air-gapped cluster cannot use `hub`, nor `shared` without a mirror `endpoint`.
    """

    source: Literal["hub", "mirror", "volume", "shared"] = Field(
        "hub", description="hub (huggingface.co), mirror (a Hub mirror at endpoint), volume (staged in claim) or shared (a cross-zone store Hangar creates and stages)."
    )
    endpoint: str | None = Field(
        None,
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="mirror: the Hub mirror's base URL, e.g. 'https://hf-mirror.internal' (HF_ENDPOINT); shared: the mirror the staging Job downloads from (else the Hub).",
    )
    claim: Name | None = Field(None, description="volume: an existing PersistentVolumeClaim in the serving namespace holding the weights.")
    path: str = Field(
        "", pattern=r"^([A-Za-z0-9_][-A-Za-z0-9_.]*(/[A-Za-z0-9_][-A-Za-z0-9_.]*)*)?$", description="volume: the model's directory inside the claim ('' for its root)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Weights:
        problems = []
        if self.source == "mirror" and self.endpoint is None:
            problems.append(problem("endpoint", "source mirror needs the mirror's base URL, e.g. https://hf-mirror.internal", None))
        if self.source not in ("mirror", "shared") and self.endpoint is not None:
            problems.append(problem("endpoint", f"only sources mirror and shared take an endpoint (source is {self.source})", self.endpoint))
        if self.source == "volume" and self.claim is None:
            problems.append(problem("claim", "source volume needs the PersistentVolumeClaim holding the weights", None))
        if self.source != "volume" and (self.claim is not None or self.path):
            problems.append(problem("claim" if self.claim is not None else "path", f"only source volume takes a claim and a path (source is {self.source})", self.claim or self.path))
        raise_problems(problems)
        return self


VOLUME_SOURCES = ("volume", "shared")
"""Weights sources the server reads from a mounted claim instead of downloading."""


class ModelDeployment(SpecModel):
    """A model served on one pool of one cluster."""

    name: Name
    model: str = Field(pattern=r"^[A-Za-z0-9][-A-Za-z0-9_.]*/[A-Za-z0-9][-A-Za-z0-9_.]*$", description="Hugging Face model id, 'org/name'.")
    engine: Literal["vllm"] = Field("vllm", description="Serving engine.")
    engine_version: str = Field(
        ENGINE_VERSION, pattern=ENGINE_VERSION_PATTERN,
        description=f"Pinned engine image version (vLLM releases read: {', '.join(VERIFIED_RELEASES)}; another is sized as {ENGINE_VERSION}).",
    )
    cluster: Name | None = Field(None, description="Cluster to run on; may be omitted when the environment has one cluster.")
    pool: Name = Field(description="GPU node pool or TPU slice to run on.")
    precision: Precision | None = Field(
        None,
        description="Weight precision / quantisation. Unset: as the checkpoint is published (the catalog's dtype: fp8 for DeepSeek V3/R1/V3.2 "
        "and Kimi K2, mxfp4 for gpt-oss, int8 / int4 for a compressed-tensors W8A8 int8 / W4A16 checkpoint, nvfp4 for NVIDIA's NVFP4 repacks), bf16 where the catalog does not know it. A precision the checkpoint cannot be served in is an error (hangar/precision.py).",
    )
    kv_cache_dtype: Literal["auto", "fp8"] = Field("auto", description="KV-cache element type; fp8 halves KV memory.")
    max_context_tokens: int = Field(8192, ge=256, le=10_485_760, description="Longest sequence (prompt + output) served.")
    max_concurrent_sequences: int = Field(16, ge=1, le=4096, description="Sequences batched at once per engine (vLLM --max-num-seqs; a replica runs data_parallel engines).")
    tensor_parallel: int | Literal["auto"] = Field("auto", description="GPUs per engine (per replica without data_parallel); 'auto' picks the smallest that fits.")
    data_parallel: int = Field(
        1, ge=1, le=64,
        description="Engines per replica (vLLM --data-parallel-size), each of tensor_parallel GPUs with its own KV cache and its own "
        "max_concurrent_sequences; the replica's pod takes tensor_parallel x data_parallel GPUs of one node. With a mixture of experts "
        "the routed experts are spread over all those GPUs, the rest of the weights copied per engine.",
    )
    expert_parallel: bool = Field(
        False,
        description="Spread a mixture of experts' routed experts whole over the tensor_parallel x data_parallel GPUs (vLLM "
        "--enable-expert-parallel) instead of splitting every expert's width; only for a model with experts.",
    )
    gpu_memory_utilization: float = Field(
        GPU_MEMORY_UTILIZATION, ge=0.5, le=0.98,
        description="Share of GPU memory the engine may use. Unset: the engine_version's vLLM default ("
        + ", ".join(f"{d.gpu_memory_utilization:.2f} at {tag}" for tag, d in RELEASE_DEFAULTS.items()) + ").",
    )
    latency_class: LatencyClass = Field("interactive", description="realtime, interactive or batch; sets autoscaling defaults.")
    autoscaling: Autoscaling = Field(default_factory=Autoscaling)
    exposure: Exposure = Field(default_factory=Exposure)
    caching: Caching = Field(default_factory=Caching)
    weights: Weights = Field(default_factory=Weights, description="Where the weights come from: the Hub, a Hub mirror or a volume.")
    prompt_templates_dir: Path | None = Field(None, description="Directory of prompt templates mounted into the server.")
    traffic: Traffic | None = Field(None, description="Declared load; with slo, Hangar plans replicas and cost (ESTIMATE) and hangar-capacity checks max_replicas.")
    slo: Slo | None = Field(None, description="p95 latency objective the replicas must meet at the declared traffic.")
    lora: Lora | None = Field(None, description="LoRA adapters served beside the model, each under its own name (hangar/spec/adapters.py).")
    trust_remote_code: bool = Field(
        False,
        description="Let the server run the model repository's own Python (vLLM's --trust-remote-code). Required, and refused "
        "when false, for a model whose config class neither vLLM nor transformers has (Llama-Nemotron's nemotron-nas).",
    )

    @property
    def weight_cache(self) -> str:
        """The weight cache in force: `caching.weight_cache`, else pvc when the server downloads its weights, none when a volume holds them."""
        if self.caching.weight_cache is not None:
            return self.caching.weight_cache
        return "none" if self.weights.source in VOLUME_SOURCES else "pvc"

    @model_validator(mode="before")
    @classmethod
    def _release_utilization(cls, data: Any) -> Any:
        """An unset `gpu_memory_utilization` is the default of the deployment's own vLLM release, not the pinned one's."""
        if isinstance(data, dict) and "gpu_memory_utilization" not in data and isinstance(data.get("engine_version"), str):
            return {**data, "gpu_memory_utilization": release_defaults(data["engine_version"]).gpu_memory_utilization}
        return data

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
        if self.traffic is not None and self.traffic.prompt_tokens + self.traffic.output_tokens > self.max_context_tokens:
            sequence = self.traffic.prompt_tokens + self.traffic.output_tokens
            problems.append(problem("traffic.prompt_tokens", f"prompt_tokens + output_tokens ({sequence}) must be <= max_context_tokens ({self.max_context_tokens})", self.traffic.prompt_tokens))
        raise_problems(problems)
        return self




def serving_problems(environment: Any) -> list[dict[str, Any]]:
    """What a deployment needs of its cluster and tier: weights it can reach, replicas that survive a node."""
    return weights_problems(environment) + spread_problems(environment)


def survives_a_node(tier: str, deployment: ModelDeployment) -> bool:
    """Prod realtime serving must survive the loss of one node: two replicas or more, on two nodes in two zones."""
    return tier == "prod" and deployment.latency_class == "realtime"


REALTIME_MIN_REPLICAS = 2


def spread_problems(environment: Any) -> list[dict[str, Any]]:
    """Prod realtime deployments whose replicas, or whose pool, cannot survive one node: fewer than two replicas,
    a pool of fewer than two nodes (slices), or a cloud pool in fewer than two zones."""
    problems: list[dict[str, Any]] = []
    positions = {cluster.name: index for index, cluster in enumerate(environment.clusters)}
    for index, deployment in enumerate(environment.deployments):
        if not survives_a_node(environment.tier, deployment) or (deployment.cluster is not None and deployment.cluster not in positions):
            continue
        here = f"deployments[{index}]"
        why = "prod realtime serving must survive the loss of one node"
        wanted = deployment.autoscaling.min_replicas
        if wanted is None or wanted < REALTIME_MIN_REPLICAS:
            given = wanted if wanted is not None else "unset (the realtime default is 1)"
            problems.append(problem(f"{here}.autoscaling.min_replicas", f"{why}: at least {REALTIME_MIN_REPLICAS} replicas, on two nodes in two zones", given))
        cluster_index = positions[deployment.cluster] if deployment.cluster else 0
        cluster = environment.clusters[cluster_index]
        problems += _pool_spread_problems(cluster, cluster_index, deployment.pool, why)
    return problems


def _pool_spread_problems(cluster: Any, cluster_index: int, pool_name: str, why: str) -> list[dict[str, Any]]:
    """A pool that cannot put two replicas on two nodes (two slices) in two zones."""
    for kind, pools, most in (("node_pools", cluster.node_pools, "max_nodes"), ("tpu_slices", getattr(cluster, "tpu_slices", []), "max_slices")):
        for pool_index, pool in enumerate(pools):
            if pool.name != pool_name:
                continue
            here = f"clusters[{cluster_index}].{kind}[{pool_index}]"
            problems = []
            if getattr(pool, most) < 2:
                problems.append(problem(f"{here}.{most}", f"{why}: the pool must hold two replicas on two {'slices' if kind == 'tpu_slices' else 'nodes'}", getattr(pool, most)))
            if getattr(cluster, "network", None) is None:
                return problems  # on-prem nodes have no cloud zones: the replicas are spread over nodes
            zones = list(pool.zones or cluster.zones)
            if zones and len(zones) < 2:
                problems.append(problem(f"{here}.zones" if pool.zones else f"clusters[{cluster_index}].zones", f"{why}: the pool must span two zones", zones))
            elif not zones and cluster.network.existing_network_id:
                problems.append(problem(f"{here}.zones", f"{why}: name the pool's zones (two or more) in the existing network, so its replicas can be spread over them", []))
            return problems
    return []  # an unknown pool is reported where pools are checked


def air_gapped(cluster: Any) -> str | None:
    """The key that makes a cluster air-gapped (`network.egress` none in a cloud, `air_gapped` on-prem), or None."""
    if getattr(cluster, "air_gapped", False):
        return "air_gapped"
    network = getattr(cluster, "network", None)
    return "network.egress" if network is not None and network.egress == "none" else None


SHARED_STORES = {"aws": "an EFS file system", "azure": "a zone-redundant NFS Azure file share", "gcp": "a Filestore instance"}
"""The cross-zone store behind `weights.source: shared`, per cloud. On-prem (the site's NFS, as `volume`) is not built."""


def weights_problems(environment: Any) -> list[dict[str, Any]]:
    """Weights a deployment can get: on an air-gapped cluster without the public Hub (a mirror inside, or a volume);
    a shared store only where Hangar builds one, in a network whose subnets it knows."""
    problems = []
    positions = {cluster.name: index for index, cluster in enumerate(environment.clusters)}
    for index, deployment in enumerate(environment.deployments):
        if deployment.cluster is not None and deployment.cluster not in positions:
            continue  # reported as an unknown cluster
        cluster = environment.clusters[positions[deployment.cluster]] if deployment.cluster else environment.clusters[0]
        weights = deployment.weights
        here = f"deployments[{index}].weights"
        if weights.source == "shared":
            problems += _shared_store_problems(cluster, positions[cluster.name], here)
        gap = air_gapped(cluster)
        if gap is None:
            continue
        why = f"cluster {cluster.name!r} is air-gapped (clusters[{positions[cluster.name]}].{gap})"
        if weights.source == "hub":
            problems.append(
                problem(
                    f"{here}.source",
                    f"{why}, so the server cannot download from the Hugging Face Hub: use mirror (with weights.endpoint, "
                    "a Hub mirror inside the network), volume (with weights.claim, a PersistentVolumeClaim the weights were staged on) "
                    "or shared (with weights.endpoint, the mirror its staging Job downloads from)",
                    "hub",
                )
            )
        elif weights.source == "shared" and weights.endpoint is None:
            problems.append(
                problem(f"{here}.endpoint", f"{why}, so the staging Job cannot download from the Hugging Face Hub: name a Hub mirror inside the network", None)
            )
        elif weights.source in ("mirror", "shared") and weights.endpoint and (public := public_registry(weights.endpoint)):
            problems.append(problem(f"{here}.endpoint", f"{why}, and {public} is public: name a mirror inside the network", weights.endpoint))
    return problems


def _shared_store_problems(cluster: Any, cluster_index: int, here: str) -> list[dict[str, Any]]:
    """A shared weight store needs a cloud Hangar builds one on, and (in an existing network) the subnets to reach it from."""
    if cluster.provider not in SHARED_STORES:
        built = ", ".join(f"{cloud} ({store})" for cloud, store in SHARED_STORES.items())
        return [
            problem(
                f"{here}.source",
                f"shared is built for {built} only; cluster {cluster.name!r} is {cluster.provider}: stage the weights on a "
                "ReadOnlyMany/ReadWriteMany claim yourself and use source volume",
                "shared",
            )
        ]
    network = cluster.network
    if cluster.provider == "gcp" and network.existing_network_id:
        return [
            problem(
                f"clusters[{cluster_index}].network.existing_network_id",
                "shared on GKE exports its Filestore share to the node subnet of the network Hangar creates, whose range it knows; "
                "in an existing network stage the weights on a ReadWriteMany claim yourself and use source volume",
                network.existing_network_id,
            )
        ]
    if network.existing_network_id and not network.existing_subnet_ids:
        return [
            problem(
                f"clusters[{cluster_index}].network.existing_subnet_ids",
                "a shared weight store needs a mount target in each node subnet: list the existing network's private subnets",
                [],
            )
        ]
    return []
