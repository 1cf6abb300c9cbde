"""The figures docs/serving.md and docs/running.md state in prose, with where each value comes from (part of
tests/docs_facts.py's FACTS).

Moved out of tests/docs_facts.py unchanged, to keep each module under 500 lines.
"""

from __future__ import annotations

import functools
import importlib
import re

from tests.docs_prose import Fact
from tests.docs_sync import ROOT
from tests.docs_values import (
    ENGINE,
    catalog,
    chart_version,
    code_says,
    constant,
    deployment,
    kube_state_charts,
    kube_state_image,
    pool_of,
    seconds,
    stack,
)


def _outlier_default(field: str) -> object:
    from hangar.spec.routing_failover import OutlierDetection

    return OutlierDetection.model_fields[field].default


def _gateway_default(field: str) -> object:
    from hangar.spec.routing import Gateway

    return Gateway.model_fields[field].default


def _validated(index: int) -> float:
    return constant("hangar.policies.rules.routing", "VALIDATED_PICKER")()[index]


def _first_served(name: str) -> str:
    from hangar.sizing.engine_models import ARRIVALS, named

    return named(ARRIVALS[name].served)


def _example_share() -> float:
    from hangar.stackfile import read_environment, read_project

    return read_environment(read_project(ROOT), "gke-chat").routes[0].small_first.share


def _image(tag: str):
    from hangar.sizing.engine_images import engine_image

    return engine_image(tag)


def _eks_580() -> list[str]:
    return [v for v, d in constant("hangar.sizing.node_drivers", "EKS_DRIVERS")().items() if d == 580]


# --- values for docs/serving.md and docs/running.md ----------------------------------------------


def class_defaults(latency_class: str):
    return importlib.import_module("hangar.components.serving_autoscaler").LATENCY_CLASSES[latency_class]


def keda_range(end: int) -> str:
    from hangar.keda import KEDA_VERSION, KUBERNETES_SUPPORT

    return KUBERNETES_SUPPORT[".".join(KEDA_VERSION.split(".")[:2])][end]


def support_window(table: str, version: str, end: int) -> str:
    """One end of a chart's supported Kubernetes range, as hangar/chart_support.py records it."""
    windows = getattr(importlib.import_module("hangar.chart_support"), table)
    version = version.lstrip("v")
    key = version if version in windows else ".".join(version.split(".")[:2])
    return windows[key][end]


@functools.cache
def prometheus_version() -> str:
    """The version of the `prometheus` server the tests run (Debian's package, installed by bin/test)."""
    import subprocess

    printed = subprocess.run(["prometheus", "--version"], capture_output=True, text=True, check=True)
    return re.search(r"version (\d+\.\d+\.\d+)", printed.stdout + printed.stderr).group(1)


def instance_gpus(stack_name: str) -> int:
    pool = pool_of(stack_name)
    return next(r.gpu_count for r in catalog().instances if r.instance_type == pool.instance_type)


PROVISIONING_MINUTES = lambda: constant("hangar.components.serving_await", "PROVISIONING_ALLOWANCE_SECONDS")() // 60  # noqa: E731
AUTOSCALER_CHART = constant("hangar.components.aws_autoscaler", "CHART_VERSION")
DEVICE_PLUGIN_CHART = chart_version("hangar.components.onprem", "DEVICE_PLUGIN")
UID = constant("hangar.components.serving_pod", "USER_ID")
AMP_INTERVAL = lambda: seconds(constant("hangar.components.metrics_amp", "AMP_SCRAPE_INTERVAL")())  # noqa: E731
EXAMPLE_PROVEN = "an example of values tests/test_promql.py proves with promtool on the rendered query"

def _mistral_route(name: str) -> str:
    """A release of hangar.sizing.mistral_format (the Mistral-format route's default or flagged start) as its tag."""
    return "v" + ".".join(str(part) for part in constant("hangar.sizing.mistral_format", name)())


