"""A plan's Kubernetes objects as YAML manifests, for review and for GitOps tools that apply manifests.

What `hangar render` writes. The inputs recorded for a Kubernetes resource already are its manifest
(`apiVersion`, `kind`, `metadata`, `spec`, ...); `manifest` turns them from Pulumi's wire form into
plain YAML data, and `render_plan` lays every object of a plan out as one file:

    <stack>/<cluster>/<namespace>/<kind>-<name>.yaml   a namespaced object
    <stack>/<cluster>/_cluster/<kind>-<name>.yaml      a cluster-scoped object (a Namespace, ...)
    <stack>/helm-releases.yaml                          not manifests: the Helm releases, per cluster

One file per object, so a review or a GitOps diff shows one object's change in one file. `<cluster>`
is the name of the component that owns the Kubernetes provider the object is created through (for
Hangar, the cluster's name in the stack config; otherwise the provider's own name, `default` for
Pulumi's default provider): point a GitOps tool at `<stack>/<cluster>/`, one application per
cluster. `<kind>` is lower case; custom resources (a KEDA ScaledObject, a LeaderWorkerSet) are
objects like any other. A namespaced object the program gives no namespace gets its provider's
default namespace (`default` unless the provider names one), written into the manifest.

Helm releases (`kubernetes:helm.sh/v3:Release`) are not Kubernetes objects but instructions to Helm;
`helm-releases.yaml` lists them (cluster, release name, chart, repository, version, namespace,
values) so they can be installed by Helm or a GitOps tool's Helm support before the manifests that
need their CRDs. It sits outside the cluster directories so that no manifest-applying tool reads it.

Secrets: a `Secret` is written without `data` and `stringData`, never with a value, and annotated
`hangar.dev/values-not-rendered`, which says where the values come from (the Secret's
`hangar.dev/secret-source` annotation names the Pulumi secret config key, e.g.
`token=hangar:huggingface_token`). Applied by a GitOps tool, such a Secret is created empty: fill it
from a secret manager, or leave Secrets to Pulumi. Any other value the plan holds as secret stays the
plan's "[secret]" marker, and the rendering notes it.

Pure: `render_plan` reads a `Plan` and returns text per path; `write_rendering` is the one function
that touches the disk, and it only ever deletes or replaces files of the stack's own directory that
an earlier render wrote (its `.hangar-render` manifest lists them).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

import yaml

from hangar.records import SECRET, UNKNOWN, Plan, ResourceRecord

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
SECRET_SOURCE = "hangar.dev/secret-source"
"""Annotation on a Secret naming, per key, the Pulumi config key its value comes from: `token=hangar:huggingface_token`."""
VALUES_NOT_RENDERED = "hangar.dev/values-not-rendered"
"""Annotation `hangar render` puts on a Secret whose values it left out."""
CLUSTER_DIRECTORY = "_cluster"
HELM_RELEASES_FILE = "helm-releases.yaml"
SAFE_PART = re.compile(r"^[A-Za-z0-9_][-A-Za-z0-9_.]*$")
"""What a cluster, namespace, kind or name must look like to become part of a file's path (never '..', never a '/')."""
MARKER = ".hangar-render"
"""The file that marks a directory as written by `hangar render` and lists the files it wrote: the only ones the next render may delete."""

CLUSTER_SCOPED = frozenset(
    {
        "APIService", "CSIDriver", "CSINode", "CertificateSigningRequest", "ComponentStatus", "CustomResourceDefinition",
        "FlowSchema", "IngressClass", "MutatingWebhookConfiguration", "Namespace", "Node", "PersistentVolume",
        "PriorityClass", "PriorityLevelConfiguration", "RuntimeClass", "StorageClass", "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding", "ValidatingWebhookConfiguration", "VolumeAttachment",
    }
)  # fmt: skip
"""Built-in cluster-scoped kinds; any kind named `Cluster...` (ClusterRole, ClusterIssuer, ...) is taken as one too."""


