"""A model whose config vLLM reads only with `--trust-remote-code` (Llama-Nemotron's `nemotron-nas`): a Hangar deployment
must say `trust_remote_code: true`, which puts the flag on the server; a raw program's server without the flag violates
hangar-hardware-fit. Sources: hangar.sizing.engine_models (vLLM v0.11.2 and v0.33.0 `get_config`, transformers 4.57.1
and 5.16.1 have no nemotron-nas config class).
"""

from __future__ import annotations

import copy

from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.base import HARDWARE_FIT

from hangar.catalog import load_catalog
from hangar.records import ResourceRecord
from hangar.sizing.engine_models import remote_code
from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems as problems
from tests.h200_stacks import with_deployment
from tests.serving_plans import flags, plan_environment, server_container, workloads

SUPER = "nvidia/Llama-3_3-Nemotron-Super-49B-v1"
WHY = (
    f"vLLM v0.11.2 and v0.33.0 read {SUPER}'s config (nemotron-nas) only with --trust-remote-code, which runs the model "
    "repository's own configuration_decilm.py in the server: neither they nor transformers have its config class"
)


def stack(aws_environment, **deployment) -> dict:
    return with_deployment(copy.deepcopy(aws_environment), model=SUPER, tensor_parallel=2, max_context_tokens=32768, **deployment)


def test_only_the_nemotron_row_needs_remote_code_at_the_pinned_v0_33_0():
    # MiniMax-M2.7 needs it at v0.11.2 only (REMOTE_CODE_UNTIL; tests/test_catalog_minimax.py)
    assert [model.hf_id for model in load_catalog().models.values() if remote_code(model, "v0.33.0")] == [SUPER]


def test_a_deployment_of_it_without_trust_remote_code_is_a_config_error_naming_the_key(aws_environment):
    assert problems(stack(aws_environment)) == [
        f"Pulumi.test.yaml: hangar:environment.deployments[0].trust_remote_code: {WHY}: set deployments[0].trust_remote_code "
        "to true if you trust that code, or serve another model; got 'unset (false)'"
    ]
    (message,) = problems(stack(aws_environment, trust_remote_code=False))
    assert message.endswith("or serve another model; got false")


def test_with_trust_remote_code_it_plans_and_its_server_is_given_the_flag(aws_environment):
    raw = stack(aws_environment, trust_remote_code=True)
    assert environment_from_config(raw, "Pulumi.test.yaml").deployments[0].trust_remote_code is True
    plan = plan_environment(raw)
    (workload,) = workloads(plan)
    args = flags(server_container(workload)["args"])
    assert "--trust-remote-code" in args and args["--tensor-parallel-size"] == "2"


def test_another_model_runs_no_remote_code_unless_asked(aws_environment):
    raw = with_deployment(copy.deepcopy(aws_environment), model="meta-llama/Llama-3.1-8B-Instruct")
    (workload,) = workloads(plan_environment(raw))
    assert "--trust-remote-code" not in flags(server_container(workload)["args"])


def raw_server(*extra: str) -> list[ResourceRecord]:
    """A raw program's vLLM v0.33.0 Deployment of Nemotron Super on one H200 of an EKS node group."""
    args = ["--model", SUPER, "--max-model-len", "8192", *extra]
    container = {"name": "vllm", "image": "vllm/vllm-openai:v0.33.0", "args": args, "resources": {"limits": {"nvidia.com/gpu": "1"}}}
    inputs = {"metadata": {"name": "nemotron"}, "spec": {"template": {"spec": {"containers": [container], "nodeSelector": {"hangar.dev/pool": "h200"}}}}}
    pool = {"instanceTypes": ["p5en.48xlarge"], "scalingConfig": {"minSize": 0.0, "maxSize": 1.0, "desiredSize": 0.0}, "capacityType": "ON_DEMAND", "labels": {"hangar.dev/pool": "h200"}}
    return [
        ResourceRecord(urn="urn:pulumi:test::raw::kubernetes:apps/v1:Deployment::nemotron", type="kubernetes:apps/v1:Deployment", name="nemotron", parent=None, custom=True, inputs=inputs),
        ResourceRecord(urn="urn:pulumi:test::raw::aws:eks/nodeGroup:NodeGroup::h200", type="aws:eks/nodeGroup:NodeGroup", name="h200", parent=None, custom=True, inputs=pool),
    ]


def hardware_fit(records: list[ResourceRecord]) -> list[str]:
    return [v.message for v in evaluate(records, load_pack_config({}, "test")) if v.policy == HARDWARE_FIT]


def test_a_raw_server_of_it_without_the_flag_violates_hardware_fit():
    assert hardware_fit(raw_server()) == [f"nemotron: vLLM would not start: {WHY}, and the server is not given --trust-remote-code"]


def test_a_raw_server_given_the_flag_fits_one_h200():
    assert hardware_fit(raw_server("--trust-remote-code")) == []
