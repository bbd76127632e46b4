"""The sign-in gate in front of every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from wizard_fixtures import REDIRECT, open_app
from wizard_ui import keys

from pipelines.wizard.connection import ConnectionSettings, begin_authorization


def titles(at: Any) -> list[str]:
    return [t.value for t in at.title]


def test_without_a_password_configured_nobody_gets_in(home: Path) -> None:
    at = open_app(signed_in=False)
    assert not at.exception
    assert "SFSYNC_ADMIN_PASSWORD" in at.error[0].value
    assert "Salesforce settings" not in titles(at)


def test_a_wrong_password_is_refused_and_the_right_one_opens_settings(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SFSYNC_ADMIN_PASSWORD", "correct horse")
    at = open_app(signed_in=False)
    assert titles(at) == ["sfsync admin"]
    at.text_input(key=keys.LOGIN_PASSWORD).input("wrong")
    at.button(key=keys.LOGIN_SUBMIT).click().run()
    assert at.error[0].value == "That is not the admin password."
    assert titles(at) == ["sfsync admin"]
    at.text_input(key=keys.LOGIN_PASSWORD).input("correct horse")
    at.button(key=keys.LOGIN_SUBMIT).click().run()
    assert not at.exception
    assert titles(at) == ["Salesforce settings"]
    at.sidebar.button(key=keys.LOGOUT).click().run()
    assert titles(at) == ["sfsync admin"]


def test_the_password_can_come_from_streamlit_secrets(home: Path) -> None:
    from streamlit.testing.v1 import AppTest
    from wizard_fixtures import APP

    at = AppTest.from_file(str(APP), default_timeout=90)
    at.secrets["admin_password"] = "from secrets"
    at.run()
    at.text_input(key=keys.LOGIN_PASSWORD).input("from secrets")
    at.button(key=keys.LOGIN_SUBMIT).click().run()
    assert titles(at) == ["Salesforce settings"]


def test_the_browser_coming_back_from_the_org_is_let_in_once(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SFSYNC_ADMIN_PASSWORD", "pw")
    from streamlit.testing.v1 import AppTest
    from wizard_fixtures import APP

    url = begin_authorization(home, ConnectionSettings(login_url="http://127.0.0.1:9"), REDIRECT)
    state = url.split("state=")[1].split("&")[0]
    forged = AppTest.from_file(str(APP), default_timeout=90)
    forged.query_params["state"] = "forged"
    forged.query_params["code"] = "x"
    forged.run()
    assert titles(forged) == ["sfsync admin"]
    back = AppTest.from_file(str(APP), default_timeout=90)
    back.query_params["state"] = state
    back.query_params["error"] = "access_denied"
    back.run()
    assert not back.exception
    assert "Salesforce settings" in titles(back) or "Salesforce connection" in titles(back)