class RenderError(Exception):
    """A plan that cannot be rendered, or a directory that must not be replaced; one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# --- one record ------------------------------------------------------------------------------------


def is_kubernetes_object(record: ResourceRecord) -> bool:
    """A Kubernetes object the program creates (not a provider, not a Helm release, not a component)."""
    return record.custom and record.type.startswith("kubernetes:") and not record.type.startswith("kubernetes:helm.sh/")


def is_helm_release(record: ResourceRecord) -> bool:
    return record.custom and record.type == HELM_RELEASE


def manifest(record: ResourceRecord) -> dict[str, Any]:
    """The record's inputs as a Kubernetes manifest: integral floats as ints; a secret value stays the "[secret]" marker."""
    return _plain(record.inputs)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def without_secret_values(document: dict[str, Any]) -> dict[str, Any]:
    """A Secret without `data` and `stringData`, annotated with where its values come from; any other document as it is."""
    if document.get("kind") != "Secret" or document.get("apiVersion") != "v1":
        return document
    metadata = dict(document.get("metadata") or {})
    annotations = dict(metadata.get("annotations") or {})
    source = annotations.get(SECRET_SOURCE)
    where = f"Pulumi sets them from its secret config ({source})" if source else "Pulumi sets them from the program's secret inputs"
    annotations[VALUES_NOT_RENDERED] = f"hangar render writes no secret values; {where}"
    metadata["annotations"] = annotations
    return {key: value for key, value in document.items() if key not in ("data", "stringData")} | {"metadata": metadata}


def is_cluster_scoped(kind: str) -> bool:
    return kind in CLUSTER_SCOPED or kind.startswith("Cluster")


# --- a plan ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RenderedObject:
    """One Kubernetes object of a plan, as written: its file (relative to the stack directory) and document."""

    path: PurePosixPath
    cluster: str
    document: dict[str, Any]
    record: ResourceRecord


@dataclasses.dataclass(frozen=True)
class Rendering:
    """Every Kubernetes object of a plan, its Helm releases, and notes for the reader."""

    stack: str
    objects: tuple[RenderedObject, ...]
    helm_releases: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = ()

    def files(self) -> dict[str, str]:
        """Relative path (POSIX) -> YAML text, in a stable order."""
        files = {str(item.path): _object_text(self.stack, item) for item in self.objects}
        if self.helm_releases:
            files[HELM_RELEASES_FILE] = _helm_text(self.stack, self.helm_releases)
        return dict(sorted(files.items()))

    @property
    def clusters(self) -> list[str]:
        return sorted({item.cluster for item in self.objects} | {release["cluster"] for release in self.helm_releases})


def render_plan(plan: Plan) -> Rendering:
    """Lay out every Kubernetes object and Helm release of `plan`; RenderError if two objects would share a file."""
    by_urn = {record.urn: record for record in plan}
    objects: list[RenderedObject] = []
    releases: list[dict[str, Any]] = []
    notes: list[str] = []
    for record in plan:
        if is_helm_release(record):
            releases.append(_helm_release(record, _cluster_of(record, by_urn)))
            if SECRET in json.dumps(record.inputs["values"] if "values" in record.inputs else {}):
                notes.append(f"Helm release {record.name}: some values are secret in the plan and are written as {SECRET!r}")
            continue
        if not is_kubernetes_object(record):
            continue
        if record.type.endswith("Patch"):
            notes.append(f"{record.name} ({record.type}): a patch of an object the program does not own; not written")
            continue
        document = manifest(record)
        if not isinstance(document.get("apiVersion"), str) or not isinstance(document.get("kind"), str):
            notes.append(f"{record.name} ({record.type}): no apiVersion and kind in its inputs; not written")
            continue
        cluster = _cluster_of(record, by_urn)
        document, moved = _named(document, record, _default_namespace(record, by_urn))
        notes += moved
        written = without_secret_values(document)
        text = json.dumps(written)
        if SECRET in text:
            notes.append(f"{written['kind']}/{written['metadata']['name']}: a value is secret in the plan and is written as {SECRET!r}")
        if UNKNOWN in text:
            notes.append(f"{written['kind']}/{written['metadata']['name']}: a value is known only once deployed and is written as {UNKNOWN!r}")
        metadata = written["metadata"]
        folder = CLUSTER_DIRECTORY if is_cluster_scoped(written["kind"]) else metadata["namespace"]
        path = PurePosixPath(cluster, folder, f"{written['kind'].lower()}-{metadata['name']}.yaml")
        if not all(SAFE_PART.match(part) for part in (cluster, folder, written["kind"], metadata["name"])):
            raise RenderError([f"{record.name} ({record.type}): {path} is not a safe file name (cluster, namespace, kind and name must be DNS-like)"])
        objects.append(RenderedObject(path, cluster, written, record))
    clashes: dict[PurePosixPath, list[str]] = {}
    for item in objects:
        clashes.setdefault(item.path, []).append(f"{item.record.name} ({item.record.type})")
    problems = [f"{path}: written by {len(names)} objects: {', '.join(sorted(names))}" for path, names in clashes.items() if len(names) > 1]
    if problems:
        raise RenderError(problems)
    # Nothing follows registration order, which can change between runs: objects by path, releases by cluster/namespace/name.
    releases.sort(key=lambda release: (release["cluster"], str(release["namespace"]), str(release["name"])))
    return Rendering(plan.stack, tuple(sorted(objects, key=lambda item: str(item.path))), tuple(releases), tuple(sorted(set(notes))))


