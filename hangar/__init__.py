"""Hangar: typed Pulumi infrastructure and policy checks for serving large language models."""

from hangar import planreads as _planreads

_planreads.install()  # first of all: the plan cache keys a plan on the files it read (hangar.planreads)
