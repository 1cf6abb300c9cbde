"""A stack's verdict (its violations) and the forms it is reported in: table rows, JSON, SARIF, Markdown.

SARIF results point at the stack file and, where a violation's resource carries a name written
in that file (a pool, a deployment, a cluster), at that line, else at the key its policy reads
(the budget's ceiling, ...) — so code scanning annotates the pull request where the fix belongs.
Their paths are relative to the root of the git repository holding the project, which is how GitHub
code scanning resolves a relative `artifactLocation.uri` ("SARIF support for code scanning",
docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning,
read 2026-12-01): a project in `infra/` reports `infra/stacks/Pulumi.<env>.yaml`.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path
from typing import Any

from hangar.violation import Violation

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVELS = {"mandatory": "error", "advisory": "warning"}
POLICY_KEYS = {
    "hangar-budget": ("monthly_ceiling_usd", "max_spot_share", "budget"),
    "hangar-licensing": ("licence",),
    "hangar-network-placement": ("network",),
}
"""The stack-file keys a policy's stack-wide findings are about, most specific first."""


@dataclasses.dataclass(frozen=True)
class StackVerdict:
    """The violations of one stack, with the file they are reported against."""

    stack: str
    stack_file: Path
    violations: tuple[Violation, ...]
    weakened: tuple[str, ...] = ()
    """What weakens this verdict: policies lowered or disabled, waivers, catalog overrides in force (hangar.policies.rules.weakening)."""

    @property
    def blocking(self) -> int:
        return sum(1 for violation in self.violations if violation.level == "mandatory")

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "stack_file": str(self.stack_file), "violations": [v.to_json() for v in self.violations], "weakened": list(self.weakened)}


def resource_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if urn else "(stack)"


def config_line(stack_file: Path, urn: str, policy: str = "") -> int:
    """The line of the stack file that names the violating resource's pool, deployment or cluster, else
    the first line of a key the policy reads (`POLICY_KEYS`), else 1."""
    try:
        lines = stack_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 1
    name = resource_name(urn)
    best = (0, 0)
    for number, line in enumerate(lines, start=1):
        match = re.match(r"^\s*-?\s*name:\s*['\"]?([-a-z0-9]+)['\"]?\s*$", line)
        if match and match.group(1) in name and len(match.group(1)) > best[0]:
            best = (len(match.group(1)), number)
    if best[1]:
        return best[1]
    for key in POLICY_KEYS.get(policy, ()):
        for number, line in enumerate(lines, start=1):
            if re.match(rf"^\s*{key}:", line):
                return number
    return 1


def repository_root(directory: Path) -> Path:
    """The root of the git work tree holding `directory`; the directory itself outside git."""
    try:
        found = subprocess.run(["git", "-C", str(directory), "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return directory
    return Path(found.stdout.strip())


def to_sarif(verdicts: list[StackVerdict], project: Path) -> dict[str, Any]:
    """A SARIF 2.1.0 log of the verdicts of stacks in the Pulumi project at `project`."""
    from hangar.policies.rules import POLICIES  # the rules' descriptions; a table or JSON report needs no rules

    rules = [{"id": p.name, "name": p.name, "shortDescription": {"text": p.description}} for p in POLICIES]
    root = repository_root(project)
    results = []
    for verdict in verdicts:
        try:
            uri = verdict.stack_file.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            uri = verdict.stack_file.as_posix()
        for violation in verdict.violations:
            results.append(
                {
                    "ruleId": violation.policy,
                    "level": SARIF_LEVELS.get(violation.level, "note"),
                    "message": {"text": f"[{verdict.stack}] {resource_name(violation.urn)}: {violation.message}"},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": uri},
                                "region": {"startLine": config_line(verdict.stack_file, violation.urn, violation.policy)},
                            }
                        }
                    ],
                    "properties": {"stack": verdict.stack, "urn": violation.urn, "enforcementLevel": violation.level},
                }
            )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "hangar", "informationUri": "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/", "rules": rules}},
                "results": results,
                "properties": {"weakened": {verdict.stack: list(verdict.weakened) for verdict in verdicts if verdict.weakened}},
            }
        ],
    }


def to_markdown(verdicts: list[StackVerdict]) -> str:
    lines = ["### Hangar policy check", "", "| stack | mandatory | advisory |", "|---|---:|---:|"]
    for verdict in verdicts:
        advisory = len(verdict.violations) - verdict.blocking
        mark = "❌" if verdict.blocking else "✅"
        lines.append(f"| {mark} `{verdict.stack}` | {verdict.blocking} | {advisory} |")
    weakened = [f"- ⚠️ `{verdict.stack}` weakened: {_escape(line)}" for verdict in verdicts for line in verdict.weakened]
    if weakened:
        lines += ["", *weakened]
    for verdict in verdicts:
        if not verdict.violations:
            continue
        lines += ["", f"<details><summary><code>{verdict.stack}</code>: {len(verdict.violations)} finding(s)</summary>", ""]
        lines += [f"- **{v.level}** `{v.policy}` {resource_name(v.urn)}: {_escape(v.message)}" for v in verdict.violations]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;")
