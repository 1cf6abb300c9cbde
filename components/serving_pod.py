"""The vLLM server's pod, as plain Kubernetes dicts: image, args, resources, probes, security, volumes.

Pure functions with no Pulumi resources, shared by `hangar.components.serving` (Deployment, StatefulSet,
LeaderWorkerSet) and tests. The contract the policy rules read (any vLLM workload is recognised
by it, whoever rendered it):

* image `vllm/vllm-openai:<engine_version>` (`vllm/vllm-tpu:<engine_version>` on TPU slices,
  `vllm/vllm-openai-rocm:<engine_version>` on AMD GPUs; behind
  a registry mirror, `<mirror>/vllm/...`), command `vllm serve` (a multi-host leader: a shell that
  starts Ray, then `exec vllm serve "$@"` with the container's args);
* args: the model first, as `vllm serve`'s positional `model_tag` (the Hugging Face id; or the
  directory it was staged in, then followed by `--served-model-name <hf id>`), then flags in
  `--flag value` form: `--tensor-parallel-size N`, `--max-model-len N`, `--max-num-seqs N`,
  `--gpu-memory-utilization F`, `--dtype bfloat16|float16`, `--quantization fp8|fp8_per_tensor|awq|awq_marlin|gptq|gptq_marlin|auto_awq|auto_gptq|mxfp4`
  when quantised (`ReplicaShape.quantization`, for the precision served: an fp8- or mxfp4-published checkpoint gets
  `--quantization fp8` / `mxfp4` even with `precision` unset, so the flags say what vLLM loads; awq and gptq get the
  method the deployment's release resolves to itself: at v0.11.2 Marlin on compute capability 8.0 and newer, at
  v0.33.0 auto_awq / auto_gptq; fp8 of a 16-bit checkpoint gets v0.33.0's `fp8_per_tensor`, which deprecates `fp8`
  for it, `hangar.sizing.quant_kernels`; none for a checkpoint whose quantisation vLLM picks itself whatever the flag
  says: ModelOpt, compressed-tensors, DeepSeek-V4, `hangar.precision`),
  `--kv-cache-dtype fp8` when set, `--trust-remote-code` when the deployment says `trust_remote_code` (a model
  whose config class vLLM and transformers lack, `hangar.sizing.engine_models.remote_code`), `--enable-prefix-caching` when on
  (`--no-enable-prefix-caching` when off, vLLM's default being on), `--data-parallel-size N` (N engines of
  `--tensor-parallel-size` GPUs in the pod; the flag and its single-node meaning read in vLLM v0.11.2 and v0.33.0
  vllm/engine/arg_utils.py, wheels read 2026-12-02) and `--enable-expert-parallel` when set, and for a replica spanning
  nodes `--pipeline-parallel-size N --distributed-executor-backend ray`. The rules also read the
  older `--model <id>` form: vLLM v0.11.2 still accepts it but warns that "The `--model` option will
  be removed in v0.13" (vllm/utils/argparse_utils.py `FlexibleArgumentParser.parse_args`, which
  moves it to the positional place; `model_tag` is declared in vllm/entrypoints/openai/cli_args.py);
* the weights (`weights.source`): from the Hub; from a Hub mirror (`HF_ENDPOINT`); or from a claim
  mounted read-only at `WEIGHTS_MOUNT` (`HF_HUB_OFFLINE=1`, the model argument the directory in it):
  the team's own (`volume`), or Hangar's cross-zone store `SHARED_CLAIM` (`shared`,
  `hangar.components.serving_weights`), where the model is in the directory named by its Hub id.
  Every replica (and every pod of a multi-host one) mounts that claim, so it must allow that
  (ReadOnlyMany or ReadWriteMany, e.g. NFS, EFS, Filestore, Azure Files);
* requests and limits of `nvidia.com/gpu` / `amd.com/gpu` / `google.com/tpu` = accelerators per pod;
* `nodeSelector` = the pool placement's node selector (it includes `hangar.dev/pool`).

The pinned image, read from vLLM's source at v0.11.2 (the PyPI sdist vllm-0.11.2.tar.gz, commit
275de3417 per its vllm/_version.py, read 2026-12-01): docker/Dockerfile's `vllm-openai` stage has
`ENTRYPOINT ["vllm", "serve"]` and no `USER`, so it runs as root with root's home unless told
otherwise. Hangar runs it as uid `USER_ID`, which has no passwd entry in the image, under a
read-only root filesystem, so the container is given:

* `HOME` on an emptyDir, and `USER`/`LOGNAME`: Python's `getpass.getuser()` returns the first of
  LOGNAME, USER, LNAME, USERNAME that is set before it asks the passwd database (which raises for
  a uid it does not know); PyTorch's Inductor calls it for its default cache directory
  (torch/_inductor/runtime/cache_dir_utils.py `default_cache_dir`, when TORCHINDUCTOR_CACHE_DIR is
  unset; vLLM v0.11.2 pins torch 2.9.0 in requirements/cuda.txt);
* every cache it writes under the weight-cache volume (`CACHE_MOUNT`, so a restart finds its
  compiled kernels too): `XDG_CACHE_HOME` and `VLLM_CACHE_ROOT` (vllm/envs.py: the cache root
  defaults to `$XDG_CACHE_HOME/vllm`, else `~/.cache/vllm`; torch.compile artefacts go to
  `$VLLM_CACHE_ROOT/torch_compile_cache`, vllm/compilation/backends.py, and vLLM points
  TORCHINDUCTOR_CACHE_DIR / TRITON_CACHE_DIR under it, vllm/compilation/compiler_interface.py;
  the TPU XLA cache defaults to `$XDG_CACHE_HOME/vllm/xla_cache`), `TORCHINDUCTOR_CACHE_DIR` and
  `TRITON_CACHE_DIR` for whatever compiles before vLLM sets them, and `FLASHINFER_WORKSPACE_BASE`
  (FlashInfer 0.5.2, pinned in requirements/cuda.txt, JIT-compiles to
  `$FLASHINFER_WORKSPACE_BASE/.cache/flashinfer`, else under the home directory:
  flashinfer/jit/env.py at v0.5.2, commit 63cf5622); `HF_HOME` (the Hub cache) likewise;
* `/tmp` on an emptyDir (vLLM's IPC sockets, `VLLM_RPC_BASE_PATH` = the temp directory; Ray's
  session files on multi-host replicas).

Re-read at v0.33.0 (the PyPI sdist vllm-0.33.0.tar.gz, commit 4ba787ec9 per its vllm/_version.py, read 2026-12-02), the contract holds: the flags above keep their names and forms (`--no-enable-prefix-caching`
from `argparse.BooleanOptionalAction`, `--quantization` fp8/awq/gptq/auto_awq/auto_gptq/mxfp4 and `--kv-cache-dtype fp8` in its literals,
`--served-model-name` taking several names, the first naming responses; `--host`, `--port`,
`--disable-uvicorn-access-log` in vllm/entrypoints/common/cli_args.py `FrontendArgs`), `model_tag` is still positional
and `--model` still moved there with a warning (now "will be removed in a future version"); the `vllm-openai` target
has `ENTRYPOINT ["vllm", "serve"]` and no `USER` (a separate `vllm-openai-nonroot` target runs as uid 2000), vLLM is
installed with `uv pip install --system` into the image's `/usr/bin/python3`; vllm/envs.py keeps `VLLM_CACHE_ROOT`
under `XDG_CACHE_HOME` and `VLLM_RPC_BASE_PATH` in the temp directory; requirements/cuda.txt pins torch 2.14.0 and
FlashInfer 0.7.2.post1, whose flashinfer/jit/env.py (its PyPI wheel) still reads `FLASHINFER_WORKSPACE_BASE`.
The image's CUDA and the GPUs it is built for: `hangar.sizing.engine_images`.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Sequence
from typing import Any

from hangar.components.placement import PoolPlacement

from hangar.replica import ReplicaShape
from hangar.sizing.rocm_images import REPOSITORY as ROCM_REPOSITORY
from hangar.spec import ModelDeployment
from hangar.spec.serving import VOLUME_SOURCES

PORT = 8000
PORT_NAME = "http"
HOME = "/home/vllm"
CACHE_MOUNT = "/models"
HF_HOME = f"{CACHE_MOUNT}/huggingface"
CACHE_HOME = f"{CACHE_MOUNT}/cache"
"""XDG_CACHE_HOME: the engine's and its compilers' caches, on the weight-cache volume."""
USER_NAME = "vllm"
PROMPTS_MOUNT = "/etc/hangar/prompts"
WEIGHTS_MOUNT = "/weights"
"""Where `weights.source: volume` or `shared` mounts the claim holding the staged weights, read-only."""
SHARED_CLAIM = "hangar-weights"
"""The claim of the cluster's shared weight store in the serving namespace (`weights.source: shared`)."""
USER_ID = 1000
"""The server runs as this non-root user and group; the weight cache is group-writable through fsGroup."""
NODE_CACHE_PATH = "/var/lib/hangar/model-cache"
"""Where `weight_cache: node-local` keeps weights on the node's disk (pool `disk_gib` is sized for it)."""
RAY_PORT = 6379
METADATA_ADDRESS = "169.254.169.254/32"
"""The cloud instance metadata address, excluded from every egress rule of a server or a staging Job."""
DNS_EGRESS = {
    "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
}
PRE_STOP_SECONDS = 15
"""Sleep before SIGTERM so endpoints and load balancers stop sending new requests first."""
DRAIN_SECONDS = {"realtime": 120, "interactive": 180, "batch": 600}
"""Time in-flight requests get to finish after SIGTERM, by latency class: a realtime answer is short; a
batch request may decode a whole context."""
SHM_GIB_PER_ACCELERATOR = 2
"""/dev/shm for NCCL and the engine's worker processes (vLLM's docs ask for --ipc=host or a large shm)."""


