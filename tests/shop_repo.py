"""A one-stack Hangar project (`shop`, an EKS prod stack serving Llama 3.1 8B) and git run as a fixed test author and date: what the diff, interrupt and weakening tests build their repositories with."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

PROJECT = "name: shop\nruntime: python\nstackConfigDir: stacks\n"
PROGRAM = "from hangar.components.program import build_stack\n\nbuild_stack()\n"
STACK = """\
config:
  aws:region: us-east-1
  hangar:environment:
    name: shop-prod
    tier: prod
    owner: ml-platform
    cost_centre: cc-4000
    budget:
      monthly_ceiling_usd: 200000
      max_spot_share: 0
    licence:
      commercial_use: true
      monthly_active_users: 100000
      accepted_terms: [meta-llama/Llama-3.1-8B-Instruct]
    clusters:
      - provider: aws
        name: prod
        region: us-east-1
        zones: [us-east-1a, us-east-1b]
        network:
          cidr: 10.40.0.0/16
          egress: nat
          public_api_endpoint: false
          load_balancers: internal
        node_pools:
          - name: h100
            gpu: H100-SXM
            instance_type: p5.48xlarge
            capacity: on-demand
            min_nodes: 1
            max_nodes: 2
    deployments:
      - name: assistant
        model: meta-llama/Llama-3.1-8B-Instruct
        pool: h100
        precision: fp8
        tensor_parallel: 2
        max_context_tokens: 8192
        max_concurrent_sequences: 8
        latency_class: interactive
        autoscaling:
          min_replicas: 1
          max_replicas: 2
"""


def git(repo: Path, *args: str) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="Hangar Test",
        GIT_AUTHOR_EMAIL="test@hangar.invalid",
        GIT_COMMITTER_NAME="Hangar Test",
        GIT_COMMITTER_EMAIL="test@hangar.invalid",
        GIT_AUTHOR_DATE="2026-01-01T00:00:00Z",
        GIT_COMMITTER_DATE="2026-01-01T00:00:00Z",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout.strip()


def shop_project(root: Path) -> Path:
    """`root`, a new git repository (branch main) holding the shop project's files, not yet committed; the stack file's path."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "--quiet", "--initial-branch=main")
    (root / "Pulumi.yaml").write_text(PROJECT)
    (root / "__main__.py").write_text(PROGRAM)
    (root / "stacks").mkdir()
    stack_file = root / "stacks" / "Pulumi.shop-prod.yaml"
    stack_file.write_text(STACK)
    return stack_file
