"""Connecting the sandbox org through the OAuth web-server flow, as the Connection page does."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
import requests
from wizard_fixtures import REDIRECT, authorize

from pipelines.config import ConfigStore
from pipelines.wizard.connection import (
    ConnectionFailed,
    ConnectionSettings,
    begin_authorization,
    check_connection,
    complete_authorization,
    connection_status,
    disconnect,
    is_pending,
    stored_settings,
)
from pipelines.wizard.dlt_secrets import read_credentials, secrets_path


def test_not_connected_by_default_with_the_sandbox_as_the_default_org(home: Path) -> None:
    status = connection_status(home)
    assert not status.connected
    settings = stored_settings()
    assert settings.login_url.startswith("http://127.0.0.1:")
    assert (settings.client_id, settings.client_secret) == ("sandbox", "sandbox")


def test_connect_stores_the_refresh_token_in_dlt_secrets_only(
    home: Path, connected: Any, sandbox_org: Any
) -> None:
    status = connected
    assert status.connected
    assert status.org_name == "sfsync Demo Org"
    assert status.username == "admin@sandbox.local"
    assert status.instance_url == sandbox_org.base_url
    assert status.org_id and status.org_id.startswith("00D")
    creds = read_credentials()
    assert creds["login_url"] == sandbox_org.base_url
    assert (creds["client_id"], creds["client_secret"]) == ("sandbox", "sandbox")
    token = creds["refresh_token"]
    assert len(token) > 20
    assert stat.S_IMODE(secrets_path().stat().st_mode) == 0o600
    # Nowhere else: not in the control plane (config versions, connection row), not in the config.
    ConfigStore(home)
    dump = "\n".join(sqlite3.connect(home / "control.sqlite").iterdump())
    assert token not in dump
    assert connection_status(home) == status


def test_the_stored_token_logs_in(home: Path, connected: Any) -> None:
    assert check_connection(home).org_name == "sfsync Demo Org"


def test_a_state_is_single_use(home: Path, sandbox_org: Any) -> None:
    url = begin_authorization(home, ConnectionSettings(login_url=sandbox_org.base_url), REDIRECT)
    back = authorize(sandbox_org.base_url, url)
    assert is_pending(home, back["state"])
    complete_authorization(home, back["state"], back["code"])
    assert not is_pending(home, back["state"])
    with pytest.raises(ConnectionFailed, match="click Connect again"):
        complete_authorization(home, back["state"], back["code"])


def test_an_unknown_state_is_refused(home: Path) -> None:
    assert not is_pending(home, "forged")
    with pytest.raises(ConnectionFailed, match="does not match a Connect started here"):
        complete_authorization(home, "forged", "code")


def test_denied_access_is_reported_and_nothing_is_stored(home: Path, sandbox_org: Any) -> None:
    begin_authorization(home, ConnectionSettings(login_url=sandbox_org.base_url), REDIRECT)
    url = begin_authorization(home, ConnectionSettings(login_url=sandbox_org.base_url), REDIRECT)
    from urllib.parse import parse_qs, urlsplit

    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    answer = requests.post(
        f"{sandbox_org.base_url}/services/oauth2/authorize",
        data={**params, "action": "deny"},
        allow_redirects=False,
        timeout=30,
    )
    back = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
    with pytest.raises(ConnectionFailed, match="access_denied"):
        complete_authorization(
            home,
            back["state"],
            None,
            error=back["error"],
            error_description=back["error_description"],
        )
    assert not connection_status(home).connected
    assert read_credentials() == {}


def test_a_wrong_client_secret_is_refused_at_the_token_exchange(
    home: Path, sandbox_org: Any
) -> None:
    url = begin_authorization(
        home, ConnectionSettings(login_url=sandbox_org.base_url, client_secret="wrong"), REDIRECT
    )
    back = authorize(sandbox_org.base_url, url)
    with pytest.raises(ConnectionFailed, match="invalid_client"):
        complete_authorization(home, back["state"], back["code"])
    assert not connection_status(home).connected


def test_an_unreachable_org_is_reported(home: Path) -> None:
    url = begin_authorization(home, ConnectionSettings(login_url="http://127.0.0.1:9"), REDIRECT)
    state = url.split("state=")[1].split("&")[0]
    with pytest.raises(ConnectionFailed, match=r"cannot reach http://127\.0\.0\.1:9"):
        complete_authorization(home, state, "code")


@pytest.mark.parametrize(
    ("login_url", "problem"),
    [
        ("http://login.salesforce.com", "must start with https://"),
        ("ftp://x", "must start with https://"),
        ("https://", "has no host"),
    ],
)
def test_unusable_login_urls_are_refused_before_leaving(
    home: Path, login_url: str, problem: str
) -> None:
    with pytest.raises(ConnectionFailed, match=problem):
        begin_authorization(home, ConnectionSettings(login_url=login_url), REDIRECT)


def test_the_authorize_url_carries_pkce_and_the_redirect(home: Path) -> None:
    url = begin_authorization(
        home, ConnectionSettings(login_url="https://login.salesforce.com/"), REDIRECT
    )
    assert url.startswith(
        "https://login.salesforce.com/services/oauth2/authorize?response_type=code"
    )
    assert "code_challenge_method=S256" in url
    assert "redirect_uri=http%3A%2F%2Flocalhost%3A8501%2Fconnection" in url


def test_disconnect_revokes_and_removes_the_token(
    home: Path, connected: Any, sandbox_org: Any
) -> None:
    token = read_credentials()["refresh_token"]
    disconnect(home)
    assert "refresh_token" not in read_credentials()
    assert read_credentials()["login_url"] == sandbox_org.base_url  # reconnecting is one click
    assert not connection_status(home).connected
    refused = requests.post(
        f"{sandbox_org.base_url}/services/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": token, "client_id": "sandbox"},
        timeout=30,
    )
    assert refused.status_code == 400
    with pytest.raises(ConnectionFailed, match="not connected"):
        check_connection(home)


def test_environment_credentials_count_as_connected(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__SALESFORCE__CREDENTIALS__REFRESH_TOKEN", "from-env")
    assert not connection_status(home).connected  # a refresh token needs its client id
    monkeypatch.setenv("SOURCES__SALESFORCE__CREDENTIALS__CLIENT_ID", "sandbox")
    status = connection_status(home)
    assert status.connected and status.env_keys == ("client_id", "refresh_token")


def test_credentials_set_by_hand_or_in_the_environment_count_too(
    home: Path, sandbox_org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What `make demo` does: the sandbox org's user and password in environment variables.
    for key, value in {
        "LOGIN_URL": sandbox_org.base_url,
        "CLIENT_ID": "sandbox",
        "CLIENT_SECRET": "sandbox",
        "USERNAME": "admin@sandbox.local",
        "PASSWORD": "sandbox",
    }.items():
        monkeypatch.setenv(f"SOURCES__SALESFORCE__CREDENTIALS__{key}", value)
    status = connection_status(home)
    assert status.connected and status.org_name is None  # not checked yet
    checked = check_connection(home)
    assert (checked.org_name, checked.username) == ("sfsync Demo Org", "admin@sandbox.local")
    assert set(checked.env_keys) == {
        "login_url",
        "client_id",
        "client_secret",
        "username",
        "password",
    }


def test_the_connected_app_settings_alone_are_not_a_connection(home: Path) -> None:
    from pipelines.wizard.dlt_secrets import write_credentials

    write_credentials({"login_url": "http://127.0.0.1:9", "client_id": "a", "client_secret": "b"})
    assert not connection_status(home).connected
    with pytest.raises(ConnectionFailed, match="not connected"):
        check_connection(home)
