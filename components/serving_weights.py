"""A cluster's shared weight store in Kubernetes terms: its PersistentVolume and claim, and the Job that stages a model into it.

`weights.source: shared` (`hangar.spec.serving.Weights`): the cloud target builds a store every zone
reaches (`hangar.components.aws_weights.EfsWeightStore` on EKS) and gives it as a `SharedVolume`;
here it becomes

* a `PersistentVolume` `hangar-weights-<namespace>` (cluster-scoped), ReadWriteMany, reclaim policy
  Retain (deleting the claim keeps the weights), pre-bound to
* the `PersistentVolumeClaim` `SHARED_CLAIM` in the serving namespace. Both have `storageClassName: ""`
  and name each other (`claimRef`, `volumeName`): "A PVC with its storageClassName set equal to "" is
  always interpreted to be requesting a PV with no class" — never the cluster's default class (gp3,
  which would provision a zonal EBS disk) — and a claim naming a volume binds to that one
  (kubernetes.io/docs/concepts/storage/persistent-volumes/, "Class" and "Reserving a PersistentVolume",
  read 2026-12-01). The capacity is a placeholder that EFS ignores ("The actual storage capacity value
  in persistent volume and persistent volume claim is a placeholder value that must be specified",
  kubernetes-sigs/aws-efs-csi-driver docs/README.md at helm-chart-aws-efs-csi-driver-4.4.1);
* per deployment, a `batch/v1 Job` `<deployment>-weights` (`staging_job`), with a NetworkPolicy of the same
  name that lets its pod out only to DNS and the download (HTTPS, or the mirror's port), never in, that downloads the model
  from the Hub (or the mirror at `weights.endpoint`) into `/weights/<hub id>` on the claim, once. The
  model server's workload depends on it, and pulumi-kubernetes waits for a Job until its `Complete`
  condition (the installed pulumi-kubernetes 4.34.2 `batch.v1.Job` docstring), so the servers are
  created only once the weights are there; every replica then mounts the claim read-only.

The Job runs the pinned engine image — vLLM is installed into the image's system Python, `/usr/bin/python3`
(docker/Dockerfile, stage `vllm-base`: `update-alternatives --install /usr/bin/python3 ...`, then `uv pip
install --system` of the vLLM wheel; read at vllm-project/vllm commit 0000977e, not at the v0.11.2 tag; at v0.33.0,
the PyPI sdist's docker/Dockerfile stage `vllm-runtime-base` does the same),
with huggingface_hub, which vLLM depends on — and calls
`huggingface_hub.snapshot_download(repo_id, local_dir=..., ignore_patterns=...)` (its signature in
src/huggingface_hub/_snapshot_download.py of the huggingface_hub 0.34.3 sdist on PyPI), which keeps
download metadata under `<local_dir>/.cache/huggingface` and skips files already there, so a re-run costs little. It leaves out `original/*`: Meta's Llama repositories keep a second copy of the weights
in their own format there, which vLLM does not read.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from hangar.components import serving_await as wait
from hangar.components import serving_pod as pod
from hangar.components.labels import POOL
from hangar.components.shared_volume import SharedVolume

from hangar.replica import ReplicaShape
from hangar.spec import SYSTEM_POOL, ModelDeployment

STAGE_SCRIPT = (
    "import sys\n"
    "from huggingface_hub import snapshot_download\n"
    "snapshot_download(repo_id=sys.argv[1], local_dir=sys.argv[2], ignore_patterns=['original/*'])\n"
)
"""`python3 -c STAGE_SCRIPT <hub id> <directory>`: sys.argv[1:] are the arguments after the script."""
UNKNOWN_CHECKPOINT_GIB = 200
"""The checkpoint size assumed for a model the catalog does not know (as `serving_pod.cache_size_gib` does)."""
SECONDS_PER_GIB = 12
"""The staging Job's time per GiB of checkpoint: the same ~100 MB/s the startup probe's budget assumes (`serving_pod.startup_seconds`)."""


def volume_name(namespace: str) -> str:
    return f"{pod.SHARED_CLAIM}-{namespace}"


def staging_seconds(shape: ReplicaShape) -> int:
    """How long `pulumi up` waits for a staging Job: a node and the engine image (the provisioning allowance), then the download."""
    gib = shape.checkpoint_gib if shape.checkpoint_gib is not None else UNKNOWN_CHECKPOINT_GIB
    return wait.PROVISIONING_ALLOWANCE_SECONDS + int(math.ceil(gib * SECONDS_PER_GIB / 60) * 60)


class SharedWeightsVolume(pulumi.ComponentResource):
    """`hangar:serving:SharedWeights`: the PersistentVolume of a cluster's shared store and its claim in the serving namespace.

    `capacity_gib` is the placeholder capacity (the sum of the deployments' caches). Exposes `ready`: the claim and what
    the store needs before a pod can mount it (mount targets, the CSI driver).
    """

    def __init__(self, name: str, volume: SharedVolume, *, namespace: str, labels: dict[str, str], capacity_gib: int,
                 depends_on: Sequence[pulumi.Resource] = (), opts: pulumi.ResourceOptions | None = None):  # fmt: skip
        super().__init__("hangar:serving:SharedWeights", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
        storage = {"storage": f"{capacity_gib}Gi"}
        pv_name = volume_name(namespace)
        k8s.core.v1.PersistentVolume(
            f"{name}-weights",
            metadata={"name": pv_name, "labels": labels},
            spec={
                "capacity": storage,
                "volumeMode": "Filesystem",
                "accessModes": ["ReadWriteMany"],
                "persistentVolumeReclaimPolicy": "Retain",
                "storageClassName": "",
                "claimRef": {"namespace": namespace, "name": pod.SHARED_CLAIM},
                "csi": {"driver": volume.driver, "volumeHandle": volume.volume_handle, **({"volumeAttributes": volume.volume_attributes} if volume.volume_attributes else {})},
            },
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=list(volume.ready))),
        )
        claim = k8s.core.v1.PersistentVolumeClaim(
            f"{name}-weights",
            metadata={"name": pod.SHARED_CLAIM, "namespace": namespace, "labels": labels},
            spec={"accessModes": ["ReadWriteMany"], "storageClassName": "", "volumeName": pv_name, "resources": {"requests": storage}},
            # A claim bound to a static volume is not awaited past Pending by the provider when its volume is not there yet:
            # the Job that mounts it waits instead.
            opts=child,
        )
        self.ready: list[pulumi.Resource] = [claim, *volume.ready]
        self.register_outputs({"claim": pod.SHARED_CLAIM, "volume": pv_name})


def staging_job(name: str, deployment: ModelDeployment, shape: ReplicaShape, *, image: pulumi.Input[str], namespace: str,
                metadata: dict[str, Any], hf_token_secret: str | None, cloud: str, opts: pulumi.ResourceOptions) -> k8s.batch.v1.Job:  # fmt: skip
    """The Job that downloads `deployment`'s weights into the shared claim, awaited as long as the download may take."""
    directory = f"{pod.WEIGHTS_MOUNT}/{pod.weights_directory(deployment)}"
    env = [
        {"name": "HOME", "value": pod.HOME},
        {"name": "HF_HOME", "value": "/tmp/huggingface"},
        {"name": "HF_HUB_DISABLE_TELEMETRY", "value": "1"},
    ]
    if deployment.weights.endpoint:
        env.append({"name": "HF_ENDPOINT", "value": deployment.weights.endpoint.rstrip("/")})
    if hf_token_secret:
        env.append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": hf_token_secret, "key": "token"}}})
    container = {
        "name": "stage",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["python3", "-c", STAGE_SCRIPT, deployment.model, directory],
        "env": env,
        "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "4Gi"}},
        "securityContext": pod.container_security(),
        "volumeMounts": [
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "home", "mountPath": pod.HOME},
            {"name": "weights", "mountPath": pod.WEIGHTS_MOUNT},
        ],
    }
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "restartPolicy": "Never",
        "securityContext": pod.pod_security(),
        "containers": [container],
        "volumes": [
            {"name": "tmp", "emptyDir": {"sizeLimit": "20Gi"}},
            {"name": "home", "emptyDir": {"sizeLimit": "1Gi"}},
            {"name": "weights", "persistentVolumeClaim": {"claimName": pod.SHARED_CLAIM}},
        ],
    }
    # Not the server's pod labels: its Service, PodDisruptionBudget, NetworkPolicy and scrape object select
    # `app.kubernetes.io/name: vllm`; a download needs no accelerator, so it runs on the system pool.
    labels = {**metadata.get("labels", {}), "app.kubernetes.io/name": "hangar-stage-weights", "app.kubernetes.io/component": "stage-weights"}
    if cloud != "onprem":
        spec["nodeSelector"] = {POOL: SYSTEM_POOL}
        labels[POOL] = SYSTEM_POOL
    _staging_policy(f"{name}-weights", deployment, namespace=namespace, metadata={**metadata, "name": f"{name}-weights", "labels": labels}, opts=opts)
    seconds = staging_seconds(shape)
    job_opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(custom_timeouts=wait.custom_timeouts(seconds)))
    annotations = {**metadata.get("annotations", {}), wait.TIMEOUT_SECONDS: str(seconds)}
    return k8s.batch.v1.Job(
        f"{name}-weights",
        metadata={**metadata, "name": f"{name}-weights", "labels": labels, "annotations": annotations},
        spec={"backoffLimit": 3, "template": {"metadata": {"labels": labels}, "spec": spec}},
        opts=job_opts,
    )


def _staging_policy(name: str, deployment: ModelDeployment, *, namespace: str, metadata: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
    """The staging pod's NetworkPolicy: nothing in; out only DNS and the download — HTTPS to the Hub, or the mirror's port
    (never the cloud metadata address). It holds the Hugging Face token, so it reaches nothing else."""
    endpoint = deployment.weights.endpoint
    url = urllib.parse.urlsplit(endpoint) if endpoint else None
    port = (url.port or (443 if url.scheme == "https" else 80)) if url else 443
    selector = {key: metadata["labels"][key] for key in ("app.kubernetes.io/name", "app.kubernetes.io/instance")}
    k8s.networking.v1.NetworkPolicy(
        name,
        metadata={**metadata, "namespace": namespace},
        spec={
            "podSelector": {"matchLabels": selector},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [],
            "egress": [pod.DNS_EGRESS, {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [pod.METADATA_ADDRESS]}}], "ports": [{"protocol": "TCP", "port": port}]}],
        },
        opts=opts,
    )
