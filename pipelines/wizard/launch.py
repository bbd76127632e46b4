"""``sfsync ui``: start the admin wizard with safe defaults.

- Bound to 127.0.0.1 unless told otherwise (``--host``), so the wizard is not on the network
  by accident.
- Never without sign-in: when no admin password (``SFSYNC_ADMIN_PASSWORD`` or
  ``admin_password`` in ``.streamlit/secrets.toml``) and no OIDC (``[auth]``) is configured, a
  random password is generated for this run and printed.
- No tracebacks in the browser (``client.showErrorDetails = none``): pages turn errors into
  messages, and anything unexpected goes to this terminal.
- ``DLT_PROJECT_DIR`` is pinned to the directory the app was started from, so the refresh token
  the Connection page stores and the sync jobs it starts use the same ``.dlt/secrets.toml``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipelines.wizard.access import PASSWORD_ENV, access_policy, generate_password

APP = Path(__file__).resolve().parents[2] / "streamlit_app" / "app.py"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501


def streamlit_command(host: str, port: int, app: Path = APP) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.showErrorDetails",
        "none",
        "--client.toolbarMode",
        "minimal",
    ]


def streamlit_secrets(cwd: Path, home: Path | None = None) -> dict[str, Any]:
    """What Streamlit will find in ``.streamlit/secrets.toml`` (the project's wins)."""
    merged: dict[str, Any] = {}
    for base in (home or Path.home(), cwd):
        path = base / ".streamlit" / "secrets.toml"
        try:
            with path.open("rb") as fh:
                merged.update(tomllib.load(fh))
        except (OSError, tomllib.TOMLDecodeError):
            continue
    return merged


def ui_environment(
    environ: Mapping[str, str], cwd: Path, host: str, port: int
) -> tuple[dict[str, str], str | None]:
    """The app's environment, and the password generated for this run (``None``: configured)."""
    env = dict(environ)
    env.setdefault("DLT_PROJECT_DIR", str(cwd))
    shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    env.setdefault("SFSYNC_UI_URL", f"http://{shown_host}:{port}")
    generated = None
    if access_policy(streamlit_secrets(cwd), env).method == "unconfigured":
        generated = generate_password()
        env[PASSWORD_ENV] = generated
    return env, generated


def run_ui(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """Run the wizard in the foreground until Ctrl-C; returns Streamlit's exit code."""
    env, generated = ui_environment(os.environ, Path.cwd(), host, port)
    print(f"sfsync wizard: {env['SFSYNC_UI_URL']}", flush=True)
    if generated:
        print(
            f"admin password for this run: {generated}  (set {PASSWORD_ENV} to choose one)",
            flush=True,
        )
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: listening on {host}: anyone who can reach this machine sees the sign-in "
            "page; put it behind TLS",
            file=sys.stderr,
            flush=True,
        )
    return subprocess.call(streamlit_command(host, port), env=env)