def image(deployment: ModelDeployment, shape: ReplicaShape, registry_mirror: str | None = None) -> str:
    """The pinned engine image: `vllm/vllm-openai:<version>`, `vllm/vllm-tpu:<version>` on TPUs, vLLM's ROCm image
    `vllm/vllm-openai-rocm:<version>` on AMD GPUs (the spec admits only releases that publish one,
    `hangar.sizing.rocm_images`, which has its sources: same `vllm serve` entrypoint, no USER)."""
    version = deployment.engine_version if deployment.engine_version.startswith("v") else f"v{deployment.engine_version}"
    repository = "vllm/vllm-tpu" if shape.is_tpu else ROCM_REPOSITORY if shape.is_amd else "vllm/vllm-openai"
    prefix = f"{registry_mirror.rstrip('/')}/" if registry_mirror else ""
    return f"{prefix}{repository}:{version}"


def engine_args(deployment: ModelDeployment, shape: ReplicaShape, aliases: Sequence[str] = ()) -> list[str]:
    """`vllm serve` arguments: the model positionally, then flags in `--flag value` form (the module docstring has the contract).
    `aliases` are further names the server answers to as a model (the routes it is behind, `hangar.components.routing`)."""
    args = [
        *served_model(deployment, aliases),
        "--tensor-parallel-size", str(shape.tensor_parallel),
        "--max-model-len", str(deployment.max_context_tokens),
        "--max-num-seqs", str(deployment.max_concurrent_sequences),
        "--gpu-memory-utilization", f"{deployment.gpu_memory_utilization:g}",
        "--dtype", shape.dtype,
    ]  # fmt: skip
    if shape.quantization is not None:
        args += ["--quantization", shape.quantization]
    if deployment.kv_cache_dtype == "fp8":
        args += ["--kv-cache-dtype", "fp8"]
    if deployment.trust_remote_code:
        args.append("--trust-remote-code")
    args.append("--enable-prefix-caching" if deployment.caching.prefix_caching else "--no-enable-prefix-caching")
    if shape.data_parallel > 1:
        args += ["--data-parallel-size", str(shape.data_parallel)]
    if shape.expert_parallel:
        args.append("--enable-expert-parallel")
    if shape.pipeline_parallel > 1:
        args += ["--pipeline-parallel-size", str(shape.pipeline_parallel), "--distributed-executor-backend", "ray"]
    elif shape.multi_host:
        args += ["--distributed-executor-backend", "ray"]
    args += ["--host", "0.0.0.0", "--port", str(PORT), "--disable-uvicorn-access-log"]
    return args


