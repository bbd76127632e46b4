"""Access tokens, refresh tokens and authorization codes, held in memory.

Access tokens look like Salesforce's (``00D…!AQ…``; the CLI rejects other shapes) and expire
after the configured TTL, after which the gateway answers 401 INVALID_SESSION_ID. A restart
of the server forgets every token, as a password change would on a real org.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
import threading
import time
from dataclasses import dataclass

_TOKEN_ALPHABET = string.ascii_letters + string.digits + "._"
CODE_TTL_SECONDS = 15 * 60


def _random(alphabet: str, size: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(size))


@dataclass(frozen=True)
class Session:
    token: str
    user_id: str
    username: str
    org_id: str
    client_id: str
    issued_at_ms: int
    expires_at: float

    def expired(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) >= self.expires_at


@dataclass(frozen=True)
class Grant:
    """Who a refresh token or an authorization code stands for."""

    user_id: str
    username: str
    client_id: str
    redirect_uri: str = ""
    code_challenge: str = ""
    code_challenge_method: str = ""
    expires_at: float = 0.0


class SessionRegistry:
    """Thread-safe store of the tokens this server has issued."""

    def __init__(self, org_id: str) -> None:
        self.org_id = org_id
        self._sessions: dict[str, Session] = {}
        self._refresh: dict[str, Grant] = {}
        self._codes: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def issue(self, user_id: str, username: str, client_id: str, ttl_seconds: int) -> Session:
        now = time.time()
        token = f"{self.org_id[:15]}!AQ{_random(_TOKEN_ALPHABET, 94)}"
        session = Session(
            token=token,
            user_id=user_id,
            username=username,
            org_id=self.org_id,
            client_id=client_id,
            issued_at_ms=int(now * 1000),
            expires_at=now + ttl_seconds,
        )
        with self._lock:
            self._prune(now)
            self._sessions[token] = session
        return session

    def lookup(self, token: str) -> Session | None:
        """The live session of ``token``; None if unknown, revoked or expired."""
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if session.expired():
                del self._sessions[token]
                return None
            return session

    def revoke(self, token: str) -> bool:
        with self._lock:
            found = self._sessions.pop(token, None) is not None
            return self._refresh.pop(token, None) is not None or found

    def revoke_all(self) -> None:
        with self._lock:
            self._sessions.clear()

    def issue_refresh_token(self, user_id: str, username: str, client_id: str) -> str:
        token = f"5Aep{_random(string.ascii_letters + string.digits + '.', 83)}"
        with self._lock:
            self._refresh[token] = Grant(user_id, username, client_id)
        return token

    def refresh_grant(self, token: str) -> Grant | None:
        with self._lock:
            return self._refresh.get(token)

    def issue_code(self, grant: Grant) -> str:
        code = "aPrx" + _random(string.ascii_letters + string.digits, 60)
        stored = Grant(
            grant.user_id,
            grant.username,
            grant.client_id,
            grant.redirect_uri,
            grant.code_challenge,
            grant.code_challenge_method,
            time.time() + CODE_TTL_SECONDS,
        )
        with self._lock:
            self._codes[code] = stored
        return code

    def redeem_code(self, code: str) -> Grant | None:
        """The grant behind an authorization code; a code works once and for 15 minutes."""
        with self._lock:
            grant = self._codes.pop(code, None)
        if grant is None or time.time() >= grant.expires_at:
            return None
        return grant

    def _prune(self, now: float) -> None:
        if len(self._sessions) < 10_000:
            return
        for token in [t for t, s in self._sessions.items() if s.expired(now)]:
            del self._sessions[token]


def pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    """RFC 7636: ``S256`` compares base64url(sha256(verifier)); ``plain`` compares as is."""
    if (method or "plain").upper() == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        return secrets.compare_digest(computed, challenge)
    return secrets.compare_digest(verifier, challenge)
