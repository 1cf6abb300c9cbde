"""Kubernetes pod discovery without a cluster: the targets Prometheus's `kubernetes_sd_configs` (role `pod`)
would find, written for `file_sd_configs`, and real HTTP servers standing in for the pods.

Debian's prometheus 2.42 is built without Kubernetes discovery, so the tests feed the real server
the targets that discovery would produce, through file discovery. The labels are exactly those of
Prometheus v2.42.0's pod role (prometheus/prometheus tag v2.42.0, commit
225c61122d88b01d1f0eaaee0e05b6f3e0567ac0, discovery/kubernetes/pod.go `podLabels` and `buildPod`, read
2026-12-01; documented in docs/configuration/configuration.md at that tag, `kubernetes_sd_config`, role pod):

* per pod (the target group's labels): `__meta_kubernetes_namespace`, `__meta_kubernetes_pod_name`, `_pod_ip`,
  `_pod_ready` (the Ready condition's status in lower case), `_pod_phase`, `_pod_node_name`, `_pod_host_ip`,
  `_pod_uid`, `_pod_controller_kind` and `_pod_controller_name` (of the controller owner reference),
  `_pod_label_<name>` and `_pod_labelpresent_<name>` ("true") per label, `_pod_annotation_<name>` and
  `_pod_annotationpresent_<name>` per annotation, names sanitised (every character outside [a-zA-Z0-9_]
  becomes `_`);
* per declared container port (one target each, `__address__` = pod IP:port): `_pod_container_name`,
  `_pod_container_id`, `_pod_container_image`, `_pod_container_port_number`, `_pod_container_port_name`,
  `_pod_container_port_protocol`, `_pod_container_init` ("false" for a regular container).

The pod IPs are loopback addresses (127.a.b.c, all routed to this host on Linux), so `__address__` is
the pod's own IP and its real container port, as discovery writes it, and a server listens there.
The discovery's `namespaces.names` restriction is a watch on those namespaces' pods in the Kubernetes
API, not relabelling, so `file_sd_groups` applies it by listing only those namespaces' pods.
"""

from __future__ import annotations

import dataclasses
import errno
import http.server
import random
import re
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

META = "__meta_kubernetes_"


@dataclasses.dataclass(frozen=True)
class Port:
    name: str
    number: int
    protocol: str = "TCP"


@dataclasses.dataclass(frozen=True, eq=False)
class Pod:
    """A running pod as discovery sees it: one container (its ports), its labels and annotations, its controller (each pod its own key)."""

    namespace: str
    name: str
    labels: dict[str, str]
    ports: tuple[Port, ...]
    controller: tuple[str, str] = ("ReplicaSet", "")
    annotations: dict[str, str] = dataclasses.field(default_factory=dict)
    container: str = "main"
    image: str = "example/image:1"
    node: str = "node-1"


def sanitised(name: str) -> str:
    """Prometheus's `strutil.SanitizeLabelName`: every character outside [a-zA-Z0-9_] becomes `_`."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


def pod_group(pod: Pod, ip: str) -> list[dict[str, Any]]:
    """The file_sd target groups of one pod: one per declared port, each with the pod's and the port's labels."""
    labels = {
        f"{META}namespace": pod.namespace,
        f"{META}pod_name": pod.name,
        f"{META}pod_ip": ip,
        f"{META}pod_ready": "true",
        f"{META}pod_phase": "Running",
        f"{META}pod_node_name": pod.node,
        f"{META}pod_host_ip": "10.0.0.1",
        f"{META}pod_uid": f"uid-{pod.name}",
        f"{META}pod_controller_kind": pod.controller[0],
        f"{META}pod_controller_name": pod.controller[1],
    }
    for key, value in pod.labels.items():
        labels[f"{META}pod_label_{sanitised(key)}"] = value
        labels[f"{META}pod_labelpresent_{sanitised(key)}"] = "true"
    for key, value in pod.annotations.items():
        labels[f"{META}pod_annotation_{sanitised(key)}"] = value
        labels[f"{META}pod_annotationpresent_{sanitised(key)}"] = "true"
    return [
        {
            "targets": [f"{ip}:{port.number}"],
            "labels": labels
            | {
                f"{META}pod_container_name": pod.container,
                f"{META}pod_container_id": f"containerd://{pod.name}",
                f"{META}pod_container_image": pod.image,
                f"{META}pod_container_port_number": str(port.number),
                f"{META}pod_container_port_name": port.name,
                f"{META}pod_container_port_protocol": port.protocol,
                f"{META}pod_container_init": "false",
            },
        }
        for port in pod.ports
    ]


def file_sd_groups(discovery: dict[str, Any], pods: dict[Pod, str]) -> list[dict[str, Any]]:
    """What one `kubernetes_sd_configs` entry (role pod) finds among `pods` (pod -> IP): the pods of its namespaces, or all."""
    if discovery.get("role") != "pod":
        raise ValueError(f"only the pod role is emulated, not {discovery.get('role')!r}")
    names = (discovery.get("namespaces") or {}).get("names") or []
    return [group for pod, ip in pods.items() if not names or pod.namespace in names for group in pod_group(pod, ip)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Page(http.server.BaseHTTPRequestHandler):
    pages: dict[tuple[str, int], Callable[[], str]] = {}

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        host, port = self.server.server_address[:2]
        body = self.pages[(host, port)]().encode() if self.path == "/metrics" else b""
        self.send_response(200 if self.path == "/metrics" else 404)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serving(pages: dict[tuple[Pod, int], Callable[[], str]], pods: list[Pod]) -> Iterator[dict[Pod, str]]:
    """Give each pod a loopback IP and serve `pages[(pod, port)]` on its ports; yields pod -> IP.

    The block 127.a.b.0/24 is picked at random, so that two test runs on one machine do not collide;
    a port already taken there is tried again elsewhere.
    """
    for _attempt in range(20):
        block = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}"
        ips = {pod: f"{block}.{index + 2}" for index, pod in enumerate(pods)}
        servers: list[http.server.ThreadingHTTPServer] = []
        try:
            for (pod, port), page in pages.items():
                server = http.server.ThreadingHTTPServer((ips[pod], port), _Page)
                _Page.pages[(ips[pod], port)] = page
                servers.append(server)
        except OSError as error:
            for server in servers:
                server.server_close()
            if error.errno == errno.EADDRINUSE:
                continue
            raise
        threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
        for thread in threads:
            thread.start()
        try:
            yield ips
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()
        return
    raise RuntimeError("no free loopback block for the pods' servers after 20 tries")
