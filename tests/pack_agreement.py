"""Planned records' verdicts, judged offline and by the policy pack over gRPC as `pulumi preview --policy-pack` runs it,
in the same sorted (policy, urn, message, level) form, so a test can assert the two agree.

Both give every policy's verdicts, or one policy's. `pack_verdicts` starts a pack for the call, or uses one the test
keeps running (a module's `pack` fixture, or one pack judging several stacks): it configures the pack for these
records' configs each time, as the CLI does before each preview.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hangar.policies.rules import evaluate
from hangar.policies.rules.base import PolicyConfig
from hangar.policies.rules.config import protocol_config

from hangar.analyzer import PackClient, running_pack
from hangar.records import ResourceRecord
from tests.conftest import ROOT

Verdict = tuple[str, str, str, str]
POLICY_PACK = ROOT / "policies"
"""Hangar's policy pack, as `pulumi preview --policy-pack policies` starts it."""


def offline_verdicts(records: Sequence[ResourceRecord], configs: dict[str, PolicyConfig], policy: str | None = None) -> list[Verdict]:
    """The offline evaluation's verdicts (every policy's, or only `policy`'s), sorted as the pack client returns them."""
    return sorted((v.policy, v.urn, v.message, v.level) for v in evaluate(list(records), configs) if policy is None or v.policy == policy)


def pack_verdicts(
    records: Sequence[ResourceRecord],
    configs: dict[str, PolicyConfig],
    policy: str | None = None,
    *,
    pack: PackClient | None = None,
    pack_dir: Path = POLICY_PACK,
) -> list[Verdict]:
    """The verdicts of a policy pack (every policy's, or only `policy`'s), configured with `configs` over its gRPC Analyzer protocol.

    `pack`: a pack already running, configured anew here; without it the pack in `pack_dir` is started for this call.
    """
    if pack is None:
        with running_pack(pack_dir) as started:
            return pack_verdicts(records, configs, policy, pack=started)
    pack.configure(protocol_config(configs))
    return [v for v in pack.verdicts(list(records)) if policy is None or v[0] == policy]
