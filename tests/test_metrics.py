"""The metrics pipeline: what scrapes each model server, who the NetworkPolicy admits, where KEDA queries and how it signs in.

Per pipeline (in-cluster on EKS/AKS/on-prem, gke-managed on GKE, existing anywhere): the pipeline's
objects, the scrape object selecting exactly the server's pods and metrics port, the NetworkPolicy
admitting exactly the scraper's pods, the ScaledObject's `serverAddress` and `authenticationRef`;
and the spec's errors (a pipeline the target cannot run, a Kubernetes version KEDA does not support).
"""

from __future__ import annotations

from typing import Any

import pytest
from hangar.components.metrics import GMP_SCRAPER, IN_CLUSTER_SCRAPER, IN_CLUSTER_URL, KUBE_PROMETHEUS_STACK, PROMETHEUS_NAME, keda_account_id

from hangar import keda
from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems
from tests.metrics_objects import RELEASE, scaled_object_trigger, the_policy
from tests.serving_plans import (
    example_environment,
    example_plan,
    of_kind,
    plan_environment,
    pod_templates,
    raw_environment,
    server_container,
    workloads,
)


def scrape_objects(plan) -> list[dict[str, Any]]:
    return of_kind(plan, "PodMonitor") + of_kind(plan, "PodMonitoring")


# --- spec ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "pipeline"), [("eks-prod", "in-cluster"), ("aks-staging", "in-cluster"), ("gke-dev", "gke-managed"), ("gke-tpu", "gke-managed"), ("onprem", "in-cluster"), ("edge", "in-cluster")])
def test_each_target_has_a_default_pipeline(stack, pipeline):
    cluster = example_environment(stack).clusters[0]
    assert cluster.metrics.pipeline is None and cluster.metrics.resolved(cluster.provider) == pipeline


def test_gke_managed_prometheus_is_refused_outside_gke_naming_the_key():
    environment = raw_environment("eks-prod")
    environment["clusters"][0]["metrics"] = {"pipeline": "gke-managed"}
    assert config_problems(environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].metrics.pipeline: GKE Managed Service for Prometheus is not available on EKS clusters; "
        "use in-cluster or amp or existing; got 'gke-managed'"
    ]


def test_an_existing_pipeline_needs_its_url_and_scraper_and_nothing_else_takes_them():
    environment = raw_environment("eks-prod")
    environment["clusters"][0]["metrics"] = {"pipeline": "existing"}
    assert config_problems(environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].metrics.url: the existing pipeline needs it: where KEDA queries, and which pods scrape; got null",
        "Pulumi.test.yaml: hangar:environment.clusters[0].metrics.scraper_namespace: the existing pipeline needs it: where KEDA queries, and which pods scrape; got null",
    ]
    environment["clusters"][0]["metrics"] = {"url": "http://prometheus.obs.svc:9090"}
    assert config_problems(environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].metrics.url: only with pipeline existing; pipeline default decides it; got 'http://prometheus.obs.svc:9090'"
    ]
    environment["clusters"][0]["metrics"] = {"pipeline": "existing", "url": "prometheus:9090", "scraper_namespace": "obs"}
    assert [line.split(": ")[1] for line in config_problems(environment)] == ["hangar:environment.clusters[0].metrics.url"]


def test_keda_must_support_the_clusters_kubernetes_version():
    assert keda.KEDA_VERSION == "2.20.2" and keda.KUBERNETES_SUPPORT["2.20"] == ("1.33", "1.35")
    assert keda.supports("2.20.2", "1.33") and keda.supports("2.20.2", "1.35")
    assert not keda.supports("2.20.2", "1.32") and not keda.supports("2.20.2", "1.36") and not keda.supports("2.16.1", "1.33")
    assert keda.releases_supporting("1.32") == ["2.19", "2.18", "2.17"] and keda.releases_supporting("1.99") == []
    environment = raw_environment("gke-dev")  # a dev stack: an old version is only a warning of the support table there
    environment["clusters"][0]["kubernetes_version"] = "1.32"
    assert config_problems(environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].kubernetes_version: the KEDA Hangar installs (2.20.2) supports Kubernetes 1.33 to 1.35 "
        "(keda.sh Kubernetes compatibility); KEDA 2.19, 2.18, 2.17 support it: install one yourself and use replica_autoscaler keda-existing, "
        "or use replica_autoscaler hpa; got '1.32'"
    ]
    environment["deployments"][0]["autoscaling"]["min_replicas"] = 1  # an hpa cannot scale to zero
    for other in ("keda-existing", "hpa"):  # Hangar installs no KEDA: nothing to check
        environment["clusters"][0]["replica_autoscaler"] = other
        environment_from_config(environment, "Pulumi.test.yaml")