def _cluster_of(record: ResourceRecord, by_urn: dict[str, ResourceRecord]) -> str:
    """The name of the component owning the record's Kubernetes provider, else the provider's name."""
    if not record.provider:
        return "default"
    provider = by_urn.get(record.provider_urn or "")
    if provider is None:  # Pulumi's default provider, which the program never registers
        return "default"
    owner = by_urn.get(provider.parent or "")
    return owner.name if owner is not None and not owner.custom else provider.name


def _default_namespace(record: ResourceRecord, by_urn: dict[str, ResourceRecord]) -> str:
    provider = by_urn.get(record.provider_urn or "")
    namespace = provider.inputs.get("namespace") if provider is not None else None
    return namespace if isinstance(namespace, str) and namespace not in (SECRET, UNKNOWN) else "default"


def _named(document: dict[str, Any], record: ResourceRecord, default_namespace: str) -> tuple[dict[str, Any], list[str]]:
    """The document with a name and, when namespaced, a namespace; notes for what was filled in."""
    metadata = dict(document.get("metadata") or {})
    notes = []
    if not isinstance(metadata.get("name"), str) or metadata["name"] in (SECRET, UNKNOWN):
        metadata["name"] = record.name
        notes.append(
            f"{document['kind']}/{record.name}: no metadata.name in the program (Pulumi adds a random suffix when it creates it); written as {record.name!r}"
        )
    if is_cluster_scoped(document["kind"]):
        metadata.pop("namespace", None)
    elif not isinstance(metadata.get("namespace"), str) or metadata["namespace"] in (SECRET, UNKNOWN):
        metadata["namespace"] = default_namespace
    return {**document, "metadata": metadata}, notes


def _helm_release(record: ResourceRecord, cluster: str) -> dict[str, Any]:
    inputs = _plain(record.inputs)
    release: dict[str, Any] = {"cluster": cluster, "name": inputs.get("name", record.name), "chart": inputs.get("chart")}
    repository = (inputs.get("repositoryOpts") or {}).get("repo")
    if repository:
        release["repository"] = repository
    release["version"] = inputs.get("version")
    release["namespace"] = inputs.get("namespace", "default")
    release["createNamespace"] = bool(inputs.get("createNamespace", False))
    release["values"] = inputs.get("values") or {}
    return release


# --- text ------------------------------------------------------------------------------------------

FIRST_KEYS = ("apiVersion", "kind", "metadata")
FIRST_METADATA_KEYS = ("name", "namespace", "labels", "annotations")


def _ordered(document: dict[str, Any]) -> dict[str, Any]:
    """apiVersion, kind, metadata (name, namespace, labels, annotations, ...) first; every other map by key: stable diffs."""
    metadata = document.get("metadata") or {}
    metadata_keys = [key for key in FIRST_METADATA_KEYS if key in metadata] + sorted(key for key in metadata if key not in FIRST_METADATA_KEYS)
    ordered: dict[str, Any] = {key: document[key] for key in FIRST_KEYS[:2] if key in document}
    if "metadata" in document:
        ordered["metadata"] = {key: _sorted(metadata[key]) for key in metadata_keys}
    for key in sorted(key for key in document if key not in FIRST_KEYS):
        ordered[key] = _sorted(document[key])
    return ordered


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


