"""The docs stand alone and stay true: README's newcomer path, the MkDocs site built --strict, the
generated stack-config reference, and no pointer outside the project."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests import docs_sync

ROOT = docs_sync.ROOT
README = ROOT / "README.md"


def build_site(project: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(project / "mkdocs.yml"), "-d", str(out)],
        cwd=project, capture_output=True, text=True, timeout=300,
    )


# --- README: what a newcomer needs, and nothing more ----------------------------------------------


def test_readme_shows_the_two_commands_ci_runs():
    text = README.read_text()
    setup = re.search(r"## The two commands\n.*?```bash\n(.*?)```", text, re.S)
    assert setup, "README.md has no '## The two commands' section with a bash block"
    commands = [line.split("#")[0].strip() for line in setup.group(1).splitlines() if line.strip()]
    assert commands == ["./bin/hangar plan eks-prod", "./bin/test"]
    # CI runs exactly the test command README shows.
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert "./bin/test" in ci and (ROOT / "bin" / "test").exists() and (ROOT / "bin" / "hangar").exists()
    assert (ROOT / "stacks" / "Pulumi.eks-prod.yaml").exists()


def test_readme_fits_on_a_few_screens():
    text = README.read_text()
    assert len(text.encode()) < 8_000, f"README.md is {len(text.encode())} bytes: move detail into a docs/ page"
    assert len(text.splitlines()) < 120


def test_readme_links_point_at_files_that_exist():
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README.read_text())
    local = [link for link in links if not re.match(r"^[a-z]+:", link)]
    assert local, "README.md links no docs page"
    missing = [link for link in local if not (ROOT / link).exists()]
    assert not missing, f"README.md links to files that do not exist: {missing}"
    # Every page of the site is reachable from README.
    pages = {str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md") if "examples" not in p.parts}
    assert pages - {"docs/index.md"} <= set(local), f"pages README does not link: {sorted(pages - {'docs/index.md'} - set(local))}"


# --- the site --------------------------------------------------------------------------------------


def test_readme_and_the_real_path_table_name_every_example_stack():
    """README's sentence on the example environments lists exactly the stack files in stacks/, and the table of
    docs/running.md's real path puts each under its target: a stack added to stacks/ fails here until both say so."""
    stacks = sorted(path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in (ROOT / "stacks").glob("Pulumi.*.yaml"))
    sentence = re.search(r"The example environments are the stack files in `stacks/` \(([^)]*)\)", README.read_text())
    assert sentence, "README.md has no sentence naming the example environments in stacks/"
    assert sorted(re.findall(r"`([^`]+)`", sentence.group(1))) == stacks
    (header,) = [line for line in (ROOT / "docs" / "running.md").read_text().splitlines() if line.startswith("| link |")]
    assert sorted(re.findall(r"`([^`]+)`", header)) == stacks

def test_site_builds_strict(tmp_path):
    done = build_site(ROOT, tmp_path / "site")
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}"
    for page in ("index.html", "tour/index.html", "reference/stack-config/index.html", "sizing/index.html", "policy-pack/index.html"):
        assert (tmp_path / "site" / page).exists(), page
    assert not (tmp_path / "site" / "examples").exists(), "docs/examples/ is a project for the examples, not a page"
    # The reference's patterns reach the reader as the schema has them (Markdown must not eat a bracket).
    reference = html.unescape((tmp_path / "site" / "reference" / "stack-config" / "index.html").read_text())
    schema = json.loads(docs_sync.SCHEMA.read_text())
    assert f"matches <code>{schema['$defs']['Environment']['properties']['name']['pattern']}</code>" in reference


