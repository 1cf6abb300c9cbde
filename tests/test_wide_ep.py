"""Data-parallel attention with expert parallelism (`data_parallel`, `expert_parallel`; vLLM `--data-parallel-size N
--enable-expert-parallel`): how DeepSeek-V3 and its kind are served in practice, sized per GPU as vLLM allocates it."""

from __future__ import annotations

import pytest
from hangar.policies.rules.base import HARDWARE_FIT
from hangar.policies.rules.capacity import CAPACITY

from hangar.catalog import load_catalog
from hangar.sizing import memory_fit
from hangar.sizing.experts import experts_on_largest_rank, routed_expert_params
from tests.config_errors import config_problems
from tests.h200_stacks import with_deployment
from tests.policy_records import messages, node_group, record
from tests.serving_plans import flags, plan_environment, server_container, workloads

DEEPSEEK = "deepseek-ai/DeepSeek-V3"
CATALOG = load_catalog()


def fit(model: str = DEEPSEEK, gpu: str = "H200", **parallel):
    return memory_fit(CATALOG.model(model), CATALOG.gpu(gpu), precision="fp8", max_context_tokens=32768, concurrent_sequences=64, **parallel)


# --- sizing: TP=8 against DP=8 + EP on 8 x H200 ------------------------------------------------------------------


def test_tp8_replicates_the_latent_kv_cache_on_every_gpu():
    tp8 = fit(tensor_parallel=8)
    assert tp8.fits and tp8.kv_replication == 8
    # 671B parameters in fp8 (embeddings in bf16) over 8 GPUs, 78.3 GiB, and on each the latent down projections and
    # routers whole (hangar.sizing.replicated_weights)
    assert round(tp8.weights_per_gpu_gib, 1) == 79.3
    assert tp8.capacity_sequences == 22
    assert tp8.capacity_note() == (
        "its KV cache holds 22 sequences of 32,768 tokens at once, fewer than max_num_seqs 64: "
        "vLLM batches fewer sequences at full length (shorter ones share the blocks)"
    )


def test_dp8_with_expert_parallelism_holds_five_times_the_sequences_at_more_weights_per_gpu():
    dp8 = fit(tensor_parallel=1, data_parallel=8, expert_parallel=True)
    assert dp8.fits and dp8.kv_replication == 1 and dp8.accelerators == 8
    # every GPU keeps the attention, dense layers, shared expert and embeddings (~17B parameters) and 32 of the 256 routed experts
    assert round(dp8.weights_per_gpu_gib, 1) == 93.9
    assert round(dp8.kv_per_sequence_gib, 2) == 2.14  # one copy of the latent: 61 x 576 x 2 bytes a token
    assert dp8.capacity_sequences == 120
    assert dp8.capacity_note().startswith("its 8 engines' KV caches hold 120 sequences of 32,768 tokens at once, fewer than max_num_seqs 64 x 8 engines")


def test_without_expert_parallelism_the_experts_are_still_split_over_every_gpu():
    """vLLM flattens TP across DP for the fused MoE (`flatten_tp_across_dp`): each GPU holds 1/8 of every expert's width."""
    plain, ep = fit(tensor_parallel=1, data_parallel=8), fit(tensor_parallel=1, data_parallel=8, expert_parallel=True)
    assert plain.weights_gib == pytest.approx(ep.weights_gib)  # 256 experts split evenly: the same bytes either way


def test_an_uneven_expert_split_sizes_the_rank_holding_one_more():
    """`determine_expert_map`: 128 experts over 6 ranks give 22 to the first two, 21 to the rest; the fit is the largest rank's."""
    assert experts_on_largest_rank(128, 6) == 22
    model = CATALOG.model("Qwen/Qwen3-235B-A22B-FP8")
    even = fit(model.hf_id, tensor_parallel=1, data_parallel=6)
    uneven = fit(model.hf_id, tensor_parallel=1, data_parallel=6, expert_parallel=True)
    per_weight = 1.0  # fp8
    assert (uneven.weights_gib - even.weights_gib) * 2**30 == pytest.approx(routed_expert_params(model) * per_weight * (22 / 128 - 1 / 6))


def test_a_dense_model_with_data_parallelism_is_copied_per_engine_and_refuses_expert_parallelism():
    llama = "meta-llama/Llama-3.1-8B-Instruct"
    one, four = fit(llama, tensor_parallel=1), fit(llama, tensor_parallel=1, data_parallel=4)
    assert four.weights_gib == one.weights_gib and four.capacity_sequences == 4 * one.capacity_sequences
    with pytest.raises(ValueError, match="has no experts: expert parallelism"):
        fit(llama, tensor_parallel=1, data_parallel=4, expert_parallel=True)