def test_every_example_cluster_runs_a_kubernetes_version_the_pinned_keda_supports():
    for stack in ("eks-prod", "aks-staging", "gke-dev", "gke-tpu", "onprem", "edge"):
        for cluster in example_environment(stack).clusters:
            assert keda.supports(keda.KEDA_VERSION, cluster.kubernetes_version), (stack, cluster.kubernetes_version)


def test_an_air_gapped_site_with_in_cluster_metrics_must_name_its_chart_repository():
    environment = raw_environment("onprem")
    environment["clusters"][0].update(air_gapped=True, registry_mirror="registry.dc1.internal:5000/mirror", gpu_operator="none", dcgm_exporter=False,
                                      replica_autoscaler="keda-existing")  # fmt: skip
    environment["deployments"][0]["weights"] = {"source": "volume", "claim": "llama-weights"}  # no Hub on an air-gapped site
    assert config_problems(environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].chart_repository: an air-gapped cluster installs its in-cluster Prometheus "
        "(kube-prometheus-stack) from an internal chart repository: name it, or use metrics.pipeline existing; got null"
    ]
    environment["clusters"][0]["metrics"] = {"pipeline": "existing", "url": "http://prometheus.obs.svc:9090", "scraper_namespace": "obs"}
    environment_from_config(environment, "Pulumi.test.yaml")


# --- in-cluster ---------------------------------------------------------------------------------------


def test_in_cluster_installs_a_pinned_kube_prometheus_stack_that_reads_every_pod_monitor():
    plan = example_plan("eks-prod")
    (release,) = [r.inputs for r in plan if r.type == RELEASE and r.inputs["chart"] == "kube-prometheus-stack"]
    assert (release["version"], release["namespace"], release["repositoryOpts"]) == ("88.5.3", "monitoring", {"repo": "https://prometheus-community.github.io/helm-charts"})
    assert KUBE_PROMETHEUS_STACK.version == release["version"]
    values = release["values"]
    spec = values["prometheus"]["prometheusSpec"]
    assert spec["podMonitorSelectorNilUsesHelmValues"] is False and spec["ruleSelectorNilUsesHelmValues"] is False
    assert values["fullnameOverride"] == "hangar" and PROMETHEUS_NAME == "hangar-prometheus"
    assert spec["nodeSelector"] == values["prometheusOperator"]["nodeSelector"] == {"hangar.dev/pool": "system"}
    assert values["grafana"] == {"enabled": True, "nodeSelector": {"hangar.dev/pool": "system"}} and values["kubeScheduler"] == {"enabled": False}
    # on-prem the control plane can be scraped, and nothing is pinned to a system pool it does not have
    (onprem,) = [r.inputs for r in example_plan("onprem") if r.type == RELEASE and r.inputs["chart"] == "kube-prometheus-stack"]
    assert "kubeScheduler" not in onprem["values"] and "nodeSelector" not in onprem["values"]["prometheus"]["prometheusSpec"]


