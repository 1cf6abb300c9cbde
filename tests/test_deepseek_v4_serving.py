"""DeepSeek-V4 served at vLLM v0.33.0: the `vllm serve` arguments Hangar renders pass no `--quantization` (vLLM takes its
own "deepseek_v4_fp8" whatever the flag says: `hangar.precision.own_quantisation`), where gpt-oss, also published in
mxfp4, keeps `--quantization mxfp4`."""

from __future__ import annotations

import copy
from pathlib import Path

from typer.testing import CliRunner

from hangar.cli import app
from tests.h200_stacks import with_deployment
from tests.serving_plans import flags, plan_environment, server_container, workloads

CONFIGS = Path(__file__).parent / "model_configs"
FLASH = "deepseek-ai/DeepSeek-V4-Flash"


def imported(tmp_path: Path) -> Path:
    """DeepSeek's Flash config.json imported as a team would, under the licence it read."""
    ours = tmp_path / "ours"
    result = CliRunner().invoke(app, ["catalog", "import-model", FLASH, "--config", str(CONFIGS / "deepseek-v4-flash.json"), "--licence", "mit",
                                      "--overrides", str(ours)], catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    return ours


def served_args(raw: dict) -> dict[str, str]:
    (workload,) = workloads(plan_environment(raw))
    return flags(server_container(workload)["args"])


def test_deepseek_v4_is_served_without_a_quantization_flag(tmp_path, aws_environment):
    raw = with_deployment(copy.deepcopy(aws_environment), model=FLASH, engine_version="v0.33.0", max_context_tokens=65536)
    raw["catalog_overrides"] = str(imported(tmp_path))
    args = served_args(raw)
    assert "--quantization" not in args
    assert (args["--tensor-parallel-size"], args["--dtype"], args["--max-model-len"]) == ("8", "bfloat16", "65536")


def test_gpt_oss_keeps_its_mxfp4_flag(aws_environment):
    args = served_args(with_deployment(copy.deepcopy(aws_environment), model="openai/gpt-oss-120b", max_context_tokens=8192))
    assert args["--quantization"] == "mxfp4"
