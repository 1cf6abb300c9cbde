"""The real Prometheus server (Debian's `prometheus` package, the one `promtool` comes from), run on a scrape configuration.

`running(config, tmp_path)` starts it on a free loopback port with that configuration and a scratch
TSDB, and yields a client for its HTTP API (`/api/v1/targets`, `/api/v1/query`: prometheus.io/docs/
prometheus/2.42/querying/api/). Without the binary the test fails with the one command that installs it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.kube_discovery import free_port
from tests.promql import INSTALL


def prometheus() -> str:
    path = shutil.which("prometheus")
    if path is None:
        pytest.fail(f"prometheus (the real server) is not installed; install it with: {INSTALL}  (bin/test does, as root)")
    return path


class Api:
    """A running server's HTTP API."""

    def __init__(self, url: str):
        self.url = url

    def get(self, path: str, **params: str) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.url}{path}{query}", timeout=10) as response:
            body = json.load(response)
        assert body["status"] == "success", body
        return body["data"]

    def targets(self) -> dict[str, list[dict[str, Any]]]:
        return self.get("/api/v1/targets")

    def query(self, expr: str) -> list[dict[str, Any]]:
        return self.get("/api/v1/query", query=expr)["result"]

    def wait_for_scrapes(self, expected_active: int, timeout: float = 60.0) -> dict[str, list[dict[str, Any]]]:
        """Wait until `expected_active` targets are active and each has been scraped once (healthy)."""
        deadline = time.monotonic() + timeout
        targets: dict[str, list[dict[str, Any]]] = {}
        while time.monotonic() < deadline:
            targets = self.targets()
            active = targets["activeTargets"]
            if len(active) >= expected_active and all(t["health"] == "up" for t in active):
                return targets
            time.sleep(0.3)
        raise AssertionError(f"the targets did not all come up in {timeout:.0f} s: {json.dumps(targets, indent=1)[:4000]}")


@contextmanager
def running(config: dict[str, Any], tmp_path: Path) -> Iterator[Api]:
    """Run the server on `config` (a Prometheus configuration as a dict) until the block ends."""
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    port = free_port()
    log = (tmp_path / "prometheus.log").open("w")
    process = subprocess.Popen(
        [prometheus(), f"--config.file={path}", f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    api = Api(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise AssertionError(f"prometheus exited with {process.returncode}: {(tmp_path / 'prometheus.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{api.url}/-/ready", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"prometheus was not ready in 30 s: {(tmp_path / 'prometheus.log').read_text()[-3000:]}")
            time.sleep(0.2)
        yield api
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
