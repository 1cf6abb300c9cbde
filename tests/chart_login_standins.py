"""The example stacks with an OCI chart mirror each, and the stand-in cloud CLIs their chart-mirror login scripts are run against: what the workflow and operator login tests share."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from hangar.stackfile import environment_from_config, read_project, read_stack_config
from tests.conftest import ROOT
from tests.workflow_checks import STACKS

MIRRORS = {
    "eks-prod": "oci://111122223333.dkr.ecr.us-east-1.amazonaws.com/charts",
    "gke-dev": "oci://us-docker.pkg.dev/hangar-dev/charts",
    "aks-staging": "oci://hangarmirror.azurecr.io/charts",
    "edge": "oci://harbor.dc1.internal:8443/charts",
}


def environments(mirrors: dict[str, str]) -> dict[str, Any]:
    """The example environments, each cluster of the stacks in `mirrors` naming that chart repository."""
    project, result = read_project(ROOT), {}
    for stack in STACKS:
        raw = read_stack_config(project, stack)["hangar:environment"]
        for cluster in raw["clusters"] if stack in mirrors else ():
            cluster["chart_repository"] = mirrors[stack]
        result[stack] = environment_from_config(raw, f"Pulumi.{stack}.yaml", base=ROOT)
    return result


RECORDER = r"""#!/bin/sh
# Records its name, arguments and standard input; prints a token when asked for one; fails when FAIL names it.
line="$(basename "$0")"; for a in "$@"; do line="$line [$a]"; done
printf '%s\n' "$line" >> "$CALLS"  # one write: the two ends of a pipe run at once
[ "$FAIL" = "$(basename "$0")" ] && exit 3
case "$(basename "$0") $*" in
  "helm registry login"*) printf 'stdin=%s\n' "$(cat)" >> "$CALLS" ;;
  "aws ecr get-login-password"*) printf 'ecr-token' ;;
  "az acr login"*) printf 'acr-token' ;;
  "gcloud auth print-access-token"*) printf 'gcp-token' ;;
esac
"""

# What the recorder writes when a job or pod logs in to each example's cloud registry: the vendor CLI's token
# command, then helm given that token on stdin.
CLOUD_LOGINS = {
    "eks-prod": ["aws [ecr] [get-login-password] [--region] [us-east-1]",
                 "helm [registry] [login] [--username] [AWS] [--password-stdin] [111122223333.dkr.ecr.us-east-1.amazonaws.com]", "stdin=ecr-token"],
    "gke-dev": ["gcloud [auth] [print-access-token]",
                "helm [registry] [login] [us-docker.pkg.dev] [--username] [oauth2accesstoken] [--password-stdin]", "stdin=gcp-token"],
    "aks-staging": ["az [acr] [login] [--name] [hangarmirror] [--expose-token] [--output] [tsv] [--query] [accessToken]",
                    "helm [registry] [login] [hangarmirror.azurecr.io] [--username] [00000000-0000-0000-0000-000000000000] [--password-stdin]",
                    "stdin=acr-token"],
}  # fmt: skip


def stand_ins(where: Path, tools: tuple[str, ...]) -> Path:
    """A new directory `where/bin` holding the recorder as each of `tools`, to put first on PATH."""
    bin_dir = where / "bin"
    bin_dir.mkdir(parents=True)
    for name in tools:
        (bin_dir / name).write_text(RECORDER)
        (bin_dir / name).chmod(stat.S_IRWXU)
    return bin_dir
