"""The Connection page (AppTest): status, the web-server flow through the page, disconnect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wizard_fixtures import authorize, open_app
from wizard_ui import keys

from pipelines.wizard.dlt_secrets import read_credentials


def test_not_connected_then_connect_through_the_page(home: Path, sandbox_org: Any) -> None:
    at = open_app("connection")
    assert ":red-badge[Not connected]" in [m.value for m in at.markdown]
    at.text_input(key=keys.CONN_LOGIN_URL).input(sandbox_org.base_url)
    at.button(key=keys.CONN_CONNECT).click().run()
    link = next(m.value for m in at.markdown if "sfsync-authorize" in m.value)
    url = link.split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert url.startswith(f"{sandbox_org.base_url}/services/oauth2/authorize?")
    back = authorize(sandbox_org.base_url, url)
    # The org redirects the browser to the page with the code: a new session, not signed in.
    returning = open_app(signed_in=False)
    for name, value in back.items():
        returning.query_params[name] = value
    returning.switch_page("app_pages/connection.py").run()
    assert not returning.exception
    assert "Connected to sfsync Demo Org." in [s.value for s in returning.success]
    assert ":green-badge[Connected]" in [m.value for m in returning.markdown]
    table = returning.table[0].value
    assert "admin@sandbox.local" in table.to_string()
    assert sandbox_org.base_url in table.to_string()
    assert read_credentials()["refresh_token"]


def test_a_bad_login_url_is_explained(home: Path) -> None:
    at = open_app("connection")
    at.text_input(key=keys.CONN_LOGIN_URL).input("http://login.salesforce.com")
    at.button(key=keys.CONN_CONNECT).click().run()
    assert any("must start with https://" in e.value for e in at.error)


def test_check_and_disconnect(home: Path, connected: Any) -> None:
    at = open_app("connection")
    assert ":green-badge[Connected]" in [m.value for m in at.markdown]
    at.button(key=keys.CONN_CHECK).click().run()
    assert "The connection works: sfsync Demo Org." in [s.value for s in at.success]
    at.button(key=keys.CONN_DISCONNECT).click().run()
    assert any(w.value.startswith("Disconnect?") for w in at.warning)
    at.button(key=keys.CONN_CANCEL).click().run()
    assert ":green-badge[Connected]" in [m.value for m in at.markdown]
    at.button(key=keys.CONN_DISCONNECT).click().run()
    at.button(key=keys.CONN_DISCONNECT_YES).click().run()
    assert "Disconnected." in [s.value for s in at.success]
    assert ":red-badge[Not connected]" in [m.value for m in at.markdown]
    assert "refresh_token" not in read_credentials()
