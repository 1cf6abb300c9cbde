"""Run a Pulumi Python program offline, under the SDK's mock runtime, and record what it registers.

This is what `pulumi preview` would show, without the CLI, a cloud account or provider plugins:
the program runs for real, the mocks answer for the cloud (`hangar.mocks`), and a recording
resource monitor keeps every registration with its parent and inputs. It works for any Pulumi
Python program, not only Hangar's.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import runpy
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

import pulumi
from pulumi.runtime import rpc, settings
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.stack import run_pulumi_func

from hangar.custom_timeouts import from_strings
from hangar.mocks import PlausibleMocks
from hangar.planerror import PlanError
from hangar.records import SECRET, UNKNOWN, Plan, ResourceRecord
from hangar.stackfile import (
    ConfigProblem,
    StackConfigError,
    read_project,
    read_stack_config,
)


class WarningCollector(logging.Handler):
    """Keeps what the program logs at warning level or above, instead of letting it reach stderr."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class RecordingMonitor(MockMonitor):
    """A mock resource monitor that also keeps each registration as the engine would see it."""

    def __init__(self, mocks: pulumi.runtime.Mocks):
        super().__init__(mocks)
        self.records: list[ResourceRecord] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # As the engine does, children of the root stack do not carry its type in their URNs.
        is_root = parent.split("::")[2:3] == ["pulumi:pulumi:Stack"]
        return super().make_urn("" if is_root else parent, type_, name)

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.records.append(
                ResourceRecord(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent or None,
                    custom=bool(request.custom),
                    inputs=_plain(rpc.deserialize_properties(request.object, keep_unknowns=True)),
                    provider=request.provider or None,
                    dependencies=tuple(request.dependencies),
                    custom_timeouts=_custom_timeouts(request),
                )
            )
        return response


def _custom_timeouts(request: Any) -> dict[str, float] | None:
    """The request's customTimeouts in seconds, as the engine parses them; one it would refuse is the program's error."""
    if not request.HasField("customTimeouts"):
        return None
    given = request.customTimeouts
    try:
        return from_strings({"create": given.create, "update": given.update, "delete": given.delete})
    except ValueError as error:
        raise PlanError(f"{request.type} {request.name}: {error}") from None