@pytest.mark.parametrize(
    "breakage",
    [
        ("docs/targets.md", "[a page that is not there](no-such-page.md)"),
        ("docs/targets.md", "[an anchor that is not there](policy-pack.md#no-such-section)"),
    ],
    ids=["missing page", "missing anchor"],
)
def test_site_build_fails_on_a_broken_link(tmp_path, breakage):
    """The strict build is a real check: a broken link or anchor fails it, naming the link."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "docs", project / "docs")
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    page, link = breakage
    (project / page).write_text((project / page).read_text() + f"\n{link}\n")
    done = build_site(project, tmp_path / "site")
    assert done.returncode != 0
    target = link.split("(")[1].rstrip(")")
    assert target.split("#")[-1] in done.stdout + done.stderr


def test_every_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md") if "examples" not in p.parts}
    missing = [page for page in sorted(pages) if f" {page}\n" not in nav]
    assert not missing, f"pages missing from mkdocs.yml's nav: {missing}"


# --- the stack-config reference, generated from the schema -----------------------------------------


def test_config_reference_is_current():
    committed = docs_sync.REFERENCE.read_text()
    assert committed == docs_sync.config_reference(json.loads(docs_sync.SCHEMA.read_text())), (
        f"docs/reference/stack-config.md is stale: run `{docs_sync.REGENERATE}`"
    )


def test_config_reference_covers_every_key_of_the_schema():
    schema = json.loads(docs_sync.SCHEMA.read_text())
    text = docs_sync.config_reference(schema)
    for name, node in schema["$defs"].items():
        section = text.split(f"\n## {name}\n", 1)
        assert len(section) == 2, f"no section for {name}"
        body = section[1].split("\n## ", 1)[0]
        for key in node.get("properties", {}):
            assert f"| `{key}` |" in body, f"{name}.{key} missing from the reference"


def test_config_reference_rows_say_type_default_and_limits():
    text = docs_sync.REFERENCE.read_text()
    environment = text.split("\n## Environment\n", 1)[1].split("\n## ", 1)[0]
    assert "| `tier` | <code>dev</code> or <code>staging</code> or <code>prod</code> | required |" in environment
    assert "[AwsCluster](#awscluster) (<code>provider: aws</code>)" in environment
    budget = text.split("\n## Budget\n", 1)[1].split("\n## ", 1)[0]
    assert "| `max_spot_share` | number | <code>1.0</code> |" in budget and "(≥ 0; ≤ 1)" in budget


def test_config_reference_changes_with_the_schema():
    schema = json.loads(docs_sync.SCHEMA.read_text())
    schema["$defs"]["Budget"]["properties"]["max_spot_share"]["description"] = "Something else."
    assert docs_sync.config_reference(schema) != docs_sync.REFERENCE.read_text()


# --- examples shown elsewhere: the diff comment is the diff test's snapshot --------------------------


def test_gitops_diff_comment_is_the_snapshot():
    page = (ROOT / "docs" / "gitops.md").read_text()
    block = re.search(r"````markdown\n(.*?)\n````", page, re.S)
    assert block, "docs/gitops.md shows no ````markdown block"
    snapshot = (ROOT / "tests" / "__snapshots__" / "test_diff" / "test_markdown_snapshot.md").read_text()
    assert block.group(1).rstrip() == snapshot.rstrip(), "docs/gitops.md: copy tests/__snapshots__/test_diff/test_markdown_snapshot.md into it"


# --- the project stands alone ---------------------------------------------------------------------

# Pointers a user of the project cannot follow: the build machine's shared notes, and its paths.
# Spelled in pieces so that this file does not match itself.
OUTSIDE = re.compile("|".join([r"\.\./" + "shared", "shared/" + "reference", r"(?<![\w.])/" + "work/", r"(?<![\w.])/" + "root/", r"/" + "Users/", r"/tmp/" + "bash_jobs"]))
ALLOWED = {
    # An assertion that a model's source is NOT such a path.
    ("tests/test_model_config.py", '"/' + 'work/" not in model.source'),
}


def project_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / name for name in listed.splitlines() if (ROOT / name).is_file()]


def outside_references(root: Path, files: list[Path]) -> list[str]:
    """`file:line: text` for every line of the files (under root) that points outside the project."""
    found = []
    for path in files:
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        name = str(path.relative_to(root))
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line) and not any(name == allowed and piece in line for allowed, piece in ALLOWED):
                found.append(f"{name}:{number}: {line.strip()[:160]}")
    return found


def test_nothing_points_outside_the_project():
    found = outside_references(ROOT, project_files())
    assert not found, "cite the primary source instead of a path users do not have:\n" + "\n".join(found)


def test_the_outside_check_finds_each_kind_of_pointer(tmp_path):
    pointers = ["see ../" + "shared/" + "reference/sizing.md", "source: shared/" + "reference/gpus.csv",
                "/" + "work/main/hangar/x.py", "read /" + "root/notes.md", "/" + "Users/me/hangar"]
    fine = ["HOME = '/home/vllm'", "https://example.com/work/x", "a shared pool", "docs/reference/stack-config.md"]
    (tmp_path / "a.md").write_text("\n".join(pointers + fine) + "\n")
    found = outside_references(tmp_path, [tmp_path / "a.md"])
    assert [line.split(":", 2)[1] for line in found] == [str(n) for n in range(1, len(pointers) + 1)]


# --- the config example is a stack file Hangar accepts ----------------------------------------------


def test_config_example_is_a_valid_environment():
    from hangar.stackfile import environment_from_config

    page = (ROOT / "docs" / "config.md").read_text()
    example = re.search(r"```yaml\n(.*?)```", page, re.S)
    assert example, "docs/config.md shows no yaml example"
    environment = environment_from_config(yaml.safe_load(example.group(1))["config"]["hangar:environment"], "docs/config.md")
    assert environment.name == "eks-prod" and environment.deployments

