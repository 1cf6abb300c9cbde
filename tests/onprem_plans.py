"""The on-prem test environment shared by the on-prem test modules: a one-cluster environment, its kubeconfig
secret, planning it, and the resource types the on-prem target registers (moved from tests/test_onprem.py)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

from hangar.plan import plan_program
from hangar.records import Plan
from hangar.stackfile import environment_from_config
from tests.conftest import ROOT, make_environment

PROVIDER = "pulumi:providers:kubernetes"
RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
QUOTA = "kubernetes:core/v1:ResourceQuota"
LIMIT_RANGE = "kubernetes:core/v1:LimitRange"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
POOL = "hangar:onprem:GpuNodePool"
CLUSTER = "hangar:onprem:GpuCluster"
SERVING = "hangar:serving:"
"""The serving layer's components (`hangar.components.serving*`): every example stack's plan holds them too."""

KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: dc1
  cluster:
    server: https://k8s.dc1.example.internal:6443
    certificate-authority-data: TFMwdExTMUNSVWRKVGlCRFJWSlVTVVpKUTBGVVJTMHRMUzB0Q2c9PQ==
users:
- name: hangar-deployer
  user:
    token: hangar-test-token-6f1c2d9e8b7a4c3f
contexts:
- name: dc1
  context: {cluster: dc1, user: hangar-deployer}
current-context: dc1
"""
"""A kubeconfig holding a bearer token: what must never leave the secret."""
TOKEN = "hangar-test-token-6f1c2d9e8b7a4c3f"

ONPREM_ENVIRONMENT: dict[str, Any] = make_environment(
    {
        "provider": "onprem",
        "name": "dc1",
        "node_pools": [
            {
                "name": "a100",
                "gpu": "A100-80GB",
                "gpus_per_node": 8,
                "min_nodes": 1,
                "max_nodes": 3,
                "node_selector": {"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB"},
                "usd_per_gpu_hour": 1.85,
            },
            {"name": "l4", "gpu": "L4", "gpus_per_node": 2, "max_nodes": 4, "node_selector": {"example.com/gpu-class": "l4"}},
        ],
    },
    name="lab",
)


def onprem_environment(**cluster: Any) -> dict[str, Any]:
    raw = copy.deepcopy(ONPREM_ENVIRONMENT)
    raw["clusters"][0].update(copy.deepcopy(cluster))
    return raw


def plan_environment(raw: dict[str, Any], *, kubeconfig: str | None = KUBECONFIG, secret: bool = True) -> tuple[Plan, Any]:
    """Plan a one-cluster environment; return the plan and the built `OnPremGpuCluster`."""
    from hangar.components.environment import HangarEnvironment

    environment = environment_from_config(raw, "test")
    key = environment.clusters[0].kubeconfig_key
    config = {key: kubeconfig} if kubeconfig is not None else {}
    built: dict[str, Any] = {}

    def program() -> None:
        built["environment"] = HangarEnvironment(environment.name, environment)

    plan = plan_program(program, project="hangar", stack="test", config=config, secret_keys=(key,) if secret else ())
    return plan, built["environment"].clusters[raw["clusters"][0]["name"]]


def release(plan: Plan, chart: str) -> dict[str, Any]:
    (record,) = [r for r in plan.of_type(RELEASE) if r.inputs["name"] == chart]
    return record.inputs


def copy_project(tmp_path: Path, stack: str, text: str) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(ROOT / "__main__.py", tmp_path / "__main__.py")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / f"Pulumi.{stack}.yaml").write_text(text)
    return tmp_path


def edge_with_catalog_overrides(tmp_path: Path, price: str = "0.75") -> str:
    """A copy of the project in `tmp_path` whose `edge` stack names the catalog overrides `our-catalog/`, pricing its L4 box
    at `price` $/hour (`price_l4_box`); returns the stack file's text."""
    edge = (ROOT / "stacks" / "Pulumi.edge.yaml").read_text().replace("    budget:\n", "    catalog_overrides: our-catalog\n    budget:\n")
    copy_project(tmp_path, "edge", edge)
    (tmp_path / "our-catalog").mkdir()
    price_l4_box(tmp_path, price)
    return edge


def price_l4_box(project: Path, price: str) -> None:
    """Write the project's `our-catalog/instances.csv`: the edge site's one-L4 box at `price` (a number, or any text)."""
    header = (ROOT / "hangar" / "catalog" / "data" / "instances.csv").read_text().splitlines()[0]
    row = f"onprem,l4-box,site,L4,1,16,64,{price},,our finance team's amortised rate,2026-11-01,our asset register,,,"
    (project / "our-catalog" / "instances.csv").write_text(f"{header}\n{row}\n")
