"""Hangar: typed Pulumi infrastructure and policy checks for serving large language models."""
