"""The Hangar policy pack, as `pulumi preview --policy-pack policies` runs it (the constructor serves forever).

In this repository the pack sits in the project (`policies/`): relative paths in the policy config
(catalog overrides) are meant from the project directory above it, as for the program, so it works
from there. Installed with hangar-llm (`hangar policy-pack-path`) it stays where Pulumi starts it.
"""

import os
from pathlib import Path

from hangar.policies.pack import pulumi_policies
from pulumi_policy import EnforcementLevel, PolicyPack

project = Path(__file__).resolve().parent.parent
if (project / "Pulumi.yaml").is_file():
    os.chdir(project)
PolicyPack(name="hangar", enforcement_level=EnforcementLevel.MANDATORY, policies=pulumi_policies())
