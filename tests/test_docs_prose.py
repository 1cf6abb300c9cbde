"""Prose in README.md and docs/ says only what the code and the catalog say (tests/docs_prose.py, tests/docs_facts.py and the page modules it gathers).

Every figure a page types (a price, a count, a size, a version, a date, an exit code) lies inside a fact whose
value is computed from the code or the catalog; every `--flag` of a `hangar` command line is an option of that
command; every `hangar-…` policy name is a policy of the pack; every link to a pinned project's source is at
the version Hangar pins.
"""

from __future__ import annotations

import pytest

from tests import docs_prose
from tests.docs_facts import FACTS
from tests.docs_sync import ROOT

PAGES = {docs_prose.page_name(path): docs_prose.prose(path.read_text()) for path in docs_prose.pages()}
HOW = "add the phrase to tests/docs_facts.py (or its page module: tests/docs_facts_serving.py, tests/docs_facts_lora.py) with where its value comes from (or generate it)"


@pytest.mark.parametrize("fact", FACTS, ids=[f"{f.page}:{f.template[:40]}" for f in FACTS])
def test_every_fact_is_on_its_page_as_the_code_has_it(fact):
    assert fact.page in PAGES, f"{fact}: no such page"
    rendered = fact.render()
    assert rendered in PAGES[fact.page], (
        f"{fact.page} no longer says {rendered!r} (the value the code gives): correct the page, or the fact in tests/docs_facts.py"
    )


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_figure_in_prose_is_a_fact(page):
    left = docs_prose.uncovered(page, PAGES[page], FACTS)
    assert not left, f"{page}: figures no test keeps true ({HOW}):\n" + "\n".join(str(f) for f in left)


# --- the checks can fail ---------------------------------------------------------------------------


def test_a_figure_the_code_no_longer_has_fails_its_fact():
    fact = next(f for f in FACTS if f.page == "docs/serving.md" and "kube-prometheus-stack" in f.template)
    page = PAGES[fact.page]
    rendered = fact.render()
    stale = page.replace(rendered, rendered.replace("stack ", "stack 1"))  # a version the code does not pin
    assert rendered in page and rendered not in stale
    before = {f.text for f in docs_prose.uncovered(fact.page, page, FACTS)}
    after = {f.text for f in docs_prose.uncovered(fact.page, stale, FACTS)}
    assert after - before == {f"1{fact.values['v']()}"}


def test_a_new_figure_in_prose_is_caught_and_code_is_not():
    text = docs_prose.prose(
        "The pool holds 16 nodes at 3.40 $/hour on v1.2.3.\n\n"
        "```console\n$ hangar plan x\n99 resources\n```\n"
        "1. see [the page](https://example.com/v/4.5.6) — an H100, gp3, k8s, `v1alpha1`, port `:9090`, Llama 3.3 70B,"
        " `--peak-rps 20`, issue #366, issue 1914 (read 2026-12-01), (2) the second\n"
    )
    assert [f.text for f in docs_prose.figures("x.md", text)] == ["16", "3.40", "v1.2.3"]
    facts = [docs_prose.Fact("x.md", "holds {n} nodes", {"n": lambda: 16})]
    assert [f.text for f in docs_prose.uncovered("x.md", text, facts)] == ["3.40", "v1.2.3"]


def test_a_fact_renders_its_values_with_the_pages_format():
    fact = docs_prose.Fact("x.md", "a ceiling of {usd:,.0f} $/month\n  over {n} pools", {"usd": lambda: 90000.0, "n": lambda: 3})
    assert fact.render() == "a ceiling of 90,000 $/month over 3 pools"


# --- commands, flags, policy names and links ------------------------------------------------------

COMMANDS = docs_prose.hangar_commands()
HANGAR_FLAGS = set().union(*COMMANDS.values())


def source_text(*globs: str) -> str:
    return "\n".join(p.read_text() for pattern in globs for p in sorted(ROOT.glob(pattern)) if p.is_file())


