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
