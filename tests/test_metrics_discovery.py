"""The AMP managed scraper's configuration, as Hangar renders it, run by the real Prometheus server.

Debian's prometheus 2.42 has no Kubernetes discovery, so each job's `kubernetes_sd_configs` is swapped for
file discovery carrying exactly the labels pod discovery gives (`tests.kube_discovery`), and the pods are
real HTTP servers on loopback addresses serving vLLM's and kube-state-metrics' pages. From
`/api/v1/targets` and `/api/v1/query`: which pods are kept and with which labels, what KEDA's query and the
pods-pending alert then read, and that the readiness rule's own model of discovery agrees with the server.

Only the `amp` pipeline's configuration is a Prometheus scrape configuration Hangar writes; the other
pipelines render scrape objects (PodMonitor, PodMonitoring, the Azure add-on's PodMonitor) that an operator
or the cloud turns into configuration, checked in tests/test_metrics*.py against their schemas.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hangar.components.metrics_kube_state import KUBE_STATE_METRICS, KUBE_STATE_POD_LABELS
from hangar.components.serving_autoscaler import SERIES
from hangar.policies.rules.readiness_scrape_configs import scrapes

from tests.kube_discovery import Pod, Port, file_sd_groups, serving
from tests.metrics_objects import scaled_object_trigger
from tests.prometheus_server import running
from tests.serving_plans import of_kind, plan_environment, raw_environment
from tests.vllm_exposition import Engine, page

NAMESPACE = "eks-prod"
MODEL = "meta-llama/Llama-3.3-70B-Instruct"
OTHER_MODEL = "Qwen/Qwen2.5-7B-Instruct"
REPLICA_SET = "llama-70b-5d8f7c9b6"
PENDING_POD = f"{REPLICA_SET}-w4c2n"
KSM_LABELS = KUBE_STATE_POD_LABELS | {
    # the chart's other pod labels (charts/kube-state-metrics templates/_helpers.tpl `kube-state-metrics.labels` at the pinned commit)
    "helm.sh/chart": f"kube-state-metrics-{KUBE_STATE_METRICS.version}",
    "app.kubernetes.io/managed-by": "Helm",
    "app.kubernetes.io/component": "metrics",
    "app.kubernetes.io/part-of": "kube-state-metrics",
    "app.kubernetes.io/version": "2.20.0",
}
ENGINES = {"server-a": Engine(running=5, waiting=3), "server-b": Engine(running=8, waiting=1), "other-model": Engine(running=60, waiting=40)}


@pytest.fixture(scope="module")
def plan():
    environment = raw_environment("eks-prod")
    environment["clusters"][0]["metrics"] = {"pipeline": "amp"}
    return plan_environment(environment)


def rendered_configuration(plan) -> dict[str, Any]:
    (scraper,) = [r for r in plan if r.type == "aws:amp/scraper:Scraper"]
    return yaml.safe_load(scraper.inputs["scrapeConfiguration"])


def server_pod_shape(plan) -> tuple[dict[str, str], tuple[Port, ...], str]:
    """The planned server's pod labels, its container's declared ports and name."""
    (workload,) = [w for w in of_kind(plan, "Deployment") if w["metadata"]["name"] == "llama-70b"]
    template = workload["spec"]["template"]
    (container,) = template["spec"]["containers"]
    ports = tuple(Port(p["name"], int(p["containerPort"]), p.get("protocol", "TCP")) for p in container["ports"])
    return dict(template["metadata"]["labels"]), ports, container["name"]


def kube_state_page() -> str:
    """kube-state-metrics v2.20.0's page for the four series (internal/store/pod.go): the server's third replica is unschedulable."""
    lines = []
    for name, phase, node in ((f"{REPLICA_SET}-x2k4p", "Running", "gpu-node-1"), (PENDING_POD, "Pending", "")):
        base = f'namespace="{NAMESPACE}",pod="{name}",uid="uid-{name}"'
        lines += [f'kube_pod_status_phase{{{base},phase="{p}"}} {1 if p == phase else 0}' for p in ("Pending", "Succeeded", "Failed", "Unknown", "Running")]
        lines.append(f'kube_pod_container_resource_requests{{{base},container="vllm",node="{node}",resource="nvidia_com_gpu",unit="integer"}} 8')
        lines.append(f'kube_pod_owner{{{base},owner_kind="ReplicaSet",owner_name="{REPLICA_SET}",owner_is_controller="true"}} 1')
        if phase == "Pending":
            lines.append(f"kube_pod_status_unschedulable{{{base}}} 1")
    return "\n".join(lines) + "\n"


def with_file_discovery(config: dict[str, Any], pods: dict[Pod, str], directory: Path) -> dict[str, Any]:
    """The rendered configuration with each job's pod discovery replaced by file discovery of the same targets, scraping every second."""
    config = copy.deepcopy(config)
    config["global"] |= {"scrape_interval": "1s", "scrape_timeout": "1s"}  # the rendered 30 s is the scraper's floor, not under test here
    for job in config["scrape_configs"]:
        groups = [group for discovery in job.pop("kubernetes_sd_configs") for group in file_sd_groups(discovery, pods)]
        path = directory / f"{job['job_name']}.yaml"
        path.write_text(yaml.safe_dump(groups))
        job["file_sd_configs"] = [{"files": [str(path)]}]
    return config


