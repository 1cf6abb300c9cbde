"""Budget ceilings, judged at the worst case: every pool at its maximum size for a 30-day month.

Prices come from `hangar.cost`, which recognises node pools of any program (EKS node groups, GKE
node pools and TPU slices, AKS agent pools, Hangar's on-prem pools). A pool whose price is
unknown is never counted as zero: `unpriced` reports it to `hangar-cannot-judge`.
"""

from __future__ import annotations

import re

from hangar.policies.rules.base import BUDGET, CANNOT_JUDGE, TIERS, Finding
from hangar.policies.rules.config import BudgetConfig, CannotJudgeConfig
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.tiers import effective_tier

from hangar.cost import PricedLine


def check(facts: StackFacts, config: BudgetConfig) -> list[Finding]:
    report = facts.cost(config.catalog_overrides)
    priced = [line for line in report.lines if line.priced]
    total = report.totals.known_usd_per_month_max
    scope = "" if report.totals.complete else " for the priced pools alone"
    findings = []
    if config.monthly_ceiling_usd is None and config.ceiling_waiver is None:
        tier = max((effective_tier(config.tier, record) for record in facts.records), key=TIERS.index, default=config.tier)
        findings.append(Finding(BUDGET, "", _no_ceiling(tier, total, scope), advisory=tier != "prod"))
    elif config.monthly_ceiling_usd is None:
        # An accepted waiver stays visible: an advisory line in every report, the pack's included.
        findings.append(Finding(BUDGET, "", f"no monthly ceiling, waived in the policy config: {config.ceiling_waiver!r}; worst-case cost {_usd(total)}/month{scope}", advisory=True))
    if config.monthly_ceiling_usd is not None and total > config.monthly_ceiling_usd:
        findings.append(
            Finding(
                BUDGET,
                "",
                f"worst-case cost {_usd(total)}/month{scope} (every pool at max size) exceeds the ceiling {_usd(config.monthly_ceiling_usd)}/month; "
                f"largest: {_largest(priced)}",
            )
        )
    spot = report.totals.spot_usd_per_hour_max / report.totals.known_usd_per_hour_max if report.totals.known_usd_per_hour_max else 0.0
    if config.max_spot_share is not None and spot > config.max_spot_share:
        findings.append(Finding(BUDGET, "", f"{spot:.0%} of the worst-case cost{scope} runs on spot capacity; the ceiling is {config.max_spot_share:.0%}"))
    for line in priced:
        for key, ceiling in config.max_pool_monthly_usd.items():
            if _matches(line, key) and line.usd_per_month_max > ceiling:
                findings.append(
                    Finding(BUDGET, line.urn, f"pool {line.pool} ({line.machine_type}) costs up to {_usd(line.usd_per_month_max)}/month; the ceiling for {key} is {_usd(ceiling)}/month")
                )
    return findings


def _no_ceiling(tier: str, total: float, scope: str) -> str:
    """A missing ceiling is not a pass: mandatory in prod, advisory elsewhere; say how to set one or waive it on purpose."""
    return (
        f"no monthly ceiling is configured (hangar-budget.monthlyCeilingUsd) for this {tier} stack, so its worst-case cost "
        f"{_usd(total)}/month{scope} is unchecked: set a ceiling, or waive it on purpose with hangar-budget.ceilingWaiver: \"<why>\""
    )


def unpriced(facts: StackFacts, config: CannotJudgeConfig) -> list[Finding]:
    """Pools whose cost is unknown ("cost unknown"), unless the config accepts them by name or type."""
    report = facts.cost(config.catalog_overrides)
    return [
        Finding(CANNOT_JUDGE, line.urn, f"cost unknown for pool {line.pool} ({line.type} {line.name}): {line.why_unpriced}; the budget cannot be judged")
        for line in report.lines
        if not line.priced and line.name not in config.allow_unpriced and line.type not in config.allow_unpriced
    ]


def _largest(lines: list[PricedLine]) -> str:
    top = sorted(lines, key=lambda line: line.usd_per_month_max, reverse=True)[:3]
    return "; ".join(f"{line.pool} ({line.count_max} x {line.machine_type}) {_usd(line.usd_per_month_max)}" for line in top) or "nothing priced"


def _matches(line: PricedLine, key: str) -> bool:
    """A per-pool ceiling key names the machine type or the GPU the pool carries."""
    return key == line.machine_type or bool(line.accelerators and re.search(rf"(^|\s){re.escape(key)}($|\s)", line.accelerators))


def _usd(amount: float) -> str:
    return f"${amount:,.0f}"
