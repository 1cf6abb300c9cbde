"""What a cluster's shared weight store gives the serving layer: the CSI volume to mount, and what must exist first.

Each cloud target builds its store (`hangar.components.aws_weights` on EKS, `azure_weights` on AKS, `gcp_weights` on GKE);
`hangar.components.serving_weights` turns it into a PersistentVolume and claim. A module of its own, so no target imports another's SDK."""

from __future__ import annotations

import dataclasses

import pulumi


@dataclasses.dataclass(frozen=True)
class SharedVolume:
    """What a PersistentVolume needs to mount a cluster's shared weight store, and what must exist first."""

    driver: str
    volume_handle: pulumi.Output[str]
    ready: tuple[pulumi.Resource, ...]
    volume_attributes: dict[str, str] = dataclasses.field(default_factory=dict)
