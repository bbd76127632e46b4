"""Point unmodified Python Salesforce clients at a plain-http sandbox org.

simple_salesforce builds every URL with ``https://`` and logs in at
``https://{login,test,<my-domain>}.salesforce.com``. :class:`SandboxSession` is a
``requests.Session`` that sends those requests to the sandbox org instead::

    from simple_salesforce import Salesforce
    from pipelines.sandbox.client import SandboxSession

    session = SandboxSession("http://127.0.0.1:8765")
    sf = Salesforce(username="admin@sandbox.local", password="sandbox", security_token="",
                    session=session)
    sf.query_all("SELECT Id, Name FROM Account")

It rewrites scheme and host of ``https`` URLs whose host is the sandbox's own host,
``localhost``/``127.0.0.1`` or a ``*.salesforce.com`` / ``*.force.com`` name; path, query and
fragment are kept. Requests to anything else pass through untouched.

For raw HTTP (scripts, tests, benchmarks), :func:`access_token` logs in with the OAuth password
grant and :func:`api_session` returns a session that carries the bearer token.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from pipelines.sandbox.options import Credentials

_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
_SALESFORCE_SUFFIXES = (".salesforce.com", ".force.com")


class SandboxSession(requests.Session):
    """A ``requests.Session`` that reroutes Salesforce URLs to ``base_url``."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        target = urlsplit(base_url)
        self.base_scheme = target.scheme
        self.base_netloc = target.netloc
        # A CA bundle from the environment must not decide how a local server is reached.
        self.trust_env = False

    def rewrite(self, url: str) -> str:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https":
            return url
        if not (
            host in _LOCAL_HOSTS
            or parts.netloc == self.base_netloc
            or host.endswith(_SALESFORCE_SUFFIXES)
        ):
            return url
        return urlunsplit(
            (self.base_scheme, self.base_netloc, parts.path, parts.query, parts.fragment)
        )

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        text = url.decode("utf-8") if isinstance(url, bytes) else url
        return super().request(method, self.rewrite(text), *args, **kwargs)


def access_token(
    base_url: str, login: Credentials | None = None, http: requests.Session | None = None
) -> str:
    """An access token from the org's OAuth password grant (default: the default user)."""
    login = login or Credentials()
    answer = (http or requests.Session()).post(
        base_url.rstrip("/") + "/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": login.client_id,
            "client_secret": login.client_secret,
            "username": login.username,
            "password": login.password,
        },
        timeout=30,
    )
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    return token


def api_session(base_url: str, login: Credentials | None = None) -> requests.Session:
    """A ``requests.Session`` whose calls carry a fresh bearer token for the org."""
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + access_token(base_url, login, session)
    return session
