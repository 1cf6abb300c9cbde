# Sourced by bin/hangar and bin/test: make .venv with everything Hangar needs, once.
# It reinstalls only when pyproject.toml changes (a stamp holds its hash).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
stamp="$venv/.hangar-install-stamp"
python=${HANGAR_PYTHON:-python3}
want=$(sha256sum "$root/pyproject.toml" | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "hangar: needs Python 3.10 or newer as '$python' (set HANGAR_PYTHON to another interpreter)" >&2
    exit 2
  fi
  echo "hangar: installing into $venv (first run only; about a minute)..." >&2
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv>=0.4"
  # Byte-compile at install time: the provider SDKs are ~14,000 files and would
  # otherwise be recompiled on every run where PYTHONDONTWRITEBYTECODE is set.
  "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" --compile-bytecode -e "$root[test]"
  echo "$want" > "$stamp"
fi

# promtool, from Debian's `prometheus` package, runs the PromQL tests (tests/test_promql.py) on the real
# Prometheus engine. bin/test installs it when it is missing and this user can (root with apt-get);
# elsewhere those tests fail with the command that installs it. Services are not started by the install.
ensure_promtool() {
  command -v promtool >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    return 0
  fi
  echo "hangar: installing promtool (apt-get install -y prometheus)..." >&2
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -q prometheus)
  if ! "${install[@]}" >/dev/null 2>&1; then
    # The package lists may be missing or stale on a fresh machine.
    apt-get update -q >/dev/null 2>&1 || true
    "${install[@]}" >/dev/null 2>&1 || echo "hangar: could not install promtool; the PromQL tests will fail and say how to install it" >&2
  fi
}
