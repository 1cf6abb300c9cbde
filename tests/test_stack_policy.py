"""Which catalog-override paths a stack's policy configs read from the project directory, and how messages spell them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hangar.stack_policy import override_spellings, relative_path
from hangar.stackfile import read_project


@pytest.mark.parametrize(
    ("value", "relative"),
    [("our-catalog", True), ("./rows/extra", True), ("../team-rows", True), ("~/rows", False), ("/srv/rows", False), ("", False), (None, False), (3, False)],
)
def test_a_relative_path_is_a_non_empty_string_neither_home_nor_root_based(value, relative):
    assert relative_path(value) is relative


def test_only_the_relative_overrides_of_a_policy_config_are_respelled(tmp_path: Path):
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"hangar-budget": {"catalogOverrides": "our-catalog"}, "hangar-licensing": {"catalogOverrides": "~/rows"}, "hangar-fit": {"catalogOverrides": "/srv/rows"}}))
    spelled = override_spellings(read_project(tmp_path), "dev", config)
    assert spelled == {str(tmp_path.resolve() / "our-catalog"): "our-catalog"}
