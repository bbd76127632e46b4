"""Who may use the wizard: the admin password, or single sign-on through ``st.login``.

The wizard changes what is synced and holds the org's refresh token, so it always asks who is
there. Two ways, decided from the app's secrets (``.streamlit/secrets.toml``, read by Streamlit)
and the environment:

- **OIDC**: when the secrets have an ``[auth]`` section (Streamlit's own ``st.login``
  configuration), admins sign in with the identity provider. ``admin_emails`` (secrets) or
  ``SFSYNC_ADMIN_EMAILS`` (comma-separated) restricts who is let in; without it, everyone the
  provider signs in is.
- **Password**: ``admin_password`` in the secrets, else ``SFSYNC_ADMIN_PASSWORD``. ``sfsync ui``
  generates one and prints it when neither is set, so the app is never open by accident.

    >>> access = access_policy({"admin_password": "s3cret"}, {})
    >>> access.method, access.accepts_password("s3cret")
    ('password', True)
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

PASSWORD_ENV = "SFSYNC_ADMIN_PASSWORD"
ADMIN_EMAILS_ENV = "SFSYNC_ADMIN_EMAILS"

TAccessMethod = Literal["oidc", "password", "unconfigured"]


@dataclass(frozen=True)
class AccessPolicy:
    """How this app lets admins in (see the module docstring)."""

    method: TAccessMethod
    password: str | None = None
    admin_emails: tuple[str, ...] = ()

    def accepts_password(self, given: str) -> bool:
        """True when ``given`` is the admin password (compared in constant time)."""
        if self.method != "password" or not self.password or not given:
            return False
        return hmac.compare_digest(given.encode("utf-8"), self.password.encode("utf-8"))

    def accepts_identity(self, email: str | None) -> bool:
        """True when an OIDC-signed-in user with this e-mail may administer the app."""
        if self.method != "oidc":
            return False
        if not self.admin_emails:
            return True
        return email is not None and email.strip().casefold() in self.admin_emails

    @property
    def setup_hint(self) -> str:
        return (
            f"No admin password is set. Set {PASSWORD_ENV} (or admin_password in "
            ".streamlit/secrets.toml) and restart the app, or start it with `sfsync ui`, which "
            "generates one and prints it."
        )


def access_policy(
    secrets_doc: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> AccessPolicy:
    """The policy the app's ``secrets_doc`` (a plain copy of ``st.secrets``) and ``environ`` give."""
    env = os.environ if environ is None else environ
    emails = _emails(secrets_doc.get("admin_emails")) or _emails(env.get(ADMIN_EMAILS_ENV))
    auth = secrets_doc.get("auth")
    if isinstance(auth, Mapping) and auth:
        return AccessPolicy("oidc", admin_emails=emails)
    password = secrets_doc.get("admin_password")
    if not (isinstance(password, str) and password):
        password = env.get(PASSWORD_ENV) or None
    if password:
        return AccessPolicy("password", password=password)
    return AccessPolicy("unconfigured")


def generate_password() -> str:
    """A random admin password for ``sfsync ui`` to use when none is configured."""
    return secrets.token_urlsafe(12)


def _emails(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        return ()
    return tuple(e.strip().casefold() for e in items if e.strip())