def served_model(deployment: ModelDeployment, aliases: Sequence[str] = ()) -> list[str]:
    """What `vllm serve` is given as its model: the Hub id, or the directory the weights were staged in
    followed by `--served-model-name <hub id>` (so clients still ask for the Hub id). With `aliases`, the
    server also answers to them: `--served-model-name <hub id> <alias>...` (vLLM v0.11.2 vllm/config/model.py
    `served_model_name`: "the server will respond to any of the provided names"; the first names the
    responses and the `model_name` label of its metrics, so the Hub id stays first)."""
    names = ["--served-model-name", deployment.model, *aliases] if aliases else []
    if deployment.weights.source not in VOLUME_SOURCES:
        return [deployment.model, *names]
    directory = f"{WEIGHTS_MOUNT}/{weights_directory(deployment)}".rstrip("/")
    return [directory, *(names or ["--served-model-name", deployment.model])]


def weights_claim(deployment: ModelDeployment) -> str | None:
    """The claim holding the deployment's weights: its own (`volume`), the shared store's (`shared`), else None."""
    weights = deployment.weights
    return weights.claim if weights.source == "volume" else SHARED_CLAIM if weights.source == "shared" else None


def weights_directory(deployment: ModelDeployment) -> str:
    """The model's directory inside its claim: `weights.path` (volume), the Hub id (shared: one directory per model)."""
    return deployment.model if deployment.weights.source == "shared" else deployment.weights.path


