"""How the declared deployer reaches an AKS API server: authorized IP ranges, and a kubeconfig that logs in without a person.

* A public AKS endpoint admits `network.authorized_cidrs` and the deployer's public `source_cidrs`
  (`apiServerAccessProfile.authorizedIPRanges`). A private one is reached from inside the cluster's
  VNet; the spec makes that an existing VNet where the runner lives (hangar/spec/deployer.py).
* The user kubeconfig AKS returns (`listManagedClusterUserCredentials`, format exec) runs kubelogin
  with its default login, the interactive device code, which would hang a CI job. `kubelogin_kubeconfig`
  rewrites each kubelogin user to a non-interactive login — `azurecli` (the session `az login` /
  the `azure/login` action opened) or `workloadidentity` (the pod's federated token, for the
  operator) — keeping the server id AKS gave. The arguments are those kubelogin's own
  `convert-kubeconfig` writes for these modes: `get-token --login <mode> --server-id <id>`
  (github.com/Azure/kubelogin, pkg/internal/converter/convert.go and docs/book/src/concepts/login-modes/,
  v0.2.19, commit 66784961ef44a34236a651d9b08bcdf0aa07b836, read 2026-12-01).
"""

from __future__ import annotations

from typing import Any

import yaml

from hangar.spec import Deployer, Network

KUBELOGIN = "kubelogin"


def authorized_ip_ranges(network: Network, deployer: Deployer | None) -> list[str]:
    """The authorized ranges of a public API endpoint: the network's and the deployer's public addresses."""
    extra = deployer.public_source_cidrs if deployer else []
    return list(dict.fromkeys(str(cidr) for cidr in [*network.authorized_cidrs, *extra]))


def kubelogin_kubeconfig(kubeconfig: str, login: str) -> str:
    """The kubeconfig with every kubelogin user switched to `login`; other users are left as they are."""
    document: dict[str, Any] = yaml.safe_load(kubeconfig)
    for user in document.get("users") or []:
        exec_ = (user.get("user") or {}).get("exec")
        if not exec_ or exec_.get("command") != KUBELOGIN:
            continue
        args = list(exec_.get("args") or [])
        server_id = args[args.index("--server-id") + 1] if "--server-id" in args[:-1] else None
        if server_id is None:
            raise ValueError(f"the AKS kubeconfig's kubelogin user {user.get('name')!r} names no --server-id")
        exec_["args"] = ["get-token", "--login", login, "--server-id", server_id]
    return yaml.safe_dump(document, sort_keys=False)
