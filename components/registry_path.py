"""Where a cluster's registry mirror keeps an image: its upstream path under the mirror.

The mirror is a string on EKS, GKE and on-prem (the stack config names it) and an Output on AKS (the
private registry's login server is known only once the registry exists), so the path is built in an
`apply` when it has to be.
"""

from __future__ import annotations

import pulumi


def under_registry(registry: pulumi.Input[str], path: str) -> pulumi.Input[str]:
    """`<registry>/<path>`, a string when the registry is one, else an Output of it."""
    if isinstance(registry, str):
        return f"{registry.rstrip('/')}/{path}"
    return pulumi.Output.from_input(registry).apply(lambda login_server: f"{login_server.rstrip('/')}/{path}")
