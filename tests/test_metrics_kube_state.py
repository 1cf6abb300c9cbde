"""The pods-pending-for-accelerators alert on the managed pipelines: its series made to exist, and the alert proved.

amp: a pinned kube-state-metrics (pods of the serving namespace only, the four series only) that the managed
scraper reads with a second job adding no `namespace`/`pod` label of its own; azure-monitor: the add-on's
settings ConfigMap widening its minimal kubestate keep-list by `kube_pod_status_unschedulable`. On both, the
alert is in the workspace's rule groups, and promtool runs the planned rule on kube-state-metrics' series.
"""

from __future__ import annotations

import re

import pytest
import tomllib
import yaml
from hangar.components.metrics_kube_state import PENDING_SERIES
from hangar.components.metrics_pending import ALERT
from hangar.policies.rules import evaluate, load_pack_config

from tests.kube_schemas import problems as manifest_problems
from tests.kube_state_series import KubePod, PodState, series
from tests.metrics_objects import RELEASE
from tests.promql import fired, run_promtool
from tests.serving_plans import of_kind, plan_environment, raw_environment

STEPS = 100
RUNNING, UNSCHEDULABLE = PodState("Running", node="gpu-node-1"), PodState("Pending", unschedulable=True)


def managed(stack: str, pipeline: str, **cluster) -> dict:
    environment = raw_environment(stack)
    environment["clusters"][0]["metrics"] = {"pipeline": pipeline}
    environment["clusters"][0].update(cluster)
    return environment


@pytest.fixture(scope="module")
def amp_plan():
    return plan_environment(managed("eks-prod", "amp"))


@pytest.fixture(scope="module")
def azure_plan():
    return plan_environment(managed("aks-staging", "azure-monitor"))


def the_pending_rule(groups: list[dict]) -> dict:
    (rule,) = [r for g in groups for r in g["rules"] if r.get("alert") == ALERT]
    return rule


def assert_fires_after_fifteen_minutes_for_its_own_pods_only(tmp_path, groups, namespace, own_pod, owner_kind, owner, other_owner):
    """promtool on the planned groups: the third replica stays unschedulable; neighbours' pods never count."""
    appears = 20
    pods = {
        KubePod(namespace, f"{own_pod}-a", owner_kind, owner): [RUNNING] * STEPS,
        KubePod(namespace, own_pod, owner_kind, owner): [None] * appears + [UNSCHEDULABLE] * (STEPS - appears),
        KubePod(namespace, "other-0", "StatefulSet", other_owner): [UNSCHEDULABLE] * STEPS,
        KubePod("elsewhere", own_pod, owner_kind, owner): [UNSCHEDULABLE] * STEPS,
    }
    wrapped = {"spec": {"groups": groups}}
    start = appears * 15
    alerts = [fired(wrapped, ALERT, start + 14 * 60, False), fired(wrapped, ALERT, start + 16 * 60, True)]
    run_promtool(tmp_path, groups, [], alerts=alerts, extra_series=series(pods))


# --- amp ----------------------------------------------------------------------------------------------


def test_amp_installs_a_pinned_kube_state_metrics_exposing_only_the_alerts_series_of_the_serving_namespace(amp_plan):
    (release,) = [r.inputs for r in amp_plan if r.type == RELEASE and r.inputs["chart"] == "kube-state-metrics"]
    # eks-prod runs Kubernetes 1.35: the chart whose kube-state-metrics (v2.19.1) is built for it
    assert (release["version"], release["namespace"], release["repositoryOpts"]["repo"]) == ("8.3.1", "kube-state-metrics", "https://prometheus-community.github.io/helm-charts")
    values = release["values"]
    assert values["collectors"] == ["pods"] and values["namespaces"] == "eks-prod"
    assert values["metricAllowlist"] == list(PENDING_SERIES) == [
        "kube_pod_status_phase", "kube_pod_status_unschedulable", "kube_pod_container_resource_requests", "kube_pod_owner",
    ]  # fmt: skip
    assert values["nodeSelector"] == {"hangar.dev/pool": "system"} and "global" not in values
    # reachable only from the scraper's two subnets, on its metrics port; its own watch of the API server stays open
    assert values["networkPolicy"] == {
        "enabled": True,
        "ingress": [{"from": [{"ipBlock": {"cidr": "10.20.248.0/22"}}, {"ipBlock": {"cidr": "10.20.252.0/22"}}], "ports": [{"port": "http", "protocol": "TCP"}]}],
        "egress": [{}],
    }


