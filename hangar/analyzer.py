"""Run a policy pack the way the Pulumi CLI does and ask it for verdicts over its gRPC Analyzer protocol.

The pack is started as its own process (`python -u <pack dir>`), announces its port on stdout,
and is then configured and asked, resource by resource (`Analyze`) and for the whole stack
(`AnalyzeStack`), exactly as `pulumi preview --policy-pack` would. This is how the tests prove
that the pack and `hangar check` agree without the CLI.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator, Sequence

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from hangar.records import ResourceRecord

LEVEL_NAMES = {analyzer_pb2.ADVISORY: "advisory", analyzer_pb2.MANDATORY: "mandatory", analyzer_pb2.DISABLED: "disabled"}
LEVEL_VALUES = {name: value for value, name in LEVEL_NAMES.items()}


class PackClient:
    """A connection to a running policy pack's Analyzer service."""

    def __init__(self, channel: grpc.Channel):
        self.stub = analyzer_pb2_grpc.AnalyzerStub(channel)

    def info(self) -> analyzer_pb2.AnalyzerInfo:
        return self.stub.GetAnalyzerInfo(empty_pb2.Empty())

    def configure(self, config: dict[str, dict[str, Any]]) -> None:
        """Send per-policy config as the CLI does after reconciling it: every entry carries an explicit level.

        `config` maps policy name → {"enforcementLevel": ..., <settings>}. An entry without a level
        is refused here: the protocol would read it as advisory and silently weaken a mandatory policy.
        """
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, entry in config.items():
            settings = dict(entry)
            level = settings.pop("enforcementLevel", None)
            if level not in LEVEL_VALUES:
                raise ValueError(f"{name}: every policy config sent to a pack needs an explicit enforcementLevel; got {level!r}")
            properties = struct_pb2.Struct()
            properties.update(settings)
            request.policyConfig[name].CopyFrom(analyzer_pb2.PolicyConfig(enforcementLevel=LEVEL_VALUES[level], properties=properties))
        self.stub.Configure(request)

    def analyze(self, record: ResourceRecord) -> list[analyzer_pb2.AnalyzeDiagnostic]:
        request = analyzer_pb2.AnalyzeRequest(
            type=record.type,
            properties=_struct(record.inputs),
            urn=record.urn,
            name=record.name,
            options=_options(record),
            provider=_provider(record),
        )
        return list(self.stub.Analyze(request).diagnostics)

    def analyze_stack(self, records: Sequence[ResourceRecord]) -> list[analyzer_pb2.AnalyzeDiagnostic]:
        resources = [
            analyzer_pb2.AnalyzerResource(
                type=record.type,
                properties=_struct(record.inputs),
                urn=record.urn,
                name=record.name,
                options=_options(record),
                parent=record.parent or "",
                dependencies=list(record.dependencies),
                provider=_provider(record),
            )
            for record in records
        ]
        return list(self.stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources)).diagnostics)

    def verdicts(self, records: Sequence[ResourceRecord]) -> list[tuple[str, str, str, str]]:
        """(policy, urn, message, level) of every diagnostic, as the CLI would collect them for one preview."""
        diagnostics = [d for record in records for d in self.analyze(record)] + self.analyze_stack(records)
        return sorted((d.policyName, d.urn, _finding_text(d), LEVEL_NAMES.get(d.enforcementLevel, str(d.enforcementLevel))) for d in diagnostics)


@contextlib.contextmanager
def running_pack(pack_dir: Path, *, project: str = "hangar", stack: str = "stack", timeout: float = 60) -> Iterator[PackClient]:
    """Start the pack as the CLI does (unbuffered, in its directory), yield a client, stop it after."""
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "PULUMI_PROJECT": project, "PULUMI_STACK": stack, "PULUMI_DRY_RUN": "true"}
    process = subprocess.Popen(
        [sys.executable, "-u", str(pack_dir)], cwd=pack_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    )
    try:
        port_line = process.stdout.readline() if process.stdout else ""
        if not port_line.strip().isdigit():
            process.kill()
            _, stderr = process.communicate(timeout=timeout)
            raise RuntimeError(f"the policy pack in {pack_dir} did not start: {stderr.strip() or port_line!r}")
        channel = grpc.insecure_channel(f"127.0.0.1:{port_line.strip()}")
        grpc.channel_ready_future(channel).result(timeout=timeout)
        with channel:
            yield PackClient(channel)
    finally:
        process.kill()
        process.wait(timeout=timeout)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _options(record: ResourceRecord) -> analyzer_pb2.AnalyzerResourceOptions:
    """The options as the engine sends them: the parent, and customTimeouts in seconds (always set, zero = none)."""
    timeouts = record.custom_timeouts or {}
    return analyzer_pb2.AnalyzerResourceOptions(
        parent=record.parent or "",
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(**{key: timeouts.get(key, 0.0) for key in ("create", "update", "delete")}),
    )


def _provider(record: ResourceRecord) -> analyzer_pb2.AnalyzerProviderResource | None:
    """The provider reference as the engine sends it: the provider's URN, type and name."""
    urn = record.provider_urn
    if urn is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(urn=urn, type=urn.split("::")[2].split("$")[-1], name=urn.split("::")[3])


def _finding_text(diagnostic: analyzer_pb2.AnalyzeDiagnostic) -> str:
    """The violation's own text: pulumi_policy prefixes it with the policy's description and a newline."""
    prefix = f"{diagnostic.description}\n"
    return diagnostic.message[len(prefix) :] if diagnostic.message.startswith(prefix) else diagnostic.message


def _struct(inputs: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(inputs)
    return message

