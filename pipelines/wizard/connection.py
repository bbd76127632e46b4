"""Connecting the org: the OAuth 2.0 web-server flow, the connection status, disconnecting.

The Connection page runs the flow in three steps::

    url = begin_authorization(home, settings, redirect_uri="http://localhost:8501/connection")
    # the browser goes to url (the org's approval page) and comes back to redirect_uri
    # with ?code=...&state=...
    status = complete_authorization(home, state, code)     # token exchange, identity, storage
    status.org_name, status.username, status.instance_url

The refresh token (and the connected app's client id and secret) go to dlt's secrets file
(:mod:`pipelines.wizard.dlt_secrets`), where the extractor finds them. What is *not* secret
(org, user, instance, when) is kept in the control plane's ``salesforce_connection`` table so
the page can show it without calling the org. The flow's ``state`` is stored too
(``oauth_pending``): it is single-use, expires after ten minutes, carries the PKCE verifier, and
ties the browser that comes back to the admin who clicked Connect.

The connected app's client secret is held in this process's memory between the two steps,
never written anywhere but the secrets file.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from pipelines.config.control import control_db, sfsync_home, transaction
from pipelines.wizard.dlt_secrets import (
    CREDENTIAL_KEYS,
    ENV_PREFIX,
    env_overrides,
    read_credentials,
    secrets_path,
    write_credentials,
)

SANDBOX_LOGIN_URL = "http://127.0.0.1:8765"
SANDBOX_CLIENT_ID = "sandbox"
SANDBOX_CLIENT_SECRET = "sandbox"
API_VERSION = "62.0"
PENDING_TTL = timedelta(minutes=10)
HTTP_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS oauth_pending (
    state         TEXT PRIMARY KEY,
    created_at    TEXT NOT NULL,
    login_url     TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    redirect_uri  TEXT NOT NULL,
    code_verifier TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS salesforce_connection (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    login_url    TEXT NOT NULL,
    instance_url TEXT NOT NULL,
    org_id       TEXT,
    org_name     TEXT,
    user_id      TEXT,
    username     TEXT,
    user_name    TEXT,
    connected_at TEXT NOT NULL
);
"""

# state -> client secret, for the few minutes between Connect and the org's redirect.
_client_secrets: dict[str, str] = {}
_client_secrets_lock = threading.Lock()


class ConnectionFailed(RuntimeError):
    """Connecting, checking or using the connection failed; the message says what to do."""


@dataclass(frozen=True)
class ConnectionSettings:
    """The connected app and the org's login URL, as the admin enters them."""

    login_url: str = SANDBOX_LOGIN_URL
    client_id: str = SANDBOX_CLIENT_ID
    client_secret: str | None = SANDBOX_CLIENT_SECRET

    def checked(self) -> ConnectionSettings:
        """These settings, tidied; raise ConnectionFailed when the login URL cannot be used."""
        url = self.login_url.strip().rstrip("/")
        parts = urlsplit(url)
        local = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ConnectionFailed(
                f"the login URL must start with https:// (http:// only for a local sandbox org), "
                f"got {self.login_url!r}; e.g. https://login.salesforce.com, "
                "https://test.salesforce.com or your My Domain URL"
            )
        if not parts.hostname:
            raise ConnectionFailed(f"the login URL {self.login_url!r} has no host name")
        client_id = self.client_id.strip()
        if not client_id:
            raise ConnectionFailed("the client id (the connected app's consumer key) is required")
        secret = (self.client_secret or "").strip() or None
        return ConnectionSettings(url, client_id, secret)


@dataclass(frozen=True)
class ConnectionStatus:
    """What the Connection page shows.

    ``connected`` means a refresh token is configured; ``org_name``/``username``/``instance_url``
    come from the last successful connect or check (``None`` when the token was set by hand).
    ``env_keys`` lists credential keys set as environment variables, which win over the file.
    """

    connected: bool
    login_url: str | None = None
    instance_url: str | None = None
    org_id: str | None = None
    org_name: str | None = None
    user_id: str | None = None
    username: str | None = None
    user_name: str | None = None
    connected_at: str | None = None
    env_keys: tuple[str, ...] = ()
    secrets_file: str = ""


@dataclass(frozen=True)
class PendingAuthorization:
    state: str
    created_at: datetime
    login_url: str
    client_id: str
    redirect_uri: str
    code_verifier: str


# ---------------------------------------------------------------------------- settings & status


