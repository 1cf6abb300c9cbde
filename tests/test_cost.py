"""Cost: raw Pulumi resource records of every cloud priced at min and max, unknown prices kept unknown,
and the example stacks priced through the real plan.

Records are written the way the plan runner records them (Pulumi wire form: camelCase keys, numbers as
floats), so these tests hold for any Pulumi program, not only Hangar's components.
"""

from __future__ import annotations

import csv

import pytest

from hangar.catalog import load_catalog
from hangar.cost import (
    GKE_DEFAULT_ZONES,
    HOURS_PER_MONTH,
    default_regions_from_config,
    price_plan,
    price_records,
)
from hangar.records import UNKNOWN, ResourceRecord
from tests.conftest import EXAMPLE_STACKS, ROOT

CAT = load_catalog()
STACK = "urn:pulumi:test::proj::"


def record(type_: str, name: str, inputs: dict, provider: str | None = None) -> ResourceRecord:
    return ResourceRecord(urn=f"{STACK}{type_}::{name}", type=type_, name=name, parent=None, custom=True, inputs=inputs, provider=provider)


def provider(kind: str, name: str, **inputs) -> ResourceRecord:
    return record(f"pulumi:providers:{kind}", name, inputs)


def ref(p: ResourceRecord) -> str:
    return f"{p.urn}::{p.name}-id"


def only(report):
    assert len(report.lines) == 1, report.lines
    return report.lines[0]


# --- AWS -------------------------------------------------------------------------------------------------


def eks_group(name="gpu", types=("p5.48xlarge",), min_size=1.0, max_size=2.0, capacity="ON_DEMAND", prov=None, **extra):
    inputs = {"instanceTypes": list(types), "scalingConfig": {"minSize": min_size, "maxSize": max_size, "desiredSize": min_size},
              "capacityType": capacity, "labels": {"hangar.dev/pool": name}, **extra}
    return record("aws:eks/nodeGroup:NodeGroup", f"prod-{name}", inputs, ref(prov) if prov else None)


def test_eks_node_group_at_min_and_max():
    aws = provider("aws", "prod", region="us-east-1")
    line = only(price_records([aws, eks_group(prov=aws)], CAT))
    assert (line.pool, line.cloud, line.machine_type, line.accelerators) == ("gpu", "aws", "p5.48xlarge", "8 x H100-SXM")
    assert (line.count_min, line.count_max, line.capacity) == (1, 2, "on-demand")
    assert line.usd_per_hour_each == 55.04 and line.region == line.price_region == "us-east-1"
    assert (line.usd_per_hour_min, line.usd_per_hour_max) == (55.04, 110.08)
    assert line.usd_per_month_max == pytest.approx(110.08 * 720)
    assert "karpenter" in line.price_source and line.as_of.isoformat() == "2026-01-19"
    assert line.notes == ()


def test_eks_region_from_default_or_assumed():
    line = only(price_records([eks_group()], CAT))
    assert line.price_region == "us-east-1" and any("assumed the catalog's reference region us-east-1" in n for n in line.notes)
    line = only(price_records([eks_group()], CAT, default_regions={"aws": "eu-west-1"}))
    assert line.region == "eu-west-1" and line.price_region == "us-east-1" and line.usd_per_hour_each == 55.04
    assert any("no eu-west-1 price" in n for n in line.notes)


def test_eks_spot_without_a_spot_price_is_unknown_not_zero():
    aws = provider("aws", "prod", region="us-east-1")
    report = price_records([aws, eks_group(prov=aws), eks_group("spot", types=("g6e.xlarge",), min_size=0.0, max_size=4.0, capacity="SPOT", prov=aws)], CAT)
    spot = report.lines[1]
    assert spot.capacity == "spot" and spot.usd_per_hour_each is None and not spot.priced
    assert spot.usd_per_hour_max is None and spot.usd_per_month_max is None
    totals = report.totals
    assert not totals.complete
    assert totals.usd_per_hour_min is None and totals.usd_per_month_max is None and totals.spot_share_max is None
    assert totals.known_usd_per_hour_max == pytest.approx(110.08)  # the known part is still reported
    assert len(totals.unpriced) == 1 and "spot" in totals.unpriced[0] and "no price for g6e.xlarge" in totals.unpriced[0]


