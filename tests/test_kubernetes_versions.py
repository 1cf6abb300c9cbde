"""Kubernetes versions per cloud: the sourced table, the support lookup, the defaults, and the spec's verdict.

Support is judged on a fixed day (tests/conftest.py pins HANGAR_TODAY to 2026-12-01), never the wall clock.
"""

from __future__ import annotations

import datetime
import json

import pytest
from hangar.components.program import build_stack
from typer.testing import CliRunner

from hangar.catalog import CatalogError, load_catalog, minor_of
from hangar.cli import app
from hangar.kubernetes_support import kubernetes_version_warnings, today
from hangar.plan import plan_program
from hangar.spec.clusters import DEFAULT_KUBERNETES_VERSIONS
from hangar.stackfile import environment_from_config, read_environment, read_project
from tests.config_errors import config_problems
from tests.conftest import EXAMPLE_STACKS, ROOT

DAY = datetime.date(2026, 12, 1)
HEADER = "cloud,version,release_date,end_of_standard_support,end_of_extended_support,source,as_of,notes\n"


def support(cloud: str, version: str, on: datetime.date = DAY):
    return load_catalog().kubernetes_support(cloud, version, on)


def plan_warnings(raw) -> tuple[str, ...]:
    """The plan's warnings about Kubernetes versions (the test environment draws others, about its model)."""
    plan = plan_program(build_stack, project="hangar", stack="test", config={"hangar:environment": raw})
    return tuple(warning for warning in plan.warnings if "kubernetes_version" in warning)


# --- the table ------------------------------------------------------------------------------------


def test_every_row_names_its_source_and_date():
    rows = load_catalog().kubernetes_versions
    assert {row.cloud for row in rows} == {"eks", "gke", "aks", "upstream"}
    for row in rows:
        assert row.source.strip() and row.as_of <= DAY, row.key


def test_the_tests_judge_support_on_the_pinned_day():
    assert today() == DAY


@pytest.mark.parametrize(
    ("cloud", "version", "state", "ends"),
    [
        ("eks", "1.33", "extended", datetime.date(2026, 7, 29)),  # the default: out of EKS standard support
        ("eks", "1.34", "standard", datetime.date(2026, 12, 2)),
        ("eks", "1.35", "standard", datetime.date(2027, 3, 27)),  # the aws default: still supported once 1.34 leaves
        ("eks", "1.28", "ended", datetime.date(2024, 11, 26)),
        ("aks", "1.34", "extended", datetime.date(2026, 11, 30)),  # "Nov 2026": the month's last day, as AKS states
        ("aks", "1.35", "standard", datetime.date(2027, 3, 31)),
        ("upstream", "1.33", "ended", datetime.date(2026, 6, 28)),
        ("upstream", "1.35", "standard", datetime.date(2027, 2, 28)),
    ],
)
def test_where_a_version_stands_on_the_pinned_day(cloud, version, state, ends):
    found = support(cloud, version)
    assert (found.state, found.row.end_of_standard_support) == (state, ends)


def test_standard_support_ends_at_the_start_of_its_end_day():
    assert support("eks", "1.34", datetime.date(2026, 12, 1)).state == "standard"
    assert support("eks", "1.34", datetime.date(2026, 12, 2)).state == "extended"
    assert support("eks", "1.34", datetime.date(2027, 12, 2)).state == "ended"
    assert support("eks", "1.35", datetime.date(2026, 12, 2)).state == "standard"  # the eks-prod example outlives 1.34


def test_what_nobody_could_read_is_unknown_not_supported():
    assert support("gke", "1.35").state == "unknown"  # the row exists; its end dates could not be read
    assert support("eks", "1.36").state == "unknown"  # no row at all
    assert support("gke", "1.35").describe().startswith("GKE end of standard support for Kubernetes 1.35 is unknown to the catalog")


def test_the_description_names_end_date_and_the_supported_versions():
    assert support("eks", "1.33").describe() == (
        "EKS standard support for Kubernetes 1.33 ended 2026-07-29; it is in paid extended support until 2027-07-29; "
        "in EKS standard support on 2026-12-01: 1.35, 1.34"
    )
    assert support("aks", "1.30").describe() == (
        "AKS support for Kubernetes 1.30 ended 2026-07-31; in AKS standard support on 2026-12-01: 1.37, 1.36, 1.35"
    )


@pytest.mark.parametrize(
    ("given", "minor"), [("1.35", "1.35"), ("1.35.2", "1.35"), ("v1.35.2", "1.35"), ("1.35.1-gke.1200000", "1.35"), ("latest", None), ("", None)]
)
def test_the_minor_of_a_version_as_clouds_spell_it(given, minor):
    assert minor_of(given) == minor


def test_an_override_row_adds_what_the_table_lacks(tmp_path):
    (tmp_path / "kubernetes_versions.csv").write_text(HEADER + "gke,1.35,2026-01,2027-04-11,,my reading of the GKE release schedule,2026-12-01,\n")
    found = load_catalog(tmp_path).kubernetes_support("gke", "1.35", DAY)
    assert (found.state, found.supported) == ("standard", ("1.35",))


def test_a_bad_row_names_file_row_and_column(tmp_path):
    (tmp_path / "kubernetes_versions.csv").write_text(HEADER + "eks,1.40,2027-01-01,2028-03-01,2028-01-01,somewhere,2026-12-01,\n")
    with pytest.raises(CatalogError, match=r"kubernetes_versions.csv: row 1, column 'end_of_extended_support': '2028-01-01': is before end_of_standard_support \(2028-03-01\)"):
        load_catalog(tmp_path)


