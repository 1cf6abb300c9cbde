"""What an EKS AL2023 node gives its pods (`hangar.policies.rules.node_allocatable`): nodeadm's reserve off the memory EC2
states, not Karpenter's pre-launch model of the node.

nodeadm (awslabs/amazon-eks-ami @81fec2e89585) reserves 11 MiB per max pod + 255 MiB and keeps 100 MiB for eviction; an
m6i.large has 3 ENIs of 10 IPv4 addresses, so 3 x 9 + 2 = 29 pods and 574 MiB. Karpenter (aws/karpenter-provider-aws
@1d927085dd81) takes the same reserve but first 7.5% off EC2's 8192 MiB (rounded up to whole MiB) until it has seen a
node: 6903 MiB. That 7.5% is Karpenter's deliberate over-estimate of the VM's overhead, not a kubelet reservation, so
Hangar's room stays the larger figure and a refusal stays sure; the smaller is the floor below which a managed node group's
node surely has room, between the two the system-pool check cannot judge (the module's docstring gives the sources).
"""

from __future__ import annotations

import math

from hangar.policies.rules.node_allocatable import node_room

from hangar.records import ResourceRecord


def node_group(ami: str) -> ResourceRecord:
    return ResourceRecord(urn="urn:pulumi:test::p::aws:eks/nodeGroup:NodeGroup::system", type="aws:eks/nodeGroup:NodeGroup",
                          name="system", parent=None, custom=True, provider=None, inputs={"amiType": ami})  # fmt: skip


def test_an_m6i_large_gives_ec2s_memory_less_nodeadms_reserve_not_karpenters_model():
    room_mib = node_room(node_group("AL2023_x86_64_STANDARD"), None, 2, 8, "m6i.large").gib * 1024
    reserve_mib = 11 * 29 + 255
    # Karpenter's model, 6903 MiB: its generated reference (website/content/en/docs/reference/instance-types.md at that
    # commit, amiFamily AL2023) lists m6i.large memory 6903Mi.
    karpenter_mib = 8192 - math.ceil(8192 * 0.075) - reserve_mib - 100
    assert round(room_mib, 6) == 8192 - reserve_mib - 100 == 7518
    assert room_mib - karpenter_mib == math.ceil(8192 * 0.075)  # only the VM overhead Karpenter guesses is left out
    assert round(node_room(node_group("AL2023_x86_64_STANDARD"), None, 2, 8, "m6i.large").floor_gib * 1024, 6) == karpenter_mib == 6903


def test_every_al2023_ami_type_takes_the_same_reserve_and_others_none():
    # nodeadm runs on each AL2023 AMI type (x86, ARM, NVIDIA); another type's reserve was not read and is not taken.
    rooms = {ami: node_room(node_group(ami), None, 2, 8, "m6i.large") for ami in
             ("AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "AL2023_x86_64_NVIDIA", "AL2_x86_64")}  # fmt: skip
    assert {ami: (round(r.gib * 1024, 6), r.reserved) for ami, r in rooms.items()} == {
        "AL2023_x86_64_STANDARD": (7518, True), "AL2023_ARM_64_STANDARD": (7518, True), "AL2023_x86_64_NVIDIA": (7518, True),
        "AL2_x86_64": (8192, False)}  # fmt: skip
    assert rooms["AL2_x86_64"].basis == "capacity: the reserve of AMI type AL2_x86_64 is not read here"
    assert rooms["AL2_x86_64"].floor_gib is None