def plan_program(
    program: Callable[[], Any],
    *,
    project: str = "project",
    stack: str = "stack",
    config: dict[str, Any] | None = None,
    secret_keys: tuple[str, ...] = (),
    root_directory: Path | None = None,
) -> Plan:
    """Run `program` as the body of a stack and return every resource it registered.

    `config` maps `namespace:key` to a value (objects and lists are passed as JSON, as the CLI does).
    `root_directory` is what the program's `pulumi.get_root_directory()` returns (the project directory).
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    executor = _LoopClosingExecutor()
    loop.set_default_executor(executor)
    monitor = RecordingMonitor(PlausibleMocks())
    warnings = WarningCollector()
    logger = logging.getLogger(f"hangar.plan.{id(warnings)}")
    logger.propagate = False
    logger.addHandler(warnings)
    previous_root = settings.SETTINGS.root_directory
    try:
        settings.ROOT.set(None)
        pulumi.runtime.set_all_config({key: _config_text(value) for key, value in (config or {}).items()}, list(secret_keys))
        pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor, logger=logger)
        if root_directory is not None:
            settings.SETTINGS.root_directory = str(root_directory)  # set_mocks leaves the default's placeholder
        loop.run_until_complete(run_pulumi_func(program))
    except pulumi.RunError as error:
        raise PlanError(str(error)) from None
    except Exception as error:
        raise PlanError(f"the program raised {type(error).__name__}: {error}") from error
    finally:
        _reset_runtime(loop, executor)
        settings.SETTINGS.root_directory = previous_root
        logger.removeHandler(warnings)
    return Plan(project=project, stack=stack, resources=tuple(monitor.records), warnings=tuple(warnings.messages))


def plan_stack(root: Path, stack: str, *, extra_secrets: dict[str, str] | None = None) -> Plan:
    """Plan the program that `root/Pulumi.yaml` names, with the config of `stack`'s stack file.

    Encrypted (`secure:`) values cannot be read offline; they reach the program as a redacted
    placeholder marked secret, as does any key in `extra_secrets`.
    """
    project = read_project(root)
    if project.runtime != "python":
        raise StackConfigError([ConfigProblem(str(root / "Pulumi.yaml"), "runtime", "only Python programs can be planned offline", project.runtime)])
    config = read_stack_config(project, stack)
    secret_keys = [key for key, value in config.items() if isinstance(value, dict) and set(value) == {"secure"}]
    config.update({key: f"<{key}: encrypted, not readable offline>" for key in secret_keys})
    for key, value in (extra_secrets or {}).items():
        config.setdefault(key, value)
        secret_keys.append(key)
    entry = (project.main / "__main__.py" if project.main.is_dir() else project.main).resolve()
    if not entry.is_file():
        raise PlanError(f"{entry}: no Pulumi Python program here (Pulumi.yaml main: {project.main})")

    def program() -> None:
        runpy.run_path(str(entry), run_name="__main__")

    with _program_on_path(entry.parent):
        return plan_program(program, project=project.name, stack=stack, config=config, secret_keys=tuple(secret_keys), root_directory=project.root.resolve())


@contextlib.contextmanager
def _program_on_path(directory: Path) -> Iterator[None]:
    """The program's directory is on sys.path while it runs, as under the Pulumi CLI, so it imports its own modules.

    The working directory is NOT changed (library code leaves process state alone): a program finds its
    files from `pulumi.get_root_directory()` or its `__file__`, as Hangar's own program does.
    """
    sys.path.insert(0, str(directory))
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(directory))


class _LoopClosingExecutor(concurrent.futures.ThreadPoolExecutor):
    """The plan loop's default executor, which remembers the event loop each of its threads ends up with.

    The SDK answers resource registrations in executor threads (`run_in_executor(None, ...)` in
    pulumi/runtime/resource.py, pulumi 3.272), and the mock monitor gives each such thread an event
    loop of its own (`_ensure_event_loop` in pulumi/runtime/sync_await.py) that nobody closes: when
    the thread's loop was collected at exit, Python printed `Exception ignored in BaseEventLoop.__del__`.
    """

    def __init__(self) -> None:
        super().__init__(thread_name_prefix="hangar-plan")
        self.loops: set[asyncio.AbstractEventLoop] = set()
        self._loops_lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future:
        def call() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                self._remember_thread_loop()

        return super().submit(call)

    def _remember_thread_loop(self) -> None:
        try:
            loop = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:  # this thread never needed a loop
            return
        with self._loops_lock:
            self.loops.add(loop)

    def close_loops(self) -> None:
        """After `shutdown`: close every loop the threads made (none of them runs any more)."""
        with self._loops_lock:
            loops, self.loops = self.loops, set()
        for loop in loops:
            if not loop.is_closed() and not loop.is_running():
                loop.close()


def _reset_runtime(loop: asyncio.AbstractEventLoop, executor: _LoopClosingExecutor | None = None) -> None:
    """Leave nothing for the next run: a failed program can leave tasks and outputs behind in the SDK's globals.

    Every event loop the run caused is closed: the plan's own and those of the executor's threads.
    """
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    with settings.SETTINGS.lock:
        settings.SETTINGS.outputs.clear()
    settings.ROOT.set(None)
    pulumi.runtime.set_all_config({})
    loop.run_until_complete(loop.shutdown_default_executor())
    if executor is not None:
        executor.close_loops()
    loop.close()
    asyncio.set_event_loop(None)


def _plain(value: Any) -> Any:
    """Wire values as plain data: secrets redacted, unknowns marked, resource references by URN."""
    if rpc.is_rpc_secret(value):
        return SECRET
    if value is rpc.UNKNOWN or value == rpc.UNKNOWN:
        return UNKNOWN
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _config_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)