# --- defaults and the spec --------------------------------------------------------------------------------


@pytest.mark.parametrize(("provider", "cloud"), [("aws", "eks"), ("azure", "aks"), ("onprem", "upstream")])
def test_each_default_is_in_its_clouds_standard_support_on_the_day(provider, cloud):
    assert support(cloud, DEFAULT_KUBERNETES_VERSIONS[provider]).state == "standard"


def test_the_gke_default_is_supported_upstream_while_gke_dates_are_unknown():
    assert support("upstream", DEFAULT_KUBERNETES_VERSIONS["gcp"]).state == "standard"
    assert support("gke", DEFAULT_KUBERNETES_VERSIONS["gcp"]).state == "unknown"


def test_a_cluster_gets_its_targets_default(aws_environment):
    assert environment_from_config(aws_environment, "Pulumi.test.yaml").clusters[0].kubernetes_version == DEFAULT_KUBERNETES_VERSIONS["aws"]


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_the_example_stacks_run_versions_in_standard_support_or_say_they_cannot_tell(stack):
    environment = read_environment(read_project(ROOT), stack)
    warnings = kubernetes_version_warnings(environment, DAY)
    if any(cluster.provider == "gcp" for cluster in environment.clusters):
        assert warnings and all("GKE end of standard support for Kubernetes 1.35 is unknown" in w for w in warnings)
    else:
        assert warnings == []


def test_an_out_of_support_version_in_prod_is_a_config_error(aws_environment):
    aws_environment["tier"] = "prod"
    aws_environment["clusters"][0]["kubernetes_version"] = "1.33"
    aws_environment["deployments"][0]["autoscaling"]["min_replicas"] = 1  # no KEDA HTTP add-on, which refuses 1.33 on its own
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].kubernetes_version: EKS standard support for Kubernetes 1.33 ended 2026-07-29; "
        "it is in paid extended support until 2027-07-29; in EKS standard support on 2026-12-01: 1.35, 1.34; "
        "prod needs a version in standard support; got '1.33'"
    ]


def test_outside_prod_it_is_a_warning_in_the_plan(aws_environment):
    aws_environment["clusters"][0]["kubernetes_version"] = "1.33"
    aws_environment["deployments"][0]["autoscaling"]["min_replicas"] = 1  # no KEDA HTTP add-on, which refuses 1.33 on its own
    assert plan_warnings(aws_environment) == (
        "clusters[0].kubernetes_version ('main'): EKS standard support for Kubernetes 1.33 ended 2026-07-29; "
        "it is in paid extended support until 2027-07-29; in EKS standard support on 2026-12-01: 1.35, 1.34; a prod environment would refuse it",
    )


def test_a_supported_version_plans_without_a_word(aws_environment):
    aws_environment["tier"] = "prod"
    assert plan_warnings(aws_environment) == ()


def test_an_unknown_version_is_a_warning_even_in_prod_not_a_pass(aws_environment):
    aws_environment["tier"] = "prod"
    aws_environment["clusters"][0]["kubernetes_version"] = "1.36"  # no EKS row yet
    aws_environment["clusters"][0]["replica_autoscaler"] = "keda-existing"  # the KEDA Hangar installs refuses 1.36 (hangar.keda)
    (warning,) = plan_warnings(aws_environment)
    assert warning.startswith("clusters[0].kubernetes_version ('main'): the catalog has no EKS row for Kubernetes 1.36, so its support is unknown")


def test_a_bad_pinned_day_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("HANGAR_TODAY", "1st of December")
    with pytest.raises(ValueError, match="HANGAR_TODAY: expected a date YYYY-MM-DD; got '1st of December'"):
        today()


def test_without_a_pinned_day_the_wall_clock_decides(monkeypatch):
    monkeypatch.delenv("HANGAR_TODAY")
    assert today() == datetime.date.today()


# --- what the CLI shows ---------------------------------------------------------------------------------------


def test_hangar_plan_shows_the_warning_with_the_other_program_warnings():
    result = CliRunner().invoke(app, ["plan", "gke-dev", "-C", str(ROOT)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "warning: clusters[0].kubernetes_version ('dev'): GKE end of standard support for Kubernetes 1.35 is unknown to the catalog" in " ".join(result.output.split())


def test_hangar_catalog_kubernetes_lists_the_table_with_where_each_version_stands():
    result = CliRunner().invoke(app, ["catalog", "kubernetes", "--cloud", "aks", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [row["version"] for row in rows] == ["1.37", "1.36", "1.35", "1.34", "1.33", "1.32", "1.31", "1.30", "1.29"]
    assert rows[3]["end_of_standard_support"] == "2026-11-30" and "azure-aks-docs" in rows[3]["source"]
    table = CliRunner().invoke(app, ["catalog", "kubernetes", "--cloud", "eks"], catch_exceptions=False)
    assert "support on 2026-12-01" in table.output and "standard" in table.output and "extended" in table.output


def test_hangar_catalog_kubernetes_refuses_an_unknown_cloud():
    result = CliRunner().invoke(app, ["catalog", "kubernetes", "--cloud", "openshift"])
    assert result.exit_code == 2 and "--cloud: 'openshift'; allowed: eks, gke, aks, upstream" in result.output
