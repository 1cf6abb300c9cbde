"""awq and gptq of a checkpoint the catalog cannot vouch for, as the policy pack judges it (policies/rules/hardware.py).

A `--quantization` the server's release refuses on the model's published checkpoint (awq or gptq of a bf16 one) is a
hardware-fit violation: vLLM would not start. awq or gptq of a catalog model whose published format is unknown (a row
read from a vendor's architecture arguments, which do not say it) depends on a checkpoint the catalog does not know: `hangar-cannot-judge`, and its fit is
not sized as if the 4-bit weights existed.
"""

from __future__ import annotations

import copy

import pytest
from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.base import CANNOT_JUDGE, HARDWARE_FIT

from hangar.records import ResourceRecord
from tests.h200_stacks import with_deployment
from tests.serving_plans import flags, plan_environment, server_container, workloads

UNKNOWN = "meta-llama/Llama-3.1-405B-Instruct"  # read from Meta's SKU args, which do not say the weights' format: dtype unknown
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"  # published in bf16


def judged(records, policy):
    return [v.message for v in evaluate(list(records), load_pack_config({}, "test")) if v.policy == policy]


@pytest.mark.parametrize(("release", "flag"), [("v0.11.2", "awq_marlin"), ("v0.33.0", "auto_awq")])
def test_awq_of_a_row_of_unknown_format_cannot_be_judged(aws_environment, release, flag):
    raw = with_deployment(aws_environment, model=UNKNOWN, precision="awq", max_context_tokens=8192, tensor_parallel=1, engine_version=release)
    plan = plan_environment(raw)  # not a config error: the checkpoint under that id may be an awq one
    assert judged(plan, CANNOT_JUDGE) == [
        f"m: the catalog does not know the format {UNKNOWN}'s checkpoint is published in, and vLLM {release} serves awq only from a checkpoint "
        "quantised to it ahead of time (from a 16-bit one it refuses or loads 16 bits), so whether it can be served in awq cannot be judged; "
        "import its config.json with `hangar catalog import-model` to record its format"
    ]
    assert judged(plan, HARDWARE_FIT) == []  # not sized as if 4-bit weights existed


def test_int8_of_a_row_of_unknown_format_cannot_be_judged_though_no_flag_says_it(aws_environment):
    raw = with_deployment(aws_environment, model=UNKNOWN, precision="int8", max_context_tokens=8192, tensor_parallel=1)
    plan = plan_environment(raw)
    (workload,) = workloads(plan)
    assert "--quantization" not in flags(server_container(workload)["args"])  # vLLM reads an int8 checkpoint's own config
    assert workload["metadata"]["annotations"]["hangar.dev/precision"] == "int8"
    assert judged(plan, CANNOT_JUDGE) == [
        f"m: the catalog does not know the format {UNKNOWN}'s checkpoint is published in, and vLLM v0.33.0 serves int8 only from a checkpoint "
        "quantised to it ahead of time (from a 16-bit one it refuses or loads 16 bits), so whether it can be served in int8 cannot be judged; "
        "import its config.json with `hangar catalog import-model` to record its format"
    ]
    assert judged(plan, HARDWARE_FIT) == []  # neither sized at one byte a weight nor as 16 bits


def test_only_a_precision_the_flags_leave_unsaid_is_annotated(aws_environment):
    (workload,) = workloads(plan_environment(with_deployment(aws_environment, model=LLAMA, precision="fp8", max_context_tokens=8192, tensor_parallel=1)))
    assert "hangar.dev/precision" not in workload["metadata"]["annotations"]


def test_the_same_row_as_published_is_judged(aws_environment):
    plan = plan_environment(with_deployment(aws_environment, model=UNKNOWN, max_context_tokens=8192, tensor_parallel=2))
    assert not any("format" in message for message in judged(plan, CANNOT_JUDGE))


