"""How a sandbox org server is configured: credentials, transport and the initial fault knobs."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.sandbox.faults import FaultSettings

# The newest version GET /services/data advertises; any vNN.N is accepted in URLs regardless.
MAX_API_VERSION = 66


@dataclass(frozen=True)
class Credentials:
    """What a client needs to log in. Every active user of the org shares ``password``."""

    client_id: str = "sandbox"
    client_secret: str = "sandbox"
    username: str = "admin@sandbox.local"
    password: str = "sandbox"
    security_token: str = ""

    def password_matches(self, given: str) -> bool:
        """The password alone, or with the security token appended as SOAP clients send it."""
        return given == self.password or given == self.password + self.security_token


@dataclass
class SandboxOptions:
    """Everything :func:`pipelines.sandbox.app.create_app` needs besides the store.

    ``tls`` asks ``sfsync sandbox start`` for https with a self-signed certificate (URLs in
    answers always use the scheme and host the client used); ``jwt_public_key`` (PEM, a public
    key or a certificate), when set, makes the JWT bearer grant verify
    assertion signatures (RS256) instead of trusting them; ``redirect_uris``, when not empty,
    restricts the web-server flow to those callback URLs.
    """

    credentials: Credentials = field(default_factory=Credentials)
    faults: FaultSettings = field(default_factory=FaultSettings)
    tls: bool = False
    jwt_public_key: str | None = None
    redirect_uris: tuple[str, ...] = ()
    max_api_version: int = MAX_API_VERSION
    fault_seed: int | None = None
