"""The shape of one model-server replica: accelerators, parallelism, pods and nodes — Pulumi-free.

`replica_shape` is the one place that turns a `ModelDeployment` and the pool it names into what a
replica needs, so the spec (which rejects a pool that cannot hold `max_replicas`), the serving
components (which render requests, args and the workload kind) and the policies agree.

* GPU pools: `tensor_parallel` as given, or for `auto` the smallest valid degree within one node at
  which vLLM starts and its KV cache holds `max_concurrent_sequences` sequences of
  `max_context_tokens` (`hangar.sizing.auto_tp`, with the deployment's precision, KV-cache type and vLLM release);
  when no degree holds them all, the largest at which vLLM starts, and says so (`auto_note`). When
  vLLM starts at no degree of one node, `auto` takes the largest valid degree of one node and says
  so: the hardware policy reports the misfit, and spanning nodes stays an explicit choice. An explicit degree above the node's GPU count spans
  nodes: vLLM's recommended layout, tensor parallelism inside a node (`tensor_parallel` = GPUs
  per node) and pipeline parallelism across nodes (`pipeline_parallel` = nodes per replica).
* TPU slices: a replica owns a whole slice (GKE gives a pod every chip of its host), so the
  tensor-parallel degree is the slice's chip count; a multi-host slice runs one pod per host.

`replica_problems` is the spec-level consistency check: a pool whose `max_nodes` (or a TPU slice
pool whose `max_slices`) cannot hold `max_replicas` replicas is a config error saying how many
nodes are needed.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

from hangar.catalog import Catalog, CatalogLookupError, load_catalog
from hangar.hardware import HardwareChoiceError, pool_instance
from hangar.precision import checkpoint_bytes, deployment_precision, own_quantisation, published_format

if TYPE_CHECKING:
    from hangar.sizing import LoraSlots
    from hangar.spec import ClusterBase, Environment, ModelDeployment

GPU_RESOURCE = "nvidia.com/gpu"
AMD_GPU_RESOURCE = "amd.com/gpu"
"""What the AMD GPU device plugin advertises (ROCm/k8s-device-plugin at amd-gpu-helm-0.21.0, commit e7b9edac:
internal/pkg/plugin/plugin.go's resource namespace `amd.com` and cmd/k8s-device-plugin/main.go's resource `gpu` under the
default `single` naming strategy; read 2026-12-02)."""
TPU_RESOURCE = "google.com/tpu"
DEFAULT_CPU_PER_ACCELERATOR = 4
DEFAULT_MEMORY_GIB_PER_ACCELERATOR = 32
"""Host requests per GPU where the catalog does not know the machine (on-prem nodes)."""
TPU_CPU_PER_CHIP = 8
TPU_MEMORY_GIB_PER_CHIP = 24
"""Host requests per TPU chip: within every GKE TPU host (ct5lp-hightpu-1t has 24 vCPUs and 48 GB per chip)."""
HOST_SHARE = 0.85
"""Share of a node's CPUs and memory (pro rata to its accelerators) a server pod requests: the rest
is left to the kubelet, system daemons and the GPU/TPU device plugins."""


class ReplicaShapeError(ValueError):
    """A deployment whose replica cannot be shaped: `field` is the deployment key at fault, `given` its value."""

    def __init__(self, field: str, message: str, given: Any):
        super().__init__(message)
        self.field = field
        self.given = given


@dataclasses.dataclass(frozen=True)
class ReplicaShape:
    """What one replica of a deployment needs, and what its pool can give."""

    accelerator_resource: str
    """Kubernetes extended resource: `nvidia.com/gpu`, `amd.com/gpu` (`gpu_resource`) or `google.com/tpu`."""
    accelerator: str
    """Catalog name of the accelerator, e.g. 'H100-SXM' or 'TPU v5e'."""
    accelerators_per_node: int
    accelerators_per_pod: int
    pods: int
    """Pods (hosts) per replica: 1, or the nodes a multi-node replica spans."""
    tensor_parallel: int
    pipeline_parallel: int
    pool_max_nodes: int
    """Most nodes of the pool (TPU: slices x hosts per slice)."""
    replicas_per_node: int
    """Replicas that fit on one node (0 when a replica spans nodes)."""
    dtype: str
    """vLLM `--dtype`: bfloat16, or float16 on GPUs without bf16."""
    precision: str
    """The weight precision served: the deployment's, else as its checkpoint is published (`hangar.precision`)."""
    checkpoint_gib: float | None
    """Size of the downloaded checkpoint in the format it is published in (fp8: 1 byte a parameter, mxfp4: 4.25-bit
    experts and a bf16 rest, else 2), when the catalog knows the model."""
    cpu_per_pod: int
    memory_gib_per_pod: int
    auto_note: str | None = None
    quantization: str | None = None
    """vLLM `--quantization` for `precision` on this accelerator under the deployment's engine release: the method vLLM
    itself would resolve to, e.g. awq_marlin for awq on compute capability 8.0 and newer at v0.11.2, auto_awq at v0.33.0
    (`hangar.sizing.quant_kernels`); None for 16-bit weights and int8."""
    data_parallel: int = 1
    """vLLM `--data-parallel-size`: engines of `tensor_parallel` GPUs in the one pod (`hangar.sizing.experts`)."""
    expert_parallel: bool = False
    """vLLM `--enable-expert-parallel`: routed experts spread whole over the pod's GPUs."""
    """Why `tensor_parallel: auto` chose what it chose, when the choice is not a comfortable fit."""

    @property
    def accelerators_per_replica(self) -> int:
        return self.accelerators_per_pod * self.pods

    @property
    def multi_host(self) -> bool:
        return self.pods > 1

    @property
    def is_tpu(self) -> bool:
        return self.accelerator_resource == TPU_RESOURCE

    @property
    def is_amd(self) -> bool:
        return self.accelerator_resource == AMD_GPU_RESOURCE

    def max_replicas_held(self) -> int:
        """Most replicas the pool can hold at its maximum size."""
        if self.multi_host:
            return self.pool_max_nodes // self.pods
        return self.pool_max_nodes * self.replicas_per_node

    def nodes_for(self, replicas: int) -> int:
        """Nodes needed to hold `replicas` replicas."""
        if self.multi_host:
            return replicas * self.pods
        return math.ceil(replicas / max(self.replicas_per_node, 1))


