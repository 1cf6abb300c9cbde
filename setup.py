"""Build hook: the policy pack's two files that say where it runs are written for where the wheel installs it.

Everything else is in pyproject.toml. In this repository the pack (`policies/`) runs in the checkout's
`.venv` (`virtualenv: ../.venv`) and its requirements install the checkout (`-e ..`). Installed from the
wheel, the same directory is `<venv>/lib/pythonX.Y/site-packages/hangar/policies`, so the wheel's copy
of `PulumiPolicy.yaml` names the virtualenv five levels up (the one hangar-llm is installed in), and its
`requirements.txt` pins this release, which is what `pulumi policy publish` ships and what Pulumi installs
for a published pack. An editable install keeps the checkout's files.

Pulumi resolves a relative `virtualenv` against the pack's directory and, with pip, runs the pack as
`<virtualenv>/bin/python <pack dir>`: pulumi/pulumi sdk/python/toolchain/pip.go (`resolveVirtualEnvironmentPath`,
`Command`) and sdk/python/cmd/pulumi-language-python/main.go (`RunPlugin`), master read 2026-12-01.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

INSTALLED_VIRTUALENV = "../../../../.."
"""From <venv>/lib/pythonX.Y/site-packages/hangar/policies up to <venv> (the POSIX venv layout; Windows has Lib/ without pythonX.Y)."""


def installed_pack_file(text: str) -> str:
    """PulumiPolicy.yaml as installed: the checkout's, with the installed virtualenv and a header saying how to run it."""
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    at = [i for i, line in enumerate(lines) if line.strip().startswith("virtualenv:")]
    if len(at) != 1:
        raise SystemExit("policies/PulumiPolicy.yaml: expected one `virtualenv:` line to rewrite for the wheel")
    indent = lines[at[0]][: len(lines[at[0]]) - len(lines[at[0]].lstrip())]
    lines[at[0]] = f"{indent}virtualenv: {INSTALLED_VIRTUALENV}"
    header = [
        "# The Hangar policy pack as installed with hangar-llm (written by the wheel's build, setup.py):",
        '#   pulumi preview --policy-pack "$(hangar policy-pack-path)" --policy-pack-config policies/config/<stack>.json',
        "# It runs in the virtualenv hangar-llm is installed in: <venv>/lib/pythonX.Y/site-packages/hangar/policies is five levels below it.",
    ]
    return "\n".join(header + lines) + "\n"


class BuildPy(build_py):
    """The standard build, then the pack's PulumiPolicy.yaml and requirements.txt rewritten for the installed location."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install runs the checkout's pack, in the checkout's .venv
        pack = Path(self.build_lib) / "hangar" / "policies"
        policy = pack / "PulumiPolicy.yaml"
        policy.write_text(installed_pack_file(policy.read_text(encoding="utf-8")), encoding="utf-8")
        (pack / "requirements.txt").write_text(
            "# What a published copy of this pack installs (pulumi policy publish ships this directory).\n"
            f"hangar-llm=={self.distribution.get_version()}\n",
            encoding="utf-8",
        )


setup(cmdclass={"build_py": BuildPy})
