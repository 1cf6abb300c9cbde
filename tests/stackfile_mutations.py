"""Stack files mutated line by line from the on-prem example (odd scalars, YAML fragments): the hypothesis strategy the stack-file fuzz and parser tests share."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.conftest import ROOT

BASE = (ROOT / "stacks" / "Pulumi.onprem.yaml").read_text().splitlines()
ODD_SCALARS = [
    ".inf", "-.inf", ".nan", "1e400", "-5", "0x1F", "0o17", "yes", "no", "on", "~", "null", "''", '""', "2026-01-01", "2026-01-01T10:00:00Z",
    "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [a: 1]", "!!pairs [a: 1]", "!!python/object:os.system {}", "!!str 5", "!!int '7'", "!!float x",
    "*nowhere", "&anchor value", "{", "[", "'unterminated", "|", ">", "- a", "? x", "\\x00", "\x1b[31mred\x1b[0m", "a" * 300, "{a: 1, a: 2}",
    "[" * 80 + "]" * 80, "[" * 1200 + "]" * 1200, "{x: " * 70 + "1" + "}" * 70, "@reserved", "`tick`", "%directive", "key: value: other", "!local x", "!!map {}",
]  # fmt: skip


FRAGMENTS = [
    "tier: dev", "tier: prod", "owner: x", "name: dup", "extra_key: 1", "huggingface_token: hf_secret", "<<: *nothing", "<<: {tier: dev}",
    "budget: &b {monthly_ceiling_usd: 1}", "licence: *b", "clusters: []", "deployments: !!set {a}", "tags: {hangar.dev/pool: x}",
    "x: &loop [*loop]", "---", "...", "config: {}", "? complex key", "- list item", "\t tab: 1",
]  # fmt: skip


@st.composite
def mutated_text(draw) -> str:
    lines = list(BASE)
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["replace-value", "insert", "delete", "indent"]))
        line = lines[index]
        indent = line[: len(line) - len(line.lstrip())]
        if action == "replace-value" and ":" in line:
            lines[index] = line.split(":", 1)[0] + ": " + draw(st.sampled_from(ODD_SCALARS))
        elif action == "insert":
            lines.insert(index, indent + draw(st.sampled_from(FRAGMENTS)))
        elif action == "delete":
            del lines[index]
        else:
            lines[index] = " " * draw(st.integers(0, 12)) + line.lstrip()
    return "\n".join(lines) + "\n"
