"""The Pulumi program: validate this stack's `hangar:environment` and build it."""

from hangar.components.program import build_stack

build_stack()
