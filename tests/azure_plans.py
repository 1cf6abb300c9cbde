"""The test Azure environment (an AKS cluster with a spot T4 pool and an H100 pool): what the Azure and deployer tests share."""

from __future__ import annotations

from typing import Any

from tests.conftest import make_environment

AZURE_ENVIRONMENT: dict[str, Any] = make_environment(
    {
        "provider": "azure",
        "name": "main",
        "region": "eastus",
        "zones": ["1", "2", "3"],
        "node_pools": [
            {"name": "t4-spot", "gpu": "T4", "gpus_per_node": 1, "capacity": "spot", "min_nodes": 0, "max_nodes": 4, "zones": ["2"]},
            {"name": "h100", "instance_type": "Standard_ND96isr_H100_v5", "min_nodes": 0, "max_nodes": 1, "disk_gib": 1024},
        ],
    }
)