def replica_shape(environment: Environment, deployment: ModelDeployment, catalog: Catalog | None = None) -> ReplicaShape:
    """The replica shape of `deployment` on the pool it names (the spec guarantees the pool exists)."""
    catalog = catalog or load_catalog(environment.catalog_overrides)
    cluster = environment.cluster_of(deployment)
    tpu_slice = next((s for s in getattr(cluster, "tpu_slices", []) if s.name == deployment.pool), None)
    if tpu_slice is not None:
        return _tpu_shape(catalog, deployment, tpu_slice)
    pool = next(p for p in cluster.node_pools if p.name == deployment.pool)
    return _gpu_shape(catalog, cluster, deployment, pool)


def deployment_lora(deployment: ModelDeployment) -> LoraSlots | None:
    """The GPU slots the deployment's adapters take, as `lora_args` gives vLLM (--max-loras, --max-lora-rank); None without
    adapters. Every sizing of a Hangar deployment reads them from here: `tensor_parallel: auto` below and a route's price
    (`hangar.cost.routes`), as the hangar-capacity and hardware-fit rules read them from the rendered flags."""
    from hangar.sizing import LoraSlots

    return LoraSlots(deployment.lora.slots, deployment.lora.max_rank) if deployment.lora else None


def _checkpoint_gib(catalog: Catalog, hf_id: str) -> float | None:
    try:
        model = catalog.model(hf_id)
    except CatalogLookupError:
        return None
    return checkpoint_bytes(model) / 2**30


def gpu_resource(vendor: str) -> str:
    """The extended resource a GPU of this catalog vendor is requested as: `amd.com/gpu` for AMD, else `nvidia.com/gpu`
    (the spec refuses a deployment on any other vendor's accelerator, `hangar.spec.engine_hardware`)."""
    return AMD_GPU_RESOURCE if vendor.upper() == "AMD" else GPU_RESOURCE


