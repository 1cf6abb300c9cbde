"""The test AWS environment with one deployment on an H200 pool: the stack the model-load and precision tests vary."""

from __future__ import annotations

from typing import Any

H200_POOL = {"name": "h200", "gpu": "H200", "instance_type": "p5en.48xlarge", "min_nodes": 0, "max_nodes": 1}


def with_deployment(aws_environment: dict[str, Any], **deployment: Any) -> dict[str, Any]:
    """`aws_environment` (changed in place and returned) with an H200 pool and `deployment` its one deployment, a batch one of 0..1 replicas."""
    aws_environment["clusters"][0]["node_pools"].append(H200_POOL)
    aws_environment["deployments"] = [{"name": "m", "pool": "h200", "latency_class": "batch", "autoscaling": {"min_replicas": 0, "max_replicas": 1}, **deployment}]
    return aws_environment
