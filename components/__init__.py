"""Pulumi ComponentResources that build a Hangar environment, one module per target."""