def with_args(records: list[ResourceRecord], extra: list[str]) -> list[ResourceRecord]:
    """The plan's records with `extra` appended to the vLLM server's args, as a hand-written program would pass them."""
    changed = []
    for record in records:
        spec = record.inputs.get("spec", {}).get("template", {}).get("spec", {}) if record.type.startswith("kubernetes:apps/v1:") else {}
        containers = spec.get("containers") or []
        if any("vllm" in str(c.get("image", "")) for c in containers):
            inputs = copy.deepcopy(record.inputs)
            (container,) = [c for c in inputs["spec"]["template"]["spec"]["containers"] if "vllm" in str(c.get("image", ""))]
            container["args"] = [*container["args"], *extra]
            record = ResourceRecord(record.urn, record.type, record.name, record.parent, record.custom, inputs, record.provider, record.dependencies)
        changed.append(record)
    return changed


@pytest.mark.parametrize("release", ["v0.11.2", "v0.33.0"])
@pytest.mark.parametrize("flag", ["awq", "gptq_marlin", "auto_gptq"])
def test_a_raw_server_asking_awq_or_gptq_of_a_bf16_checkpoint_would_not_start(aws_environment, release, flag):
    plan = plan_environment(with_deployment(aws_environment, model=LLAMA, max_context_tokens=8192, tensor_parallel=1, engine_version=release))
    precision = flag.removeprefix("auto_").removesuffix("_marlin")
    assert judged(with_args(list(plan), ["--quantization", flag]), HARDWARE_FIT) == [
        f"m: vLLM would not start: {LLAMA} is published in bf16: vLLM {release} finds no {precision} quantisation config in a bf16 checkpoint "
        f"('Cannot find the config file for {precision}', vllm/model_executor/model_loader/weight_utils.py get_quant_config); serve a checkpoint quantised ahead of time under its own id; allowed: bf16, fp16, fp8 "
        "(or leave precision unset: bf16)"
    ]


def test_a_raw_server_quantising_a_bf16_checkpoint_to_fp8_is_judged_as_fp8(aws_environment):
    plan = plan_environment(with_deployment(aws_environment, model=LLAMA, max_context_tokens=8192, tensor_parallel=1))
    assert judged(with_args(list(plan), ["--quantization", "fp8"]), HARDWARE_FIT) == []



def test_hangar_size_offers_neither_awq_gptq_nor_int8_of_a_row_of_unknown_format():
    from typer.testing import CliRunner

    from hangar.cli import app

    offered = CliRunner().invoke(app, ["size", UNKNOWN, "--limit", "3"], catch_exceptions=False, env={"COLUMNS": "400"})
    assert offered.exit_code == 0, offered.output
    assert ("not offered: awq, gptq, int8 (no awq, gptq or int8 checkpoint of it is known (its published format is unknown): import one "
            "quantised ahead of time under its own id)") in offered.stdout
    asked = CliRunner().invoke(app, ["size", UNKNOWN, "--precision", "int8", "--why-not"], catch_exceptions=False, env={"COLUMNS": "400"})
    assert asked.exit_code == 0, asked.output
    assert "no feasible option" in asked.stdout
    assert (f"{UNKNOWN}: the catalog knows no int8 checkpoint of it (its published format is unknown), and vLLM v0.33.0 serves int8 only "
            "from a checkpoint quantised to it ahead of time; import one under its own id") in asked.stdout


def test_hangar_size_offers_no_int8_of_a_bf16_checkpoint_and_says_why():
    from typer.testing import CliRunner

    from hangar.cli import app

    asked = CliRunner().invoke(app, ["size", LLAMA, "--precision", "int8", "--why-not"], catch_exceptions=False, env={"COLUMNS": "400"})
    assert asked.exit_code == 0, asked.output
    assert "no feasible option" in asked.stdout
    assert "vLLM v0.33.0 quantises no dense weights to int8 as it loads" in asked.stdout


def test_the_pack_over_grpc_gives_the_same_verdicts(aws_environment):
    from tests.pack_agreement import offline_verdicts, pack_verdicts

    raw = with_deployment(aws_environment, model=UNKNOWN, precision="gptq", max_context_tokens=8192, tensor_parallel=1)
    records = list(plan_environment(raw))
    configs = load_pack_config({}, "test")
    offline = offline_verdicts(records, configs, CANNOT_JUDGE)
    assert len(offline) == 1 and "serves gptq only from a checkpoint quantised to it ahead of time" in offline[0][2]
    assert pack_verdicts(records, configs, CANNOT_JUDGE) == offline