class _Dumper(yaml.SafeDumper):
    """Block style; multi-line strings (scripts, prompt templates) as literal blocks where YAML allows."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _string)


def to_yaml(document: Any) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1_000_000)


def _object_text(stack: str, item: RenderedObject) -> str:
    header = f"# Rendered by `hangar render {stack}` from Pulumi resource {item.record.name} ({item.record.type}).\n"
    return header + to_yaml(_ordered(item.document))


def _helm_text(stack: str, releases: tuple[dict[str, Any], ...]) -> str:
    header = (
        f"# Rendered by `hangar render {stack}`. Not Kubernetes manifests: the Helm releases Pulumi installs for this stack,\n"
        "# per cluster. Install them (helm, or your GitOps tool's Helm support) before the manifests that use their CRDs.\n"
    )
    return header + to_yaml({"releases": [_sorted_release(release) for release in releases]})


def _sorted_release(release: dict[str, Any]) -> dict[str, Any]:
    return {key: _sorted(value) if key == "values" else value for key, value in release.items()}


# --- the disk --------------------------------------------------------------------------------------


def write_rendering(rendering: Rendering, out: Path) -> Path:
    """Write the rendering to `out/<stack>/`, deleting the files an earlier render listed in its manifest; return that directory.

    Only files Hangar wrote are ever deleted or replaced: `out/<stack>/.hangar-render` lists them
    (relative paths, one a line), and a file not on that list is never touched — where the new
    rendering would write over one, the render is refused (RenderError) before anything changes.
    A directory without the marker must be empty. Two renders into one `out` do not interleave:
    the second is refused while the first holds `out` (an advisory lock, released when the first
    ends, however it ends).
    """
    target = out / rendering.stack
    if out.exists() and not out.is_dir():
        raise RenderError([f"--out {out}: not a directory"])
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise RenderError([f"{target}: exists and is not a directory; remove it or choose another --out"])
    out.mkdir(parents=True, exist_ok=True)
    with _exclusive(out):
        if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
            raise RenderError([f"{target}: exists, is not empty and was not written by hangar render (no {MARKER}); remove it or choose another --out"])
        previous = read_manifest(target)
        files = rendering.files()
        foreign = [relative for relative in files if relative not in previous and (target / relative).exists()]
        if foreign:
            raise RenderError([f"{target / relative}: exists and was not written by hangar render (not in {MARKER}); move it or choose another --out" for relative in foreign])
        for relative in sorted(previous):
            path = target / relative
            if path.is_file() and not path.is_symlink():
                path.unlink()
        _remove_empty_directories(target)
        target.mkdir(parents=True, exist_ok=True)
        # The manifest first: an interrupted render leaves a list that covers every file it may have written.
        (target / MARKER).write_text(_manifest_text(rendering.stack, files), encoding="utf-8")
        for relative, text in files.items():
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return target


def read_manifest(target: Path) -> set[str]:
    """The files an earlier render of `target` wrote, from its marker: safe relative paths only (never '..', never absolute)."""
    try:
        lines = (target / MARKER).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    listed = set()
    for line in lines:
        path = PurePosixPath(line.strip())
        if line.strip() and not line.startswith("#") and not path.is_absolute() and all(SAFE_PART.match(part) for part in path.parts):
            listed.add(str(path))
    return listed


def _manifest_text(stack: str, files: dict[str, str]) -> str:
    header = (
        f"# Written by `hangar render {stack}`. The files listed below are its own: the next render deletes them, and only them,\n"
        "# before writing again. A file not listed here is never deleted or overwritten.\n"
    )
    return header + "".join(f"{relative}\n" for relative in files)


def _remove_empty_directories(target: Path) -> None:
    """Directories under `target` left empty by the clearing, deepest first (never `target` itself, never a symlink)."""
    if not target.is_dir():
        return
    for directory in sorted((path for path in target.rglob("*") if path.is_dir() and not path.is_symlink()), key=lambda path: len(path.parts), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()


@contextlib.contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """Hold an advisory lock on the `out` directory for one render; RenderError at once if another render holds it.

    `fcntl.flock` (POSIX): the kernel drops the lock when its process ends, so an interrupted or
    killed render never leaves `out` locked. Where fcntl does not exist (Windows) renders are not locked.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    descriptor = os.open(out, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RenderError([f"{out}: another hangar render is writing into this directory; run again when it has finished"]) from None
        yield
    finally:
        os.close(descriptor)
