"""Wizard tests: each runs in a fresh ``SFSYNC_HOME`` and dlt project directory.

``wizard`` opens the app in AppTest signed in (see ``wizard_fixtures.open_app``);
``connected`` runs the real OAuth web-server flow against the session's sandbox org
(``sandbox_org`` in tests/conftest.py), so the refresh token lands in this test's
``.dlt/secrets.toml`` exactly as the Connection page stores it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from wizard_fixtures import REDIRECT, authorize, open_app


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SFSYNC_HOME and dlt project directory; the code default config applies."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("SFSYNC_HOME", str(home))
    monkeypatch.setenv("DLT_PROJECT_DIR", str(tmp_path / "project"))
    monkeypatch.delenv("SFSYNC_DEFAULT_CONFIG", raising=False)
    for name in ("SFSYNC_ADMIN_PASSWORD", "SFSYNC_ADMIN_EMAILS"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def not_configured(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No code default either: the badge starts at Not Configured, as for a new admin."""
    monkeypatch.setenv("SFSYNC_DEFAULT_CONFIG", str(home / "no-default.yaml"))
    return home


@pytest.fixture
def wizard(home: Path) -> Callable[..., AppTest]:
    return open_app


@pytest.fixture
def connected(home: Path, sandbox_org: Any) -> Iterator[Any]:
    """The test's home connected to the sandbox org through the web-server flow."""
    from pipelines.wizard.connection import (
        ConnectionSettings,
        begin_authorization,
        complete_authorization,
    )

    url = begin_authorization(home, ConnectionSettings(login_url=sandbox_org.base_url), REDIRECT)
    back = authorize(sandbox_org.base_url, url)
    yield complete_authorization(home, back["state"], back.get("code"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test, so fixtures can tell a failed test (screenshots)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
