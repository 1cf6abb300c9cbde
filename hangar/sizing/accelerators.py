"""Accelerators with their catalog performance: the datasheet peaks of `accelerator_performance.csv`
over the memory and bandwidth of `gpus.csv` / `tpus.csv`."""

from __future__ import annotations

from hangar.catalog import Catalog, Gpu, TpuMachine

from .memory import Accelerator


def with_performance(catalog: Catalog, device: Gpu | TpuMachine | Accelerator) -> Accelerator:
    """`device` as an Accelerator carrying the catalog's datasheet figures where it has them."""
    acc = Accelerator.of(device)
    return acc.with_performance(catalog.performance.get(acc.name))


def accelerator_named(catalog: Catalog, name: str) -> Accelerator:
    """A GPU by its catalog name, or a TPU chip as 'TPU <generation>' (KeyError when unknown)."""
    if name in catalog.gpus:
        return with_performance(catalog, catalog.gpus[name])
    for tpu in catalog.tpus:
        if f"TPU {tpu.generation}" == name:
            return with_performance(catalog, tpu)
    raise KeyError(name)
