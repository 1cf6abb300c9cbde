"""`hangar render`: a stack's Kubernetes objects as YAML manifests, one file per object."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from hangar.cli.app import NoCacheOption, ProjectOption, StackArgument, app, fail, out
from hangar.planerror import PlanError
from hangar.render import RenderError, render_plan, write_rendering
from hangar.stackfile import StackConfigError
from hangar.stackservice import stack_records


@app.command()
def render(
    stack: str = StackArgument,
    out_dir: Path = typer.Option(..., "--out", "-o", help="Directory to write into; the manifests go to OUT/STACK/.", show_default=False),
    no_cache: bool = NoCacheOption,
    project: Path = ProjectOption,
) -> None:
    """Write every Kubernetes object of STACK's offline plan as a YAML manifest, for review and for GitOps tools.

    One file per object, under OUT/STACK/:

      CLUSTER/NAMESPACE/KIND-NAME.yaml  a namespaced object (KIND in lower case)
      CLUSTER/_cluster/KIND-NAME.yaml   a cluster-scoped object (the Namespace)
      helm-releases.yaml                not manifests: Helm releases, by cluster

    CLUSTER is the cluster's name in the stack config: point a GitOps tool at OUT/STACK/CLUSTER/. Custom resources (KEDA ScaledObject, LeaderWorkerSet) are included. Helm releases (KEDA, the GPU Operator, LeaderWorkerSet) are not Kubernetes objects: helm-releases.yaml lists their chart, repository, version, namespace and values, outside the cluster directories.

    A Secret is written without its values: no data or stringData, and an annotation names the Pulumi secret config key that feeds it.

    The files an earlier render wrote (OUT/STACK/.hangar-render lists them) are deleted first, so no file of an object the stack no longer has lingers; no other file is ever deleted or overwritten (a render that would overwrite one is refused), and nothing else in OUT is touched. A non-empty OUT/STACK/ without .hangar-render is refused, and so is a second render into OUT while one is writing there. Exit 2 on a bad stack, program or directory.
    """
    try:
        plan, notes = stack_records(project, stack, cache=not no_cache)
        rendering = render_plan(plan)
        target = write_rendering(rendering, out_dir)
    except StackConfigError as error:
        raise fail([str(p) for p in error.problems])
    except RenderError as error:
        raise fail([f"stack {stack}: {line}" for line in error.problems])
    except (PlanError, ValueError) as error:
        raise fail([f"stack {stack}: {line}" for line in str(error).splitlines() if line.strip()])
    except OSError as error:
        raise fail([f"stack {stack}: cannot write {error.filename or out_dir}: {error.strerror or error}"])
    files = rendering.files()
    manifests = len(rendering.objects)
    clusters = ", ".join(rendering.clusters) or "none"
    out.print(f"wrote {manifests} manifest{'s' if manifests != 1 else ''} of stack {escape(stack)} to {escape(str(target))}/ (clusters: {escape(clusters)})", soft_wrap=True)
    for relative in files:
        out.print(f"  {escape(relative)}", soft_wrap=True)
    if not rendering.objects:
        out.print("[dim]note: the stack's plan has no Kubernetes objects[/dim]", soft_wrap=True)
    for note in (*notes, *rendering.notes):
        out.print(f"[dim]note: {escape(note)}[/dim]", soft_wrap=True)
