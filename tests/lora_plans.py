"""Two LoRA adapters and the test AWS environment serving them, planned once: what the LoRA, adapter-licensing and LoRA-routing tests share."""

from __future__ import annotations

import copy
import functools
from typing import Any

from tests.conftest import AWS_ENVIRONMENT
from tests.serving_plans import plan_environment

SQL = {"name": "sql", "source": "acme/qwen2.5-7b-sql-lora", "revision": "0123456789abcdef0123456789abcdef01234567", "licence": "apache-2.0", "rank": 16}
SUPPORT = {"name": "support", "source": "acme/qwen2.5-7b-support-lora", "revision": "fedcba9876543210fedcba9876543210fedcba98", "licence": "mit", "rank": 12}


def with_adapters(*adapters: dict[str, Any], **lora: Any) -> dict[str, Any]:
    """The test AWS environment whose Qwen2.5-7B deployment serves `adapters`."""
    raw = copy.deepcopy(AWS_ENVIRONMENT)
    raw["deployments"][0]["lora"] = {"adapters": [copy.deepcopy(a) for a in adapters], **lora}
    return raw


@functools.cache
def planned(slots: int | None = None):
    raw = with_adapters(SQL, SUPPORT, **({"max_loras": slots} if slots else {}))
    return plan_environment(raw)
