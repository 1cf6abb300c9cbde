"""Hangar's policy pack: pure rules in `policies.rules`, wired into pulumi_policy by `__main__.py`."""
