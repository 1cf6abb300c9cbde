"""The generated workflows carry the plan cache between runs: restored before every hangar command, saved after,
and a pull request's diff finds the plans of its base commit that the deploy workflow saved on main."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from hangar.plancache import CACHE_DIRECTORY
from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def hangar_jobs(workflow: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Jobs that run `hangar check` or `hangar diff`, by name: their steps."""
    return {
        name: job["steps"]
        for name, job in workflow["jobs"].items()
        if any(re.search(r"bin/hangar (check|diff)\b", step.get("run", "")) for step in job.get("steps", ()))
    }


def expand(text: str, values: dict[str, str]) -> str:
    """A key as GitHub evaluates it, for the given context values."""
    return re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", lambda match: values[match.group(1)], text)


@pytest.mark.parametrize("name", ["deploy.yml", "pull-request.yml"])
def test_every_job_running_hangar_restores_the_cache_before_and_saves_it_after(name: str):
    jobs = hangar_jobs(load(name))
    assert jobs
    for job, steps in jobs.items():
        uses = [step.get("uses", "").split("@")[0] for step in steps]
        commands = [index for index, step in enumerate(steps) if re.search(r"bin/hangar (check|diff)\b", step.get("run", ""))]
        restore, save = uses.index("actions/cache/restore"), uses.index("actions/cache/save")
        assert restore < min(commands) and save > max(commands), job
        assert steps[restore]["with"]["path"] == steps[save]["with"]["path"] == CACHE_DIRECTORY
        assert steps[save]["with"]["key"] == f"${{{{ steps.{steps[restore]['id']}.outputs.cache-primary-key }}}}"
        assert steps[save]["if"].startswith("always() && ") and "cache-hit != 'true'" in steps[save]["if"]  # saved after a failed check too
        for index in (restore, save):
            assert re.fullmatch(r"actions/cache/(restore|save)@[0-9a-f]{40}", steps[index]["uses"]), steps[index]["uses"]


def test_a_pull_requests_diff_restores_the_plans_its_base_commit_saved_on_main_first():
    main_key = hangar_jobs(load("deploy.yml"))["check"]
    (restore,) = [step for step in main_key if step.get("uses", "").startswith("actions/cache/restore@")]
    on_main = {"runner.os": "Linux", "github.sha": "c0ffee"}
    saved_on_main = expand(restore["with"]["key"], on_main)

    (diff_restore,) = [step for step in hangar_jobs(load("pull-request.yml"))["diff"] if step.get("uses", "").startswith("actions/cache/restore@")]
    in_pr = {"runner.os": "Linux", "github.event.pull_request.base.sha": "c0ffee", "github.event.pull_request.head.sha": "beef"}
    prefixes = [expand(line, in_pr) for line in diff_restore["with"]["restore-keys"].splitlines()]
    assert expand(diff_restore["with"]["key"], in_pr) != saved_on_main
    assert saved_on_main.startswith(prefixes[0])  # the base commit's cache, before any other
    elsewhere = {**in_pr, "github.event.pull_request.base.sha": "0ther"}
    assert not saved_on_main.startswith(expand(diff_restore["with"]["restore-keys"].splitlines()[0], elsewhere))
    assert prefixes[-1] == "hangar-plans-Linux-"  # at worst the newest cache: stale entries only miss


def test_the_cache_directory_is_ignored_by_git():
    assert f"{CACHE_DIRECTORY}/" in (Path(ROOT) / ".gitignore").read_text().splitlines()
