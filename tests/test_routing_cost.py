"""A route's blended $ per million tokens for its declared split, and what the gateway adds to the bill (`hangar cost`)."""

from __future__ import annotations

import copy
import json

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.cli import app
from hangar.cost import price_plan
from hangar.cost.routes import gateway_note, route_costs, route_shares
from hangar.spec.routing import Route
from hangar.stackfile import environment_from_config
from tests.conftest import ROOT
from tests.serving_plans import example_environment, example_plan, plan_environment, raw_environment


def costs(raw):
    environment = environment_from_config(raw, "Pulumi.test.yaml")
    return route_costs(environment, price_plan(plan_environment(raw)), load_catalog())


@pytest.mark.parametrize("route, shares", [
    ({"name": "r", "split": [{"deployment": "a", "weight": 90}, {"deployment": "b", "weight": 10}]}, {"a": 0.9, "b": 0.1}),
    ({"name": "r", "split": [{"deployment": "a", "weight": 1}, {"deployment": "b", "weight": 1}, {"deployment": "c", "weight": 2}]}, {"a": 0.25, "b": 0.25, "c": 0.5}),
    ({"name": "r", "small_first": {"small": "s", "large": "l", "share": 0.7}}, {"s": 0.7, "l": pytest.approx(0.3)}),
    ({"name": "r", "small_first": {"small": "s", "large": "l", "header": {"name": "x-class", "value": "easy"}}}, {"s": None, "l": None}),
])  # fmt: skip
def test_each_route_form_declares_its_shares(route, shares):
    assert route_shares(Route.model_validate(route)) == shares


def test_the_chat_example_blends_each_models_price_per_token_by_its_share():
    environment = example_environment("gke-chat")
    (chat,) = route_costs(environment, price_plan(example_plan("gke-chat")), load_catalog())
    small, large = chat.parts
    assert (small.deployment, small.share, large.deployment) == ("qwen-8b", 0.7, "qwen-32b") and large.share == pytest.approx(0.3)
    assert 0 < small.usd_per_million_tokens < large.usd_per_million_tokens  # the 8B on an L4 serves tokens cheaper than the 32B on an H100
    assert chat.blended_usd_per_million_tokens == pytest.approx(0.7 * small.usd_per_million_tokens + 0.3 * large.usd_per_million_tokens)
    assert chat.to_json()["label"] == "ESTIMATE"


def test_a_part_without_declared_traffic_or_a_header_class_leaves_the_blend_unknown_and_says_why():
    raw = raw_environment("gke-chat")
    del raw["deployments"][1]["traffic"]
    (chat,) = costs(copy.deepcopy(raw))
    assert chat.blended_usd_per_million_tokens is None
    assert chat.parts[1].usd_per_million_tokens is None and "declares no average traffic" in chat.parts[1].why_unknown
    assert chat.parts[0].usd_per_million_tokens is not None
    raw = raw_environment("gke-chat")
    raw["routes"][0]["small_first"] = {"small": "qwen-8b", "large": "qwen-32b", "header": {"name": "x-request-class", "value": "easy"}}
    (chat,) = costs(raw)
    assert chat.blended_usd_per_million_tokens is None
    assert [p.why_unknown for p in chat.parts] == ["a header-matched class declares no share of the requests"] * 2


def test_the_gateway_note_counts_every_picker_on_the_system_pool():
    assert gateway_note(example_environment("gke-chat")) == (
        "4 endpoint picker(s) (2 per pool, one active) request 4 CPU and 8 GiB in all on the system pool, priced above with it; "
        "the gateway's load balancer is not priced"
    )


def test_hangar_cost_shows_the_routes_blend_and_the_gateway():
    result = CliRunner().invoke(app, ["cost", "gke-chat", "-C", str(ROOT)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("  chat: ")]
    assert line.startswith("  chat: qwen-8b 70% at ") and ", qwen-32b 30% at " in line and line.endswith(" $/1M tokens") and "blended" in line
    assert "  gateway: 4 endpoint picker(s) (2 per pool, one active) request 4 CPU and 8 GiB in all on the system pool" in result.output
    document = json.loads(CliRunner().invoke(app, ["cost", "gke-chat", "-C", str(ROOT), "--format", "json"]).output)
    (route,) = document["routes"]
    assert route["route"] == "chat" and [p["deployment"] for p in route["parts"]] == ["qwen-8b", "qwen-32b"] and route["blended_usd_per_million_tokens"] > 0
    other = CliRunner().invoke(app, ["cost", "gke-dev", "-C", str(ROOT), "--format", "json"])
    assert "routes" not in json.loads(other.output)  # no gateway, no routes section


def long_chat(adapters: int | None, rank: int = 256) -> dict:
    """The chat example with 6,000 + 2,000-token requests at a flat 0.7 + 0.3 requests/s; its Qwen3-8B serving `adapters`."""
    raw = raw_environment("gke-chat")
    small, large = raw["deployments"]
    small["traffic"].update(peak_requests_per_second=0.7, peak_factor=1, prompt_tokens=6000, output_tokens=2000)
    large["traffic"].update(peak_requests_per_second=0.3)
    if adapters:
        small["lora"] = {"adapters": [{"name": f"a{n}", "source": "acme/chat-lora", "revision": "0" * 40, "licence": "apache-2.0", "rank": rank} for n in range(adapters)]}
    return raw


def test_a_routes_price_counts_the_lora_slots_that_take_the_kv_cache_as_the_capacity_rule_does():
    from hangar.policies.rules import evaluate, load_pack_config

    (bare,) = costs(long_chat(None))
    (loaded,) = costs(long_chat(4))
    # Four slots of rank 256 take 5.8 GiB of the L4's KV cache: 5 sequences of 8,000 tokens fit in flight instead of 8,
    # so 21 replicas carry the 0.7 requests/s where 16 did, and each token costs 21/16 as much (it cost the same before).
    assert loaded.parts[0].usd_per_million_tokens == pytest.approx(bare.parts[0].usd_per_million_tokens * 21 / 16)
    assert loaded.parts[1] == bare.parts[1]  # the large model serves no adapters
    assert loaded.blended_usd_per_million_tokens > bare.blended_usd_per_million_tokens
    needs = [v.message for v in evaluate(list(plan_environment(long_chat(4))), load_pack_config({}, "test")) if v.policy == "hangar-capacity"]
    assert needs and all("needs 21 replicas on pool l4" in m and "at 5 sequences in flight" in m for m in needs), needs
    # slots that leave no room for one sequence leave the price unknown, and say why
    (refused,) = costs(long_chat(4, rank=512))
    assert refused.parts[0].usd_per_million_tokens is None and refused.blended_usd_per_million_tokens is None
    assert "+ 4 LoRA slots of rank 512 11.6 + KV cache of one 8,000-token sequence" in refused.parts[0].why_unknown
