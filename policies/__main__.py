"""The Hangar policy pack, as `pulumi preview --policy-pack policies` runs it (the constructor serves forever)."""

from pulumi_policy import EnforcementLevel, PolicyPack

from policies.pack import pulumi_policies

PolicyPack(name="hangar", enforcement_level=EnforcementLevel.MANDATORY, policies=pulumi_policies())
