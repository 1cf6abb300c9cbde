"""A nodeSelector named in a message is written with its keys sorted, so `hangar check` and the pack over gRPC say the same.

The engine does not send a map's keys in the order the program wrote them, so a message that printed the
dict as given would differ between the offline check and `pulumi preview --policy-pack`.
"""

from __future__ import annotations

import pytest
from hangar.policies.rules import load_pack_config
from hangar.policies.rules.base import CANNOT_JUDGE, SCHEDULABLE_ACCELERATORS

from hangar.records import ResourceRecord
from tests.pack_agreement import offline_verdicts, pack_verdicts
from tests.policy_records import record

SELECTOR = {"zone": "b", "hangar.dev/pool": "nowhere", "accelerator": "h100"}  # written out of order on purpose
SORTED = "{'accelerator': 'h100', 'hangar.dev/pool': 'nowhere', 'zone': 'b'}"


def records() -> list[ResourceRecord]:
    pool = record(
        "aws:eks/nodeGroup:NodeGroup", "h100",
        {"clusterName": "main", "instanceTypes": ["p5.48xlarge"], "scalingConfig": {"minSize": 0.0, "maxSize": 1.0, "desiredSize": 0.0},
         "labels": {"hangar.dev/pool": "h100"}},
    )  # fmt: skip
    container = {
        "name": "vllm", "image": "vllm/vllm-openai:v0.11.2", "args": ["--model", "Qwen/Qwen2.5-7B-Instruct", "--max-model-len", "8192"],
        "resources": {"limits": {"nvidia.com/gpu": "1"}},
    }  # fmt: skip
    lost, placed = (
        record(
            "kubernetes:apps/v1:Deployment", name,
            {"metadata": {"name": name, "namespace": "llm"}, "spec": {"template": {"spec": {"containers": [container], "nodeSelector": selector}}}},
        )
        for name, selector in (("qwen", SELECTOR), ("placed", {"hangar.dev/pool": "h100"}))
    )  # fmt: skip
    plugin = record(
        "kubernetes:helm.sh/v3:Release", "device-plugin",
        {"chart": "nvidia-device-plugin", "namespace": "kube-system", "values": {"nodeSelector": SELECTOR}},
    )  # fmt: skip
    return [pool, lost, placed, plugin]  # the plugin selects no pool: `placed` gets no device plugin


def offline(configs) -> list[tuple[str, str, str, str]]:
    return offline_verdicts(records(), configs)


@pytest.fixture(scope="module")
def configs():
    return load_pack_config({}, "test")


def test_every_message_naming_the_selector_lists_its_keys_sorted(configs):
    messages = [message for policy, _, message, _ in offline(configs) if policy in (CANNOT_JUDGE, SCHEDULABLE_ACCELERATORS)]
    assert "qwen: its nodeSelector " + SORTED + " matches no node pool in this stack; its hardware fit cannot be judged" in messages
    assert "Deployment llm/qwen: requests 1 nvidia.com/gpu per pod, but its nodeSelector " + SORTED + " match no node pool in this stack" in " ".join(messages)
    assert "Helm release device-plugin (nvidia-device-plugin) does not select its nodes (nodeSelector " + SORTED + "; affinity " in " ".join(messages)
    naming = [message for message in messages if "nodeSelector {" in message]
    assert len(naming) == 3 and all(SORTED in message for message in naming), naming


def test_the_pack_over_grpc_gives_the_same_messages(configs):
    assert pack_verdicts(records(), configs) == offline(configs)
