"""Prose in README.md and docs/ says only what the code and the catalog say (tests/docs_prose.py, tests/docs_facts.py).

Every figure a page types (a price, a count, a size, a version, a date, an exit code) lies inside a fact whose
value is computed from the code or the catalog; every `--flag` of a `hangar` command line is an option of that
command; every `hangar-…` policy name is a policy of the pack; every link to a pinned project's source is at
the version Hangar pins.
"""

from __future__ import annotations

import pytest

from tests import docs_prose
from tests.docs_facts import FACTS

PAGES = {docs_prose.page_name(path): docs_prose.prose(path.read_text()) for path in docs_prose.pages()}
HOW = "add the phrase to tests/docs_facts.py with where its value comes from (or generate it)"


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
        " `--peak-rps 20`, issue #366, (2) the second\n"
    )
    assert [f.text for f in docs_prose.figures("x.md", text)] == ["16", "3.40", "v1.2.3"]
    facts = [docs_prose.Fact("x.md", "holds {n} nodes", {"n": lambda: 16})]
    assert [f.text for f in docs_prose.uncovered("x.md", text, facts)] == ["3.40", "v1.2.3"]


def test_a_fact_renders_its_values_with_the_pages_format():
    fact = docs_prose.Fact("x.md", "a ceiling of {usd:,.0f} $/month\n  over {n} pools", {"usd": lambda: 90000.0, "n": lambda: 3})
    assert fact.render() == "a ceiling of 90,000 $/month over 3 pools"