def test_the_rendered_scrape_configuration_keeps_exactly_the_model_servers_and_kube_state_metrics(plan, tmp_path):
    labels, ports, container = server_pod_shape(plan)
    assert [p.name for p in ports] == ["http"] and labels["app.kubernetes.io/name"] == "vllm"
    other_labels = labels | {"app.kubernetes.io/instance": "qwen-7b", "hangar.dev/model": "qwen-7b"}
    servers = {
        "server-a": Pod(NAMESPACE, f"{REPLICA_SET}-x2k4p", labels, ports, ("ReplicaSet", REPLICA_SET), container=container),
        "server-b": Pod(NAMESPACE, f"{REPLICA_SET}-q9h7m", labels, ports, ("ReplicaSet", REPLICA_SET), container=container),
        "other-model": Pod(NAMESPACE, "qwen-7b-7c6d5b4a3-k8m2n", other_labels, ports, ("ReplicaSet", "qwen-7b-7c6d5b4a3"), container=container),
    }
    # a multi-host replica's worker runs no API server; an unrelated pod has a port named http too; a server elsewhere is not watched
    worker = Pod(NAMESPACE, "llama-70b-0-1", labels | {"hangar.dev/role": "worker"}, ports, ("StatefulSet", "llama-70b-0"), container=container)
    unrelated = Pod(NAMESPACE, "redis-0", {"app.kubernetes.io/name": "redis"}, (Port("http", 8000),), ("StatefulSet", "redis"))
    elsewhere = Pod("eks-staging", f"{REPLICA_SET}-z7x5c", labels, ports, ("ReplicaSet", REPLICA_SET), container=container)
    ksm = Pod(KUBE_STATE_METRICS.namespace, "kube-state-metrics-6b7d9c8f5-r4t6y", KSM_LABELS, (Port("http", 8080), Port("metrics", 8081)),
              ("ReplicaSet", "kube-state-metrics-6b7d9c8f5"), container="kube-state-metrics")  # fmt: skip
    pods = [*servers.values(), worker, unrelated, elsewhere, ksm]
    pages = {(pod, 8000): (lambda text=page(MODEL if key != "other-model" else OTHER_MODEL, ENGINES[key]): text) for key, pod in servers.items()}
    pages[(ksm, 8080)] = kube_state_page
    config = rendered_configuration(plan)
    with serving(pages, pods) as ips, running(with_file_discovery(config, ips, tmp_path), tmp_path) as api:
        targets = api.wait_for_scrapes(expected_active=4)
        active = sorted((t["scrapePool"], t["labels"]["instance"], t["labels"]) for t in targets["activeTargets"])
        expected = [("hangar-model-servers", f"{ips[pod]}:8000", {"instance": f"{ips[pod]}:8000", "job": "hangar-model-servers", "namespace": NAMESPACE, "pod": pod.name})
                    for pod in servers.values()]  # fmt: skip
        expected.append(("kube-state-metrics", f"{ips[ksm]}:8080", {"instance": f"{ips[ksm]}:8080", "job": "kube-state-metrics"}))
        assert active == sorted(expected)
        dropped = sorted(
            (t["discoveredLabels"]["__meta_kubernetes_pod_name"], t["discoveredLabels"]["__meta_kubernetes_pod_container_port_name"])
            for t in targets["droppedTargets"]
        )
        assert dropped == sorted([(worker.name, "http"), (unrelated.name, "http"), (ksm.name, "metrics")])  # `elsewhere` is never discovered

        # the series as stored: the server's namespace and pod from the scrape, vLLM's own labels kept
        waiting = {s["metric"]["pod"]: s["metric"] for s in api.query("vllm:num_requests_waiting")}
        assert set(waiting) == {pod.name for pod in servers.values()}
        assert waiting[servers["server-a"].name] == {
            "__name__": "vllm:num_requests_waiting", "engine": "0", "instance": f"{ips[servers['server-a']]}:8000",
            "job": "hangar-model-servers", "model_name": MODEL, "namespace": NAMESPACE, "pod": servers["server-a"].name,
        }  # fmt: skip
        # kube-state-metrics' series name the pending pod, not the exporter's own pod, and nothing is renamed exported_*
        (unschedulable,) = api.query("kube_pod_status_unschedulable")
        assert unschedulable["metric"] == {
            "__name__": "kube_pod_status_unschedulable", "namespace": NAMESPACE, "pod": PENDING_POD, "uid": f"uid-{PENDING_POD}",
            "instance": f"{ips[ksm]}:8080", "job": "kube-state-metrics",
        }  # fmt: skip

        # what the autoscaler and the alert then read, on the server's own engine
        trigger = scaled_object_trigger(plan)["metadata"]
        (value,) = api.query(trigger["query"])
        per_series = {"vllm:num_requests_waiting": "waiting", "vllm:num_requests_running": "running", "vllm:kv_cache_usage_perc": "kv_cache_usage"}
        (queried,) = [names for names in SERIES.values() if trigger["query"] == " + ".join(f'sum({n}{{namespace="{NAMESPACE}",model_name="{MODEL}"}})' for n in names)]
        own = sum(getattr(ENGINES[key], per_series[name]) for key in ("server-a", "server-b") for name in queried)
        assert float(value["value"][1]) == own  # the other model's load (40 waiting, 60 running) is not counted
        (namespace,) = [r.inputs for r in plan if r.type == "aws:amp/ruleGroupNamespace:RuleGroupNamespace"]
        (pending,) = [r for g in yaml.safe_load(namespace["data"])["groups"] for r in g["rules"] if r.get("alert") == "HangarPodsPendingForAccelerators"]
        (count,) = api.query(pending["expr"])
        assert float(count["value"][1]) == 1

        # the readiness rule's model of pod discovery and relabelling agrees with the server, pod by pod
        kept = {t["labels"].get("pod") for t in targets["activeTargets"] if t["scrapePool"] == "hangar-model-servers"}
        text = yaml.safe_dump(config)
        for pod in (*servers.values(), worker, unrelated):
            assert scrapes(text, pod.namespace, pod.labels, [(p.name, p.number) for p in pod.ports]) == (pod.name in kept), pod.name


