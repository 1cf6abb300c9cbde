"""One policy's verdicts on planned records, judged offline and by the pack over gRPC as `pulumi preview --policy-pack` runs
it, in the same (policy, urn, message, level) form, so a test can assert the two agree."""

from __future__ import annotations

from collections.abc import Sequence

from hangar.policies.rules import evaluate
from hangar.policies.rules.config import protocol_config

from hangar.analyzer import running_pack
from hangar.records import ResourceRecord
from tests.conftest import ROOT

Verdict = tuple[str, str, str, int]


def offline_verdicts(records: Sequence[ResourceRecord], configs: dict, policy: str) -> list[Verdict]:
    """`policy`'s verdicts from the offline evaluation, sorted as the pack client returns them."""
    return sorted((v.policy, v.urn, v.message, v.level) for v in evaluate(list(records), configs) if v.policy == policy)


def pack_verdicts(records: Sequence[ResourceRecord], configs: dict, policy: str) -> list[Verdict]:
    """`policy`'s verdicts from Hangar's policy pack, started and configured over its gRPC Analyzer protocol."""
    with running_pack(ROOT / "policies") as pack:
        pack.configure(protocol_config(configs))
        return [v for v in pack.verdicts(list(records)) if v[0] == policy]
