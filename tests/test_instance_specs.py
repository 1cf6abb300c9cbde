"""An instance row's vCPUs, memory and GPUs are read from the cloud's own data, or the row is flagged SPEC_UNVERIFIED:
the rows read on 2026-12-02 keep the figures their sources give, and the flag stays on exactly the rows not read."""

from __future__ import annotations

import pytest

from hangar.catalog import load_catalog

CATALOG = load_catalog()

# (vCPUs, GiB, GPUs) as AWS's DescribeInstanceTypes gives them in Karpenter's generated instance-types reference, as
# Azure's NCads H100 v5 size page gives them (each row's spec_source names the file and commit), and as Google's 'GPU
# machine types' page (updated 2026-04-14) gives the G2 machine types (default memory).
READ = {
    ("aws", "m6i.large"): (2, 8, 0), ("aws", "g6.xlarge"): (4, 16, 1), ("aws", "g6.2xlarge"): (8, 32, 1),
    ("aws", "g6.4xlarge"): (16, 64, 1), ("aws", "g6.8xlarge"): (32, 128, 1), ("aws", "g6.12xlarge"): (48, 192, 4),
    ("aws", "g6.16xlarge"): (64, 256, 1), ("aws", "g6.24xlarge"): (96, 384, 4), ("aws", "g6.48xlarge"): (192, 768, 8),
    ("aws", "p5.4xlarge"): (16, 256, 1), ("aws", "p6-b200.48xlarge"): (192, 2048, 8),
    ("azure", "Standard_NC40ads_H100_v5"): (40, 320, 1), ("azure", "Standard_NC80adis_H100_v5"): (80, 640, 2),
    ("gcp", "g2-standard-4"): (4, 16, 1), ("gcp", "g2-standard-8"): (8, 32, 1), ("gcp", "g2-standard-12"): (12, 48, 1),
    ("gcp", "g2-standard-16"): (16, 64, 1), ("gcp", "g2-standard-24"): (24, 96, 2), ("gcp", "g2-standard-32"): (32, 128, 1),
    ("gcp", "g2-standard-48"): (48, 192, 4), ("gcp", "g2-standard-96"): (96, 384, 8),
}  # fmt: skip


@pytest.mark.parametrize(("cloud", "instance_type"), sorted(READ))
def test_a_row_read_from_the_clouds_data_keeps_its_figures_and_is_not_flagged(cloud, instance_type):
    row = CATALOG.instance(cloud, instance_type)
    assert (row.vcpus, row.memory_gib, row.gpu_count) == READ[cloud, instance_type]
    assert "SPEC_UNVERIFIED" not in row.flags
    assert "(read 2026-12-02)" in row.spec_source and "from knowledge" not in row.spec_source


def test_the_flag_stays_on_the_rows_not_read():
    unread = sorted(r.instance_type for r in CATALOG.instances if "SPEC_UNVERIFIED" in r.flags)
    assert unread == ["e2-standard-4"]
    assert all("from knowledge" in r.spec_source for r in CATALOG.instances if "SPEC_UNVERIFIED" in r.flags)
