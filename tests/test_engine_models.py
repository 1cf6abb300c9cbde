"""A deployment whose model the pinned vLLM release cannot load is a config error (hangar.spec.engine_models).

Qwen3.5 and Gemma 4 are in the catalog, but vLLM v0.11.2 (the default `engine_version`) has neither architecture in
its model registry, and the transformers it requires knows neither model type: the server would crash-loop. The
error names `deployments[i].model`, the architecture, the engine version and the first vLLM release that serves it
(v0.17.0 for Qwen3.5, v0.19.1 for Gemma 4); that release, or a later one, is accepted.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from hangar.catalog import load_catalog
from hangar.sizing.engine_models import ARRIVALS, engine_refusal, first_served
from hangar.sizing.lora_architectures import architecture
from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems as problems
from tests.h200_stacks import with_deployment

CONFIGS = Path(__file__).parent / "model_configs"
QWEN = "Qwen/Qwen3.5-27B"
GEMMA = "google/gemma-4-26B-A4B"
VERIFIED = "(Hangar's generated vLLM arguments are verified for v0.11.2 and v0.33.0)"


def stack(aws_environment, model: str, engine_version: str | None = None) -> dict:
    pinned = {} if engine_version is None else {"engine_version": engine_version}
    return with_deployment(copy.deepcopy(aws_environment), model=model, **pinned)


def test_qwen3_5_on_v0_11_2_is_a_config_error_naming_the_first_release_that_serves_it(aws_environment):
    assert problems(stack(aws_environment, QWEN, "v0.11.2")) == [
        "Pulumi.test.yaml: hangar:environment.deployments[0].model: vLLM v0.11.2 cannot load Qwen/Qwen3.5-27B: "
        "Qwen3_5ForConditionalGeneration is not in v0.11.2's model registry, and its Transformers backend cannot stand in: "
        "the model_type qwen3_5 came in transformers 5.2.0, and v0.11.2 requires transformers>=4.56.0,<5; vLLM serves it from "
        f"v0.17.0: set deployments[0].engine_version to v0.17.0 or later, or serve another model {VERIFIED}; got 'Qwen/Qwen3.5-27B'"
    ]


def test_the_default_engine_v0_33_0_serves_qwen3_5_and_gemma_4(aws_environment):
    for model in (QWEN, GEMMA):
        environment = environment_from_config(stack(aws_environment, model), "Pulumi.test.yaml")
        assert environment.deployments[0].engine_version == "v0.33.0"


def test_gemma_4_is_refused_until_the_release_whose_transformers_has_it(aws_environment):
    (default,) = problems(stack(aws_environment, GEMMA, "v0.11.2"))
    assert default.startswith(
        "Pulumi.test.yaml: hangar:environment.deployments[0].model: vLLM v0.11.2 cannot load google/gemma-4-26B-A4B: "
        "Gemma4ForConditionalGeneration is not in v0.11.2's model registry"
    )
    assert "the model_type gemma4 came in transformers 5.5.0" in default and "set deployments[0].engine_version to v0.19.1 or later" in default
    (registered,) = problems(stack(aws_environment, GEMMA, "v0.19.0"))
    assert (
        "vLLM v0.19.0 cannot load google/gemma-4-26B-A4B: v0.19.0 registers Gemma4ForConditionalGeneration, but its Gemma 4 class "
        "imports transformers' gemma4 model, while the release requires transformers<5 (the model_type gemma4 came in transformers 5.5.0); "
        "vLLM serves it from v0.19.1"
    ) in registered


@pytest.mark.parametrize(("model", "version"), [(QWEN, "v0.17.0"), (QWEN, "0.33.0"), (GEMMA, "v0.19.1"), (GEMMA, "v0.20.0")])
def test_the_first_release_that_serves_it_and_later_ones_are_accepted(aws_environment, model, version):
    environment = environment_from_config(stack(aws_environment, model, version), "Pulumi.test.yaml")
    assert environment.deployments[0].engine_version == version


def test_a_release_older_than_any_read_is_refused_without_claiming_its_transformers(aws_environment):
    (message,) = problems(stack(aws_environment, "Qwen/Qwen3.5-35B-A3B", "v0.10.0"))
    assert (
        "vLLM v0.10.0 cannot load Qwen/Qwen3.5-35B-A3B: v0.10.0 is older than v0.11.2, which already lacks "
        "Qwen3_5MoeForConditionalGeneration in its model registry; vLLM serves it from v0.17.0"
    ) in message
    assert "transformers" not in message.split(";")[0]


def test_each_deployment_it_cannot_load_is_named_and_the_others_are_not(aws_environment):
    raw = stack(aws_environment, QWEN, "v0.11.2")
    raw["deployments"] += [
        {**raw["deployments"][0], "name": "llama", "model": "meta-llama/Llama-3.1-8B-Instruct"},
        {**raw["deployments"][0], "name": "gemma", "model": GEMMA, "engine_version": "v0.18.1"},
    ]
    found = problems(raw)
    assert [line.split(": vLLM ")[0] for line in found] == [
        "Pulumi.test.yaml: hangar:environment.deployments[0].model",
        "Pulumi.test.yaml: hangar:environment.deployments[2].model",
    ]
    assert "Gemma4ForConditionalGeneration is not in v0.18.1's model registry" in found[1]


def test_a_model_the_catalog_does_not_know_is_left_to_the_policies(aws_environment):
    raw = stack(aws_environment, "example-org/private-model", "v0.11.2")
    raw["deployments"][0]["tensor_parallel"] = 1
    assert environment_from_config(raw, "Pulumi.test.yaml").deployments[0].model == "example-org/private-model"


def test_only_the_qwen3_5_gemma_4_devstral_kimi_k2_5_glm_5_and_laguna_rows_are_refused_by_v0_11_2():
    catalog = load_catalog()
    refused = {hf_id: first_served(row) for hf_id, row in catalog.models.items() if engine_refusal(row, "v0.11.2")}
    assert set(refused.values()) == {"v0.15.0", "v0.17.0", "v0.19.1", "v0.20.0", "v0.21.0"}
    families = ("Qwen3.5", "Gemma 4", "Devstral", "Kimi K2.5", "GLM-5", "laguna")
    assert {catalog.models[hf_id].family for hf_id in refused} == set(families)
    assert {hf_id for hf_id, row in catalog.models.items() if row.family in families} == set(refused)
    # Devstral Small 2's text config (ministral3) still fails at v0.19.1; from v0.20.0 every row loads
    assert [hf_id for hf_id, row in catalog.models.items() if engine_refusal(row, "v0.19.1")] == ["mistralai/Devstral-Small-2-24B-Instruct-2512"]
    assert not [hf_id for hf_id, row in catalog.models.items() if engine_refusal(row, "v0.20.0")]


@pytest.mark.parametrize("name", ["qwen3.5-27b.json", "qwen3.5-35b-a3b.json", "gemma-4-26b-a4b.json", "kimi-k2.5.json", "glm-5.json", "laguna-xs.2-fp8.json"])
def test_each_arrivals_architecture_and_model_type_is_what_the_rows_config_json_names(name):
    config = json.loads((CONFIGS / name).read_text())
    (named,) = config["architectures"]
    assert named in ARRIVALS and ARRIVALS[named].model_type == config["model_type"]
    row = next(row for row in load_catalog().models.values() if row.hf_id.lower().endswith(name.removesuffix(".json")))
    assert architecture(row) == named