def test_eks_system_group_is_priced_from_the_cpu_row_and_reserved_is_flagged():
    line = only(price_records([eks_group("system", types=("m6i.large",), min_size=2.0, max_size=3.0)], CAT, default_regions={"aws": "us-east-1"}))
    assert line.accelerators is None and line.usd_per_hour_each == 0.096 and line.usd_per_hour_max == pytest.approx(0.288)
    reserved = only(price_records([eks_group(tags={"hangar.dev/capacity": "reserved"})], CAT))
    assert reserved.capacity == "reserved" and reserved.usd_per_hour_each == 55.04
    assert any("reserved capacity priced at the on-demand" in n for n in reserved.notes)


def test_eks_mixed_instance_types_are_priced_at_the_dearest():
    line = only(price_records([eks_group(types=("g6.xlarge", "g5.xlarge"))], CAT))
    assert line.machine_type == "g5.xlarge" and line.usd_per_hour_each == 1.006
    assert any("priced at the dearest" in n for n in line.notes)


def test_counts_unknown_until_deploy_make_the_line_unpriced():
    line = only(price_records([eks_group(max_size=UNKNOWN)], CAT))
    assert line.count_max is None and not line.priced and "node count unknown" in line.why_unpriced


# --- GCP -------------------------------------------------------------------------------------------------


def gke_pool(name, machine, *, autoscaling=None, locations=None, location="us-central1", spot=False, accelerators=None, placement=None, **extra):
    config = {"machineType": machine, "spot": spot, "labels": {"hangar.dev/pool": name}}
    if accelerators is not None:
        config["guestAccelerators"] = accelerators
    inputs = {"name": name, "cluster": "dev-cluster", "location": location, "nodeConfig": config, **extra}
    if autoscaling is not None:
        inputs["autoscaling"] = autoscaling
    if locations is not None:
        inputs["nodeLocations"] = locations
    if placement is not None:
        inputs["placementPolicy"] = placement
    return record("gcp:container/nodePool:NodePool", f"dev-{name}", inputs)


ZONES3 = ["us-central1-a", "us-central1-b", "us-central1-c"]


def test_gke_per_zone_counts_are_multiplied_by_the_zones():
    pool = gke_pool("l4", "g2-standard-24", autoscaling={"minNodeCount": 1.0, "maxNodeCount": 2.0}, locations=ZONES3)
    line = only(price_records([pool], CAT))
    assert (line.count_min, line.count_max) == (3, 6)  # GKE's min/maxNodeCount are PER ZONE
    assert line.usd_per_hour_max == pytest.approx(6 * 2.00078)
    assert any("per zone" in n for n in line.notes)


def test_gke_total_counts_are_not_multiplied():
    pool = gke_pool("l4", "g2-standard-24", autoscaling={"totalMinNodeCount": 0.0, "totalMaxNodeCount": 2.0, "locationPolicy": "ANY"}, locations=ZONES3)
    line = only(price_records([pool], CAT))
    assert (line.count_min, line.count_max) == (0, 2) and line.usd_per_hour_min == 0


def test_gke_fixed_node_count_zones_from_cluster_location_or_default():
    zonal = only(price_records([gke_pool("a", "g2-standard-4", location="us-central1-a", nodeCount=2.0)], CAT))
    assert (zonal.count_min, zonal.count_max, zonal.region) == (2, 2, "us-central1")
    cluster = record("gcp:container/cluster:Cluster", "dev-cluster", {"name": "dev-cluster", "nodeLocations": ["us-central1-a", "us-central1-b"]})
    from_cluster = price_records([cluster, gke_pool("b", "g2-standard-4", initialNodeCount=1.0)], CAT).lines[0]
    assert (from_cluster.count_min, from_cluster.count_max) == (2, 2)
    assumed = only(price_records([gke_pool("c", "g2-standard-4", nodeCount=1.0)], CAT))
    assert assumed.count_max == GKE_DEFAULT_ZONES and any("assumed 3" in n for n in assumed.notes)


