"""Run the sandbox org: ``sfsync sandbox start``, a thread for tests, or a child process.

``sfsync sandbox start`` serves in the foreground on 127.0.0.1 (``--port 0`` picks a free port)
and prints the URL and credentials once the server answers. The org lives in ``--data-dir``
(default ``$SFSYNC_HOME/sandbox``, ``SFSYNC_HOME`` defaulting to ``./data``); a directory that
already holds an org is served as it is, so a restart serves the same data.

For tests::

    with serve_in_thread(store) as server:          # uvicorn in a daemon thread
        requests.get(server.base_url + "/services/data/")

    proc = start_subprocess(["--data-dir", str(tmp), "--accounts", "20"])   # the real CLI
    ...
    proc.stop()
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

import uvicorn
from fastapi import FastAPI

from pipelines.sandbox.app import create_app
from pipelines.sandbox.faults import FaultSettings
from pipelines.sandbox.options import Credentials, SandboxOptions
from pipelines.sandbox.store import OrgStore
from pipelines.sandbox.tls import CertificateError, ensure_certificate

uvloop: ModuleType | None
try:
    import uvloop
except ImportError:  # not on Windows
    uvloop = None

__all__ = [
    "RunningServer",
    "SandboxProcess",
    "create_app",
    "default_data_dir",
    "run_from_cli",
    "serve_in_thread",
    "start_subprocess",
]

HOST = "127.0.0.1"
URL_LINE = re.compile(r"^\s*URL:\s+(\S+)")
BANNER_END = "Press Ctrl+C to stop."


def default_data_dir() -> Path:
    return Path(os.environ.get("SFSYNC_HOME") or "data") / "sandbox"


def options_from_args(args: argparse.Namespace) -> SandboxOptions:
    faults = FaultSettings(
        latency_ms=args.latency_ms,
        error_rate=args.error_rate,
        expire_every=args.expire_every,
        daily_limit=args.daily_limit,
        drop_rate=args.drop_rate,
        token_ttl=args.token_ttl,
    )
    return SandboxOptions(credentials=Credentials(), faults=faults, tls=bool(args.tls))


def open_org(args: argparse.Namespace, data_dir: Path) -> tuple[OrgStore, str]:
    """The org to serve and a line saying where it came from.

    An org already in ``data_dir`` is served as it is (with the writes clients made), unless
    ``--org DIR`` names a directory whose files changed since they were loaded, or the CLI
    asks for a fresh org (``args.fresh``, when the parser declares it).
    """
    fresh = bool(getattr(args, "fresh", False))
    existing = OrgStore.read_source(data_dir) if OrgStore.exists(data_dir) else None
    if args.org == "demo":
        if existing is not None and not fresh:
            store = OrgStore.open(data_dir)
            return store, (
                f"existing org in {data_dir} ({_describe_source(store.source)}; "
                "delete the directory for a new one)"
            )
        from pipelines.sandbox.generator import generate_demo_org

        store = generate_demo_org(data_dir, args.accounts, args.seed, args.multi_currency)
        return store, f"new demo org in {data_dir} ({args.accounts} accounts, seed {args.seed})"

    from pipelines.sandbox.orgdir import fingerprint, load_org_dir

    source_dir = Path(args.org).expanduser().resolve()
    if not source_dir.is_dir():
        raise ValueError(
            f"--org must be 'demo' or a directory of <Object>.csv files; {args.org} is neither"
        )
    unchanged = (
        existing is not None
        and existing.get("path") == str(source_dir)
        and existing.get("fingerprint") == fingerprint(source_dir)
    )
    if unchanged and not fresh:
        store = OrgStore.open(data_dir)
        return store, f"existing org in {data_dir} (loaded from {source_dir})"
    store = load_org_dir(source_dir, data_dir)
    return store, f"org loaded from {source_dir} into {data_dir}"


def _describe_source(source: dict[str, Any]) -> str:
    shown = {k: v for k, v in source.items() if k not in ("kind", "fingerprint")}
    return ", ".join(f"{k} {v}" for k, v in shown.items()) or "made elsewhere"


def run_from_cli(args: argparse.Namespace) -> int:
    """``sfsync sandbox start``: build or open the org, then serve until interrupted."""
    data_dir = Path(args.data_dir).expanduser() if args.data_dir else default_data_dir()
    options = options_from_args(args)
    tls: tuple[Path, Path] | None = None
    if options.tls:
        try:
            tls = ensure_certificate(data_dir / "tls")
        except CertificateError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    try:
        sock = bind_socket(HOST, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {HOST}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        store, origin = open_org(args, data_dir)
    except (OSError, ValueError):
        sock.close()
        raise  # the CLI prints these as one line
    except Exception as exc:
        sock.close()
        if os.environ.get("SFSYNC_DEBUG"):
            raise
        print(
            f"error: could not prepare the sandbox org in {data_dir}: {type(exc).__name__}: {exc} "
            "(set SFSYNC_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        return 2
    app = create_app(store, options)
    try:
        # uvloop where it is installed, as uvicorn picks it when it runs the loop itself: its
        # writes keep what the socket has not taken without copying it again on every send.
        loop_factory = uvloop.new_event_loop if uvloop is not None else None
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            stopped_by = runner.run(_serve_foreground(app, sock, tls, origin, options, store))
    finally:
        store.close()
    # Stopped by a signal that did not end the process on its own: a SIGINT that the process
    # was started ignoring (a background job of a script) still stops the server, which
    # reports it the way a shell reports Ctrl+C.
    return 128 + stopped_by if stopped_by else 0


def bind_socket(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio turns Nagle off (TCP_NODELAY) only on sockets that
    # say they are TCP, and with Nagle on every small answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """uvicorn's server, remembering the first signal that asked it to stop."""

    stopped_by: int | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.stopped_by is None:
            self.stopped_by = int(sig)
        super().handle_exit(sig, frame)


