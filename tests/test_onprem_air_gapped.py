"""Air-gapped on-prem and edge clusters: public registries refused, every image and chart from the mirror.

Moved unchanged from tests/test_onprem.py.
"""

from __future__ import annotations

import json
import re

import pytest
from hangar.components.onprem import GPU_OPERATOR, GPU_OPERATOR_IMAGES
from typer.testing import CliRunner

from hangar.cli import app
from hangar.spec import PUBLIC_REGISTRIES
from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems
from tests.conftest import ROOT
from tests.onprem_plans import RELEASE, copy_project, onprem_environment, plan_environment, release

AIR_GAPPED = {"air_gapped": True, "registry_mirror": "registry.dc1.internal:5000/mirror", "chart_repository": "oci://registry.dc1.internal:5000/charts"}


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            {"registry_mirror": "nvcr.io/nvidia"},
            ("Pulumi.test.yaml: hangar:environment.clusters[0].registry_mirror: nvcr.io is a public registry, "
            "unreachable from an air-gapped cluster; name an internal one; got 'nvcr.io/nvidia'"),
        ),
        (
            {"registry_mirror": "registry-1.docker.io/library"},
            ("Pulumi.test.yaml: hangar:environment.clusters[0].registry_mirror: docker.io is a public registry, "
            "unreachable from an air-gapped cluster; name an internal one; got 'registry-1.docker.io/library'"),
        ),
        (
            {"chart_repository": "https://helm.ngc.nvidia.com/nvidia"},
            ("Pulumi.test.yaml: hangar:environment.clusters[0].chart_repository: ngc.nvidia.com is a public registry, "
            "unreachable from an air-gapped cluster; name an internal one; got 'https://helm.ngc.nvidia.com/nvidia'"),
        ),
        (
            {"chart_repository": "oci://ghcr.io/nvidia/charts"},
            ("Pulumi.test.yaml: hangar:environment.clusters[0].chart_repository: ghcr.io is a public registry, "
            "unreachable from an air-gapped cluster; name an internal one; got 'oci://ghcr.io/nvidia/charts'"),
        ),
        (
            {"registry_mirror": None},
            ("Pulumi.test.yaml: hangar:environment.clusters[0].registry_mirror: an air-gapped cluster pulls every image "
            "from an internal registry: name it; got null"),
        ),
        (
            {"chart_repository": None},
            ("Pulumi.test.yaml: hangar:environment.clusters[0].chart_repository: an air-gapped cluster installs charts "
            "from an internal chart repository: name it; got null"),
        ),
    ],
)
def test_an_air_gapped_cluster_refuses_public_registries(change, line):
    assert config_problems(onprem_environment(**{**AIR_GAPPED, **change})) == [line]


def test_public_registries_are_fine_when_not_air_gapped():
    environment_from_config(onprem_environment(registry_mirror="quay.io/example", chart_repository="https://nvidia.github.io/charts"), "test")


def test_an_air_gapped_cluster_without_charts_to_install_needs_no_chart_repository():
    environment_from_config(onprem_environment(air_gapped=True, registry_mirror="registry.dc1.internal/mirror", gpu_operator="none", dcgm_exporter=False), "test")


def test_an_air_gapped_plan_takes_every_image_and_chart_from_the_mirror():
    plan, cluster = plan_environment(onprem_environment(**AIR_GAPPED))
    (operator,) = plan.of_type(RELEASE)
    inputs = operator.inputs
    assert inputs["chart"] == "oci://registry.dc1.internal:5000/charts/gpu-operator" and "repositoryOpts" not in inputs
    assert inputs["version"] == GPU_OPERATOR.version
    values = inputs["values"]
    for dotted in GPU_OPERATOR_IMAGES:
        node = values
        for part in dotted.split("."):
            node = node[part]
        assert node["repository"].startswith("registry.dc1.internal:5000/mirror/"), dotted
    assert values["dcgmExporter"]["repository"] == "registry.dc1.internal:5000/mirror/nvidia/k8s"
    assert values["node-feature-discovery"]["image"]["repository"] == "registry.dc1.internal:5000/mirror/nfd/node-feature-discovery"
    release_text = json.dumps([r.inputs for r in plan.of_type(RELEASE)])
    hosts = re.findall(r"[a-z0-9.-]+\.[a-z]{2,}", release_text)
    assert [h for h in hosts if any(h == p or h.endswith(f".{p}") for p in PUBLIC_REGISTRIES)] == []
    assert cluster.image_registry == "registry.dc1.internal:5000/mirror"
    assert cluster.mirrored_images["nvcr.io/nvidia/k8s"] == "registry.dc1.internal:5000/mirror/nvidia/k8s"


def test_an_air_gapped_edge_site_mirrors_the_device_plugin_and_the_exporter():
    plan, _ = plan_environment(
        onprem_environment(distribution="k3s", dcgm_exporter=True, air_gapped=True, registry_mirror="mirror.site.lan", chart_repository="https://charts.site.lan/nvidia")
    )
    plugin, exporter = release(plan, "nvidia-device-plugin"), release(plan, "dcgm-exporter")
    assert plugin["repositoryOpts"] == exporter["repositoryOpts"] == {"repo": "https://charts.site.lan/nvidia"}
    assert plugin["values"]["image"]["repository"] == "mirror.site.lan/nvidia/k8s-device-plugin"
    assert plugin["values"]["nfd"]["image"]["repository"] == "mirror.site.lan/nfd/node-feature-discovery"
    assert exporter["values"]["image"]["repository"] == "mirror.site.lan/nvidia/k8s/dcgm-exporter"


def test_the_cli_reports_a_public_registry_in_an_air_gapped_stack(tmp_path):
    stack = (ROOT / "stacks" / "Pulumi.edge.yaml").read_text().replace(
        "        distribution: k3s\n", "        distribution: k3s\n        air_gapped: true\n        registry_mirror: docker.io/mirror\n"
    )
    root = copy_project(tmp_path, "edge", stack)
    result = CliRunner().invoke(app, ["plan", "edge", "-C", str(root)], catch_exceptions=False)
    assert result.exit_code == 2
    file = f"{tmp_path}/stacks/Pulumi.edge.yaml"
    assert result.stderr.strip().splitlines() == [
        (f"error: {file}: hangar:environment.clusters[0].registry_mirror: docker.io is a public registry, unreachable from an air-gapped cluster; "
        "name an internal one; got 'docker.io/mirror'"),
        (f"error: {file}: hangar:environment.clusters[0].chart_repository: an air-gapped cluster installs charts from an internal chart repository: "
        "name it; got null"),
    ]
