"""The serving layer under the mock runtime: model servers and autoscalers of the examples and variants.

What the policy rules rely on (the vLLM contract: image, `--flag value` args, accelerator requests,
node selector, labels) is asserted here for every example stack, with the rest of what a reviewer
would check: probes, security context, drain time, Service per cloud, PDB, NetworkPolicy, secrets
never in plain text, prompt templates named by content. The autoscalers are tests/test_serving_autoscaling.py's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hangar.components.metrics import GMP_SCRAPER, IN_CLUSTER_SCRAPER, KUBE_PROMETHEUS_STACK
from hangar.components.serving import model_label

from hangar.keda import KEDA_VERSION
from hangar.plan import PlanError, plan_program
from hangar.records import SECRET
from hangar.replica import replica_shape
from hangar.spec import ModelDeployment
from tests.conftest import EXAMPLE_STACKS
from tests.serving_plans import (
    API_KEY,
    HF_TOKEN,
    example_deployments,
    example_environment,
    example_plan,
    example_servers,
    flags,
    kube_records,
    of_kind,
    plan_environment,
    pod_templates,
    raw_environment,
    server_container,
    serving_releases,
    workloads,
)

CLOUD_OF = {"eks-prod": "aws", "gke-chat": "gcp", "gke-dev": "gcp", "gke-tpu": "gcp", "aks-staging": "azure", "onprem": "onprem", "edge": "onprem"}


raw = raw_environment


def the_workload(plan) -> dict[str, Any]:
    (workload,) = workloads(plan)
    return workload


# --- the contract, on every example -----------------------------------------------------------------


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_the_vllm_contract_holds_for_every_example(stack):
    environment = example_environment(stack)
    for deployment, workload in example_servers(stack):
        _holds_the_vllm_contract(environment, deployment, workload)


def _holds_the_vllm_contract(environment: Any, deployment: ModelDeployment, workload: dict[str, Any]) -> None:
    shape = replica_shape(environment, deployment)
    container = server_container(workload)
    args = flags(container["args"])

    repository = "vllm/vllm-tpu" if shape.is_tpu else "vllm/vllm-openai"
    assert container["image"].endswith(f"{repository}:{deployment.engine_version}")
    assert container["command"] == ["vllm", "serve"] or container["command"][:2] == ["/bin/sh", "-c"]
    # vllm serve takes the model positionally: the Hub id, or the directory a volume holds it in (named by --served-model-name)
    if deployment.weights.source in ("volume", "shared"):
        assert container["args"][0].startswith("/weights/") and args["--served-model-name"] == deployment.model
    else:
        assert container["args"][0] == deployment.model
    assert args["--tensor-parallel-size"] == str(shape.tensor_parallel)
    assert args["--max-model-len"] == str(deployment.max_context_tokens)
    assert args["--max-num-seqs"] == str(deployment.max_concurrent_sequences)
    assert float(args["--gpu-memory-utilization"]) == deployment.gpu_memory_utilization
    assert args["--dtype"] == "bfloat16"
    assert args.get("--quantization") == shape.quantization and (shape.quantization is None) == (shape.precision in ("bf16", "fp16", "int8"))
    assert ("--kv-cache-dtype" in args) == (deployment.kv_cache_dtype == "fp8")
    assert ("--enable-prefix-caching" in args) == deployment.caching.prefix_caching
    for flag in args:  # every value sits beside its flag, never as --flag=value
        assert "=" not in flag

    resource = shape.accelerator_resource
    for template in pod_templates(workload):
        (pod_container,) = template["spec"]["containers"]
        limits, requests = pod_container["resources"]["limits"], pod_container["resources"]["requests"]
        assert limits[resource] == requests[resource] == str(shape.accelerators_per_pod)
        assert template["spec"]["nodeSelector"]
        assert template["metadata"]["labels"]["hangar.dev/pool"] == deployment.pool
    assert workload["metadata"]["annotations"]["hangar.dev/accelerators-per-replica"] == str(shape.accelerators_per_replica)


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_every_object_carries_the_join_labels_and_the_exact_model_id(stack):
    environment = example_environment(stack)
    for deployment in environment.deployments:
        serving = [r for r in kube_records(example_plan(stack)) if r.inputs["metadata"].get("labels", {}).get("app.kubernetes.io/instance") == deployment.name]
        kinds = {r.inputs["kind"] for r in serving}
        assert {"Service", "PodDisruptionBudget", "NetworkPolicy", "ScaledObject", "Secret"} <= kinds, deployment.name
        for record in serving:
            metadata = record.inputs["metadata"]
            assert metadata["labels"]["hangar.dev/model"] == model_label(deployment.model)
            # A Job staging shared weights (and its NetworkPolicy) needs no accelerator: it runs on, and is labelled with, the system pool.
            staging = metadata["labels"].get("app.kubernetes.io/component") == "stage-weights"
            assert metadata["labels"]["hangar.dev/pool"] == ("system" if staging else deployment.pool)
            assert metadata["labels"]["hangar.dev/environment"] == environment.name
            assert metadata["annotations"]["hangar.dev/model-id"] == deployment.model


def test_the_model_label_is_the_hub_cache_spelling_and_fits_a_label():
    assert model_label("meta-llama/Llama-3.3-70B-Instruct") == "meta-llama--Llama-3.3-70B-Instruct"
    long = model_label("some-organisation-with-a-long-name/" + "a-model-name-that-goes-on-and-on-forever")
    assert len(long) <= 63 and long[-1].isalnum() and long.startswith("some-organisation")
    assert long != model_label("some-organisation-with-a-long-name/" + "a-model-name-that-goes-on-and-on-forever-2")


def test_eks_prod_serves_llama_fp8_across_four_h100s_on_the_pool_it_names():
    workload = the_workload(example_plan("eks-prod"))
    assert workload["kind"] == "Deployment"  # weights from the shared store: no claim per replica
    spec = workload["spec"]["template"]["spec"]
    container = spec["containers"][0]
    args = flags(container["args"])
    assert (args["--quantization"], args["--kv-cache-dtype"], args["--tensor-parallel-size"]) == ("fp8_per_tensor", "fp8", "4")  # Llama 3.3 70B is published in bf16: v0.33.0 quantises it online (hangar.sizing.quant_kernels)
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "4"
    assert spec["nodeSelector"] == {"hangar.dev/pool": "h100"}
    assert {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"} in spec["tolerations"]
    assert {"name": "weights", "persistentVolumeClaim": {"claimName": "hangar-weights", "readOnly": True}} in spec["volumes"]
    assert {"name": "weights", "mountPath": "/weights", "readOnly": True} in container["volumeMounts"]
    assert container["args"][:3] == ["/weights/meta-llama/Llama-3.3-70B-Instruct", "--served-model-name", "meta-llama/Llama-3.3-70B-Instruct"]
    assert {"name": "HF_HUB_OFFLINE", "value": "1"} in container["env"]
    assert "volumeClaimTemplates" not in workload["spec"]
    assert "replicas" not in workload["spec"]  # the autoscaler owns it


def test_a_server_that_downloads_its_weights_keeps_them_on_a_claim_per_replica():
    environment = raw("eks-prod")
    del environment["deployments"][0]["weights"]  # from the Hub: the default cache is a claim per replica
    workload = the_workload(plan_environment(environment))
    assert workload["kind"] == "StatefulSet"
    assert workload["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "170Gi"
    assert workload["spec"]["volumeClaimTemplates"][0]["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert workload["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Delete", "whenScaled": "Retain"}


def test_the_tpu_example_runs_the_tpu_image_on_a_whole_slice():
    workload = the_workload(example_plan("gke-tpu"))
    spec = workload["spec"]["template"]["spec"]
    container = spec["containers"][0]
    assert container["image"].startswith("vllm/vllm-tpu:")
    assert container["resources"]["limits"] == {"google.com/tpu": "8", "memory": "192Gi"}
    assert flags(container["args"])["--tensor-parallel-size"] == "8"
    assert spec["nodeSelector"] == {
        "hangar.dev/pool": "v5e-2x4",
        "cloud.google.com/gke-tpu-accelerator": "tpu-v5-lite-podslice",
        "cloud.google.com/gke-tpu-topology": "2x4",
    }
    assert {"key": "google.com/tpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"} in spec["tolerations"]
    assert container["startupProbe"]["failureThreshold"] * container["startupProbe"]["periodSeconds"] >= 1200  # load, then compile (+10 minutes on TPU)


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_probes_wait_for_the_weights_and_pods_drain_gracefully(stack):
    for deployment, workload in example_servers(stack):
        container = server_container(workload)
        startup = container["startupProbe"]
        assert startup["httpGet"] == {"path": "/health", "port": "http"}
        assert startup["periodSeconds"] * startup["failureThreshold"] >= 600
        assert container["readinessProbe"]["httpGet"]["path"] == container["livenessProbe"]["httpGet"]["path"] == "/health"
        assert container["livenessProbe"]["failureThreshold"] * container["livenessProbe"]["periodSeconds"] >= 60
        spec = pod_templates(workload)[0]["spec"]
        assert container["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "15"]
        assert spec["terminationGracePeriodSeconds"] >= 15 + {"realtime": 120, "interactive": 180, "batch": 600}[deployment.latency_class]


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_the_server_runs_non_root_read_only_without_privileges(stack):
    for _, workload in example_servers(stack):
        _runs_non_root_read_only(pod_templates(workload)[0]["spec"])


def _runs_non_root_read_only(spec: dict[str, Any]) -> None:
    container = spec["containers"][0]
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True and security["runAsUser"] != 0
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert {"/tmp", "/home/vllm", "/dev/shm", "/models"} <= mounts  # the writable paths of a read-only root
    env = {e["name"]: e for e in container["env"]}
    assert env["HF_HOME"]["value"].startswith("/models")
    assert env["HF_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == "token"


def test_the_cloud_namespace_enforces_the_restricted_pod_security_level():
    (namespace,) = of_kind(example_plan("eks-prod"), "Namespace")
    assert namespace["metadata"]["name"] == "eks-prod"
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


# --- secrets ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_the_hugging_face_token_is_never_in_plain_text(stack):
    plan = example_plan(stack)
    secrets = {s["metadata"]["name"]: s for s in of_kind(plan, "Secret") if s["metadata"]["name"].endswith("-hf-token")}
    assert sorted(secrets) == sorted(f"{deployment.name}-hf-token" for deployment in example_deployments(stack))
    assert all(secret["stringData"] == SECRET for secret in secrets.values())
    assert HF_TOKEN not in json.dumps(plan.to_json())


def test_api_key_auth_reads_the_key_from_a_secret_and_fails_clearly_without_one():
    environment = raw("eks-prod")
    environment["deployments"][0]["exposure"]["auth"] = "api-key"
    plan = plan_environment(environment, {"hangar:api_key": API_KEY})
    container = server_container(the_workload(plan))
    env = {e["name"]: e for e in container["env"]}
    assert env["VLLM_API_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "llama-70b-api-key", "key": "key"}
    assert API_KEY not in json.dumps(plan.to_json())
    assert [s["stringData"] for s in of_kind(plan, "Secret") if s["metadata"]["name"] == "llama-70b-api-key"] == [SECRET]

    from hangar.components.program import build_stack

    with pytest.raises(PlanError, match=r"deployments\[0\]\.exposure\.auth: api-key needs the API key in the secret stack config key hangar:api_key"):
        plan_program(build_stack, project="hangar", stack="test", config={"hangar:environment": environment})


# --- services, budgets, network policies --------------------------------------------------------------


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_examples_keep_the_server_inside_the_cluster(stack):
    for deployment in example_deployments(stack):
        service = next(s for s in of_kind(example_plan(stack), "Service") if s["metadata"]["name"] == deployment.name)
        assert service["spec"]["type"] == "ClusterIP"
        assert service["spec"]["ports"] == [{"name": "http", "port": 8000, "targetPort": "http", "protocol": "TCP", "appProtocol": "http"}]


INTERNAL = {
    "eks-prod": {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal", "service.beta.kubernetes.io/aws-load-balancer-type": "nlb"},
    "gke-dev": {"networking.gke.io/load-balancer-type": "Internal"},
    "aks-staging": {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
}


@pytest.mark.parametrize("stack", sorted(INTERNAL))
def test_callers_outside_the_cluster_get_an_internal_load_balancer_with_the_clouds_annotation(stack):
    environment = raw(stack)
    environment["deployments"][0]["exposure"] = {"scope": "internal", "allowed_cidrs": ["10.8.0.0/16"]}
    plan = plan_environment(environment)
    name = environment["deployments"][0]["name"]
    service = next(s for s in of_kind(plan, "Service") if s["metadata"]["name"] == name)
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["spec"]["loadBalancerSourceRanges"] == ["10.8.0.0/16"]
    assert service["spec"]["externalTrafficPolicy"] == "Local"
    assert INTERNAL[stack].items() <= service["metadata"]["annotations"].items()
    (policy,) = [p for p in of_kind(plan, "NetworkPolicy") if p["metadata"]["name"] == name]
    assert {"ipBlock": {"cidr": "10.8.0.0/16"}} in policy["spec"]["ingress"][0]["from"]


def test_a_public_endpoint_is_public_only_when_the_spec_says_so():
    environment = raw("gke-dev")
    environment["deployments"][0]["exposure"] = {"scope": "public", "auth": "api-key"}
    service = next(s for s in of_kind(plan_environment(environment, {"hangar:api_key": API_KEY}), "Service") if s["metadata"]["name"] == "qwen-7b")
    assert service["spec"]["type"] == "LoadBalancer"
    assert "networking.gke.io/load-balancer-type" not in service["metadata"]["annotations"]
    assert service["metadata"]["annotations"]["hangar.dev/auth"] == "api-key"


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_disruption_budget_and_network_policy_guard_every_server(stack):
    for deployment in example_deployments(stack):
        _guards(stack, deployment)


def _guards(stack: str, deployment: ModelDeployment) -> None:
    plan = example_plan(stack)
    (budget,) = [b for b in of_kind(plan, "PodDisruptionBudget") if b["metadata"]["name"] == deployment.name]
    assert budget["spec"]["maxUnavailable"] == 1
    assert budget["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"] == deployment.name
    (policy,) = [p for p in of_kind(plan, "NetworkPolicy") if p["metadata"]["name"] == deployment.name]
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    callers = policy["spec"]["ingress"][0]["from"]
    namespaces = [c["namespaceSelector"] for c in callers if "namespaceSelector" in c]
    # The scraper is admitted as one peer, its namespace AND its pods; nothing else of its namespace.
    scraper = GMP_SCRAPER if example_environment(stack).cluster_of(deployment).provider == "gcp" else IN_CLUSTER_SCRAPER
    assert scraper.peer() in callers and scraper.peer()["podSelector"]["matchLabels"]
    assert not [c for c in callers if c.get("namespaceSelector") == scraper.peer()["namespaceSelector"] and "podSelector" not in c]
    if deployment.exposure.allowed_namespaces:
        assert {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": list(deployment.exposure.allowed_namespaces)}]} in namespaces
    assert not [c for c in callers if c.get("ipBlock", {}).get("cidr") == "0.0.0.0/0"]
    egress_ports = [p["port"] for rule in policy["spec"]["egress"] for p in rule.get("ports", [])]
    assert sorted(egress_ports) == [53, 53, 443]
    https = next(rule for rule in policy["spec"]["egress"] if rule["ports"] == [{"protocol": "TCP", "port": 443}])
    assert https["to"] == [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}]


# --- weight cache, multi-host -------------------------------------------------------------------------


def test_node_local_and_no_cache_serve_from_a_deployment():
    environment = raw("gke-dev")
    environment["deployments"][0]["caching"] = {"weight_cache": "node-local"}
    plan = plan_environment(environment)
    workload = the_workload(plan)
    assert workload["kind"] == "Deployment"
    assert workload["spec"]["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
    volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"]["volumes"]}
    assert volumes["model-cache"]["hostPath"] == {"path": "/var/lib/hangar/model-cache", "type": "DirectoryOrCreate"}
    (init,) = workload["spec"]["template"]["spec"]["initContainers"]  # the kubelet creates the hostPath as root
    assert init["command"] == ["chown", "1000:1000", "/models"]
    assert init["securityContext"]["capabilities"] == {"drop": ["ALL"], "add": ["CHOWN"]}
    (namespace,) = of_kind(plan, "Namespace")
    assert "pod-security.kubernetes.io/enforce" not in namespace["metadata"]["labels"]  # a hostPath is not "restricted"
    assert (scaled := of_kind(plan, "ScaledObject")[0])["spec"]["scaleTargetRef"]["kind"] == "Deployment", scaled


def test_a_replica_larger_than_a_node_is_a_leader_worker_set_with_pipeline_parallelism():
    environment = raw("eks-prod")
    environment["deployments"][0].update(tensor_parallel=16, latency_class="interactive", autoscaling={"min_replicas": 1, "max_replicas": 1})
    plan = plan_environment(environment)
    workload = the_workload(plan)
    assert workload["kind"] == "LeaderWorkerSet"
    template = workload["spec"]["leaderWorkerTemplate"]
    assert template["size"] == 2 and template["restartPolicy"] == "RecreateGroupOnPodRestart"
    leader, worker = template["leaderTemplate"]["spec"]["containers"][0], template["workerTemplate"]["spec"]["containers"][0]
    args = flags(leader["args"])
    assert (args["--tensor-parallel-size"], args["--pipeline-parallel-size"], args["--distributed-executor-backend"]) == ("8", "2", "ray")
    assert leader["resources"]["limits"]["nvidia.com/gpu"] == worker["resources"]["limits"]["nvidia.com/gpu"] == "8"
    assert "ray start --head" in leader["command"][2] and "ray start --address" in worker["command"][2]
    assert "startupProbe" in leader and "startupProbe" not in worker
    assert workload["metadata"]["annotations"]["hangar.dev/accelerators-per-replica"] == "16"
    assert "volumeClaimTemplates" not in template  # every pod of every group mounts the shared weights read-only
    for role in ("leaderTemplate", "workerTemplate"):
        assert {"name": "weights", "persistentVolumeClaim": {"claimName": "hangar-weights", "readOnly": True}} in template[role]["spec"]["volumes"]
    (scaled,) = of_kind(plan, "ScaledObject")
    assert scaled["spec"]["scaleTargetRef"] == {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "name": "llama-70b"}
    service = next(s for s in of_kind(plan, "Service") if s["metadata"]["name"] == "llama-70b")
    assert service["spec"]["selector"]["hangar.dev/role"] == "leader"
    charts = {r.inputs["chart"]: r.inputs["version"] for r in serving_releases(plan)}
    assert charts == {"keda": KEDA_VERSION, "oci://registry.k8s.io/lws/charts/lws": "0.8.0", "kube-prometheus-stack": KUBE_PROMETHEUS_STACK.version}


def test_a_multi_host_tpu_slice_runs_one_pod_per_host_in_one_node_pool():
    environment = raw("gke-tpu")
    environment["clusters"][0]["tpu_slices"][0].update(name="v5e-4x4", topology="4x4", min_slices=0, max_slices=1)
    environment["deployments"][0].update(pool="v5e-4x4", autoscaling={"min_replicas": 1, "max_replicas": 1})
    workload = the_workload(plan_environment(environment))
    assert workload["kind"] == "LeaderWorkerSet"
    assert workload["metadata"]["annotations"]["leaderworkerset.sigs.k8s.io/exclusive-topology"] == "cloud.google.com/gke-nodepool"
    template = workload["spec"]["leaderWorkerTemplate"]
    assert template["size"] == 4
    leader = template["leaderTemplate"]["spec"]["containers"][0]
    assert leader["resources"]["limits"]["google.com/tpu"] == "4"
    assert flags(leader["args"])["--tensor-parallel-size"] == "16"


# --- prompt templates ---------------------------------------------------------------------------------


def _templates(directory: Path, question: str = "Question: {{ question }}") -> Path:
    directory.mkdir(exist_ok=True)
    (directory / "answer.j2").write_text("{# variables: context, question #}\nContext: {{ context }}\n" + question + "\n")
    (directory / "summary.j2").write_text("{# variables: text #}\nSummarise: {{ text }}\n")
    return directory


def _prompt_plan(directory: Path):
    environment = raw("gke-dev")
    environment["deployments"][0]["prompt_templates_dir"] = str(directory)
    return plan_environment(environment)


def test_prompt_templates_become_a_configmap_named_by_content_and_mounted(tmp_path):
    plan = _prompt_plan(_templates(tmp_path / "prompts"))
    (config_map,) = of_kind(plan, "ConfigMap")
    name = config_map["metadata"]["name"]
    assert name.startswith("qwen-7b-prompts-") and config_map["immutable"] is True
    assert set(config_map["data"]) == {"answer.j2", "summary.j2"}
    spec = the_workload(plan)["spec"]["template"]["spec"]
    assert {"name": "prompts", "configMap": {"name": name}} in spec["volumes"]
    assert {"name": "prompts", "mountPath": "/etc/hangar/prompts", "readOnly": True} in spec["containers"][0]["volumeMounts"]

    changed = _prompt_plan(_templates(tmp_path / "prompts", "Q: {{ question }}?"))
    (changed_map,) = of_kind(changed, "ConfigMap")
    assert changed_map["metadata"]["name"] != name  # a new name rolls the pods
    assert {"name": "prompts", "configMap": {"name": changed_map["metadata"]["name"]}} in the_workload(changed)["spec"]["template"]["spec"]["volumes"]
    again = _prompt_plan(_templates(tmp_path / "prompts", "Q: {{ question }}?"))
    assert of_kind(again, "ConfigMap")[0]["metadata"]["name"] == changed_map["metadata"]["name"]


def test_prompt_templates_are_checked_before_anything_is_registered(tmp_path):
    directory = _templates(tmp_path / "prompts")
    (directory / "broken.j2").write_text("{# variables: name #}\nHello {{ name \n")
    (directory / "unused.j2").write_text("{# variables: name, extra #}\nHello {{ name }} from {{ place }}\n")
    (directory / "bare.j2").write_text("Hello {{ name }}\n")
    with pytest.raises(PlanError) as error:
        _prompt_plan(directory)
    lines = [line for line in str(error.value).splitlines() if "prompt_templates_dir" in line]
    assert lines == [
        f"hangar:environment.deployments[0].prompt_templates_dir: {directory}/bare.j2: must start with a declaration of its variables, e.g. {{# variables: context, question #}}",
        f"hangar:environment.deployments[0].prompt_templates_dir: {directory}/broken.j2:2: does not parse: unexpected end of template, expected 'end of print statement'.",
        f"hangar:environment.deployments[0].prompt_templates_dir: {directory}/unused.j2: declares extra but never uses it",
        f"hangar:environment.deployments[0].prompt_templates_dir: {directory}/unused.j2: uses place without declaring it",
    ]


def test_an_air_gapped_site_takes_the_engine_image_and_keda_from_its_mirror():
    environment = raw("onprem")
    environment["clusters"][0].update(air_gapped=True, registry_mirror="registry.dc1.internal:5000/mirror", chart_repository="https://charts.dc1.internal/hangar")
    environment["deployments"][0]["weights"] = {"source": "volume", "claim": "llama-weights"}
    plan = plan_environment(environment)
    assert server_container(the_workload(plan))["image"] == "registry.dc1.internal:5000/mirror/vllm/vllm-openai:v0.33.0"
    (keda,) = [r.inputs for r in plan if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"] == "keda"]
    assert keda["repositoryOpts"] == {"repo": "https://charts.dc1.internal/hangar"} and keda["version"] == KEDA_VERSION
    assert {image["registry"] for image in keda["values"]["image"].values()} == {"registry.dc1.internal:5000/mirror"}
    (prometheus,) = [r.inputs for r in plan if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"] == "kube-prometheus-stack"]
    assert prometheus["repositoryOpts"] == {"repo": "https://charts.dc1.internal/hangar"} and prometheus["version"] == KUBE_PROMETHEUS_STACK.version
    assert prometheus["values"]["global"] == {"imageRegistry": "registry.dc1.internal:5000/mirror"}


@pytest.mark.parametrize("stack", ["eks-prod", "onprem"])
def test_servers_and_autoscalers_hang_off_the_environment_and_use_the_clusters_provider(stack):
    plan = example_plan(stack)
    types = {r.urn: r.type for r in plan}
    environment = next(r.urn for r in plan if r.type == "hangar:index:Environment")
    for token in ("hangar:serving:ModelServer", "hangar:serving:Autoscaler", "hangar:serving:ClusterAddons"):
        (component,) = plan.of_type(token)
        assert component.parent == environment
    (provider,) = plan.of_type("pulumi:providers:kubernetes")
    serving = [r for r in plan if "hangar:serving:" in r.urn and r.custom]
    assert serving and all(r.provider.startswith(provider.urn) for r in serving)
    assert all(types[r.parent].startswith("hangar:serving:") for r in serving)  # target tests can leave the serving layer out by URN
