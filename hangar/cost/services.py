"""Managed services a plan creates that the cost report does not price: each named, with what it is billed on.

The report prices compute (`hangar.cost.pricers`); these cost money too, and a total that silently left them out
would read as complete. No rate of theirs could be read here, and the metrics services bill by volume the plan
does not know, so each is a note saying so and none is counted (never as zero: they are outside the totals, and
the note says it). Billing bases as their vendors state them (read 2026-12-02):

* Filestore: billed per second on the capacity provisioned, not the capacity used, per GiB by service tier and
  region (https://cloud.google.com/filestore/pricing, read in its French and Polish versions; the rates sit in a
  per-region table the page fills in, which could not be read here);
* Azure Files premium (SSD) shares: a provisioned billing model, "based on the amount of storage ... you provision
  ... regardless of how much you use" (https://learn.microsoft.com/azure/storage/files/understanding-billing; the
  rates are on the Azure Files pricing page, not read);
* Amazon EFS: not read here; the note names it only;
* Amazon Managed Service for Prometheus: metric samples ingested, stored (GB-month) and queried (query samples
  processed), and its managed collector by the hours it runs and the samples it collects
  (https://aws.amazon.com/prometheus/pricing/, the rate table not read);
* Google Cloud Managed Service for Prometheus, which Hangar turns on in every GKE cluster: "charges for the number of
  samples ingested into Cloud Monitoring and for read requests to the Monitoring API"
  (https://cloud.google.com/stackdriver/docs/managed-prometheus/cost-controls);
* an Azure Monitor workspace (AKS's managed Prometheus): not read here; the note names it only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from hangar.records import ResourceRecord

OUTSIDE = "not priced, not in the totals"


def _number(value: Any) -> str | None:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _filestore(record: ResourceRecord) -> str | None:
    share = record.inputs.get("fileShares") or {}
    size = _number(share.get("capacityGb")) if isinstance(share, dict) else None
    tier = record.inputs.get("tier") or "?"
    return f"Filestore {tier} instance {record.name} ({size or 'unknown'} GiB provisioned): billed per provisioned GiB by tier and region; {OUTSIDE}"


def _azure_files(record: ResourceRecord) -> str | None:
    size = _number(record.inputs.get("shareQuota"))
    return f"Azure Files share {record.name} ({size or 'unknown'} GiB provisioned): a premium share bills its provisioned size; {OUTSIDE}"


def _efs(record: ResourceRecord) -> str | None:
    return f"EFS file system {record.name}: {OUTSIDE}"


def _amp(record: ResourceRecord) -> str | None:
    return f"Amazon Managed Service for Prometheus workspace {record.name}: billed per metric sample ingested, stored and queried; {OUTSIDE}"


def _amp_scraper(record: ResourceRecord) -> str | None:
    return f"Amazon Managed Service for Prometheus collector {record.name}: billed by the hours it runs and the samples it collects; {OUTSIDE}"


def _gke_managed_prometheus(record: ResourceRecord) -> str | None:
    config = record.inputs.get("monitoringConfig") or {}
    managed = config.get("managedPrometheus") if isinstance(config, dict) else None
    if not (isinstance(managed, dict) and managed.get("enabled") is True):
        return None
    return f"Google Cloud Managed Service for Prometheus in GKE cluster {record.name}: billed per sample ingested and per read request; {OUTSIDE}"


def _azure_monitor(record: ResourceRecord) -> str | None:
    return f"Azure Monitor workspace {record.name} (managed Prometheus): {OUTSIDE}"


SERVICES: dict[str, Callable[[ResourceRecord], str | None]] = {
    "gcp:filestore/instance:Instance": _filestore,
    "azure-native:storage:FileShare": _azure_files,
    "aws:efs/fileSystem:FileSystem": _efs,
    "aws:amp/workspace:Workspace": _amp,
    "aws:amp/scraper:Scraper": _amp_scraper,
    "gcp:container/cluster:Cluster": _gke_managed_prometheus,
    "azure-native:monitor:AzureMonitorWorkspace": _azure_monitor,
}
"""Type token -> the note naming an unpriced service of that record (None when the record runs none)."""


def unpriced_services(records: Iterable[ResourceRecord]) -> list[str]:
    """One note per unpriced managed service of the plan, in a stable order."""
    notes = (SERVICES[record.type](record) for record in records if record.type in SERVICES)
    return sorted(note for note in notes if note)