@pytest.mark.parametrize("stack", ["eks-prod", "aks-staging", "onprem", "edge"])
def test_in_cluster_scrapes_each_server_with_a_pod_monitor_on_its_pods_and_metrics_port(stack):
    plan = example_plan(stack)
    (deployment,) = example_environment(stack).deployments
    (workload,) = workloads(plan)
    (monitor,) = scrape_objects(plan)
    assert (monitor["apiVersion"], monitor["kind"]) == ("monitoring.coreos.com/v1", "PodMonitor")
    assert monitor["metadata"]["namespace"] == workload["metadata"]["namespace"]
    # exactly this server's pods: the workload's own selector, which the pod template carries
    assert monitor["spec"]["selector"] == workload["spec"]["selector"]
    template_labels = pod_templates(workload)[0]["metadata"]["labels"]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= template_labels.items()
    assert monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"] == deployment.name
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    (port,) = server_container(workload)["ports"]
    assert (endpoint["port"], endpoint["path"], endpoint["interval"]) == (port["name"], "/metrics", "15s")
    # no dead annotations: neither the operator nor GMP reads prometheus.io/*
    assert not [key for template in pod_templates(workload) for key in template["metadata"]["annotations"] if key.startswith("prometheus.io/")]


@pytest.mark.parametrize("stack", ["eks-prod", "aks-staging", "onprem", "edge"])
def test_in_cluster_admits_exactly_the_prometheus_pods_and_keda_queries_its_service(stack):
    plan = example_plan(stack)
    (deployment,) = example_environment(stack).deployments
    callers = the_policy(plan, deployment.name)["spec"]["ingress"][0]["from"]
    peer = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": "hangar-prometheus"}},
    }
    assert IN_CLUSTER_SCRAPER.peer() == peer and peer in callers
    trigger = scaled_object_trigger(plan)
    assert trigger["metadata"]["serverAddress"] == IN_CLUSTER_URL == "http://hangar-prometheus.monitoring.svc:9090"
    assert "authenticationRef" not in trigger and not of_kind(plan, "TriggerAuthentication")


def test_a_multi_host_replica_is_scraped_on_its_leader_only():
    environment = raw_environment("eks-prod")
    environment["deployments"][0].update(tensor_parallel=16, latency_class="interactive", autoscaling={"min_replicas": 1, "max_replicas": 1})
    plan = plan_environment(environment)
    (monitor,) = scrape_objects(plan)
    assert monitor["spec"]["selector"]["matchLabels"]["hangar.dev/role"] == "leader"
    (workload,) = workloads(plan)
    leader, worker = (workload["spec"]["leaderWorkerTemplate"][key]["metadata"]["labels"] for key in ("leaderTemplate", "workerTemplate"))
    assert monitor["spec"]["selector"]["matchLabels"].items() <= leader.items()
    assert not monitor["spec"]["selector"]["matchLabels"].items() <= worker.items()


# --- gke-managed --------------------------------------------------------------------------------------


def test_gke_scrapes_with_pod_monitoring_and_admits_the_managed_collectors():
    plan = example_plan("gke-dev")
    assert not [r for r in plan if r.type == RELEASE and r.inputs["chart"] == "kube-prometheus-stack"]
    (workload,) = workloads(plan)
    (monitoring,) = scrape_objects(plan)
    assert (monitoring["apiVersion"], monitoring["kind"]) == ("monitoring.googleapis.com/v1", "PodMonitoring")
    assert monitoring["spec"]["selector"] == workload["spec"]["selector"]
    assert monitoring["spec"]["endpoints"] == [{"port": "http", "path": "/metrics", "interval": "15s"}]
    callers = the_policy(plan, "qwen-7b")["spec"]["ingress"][0]["from"]
    assert GMP_SCRAPER.peer() in callers
    assert GMP_SCRAPER.peer() == {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "gmp-system"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "collector"}},
    }