def startup_seconds(shape: ReplicaShape) -> int:
    """How long the startup probe waits: downloading and loading the weights, then compiling.

    Ten minutes plus 12 s per GiB of checkpoint (a ~100 MB/s download, then loading), at most an hour;
    15 minutes when the catalog does not know the model. TPUs compile their graphs first: +10 minutes.
    """
    base = 900 if shape.checkpoint_gib is None else 600 + 12 * shape.checkpoint_gib
    if shape.is_tpu:
        base += 600
    return int(min(3600, math.ceil(base / 60) * 60))


def probes(shape: ReplicaShape) -> dict[str, Any]:
    """Startup, readiness and liveness probes on vLLM's `/health`, which answers once the engine is up."""
    health = {"path": "/health", "port": PORT_NAME}
    return {
        "startupProbe": {"httpGet": health, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": startup_seconds(shape) // 10},
        "readinessProbe": {"httpGet": health, "periodSeconds": 5, "timeoutSeconds": 5, "failureThreshold": 3},
        "livenessProbe": {"httpGet": health, "periodSeconds": 15, "timeoutSeconds": 10, "failureThreshold": 4},
    }


def container_security(user_id: int = USER_ID) -> dict[str, Any]:
    """Non-root (the server's user, or the given image's), no privilege escalation, no capabilities, read-only root:
    writable paths are volumes."""
    return {
        "runAsNonRoot": True,
        "runAsUser": user_id,
        "runAsGroup": user_id,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_security() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": USER_ID,
        "runAsGroup": USER_ID,
        "fsGroup": USER_ID,
        "fsGroupChangePolicy": "OnRootMismatch",
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def resources(shape: ReplicaShape) -> dict[str, Any]:
    """Accelerators requested and limited alike; CPU and memory requested pro rata to the node, memory limited."""
    accelerators = str(shape.accelerators_per_pod)
    memory = f"{shape.memory_gib_per_pod}Gi"
    return {
        "requests": {shape.accelerator_resource: accelerators, "cpu": str(shape.cpu_per_pod), "memory": memory},
        "limits": {shape.accelerator_resource: accelerators, "memory": memory},
    }


def environment(deployment: ModelDeployment, *, hf_token_secret: str | None, api_key_secret: str | None) -> list[dict[str, Any]]:
    """Environment of the server: a user and home the compilers resolve, every cache on a writable volume, secrets by reference only."""
    env = [
        {"name": "HOME", "value": HOME},
        {"name": "USER", "value": USER_NAME},
        {"name": "LOGNAME", "value": USER_NAME},
        {"name": "TMPDIR", "value": "/tmp"},
        {"name": "XDG_CACHE_HOME", "value": CACHE_HOME},
        {"name": "VLLM_CACHE_ROOT", "value": f"{CACHE_HOME}/vllm"},
        {"name": "TORCHINDUCTOR_CACHE_DIR", "value": f"{CACHE_HOME}/torchinductor"},
        {"name": "TRITON_CACHE_DIR", "value": f"{CACHE_HOME}/triton"},
        {"name": "FLASHINFER_WORKSPACE_BASE", "value": f"{CACHE_HOME}/flashinfer"},
        {"name": "HF_HOME", "value": HF_HOME},
        {"name": "VLLM_NO_USAGE_STATS", "value": "1"},
        {"name": "DO_NOT_TRACK", "value": "1"},
    ]
    env += weights_environment(deployment)
    if hf_token_secret:
        env.append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": hf_token_secret, "key": "token"}}})
    if api_key_secret:
        env.append({"name": "VLLM_API_KEY", "valueFrom": {"secretKeyRef": {"name": api_key_secret, "key": "key"}}})
    return env


def weights_environment(deployment: ModelDeployment) -> list[dict[str, Any]]:
    """How the Hub client finds the weights without the public Hub (huggingface_hub v0.34.3, src/huggingface_hub/constants.py,
    commit 0bbc5e1b; the version vLLM v0.11.2 pins in requirements/test.txt): `HF_ENDPOINT` replaces https://huggingface.co
    as the base of every download, and `HF_HUB_OFFLINE=1` makes it never call out (vLLM then loads the model from the
    local directory it is given: vllm/engine/arg_utils.py `__post_init__`, vllm/transformers_utils/config.py `get_model_path`)."""
    weights = deployment.weights
    if weights.source == "mirror":
        return [{"name": "HF_ENDPOINT", "value": str(weights.endpoint).rstrip("/")}]
    if weights.source in VOLUME_SOURCES:
        return [{"name": "HF_HUB_OFFLINE", "value": "1"}]
    return []


def mirror_port(deployment: ModelDeployment) -> int | None:
    """The TCP port of the deployment's Hub mirror (`weights.endpoint`), None without one."""
    if deployment.weights.source != "mirror" or deployment.weights.endpoint is None:
        return None
    url = urllib.parse.urlsplit(deployment.weights.endpoint)
    return url.port or (443 if url.scheme == "https" else 80)


def volumes(deployment: ModelDeployment, shape: ReplicaShape, *, prompts_config_map: str | None, cache_claim: bool) -> tuple[list[dict], list[dict]]:
    """(volumes, volumeMounts): scratch, home, shared memory, the weight cache, staged weights and the prompt templates.

    With `cache_claim` the weight cache is a claim of the workload's volumeClaimTemplates (named
    `model-cache`) and is not listed here.
    """
    shm = f"{SHM_GIB_PER_ACCELERATOR * shape.accelerators_per_pod}Gi"
    listed = [
        {"name": "tmp", "emptyDir": {"sizeLimit": "20Gi"}},
        {"name": "home", "emptyDir": {"sizeLimit": "20Gi"}},
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": shm}},
    ]
    mounts = [
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "home", "mountPath": HOME},
        {"name": "dshm", "mountPath": "/dev/shm"},
        {"name": "model-cache", "mountPath": CACHE_MOUNT},
    ]
    cache = deployment.weight_cache
    if cache == "node-local":
        listed.append({"name": "model-cache", "hostPath": {"path": NODE_CACHE_PATH, "type": "DirectoryOrCreate"}})
    elif cache == "none" or not cache_claim:
        listed.append({"name": "model-cache", "emptyDir": {"sizeLimit": f"{cache_size_gib(deployment, shape)}Gi"}})
    if (claim := weights_claim(deployment)) is not None:
        listed.append({"name": "weights", "persistentVolumeClaim": {"claimName": claim, "readOnly": True}})
        mounts.append({"name": "weights", "mountPath": WEIGHTS_MOUNT, "readOnly": True})
    if prompts_config_map:
        listed.append({"name": "prompts", "configMap": {"name": prompts_config_map}})
        mounts.append({"name": "prompts", "mountPath": PROMPTS_MOUNT, "readOnly": True})
    return listed, mounts


def cache_size_gib(deployment: ModelDeployment, shape: ReplicaShape) -> int:
    """The weight cache: as configured, else the 16-bit checkpoint plus 25 %, rounded up to 10 GiB (200 if unknown)."""
    if deployment.caching.weight_cache_gib:
        return deployment.caching.weight_cache_gib
    if shape.checkpoint_gib is None:
        return 200
    return int(math.ceil(shape.checkpoint_gib * 1.25 / 10) * 10)


def pod_spec(
    deployment: ModelDeployment,
    shape: ReplicaShape,
    placement: PoolPlacement,
    *,
    image_ref: str,
    command: list[str],
    args: list[str],
    env: list[dict[str, Any]],
    volume_list: list[dict[str, Any]],
    mounts: list[dict[str, Any]],
    with_probes: bool,
    spread_labels: dict[str, str] | None,
    spread: str = "preferred",
) -> dict[str, Any]:
    """One server (or worker) pod: placed on its pool, tolerating its taints, draining gracefully."""
    container: dict[str, Any] = {
        "name": "vllm",
        "image": image_ref,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        "args": args,
        "env": env,
        "ports": [{"name": PORT_NAME, "containerPort": PORT, "protocol": "TCP"}],
        "resources": resources(shape),
        "securityContext": container_security(),
        "volumeMounts": mounts,
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", str(PRE_STOP_SECONDS)]}}},
    }
    if with_probes:
        container.update(probes(shape))
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": pod_security(),
        "nodeSelector": dict(placement.node_selector),
        "tolerations": [dict(t) for t in placement.tolerations],
        "terminationGracePeriodSeconds": PRE_STOP_SECONDS + DRAIN_SECONDS[deployment.latency_class],
        "containers": [container],
        "volumes": volume_list,
    }
    if deployment.weight_cache == "node-local":
        spec["initContainers"] = [cache_owner(image_ref)]
    if spread_labels:
        spec["topologySpreadConstraints"] = spread_constraints(spread_labels, spread)
    return spec