def supported_versions_findings(plan) -> list[tuple[str, str]]:
    return [(v.level, v.message) for v in evaluate(list(plan), load_pack_config({}, "test")) if v.policy == "hangar-supported-versions"]


def test_the_kube_state_metrics_chart_is_the_one_built_for_the_clusters_minor(amp_plan):
    """kube-state-metrics supports only its client-go's minor (hangar.chart_support): 7.0.1 on 1.33 ... 8.4.0 on 1.36."""
    # EKS 1.33 is past standard support (a config error in prod): a staging cluster; the KEDA Hangar installs does not list
    # 1.36 (a config error), so that cluster brings its own
    plans = {
        "1.33": plan_environment(managed("eks-prod", "amp", kubernetes_version="1.33") | {"tier": "staging"}),
        "1.34": plan_environment(managed("eks-prod", "amp", kubernetes_version="1.34")),
        "1.35": amp_plan,
        "1.36": plan_environment(managed("eks-prod", "amp", kubernetes_version="1.36", replica_autoscaler="keda-existing")),
    }
    versions = {minor: [r.inputs["version"] for r in plan if r.type == RELEASE and r.inputs["chart"] == "kube-state-metrics"] for minor, plan in plans.items()}
    assert versions == {"1.33": ["7.0.1"], "1.34": ["7.3.0"], "1.35": ["8.3.1"], "1.36": ["8.4.0"]}
    assert {minor: [m for _, m in supported_versions_findings(plan) if "kube-state-metrics" in m] for minor, plan in plans.items()} == dict.fromkeys(plans, [])


def test_on_a_minor_no_pinned_chart_is_built_for_the_rule_says_so():
    environment = managed("eks-prod", "amp", kubernetes_version="1.31", replica_autoscaler="keda-existing") | {"tier": "staging"}
    plan = plan_environment(environment)
    found = [(level, m) for level, m in supported_versions_findings(plan) if "kube-state-metrics" in m]
    assert found == [(
        "mandatory",
        "prod-kube-state-metrics: chart kube-state-metrics 8.4.0 supports Kubernetes 1.36 only (the client-go its kube-state-metrics "
        "release is built with; other versions are best effort, its README says), but cluster prod runs Kubernetes 1.31; pin "
        "kube-state-metrics chart of 5.27.0 to 5.29.0 (built for Kubernetes 1.31), or move the cluster into the chart's range",
    )]


def test_in_cluster_the_stacks_kube_state_metrics_is_the_release_built_for_the_clusters_minor():
    """kube-prometheus-stack 88.5.3 depends on kube-state-metrics 8.4.0 (v2.20.0, built for 1.36): on 1.35 its image is v2.19.1,
    on 1.34 v2.18.0, and the rule passes both; on 1.36 the chart's own."""
    plans = {
        "1.34": plan_environment(raw_environment("eks-prod") | {"clusters": [raw_environment("eks-prod")["clusters"][0] | {"kubernetes_version": "1.34"}]}),
        "1.35": plan_environment(raw_environment("eks-prod")),
    }
    for minor, tag in (("1.34", "v2.18.0"), ("1.35", "v2.19.1")):
        (stack,) = [r.inputs for r in plans[minor] if r.type == RELEASE and r.inputs["chart"] == "kube-prometheus-stack"]
        assert stack["values"]["kube-state-metrics"] == {"nodeSelector": {"hangar.dev/pool": "system"}, "image": {"tag": tag}}
        assert not [m for _, m in supported_versions_findings(plans[minor]) if "kube-prometheus-stack" in m]


def test_the_amp_scraper_reads_kube_state_metrics_keeping_its_namespace_and_pod_labels(amp_plan):
    (scraper,) = [r for r in amp_plan if r.type == "aws:amp/scraper:Scraper"]
    _, job = yaml.safe_load(scraper.inputs["scrapeConfiguration"])["scrape_configs"]
    assert job["job_name"] == "kube-state-metrics"
    assert job["kubernetes_sd_configs"] == [{"role": "pod", "namespaces": {"names": ["kube-state-metrics"]}}]
    steps = [(step["source_labels"], step.get("regex"), step["action"]) for step in job["relabel_configs"]]
    assert steps == [
        (["__meta_kubernetes_pod_label_app_kubernetes_io_instance"], "kube-state-metrics", "keep"),
        (["__meta_kubernetes_pod_label_app_kubernetes_io_name"], "kube-state-metrics", "keep"),
        (["__meta_kubernetes_pod_container_port_name"], "http", "keep"),
    ]
    # a target label `namespace` or `pod` would collide with the exported ones (renamed exported_namespace without honor_labels)
    assert not [step for step in job["relabel_configs"] if step.get("target_label") in ("namespace", "pod")]