def test_gke_spot_and_system_pool():
    spot = only(price_records([gke_pool("l4-spot", "g2-standard-4", spot=True, autoscaling={"totalMinNodeCount": 0.0, "totalMaxNodeCount": 2.0})], CAT))
    assert spot.capacity == "spot" and spot.usd_per_hour_each == 0.23 and spot.usd_per_hour_max == pytest.approx(0.46)
    system = only(price_records([gke_pool("system", "e2-standard-4", autoscaling={"totalMinNodeCount": 1.0, "totalMaxNodeCount": 3.0})], CAT))
    assert system.usd_per_hour_each == 0.13402 and system.accelerators is None


def test_gke_tpu_pool_priced_per_chip_hour():
    # v5e 2x4 single host: 8 chips x 1.2 $/chip-hour = 9.6 $/h per node (tpus.csv)
    slice_ = gke_pool("v5e", "ct5lp-hightpu-8t", autoscaling={"totalMinNodeCount": 1.0, "totalMaxNodeCount": 2.0}, locations=["us-west4-a"],
                      location="us-west4", placement={"type": "COMPACT", "tpuTopology": "2x4"})
    line = only(price_records([slice_], CAT))
    assert line.accelerators == "TPU v5e 2x4 (8 chips/node)"
    assert line.usd_per_hour_each == pytest.approx(9.6) and (line.usd_per_hour_min, line.usd_per_hour_max) == (pytest.approx(9.6), pytest.approx(19.2))
    assert line.price_region == "us-central1" and any("the pool is in us-west4" in n for n in line.notes)
    # a multi-host 4x4 slice: 4 nodes of ct5lp-hightpu-4t (4 chips each) in one zone
    multi = gke_pool("v5e-4x4", "ct5lp-hightpu-4t", nodeCount=4.0, locations=["us-central1-a"], placement={"type": "COMPACT", "tpuTopology": "4x4"})
    line = only(price_records([multi], CAT))
    assert (line.count_min, line.count_max) == (4, 4) and line.usd_per_hour_max == pytest.approx(16 * 1.2)
    spot = only(price_records([gke_pool("v6e", "ct6e-standard-4t", spot=True, nodeCount=1.0, locations=["us-central1-b"])], CAT))
    assert spot.usd_per_hour_each == pytest.approx(4 * 0.64833)


def test_gke_tpu_without_a_price_is_unknown():
    line = only(price_records([gke_pool("ironwood", "tpu7x-standard-4t", nodeCount=2.0, locations=["us-central1-a"])], CAT))
    assert line.usd_per_hour_each is None and not line.priced and line.accelerators.startswith("TPU tpu7x")


def test_gke_n1_is_priced_only_with_its_t4_attached():
    t4 = [{"type": "nvidia-tesla-t4", "count": 1.0}]
    with_gpu = only(price_records([gke_pool("t4", "n1-standard-4", nodeCount=1.0, location="us-central1-a", accelerators=t4)], CAT))
    assert with_gpu.usd_per_hour_each == 0.54
    bare = only(price_records([gke_pool("cpu", "n1-standard-4", nodeCount=1.0, location="us-central1-a")], CAT))
    assert bare.usd_per_hour_each is None and "n1-standard-4" in bare.notes[0]


# --- Azure -----------------------------------------------------------------------------------------------