def _gpu_shape(catalog: Catalog, cluster: ClusterBase, deployment: ModelDeployment, pool: Any) -> ReplicaShape:
    from hangar import sizing
    from hangar.sizing.quant_kernels import quantization_flag

    if cluster.provider == "onprem":
        gpu = catalog.gpu(pool.gpu)
        per_node = pool.gpus_per_node
        vcpus, memory = None, None
    else:
        try:
            instance = pool_instance(catalog, cluster.provider, pool)
        except HardwareChoiceError as error:  # the spec reports it at the pool
            raise ReplicaShapeError("pool", str(error), deployment.pool) from None
        gpu = catalog.gpu(instance.gpu)
        per_node = instance.gpu_count
        vcpus, memory = instance.vcpus, instance.memory_gib
    note = None
    precision = deployment_precision(catalog, deployment)
    if deployment.tensor_parallel == "auto":
        try:
            model = catalog.model(deployment.model)
        except CatalogLookupError:
            raise ReplicaShapeError(
                "tensor_parallel",
                f"'auto' needs the model in the catalog to size it, and {deployment.model!r} is not there; "
                "set tensor_parallel, or add the model with catalog_overrides",
                "auto",
            ) from None
        workload = {
            "precision": precision,
            "kv_cache_dtype": deployment.kv_cache_dtype,
            "max_context_tokens": deployment.max_context_tokens,
            "concurrent_sequences": deployment.max_concurrent_sequences,
            "gpu_memory_utilization": deployment.gpu_memory_utilization,
            "lora": deployment_lora(deployment),
            # the deployment's own vLLM release: its KV block layout, kernels' padding and LoRA slots, as the pod runs it
            "engine_version": deployment.engine_version,
            "data_parallel": deployment.data_parallel,
            "expert_parallel": deployment.expert_parallel,
        }
        choice = sizing.auto_tp(model, gpu, max(per_node // deployment.data_parallel, 1), **workload)
        if choice.tensor_parallel is not None:
            tp = choice.tensor_parallel
            note = None if choice.note is None else f"tensor_parallel auto: {choice.note}; using {tp}"
        else:
            valid = sizing.valid_tp_degrees(model, per_node)
            tp = valid[-1] if valid else 1
            note = f"tensor_parallel auto: nothing fits in one node of {per_node} x {gpu.name} ({choice.reason}); using {tp}"
        pods, pp = 1, 1
    else:
        tp = deployment.tensor_parallel
        pods, pp = 1, 1
        if tp > per_node:
            if tp % per_node:
                raise ReplicaShapeError(
                    "tensor_parallel",
                    f"{tp} GPUs span nodes of {per_node} x {gpu.name} only in whole nodes: use a multiple of {per_node}",
                    tp,
                )
            pods, pp, tp = tp // per_node, tp // per_node, per_node
    _check_data_parallel(catalog, deployment, gpu.name, per_node, tp, pp)
    per_pod = tp * deployment.data_parallel
    share = per_pod / per_node
    return ReplicaShape(
        accelerator_resource=gpu_resource(gpu.vendor),
        accelerator=gpu.name,
        accelerators_per_node=per_node,
        accelerators_per_pod=per_pod,
        pods=pods,
        tensor_parallel=tp,
        pipeline_parallel=pp,
        pool_max_nodes=pool.max_nodes,
        replicas_per_node=0 if pods > 1 else per_node // per_pod,
        dtype="bfloat16" if gpu.bf16 and precision != "fp16" else "float16",
        precision=precision,
        checkpoint_gib=_checkpoint_gib(catalog, deployment.model),
        cpu_per_pod=_share(vcpus, share, DEFAULT_CPU_PER_ACCELERATOR * per_pod),
        memory_gib_per_pod=_share(memory, share, DEFAULT_MEMORY_GIB_PER_ACCELERATOR * per_pod),
        auto_note=note,
        quantization=None if own_quantisation(catalog, deployment.model) else quantization_flag(
            precision, sizing.Accelerator.of(gpu).compute_capability, deployment.engine_version, published_format(catalog, deployment.model)
        ),
        data_parallel=deployment.data_parallel,
        expert_parallel=deployment.expert_parallel,
    )


def _check_data_parallel(catalog: Catalog, deployment: ModelDeployment, gpu: str, per_node: int, tp: int, pp: int) -> None:
    """Data parallelism Hangar can serve: the engines of one replica in one pod on one node (vLLM's single-node
    `--data-parallel-size`), expert parallelism only for a model with experts."""
    dp = deployment.data_parallel
    if dp > 1 and pp > 1:
        raise ReplicaShapeError(
            "data_parallel",
            f"data parallelism runs its engines in one pod on one node; tensor_parallel {deployment.tensor_parallel} already spans nodes "
            f"of {per_node} x {gpu}: use data_parallel 1, or a tensor_parallel of at most {per_node // dp or 1}",
            dp,
        )
    if tp * dp > per_node:
        raise ReplicaShapeError(
            "data_parallel",
            f"{dp} engines of tensor_parallel {tp} take {tp * dp} GPUs in one pod, and a node of this pool has {per_node} x {gpu}: "
            f"tensor_parallel x data_parallel must be at most {per_node}",
            dp,
        )
    if deployment.expert_parallel:
        try:
            model = catalog.model(deployment.model)
        except CatalogLookupError:
            return  # an unknown model: the hardware-fit rule cannot judge it either
        if model.num_experts is None:
            raise ReplicaShapeError(
                "expert_parallel",
                f"{deployment.model} is a dense model (no experts in the catalog): expert parallelism (vLLM --enable-expert-parallel) "
                "is only for a mixture of experts; set expert_parallel false",
                True,
            )


def _tpu_shape(catalog: Catalog, deployment: ModelDeployment, tpu_slice: Any) -> ReplicaShape:
    from hangar.sizing.quant_kernels import quantization_flag

    shape = catalog.tpu_slice(tpu_slice.generation, tpu_slice.topology)
    precision = deployment_precision(catalog, deployment)
    if deployment.data_parallel > 1 or deployment.expert_parallel:
        key = "data_parallel" if deployment.data_parallel > 1 else "expert_parallel"
        raise ReplicaShapeError(
            key, f"Hangar plans data and expert parallelism on GPU pools only; {tpu_slice.name!r} is a TPU slice pool, whose replica owns its slice",
            getattr(deployment, key),
        )
    if deployment.tensor_parallel not in ("auto", shape.chips):
        raise ReplicaShapeError(
            "tensor_parallel",
            f"a replica owns its whole {tpu_slice.generation} {tpu_slice.topology} slice: use 'auto' or {shape.chips} (its chips)",
            deployment.tensor_parallel,
        )
    return ReplicaShape(
        accelerator_resource=TPU_RESOURCE,
        accelerator=f"TPU {shape.generation}",
        accelerators_per_node=shape.chips_per_host,
        accelerators_per_pod=shape.chips_per_host,
        pods=shape.hosts,
        tensor_parallel=shape.chips,
        pipeline_parallel=1,
        pool_max_nodes=tpu_slice.max_slices * shape.hosts,
        replicas_per_node=0 if shape.hosts > 1 else 1,
        dtype="bfloat16",
        precision=precision,
        checkpoint_gib=_checkpoint_gib(catalog, deployment.model),
        cpu_per_pod=TPU_CPU_PER_CHIP * shape.chips_per_host,
        memory_gib_per_pod=TPU_MEMORY_GIB_PER_CHIP * shape.chips_per_host,
        quantization=None if own_quantisation(catalog, deployment.model) else quantization_flag(
            precision, None, deployment.engine_version, published_format(catalog, deployment.model)
        ),
    )


def _share(total: float | None, share: float, default: int) -> int:
    if total is None:
        return default
    return max(1, math.floor(total * share * HOST_SHARE))


def replica_problems(environment: Environment) -> list[dict[str, Any]]:
    """Config problems of replica shapes: TP choices that cannot be served, pools too small for max_replicas."""
    from hangar.spec import problem

    try:
        catalog = load_catalog(environment.catalog_overrides)
    except (OSError, ValueError):
        return []  # hardware_problems has reported it
    problems = []
    for index, deployment in enumerate(environment.deployments):
        here = f"deployments[{index}]"
        try:
            shape = replica_shape(environment, deployment, catalog)
        except ReplicaShapeError as error:
            problems.append(problem(f"{here}.{error.field}", str(error), error.given))
            continue
        except CatalogLookupError:
            continue  # an unknown GPU or topology is reported at the pool
        wanted = deployment.autoscaling.max_replicas
        held = shape.max_replicas_held()
        if wanted > held:
            problems.append(problem(f"{here}.autoscaling.max_replicas", _capacity_message(environment, deployment, shape, held), wanted))
    return problems


def _capacity_message(environment: Environment, deployment: ModelDeployment, shape: ReplicaShape, held: int) -> str:
    wanted = deployment.autoscaling.max_replicas
    per_replica = f"{shape.accelerators_per_replica} x {shape.accelerator}"
    if shape.is_tpu:
        tpu_slice = next(s for s in environment.cluster_of(deployment).tpu_slices if s.name == deployment.pool)
        return (
            f"{wanted} replicas need {wanted} slices (a replica owns one {tpu_slice.topology} slice), "
            f"and TPU slice pool {deployment.pool!r} has max_slices {tpu_slice.max_slices}: raise max_slices to {wanted} or lower max_replicas to {held}"
        )
    layout = (
        f"{shape.pods} nodes each" if shape.multi_host else f"{shape.replicas_per_node} per node of {shape.accelerators_per_node} GPUs"
    )
    return (
        f"{wanted} replicas of {per_replica} ({layout}) need {shape.nodes_for(wanted)} nodes, "
        f"and pool {deployment.pool!r} has max_nodes {shape.pool_max_nodes}: raise max_nodes to {shape.nodes_for(wanted)} or lower max_replicas to {held}"
    )