def stored_settings() -> ConnectionSettings:
    """The settings in the secrets file, with the sandbox org's defaults for what is not set."""
    creds = read_credentials()
    return ConnectionSettings(
        login_url=creds.get("login_url") or SANDBOX_LOGIN_URL,
        client_id=creds.get("client_id") or SANDBOX_CLIENT_ID,
        client_secret=creds.get("client_secret") or (SANDBOX_CLIENT_SECRET if not creds else None),
    )


def connection_status(home: str | Path | None = None) -> ConnectionStatus:
    """The connection as configured (no call to the org)."""
    home_path = sfsync_home(home)
    creds = _merged_credentials()
    env_keys = tuple(env_overrides())
    connected = _connected(creds, env_keys)
    row = _connection_row(home_path) if connected else None
    if row is None:
        return ConnectionStatus(
            connected,
            login_url=creds.get("login_url"),
            env_keys=env_keys,
            secrets_file=str(secrets_path()),
        )
    return ConnectionStatus(
        True,
        login_url=row["login_url"],
        instance_url=row["instance_url"],
        org_id=row["org_id"],
        org_name=row["org_name"],
        user_id=row["user_id"],
        username=row["username"],
        user_name=row["user_name"],
        connected_at=row["connected_at"],
        env_keys=env_keys,
        secrets_file=str(secrets_path()),
    )


# ---------------------------------------------------------------------------- the web-server flow


