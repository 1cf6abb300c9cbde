"""The example stacks: `hangar init` starts a project from the one for its target. Installed as `hangar.examples` (data: Pulumi.*.yaml)."""
