"""The versioned config store: every save a new version, exactly one active, rollback by activation.

Table ``integration_config`` in the control database (:mod:`pipelines.config.control`)::

    version      INTEGER PRIMARY KEY   1, 2, 3… in save order, never reused
    created_at   TEXT                  ISO-8601 UTC, e.g. 2025-01-31T09:12:03.123456Z
    author       TEXT                  who saved it
    comment      TEXT                  why
    config_json  TEXT                  the IntegrationConfig document
    is_active    INTEGER               1 on exactly one row once anything is saved

Rows are never updated except for ``is_active`` and never deleted: activating an older version
is the rollback, and the newer versions stay in the history. What applies right now is the
*current source*: the active version (``Database (vN)``), else the code default
``configs/default.yaml`` (``Default (Code)``), else nothing (``Not Configured``).

A config is validated before anything is written; an invalid one raises
:class:`~pipelines.config.issues.InvalidConfigError` and leaves the table as it was. Every save
and activation also rewrites ``$SFSYNC_HOME/dbt_vars.json`` with the newly active config
compiled, inside the same write transaction, so the file follows the table.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pipelines.config.catalogs import load_catalog
from pipelines.config.control import control_db, sfsync_home, transaction
from pipelines.config.credentials import find_credentials
from pipelines.config.dbt_vars import compile_to_dbt_vars, write_dbt_vars
from pipelines.config.issues import InvalidConfigError
from pipelines.config.model import IntegrationConfig
from pipelines.config.validation import RunQuery, ensure_valid, load_config_file, parse_config
from pipelines.soql.catalog import Catalog

TABLE = "integration_config"
DEFAULT_CONFIG_ENV = "SFSYNC_DEFAULT_CONFIG"
_REPO_DEFAULT = Path(__file__).resolve().parents[2] / "configs" / "default.yaml"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    version     INTEGER PRIMARY KEY,
    created_at  TEXT    NOT NULL,
    author      TEXT    NOT NULL,
    comment     TEXT    NOT NULL DEFAULT '',
    config_json TEXT    NOT NULL,
    is_active   INTEGER NOT NULL DEFAULT 0 CHECK (is_active IN (0, 1))
);
CREATE UNIQUE INDEX IF NOT EXISTS {TABLE}_one_active ON {TABLE} (is_active) WHERE is_active = 1;
"""


def default_config_path() -> Path:
    """``$SFSYNC_DEFAULT_CONFIG`` if set, else ``configs/default.yaml`` of this checkout."""
    override = os.environ.get(DEFAULT_CONFIG_ENV)
    return Path(override) if override else _REPO_DEFAULT


class VersionNotFoundError(LookupError):
    def __init__(self, version: int) -> None:
        self.version = version
        super().__init__(f"there is no config version {version}; see `sfsync config history`")


@dataclass(frozen=True)
class ConfigVersion:
    """One row of ``integration_config``."""

    version: int
    created_at: str
    author: str
    comment: str
    config_json: str
    is_active: bool

    @property
    def config(self) -> IntegrationConfig:
        return parse_config(json.loads(self.config_json))

    @property
    def document(self) -> dict[str, Any]:
        loaded = json.loads(self.config_json)
        assert isinstance(loaded, dict)
        return loaded

    def summary(self) -> dict[str, Any]:
        """The row without the config body (what ``history --json`` lists)."""
        return {
            "version": self.version,
            "created_at": self.created_at,
            "author": self.author,
            "comment": self.comment,
            "is_active": self.is_active,
        }


@dataclass(frozen=True)
class ConfigSource:
    """Where the config in force comes from: the badge the wizard shows."""

    kind: Literal["database", "default", "not_configured"]
    version: int | None = None

    @property
    def label(self) -> str:
        if self.kind == "database":
            return f"Database (v{self.version})"
        return "Default (Code)" if self.kind == "default" else "Not Configured"

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class CurrentConfig:
    source: ConfigSource
    config: IntegrationConfig | None


