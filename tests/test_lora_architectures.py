"""Which models vLLM serves LoRA adapters for (issue 15), per release: a class without `SupportsLoRA` refuses to start with them.

The architecture of each catalog family is checked against the config.json copies the catalog was read from
(tests/model_configs); adapters on GPT-2 (vLLM's `GPT2LMHeadModel` takes none) are a config error in a stack and
a `hangar-hardware-fit` violation in a raw program, offline and over gRPC alike.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.base import CANNOT_JUDGE, HARDWARE_FIT

from hangar.catalog import load_catalog
from hangar.sizing.lora_architectures import FAMILY_ARCHITECTURES, SUPPORTS_LORA_RELEASES, architecture, lora_families, lora_refusal
from tests.adapter_records import server
from tests.lora_plans import SQL, with_adapters
from tests.serving_plans import refused

CATALOG = load_catalog()
CONFIGS = Path(__file__).parent / "model_configs"


def gpt2_refusal(release: str) -> str:
    return (
        f"vLLM {release}'s GPT2LMHeadModel (the model class of openai-community/gpt2) does not implement SupportsLoRA: with --enable-lora "
        "vLLM refuses to start (GPT2LMHeadModel does not support LoRA yet)"
    )


GPT2_REFUSAL = gpt2_refusal("v0.11.2")  # the raw server's image, vllm/vllm-openai:v0.11.2


def read_configs() -> list[tuple[str, str]]:
    """(catalog row, the architecture its config.json names) for every config.json copy of a catalog row."""
    sources = json.loads((CONFIGS / "sources.json").read_text())
    found = []
    for file, source in sorted(sources.items()):
        config = json.loads((CONFIGS / file).read_text())
        if source["hf_id"] in CATALOG.models:
            found.append((source["hf_id"], config["architectures"][0]))
    return found


@pytest.mark.parametrize(("hf_id", "named"), read_configs())
def test_each_rows_architecture_is_the_one_its_config_json_names(hf_id, named):
    assert architecture(CATALOG.models[hf_id]) == named


def test_every_catalog_family_but_one_unread_is_mapped_to_its_vllm_class():
    families = {row.family for row in CATALOG.models.values()}
    # DistilGPT2's config.json was not read: its class stays unknown, so its adapters stay hangar-cannot-judge.
    assert families - set(FAMILY_ARCHITECTURES) == {"DistilGPT2"}
    assert len(read_configs()) >= 30


@pytest.mark.parametrize("release", ["v0.11.2", "v0.33.0"])
def test_gpt2_kimi_k2_5_and_at_v0_11_2_minimax_m2_are_the_catalog_families_whose_class_takes_no_adapters(release):
    # MiniMax-M2's class is SupportsPP only at v0.11.2 and SupportsLoRA at v0.33.0 (minimax_m2.py of both wheels)
    # Kimi K2.5's class is not SupportsLoRA (kimi_k25.py, v0.33.0); v0.11.2 cannot load it, and refuses LoRA on its int4 experts
    unadapted = ["GPT-2", "Kimi K2.5", "MiniMax-M2"] if release == "v0.11.2" else ["GPT-2", "Kimi K2.5"]
    refused_families = sorted({row.family for row in CATALOG.models.values() if lora_refusal(row, release)})
    assert refused_families == unadapted
    # and the Kimi KDA hybrids' classes, whose families (kimi_linear, kimi_k3) have no packaged row: import-model's; MiniMax-M3's
    # class (v0.33.0 only) takes none either, imported, not packaged (tests/test_catalog_minimax_m3.py); likewise MiMo-V2-Flash's
    # and Step-3.7-Flash's (mimo_v2.py, step3p7.py: not SupportsLoRA at v0.33.0, not registered at v0.11.2); Gemma 3n's two
    # classes take none at either release (gemma3n_mm.py, gemma3n.py; imported, not packaged: tests/test_catalog_gemma3n.py)
    gemma3n = ["Gemma3nForConditionalGeneration", "Gemma3nForCausalLM"]
    expected = ["MiniMaxM2ForCausalLM", "GPT2LMHeadModel", "KimiLinearForCausalLM", *gemma3n] if release == "v0.11.2" else [
        "GPT2LMHeadModel", "KimiLinearForCausalLM", *gemma3n, "KimiK25ForConditionalGeneration", "MiniMaxM3SparseForConditionalGeneration",
        "KimiK3ForConditionalGeneration", "MiMoV2FlashForCausalLM", "Step3p7ForConditionalGeneration"]
    assert [name for name, supports in SUPPORTS_LORA_RELEASES[release].items() if not supports] == expected
    families = lora_families(release)
    assert "GPT-2" not in families and {"Qwen2.5", "Llama 3.1", "Mixtral", "gpt-oss", "glm4_moe"} <= set(families)
    assert ("MiniMax-M2" in families) is (release == "v0.33.0")
    # Qwen3.5 and Gemma 4: no class of v0.11.2's own (nor can it load them), SupportsLoRA at v0.33.0 (qwen3_5.py, gemma4_mm.py)
    assert ({"Qwen3.5", "Gemma 4"} <= set(families)) is (release == "v0.33.0")
    assert lora_refusal(CATALOG.models["Qwen/Qwen3.5-27B"], release) is None


def gpt2_stack() -> dict:
    raw = with_adapters(SQL)
    raw["deployments"][0]["model"] = "openai-community/gpt2"
    raw["deployments"][0]["max_context_tokens"] = 1024
    return raw


def test_adapters_on_gpt2_are_a_config_error_naming_the_key_the_model_and_what_is_allowed():
    message = refused(gpt2_stack())
    (line,) = [line for line in message.splitlines() if "SupportsLoRA" in line]
    assert line.startswith("Pulumi.test.yaml: hangar:environment.deployments[0].lora: "), line
    # the deployment's engine_version, v0.33.0 by default, is the release the message names
    assert gpt2_refusal("v0.33.0") in line and "'openai-community/gpt2'" in line, line
    assert f"adapters need a model whose architecture vLLM v0.33.0 serves LoRA for (catalog families: {', '.join(lora_families('v0.33.0'))})" in line


def test_the_config_error_names_the_release_the_deployment_pins():
    raw = gpt2_stack()
    raw["deployments"][0]["engine_version"] = "v0.11.2"
    (line,) = [line for line in refused(raw).splitlines() if "SupportsLoRA" in line]
    assert gpt2_refusal("v0.11.2") in line and "Qwen3.5" not in line, line
    raw["deployments"][0]["engine_version"] = "v0.20.0"  # not read: sized by v0.33.0's rules, and said so
    (line,) = [line for line in refused(raw).splitlines() if "SupportsLoRA" in line]
    assert "vLLM v0.20.0 (sized by v0.33.0's LoRA rules: v0.20.0's were not read)'s GPT2LMHeadModel" in line, line


def test_the_same_deployment_without_adapters_is_accepted():
    from hangar.stackfile import environment_from_config

    raw = gpt2_stack()
    del raw["deployments"][0]["lora"]
    assert environment_from_config(raw, "Pulumi.test.yaml").deployments[0].model == "openai-community/gpt2"


def raw_gpt2() -> list:
    return server(["sql=/x"], [{"name": "sql", "source": "acme/gpt2-lora", "revision": "0" * 40, "licence": "mit", "rank": 16}], model="openai-community/gpt2",
                  max_model_len=1024)  # gpt2's whole context: vLLM refuses more (hangar.sizing.context)


def test_a_raw_program_serving_adapters_on_gpt2_violates_hardware_fit_once_not_cannot_judge():
    found = [(v.policy, v.level, v.message) for v in evaluate(raw_gpt2(), load_pack_config({}, "test")) if v.policy in (HARDWARE_FIT, CANNOT_JUDGE)]
    assert found == [(HARDWARE_FIT, "mandatory", f"qwen: {GPT2_REFUSAL}")]


def test_the_pack_over_grpc_refuses_it_as_the_offline_check_does():
    from tests.pack_agreement import offline_verdicts, pack_verdicts

    records, configs = raw_gpt2(), load_pack_config({}, "test")
    offline = offline_verdicts(records, configs)
    assert any(policy == HARDWARE_FIT and GPT2_REFUSAL in message for policy, _, message, _ in offline)
    assert pack_verdicts(records, configs) == offline


def test_a_head_vocabulary_beyond_what_vllms_lora_kernels_take_is_refused():
    # No catalog row comes near it; a Llama-class override with Gemma 3's 262,208 tokens would: its head adapts 262,464.
    big = CATALOG.models["meta-llama/Llama-3.1-8B-Instruct"].model_copy(update={"vocab_size": 262208})
    assert lora_refusal(big, engine_version="v0.11.2") == (
        "vLLM v0.11.2's LlamaForCausalLM adapts the output head of meta-llama/Llama-3.1-8B-Instruct, and the head's LoRA refuses its "
        "262,464 tokens (262,208 and 256 extra): with --enable-lora vLLM refuses to start above 257,024"
    )
    assert lora_refusal(big.model_copy(update={"vocab_size": 257024 - 256}), engine_version="v0.11.2") is None
    # Gemma 3's own class leaves its head alone: its vocabulary is no reason to refuse.
    assert lora_refusal(CATALOG.models["google/gemma-3-27b-it"]) is None


def moe_refusals(flags: list[str]) -> list[str]:
    records = server(["sql=/x"], [{"name": "sql", "source": "acme/moe-lora", "revision": "0" * 40, "licence": "apache-2.0", "rank": 16}], model="Qwen/Qwen3-30B-A3B")
    args = records[0].inputs["spec"]["template"]["spec"]["containers"][0]["args"]
    args += flags
    return [v.message for v in evaluate(records, load_pack_config({}, "test")) if v.policy == HARDWARE_FIT and "expert parallelism" in v.message]


def test_a_mixture_of_experts_with_lora_refuses_expert_parallelism_over_several_gpus():
    expected = (
        "qwen: vLLM v0.11.2 serves LoRA on a mixture of experts (Qwen/Qwen3-30B-A3B) only without expert parallelism: with "
        "--enable-expert-parallel over more than one GPU it refuses to start (EP support for Fused MoE LoRA is not implemented yet)"
    )
    assert moe_refusals(["--enable-expert-parallel", "--tensor-parallel-size", "2"]) == [expected]
    assert moe_refusals(["--enable-expert-parallel", "--data-parallel-size", "2"]) == [expected]
    # One GPU shards nothing, and without the flag the experts are split by tensor parallelism, which LoRA serves.
    assert moe_refusals(["--enable-expert-parallel"]) == []
    assert moe_refusals(["--tensor-parallel-size", "2"]) == []
