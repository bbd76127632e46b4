"""The Salesforce credentials in dlt's secrets file, read and written for the Connection page.

dlt reads ``.dlt/secrets.toml`` in its project directory: ``$DLT_PROJECT_DIR`` when set, else
the working directory. The extractor resolves ``sources.salesforce.credentials`` from there, so
that is where connecting stores the refresh token, never in the integration config::

    [sources.salesforce.credentials]
    login_url = "http://127.0.0.1:8765"
    client_id = "sandbox"
    client_secret = "sandbox"
    refresh_token = "..."

The file is rewritten whole (other keys and comments kept, through tomlkit), atomically, with
mode 0600 in a directory of mode 0700. Environment variables
(``SOURCES__SALESFORCE__CREDENTIALS__*``) override the file in dlt, so :func:`env_overrides`
says which ones are set and the page can warn that the file is not what a job will use.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

SECRETS_FILE = Path(".dlt") / "secrets.toml"
CREDENTIALS_PATH = ("sources", "salesforce", "credentials")
ENV_PREFIX = "SOURCES__SALESFORCE__CREDENTIALS__"
CREDENTIAL_KEYS = (
    "login_url",
    "client_id",
    "client_secret",
    "username",
    "password",
    "security_token",
    "refresh_token",
    "private_key",
)


class SecretsFileError(RuntimeError):
    """The secrets file exists but cannot be read or written; the message says which and why."""


def dlt_project_dir() -> Path:
    """The directory dlt takes ``.dlt/`` from: ``$DLT_PROJECT_DIR``, else the working directory."""
    return Path(os.environ.get("DLT_PROJECT_DIR") or ".")


def secrets_path() -> Path:
    return dlt_project_dir() / SECRETS_FILE


def read_credentials(path: Path | None = None) -> dict[str, str]:
    """``sources.salesforce.credentials`` from the secrets file (empty when there is none)."""
    doc = _load(path or secrets_path())
    node: Any = doc
    for part in CREDENTIALS_PATH:
        if not isinstance(node, Mapping) or part not in node:
            return {}
        node = node[part]
    if not isinstance(node, Mapping):
        return {}
    return {str(k): str(v) for k, v in node.items() if isinstance(v, str | int | float)}


def env_overrides(environ: Mapping[str, str] | None = None) -> list[str]:
    """The credential keys set as ``SOURCES__SALESFORCE__CREDENTIALS__*`` environment variables."""
    env = os.environ if environ is None else environ
    return [key for key in CREDENTIAL_KEYS if env.get(ENV_PREFIX + key.upper())]


def write_credentials(values: Mapping[str, str | None], path: Path | None = None) -> Path:
    """Set (or, for ``None`` values, remove) credential keys and write the file with mode 0600."""
    target = path or secrets_path()
    doc = _load(target)
    table: Any = doc
    for part in CREDENTIALS_PATH:
        if part not in table or not isinstance(table[part], Mapping):
            table[part] = tomlkit.table()
        table = table[part]
    for key, value in values.items():
        if value is None:
            if key in table:
                del table[key]
        else:
            table[key] = value
    _write_private(target, tomlkit.dumps(doc))
    return target


def _load(path: Path) -> tomlkit.TOMLDocument:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return tomlkit.document()
    except OSError as exc:
        raise SecretsFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:
        raise SecretsFileError(
            f"{path} is not valid TOML ({exc}); fix or remove it, then connect again"
        ) from None


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically; only the owner can read the result."""
    directory = path.parent
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".secrets-", suffix=".toml", dir=directory)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        os.chmod(path, 0o600)
    except OSError as exc:
        raise SecretsFileError(f"cannot write {path}: {exc.strerror or exc}") from None