ENGINE_FLAGS_SOURCE = ("components/serving_pod.py", "components/routing.py")
"""Where the ModelServer writes the vLLM command line: an engine flag a page names must be one Hangar writes."""
RUN_BY_HANGAR = (".github/workflows/*.yml", "hangar/**/*.py", "tests/test_docs.py")
"""Where Hangar runs, writes or tells its user another tool's command line (pulumi in the workflows and in its
messages, mkdocs in the tests)."""
INSTRUCTION_FLAGS = {
    "--policy-group": "pulumi policy enable, in an instruction to the reader",
    "--local-dir": "hf download: how a volume's model directory is laid out",
    "--name": "az acr import, in an instruction to the reader",
    "--source": "az acr import, in an instruction to the reader",
    "--image": "az acr import, in an instruction to the reader",
    "--from-literal": "kubectl create secret, in an instruction to the reader",
    "--username": "helm registry login, in an instruction to the reader",
    "--workload-pool": "gcloud's name for the cluster setting Hangar sets as workload_identity_config.workload_pool",
    "--password-stdin": "helm registry login, in an instruction to the reader",
    "--create-namespace": "helm install, in an instruction to the reader",
    "--version": "helm install, in an instruction to the reader",
}
"""Flags of other tools that the pages tell a reader to type and Hangar never runs: named here, not checked."""


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_hangar_command_line_is_one_the_cli_takes(page):
    problems = [f"`{span}`: {p}" for span in docs_prose.code_spans(PAGES[page]) if docs_prose.hangar_command(span) is not None
                for p in docs_prose.command_problems(span, COMMANDS)]  # fmt: skip
    assert not problems, f"{page}:\n" + "\n".join(problems)


def test_every_other_flag_is_hangars_or_one_it_writes():
    engine, run = source_text(*ENGINE_FLAGS_SOURCE), source_text(*RUN_BY_HANGAR)
    unknown = set()
    for page, text in PAGES.items():
        hangar_spans = " ".join(s for s in docs_prose.code_spans(text) if docs_prose.hangar_command(s) is not None)
        for flag in set(docs_prose.FLAG.findall(text)) - set(docs_prose.FLAG.findall(hangar_spans)):
            if flag not in HANGAR_FLAGS and flag not in INSTRUCTION_FLAGS and flag not in engine and flag not in run:
                unknown.add(f"{page}: {flag}")
    assert not unknown, "flags that are neither hangar's nor written by Hangar:\n" + "\n".join(sorted(unknown))


def test_a_wrong_command_or_flag_is_caught():
    assert docs_prose.command_problems("hangar size MODEL --peak-rps 20 [--tpot-ms 40]", COMMANDS) == []
    assert docs_prose.command_problems("hangar catalog gpus|models --format json", COMMANDS) == []
    assert docs_prose.command_problems("hangar size MODEL --peak-qps 20", COMMANDS) == ["`hangar size` has no option --peak-qps"]
    assert docs_prose.command_problems("hangar catalog gpu", COMMANDS) == ["`hangar catalog` has no command 'gpu'"]
    assert docs_prose.command_problems("hangar deploy eks-prod", COMMANDS) == ["hangar has no command 'deploy'"]


def test_every_hangar_name_is_a_policy_or_a_name_the_code_gives():
    from hangar.policies.rules import POLICY_NAMES

    code = source_text("hangar/**/*.py", "components/*.py", "policies/**/*.py", "stacks/*.yaml", "pyproject.toml")
    unknown = {f"{page}: {name}" for page, text in PAGES.items() for name in docs_prose.HANGAR_NAME.findall(text)
               if name not in POLICY_NAMES and name not in code}  # fmt: skip
    assert not unknown, "names no policy or resource of the code has:\n" + "\n".join(sorted(unknown))


def test_links_name_what_they_point_at():
    problems = [p for path in docs_prose.pages() for p in docs_prose.link_problems(path.read_text())]
    assert not problems, "\n".join(problems)


def test_a_link_at_another_version_or_id_is_caught():
    from hangar.sizing.engine import ENGINE_VERSION

    good = f"[GQA, arXiv:2305.13245](https://arxiv.org/abs/2305.13245) [x](https://github.com/vllm-project/vllm/blob/{ENGINE_VERSION}/a.py)"
    assert docs_prose.link_problems(good) == []
    bad = "[GQA, arXiv:2305.13245](https://arxiv.org/abs/2305.13246) [x](https://docs.vllm.ai/en/v0.1.0/) [y](http://example.com)"
    assert len(docs_prose.link_problems(bad)) == 3


def test_a_name_no_code_gives_is_caught():
    from hangar.policies.rules import POLICY_NAMES

    code = source_text("hangar/**/*.py", "components/*.py", "policies/**/*.py")
    names = docs_prose.HANGAR_NAME.findall("`hangar-hardware-fits` and `hangar-prometheus`, the `hangar-budget` policy")
    assert [n for n in names if n not in POLICY_NAMES and n not in code] == ["hangar-hardware-fits"]