SERVING_FACTS: list[Fact] = [
    Fact("docs/serving.md", "loads those instead, by default from {d} and with", {"d": lambda: _mistral_route("DEFAULT_FROM")}),
    Fact("docs/serving.md", "(flags Hangar does not pass) from {f}, and the refusal says so", {"f": lambda: _mistral_route("FLAGGED_FROM")}),
    Fact("docs/serving.md", "The container follows the pinned vLLM ({v}, read from its source)", {"v": ENGINE}),
    Fact("docs/serving.md", "on {v} that is Qwen3.5 (first served by {q}) and Gemma 4 (by {g})",
         {"v": lambda: constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[0], "q": lambda: _first_served("Qwen3_5ForConditionalGeneration"), "g": lambda: _first_served("Gemma4ForConditionalGeneration")}),
    Fact("docs/serving.md", "were read from {a} and {b}, and so were the KV-cache",
         {"a": lambda: constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[0], "b": lambda: constant("hangar.sizing.engine", "VERIFIED_RELEASES")()[1]}),
    Fact("docs/serving.md", "(each release's own); the default {d} serves Qwen3.5 and Gemma 4", {"d": ENGINE}),
    Fact("docs/serving.md", "{v} (CUDA {c}, compute capability {cc:.1f} and newer, driver {d} and newer) and",
         {"v": lambda: _image("v0.11.2").tag, "c": lambda: _image("v0.11.2").cuda, "cc": lambda: _image("v0.11.2").min_capability / 10,
          "d": lambda: _image("v0.11.2").min_driver}),
    Fact("docs/serving.md", "{v} (CUDA {c},\ncompute capability {cc:.1f} and newer, driver {d} and newer)",
         {"v": lambda: _image("v0.33.0").tag, "c": lambda: _image("v0.33.0").cuda, "cc": lambda: _image("v0.33.0").min_capability / 10,
          "d": lambda: _image("v0.33.0").min_driver}),
    Fact("docs/serving.md", "a V100 with {v}", {"v": lambda: _image("v0.33.0").tag}),
    Fact("docs/serving.md", "what the flags leave out ({v} uses more of the memory by default",
         {"v": lambda: max(constant("hangar.sizing.engine", "RELEASE_DEFAULTS")().items(), key=lambda item: item[1].gpu_memory_utilization)[0]}),
    Fact("docs/serving.md", "AMIs of Kubernetes {lo} to {hi}\n(driver {d})",
         {"lo": lambda: min(_eks_580()), "hi": lambda: max(_eks_580(), key=lambda v: tuple(map(int, v.split(".")))), "d": lambda: 580}),
    Fact("docs/serving.md", "AKS's driver images (driver {c} on its CUDA sizes; the GRID driver {g} on its A10 sizes, which\ntherefore cannot run {v})",
         {"c": lambda: constant("hangar.sizing.node_drivers", "AKS_DRIVERS")()["cuda-lts"], "g": lambda: constant("hangar.sizing.node_drivers", "AKS_DRIVERS")()["grid"],
          "v": lambda: _image("v0.33.0").tag}),
    Fact("docs/serving.md", "Karpenter guesses it at {p:g} % of the memory",
         {"p": lambda: constant("hangar.policies.rules.node_allocatable", "KARPENTER_VM_MEMORY_OVERHEAD")() * 100}),
    Fact("docs/serving.md", "installs on-prem (driver {d})", {"d": lambda: constant("hangar.sizing.node_drivers", "GPU_OPERATOR_DRIVERS")()["v26.7.0"]}),
    Fact("docs/serving.md", "to be removed in v0.13), run as uid {uid}",
         {"uid": UID, "_": code_says("hangar.components.serving_pod", "be removed in v0.13", "")}),
    Fact("docs/serving.md", "`minDomains: {n}`", {"n": code_says("hangar.components.serving_pod", "`minDomains: 2`", 2)}),
    Fact("docs/serving.md", "`min_replicas` below {n}, a pool whose `max_nodes` (`max_slices`) is below {n}",
         {"n": code_says("hangar.spec.serving", "if getattr(pool, most) < 2:", 2)}),
    Fact("docs/serving.md", "docker.io/vllm/vllm-openai:{v} --image vllm/vllm-openai:{v}`", {"v": ENGINE}),
    Fact("docs/serving.md", "`max_replicas` x ({m} minutes to get a node", {"m": PROVISIONING_MINUTES}),
    Fact("docs/serving.md", "pulumi-kubernetes' default ({m} minutes)",
         {"m": lambda: constant("hangar.components.serving_await", "DEFAULT_AWAIT_SECONDS")() // 60}),
    Fact("docs/serving.md", "the KEDA chart, pinned ({v}: Kubernetes {lo}–{hi}, else a config error)",
         {"v": constant("hangar.keda", "KEDA_VERSION"), "lo": lambda: keda_range(0), "hi": lambda: keda_range(1)}),
    Fact("docs/serving.md", "a pinned kube-prometheus-stack {v} in `monitoring`", {"v": chart_version("hangar.components.metrics", "KUBE_PROMETHEUS_STACK")}),
    Fact("docs/serving.md", "on port `http` every {s} s, its floor", {"s": AMP_INTERVAL}),
    Fact("docs/serving.md", "built for the cluster's minor ({charts}:", {"charts": kube_state_charts}),
    Fact("docs/serving.md", "`kube-state-metrics.image.tag` to the release built for the cluster's minor ({tag} on Kubernetes {minor})",
         {"tag": lambda: kube_state_image("1.35"), "minor": lambda: "1.35"}),
    Fact("docs/serving.md", "The loop for `eks-prod` (realtime Llama 3.3 70B, {lo}–{hi} replicas)",
         {"lo": lambda: deployment("eks-prod").autoscaling.min_replicas, "hi": lambda: deployment("eks-prod").autoscaling.max_replicas}),
    Fact("docs/serving.md", 'engine="0"', why="the engine label vLLM gives its first engine's series (the exposition tests/test_promql.py reads)"),
    Fact("docs/serving.md", "scrape it every {s} s", {"s": lambda: seconds(constant("hangar.components.metrics", "SCRAPE_INTERVAL")())}),
    Fact("docs/serving.md", "with threshold {t:g}, and the HPA it drives wants ceil(value / {t:g}) replicas within {lo}–{hi}: 3 requests waiting make 3"
         " replicas, 12 make 4, none bring it back to {lo}",
         {"t": lambda: importlib.import_module("hangar.components.serving_autoscaler").default_target("requests_waiting", deployment("eks-prod")),
          "lo": lambda: deployment("eks-prod").autoscaling.min_replicas, "hi": lambda: deployment("eks-prod").autoscaling.max_replicas},
         why=EXAMPLE_PROVEN),
    Fact("docs/serving.md", "on series in vLLM {new}'s exposition (the loop in {old}'s too;",
         {"new": lambda: ENGINE().lstrip("v"), "old": lambda: next(r for r in constant("tests.vllm_exposition", "RELEASES")() if r != ENGINE()).lstrip("v")},
         why="the releases whose /metrics pages tests/vllm_exposition.py writes"),
    Fact("docs/serving.md", "through the managed scraper (every {s} s)", {"s": AMP_INTERVAL}),
    Fact("docs/serving.md", "({gpus} H100, tensor parallel {tp})",
         {"gpus": lambda: instance_gpus("eks-prod"), "tp": lambda: deployment("eks-prod").tensor_parallel}),
    Fact("docs/serving.md", "Cluster Autoscaler (chart {v}, its IRSA role", {"v": AUTOSCALER_CHART}),
    Fact("docs/serving.md", "grows the group to its `max_nodes`, {n} —", {"n": lambda: pool_of("eks-prod").max_nodes}),
    Fact("docs/serving.md", "the replicas go back to {n} and the autoscaler", {"n": lambda: deployment("eks-prod").autoscaling.min_replicas}),
    Fact("docs/serving.md", "the KEDA HTTP add-on (pinned {v}, installed beside KEDA; Kubernetes {lo}–{hi}, else a config error)",
         {"v": chart_version("hangar.components.serving_environment", "HTTP_ADD_ON_CHART"), "lo": lambda: support_window("HTTP_ADD_ON_SUPPORT", chart_version("hangar.components.serving_environment", "HTTP_ADD_ON_CHART")(), 0),
          "hi": lambda: support_window("HTTP_ADD_ON_SUPPORT", chart_version("hangar.components.serving_environment", "HTTP_ADD_ON_CHART")(), 1)}),
    Fact("docs/serving.md", "Debian's `prometheus` {minor} has no Kubernetes discovery", {"minor": lambda: prometheus_version().rsplit(".", 1)[0]}),
    Fact("docs/serving.md", "the labels that pod discovery gives at v{v}", {"v": prometheus_version}),
    Fact("docs/serving.md", "In `gke-dev` (batch Qwen2.5 7B, {lo}–{hi} replicas on the spot L4 pool, {nlo}–{nhi} nodes)",
         {"lo": lambda: deployment("gke-dev").autoscaling.min_replicas, "hi": lambda: deployment("gke-dev").autoscaling.max_replicas,
          "nlo": lambda: pool_of("gke-dev").min_nodes, "nhi": lambda: pool_of("gke-dev").max_nodes}),
    Fact("docs/serving.md", "({n} per replica, the deployment's `max_concurrent_sequences`)", {"n": lambda: deployment("gke-dev").max_concurrent_sequences}),
    Fact("docs/serving.md", "after {m} minutes without work (its `cooldownPeriod`, {s} s)",
         {"m": lambda: class_defaults("batch").scale_down_window // 60, "s": lambda: class_defaults("batch").scale_down_window}),
    Fact("docs/serving.md", "stayed unschedulable for {m} minutes", {"m": lambda: seconds(constant("hangar.components.metrics_pending", "PENDING_FOR")()) // 60}),
    Fact("docs/serving.md", 'label `grafana_dashboard: "{v}"`', {"v": lambda: constant("hangar.components.metrics_dashboard", "LABEL")()[1]}),
    Fact("docs/serving.md", "`min_replicas: 0` is a config error", why="the value refused: scale to zero"),
    Fact("docs/serving.md", "| realtime | {c.min_replicas} | requests waiting (`vllm:num_requests_waiting`) | 1 | {c.scale_up_window} s / {c.scale_down_window} s |",
         {"c": lambda: class_defaults("realtime")}, why="the target 1 is default_target's for realtime (held by tests/test_autoscaling*)"),
    Fact("docs/serving.md", "| interactive | {c.min_replicas} | KV-cache usage (`vllm:kv_cache_usage_perc`) | {t:g} | {c.scale_up_window} s / {c.scale_down_window} s |",
         {"c": lambda: class_defaults("interactive"),
          "t": lambda: importlib.import_module("hangar.components.serving_autoscaler").default_target("kv_cache_usage", deployment("eks-prod"))}),
    Fact("docs/serving.md", "| batch | {c.min_replicas} (scale to zero) | queue depth (running + waiting) | max_num_seqs | {c.scale_up_window} s / {c.scale_down_window} s |",
         {"c": lambda: class_defaults("batch")}),
    Fact("docs/serving.md", "the Gateway API Inference Extension {v}: per deployment", {"v": constant("hangar.components.routing_pool", "EPP_VERSION")}),
    Fact("docs/serving.md", "(image `epp:{v}`,", {"v": constant("hangar.components.routing_pool", "EPP_VERSION")}),
    Fact("docs/serving.md", "`HTTPRoute` (Gateway API {v})", {"v": constant("hangar.components.routing", "GATEWAY_API_VERSION")}),
    Fact("docs/serving.md", "`GCPBackendPolicy` ({s} s timeout)", {"s": code_says("hangar.components.routing_pool", '"timeoutSec": 300', 300)}),
    Fact("docs/serving.md", "it is Istio {v} (its Helm charts", {"v": constant("hangar.components.routing", "ISTIO_VERSION")}),
    Fact("docs/serving.md", "also opens plain HTTP on port {p}", {"p": constant("hangar.components.routing", "LISTENER_PORT")}),
    Fact("docs/serving.md", "a redirect to https (status {s}, which keeps the method", {"s": constant("hangar.components.routing", "REDIRECT_STATUS")}),
    Fact("docs/serving.md", "a 301 lets clients turn it", why="the status the redirect avoids (RFC 7231 section 6.4.2: a client may turn a POST into a GET)"),
    Fact("docs/policy-pack.md", "rewrites the path or redirects with {a}/{b} (which GKE does not claim)",
         {"a": lambda: constant("hangar.policies.rules.routing_gke", "METHOD_KEEPING_REDIRECTS")()[0],
          "b": lambda: constant("hangar.policies.rules.routing_gke", "METHOD_KEEPING_REDIRECTS")()[1]}),
    Fact("docs/serving.md", "list the 307 and 308 statuses as unsupported, and a 301 or 302 would let clients",
         why="GKE's Gateway API conformance reports (HTTPRoute307/308RedirectStatusCode unsupported) and RFC 7231 sections 6.4.2-6.4.3, "
         "cited in hangar.spec.routing_gke"),
    Fact("docs/serving.md", "A replica that answers {n} 5xx responses in a row is ejected for {s} s (longer each time)",
         {"n": lambda: _outlier_default("consecutive_5xx_errors"), "s": lambda: _outlier_default("base_ejection_seconds")}),
    Fact("docs/serving.md", "may be ejected ({p} %,", {"p": lambda: _outlier_default("max_ejection_percent")}),
    Fact("docs/serving.md", "fewer than about 71 % of a level's replicas are healthy",
         why="Envoy's priority levels: a level keeps all traffic until fewer than ~71.4 % of its endpoints are healthy (overprovisioning factor 1.4)"),
    Fact("docs/serving.md", "an HTTPS listener on port {tls} that terminates TLS, in place of plain HTTP on port {http}",
         {"tls": constant("hangar.components.routing", "TLS_LISTENER_PORT"), "http": constant("hangar.components.routing", "LISTENER_PORT")}),
    Fact("docs/serving.md", "CRD manifests from copies you name in `gateway.crds` (Gateway API {g}'s `standard-install.yaml` and the Inference Extension {e}'s",
         {"g": constant("hangar.components.routing", "GATEWAY_API_VERSION"), "e": constant("hangar.components.routing_pool", "EPP_VERSION")}),
    Fact("docs/serving.md", "the route's share within {p:.0f} percentage point",
         {"p": lambda: constant("hangar.spec.routing_traffic", "SHARE_TOLERANCE")() * 100}),
    Fact("docs/serving.md", "`gateway.picker_cpu` (default {cpu:g}) and `picker_memory_gib` (default {gib})",
         {"cpu": lambda: _gateway_default("picker_cpu"), "gib": lambda: _gateway_default("picker_memory_gib")}),
    Fact("docs/serving.md", "The Extension's chart asks {cpu:g} CPU and {gib:g} GiB, validated up to {rps:,.0f} requests/s",
         {"cpu": lambda: _validated(0), "gib": lambda: _validated(1), "rps": lambda: _validated(2)}),
    Fact("docs/serving.md", "(EKS's m6i.large has {n} vCPU)", {"n": lambda: catalog().instance("aws", "m6i.large").vcpus}),
    Fact("docs/serving.md", "behind one internal `chat` route, {p:.0f} % of requests to the small model",
         {"p": lambda: _example_share() * 100}),
    Fact("docs/policy-pack.md", "the Inference Extension's validated {cpu:g} CPU / {gib:g} GiB in front of servers that declare a peak, or a peak above the {rps:,.0f} requests/s",
         {"cpu": lambda: _validated(0), "gib": lambda: _validated(1), "rps": lambda: _validated(2)}),
    # --- docs/running.md ---------------------------------------------------------------------------
    Fact("docs/running.md", "an ingress rule on the cluster security group, {port} from `source_cidrs`", {"port": constant("hangar.components.aws_access", "API_PORT")}),
    Fact("docs/running.md", "`aws:vpc/securityGroupIngressRule` {port} from `source_cidrs`", {"port": constant("hangar.components.aws_access", "API_PORT")}),
    Fact("docs/running.md", "(at least {gib} GiB, the premium minimum)", {"gib": constant("hangar.components.azure_weights", "MIN_SHARE_GIB")}),
    Fact("docs/running.md", "in its tools VPC `{cidr}`", {"cidr": lambda: " ".join(str(c) for c in stack("eks-prod").deployer.source_cidrs)}),
    Fact("docs/running.md", "(nvidia-device-plugin {v}) on the GPU pools only", {"v": DEVICE_PLUGIN_CHART}),
    Fact("docs/running.md", "`hangar:aws:ClusterAutoscaler` (chart {v},", {"v": AUTOSCALER_CHART}),
    Fact("docs/running.md", "replicas in turn × ({m} min + its startup probe's budget)", {"m": PROVISIONING_MINUTES}),
    Fact("docs/running.md", "`vllm/vllm-openai:{v}`, `vllm serve MODEL` positionally, uid {uid}", {"v": ENGINE, "uid": UID}),
    Fact("docs/targets.md", "(published per release by vLLM's release pipeline at {v})", {"v": lambda: rocm_releases()[-1]}),
    Fact("docs/targets.md", "(chart `amd-gpu` {v}, in `kube-system`)", {"v": chart_version("hangar.components.onprem_amd", "AMD_DEVICE_PLUGIN")}),
    Fact("docs/targets.md", "but served only at {v}: on\nan AMD pool a deployment of {old} (which", {"v": lambda: ", ".join(rocm_releases()), "old": lambda: unserved()}),
    Fact("README.md", "with vLLM's ROCm image at {v}; an AMD pool", {"v": lambda: ", ".join(rocm_releases())}),
]


def rocm_releases() -> list[str]:
    """The vLLM releases whose ROCm image Hangar read (`hangar.sizing.rocm_images`)."""
    from hangar.sizing.rocm_images import served_releases

    return served_releases()


def unserved() -> str:
    """The read releases that publish no ROCm image: refused on an AMD pool."""
    from hangar.sizing.engine import VERIFIED_RELEASES

    return ", ".join(r for r in VERIFIED_RELEASES if r not in rocm_releases())
