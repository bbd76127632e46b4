"""Every login flow against the sandbox org, credentials from dlt's config, and auth errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dlt.common.configuration.exceptions import ConfigurationValueError
from extract_fixtures import Org, open_org

from pipelines.salesforce import (
    AuthenticationError,
    ExtractFailed,
    SalesforceClient,
    SalesforceCredentials,
    run_extract,
)
from pipelines.salesforce.auth import jwt_audience
from pipelines.sandbox.options import SandboxOptions

pytestmark = pytest.mark.timeout(120)


def whoami(credentials: SalesforceCredentials) -> tuple[str, int]:
    """The flow used and the number of records of Account the session can count."""
    client = SalesforceClient(credentials)
    body = client.json(
        "GET", client.data_path("/queryAll"), params={"q": "SELECT COUNT() FROM Account"}
    )
    return credentials.flow(), int(body["totalSize"])


def test_oauth_username_password(org: Org) -> None:
    assert whoami(org.credentials()) == ("password", org.scalar("SELECT count(*) FROM account"))


def test_soap_username_password_when_no_connected_app_is_given(org: Org) -> None:
    credentials = org.credentials(client_id=None, client_secret=None, security_token="")
    assert whoami(credentials)[0] == "soap"


def test_client_credentials_when_only_login_url_and_client_are_set(org: Org) -> None:
    credentials = org.credentials(username=None, password=None)
    assert whoami(credentials)[0] == "client_credentials"


def test_refresh_token_and_refreshing_an_expired_session(org: Org) -> None:
    sandbox = org.server.app.state.sandbox
    admin = sandbox.users.find("admin@sandbox.local")
    token = sandbox.sessions.issue_refresh_token(admin.id, admin.username, "sandbox")
    credentials = org.credentials(
        username=None, password=None, client_secret=None, refresh_token=token
    )
    client = SalesforceClient(credentials)
    org.set_faults(expire_every=3)
    for _ in range(7):
        client.json("GET", client.data_path("/limits"))
    assert credentials.flow() == "refresh_token"
    assert client.logins >= 3  # every expired session was replaced, mid-way


def test_jwt_bearer_with_a_key_in_secrets_or_in_a_file(org_template: Path, tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    running = open_org(org_template, tmp_path, SandboxOptions(jwt_public_key=public_pem))
    try:
        as_text = running.credentials(password=None, client_secret=None, private_key=private_pem)
        assert whoami(as_text)[0] == "jwt_bearer"
        key_file = tmp_path / "server.key"
        key_file.write_text(private_pem)
        assert (
            whoami(running.credentials(password=None, private_key=str(key_file)))[0] == "jwt_bearer"
        )
        other = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode()
        )
        with pytest.raises(AuthenticationError, match="invalid_grant"):
            whoami(running.credentials(password=None, private_key=other))
    finally:
        running.server.stop()
        running.store.close()


def test_wrong_password_fails_in_salesforces_words(org: Org, home: Path) -> None:
    with pytest.raises(ExtractFailed) as failed:
        run_extract(
            home, credentials=org.credentials(password="not-the-password"), objects=["Account"]
        )
    message = str(failed.value)
    assert "invalid_grant: authentication failure" in message
    assert "not-the-password" not in message


def test_credentials_come_from_dlt_environment_variables(
    org: Org, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = "SOURCES__SALESFORCE__CREDENTIALS__"
    for key, value in {
        "LOGIN_URL": org.base_url,
        "CLIENT_ID": "sandbox",
        "CLIENT_SECRET": "sandbox",
        "USERNAME": "admin@sandbox.local",
        "PASSWORD": "sandbox",
    }.items():
        monkeypatch.setenv(prefix + key, value)
    monkeypatch.setenv("SOURCES__SALESFORCE__BULK_THRESHOLD", "50")
    result = run_extract(home, objects=["Account", "Contract"])
    assert result.rows_per_object["Account"] == len(org.live_ids("Account"))
    assert result.modes["Account"].endswith("bulk")  # the option came from the environment too


def test_a_secrets_file_written_while_the_process_runs_is_read_by_the_next_sync(
    org: Org, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wizard connects (rewriting .dlt/secrets.toml) long after dlt first read its settings;
    the job it then starts in the same process must log in with what the file says now."""
    project = tmp_path / "project"
    monkeypatch.setenv("DLT_PROJECT_DIR", str(project))
    with pytest.raises(ConfigurationValueError, match="no usable Salesforce credentials"):
        run_extract(home, objects=["Contract"])

    (project / ".dlt").mkdir(parents=True)
    (project / ".dlt" / "secrets.toml").write_text(
        "[sources.salesforce.credentials]\n"
        f'login_url = "{org.base_url}"\n'
        'username = "admin@sandbox.local"\n'
        'password = "sandbox"\n'
    )
    result = run_extract(home, objects=["Contract"])
    assert result.rows_per_object["Contract"] == len(org.live_ids("Contract"))
    assert result.modes["Contract"].startswith("full")


@pytest.mark.parametrize(
    ("values", "flow"),
    [
        (
            {"refresh_token": "r", "client_id": "c", "username": "u", "password": "p"},
            "refresh_token",
        ),
        ({"private_key": "k", "client_id": "c", "username": "u"}, "jwt_bearer"),
        ({"username": "u", "password": "p", "client_id": "c", "client_secret": "s"}, "password"),
        ({"username": "u", "password": "p", "security_token": "t"}, "soap"),
        ({"username": "u", "password": "p", "client_id": "c"}, "soap"),
        ({"client_id": "c", "client_secret": "s"}, "client_credentials"),
    ],
)
def test_the_flow_follows_from_what_is_set(values: dict[str, Any], flow: str) -> None:
    assert SalesforceCredentials(**values).flow() == flow


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "no usable Salesforce credentials"),
        ({"refresh_token": "r"}, "needs client_id"),
        (
            {"private_key": "k", "client_id": "c"},
            r"needs client_id \(the consumer key\) and username",
        ),
        (
            {"client_id": "c", "client_secret": "s", "login_url": "login.salesforce.com"},
            "must start with https://",
        ),
    ],
)
def test_unusable_credentials_say_what_is_missing(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationValueError, match=message):
        SalesforceCredentials(**values).on_resolved()


@pytest.mark.parametrize(
    ("login_url", "audience"),
    [
        ("https://login.salesforce.com", "https://login.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
        ("https://test.salesforce.com", "https://test.salesforce.com"),
        ("https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
    ],
)
def test_jwt_audience(login_url: str, audience: str) -> None:
    assert jwt_audience(login_url) == audience
