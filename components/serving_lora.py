"""A model server's LoRA adapters (`lora` of a deployment, `hangar.spec.adapters`) in its pod: engine flags, a download step, an annotation.

* `lora_args`: the `vllm serve` flags of vLLM v0.11.2's multi-LoRA support — `--enable-lora`,
  `--max-loras <slots>`, `--max-lora-rank <the smallest accepted rank that holds every adapter>`,
  `--max-cpu-loras <adapters>` when fewer slots than adapters, and one `--lora-modules` followed by
  one JSON object per adapter, `{"name", "path", "base_model_name"}` (the flag takes several values,
  `nargs="+"` from `get_kwargs` in vllm/engine/arg_utils.py, and its `LoRAParserAction` replaces what
  an earlier `--lora-modules` gave, so all adapters go after one flag). `path` is the adapter's
  directory on the weight-cache volume, `base_model_name` the deployment's Hub id, so `/v1/models`
  lists each adapter with the base model as its parent (vllm/entrypoints/openai/serving_models.py
  `show_available_models`).
* `download_container`: an init container, the pinned engine image running its Python, that fetches
  each adapter at its pinned commit into `ADAPTERS_DIR/<name>` on the weight-cache volume with
  `huggingface_hub.snapshot_download(repo_id, revision=..., local_dir=...)` (signature in
  src/huggingface_hub/_snapshot_download.py of the huggingface_hub 0.34.3 sdist on PyPI, read
  2026-12-01), from the deployment's Hub mirror (`HF_ENDPOINT`) when its weights come from one, else
  from the Hub. vLLM itself could fetch an adapter named by its repository, but only at the head of its
  default branch (vllm/lora/utils.py `get_adapter_absolute_path` calls `snapshot_download(repo_id=path)`
  with no revision), and it would do so in every worker of a multi-host replica.
* `adapters_annotation`: `ADAPTERS_ANNOTATION` on the workload, a JSON list of each adapter's name,
  source, revision, licence and rank, which the licensing policies read
  (`hangar.policies.rules.licensing_adapters`).

vLLM facts from the PyPI sdist vllm-0.11.2.tar.gz (commit 275de3417 per its vllm/_version.py), read 2026-12-01;
the same at v0.33.0 (the PyPI sdist vllm-0.33.0.tar.gz, commit 4ba787ec9 per its vllm/_version.py, read 2026-12-02): `--enable-lora`, `--max-loras`, `--max-lora-rank` (the same `MaxLoRARanks`),
`--max-cpu-loras` in vllm/config/lora.py and vllm/engine/arg_utils.py, `--lora-modules` parsed by the same
`LoRAParserAction` (vllm/entrypoints/common/cli_args.py), `LoRAModulePath` with `base_model_name`, and `/v1/models`
giving an adapter that parent (vllm/entrypoints/openai/models/serving.py); huggingface_hub >= 1.31.0 there
(requirements/common.txt), whose `snapshot_download` (1.31.0 wheel) keeps `repo_id`, `revision`, `local_dir`.
"""

from __future__ import annotations

import json
from typing import Any

from hangar.components import serving_pod as pod

from hangar.spec import ModelDeployment
from hangar.spec.adapters import ADAPTERS_ANNOTATION

ADAPTERS_DIR = f"{pod.CACHE_MOUNT}/lora"
"""Where the adapters are downloaded, one directory per adapter name, on the weight-cache volume (kept across restarts with a pvc cache)."""
DOWNLOAD_SCRIPT = (
    "import sys\n"
    "from huggingface_hub import snapshot_download\n"
    "words = sys.argv[1:]\n"
    "for source, revision, directory in zip(words[0::3], words[1::3], words[2::3]):\n"
    "    snapshot_download(repo_id=source, revision=revision, local_dir=directory)\n"
)
"""`python3 -c DOWNLOAD_SCRIPT <source> <revision> <directory> ...`: each adapter at its commit into its directory."""


def adapter_directory(name: str) -> str:
    return f"{ADAPTERS_DIR}/{name}"


def lora_args(deployment: ModelDeployment) -> list[str]:
    """The `vllm serve` flags serving the deployment's adapters; [] without any."""
    lora = deployment.lora
    if lora is None:
        return []
    args = ["--enable-lora", "--max-loras", str(lora.slots), "--max-lora-rank", str(lora.max_rank)]
    if lora.slots < len(lora.adapters):
        args += ["--max-cpu-loras", str(len(lora.adapters))]
    modules = [
        json.dumps({"name": adapter.name, "path": adapter_directory(adapter.name), "base_model_name": deployment.model}, separators=(",", ":"))
        for adapter in lora.adapters
    ]
    return [*args, "--lora-modules", *modules]


def download_container(deployment: ModelDeployment, image_ref: Any, env: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The init container that downloads the adapters before the server starts; None without adapters.

    `env` is the server's environment: the download takes its Hub token and mirror (`HF_TOKEN`, `HF_ENDPOINT`) from it.
    """
    lora = deployment.lora
    if lora is None:
        return None
    words = [word for adapter in lora.adapters for word in (adapter.source, adapter.revision, adapter_directory(adapter.name))]
    passed = [entry for entry in env if entry["name"] in ("HF_TOKEN", "HF_ENDPOINT")]
    return {
        "name": "lora-adapters",
        "image": image_ref,
        "imagePullPolicy": "IfNotPresent",
        "command": ["python3", "-c", DOWNLOAD_SCRIPT, *words],
        "env": [
            {"name": "HOME", "value": pod.HOME},
            {"name": "HF_HOME", "value": pod.HF_HOME},
            {"name": "HF_HUB_DISABLE_TELEMETRY", "value": "1"},
            *passed,
        ],
        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}},
        "securityContext": pod.container_security(),
        "volumeMounts": [
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "home", "mountPath": pod.HOME},
            {"name": "model-cache", "mountPath": pod.CACHE_MOUNT},
        ],
    }


def adapters_annotation(deployment: ModelDeployment) -> dict[str, str]:
    """`{ADAPTERS_ANNOTATION: <JSON list>}` naming what the licensing policies judge; {} without adapters."""
    if deployment.lora is None:
        return {}
    listed = [adapter.model_dump(mode="json") for adapter in deployment.lora.adapters]
    return {ADAPTERS_ANNOTATION: json.dumps(listed, separators=(",", ":"), sort_keys=True)}


def with_adapters(spec: dict[str, Any], deployment: ModelDeployment, image_ref: Any) -> dict[str, Any]:
    """The pod spec with the adapters' download step after its other init containers (a node-local cache is handed to the
    server's user first); every pod of a multi-host replica gets it, as each of its workers loads the adapters."""
    container = download_container(deployment, image_ref, spec["containers"][0].get("env") or [])
    if container is None:
        return spec
    return {**spec, "initContainers": [*(spec.get("initContainers") or []), container]}
