"""Wire `hangar.policies.rules.POLICIES` into pulumi_policy: one validation policy per rule, with its config schema.

The callbacks turn what the engine sends into the plain `ResourceRecord`s that `hangar check`
judges offline, and report the same findings — so the pack and the offline check agree.
"""

from __future__ import annotations

from typing import Any

from hangar.policies.rules import POLICIES, run_policy
from hangar.policies.rules.base import PolicySpec
from pulumi.runtime.proto import analyzer_pb2
from pulumi.runtime.rpc import UNKNOWN as WIRE_UNKNOWN
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pydantic import ValidationError

from hangar.custom_timeouts import from_seconds
from hangar.records import UNKNOWN, ResourceRecord

LEVELS = {"advisory": EnforcementLevel.ADVISORY, "mandatory": EnforcementLevel.MANDATORY, "disabled": EnforcementLevel.DISABLED}
LEVEL_ADVISORY, LEVEL_MANDATORY = analyzer_pb2.ADVISORY, analyzer_pb2.MANDATORY


def pulumi_policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    return [_pulumi_policy(policy) for policy in POLICIES]


def config_schema(policy: PolicySpec) -> PolicyConfigSchema:
    """The policy's settings as a JSON schema (camelCase keys), without the enforcement level the protocol carries."""
    schema = policy.config_model.model_json_schema(by_alias=True)
    properties = {key: value for key, value in schema.get("properties", {}).items() if key != "enforcementLevel"}
    return PolicyConfigSchema(properties=properties, required=[key for key in schema.get("required", []) if key != "enforcementLevel"])


def _pulumi_policy(policy: PolicySpec) -> ResourceValidationPolicy | StackValidationPolicy:
    def judge(records: list[ResourceRecord], settings: Any, report_violation: ReportViolation) -> None:
        try:
            config = policy.config_model.model_validate(dict(settings or {}))
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                path = ".".join(str(part) for part in detail["loc"])
                report_violation(f"policy config {policy.name}.{path}: {detail['msg']}; got {detail.get('input')!r}", None)
            return
        for finding in run_policy(policy, records, config):
            report_violation(finding.message, finding.urn or None)
            if finding.advisory:
                _cap_last_at_advisory(report_violation)

    if policy.scope == "resource":

        def validate_resource(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
            record = ResourceRecord(
                urn=args.urn,
                type=args.resource_type,
                name=args.name,
                parent=args.opts.parent,
                custom=True,
                inputs=_plain(args.props),
                provider=args.provider.urn if args.provider is not None else None,
                custom_timeouts=_custom_timeouts(args.opts),
            )
            judge([record], args.get_config(), report_violation)

        return ResourceValidationPolicy(
            name=policy.name,
            description=policy.description,
            validate=validate_resource,
            enforcement_level=LEVELS[policy.default_level],
            config_schema=config_schema(policy),
        )

    def validate_stack(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        records = [
            ResourceRecord(
                urn=resource.urn,
                type=resource.resource_type,
                name=resource.name,
                parent=resource.parent.urn if resource.parent is not None else None,
                custom=True,
                inputs=_plain(resource.props),
                provider=resource.provider.urn if resource.provider is not None else None,
                dependencies=tuple(dependency.urn for dependency in resource.dependencies),
                custom_timeouts=_custom_timeouts(resource.opts),
            )
            for resource in args.resources
        ]
        judge(records, args.get_config(), report_violation)

    return StackValidationPolicy(
        name=policy.name,
        description=policy.description,
        validate=validate_stack,
        enforcement_level=LEVELS[policy.default_level],
        config_schema=config_schema(policy),
    )


def _custom_timeouts(opts: Any) -> dict[str, float] | None:
    """The engine's customTimeouts as pulumi_policy 1.21 passes them (`PolicyCustomTimeouts`, seconds, zero = unset)."""
    timeouts = getattr(opts, "custom_timeouts", None)
    if timeouts is None:
        return None
    return from_seconds({"create": timeouts.create_seconds, "update": timeouts.update_seconds, "delete": timeouts.delete_seconds})


def _cap_last_at_advisory(report_violation: ReportViolation) -> None:
    """Lower the diagnostic just reported from mandatory to advisory, as `Finding.advisory` asks.

    pulumi_policy gives one level per policy: its `report_violation` (pulumi-policy 1.21.0,
    pulumi_policy/policy.py `_create_report_violation`) appends an `AnalyzeDiagnostic` to the
    `response` it closes over. If a later version hides that list, the finding stays at the
    policy's level: stricter, never weaker.
    """
    cells = dict(zip(report_violation.__code__.co_freevars, report_violation.__closure__ or ()))
    response = cells["response"].cell_contents if "response" in cells else None
    diagnostics = getattr(response, "diagnostics", None)
    if diagnostics and diagnostics[-1].enforcementLevel == LEVEL_MANDATORY:
        diagnostics[-1].enforcementLevel = LEVEL_ADVISORY


def _plain(props: Any) -> Any:
    """The engine's properties without pulumi_policy's unknown-checking proxies; unknowns as `UNKNOWN`."""
    if hasattr(props, "__getitem__") and not isinstance(props, (str, bytes)):
        try:
            props = props["__target"]
        except (KeyError, IndexError, TypeError):
            pass
    if isinstance(props, dict):
        return {key: _plain(value) for key, value in props.items()}
    if isinstance(props, (list, tuple)):
        return [_plain(value) for value in props]
    return UNKNOWN if props == WIRE_UNKNOWN else props