def test_aks_agent_pool_spot_and_cluster_profiles():
    cluster = record("azure-native:containerservice:ManagedCluster", "staging", {
        "resourceName": "aks-staging", "location": "eastus",
        "agentPoolProfiles": [{"name": "system", "vmSize": "Standard_D4ds_v5", "mode": "System", "enableAutoScaling": True,
                               "minCount": 2.0, "maxCount": 3.0, "count": 2.0}],
    })
    gpu = record("azure-native:containerservice:AgentPool", "staging-a100", {
        "resourceName": "aks-staging", "agentPoolName": "a100", "vmSize": "Standard_NC24ads_A100_v4", "enableAutoScaling": True,
        "minCount": 1.0, "maxCount": 3.0, "count": 1.0, "scaleSetPriority": "Spot", "nodeLabels": {"hangar.dev/pool": "a100"},
    })
    fixed = record("azure-native:containerservice:AgentPool", "staging-t4", {"resourceName": "aks-staging", "agentPoolName": "t4",
                                                                            "vmSize": "Standard_NC4as_T4_v3", "count": 2.0})
    report = price_records([cluster, gpu, fixed], CAT)
    assert [line.pool for line in report.lines] == ["a100", "system", "t4"]  # sorted: plans register in no fixed order
    a100, system, t4 = report.lines
    assert (system.pool, system.usd_per_hour_each, system.count_min, system.count_max) == ("system", 0.226, 2, 3)
    assert (a100.pool, a100.capacity, a100.usd_per_hour_each, a100.region) == ("a100", "spot", 0.444433, "eastus")
    assert (a100.count_min, a100.count_max) == (1, 3)
    assert (t4.count_min, t4.count_max, t4.usd_per_hour_each) == (2, 2, 0.526)
    totals = report.totals
    assert totals.complete
    assert totals.usd_per_hour_max == pytest.approx(3 * 0.226 + 3 * 0.444433 + 2 * 0.526)
    assert totals.spot_share_max == pytest.approx(3 * 0.444433 / totals.usd_per_hour_max)
    assert totals.on_demand_share_max == pytest.approx(1 - totals.spot_share_max)


# --- on-prem ----------------------------------------------------------------------------------------------


def onprem_pool(**inputs):
    return ResourceRecord(urn=f"{STACK}hangar:onprem:GpuNodePool::dc1-a100", type="hangar:onprem:GpuNodePool", name="dc1-a100",
                          parent=None, custom=False, inputs=inputs)


def test_onprem_pool_at_its_amortised_rate():
    line = only(price_records([onprem_pool(gpu="A100-80GB", gpusPerNode=8.0, minNodes=2.0, maxNodes=2.0, usdPerGpuHour=1.5)], CAT))
    assert (line.cloud, line.capacity, line.usd_per_hour_each, line.count_max) == ("onprem", "reserved", 12.0, 2)
    assert line.usd_per_month_max == pytest.approx(24 * HOURS_PER_MONTH)


