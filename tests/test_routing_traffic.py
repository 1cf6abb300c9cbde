"""Declared traffic against a route's shares (issue 15): each deployment behind a route declares the share the route sends it."""

from __future__ import annotations

import copy

from hangar.spec.routing_traffic import SHARE_TOLERANCE
from hangar.stackfile import environment_from_config
from tests.serving_plans import AWS_HEADER, aws, gke, onprem, refused


def with_peaks(raw: dict, **peaks: float) -> dict:
    raw = copy.deepcopy(raw)
    for deployment in raw["deployments"]:
        if deployment["name"] in peaks:
            deployment["traffic"] = {"peak_requests_per_second": peaks[deployment["name"]], "prompt_tokens": 800, "output_tokens": 200}
    return raw


def test_a_small_first_share_that_the_declared_peaks_contradict_is_refused_with_the_peaks_that_would_agree():
    message = refused(with_peaks(gke(), **{"qwen-small": 1, "qwen-7b": 1}))
    assert "routes[0].small_first.share" in message, message
    assert "route 'chat' sends qwen-small 70%, qwen-7b 30% of its requests" in message
    assert "declare peaks of qwen-small 1 (50%), qwen-7b 1 (50%) requests/s" in message
    assert "agree within 1 percentage point — e.g. traffic.peak_requests_per_second qwen-small 1.4, qwen-7b 0.6 for the same 2 requests/s" in message
    assert message.endswith("got 0.7")


def test_peaks_in_the_routes_proportions_pass_within_a_percentage_point():
    environment_from_config(with_peaks(gke(), **{"qwen-small": 1.4, "qwen-7b": 0.6}), "Pulumi.test.yaml")
    assert SHARE_TOLERANCE == 0.01
    environment_from_config(with_peaks(gke(), **{"qwen-small": 1.41, "qwen-7b": 0.6}), "Pulumi.test.yaml")  # 70.1 %
    assert "small_first.share" in refused(with_peaks(gke(), **{"qwen-small": 1.5, "qwen-7b": 0.6}))  # 71.4 %


def test_a_split_names_the_first_weight_that_disagrees():
    message = refused(with_peaks(onprem(), **{"llama-8b": 5, "llama-canary": 5}))
    assert "routes[0].split[0].weight" in message and "llama-8b 90%, llama-canary 10%" in message and message.endswith("got 90")
    environment_from_config(with_peaks(onprem(), **{"llama-8b": 9, "llama-canary": 1}), "Pulumi.test.yaml")


def test_what_the_rule_cannot_judge_passes():
    # a header-matched class declares no share
    environment_from_config(with_peaks(aws(AWS_HEADER), **{"qwen-small": 5, "qwen-large": 1}), "Pulumi.test.yaml")
    # a deployment without declared traffic
    environment_from_config(with_peaks(gke(), **{"qwen-small": 5}), "Pulumi.test.yaml")
    # a deployment behind two routes takes the sum of both routes' shares
    raw = with_peaks(aws({"name": "chat", "small_first": {"small": "qwen-small", "large": "qwen-large", "share": 0.7}}), **{"qwen-small": 1, "qwen-large": 1})
    raw["routes"].append({"name": "fast", "split": [{"deployment": "qwen-small", "weight": 1}, {"deployment": "qwen-large", "weight": 1}]})
    environment_from_config(raw, "Pulumi.test.yaml")
