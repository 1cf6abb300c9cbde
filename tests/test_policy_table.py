"""The documented policy table lists every policy of the pack with its level by default and in each tier.

"Pack default" is the level a pack runs a policy at with no config; dev, staging and prod are the levels
`hangar policy-config` writes for a stack of that tier (what `hangar check` and the workflows use). The
table lives in README.md or a page of docs/; whichever holds it must agree with the code.
"""

from __future__ import annotations

import copy
from pathlib import Path

from hangar.policies.rules import DEFAULT_LEVELS, POLICY_NAMES
from hangar.policies.rules.config import pack_config_for

from hangar.spec import Environment
from tests.conftest import AWS_ENVIRONMENT, ROOT

HEADER = "| policy | pack default | dev | staging | prod | judges |"
TIERS = ("dev", "staging", "prod")


def documented_table() -> tuple[Path, list[list[str]]]:
    """The one Markdown table under HEADER in README.md or docs/, as rows of cells."""
    found = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))] if (ROOT / "docs").is_dir() else [ROOT / "README.md"]:
        lines = page.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            if line.strip() == HEADER:
                rows = []
                for row in lines[index + 2 :]:
                    if not row.startswith("|"):
                        break
                    rows.append([cell.strip() for cell in row.strip().strip("|").split(" | ")])
                found.append((page, rows))
    assert len(found) == 1, f"expected the policy table ({HEADER}) once in README.md or docs/, found it in {[str(p) for p, _ in found]}"
    return found[0]


def tier_levels() -> dict[str, dict[str, str]]:
    levels: dict[str, dict[str, str]] = {name: {} for name in POLICY_NAMES}
    for tier in TIERS:
        environment = copy.deepcopy(AWS_ENVIRONMENT) | {"tier": tier}
        for name, entry in pack_config_for(Environment.model_validate(environment)).items():
            levels[name][tier] = entry["enforcementLevel"]
    return levels


def test_every_policy_is_listed_once_in_the_packs_order_with_its_levels():
    page, rows = documented_table()
    assert [row[0] for row in rows] == [f"`{name}`" for name in POLICY_NAMES], page
    levels = tier_levels()
    for row in rows:
        name = row[0].strip("`")
        assert row[1:5] == [DEFAULT_LEVELS[name], *(levels[name][tier] for tier in TIERS)], name
        assert row[5], f"{name}: say what it judges"