def test_the_amp_workspace_evaluates_the_pending_alert_and_it_fires_only_for_its_own_pods(amp_plan, tmp_path):
    (namespace,) = [r.inputs for r in amp_plan if r.type == "aws:amp/ruleGroupNamespace:RuleGroupNamespace"]
    groups = yaml.safe_load(namespace["data"])["groups"]
    rule = the_pending_rule(groups)
    assert rule["for"] == "15m" and rule["labels"] == {"namespace": "eks-prod", "deployment": "llama-70b", "severity": "warning"}
    rs = "llama-70b-5d8f7c9b6"  # eks-prod's server is a Deployment (shared weights): pods of its ReplicaSet
    assert_fires_after_fifteen_minutes_for_its_own_pods_only(tmp_path, groups, "eks-prod", f"{rs}-w4c2n", "ReplicaSet", rs, "llama-70b-canary")


def test_an_air_gapped_amp_cluster_pulls_kube_state_metrics_from_its_mirror():
    mirror = "111122223333.dkr.ecr.us-east-1.amazonaws.com/mirror"
    environment = managed("eks-prod", "amp", registry_mirror=mirror)
    environment["clusters"][0].setdefault("network", {})["egress"] = "none"
    environment["clusters"][0]["chart_repository"] = "https://charts.corp.internal/hangar"  # and the chart from the chart mirror
    environment["deployments"][0]["weights"] = {"source": "mirror", "endpoint": "https://hf-mirror.internal"}
    (release,) = [r.inputs for r in plan_environment(environment) if r.type == RELEASE and r.inputs["chart"] == "kube-state-metrics"]
    assert release["values"]["global"] == {"imageRegistry": mirror}
    assert release["repositoryOpts"] == {"repo": "https://charts.corp.internal/hangar"}


def test_no_other_pipeline_gets_a_second_kube_state_metrics():
    for stack in ("eks-prod", "aks-staging", "gke-dev"):
        plan = plan_environment(raw_environment(stack))
        assert not [r for r in plan if r.type == RELEASE and r.inputs["chart"] == "kube-state-metrics"], stack


# --- azure-monitor ------------------------------------------------------------------------------------


def test_azure_widens_the_add_ons_minimal_kubestate_keep_list_by_the_missing_series(azure_plan):
    (settings,) = [c for c in of_kind(azure_plan, "ConfigMap") if c["metadata"]["name"] == "ama-metrics-settings-configmap"]
    assert settings["metadata"]["namespace"] == "kube-system" and manifest_problems(settings, "1.33") == []
    assert settings["data"]["schema-version"] == "v1" and len(settings["data"]["config-version"]) <= 10  # the add-on truncates longer versions
    keep = tomllib.loads(settings["data"]["default-targets-metrics-keep-list"])
    assert keep == {"kubestate": "kube_pod_status_unschedulable", "minimalingestionprofile": True}  # merged with the minimal list, not replacing it
    assert re.fullmatch(keep["kubestate"], "kube_pod_status_unschedulable") and not re.fullmatch(keep["kubestate"], "kube_pod_status_unschedulable_x")
    assert set(settings["data"]) == {"schema-version", "config-version", "default-targets-metrics-keep-list"}  # every other section keeps its default
    assert not [c for c in of_kind(plan_environment(raw_environment("aks-staging")), "ConfigMap") if c["metadata"]["name"] == "ama-metrics-settings-configmap"]


def test_the_azure_workspace_evaluates_the_pending_alert_and_it_fires_only_for_its_own_pods(azure_plan, tmp_path):
    (group,) = [r.inputs for r in azure_plan if r.type == "azure-native:alertsmanagement:PrometheusRuleGroup"]
    (rule,) = [r for r in group["rules"] if r["alert"] == ALERT]
    assert rule["for"] == "PT15M" and rule["labels"] == {"namespace": "aks-staging", "deployment": "mixtral", "severity": "warning"}
    # back to the Prometheus rule format promtool reads: the same expression, the ISO duration as Prometheus writes it
    groups = [{"name": "azure", "rules": [{"alert": rule["alert"], "expr": rule["expression"], "for": "15m", "labels": rule["labels"], "annotations": rule["annotations"]}]}]
    assert_fires_after_fifteen_minutes_for_its_own_pods_only(tmp_path, groups, "aks-staging", "mixtral-2", "StatefulSet", "mixtral", "mixtral-canary")