def begin_authorization(
    home: str | Path | None, settings: ConnectionSettings, redirect_uri: str
) -> str:
    """Remember a new flow and return the org's authorize URL to send the browser to."""
    checked = settings.checked()
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest())
        .rstrip(b"=")
        .decode("ascii")
    )
    now = datetime.now(UTC)
    with _db(sfsync_home(home)) as db, transaction(db):
        db.execute("DELETE FROM oauth_pending WHERE created_at < ?", (_iso(now - PENDING_TTL),))
        db.execute(
            "INSERT INTO oauth_pending (state, created_at, login_url, client_id, redirect_uri,"
            " code_verifier) VALUES (?, ?, ?, ?, ?, ?)",
            (state, _iso(now), checked.login_url, checked.client_id, redirect_uri, verifier),
        )
    if checked.client_secret:
        with _client_secrets_lock:
            _client_secrets[state] = checked.client_secret
    query = urlencode(
        {
            "response_type": "code",
            "client_id": checked.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": "api refresh_token",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{checked.login_url}/services/oauth2/authorize?{query}"


def is_pending(home: str | Path | None, state: str) -> bool:
    """Whether ``state`` belongs to a flow started here in the last ten minutes (not yet used).

    The browser that comes back from the org with it is the admin who clicked Connect: the
    state is unguessable and single-use, so the app lets that browser in without asking for
    the password again.
    """
    if not state:
        return False
    with _db(sfsync_home(home)) as db:
        row = db.execute(
            "SELECT created_at FROM oauth_pending WHERE state = ?", (state,)
        ).fetchone()
    if row is None:
        return False
    return datetime.now(UTC) - datetime.fromisoformat(row["created_at"]) <= PENDING_TTL


def take_pending(home: str | Path | None, state: str) -> PendingAuthorization:
    """The flow ``state`` belongs to, removed so that it cannot be used twice."""
    with _db(sfsync_home(home)) as db, transaction(db):
        row = db.execute("SELECT * FROM oauth_pending WHERE state = ?", (state,)).fetchone()
        db.execute("DELETE FROM oauth_pending WHERE state = ?", (state,))
    if row is None:
        raise ConnectionFailed(
            "this sign-in answer does not match a Connect started here (or it was already "
            "used); click Connect again"
        )
    created = datetime.fromisoformat(row["created_at"])
    if datetime.now(UTC) - created > PENDING_TTL:
        raise ConnectionFailed("the sign-in took longer than 10 minutes; click Connect again")
    return PendingAuthorization(
        state=row["state"],
        created_at=created,
        login_url=row["login_url"],
        client_id=row["client_id"],
        redirect_uri=row["redirect_uri"],
        code_verifier=row["code_verifier"],
    )


def complete_authorization(
    home: str | Path | None,
    state: str,
    code: str | None,
    *,
    error: str | None = None,
    error_description: str | None = None,
    http: requests.Session | None = None,
) -> ConnectionStatus:
    """Exchange the code the org sent back, store the refresh token, and return the status.

    ``error``/``error_description`` are the org's answer when the admin denied access. Raises
    :class:`ConnectionFailed` with a message saying what happened and what to do.
    """
    pending = take_pending(home, state)
    with _client_secrets_lock:
        client_secret = _client_secrets.pop(state, None)
    if error:
        detail = f": {error_description}" if error_description else ""
        raise ConnectionFailed(
            f"Salesforce did not grant access ({error}{detail}); click Connect to try again"
        )
    if not code:
        raise ConnectionFailed("Salesforce came back without an authorization code; try again")
    if client_secret is None:
        stored = read_credentials()
        if stored.get("client_id") == pending.client_id:
            client_secret = stored.get("client_secret") or None
    session = http or requests.Session()
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": pending.client_id,
        "redirect_uri": pending.redirect_uri,
        "code_verifier": pending.code_verifier,
    }
    if client_secret:
        form["client_secret"] = client_secret
    token = _post_json(
        session, f"{pending.login_url}/services/oauth2/token", form, "token exchange"
    )
    refresh_token = token.get("refresh_token")
    if not refresh_token:
        raise ConnectionFailed(
            "Salesforce returned no refresh token: give the connected app the 'Perform requests "
            "at any time (refresh_token, offline_access)' OAuth scope, then connect again"
        )
    identity = _identity(session, token)
    write_credentials(
        {
            "login_url": pending.login_url,
            "client_id": pending.client_id,
            "client_secret": client_secret,
            "refresh_token": str(refresh_token),
        }
    )
    return _remember(sfsync_home(home), pending.login_url, identity)


def check_connection(
    home: str | Path | None = None, *, http: requests.Session | None = None
) -> ConnectionStatus:
    """Log in with the configured credentials (whichever flow they select, as a sync job would)
    and refresh what the page shows about the org."""
    from pipelines.salesforce.auth import login
    from pipelines.salesforce.errors import SalesforceError
    from pipelines.salesforce.retry import RetryPolicy

    creds = _credentials()
    session = http or requests.Session()
    try:
        token = login(
            salesforce_credentials(creds),
            session,
            retry=RetryPolicy(attempts=2),
            timeout=HTTP_TIMEOUT_S,
        )
    except SalesforceError as err:
        raise ConnectionFailed(f"{err}. Check the credentials, or connect again") from None
    if token.refresh_token and read_credentials().get("refresh_token") == creds.get(
        "refresh_token"
    ):
        write_credentials({"refresh_token": token.refresh_token})  # the org rotated it
    body = {"access_token": token.access_token, "instance_url": token.instance_url}
    return _remember(sfsync_home(home), creds["login_url"], _identity(session, body))


def disconnect(home: str | Path | None = None, *, http: requests.Session | None = None) -> None:
    """Revoke the refresh token at the org (best effort) and remove it from the secrets file."""
    creds = read_credentials()
    token = creds.get("refresh_token")
    if token and creds.get("login_url"):
        # When the org is unreachable the token is still removed here.
        with contextlib.suppress(requests.RequestException):
            (http or requests.Session()).post(
                f"{creds['login_url'].rstrip('/')}/services/oauth2/revoke",
                data={"token": token},
                timeout=HTTP_TIMEOUT_S,
            )
    if token:
        write_credentials({"refresh_token": None})
    with _db(sfsync_home(home)) as db, transaction(db):
        db.execute("DELETE FROM salesforce_connection")


def stored_credentials() -> dict[str, str]:
    """The credentials a job would use (file, overridden by environment variables);
    raise ConnectionFailed when they select no login flow."""
    return _credentials()


def login_flow(creds: dict[str, str]) -> str | None:
    """The login flow ``creds`` select (refresh token, JWT, password, client credentials), or
    ``None`` when they are not enough to log in."""
    from dlt.common.configuration.exceptions import ConfigurationException

    try:
        return str(salesforce_credentials(creds).flow())
    except ConfigurationException:
        return None


def salesforce_credentials(creds: dict[str, str]) -> Any:
    """The extractor's :class:`~pipelines.salesforce.SalesforceCredentials` for ``creds``."""
    from pipelines.salesforce.credentials import SalesforceCredentials

    values = {k: v for k, v in creds.items() if k in CREDENTIAL_KEYS and v}
    values["login_url"] = (values.get("login_url") or SANDBOX_LOGIN_URL).rstrip("/")
    return SalesforceCredentials(**values)


# ---------------------------------------------------------------------------- helpers


def _merged_credentials() -> dict[str, str]:
    """The secrets file's credentials with the environment variables laid over them."""
    creds = dict(read_credentials())
    for key in env_overrides():
        creds[key] = os.environ[ENV_PREFIX + key.upper()]
    return creds


def _connected(creds: dict[str, str], env_keys: tuple[str, ...]) -> bool:
    """Whether ``creds`` log in. The connected app's id and secret, which Connect keeps in the
    secrets file for the next Connect, are not a connection by themselves (Disconnect leaves
    them), unless the environment sets them for the client-credentials flow on purpose."""
    flow = login_flow(creds)
    if flow is None:
        return False
    return flow != "client_credentials" or bool({"client_id", "client_secret"} & set(env_keys))


def _credentials() -> dict[str, str]:
    creds = _merged_credentials()
    if not _connected(creds, tuple(env_overrides())):
        raise ConnectionFailed("not connected: click Connect on the Connection page first")
    creds.setdefault("login_url", SANDBOX_LOGIN_URL)
    return creds


def _post_json(
    session: requests.Session, url: str, form: dict[str, str], what: str
) -> dict[str, Any]:
    try:
        answer = session.post(url, data=form, timeout=HTTP_TIMEOUT_S)
    except requests.RequestException as exc:
        raise ConnectionFailed(
            f"cannot reach {url.split('/services/')[0]} ({type(exc).__name__}); check the login "
            "URL and that the org (or `sfsync sandbox start`) is running"
        ) from None
    try:
        body = answer.json()
    except ValueError:
        body = {}
    if answer.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
        code = body.get("error", f"HTTP {answer.status_code}") if isinstance(body, dict) else ""
        detail = body.get("error_description", "") if isinstance(body, dict) else ""
        raise ConnectionFailed(
            f"Salesforce refused the {what}: {code}{': ' + detail if detail else ''}. "
            "Check the client id and secret, then connect again"
        )
    return body


@dataclass(frozen=True)
class _Identity:
    instance_url: str
    org_id: str | None
    org_name: str | None
    user_id: str | None
    username: str | None
    user_name: str | None


def _identity(session: requests.Session, token: dict[str, Any]) -> _Identity:
    instance = str(token.get("instance_url") or "").rstrip("/")
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    who: dict[str, Any] = {}
    # The identity URL of the token answer, else the OpenID userinfo of the instance (logins
    # other than the web-server flow have no identity URL at hand).
    identity_url = str(token.get("id") or f"{instance}/services/oauth2/userinfo")
    try:
        answer = session.get(identity_url, headers=headers, timeout=HTTP_TIMEOUT_S)
        if answer.status_code == 200:
            who = answer.json()
    except (requests.RequestException, ValueError):
        who = {}
    org_name = None
    try:
        answer = session.get(
            f"{instance}/services/data/v{API_VERSION}/query",
            params={"q": "SELECT Id, Name FROM Organization"},
            headers=headers,
            timeout=HTTP_TIMEOUT_S,
        )
        records = answer.json().get("records", []) if answer.status_code == 200 else []
        org_name = str(records[0]["Name"]) if records else None
    except (requests.RequestException, ValueError, KeyError, AttributeError):
        org_name = None
    return _Identity(
        instance_url=instance,
        org_id=who.get("organization_id"),
        org_name=org_name,
        user_id=who.get("user_id"),
        username=who.get("username") or who.get("preferred_username"),
        user_name=who.get("display_name") or who.get("name"),
    )


def _remember(home: Path, login_url: str, who: _Identity) -> ConnectionStatus:
    now = _iso(datetime.now(UTC))
    with _db(home) as db, transaction(db):
        db.execute(
            "INSERT INTO salesforce_connection (id, login_url, instance_url, org_id, org_name,"
            " user_id, username, user_name, connected_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET login_url = excluded.login_url,"
            " instance_url = excluded.instance_url, org_id = excluded.org_id,"
            " org_name = excluded.org_name, user_id = excluded.user_id,"
            " username = excluded.username, user_name = excluded.user_name,"
            " connected_at = excluded.connected_at",
            (
                login_url,
                who.instance_url,
                who.org_id,
                who.org_name,
                who.user_id,
                who.username,
                who.user_name,
                now,
            ),
        )
    return connection_status(home)


def _connection_row(home: Path) -> sqlite3.Row | None:
    with _db(home) as db:
        return db.execute("SELECT * FROM salesforce_connection WHERE id = 1").fetchone()


@contextmanager
def _db(home: Path) -> Iterator[sqlite3.Connection]:
    """``control_db(home)`` with this module's tables created on first use."""
    with control_db(home) as db:
        db.executescript(_SCHEMA)
        yield db


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
