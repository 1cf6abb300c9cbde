"""Managed services the cost report cannot price are named in it, outside the totals, never counted as zero.

Filestore, Azure Files and EFS shares, and the managed Prometheus services (AMP's workspace and collector, Google's
in every GKE cluster Hangar makes, an Azure Monitor workspace): `hangar cost` says each is not priced, and with what
it is billed on where the vendor's page was read.
"""

from __future__ import annotations

from typer.testing import CliRunner

from hangar.cli import app
from hangar.cost import price_records
from hangar.records import ResourceRecord
from tests.shared_weights_plans import planned

STACK = "urn:pulumi:test::hangar::"
runner = CliRunner()


def record(type_: str, name: str, **inputs) -> ResourceRecord:
    return ResourceRecord(urn=f"{STACK}{type_}::{name}", type=type_, name=name, parent=None, custom=True, inputs=inputs)


def test_each_unpriced_service_is_one_note_and_the_totals_stay_those_of_the_compute():
    records = [
        record("gcp:filestore/instance:Instance", "weights", tier="REGIONAL", fileShares={"name": "weights", "capacityGb": 1024.0}),
        record("azure-native:storage:FileShare", "share", shareQuota=150.0, enabledProtocols="NFS"),
        record("aws:efs/fileSystem:FileSystem", "efs"),
        record("aws:amp/workspace:Workspace", "amp"),
        record("aws:amp/scraper:Scraper", "scraper"),
        record("gcp:container/cluster:Cluster", "gke", monitoringConfig={"managedPrometheus": {"enabled": True}}),
        record("azure-native:monitor:AzureMonitorWorkspace", "azmon"),
    ]
    report = price_records(records)
    assert report.lines == () and report.totals.complete and report.totals.known_usd_per_hour_max == 0
    named = [note for note in report.notes if note.endswith("not priced, not in the totals")]
    assert named == [
        "Amazon Managed Service for Prometheus collector scraper: billed by the hours it runs and the samples it collects; not priced, not in the totals",
        "Amazon Managed Service for Prometheus workspace amp: billed per metric sample ingested, stored and queried; not priced, not in the totals",
        "Azure Files share share (150 GiB provisioned): a premium share bills its provisioned size; not priced, not in the totals",
        "Azure Monitor workspace azmon (managed Prometheus): not priced, not in the totals",
        "EFS file system efs: not priced, not in the totals",
        "Filestore REGIONAL instance weights (1024 GiB provisioned): billed per provisioned GiB by tier and region; not priced, not in the totals",
        "Google Cloud Managed Service for Prometheus in GKE cluster gke: billed per sample ingested and per read request; not priced, not in the totals",
    ]


def test_a_gke_cluster_without_managed_prometheus_and_a_share_of_unknown_size_say_so():
    report = price_records([
        record("gcp:container/cluster:Cluster", "plain", monitoringConfig={"enableComponents": ["SYSTEM_COMPONENTS"]}),
        record("gcp:container/cluster:Cluster", "bare"),
        record("azure-native:storage:FileShare", "share", shareQuota="[unknown]"),
    ])  # fmt: skip
    assert [note for note in report.notes if "not in the totals" in note] == [
        "Azure Files share share (unknown GiB provisioned): a premium share bills its provisioned size; not priced, not in the totals"
    ]


def test_a_shared_gke_store_is_named_with_its_tier_and_size_in_the_plans_cost():
    plan = planned()
    (instance,) = plan.of_type("gcp:filestore/instance:Instance")
    size = instance.inputs["fileShares"]["capacityGb"]
    notes = price_records(plan.resources).notes
    assert f"Filestore ZONAL instance {instance.name} ({size:g} GiB provisioned): billed per provisioned GiB by tier and region; not priced, not in the totals" in notes
    assert any(note.startswith("Google Cloud Managed Service for Prometheus in GKE cluster ") for note in notes)


def test_hangar_cost_prints_the_unpriced_services():
    result = runner.invoke(app, ["cost", "gke-dev", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "- Google Cloud Managed Service for Prometheus in GKE cluster dev: billed per sample ingested and per read request; not priced, not in the totals" in result.stdout
    eks = runner.invoke(app, ["cost", "eks-prod", "--no-cache", "--format", "json"])
    assert "EFS file system prod-weights: not priced, not in the totals" in eks.stdout