class ConfigStore:
    """Config versions in ``$SFSYNC_HOME/control.sqlite``.

    ``catalog`` defaults to :func:`~pipelines.config.catalogs.load_catalog` of ``home`` at each
    save (it changes when a sync refreshes the describe); ``run_query`` is used by saves of
    configs with ``validate_with_api``; ``default_path`` is the code default's file (``None``:
    there is no code default).
    """

    def __init__(
        self,
        home: str | os.PathLike[str] | None = None,
        *,
        catalog: Catalog | None = None,
        run_query: RunQuery | None = None,
        default_path: str | os.PathLike[str] | Literal["auto"] | None = "auto",
    ) -> None:
        self.home = sfsync_home(home)
        self._catalog = catalog
        self.run_query = run_query
        self.default_path = (
            default_config_path()
            if default_path == "auto"
            else (Path(default_path) if default_path is not None else None)
        )
        with control_db(self.home) as db:
            db.executescript(_SCHEMA)

    @property
    def catalog(self) -> Catalog:
        return self._catalog if self._catalog is not None else load_catalog(self.home)

    # ------------------------------------------------------------------ reading

    def history(self) -> list[ConfigVersion]:
        """Every version, newest first."""
        with control_db(self.home) as db:
            rows = db.execute(f"SELECT * FROM {TABLE} ORDER BY version DESC").fetchall()
        return [_version(r) for r in rows]

    def get(self, version: int) -> ConfigVersion:
        with control_db(self.home) as db:
            row = db.execute(f"SELECT * FROM {TABLE} WHERE version = ?", (version,)).fetchone()
        if row is None:
            raise VersionNotFoundError(version)
        return _version(row)

    def active(self) -> ConfigVersion | None:
        with control_db(self.home) as db:
            row = db.execute(f"SELECT * FROM {TABLE} WHERE is_active = 1").fetchone()
        return _version(row) if row is not None else None

    def default_config(self) -> IntegrationConfig | None:
        """The code default, or ``None`` when there is no default file."""
        if self.default_path is None or not self.default_path.is_file():
            return None
        return load_config_file(self.default_path)

    def current(self) -> CurrentConfig:
        """The config in force and where it comes from."""
        active = self.active()
        if active is not None:
            return CurrentConfig(ConfigSource("database", active.version), active.config)
        default = self.default_config()
        if default is not None:
            return CurrentConfig(ConfigSource("default"), default)
        return CurrentConfig(ConfigSource("not_configured"), None)

    def source(self) -> ConfigSource:
        active = self.active()
        if active is not None:
            return ConfigSource("database", active.version)
        if self.default_path is not None and self.default_path.is_file():
            return ConfigSource("default")
        return ConfigSource("not_configured")

    # ------------------------------------------------------------------ writing

    def save(
        self,
        config: IntegrationConfig | Mapping[str, Any],
        *,
        author: str | None = None,
        comment: str = "",
    ) -> ConfigVersion:
        """Validate ``config`` and store it as the next version, which becomes the active one.

        Raises InvalidConfigError (with every issue) and stores nothing when it is not valid.
        """
        parsed = parse_config(config)
        credential_issues = find_credentials({"comment": comment, "author": author or ""})
        if credential_issues:
            raise InvalidConfigError(credential_issues, "save")
        catalog = self.catalog
        ensure_valid(parsed, catalog, run_query=self.run_query)
        who = author or _os_user()
        when = _utc_now()
        body = json.dumps(parsed.to_document())
        with control_db(self.home) as db, transaction(db):
            number = db.execute(f"SELECT COALESCE(MAX(version), 0) + 1 FROM {TABLE}").fetchone()[0]
            dbt_vars = compile_to_dbt_vars(
                parsed, catalog, source=ConfigSource("database", number).label, version=number
            )
            db.execute(f"UPDATE {TABLE} SET is_active = 0 WHERE is_active = 1")
            db.execute(
                f"INSERT INTO {TABLE} (version, created_at, author, comment, config_json, is_active)"
                " VALUES (?, ?, ?, ?, ?, 1)",
                (number, when, who, comment, body),
            )
            write_dbt_vars(dbt_vars, self.home)
        return ConfigVersion(number, when, who, comment, body, True)

    def activate(self, version: int) -> ConfigVersion:
        """Make ``version`` the active one (a rollback when it is older); history is kept.

        The version is compiled against today's catalog first: if the org's schema has moved on
        and it no longer validates, InvalidConfigError is raised and nothing changes.
        """
        row = self.get(version)
        catalog = self.catalog
        try:
            dbt_vars = compile_to_dbt_vars(
                row.config, catalog, source=ConfigSource("database", version).label, version=version
            )
        except InvalidConfigError as err:
            raise InvalidConfigError(err.issues, f"version {version}") from None
        with control_db(self.home) as db, transaction(db):
            db.execute(f"UPDATE {TABLE} SET is_active = 0 WHERE is_active = 1")
            db.execute(f"UPDATE {TABLE} SET is_active = 1 WHERE version = ?", (version,))
            write_dbt_vars(dbt_vars, self.home)
        return ConfigVersion(
            row.version, row.created_at, row.author, row.comment, row.config_json, True
        )

    def compile_current(self, **options: Any) -> dict[str, Any] | None:
        """The config in force compiled to dbt vars (``None`` when Not Configured)."""
        current = self.current()
        if current.config is None:
            return None
        return compile_to_dbt_vars(
            current.config,
            self.catalog,
            source=current.source.label,
            version=current.source.version,
            **options,
        )

    def refresh_dbt_vars(self) -> Path | None:
        """Recompile the config in force into ``dbt_vars.json`` (jobs call this before dbt runs,
        which also moves relative date literals such as ``LAST_N_DAYS:365`` to today)."""
        # Under the write lock, so that a save or activation cannot slip in between reading
        # the active version and writing the file.
        with control_db(self.home) as db, transaction(db):
            dbt_vars = self.compile_current()
            return write_dbt_vars(dbt_vars, self.home) if dbt_vars is not None else None


def _version(row: sqlite3.Row) -> ConfigVersion:
    return ConfigVersion(
        version=int(row["version"]),
        created_at=str(row["created_at"]),
        author=str(row["author"]),
        comment=str(row["comment"]),
        config_json=str(row["config_json"]),
        is_active=bool(row["is_active"]),
    )


def _utc_now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
