"""An image mirror and an OCI chart repository per cloud, the gateway environment on GKE without egress that takes them, and the images a plan pulls: what the air-gapped serving and routing tests share."""

from __future__ import annotations

from tests.serving_plans import gke, kube_records, manifest

MIRROR = "111122223333.dkr.ecr.us-east-1.amazonaws.com/mirror"
GCP_MIRROR = "us-docker.pkg.dev/ml-dev/mirror"
CHARTS = {"aws": "oci://111122223333.dkr.ecr.us-east-1.amazonaws.com/charts", "gcp": "oci://us-docker.pkg.dev/ml-dev/charts"}


def images(plan) -> list[str]:
    """Every container image of every Kubernetes object of the plan."""
    found = []

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("containers", "initContainers") and isinstance(item, list):
                    found.extend(str(c.get("image")) for c in item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for record in kube_records(plan):
        walk(manifest(record))
    return found


def gke_without_egress() -> dict:
    raw = gke()
    cluster = raw["clusters"][0]
    cluster["network"] = {**cluster.get("network", {}), "egress": "none"}
    cluster["registry_mirror"], cluster["chart_repository"] = GCP_MIRROR, CHARTS["gcp"]
    for deployment in raw["deployments"]:
        deployment["weights"] = {"source": "mirror", "endpoint": "https://hf-mirror.corp.internal"}
    return raw
