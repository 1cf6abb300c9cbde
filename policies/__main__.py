"""The Hangar policy pack, as `pulumi preview --policy-pack policies` runs it (the constructor serves forever).

The CLI starts the pack in its own directory; relative paths in the policy config (catalog
overrides) are meant from the project directory above it, as for the program, so work from there.
"""

import os
from pathlib import Path

from hangar.policies.pack import pulumi_policies
from pulumi_policy import EnforcementLevel, PolicyPack

os.chdir(Path(__file__).resolve().parent.parent)
PolicyPack(name="hangar", enforcement_level=EnforcementLevel.MANDATORY, policies=pulumi_policies())