ZONE = "topology.kubernetes.io/zone"
HOSTNAME = "kubernetes.io/hostname"


def spread_constraints(labels: dict[str, str], spread: str) -> list[dict[str, Any]]:
    """How the replicas spread: `preferred` (over zones where it can, ScheduleAnyway), `nodes-and-zones` (prod
    realtime in a cloud: enforced over nodes and over at least two zones) or `nodes` (prod realtime on-prem: enforced
    over nodes; zones preferred, since a site's nodes may carry no zone label and DoNotSchedule counts no node without it).

    Enforced means `whenUnsatisfiable: DoNotSchedule`; `minDomains: 2` on the zone makes a second replica wait for a
    node in a second zone rather than join the first (with fewer eligible domains than minDomains the global minimum
    is 0, so no more than maxSkew pods go to those domains: TopologySpreadConstraint.minDomains in the Kubernetes API,
    as the installed pulumi-kubernetes 4.34.2 documents it; minDomains needs DoNotSchedule).
    """
    selector = {"matchLabels": labels}
    preferred_zone = {"maxSkew": 1, "topologyKey": ZONE, "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": selector}
    if spread == "preferred":
        return [preferred_zone]
    nodes = {"maxSkew": 1, "topologyKey": HOSTNAME, "whenUnsatisfiable": "DoNotSchedule", "labelSelector": selector}
    if spread == "nodes":
        return [nodes, preferred_zone]
    return [nodes, {"maxSkew": 1, "topologyKey": ZONE, "whenUnsatisfiable": "DoNotSchedule", "minDomains": 2, "labelSelector": selector}]


def cache_owner(image_ref: str) -> dict[str, Any]:
    """For a node-local cache: hand the hostPath directory (created by the kubelet, owned by root) to the
    server's user. The one step that runs as root, with no capability but CHOWN and nothing else mounted."""
    return {
        "name": "cache-owner",
        "image": image_ref,
        "command": ["chown", f"{USER_ID}:{USER_ID}", CACHE_MOUNT],
        "securityContext": {
            "runAsNonRoot": False,
            "runAsUser": 0,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"], "add": ["CHOWN"]},
        },
        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "64Mi"}},
        "volumeMounts": [{"name": "model-cache", "mountPath": CACHE_MOUNT}],
    }


def leader_command() -> list[str]:
    """A multi-node leader: start the Ray head, then `vllm serve` with the container's args ("$@")."""
    script = f'ray start --head --port={RAY_PORT} --disable-usage-stats && exec vllm serve "$@"'
    return ["/bin/sh", "-c", script, "vllm"]


def worker_command() -> list[str]:
    """A multi-node worker: join the leader's Ray cluster and hold its accelerators for the engine."""
    script = f'exec ray start --address="$LWS_LEADER_ADDRESS:{RAY_PORT}" --block --disable-usage-stats'
    return ["/bin/sh", "-c", script]
