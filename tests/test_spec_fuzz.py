"""Random mutations of a valid config either validate or give one-line errors — never a traceback."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hangar.spec import Environment
from hangar.stackfile import StackConfigError, environment_from_config
from tests.conftest import AWS_ENVIRONMENT

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path in a nested dict/list value."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, prefix + (index,))
    return found


ALL_PATHS = paths(AWS_ENVIRONMENT)


def mutate(raw: dict, path: tuple, action: str, value: Any) -> dict:
    raw = copy.deepcopy(raw)
    parent = raw
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "replace":
        parent[last] = value
    elif action == "add" and isinstance(parent, dict):
        parent[f"extra_{last}"] = value
    return raw


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mutations=st.lists(
        st.tuples(st.sampled_from(ALL_PATHS), st.sampled_from(["delete", "replace", "add"]), ODD_VALUES),
        min_size=1,
        max_size=3,
    )
)
def test_mutations_validate_or_fail_with_one_line_each(mutations):
    raw = AWS_ENVIRONMENT
    for path, action, value in mutations:
        try:
            raw = mutate(raw, path, action, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path
    try:
        environment = environment_from_config(raw, "Pulumi.fuzz.yaml")
    except StackConfigError as error:
        assert error.problems
        for problem in error.problems:
            line = str(problem)
            assert "\n" not in line
            assert line.startswith("Pulumi.fuzz.yaml: hangar:environment")
    else:
        assert isinstance(environment, Environment)
