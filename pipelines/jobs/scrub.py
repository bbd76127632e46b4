"""Keep secrets out of job rows and job logs.

Job rows are shown to every admin and kept forever, and job logs are plain files: an error that
quotes a request (``Authorization: Bearer 00D…!AQ…``), a token endpoint's answer or a connection
URL must not carry the credential along. :func:`scrub` removes what *looks* like a secret (a
Salesforce session id, a bearer token, a JWT, a PEM private key, ``password=…``-style pairs,
passwords in URLs) and the literal values of the credentials this process was given through
environment variables or ``.dlt/secrets.toml``::

    >>> scrub("INVALID_SESSION_ID: Authorization: Bearer 00D000000000001!AQ4AQFakeTokenValue1234")
    'INVALID_SESSION_ID: Authorization: Bearer [redacted]'

:class:`ScrubbingWriter` applies it to a text stream, so whatever a job prints (its own lines,
dlt's and the libraries' log records) is scrubbed before it reaches the terminal or the log file.
"""

from __future__ import annotations

import os
import re
import threading
import tomllib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from pipelines.config.credentials import looks_like_credential_key

REDACTED = "[redacted]"

# Credential values shorter than this are not replaced literally: a sandbox org's client secret
# "sandbox" is also a word that appears in messages, and real secrets are much longer.
_MIN_LITERAL = 8

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
        "[redacted private key]",
    ),
    # A Salesforce access token / session id: 15-18 character org id, '!', opaque part.
    (re.compile(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{8,}"), REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    # Authorization headers, and "Bearer <token>" anywhere (a token has a digit or a symbol,
    # so "Bearer authentication" is left alone).
    (
        re.compile(
            r"(?i)(\bauthorization[\"']?\s*[:=]\s*[\"']?(?:bearer\s+|basic\s+|oauth\s+)?)[^\s\"',;]+"
        ),
        rf"\1{REDACTED}",
    ),
    (
        re.compile(r"(?i)(\bbearer\s+)(?=[A-Za-z._~+/=!-]*[0-9._~+/=!])[A-Za-z0-9._~+/=!-]{8,}"),
        rf"\1{REDACTED}",
    ),
    # key=value, key: value, "key": "value" for keys that name a credential.
    (
        re.compile(
            r"""(?ix)
            (\b(?:access_?token|refresh_?token|id_?token|client_?secret|client_?assertion
               |password|passwd|security_?token|session_?id|sid|private_?key|assertion
               |api_?key|secret|token)\b
             ["']?\s*[:=]\s*["']?)
            ([^\s"'&,;}<]+)
            """
        ),
        rf"\1{REDACTED}",
    ),
    (
        re.compile(r"(?i)(<(?:sessionId|password)>)[^<]+(</(?:sessionId|password)>)"),
        rf"\1{REDACTED}\2",
    ),
    # Userinfo in URLs: https://user:secret@host
    (re.compile(r"(://[^/\s:@]+:)[^/\s@]+@"), rf"\1{REDACTED}@"),
)


def scrub(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with everything that looks like a credential replaced by ``[redacted]``.

    ``secrets`` are literal values to remove as well; by default the credentials found in the
    environment and in ``.dlt/secrets.toml`` (see :func:`known_secret_values`).
    """
    values = known_secret_values() if secrets is None else tuple(secrets)
    # Longest first, so a secret that contains another is removed whole.
    for value in sorted((v for v in values if len(v) >= _MIN_LITERAL), key=len, reverse=True):
        text = text.replace(value, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub_value(value: Any) -> Any:
    """:func:`scrub` applied to every string inside a JSON-like value."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {k: scrub_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_value(v) for v in value]
    return value


@lru_cache(maxsize=1)
def known_secret_values() -> tuple[str, ...]:
    """Credential values this process can see: env vars and ``.dlt/secrets.toml``.

    An environment variable counts when the last part of its name names a credential
    (``SOURCES__SALESFORCE__CREDENTIALS__CLIENT_SECRET``, ``SALESFORCE_PASSWORD``), so
    ``…__LOGIN_URL`` or ``…__USERNAME`` stay readable in messages.
    """
    found: set[str] = set()
    for name, value in os.environ.items():
        if looks_like_credential_key(name.rsplit("__", 1)[-1]):
            found.add(value)
    project_dir = Path(os.environ.get("DLT_PROJECT_DIR") or ".")
    secrets_file = project_dir / ".dlt" / "secrets.toml"
    try:
        with secrets_file.open("rb") as fh:
            found.update(_credential_values(tomllib.load(fh)))
    except (OSError, tomllib.TOMLDecodeError):
        pass
    return tuple(v for v in found if len(v) >= _MIN_LITERAL)


def _credential_values(document: Any, under_credential: bool = False) -> Iterable[str]:
    if isinstance(document, Mapping):
        for key, value in document.items():
            yield from _credential_values(value, under_credential or _is_secret_key(str(key)))
    elif isinstance(document, str) and under_credential:
        yield document


def _is_secret_key(key: str) -> bool:
    # A ``[...credentials]`` table also holds login_url and username, which are not secret.
    return looks_like_credential_key(key) and key.lower() not in {"credentials", "credential"}


class ScrubbingWriter:
    """A text stream that scrubs what is written to it before passing it on.

    Text is held until a line ends (or :meth:`flush`), so a token written in two pieces is still
    recognised. Terminal properties (``isatty``, ``fileno``, ``encoding``) are the wrapped
    stream's, so progress bars still know whether they draw on a terminal.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._pending = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self._pending += text
            cut = max(self._pending.rfind("\n"), self._pending.rfind("\r"))
            if cut >= 0:
                ready, self._pending = self._pending[: cut + 1], self._pending[cut + 1 :]
                self._stream.write(scrub(ready))
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                self._stream.write(scrub(self._pending))
                self._pending = ""
            self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", "utf-8")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