def test_an_engine_that_does_not_fit_says_so_per_data_parallel_engine():
    reason = fit(gpu="H100-SXM", tensor_parallel=1, data_parallel=8, expert_parallel=True).reason
    assert reason == (
        "vLLM would not start: each of its 8 data-parallel engines, the routed experts spread over all of them whole (expert parallel): "
        "it needs 98.0 GiB (weights 93.9 + overhead 2.0 + KV cache of one 32,768-token sequence 2.1) but one H100-SXM gives 73.6 GiB "
        "usable at 92%: 24.4 GiB short; the weights alone do not fit"
    )


# --- a Hangar deployment -------------------------------------------------------------------------------------------


def test_a_deployment_renders_the_flags_and_takes_tp_x_dp_gpus(aws_environment):
    raw = with_deployment(aws_environment, model=DEEPSEEK, tensor_parallel=1, data_parallel=8, expert_parallel=True, max_context_tokens=32768)
    plan = plan_environment(raw)
    (workload,) = workloads(plan)
    container = server_container(workload)
    given = flags(container["args"])
    assert given["--tensor-parallel-size"] == "1" and given["--data-parallel-size"] == "8" and "--enable-expert-parallel" in given
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "8"
    assert messages(list(plan), HARDWARE_FIT) == []


def test_data_parallel_1_renders_no_data_parallel_flag(aws_environment):
    raw = with_deployment(aws_environment, model=DEEPSEEK, tensor_parallel=8, max_context_tokens=32768)
    (workload,) = workloads(plan_environment(raw))
    args = server_container(workload)["args"]
    assert "--data-parallel-size" not in args and "--enable-expert-parallel" not in args


def test_expert_parallel_on_a_dense_model_is_a_config_error(aws_environment):
    raw = with_deployment(aws_environment, model="meta-llama/Llama-3.1-8B-Instruct", tensor_parallel=1, data_parallel=2, expert_parallel=True)
    assert config_problems(raw) == [
        "Pulumi.test.yaml: hangar:environment.deployments[0].expert_parallel: meta-llama/Llama-3.1-8B-Instruct is a dense model (no experts "
        "in the catalog): expert parallelism (vLLM --enable-expert-parallel) is only for a mixture of experts; set expert_parallel false; got true"
    ]


def test_more_engines_than_a_node_holds_is_a_config_error(aws_environment):
    raw = with_deployment(aws_environment, model=DEEPSEEK, tensor_parallel=2, data_parallel=8, expert_parallel=True)
    (problem,) = config_problems(raw)
    assert problem.startswith("Pulumi.test.yaml: hangar:environment.deployments[0].data_parallel: 8 engines of tensor_parallel 2 take 16 GPUs in one pod")
    assert "tensor_parallel x data_parallel must be at most 8; got 8" in problem


@pytest.mark.parametrize(("value", "key"), [(0, "data_parallel"), ("two", "data_parallel"), ("yes please", "expert_parallel")])
def test_a_bad_value_names_the_key(aws_environment, value, key):
    raw = with_deployment(aws_environment, model=DEEPSEEK, tensor_parallel=1, **{key: value})
    (problem,) = config_problems(raw)
    assert f"deployments[0].{key}:" in problem and repr(value) in problem


# --- a raw vLLM server, judged the same ----------------------------------------------------------------------------


def raw_server(model: str, *, tp: int, dp: int, gpus: int, ep: bool = True, instance_pool: str = "p5") -> list:
    args = ["serve", model, "--tensor-parallel-size", str(tp), "--data-parallel-size", str(dp), "--max-model-len", "32768",
            "--max-num-seqs", "64", *(["--enable-expert-parallel"] if ep else [])]  # fmt: skip
    container = {"name": "vllm", "image": "vllm/vllm-openai:v0.11.2", "command": ["vllm"], "args": args,
                 "resources": {"limits": {"nvidia.com/gpu": str(gpus)}}}  # fmt: skip
    spec = {"containers": [container], "nodeSelector": {"hangar.dev/pool": instance_pool}}
    return [record("kubernetes:apps/v1:Deployment", "ds", {"metadata": {"name": "ds"}, "spec": {"template": {"spec": spec}}})]