def test_a_namespace_label_added_by_the_scrape_would_rename_kube_state_metrics_own(plan, tmp_path):
    """The harness is not a rubber stamp: the servers' job's `namespace`/`pod` labelling on the kube-state-metrics job
    moves the pending pod's labels to exported_namespace / exported_pod (no honor_labels), and the alert would see nothing."""
    config = rendered_configuration(plan)
    servers_job, ksm_job = config["scrape_configs"]
    ksm_job["relabel_configs"] += [step for step in servers_job["relabel_configs"] if step.get("target_label") in ("namespace", "pod")]
    ksm = Pod(KUBE_STATE_METRICS.namespace, "kube-state-metrics-6b7d9c8f5-r4t6y", KSM_LABELS, (Port("http", 8080),), ("ReplicaSet", "kube-state-metrics-6b7d9c8f5"))
    with serving({(ksm, 8080): kube_state_page}, [ksm]) as ips, running(with_file_discovery(config, ips, tmp_path), tmp_path) as api:
        api.wait_for_scrapes(expected_active=1)
        (unschedulable,) = api.query("kube_pod_status_unschedulable")
        assert unschedulable["metric"]["namespace"] == KUBE_STATE_METRICS.namespace and unschedulable["metric"]["exported_pod"] == PENDING_POD
        assert api.query(f'kube_pod_status_unschedulable{{namespace="{NAMESPACE}"}}') == []
