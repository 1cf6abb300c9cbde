"""The tier a resource is judged at: the stricter of the policy config's and the resource's own label.

Hangar labels what it creates `hangar.dev/tier` (spelled `hangar-dev_tier` where a cloud forbids
'.' and '/'). When config and label disagree, the stricter wins, so a prod resource planned with
a dev config is still judged as prod.
"""

from __future__ import annotations

from typing import Any

from hangar.policies.rules.base import TIERS, Tier

from hangar.records import ResourceRecord

TIER_KEYS = ("hangar.dev/tier", "hangar-dev_tier")
LABEL_FIELDS = ("tags", "labels", "resourceLabels", "nodeLabels")


def resource_labels(record: ResourceRecord) -> dict[str, Any]:
    """Tags and labels of a resource, wherever its provider keeps them."""
    labels: dict[str, Any] = {}
    for field in LABEL_FIELDS:
        value = record.inputs.get(field)
        if isinstance(value, dict):
            labels.update(value)
    metadata = record.inputs.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("labels"), dict):
        labels.update(metadata["labels"])
    return labels


def effective_tier(configured: Tier, record: ResourceRecord | None = None) -> Tier:
    """The stricter of the configured tier and the resource's `hangar.dev/tier` label."""
    tiers = [configured]
    if record is not None:
        labels = resource_labels(record)
        tiers += [labels[key] for key in TIER_KEYS if labels.get(key) in TIERS]
    return max(tiers, key=TIERS.index)