def test_a_raw_dp_ep_server_is_sized_per_engine():
    found = messages([node_group("p5", "p5.48xlarge", 1), *raw_server(DEEPSEEK, tp=1, dp=8, gpus=8)], HARDWARE_FIT)
    assert found == [
        f"ds: {DEEPSEEK} in fp8 on pool p5 (8 x H100-SXM per node) does not fit: vLLM would not start: each of its 8 data-parallel "
        "engines, the routed experts spread over all of them whole (expert parallel): it needs 98.0 GiB (weights 93.9 + overhead 2.0 + KV "
        "cache of one 32,768-token sequence 2.1) but one H100-SXM gives 72.0 GiB usable at 90%: 26.0 GiB short; the weights alone do not fit"
    ]


def test_a_raw_dp_ep_server_on_h200_fits():
    assert messages([node_group("p5en", "p5en.48xlarge", 1), *raw_server(DEEPSEEK, tp=1, dp=8, gpus=8, instance_pool="p5en")], HARDWARE_FIT) == []


def test_a_raw_server_asking_fewer_gpus_than_tp_x_dp_is_refused():
    found = messages([node_group("p5en", "p5en.48xlarge", 1), *raw_server(DEEPSEEK, tp=1, dp=8, gpus=4, instance_pool="p5en")], HARDWARE_FIT)
    assert "ds: tensor parallelism 1 x data parallelism 8 needs 8 GPUs, but the pod requests 4" in found


def test_a_raw_server_with_expert_parallelism_on_a_dense_model_is_refused():
    llama = "meta-llama/Llama-3.1-8B-Instruct"
    found = messages([node_group("p5en", "p5en.48xlarge", 1), *raw_server(llama, tp=1, dp=2, gpus=2, instance_pool="p5en")], HARDWARE_FIT)
    assert found == [f"ds: {llama}: --enable-expert-parallel is for a mixture of experts, and the catalog's {llama} has no experts"]


def test_capacity_with_data_parallelism_times_all_eight_engines():
    records = raw_server(DEEPSEEK, tp=1, dp=8, gpus=8, instance_pool="p5en")
    annotations = {"hangar.dev/peak-rps": "2", "hangar.dev/prompt-tokens": "1000", "hangar.dev/output-tokens": "200"}
    records[0].inputs["metadata"]["annotations"] = annotations
    assert messages([node_group("p5en", "p5en.48xlarge", 1), *records], CAPACITY) == []  # one replica of eight engines carries 2 requests/s
    annotations["hangar.dev/peak-rps"] = "400"
    replicas, nodes = messages([node_group("p5en", "p5en.48xlarge", 1), *records], CAPACITY)
    assert replicas.startswith("ds: carrying the declared peak of 400 requests/s (1,000 prompt + 200 output tokens each) needs ")
    # --max-num-seqs 64 holds per engine: 512 sequences in flight over the eight
    assert "on pool p5en (8 x H200 per node) with tensor parallelism 1 x data parallelism 8 (expert parallel) (ESTIMATE: " in replicas
    assert " per replica at 512 sequences in flight" in replicas and replicas.endswith("but its spec.replicas allows at most 1")
    assert nodes.endswith("but p5en grows to at most 1")  # a replica takes a whole node


# --- autoscaling: a replica of D engines exports D series of each gauge -------------------------------------------


def test_default_autoscaling_targets_count_every_engine_of_a_replica():
    from hangar.components.serving_autoscaler import default_target

    from hangar.spec import ModelDeployment

    one = ModelDeployment(name="m", model=DEEPSEEK, pool="h200", max_concurrent_sequences=64)
    eight = ModelDeployment(name="m", model=DEEPSEEK, pool="h200", max_concurrent_sequences=64, data_parallel=8, expert_parallel=True)
    for metric, per_engine in (("requests_running", 48.0), ("queue_depth", 64.0), ("kv_cache_usage", 0.7), ("requests_waiting", 4.0)):
        assert default_target(metric, one) == pytest.approx(per_engine)
        assert default_target(metric, eight) == pytest.approx(per_engine * 8)


def test_auto_tensor_parallel_with_data_parallel_says_what_all_engines_hold(aws_environment):
    from hangar.replica import replica_shape
    from hangar.stackfile import environment_from_config

    raw = with_deployment(aws_environment, model=DEEPSEEK, data_parallel=8, expert_parallel=True, max_context_tokens=32768, max_concurrent_sequences=64)
    environment = environment_from_config(raw, "Pulumi.test.yaml")
    shape = replica_shape(environment, environment.deployments[0])
    assert (shape.tensor_parallel, shape.data_parallel, shape.accelerators_per_pod) == (1, 8, 8)
    assert shape.auto_note is not None and shape.auto_note.startswith(
        "tensor_parallel auto: no TP degree within an engine's 1 x H200 (8 engines a node) holds all 512 sequences of 32,768 tokens; "
        "at TP 1 its 8 engines' KV caches hold 120 sequences"
    )