def test_gke_keda_queries_the_projects_prometheus_api_with_workload_identity():
    plan = example_plan("gke-dev")
    trigger = scaled_object_trigger(plan)
    assert trigger["metadata"]["serverAddress"] == "https://monitoring.googleapis.com/v1/projects/hangar-dev/location/global/prometheus"
    assert trigger["authenticationRef"] == {"name": "hangar-metrics", "kind": "TriggerAuthentication"}
    (auth,) = of_kind(plan, "TriggerAuthentication")
    assert auth["metadata"] == {**auth["metadata"], "name": "hangar-metrics", "namespace": "gke-dev"}
    assert auth["spec"] == {"podIdentity": {"provider": "gcp"}}
    # a Google service account that may read metrics, impersonated by KEDA's operator KSA
    account_id = keda_account_id(example_environment("gke-dev"), "dev")
    (account,) = [r for r in plan if r.type == "gcp:serviceaccount/account:Account" and r.inputs["accountId"] == account_id]
    email = f"{account_id}@hangar-dev.iam.gserviceaccount.com"
    (viewer,) = [r.inputs for r in plan if r.type == "gcp:projects/iAMMember:IAMMember" and r.inputs["role"] == "roles/monitoring.viewer"]
    assert viewer["member"] == f"serviceAccount:{email}" and viewer["project"] == "hangar-dev"
    (binding,) = [r.inputs for r in plan if r.type == "gcp:serviceaccount/iAMMember:IAMMember"]
    assert binding["role"] == "roles/iam.workloadIdentityUser" and binding["member"] == "serviceAccount:hangar-dev.svc.id.goog[keda/keda-operator]"
    (release,) = [r.inputs for r in plan if r.type == RELEASE and r.inputs["chart"] == "keda"]
    assert release["values"]["podIdentity"] == {"gcp": {"enabled": True, "gcpIAMServiceAccount": email}}
    assert 6 <= len(account.inputs["accountId"]) <= 30


def test_gke_with_an_existing_keda_is_told_to_annotate_its_operator():
    environment = raw_environment("gke-dev")
    environment["clusters"][0].update(replica_autoscaler="keda-existing", project="hangar-dev")
    plan = plan_environment(environment)
    assert not [r for r in plan if r.type == RELEASE]
    assert any("annotate its operator's ServiceAccount keda/keda-operator with iam.gke.io/gcp-service-account=keda-dev-" in w for w in plan.warnings)
    assert scaled_object_trigger(plan)["authenticationRef"]["name"] == "hangar-metrics"


# --- existing -----------------------------------------------------------------------------------------


def test_an_existing_prometheus_is_queried_at_its_url_and_its_scrapers_are_admitted():
    environment = raw_environment("aks-staging")
    environment["clusters"][0]["metrics"] = {
        "pipeline": "existing",
        "url": "https://prometheus.obs.svc:9091/prom",
        "scraper_namespace": "obs",
        "scraper_pod_labels": {"app": "prometheus"},
        "scrape_object_labels": {"release": "obs"},
        "authentication": "obs-bearer",
    }
    plan = plan_environment(environment)
    assert not [r for r in plan if r.type == RELEASE and r.inputs["chart"] == "kube-prometheus-stack"]
    trigger = scaled_object_trigger(plan)
    assert trigger["metadata"]["serverAddress"] == "https://prometheus.obs.svc:9091/prom"
    assert trigger["authenticationRef"] == {"name": "obs-bearer", "kind": "TriggerAuthentication"}
    assert not of_kind(plan, "TriggerAuthentication")  # the team's own
    (monitor,) = of_kind(plan, "PodMonitor")
    assert monitor["metadata"]["labels"]["release"] == "obs"
    (deployment,) = environment["deployments"]
    callers = the_policy(plan, deployment["name"])["spec"]["ingress"][0]["from"]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "obs"}}, "podSelector": {"matchLabels": {"app": "prometheus"}}} in callers
    assert not [c for c in callers if c.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name") == "monitoring"]


def test_an_existing_prometheus_that_scrapes_on_its_own_gets_no_scrape_object():
    environment = raw_environment("aks-staging")
    environment["clusters"][0]["metrics"] = {"pipeline": "existing", "url": "http://prometheus.obs.svc:9090", "scraper_namespace": "obs", "scrape_object": "none"}
    plan = plan_environment(environment)
    assert scrape_objects(plan) == []
    (deployment,) = environment["deployments"]
    callers = the_policy(plan, deployment["name"])["spec"]["ingress"][0]["from"]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "obs"}}} in callers  # no labels given: the namespace
