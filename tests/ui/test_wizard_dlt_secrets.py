"""The credentials file the Connection page writes: dlt's .dlt/secrets.toml, mode 0600."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from pipelines.wizard.dlt_secrets import (
    SecretsFileError,
    env_overrides,
    read_credentials,
    secrets_path,
    write_credentials,
)


def test_the_file_is_where_dlt_reads_it(home: Path, tmp_path: Path) -> None:
    assert secrets_path() == tmp_path / "project" / ".dlt" / "secrets.toml"


def test_written_credentials_are_private_and_read_back(home: Path) -> None:
    path = write_credentials({"login_url": "http://127.0.0.1:1", "refresh_token": "5Aep-token"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert read_credentials() == {"login_url": "http://127.0.0.1:1", "refresh_token": "5Aep-token"}


def test_other_settings_and_comments_in_the_file_are_kept(home: Path) -> None:
    path = secrets_path()
    path.parent.mkdir(parents=True)
    path.write_text(
        '# my notes\n[destination.postgres.credentials]\npassword = "pg"\n\n'
        '[sources.salesforce.credentials]\nclient_id = "old"\nusername = "keep@me"\n'
    )
    write_credentials({"client_id": "new", "refresh_token": "tok"})
    text = path.read_text()
    assert "# my notes" in text
    assert 'password = "pg"' in text
    assert read_credentials() == {"client_id": "new", "username": "keep@me", "refresh_token": "tok"}


def test_none_removes_a_key(home: Path) -> None:
    write_credentials({"client_id": "a", "refresh_token": "tok"})
    write_credentials({"refresh_token": None, "not_there": None})
    assert read_credentials() == {"client_id": "a"}


def test_no_file_means_no_credentials(home: Path) -> None:
    assert read_credentials() == {}


def test_a_broken_file_is_reported_not_overwritten(home: Path) -> None:
    path = secrets_path()
    path.parent.mkdir(parents=True)
    path.write_text("[sources.salesforce\nbroken")
    with pytest.raises(SecretsFileError, match="not valid TOML"):
        read_credentials()
    with pytest.raises(SecretsFileError):
        write_credentials({"refresh_token": "x"})
    assert path.read_text() == "[sources.salesforce\nbroken"


def test_environment_variables_that_override_the_file_are_named() -> None:
    environ = {
        "SOURCES__SALESFORCE__CREDENTIALS__REFRESH_TOKEN": "x",
        "SOURCES__SALESFORCE__CREDENTIALS__LOGIN_URL": "https://login.salesforce.com",
        "SOURCES__SALESFORCE__CREDENTIALS__CLIENT_ID": "",
        "OTHER": "y",
    }
    assert env_overrides(environ) == ["login_url", "refresh_token"]
