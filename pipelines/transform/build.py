"""Run the dbt project (``dbt_project/``) against the warehouse of an sfsync home.

``run_dbt_build`` is what ``sfsync transform`` and sync jobs run: it refreshes the compiled
config (``$SFSYNC_HOME/dbt_vars.json``, which also moves relative SOQL dates such as
``LAST_N_DAYS:365`` to today), runs ``dbt build`` in a child process, and reports per node what
happened, from the results file the child writes (``sfsync_results.json`` in dbt's target
directory, the ``results`` of dbt's ``run_results.json`` and nothing else)::

    result = run_dbt_build(Path("data"))
    result.success, result.elapsed_s
    [(n.name, n.status, n.execution_time) for n in result.nodes]
    result.summary()        # "dbt build: 29 models, 1 seed, 42 tests, 1 operation in 14.2s"

dbt runs in a child process rather than through ``dbtRunner`` in this one: dbt keeps global
state (flags, adapters, logging) that a long-lived process such as the wizard must not inherit,
and two invocations in one process are not safe. The child
(:mod:`pipelines.transform.dbt_process`) writes only the node results sfsync reads, not dbt's
JSON artifacts, which cost about a second per build. It reads the config exactly as a plain
``dbt build`` in ``dbt_project/`` would (from ``dbt_vars.json``, see
``dbt_project/macros/sfsync_config.sql``), so a scheduler running dbt itself gets the same
result. Each home keeps dbt's target and log directories under ``$SFSYNC_HOME/dbt/``.

Unit tests (``unit_tests:`` in the models' YAML) check the SQL, not the data; they run in CI
(``tests/transform``) and with ``unit_tests=True``, not in every sync.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.config.catalogs import load_catalog
from pipelines.config.control import sfsync_home
from pipelines.config.dbt_vars import DBT_VARS_FILE, compile_to_dbt_vars
from pipelines.config.issues import InvalidConfigError
from pipelines.config.model import IntegrationConfig
from pipelines.config.store import ConfigStore
from pipelines.config.validation import parse_config

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
WAREHOUSE_FILE = "warehouse.duckdb"
DBT_DIR = "dbt"
EXPLICIT_VARS_FILE = "dbt_vars.explicit.json"
# What each node did, written by the child (pipelines.transform.dbt_process) in the target dir.
RESULTS_FILE = "sfsync_results.json"
VARS_FILE_ENV = "SFSYNC_DBT_VARS"
_LOG_TAIL_LINES = 40
# How long a discarded warm child may take to finish parsing before it is killed.
_DISCARD_WAIT_S = 120.0


class TransformError(RuntimeError):
    """The transform could not run or failed; the message says what to do. ``result`` holds the
    dbt run when there was one."""

    def __init__(self, message: str, result: BuildResult | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class NodeResult:
    """One node of a dbt run: a model, seed, data test or unit test."""

    unique_id: str
    name: str
    resource_type: str
    status: str  # success, error, skipped, pass, fail, warn, no-op
    execution_time: float
    message: str | None = None
    relation: str | None = None
    failures: int | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("success", "pass", "no-op", "warn")


@dataclass
class BuildResult:
    """What one ``dbt build`` did."""

    success: bool
    returncode: int
    elapsed_s: float
    nodes: list[NodeResult] = field(default_factory=list)
    command: list[str] = field(default_factory=list)
    config_source: str | None = None
    output: str = ""
    # Run by a child started before the build was due (start_warm_build), dbt already parsed.
    started_early: bool = False

    @property
    def failed(self) -> list[NodeResult]:
        return [n for n in self.nodes if not n.ok]

    def node(self, name: str) -> NodeResult:
        """The node called ``name`` (a model, seed or test name)."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(f"no node {name!r} in this dbt run")

    def summary(self) -> str:
        """One line for people: what was built and how long it took, or what failed."""
        counts: dict[str, int] = {}
        for n in self.nodes:
            kind = n.resource_type.replace("_", " ")
            counts[kind] = counts.get(kind, 0) + 1
        built = (
            ", ".join(
                f"{count} {kind}{'' if count == 1 else 's'}" for kind, count in counts.items()
            )
            or "nothing"
        )
        if self.success:
            return f"dbt build: {built} in {self.elapsed_s:.1f}s"
        return f"dbt build failed after {self.elapsed_s:.1f}s: {self.error_message()}"

    def error_message(self) -> str:
        """The failures, one per node (dbt's own first line), or the end of dbt's output."""
        if self.failed:
            parts = []
            for n in self.failed:
                text = " ".join((n.message or n.status).split())
                parts.append(f"{n.resource_type} {n.name}: {text}")
            return "; ".join(parts)
        return _last_error_line(self.output) or f"dbt exited with code {self.returncode}"


