"""Credentials for one Salesforce org, resolved by dlt's config system.

They live under ``sources.salesforce.credentials`` in ``.dlt/secrets.toml``, or in environment
variables such as ``SOURCES__SALESFORCE__CREDENTIALS__CLIENT_ID``::

    [sources.salesforce.credentials]
    login_url = "https://acme.my.salesforce.com"   # or https://test.salesforce.com, http://127.0.0.1:PORT
    client_id = "3MVG9..."
    client_secret = "..."
    refresh_token = "5Aep..."

Which login flow runs follows from what is set (first match wins):

==========================  ===============================================================
``refresh_token``           OAuth refresh-token grant (``client_id``, optional secret)
``private_key``             OAuth JWT bearer (``client_id`` = consumer key, ``username``)
``username`` + ``password``  OAuth username-password grant when ``client_id`` and
                            ``client_secret`` are set, else the SOAP ``login`` call;
                            ``security_token`` is appended to the password
``client_id`` + secret      OAuth client-credentials grant (the connected app's run-as user)
==========================  ===============================================================
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Literal

from dlt.common.configuration import configspec
from dlt.common.configuration.exceptions import ConfigurationValueError
from dlt.common.configuration.specs import CredentialsConfiguration
from dlt.common.typing import TSecretStrValue

TLoginFlow = Literal["refresh_token", "jwt_bearer", "password", "soap", "client_credentials"]

DEFAULT_LOGIN_URL = "https://login.salesforce.com"


@configspec
class SalesforceCredentials(CredentialsConfiguration):
    """How to log in to one org; see the module docstring for the flow each combination selects."""

    login_url: str = DEFAULT_LOGIN_URL
    client_id: str | None = None
    client_secret: TSecretStrValue | None = None
    username: str | None = None
    password: TSecretStrValue | None = None
    security_token: TSecretStrValue | None = None
    refresh_token: TSecretStrValue | None = None
    private_key: TSecretStrValue | None = None

    def on_resolved(self) -> None:
        self.login_url = (self.login_url or DEFAULT_LOGIN_URL).strip().rstrip("/")
        if not self.login_url.startswith(("https://", "http://")):
            raise ConfigurationValueError(
                f"sources.salesforce.credentials.login_url must start with https:// (or http:// "
                f"for a local sandbox org), got {self.login_url!r}"
            )
        self.flow()  # raises when nothing usable is set

    def flow(self) -> TLoginFlow:
        """The login flow these credentials select (see the module docstring)."""
        if self.refresh_token:
            if not self.client_id:
                raise _missing("refresh_token", "client_id")
            return "refresh_token"
        if self.private_key:
            if not (self.client_id and self.username):
                raise _missing("private_key", "client_id (the consumer key) and username")
            return "jwt_bearer"
        if self.username and self.password:
            return "password" if self.client_id and self.client_secret else "soap"
        if self.client_id and self.client_secret:
            return "client_credentials"
        raise ConfigurationValueError(
            "no usable Salesforce credentials: set sources.salesforce.credentials.refresh_token, "
            "private_key, username + password, or client_id + client_secret (client credentials) "
            "in .dlt/secrets.toml or as SOURCES__SALESFORCE__CREDENTIALS__* environment variables"
        )


def _missing(given: str, needed: str) -> ConfigurationValueError:
    return ConfigurationValueError(
        f"sources.salesforce.credentials.{given} is set, so the {given} login flow needs "
        f"{needed} as well"
    )


def _settings_fingerprint() -> tuple[tuple[str, int | None, int | None], ...]:
    """Where dlt's settings files are now (``$DLT_PROJECT_DIR/.dlt`` or ``./.dlt``) and their
    modification time and size."""
    settings = os.path.join(os.environ.get("DLT_PROJECT_DIR") or ".", ".dlt")
    entries: list[tuple[str, int | None, int | None]] = []
    for name in ("config.toml", "secrets.toml"):
        path = os.path.abspath(os.path.join(settings, name))
        try:
            stat = os.stat(path)
        except OSError:
            entries.append((path, None, None))
        else:
            entries.append((path, stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


_settings_read = _settings_fingerprint()
"""The settings files as they were when dlt (imported with this module) last read them."""


def reload_dlt_settings() -> bool:
    """Have dlt read ``.dlt/config.toml`` and ``.dlt/secrets.toml`` again if they changed.

    dlt reads those files once per process and keeps what it read. A long-lived process (the
    wizard, a scheduler) outlives that: the Connection page rewrites the secrets file when an admin
    connects, and ``DLT_PROJECT_DIR`` may point elsewhere by the time a job runs. Everything that
    resolves the org's credentials calls this first. When neither file moved nor changed, nothing
    is reloaded, so values set in code (``dlt.secrets[...] = ...``) stay. True if it reloaded.
    """
    global _settings_read
    from dlt.common.configuration.container import Container
    from dlt.common.configuration.specs.pluggable_run_context import PluggableRunContext

    with _no_streamlit_secrets():
        context = Container()[PluggableRunContext]  # the first use reads the settings
        now = _settings_fingerprint()
        if now == _settings_read:
            return False
        context.reload_providers()
    _settings_read = now
    return True


@contextlib.contextmanager
def _no_streamlit_secrets() -> Iterator[None]:
    """Keep dlt from importing Streamlit when this process is not a Streamlit app.

    dlt reads Streamlit's secrets only inside a running Streamlit app, but to find out whether
    it is in one it imports Streamlit, about half a second of a periodic job. A process that has
    not imported Streamlit is not running an app, so the import is made to fail instead (dlt
    takes that as "no Streamlit secrets").
    """
    if "streamlit" in sys.modules:
        yield
        return
    sys.modules["streamlit"] = None  # type: ignore[assignment]  # "import streamlit" fails
    try:
        yield
    finally:
        if sys.modules.get("streamlit", 0) is None:
            del sys.modules["streamlit"]
