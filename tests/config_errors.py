"""The config errors a user sees for a raw stack config: one helper for the tests of refused configs."""

from __future__ import annotations

from typing import Any

import pytest

from hangar.stackfile import StackConfigError, environment_from_config


def config_problems(raw: Any, file: str = "Pulumi.test.yaml") -> list[str]:
    """The one-line problems Hangar refuses `raw` (read as stack file `file`) with; fails if it accepts it."""
    with pytest.raises(StackConfigError) as raised:
        environment_from_config(raw, file)
    return [str(problem) for problem in raised.value.problems]