def _uvicorn_server(app: FastAPI, tls: tuple[Path, Path] | None, log_level: str) -> _Server:
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        ssl_certfile=str(tls[0]) if tls else None,
        ssl_keyfile=str(tls[1]) if tls else None,
        timeout_keep_alive=30,
        timeout_graceful_shutdown=5,
    )
    return _Server(config)


async def _serve_foreground(
    app: FastAPI,
    sock: socket.socket,
    tls: tuple[Path, Path] | None,
    origin: str,
    options: SandboxOptions,
    store: OrgStore,
) -> int | None:
    """Serve until stopped; the signal that stopped the server, if one did."""
    server = _uvicorn_server(app, tls, "warning")
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    if server.started:
        port = sock.getsockname()[1]
        scheme = "https" if tls else "http"
        print(_banner(f"{scheme}://{HOST}:{port}", origin, options, store, tls), flush=True)
    await task
    return server.stopped_by


def _banner(
    url: str, origin: str, options: SandboxOptions, store: OrgStore, tls: tuple[Path, Path] | None
) -> str:
    c = options.credentials
    lines = [
        "sfsync sandbox org",
        f"  URL:            {url}",
        f"  Serving:        {origin}",
        f"  Org id:         {store.settings.org_id}",
        f"  OAuth client:   client_id={c.client_id}  client_secret={c.client_secret}",
        f"  User:           username={c.username}  password={c.password}"
        f"  security token: {c.security_token or '(none)'}",
        f"  Tokens expire after {options.faults.token_ttl} s.",
    ]
    if tls:
        lines.append(
            f"  TLS:            self-signed certificate {tls[0]} (trust it: REQUESTS_CA_BUNDLE={tls[0]})"
        )
    knobs = _active_faults(options.faults)
    if knobs:
        lines.append(f"  Faults:         {knobs}")
    lines.append("  Fault control:  GET/POST /_sandbox/faults, POST /_sandbox/reset")
    lines.append(BANNER_END)
    return "\n".join(lines)


def _active_faults(faults: FaultSettings) -> str:
    defaults = FaultSettings()
    active = [
        f"{name}={getattr(faults, name)}"
        for name in ("latency_ms", "error_rate", "expire_every", "daily_limit", "drop_rate")
        if getattr(faults, name) != getattr(defaults, name)
    ]
    return ", ".join(active)


# --- a server in a thread (tests) ------------------------------------------------------------


@dataclass
class RunningServer:
    base_url: str
    app: FastAPI
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving: finish requests in flight, then drop connections still open."""
        self.server.should_exit = True
        self.thread.join(min(timeout, 1.0))
        if self.thread.is_alive():
            self.server.force_exit = True
            self.thread.join(timeout)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_in_thread(
    store: OrgStore,
    options: SandboxOptions | None = None,
    *,
    port: int = 0,
    tls: tuple[Path, Path] | None = None,
    timeout: float = 20.0,
) -> RunningServer:
    """Serve ``store`` from a daemon thread on ``127.0.0.1`` (a free port unless ``port``)."""
    app = create_app(store, options)
    sock = bind_socket(HOST, port)
    server = _uvicorn_server(app, tls, "error")
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="sandbox-org"
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the sandbox org server did not start")
        time.sleep(0.01)
    scheme = "https" if tls else "http"
    return RunningServer(f"{scheme}://{HOST}:{sock.getsockname()[1]}", app, server, thread)


# --- a server in a child process (tests of the CLI) --------------------------------------------


@dataclass
class SandboxProcess:
    process: subprocess.Popen[str]
    base_url: str
    output: list[str] = field(default_factory=list)

    def stop(self, timeout: float = 15.0) -> int:
        """Interrupt the server (as Ctrl+C does) and wait; returns its exit code (130 after
        Ctrl+C, as shells report it)."""
        if self.process.poll() is None:
            self.process.send_signal(2)  # SIGINT
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        return self.process.returncode


def start_subprocess(
    args: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    timeout: float = 120.0,
    ignoring_sigint: bool = False,
) -> SandboxProcess:
    """Run ``sfsync sandbox start --port 0 ARGS`` and wait until it prints its URL.

    ``ignoring_sigint``: start it with SIGINT ignored, as a script's background job starts
    (call from the main thread).
    """
    command = [sys.executable, "-m", "pipelines.cli", "sandbox", "start", "--port", "0", *args]
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if ignoring_sigint else None
    try:  # the child inherits the disposition
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            bufsize=1,
        )
    finally:
        if ignoring_sigint:
            signal.signal(signal.SIGINT, previous)
    lines: queue.Queue[str | None] = queue.Queue()
    output: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    url = None
    for line in _lines_until(lines, deadline):
        output.append(line)
        match = URL_LINE.match(line)
        if match:
            url = match.group(1)
        if url and line.startswith(BANNER_END):
            return SandboxProcess(process, url, output)
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    process.wait(5)
    raise RuntimeError("sandbox org did not start:\n" + "".join(output))


def _lines_until(lines: queue.Queue[str | None], deadline: float) -> Iterator[str]:
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            return
        if line is None:
            return
        yield line
