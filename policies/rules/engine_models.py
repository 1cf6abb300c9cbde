"""A raw program's vLLM server whose image is a release that cannot load its model (`hangar.sizing.engine_models`).

Hangar's own deployments are refused earlier, as a config error (`hangar.spec.engine_models`); this reads any program's
serving workloads. The release is the tag of the `vllm-openai` image (`vllm/vllm-openai:v0.11.2`, the image Hangar
itself runs on GPUs, `hangar.components.serving_pod`), with or without a registry prefix or a digest; another tag
(`latest`, a build of one's own) or another image names no release, and is not judged.
"""

from __future__ import annotations

import re

from hangar.policies.rules.workloads import ServingWorkload

from hangar.catalog import Model
from hangar.sizing.engine_models import engine_refusal

RELEASE_TAG = re.compile(r"(?:^|/)vllm-openai:(v?\d+\.\d+\.\d+)(?:@sha256:[0-9a-f]{64})?$")


def image_release(image: str) -> str | None:
    """The vLLM release a `vllm-openai` image tag names, `v0.11.2`; None for any other image or tag."""
    found = RELEASE_TAG.search(image)
    return found.group(1) if found is not None else None


def unloadable(workload: ServingWorkload, model: Model | None) -> str | None:
    """Why the workload's vLLM image cannot load its catalog model; None where it can, or where that is not known."""
    release = image_release(workload.image) if workload.engine == "vllm" else None
    if model is None or release is None:
        return None
    return engine_refusal(model, release)