def run_dbt_build(
    home: str | os.PathLike[str] | None = None,
    *,
    select: str | Sequence[str] | None = None,
    full_refresh: bool = False,
    config: IntegrationConfig | Mapping[str, Any] | None = None,
    unit_tests: bool = False,
    timeout_s: float | None = None,
) -> BuildResult:
    """``dbt build`` of the warehouse in ``home`` with the active config (or ``config``).

    ``select``: dbt node selection (``"companies+"``, or a list). ``full_refresh``: rebuild the
    incremental models from scratch (rescoring every message). ``config``: build with this
    config instead of the active one, without saving it (the active ``dbt_vars.json`` is left
    alone). Raises :class:`TransformError` when dbt cannot start (no warehouse, no config,
    invalid config); a dbt run that fails returns a result with ``success`` false.
    """
    home_dir = sfsync_home(home).resolve()
    warm = _warm_builds.pop(home_dir, None)
    try:
        warehouse = home_dir / WAREHOUSE_FILE
        if not warehouse.is_file():
            raise TransformError(
                f"there is no warehouse at {warehouse} yet: run a sync first (`sfsync sync`)"
            )
        env = _child_env(home_dir)
        source = _prepare_vars(home_dir, config, env)
    except BaseException:
        if warm is not None:
            warm.discard()
        raise
    command = _build_command(home_dir, select, full_refresh, unit_tests)
    results_file = _results_file(home_dir)
    results_file.unlink(missing_ok=True)

    started = time.perf_counter()
    started_early = warm is not None and warm.serves(command, env)
    if warm is not None and started_early:
        returncode, output = warm.run(timeout_s)
    else:
        if warm is not None:
            warm.discard()
        returncode, output = _run_child(command, env, timeout_s)
    elapsed = time.perf_counter() - started
    nodes = _read_results(results_file)
    return BuildResult(
        success=returncode == 0,
        returncode=returncode,
        elapsed_s=elapsed,
        nodes=nodes,
        command=command,
        config_source=source,
        output=output,
        started_early=started_early,
    )


def _child_env(home_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["SFSYNC_HOME"] = str(home_dir)
    env.pop(VARS_FILE_ENV, None)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return env


def _build_command(
    home_dir: Path, select: str | Sequence[str] | None, full_refresh: bool, unit_tests: bool
) -> list[str]:
    """The child's command line: ``python -m pipelines.transform.dbt_process RESULTS build …``."""
    dbt_dir = home_dir / DBT_DIR
    target_dir = dbt_dir / "target"
    command = [
        sys.executable,
        "-m",
        "pipelines.transform.dbt_process",
        str(_results_file(home_dir)),
        "build",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_dir),
        "--log-path",
        str(dbt_dir / "logs"),
        "--no-use-colors",
        "--no-write-json",
    ]
    if select:
        command += ["--select", *([select] if isinstance(select, str) else list(select))]
    if full_refresh:
        command.append("--full-refresh")
    if not unit_tests:
        command += ["--exclude-resource-type", "unit_test"]
    return command


def _results_file(home_dir: Path) -> Path:
    """Where the child writes what each node did."""
    return home_dir / DBT_DIR / "target" / RESULTS_FILE


