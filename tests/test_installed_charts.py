"""The charts Hangar installs because of what a stack runs are refused by the spec on a Kubernetes version they do not support.

The KEDA HTTP add-on (installed beside KEDA when a deployment scales to zero), LeaderWorkerSet (when a replica
spans hosts) and the NVIDIA GPU Operator (on-prem, `gpu_operator: operator`) as KEDA itself is (tests/test_metrics.py): a config error naming the key,
before anything is registered. Raw programs' releases are judged by the pack instead (tests/test_chart_versions.py).
"""

from __future__ import annotations

import pytest
from hangar.components.onprem import GPU_OPERATOR
from hangar.components.serving_environment import HTTP_ADD_ON_CHART, LWS_CHART
from typer.testing import CliRunner

from hangar.chart_support import chart_support
from hangar.cli import app
from hangar.installed_charts import GPU_OPERATOR_VERSION, LWS_VERSION
from hangar.keda import HTTP_ADD_ON_VERSION
from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems
from tests.conftest import ROOT
from tests.serving_plans import raw_environment

ADD_ON = (
    "the KEDA HTTP add-on Hangar installs to wake qwen-7b from zero (keda-add-ons-http 0.15.0) supports Kubernetes 1.34 to 1.36 "
    "(the KEDA HTTP add-on 0.15 docs: tested against the three newest minors), not 1.33; set min_replicas 1 (no scale to zero), "
    "or use replica_autoscaler keda-existing with an add-on that supports it"
)


def test_the_spec_refuses_the_http_add_on_outside_its_range():
    result = CliRunner().invoke(app, ["check", "http-add-on-unsupported", "-C", str(ROOT / "tests" / "bad_stacks")], catch_exceptions=False)
    assert result.exit_code == 2
    assert f"hangar:environment.clusters[0].kubernetes_version: {ADD_ON}; got '1.33'" in result.output
    environment = raw_environment("gke-dev")  # batch qwen-7b scales to zero on KEDA 2.20.2, which supports 1.33
    environment["clusters"][0]["kubernetes_version"] = "1.33"
    assert config_problems(environment) == [f"Pulumi.test.yaml: hangar:environment.clusters[0].kubernetes_version: {ADD_ON}; got '1.33'"]
    del environment["deployments"][0]["autoscaling"]["min_replicas"]  # a batch deployment's default minimum is 0 too
    assert config_problems(environment) == [f"Pulumi.test.yaml: hangar:environment.clusters[0].kubernetes_version: {ADD_ON}; got '1.33'"]


def test_no_add_on_is_installed_so_nothing_is_refused_without_scale_to_zero_or_with_the_clusters_own_keda():
    environment = raw_environment("gke-dev")
    environment["clusters"][0]["kubernetes_version"] = "1.33"
    environment["deployments"][0]["autoscaling"]["min_replicas"] = 1
    environment_from_config(environment, "Pulumi.test.yaml")
    environment["deployments"][0]["autoscaling"]["min_replicas"] = 0
    environment["clusters"][0]["replica_autoscaler"] = "keda-existing"
    environment_from_config(environment, "Pulumi.test.yaml")


@pytest.mark.parametrize("version", ["1.32", "1.37"])
def test_the_spec_refuses_the_gpu_operator_outside_its_validated_range(version):
    environment = raw_environment("onprem")
    environment["clusters"][0] |= {"kubernetes_version": version, "replica_autoscaler": "keda-existing"}  # the KEDA Hangar installs would refuse both
    assert (
        f"Pulumi.test.yaml: hangar:environment.clusters[0].kubernetes_version: the NVIDIA GPU Operator Hangar installs (gpu-operator v26.7.0) "
        f"supports Kubernetes 1.33 to 1.36 (the GPU Operator 26.7.0 platform support page), not {version}; or set gpu_operator device-plugin or none; "
        f"got '{version}'"
    ) in config_problems(environment)  # 1.32 is also out of upstream support, which prod refuses; 1.37 is in it
    environment["clusters"][0]["gpu_operator"] = "device-plugin"
    if version == "1.37":
        environment_from_config(environment, "Pulumi.test.yaml")  # 1.37 is in upstream support: nothing else to refuse
    else:
        assert not any("GPU Operator" in line for line in config_problems(environment))


def test_the_spec_refuses_leader_worker_set_below_its_oldest_version_where_a_replica_spans_hosts():
    environment = raw_environment("eks-prod")
    environment["tier"] = "dev"  # an out-of-support version is only a warning outside prod
    environment["clusters"][0] |= {"kubernetes_version": "1.25", "replica_autoscaler": "hpa"}  # the KEDA Hangar installs would refuse 1.25
    environment["deployments"][0].update(tensor_parallel=16, latency_class="interactive", autoscaling={"min_replicas": 1, "max_replicas": 1})
    assert config_problems(environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].kubernetes_version: the LeaderWorkerSet Hangar installs to run llama-70b across hosts "
        "(lws 0.8.0) supports Kubernetes 1.26 and later (the LeaderWorkerSet v0.8.0 installation docs), not 1.25; got '1.25'"
    ]
    environment["deployments"][0]["tensor_parallel"] = 8  # one node holds the replica: no LeaderWorkerSet
    environment_from_config(environment, "Pulumi.test.yaml")


def test_the_versions_the_spec_judges_are_those_the_components_install_and_their_ranges_are_recorded():
    pinned = {"keda-add-ons-http": (HTTP_ADD_ON_CHART, HTTP_ADD_ON_VERSION), "gpu-operator": (GPU_OPERATOR, GPU_OPERATOR_VERSION), "lws": (LWS_CHART, LWS_VERSION)}
    for name, (chart, version) in pinned.items():
        assert (chart.name, chart.version) == (name, version) and chart_support(name, version) is not None, name