def test_onprem_pool_without_a_rate_is_unknown_unless_the_catalog_has_one(tmp_path):
    pool = onprem_pool(gpu="A100-80GB", gpusPerNode=8.0, minNodes=2.0, maxNodes=2.0)
    line = only(price_records([pool], CAT))
    assert line.usd_per_hour_each is None and not price_records([pool], CAT).totals.complete
    row = {"cloud": "onprem", "instance_type": "dc1-8xa100", "region": "fra-dc1", "gpu": "A100-80GB", "gpu_count": "8",
           "price_ondemand_usd_hr": "10.0", "price_source": "finance: 3-year amortisation", "as_of": "2026-06-01", "spec_source": "vendor quote"}
    with (tmp_path / "instances.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    line = only(price_records([pool], load_catalog(tmp_path)))
    assert line.usd_per_hour_each == 10.0 and line.price_source == "finance: 3-year amortisation"


# --- unknowns and totals ------------------------------------------------------------------------------------


def test_unknown_machine_type_makes_the_total_unknown():
    report = price_records([eks_group(), eks_group("odd", types=("x9.huge",))], CAT)
    odd = report.lines[1]
    assert odd.usd_per_hour_each is None and "not in the catalog" in odd.notes[0]
    assert report.totals.usd_per_hour_max is None and report.totals.known_usd_per_hour_max == pytest.approx(110.08)
    document = report.to_json()
    assert document["totals"]["usd_per_month_max"] is None and document["totals"]["complete"] is False
    assert document["lines"][1]["usd_per_hour_each"] is None


def test_unrecognised_resources_are_ignored_and_nothing_is_free():
    bucket = record("aws:s3/bucket:Bucket", "artifacts", {"bucket": "x"})
    report = price_records([bucket], CAT)
    assert report.lines == () and report.totals.complete and report.totals.usd_per_hour_max == 0
    assert report.totals.spot_share_max is None
    assert any("control-plane" in note for note in report.notes)


def test_default_regions_from_stack_config():
    config = {"aws:region": "us-east-1", "gcp:region": "us-central1", "azure-native:location": "eastus", "hangar:x": 1}
    assert default_regions_from_config(config) == {"aws": "us-east-1", "gcp": "us-central1", "azure": "eastus"}


# --- the example stacks, planned for real --------------------------------------------------------------------


@pytest.fixture(scope="module")
def planned():
    from hangar.stackfile import read_project, read_stack_config
    from hangar.stackplan import plan_project_stack

    project = read_project(ROOT)
    result = {}
    for stack in EXAMPLE_STACKS:
        config = read_stack_config(project, stack)
        planned = plan_project_stack(ROOT, stack)
        result[stack] = (planned.environment, price_plan(planned.plan, CAT, default_regions=default_regions_from_config(config)))
    return result


def test_eks_prod_costs(planned):
    _, report = planned["eks-prod"]
    lines = {line.pool: line for line in report.lines}
    assert set(lines) == {"system", "h100"}
    assert (lines["h100"].machine_type, lines["h100"].count_min, lines["h100"].count_max) == ("p5.48xlarge", 1, 2)
    assert (lines["system"].machine_type, lines["system"].count_min, lines["system"].count_max) == ("m6i.large", 2, 3)
    totals = report.totals
    assert totals.complete
    assert totals.usd_per_hour_min == pytest.approx(55.04 + 2 * 0.096)
    assert totals.usd_per_month_max == pytest.approx((2 * 55.04 + 3 * 0.096) * 720)
    assert totals.spot_share_max == 0


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_every_example_stack_prices_what_its_target_plans(planned, stack):
    """Each configured GPU pool / TPU slice that the target plans is priced at its catalog price and configured size.

    A target that is not built yet plans nothing: its stack simply has no lines.
    """
    environment, report = planned[stack]
    unrated = {p.name for c in environment.clusters if c.provider == "onprem" for p in c.node_pools if p.usd_per_gpu_hour is None}
    for line in report.lines:
        if line.cloud == "onprem" and line.pool in unrated:  # no amortised rate in the stack: unknown, never zero
            assert not line.priced and "usd_per_gpu_hour" in line.why_unpriced
            assert report.totals.usd_per_month_max is None
            continue
        assert line.priced, (stack, line.pool, line.why_unpriced)
        assert line.count_min <= line.count_max
    assert report.totals.complete == (not any(line.pool in unrated for line in report.lines if line.cloud == "onprem"))
    by_pool = {line.pool: line for line in report.lines}
    for cluster in environment.clusters:
        for pool in cluster.node_pools:
            line = by_pool.get(pool.name)
            if line is None:
                continue
            assert (line.count_min, line.count_max) == (pool.min_nodes, pool.max_nodes), (stack, pool.name)
            assert line.capacity == pool.capacity
            if cluster.provider == "onprem" and pool.usd_per_gpu_hour is not None:
                assert line.usd_per_hour_each == pytest.approx(pool.usd_per_gpu_hour * pool.gpus_per_node)
            if cluster.provider != "onprem":
                row = CAT.instance(cluster.provider, line.machine_type)
                assert line.usd_per_hour_each == row.price_usd_hr(spot=pool.capacity == "spot")
                assert pool.gpu is None or row.gpu == pool.gpu
        for tpu in getattr(cluster, "tpu_slices", []):
            lines = [line for line in report.lines if line.pool == tpu.name or line.pool.startswith(f"{tpu.name}")]
            if not lines:
                continue
            shape = CAT.tpu_slice(tpu.generation, tpu.topology)
            per_chip = shape.price_ondemand_usd_per_chip_hr
            assert sum(line.usd_per_hour_max for line in lines) == pytest.approx(per_chip * shape.chips * tpu.max_slices)
            assert sum(line.usd_per_hour_min for line in lines) == pytest.approx(per_chip * shape.chips * tpu.min_slices)


def test_gke_tpu_stack_prices_eight_chips_per_slice(planned):
    _, report = planned["gke-tpu"]
    tpu_lines = [line for line in report.lines if line.accelerators and line.accelerators.startswith("TPU")]
    if not tpu_lines:
        pytest.skip("the GCP TPU target plans nothing yet")
    assert tpu_lines[0].usd_per_hour_each == pytest.approx(8 * 1.2)  # v5e 2x4: 8 chips x 1.2 $/chip-hour
