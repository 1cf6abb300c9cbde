"""Hangar's policy pack: pure rules in `hangar.policies.rules`, wired into pulumi_policy by `__main__.py`."""
