"""Hangar's catalog: GPUs, cloud GPU instances and prices, GKE TPU slices, models, licences, Kubernetes versions.

Pulumi-free: it imports only pydantic and the standard library.  The facts
live in CSV files under `data/`, one row per fact, each with a source and an
as_of date; unknown values are empty cells and load as None.  Nothing is read
until `load_catalog()` is first called.

    >>> from hangar.catalog import load_catalog
    >>> cat = load_catalog()
    >>> cat.gpu("H100-SXM").memory_gib
    80.0
    >>> cat.tpu_slice("v5p", "4x4x4").nodes
    16
"""

from .catalog import Catalog, TpuSliceShape
from .errors import CatalogError, CatalogLookupError, Problem
from .kubernetes import KUBERNETES_CLOUDS, PROVIDER_CLOUD, KubernetesVersion, Support, minor_of
from .licence_row import Licence
from .loader import TABLES, load_catalog
from .model_row import Model
from .performance import AcceleratorPerformance, ServingMeasurement
from .schema import CLOUDS, ZONE_AREAS, Gpu, InstanceType, TpuMachine, is_ai_zone, zone_area
from .topology import parse_topology, topology_chips, topology_hosts

__all__ = [
    "AcceleratorPerformance",
    "CLOUDS",
    "TABLES",
    "ZONE_AREAS",
    "Catalog",
    "CatalogError",
    "CatalogLookupError",
    "Gpu",
    "InstanceType",
    "KUBERNETES_CLOUDS",
    "KubernetesVersion",
    "PROVIDER_CLOUD",
    "Licence",
    "Model",
    "Problem",
    "ServingMeasurement",
    "Support",
    "TpuMachine",
    "TpuSliceShape",
    "is_ai_zone",
    "load_catalog",
    "minor_of",
    "parse_topology",
    "topology_chips",
    "topology_hosts",
    "zone_area",
]