def _run_child(command: list[str], env: dict[str, str], timeout_s: float | None) -> tuple[int, str]:
    """Start the child for ``command`` and wait for it: (exit code, its output)."""
    try:
        completed = subprocess.run(
            command,
            cwd=DBT_PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise TransformError(f"dbt build did not finish within {timeout_s:g}s") from exc
    return completed.returncode, (completed.stdout or "") + (completed.stderr or "")


class WarmBuild:
    """A dbt child started before its build is due (``dbt_process --wait``): it imports dbt and
    parses the project meanwhile, then builds when :meth:`run` tells it to.

    It serves only the build it was started for: the same command line and environment (a
    build with a config given for once, or another selection, starts a child of its own).
    """

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.command = command
        self.env = env
        # Read once the child ends; a pipe would need a reader while it runs.
        self.output = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            [*command[:3], "--wait", *command[3:]],
            cwd=DBT_PROJECT_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def serves(self, command: list[str], env: dict[str, str]) -> bool:
        return self.process.poll() is None and command == self.command and env == self.env

    def run(self, timeout_s: float | None) -> tuple[int, str]:
        """Let the child build; (exit code, its output) once it has finished."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write("go\n")
            self.process.stdin.close()
            returncode = self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            self._kill()
            raise TransformError(f"dbt build did not finish within {timeout_s:g}s") from exc
        except BaseException:
            # Stopped while dbt builds (Ctrl-C, SIGTERM): stop it too, as a cold build's is.
            self._kill()
            raise
        self.output.seek(0)
        output = self.output.read()
        self.output.close()
        return returncode, output

    def _kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self.output.close()

    def discard(self, *, wait: bool = True) -> None:
        """End the child without building: it exits when it reads the end of its input, once it
        has parsed. ``wait``: until it has exited (before another dbt run in the same target
        directory); else it ends on its own, and a stopping job need not wait for its parse.
        """
        if self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        if wait:
            try:
                self.process.wait(timeout=_DISCARD_WAIT_S)
            except subprocess.TimeoutExpired:
                self._kill()
        else:
            threading.Thread(
                target=self.process.wait, name="sfsync-dbt-discarded", daemon=True
            ).start()
        self.output.close()


# The warm child of each home, started by start_warm_build, taken by the next run_dbt_build.
_warm_builds: dict[Path, WarmBuild] = {}


def start_warm_build(home: str | os.PathLike[str] | None = None) -> None:
    """Start the child of the next plain build of ``home`` (``run_dbt_build(home)``) now.

    A sync job calls this before it extracts: importing dbt and parsing the project (3 to 5 s)
    then overlap the extract instead of delaying the build. The next ``run_dbt_build`` of the
    home runs in this child when its command line and environment are the same, else it
    discards the child; :func:`discard_warm_build` ends it when no build follows.
    """
    home_dir = sfsync_home(home).resolve()
    earlier = _warm_builds.pop(home_dir, None)
    if earlier is not None:
        earlier.discard()
    _warm_builds[home_dir] = WarmBuild(
        _build_command(home_dir, None, False, False), _child_env(home_dir)
    )


def discard_warm_build(home: str | os.PathLike[str] | None = None) -> None:
    """End the warm child of ``home`` that no build took (no-op when there is none), without
    waiting for it: it exits by itself once it has parsed."""
    warm = _warm_builds.pop(sfsync_home(home).resolve(), None)
    if warm is not None:
        warm.discard(wait=False)


def run_transform(home: Path, config: Any = None) -> str:
    """The transform step of a sync job: ``dbt build`` with the active config.

    The job runner calls this after the load (``pipelines.jobs`` ``run_job(transform=...)``);
    ``config`` is the config the job started with and is not used: the active config is
    recompiled instead, so that relative dates are today's and a version saved while the job
    was loading applies. Returns the line for the job's message; raises
    :class:`TransformError` (with dbt's failures in its message) when the build fails.
    """
    result = run_dbt_build(home)
    if not result.success:
        raise TransformError(result.summary(), result)
    return result.summary()


def _prepare_vars(
    home: Path, config: IntegrationConfig | Mapping[str, Any] | None, env: dict[str, str]
) -> str:
    """Write the compiled config where the dbt project will read it; return its source label."""
    if config is not None:
        parsed = parse_config(config)
        try:
            compiled = compile_to_dbt_vars(parsed, load_catalog(home), source="Unsaved")
        except InvalidConfigError as err:
            raise TransformError(f"the config is not valid: {err}") from err
        path = home / DBT_DIR / EXPLICIT_VARS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(compiled, indent=2) + "\n", encoding="utf-8")
        env[VARS_FILE_ENV] = str(path)
        return "Unsaved"
    store = ConfigStore(home)
    try:
        written = store.refresh_dbt_vars()
    except InvalidConfigError as err:
        raise TransformError(
            f"the active config no longer compiles against the org's schema: {err}; "
            "fix it in the wizard or with `sfsync config save FILE`"
        ) from err
    if written is None:
        raise TransformError(
            "Not Configured: there is no saved config and no code default; save one with "
            "`sfsync config save FILE` or in the wizard"
        )
    if written.resolve() != (home / DBT_VARS_FILE).resolve():
        env[VARS_FILE_ENV] = str(written)
    return store.source().label


def _read_results(path: Path) -> list[NodeResult]:
    if not path.is_file():
        return []
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    nodes = []
    for entry in document.get("results") or []:
        unique_id = str(entry.get("unique_id") or "")
        parts = unique_id.split(".")
        resource_type = parts[0] if parts else "node"
        nodes.append(
            NodeResult(
                unique_id=unique_id,
                name=_node_name(parts),
                resource_type=resource_type,
                status=str(entry.get("status") or "unknown"),
                execution_time=float(entry.get("execution_time") or 0.0),
                message=entry.get("message"),
                relation=entry.get("relation_name"),
                failures=entry.get("failures"),
            )
        )
    return nodes


def _node_name(parts: list[str]) -> str:
    # model.sfsync.companies, test.sfsync.unique_companies_account_id.1a2b3c,
    # unit_test.sfsync.companies.some_test
    if len(parts) >= 4 and parts[0] == "test":
        return parts[2]
    if len(parts) >= 4 and parts[0] == "unit_test":
        return f"{parts[2]}::{parts[3]}"
    return parts[-1] if parts else ""


def _last_error_line(output: str) -> str | None:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in reversed(lines[-_LOG_TAIL_LINES:]):
        lowered = line.lower()
        if "error" in lowered and not lowered.startswith("done."):
            return _strip_timestamp(line)
    return _strip_timestamp(lines[-1]) if lines else None


def _strip_timestamp(line: str) -> str:
    # dbt prefixes its log lines with "HH:MM:SS  ".
    head, _, rest = line.partition("  ")
    return rest if len(head) == 8 and head.count(":") == 2 and rest else line
