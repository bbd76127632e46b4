"""The sandbox org's data: one DuckDB file, one table per object, Salesforce's record bookkeeping.

Layout of a data directory::

    org.duckdb    one table per sObject (``account``, ``account_health_c``), one column per
                  stored field (``annual_revenue``, ``csm_c``), plus ``_sfsync_*`` bookkeeping
    schema.yaml   the org's catalog (standard + custom objects), read back on restart
    org.yaml      org settings (id, time zone, fiscal year, currencies) and how the org was made

Writes go through :class:`OrgStore` so every record gets what Salesforce gives it: an 18-character
id with its object's key prefix, ``CreatedDate`` / ``LastModifiedDate`` / ``SystemModstamp`` in UTC
at millisecond precision, ``CreatedById`` / ``LastModifiedById``, soft deletes logged for
``getDeleted`` until purged. Record-level problems raise :class:`StoreError` with the status code
Salesforce would answer::

    store = OrgStore.create(path, demo_catalog(), OrgSettings.new())
    [account_id] = store.insert("Account", [{"Name": "Acme"}])
    store.update("Account", account_id, {"Industry": "Energy"})
    store.get("Account", account_id, ["Name", "SystemModstamp"])

Objects are stored as the catalog describes them: setup objects (``User``, ``Profile``,
``UserRole``, ``Organization``, ``CurrencyType``) have no ``IsDeleted`` and cannot be deleted.
The checks behind :class:`StoreError` live in :mod:`pipelines.sandbox.checks`.

Readers take their own cursor (:meth:`OrgStore.cursor`, :meth:`OrgStore.reading`); writers are
serialised by a lock.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from pipelines.sandbox import ids, rules
from pipelines.sandbox.checks import (
    StoreError,
    apply_derived,
    check_references,
    check_unique,
    coerce_fields,
    field_of,
    normalise_id,
    not_found,
    prepare_insert,
    require_id,
    rolled_back,
    unsupported,
)
from pipelines.sandbox.schema import (
    arrow_type,
    complete_catalog,
    compound_parts,
    create_table_sql,
    dump_catalog,
    is_stored,
    load_catalog,
    quote,
    stored_fields,
)
from pipelines.sandbox.settings import OrgSettings
from pipelines.sandbox.values import FieldValueError, coerce, utc_ms, utc_now
from pipelines.soql.catalog import COMPOUND_TYPES, Catalog, Field, SObject
from pipelines.soql.naming import column_name, table_name

DB_FILE = "org.duckdb"
SCHEMA_FILE = "schema.yaml"
SETTINGS_FILE = "org.yaml"
FORMAT_VERSION = 1
ADMIN_USERNAME = "admin@sandbox.local"

_SEQUENCES = "_sfsync_sequences"
_DELETED = "_sfsync_deleted"
# Sequences start here so minted ids look like an established org's (…SB00000Q0u…).
ID_COUNTER_START = 100_000

__all__ = ["ADMIN_USERNAME", "OrgSettings", "OrgStore", "StoreError", "arrow_type"]


class OrgStore:
    """A persisted sandbox org. Build with :meth:`create` (empty) or :meth:`open` (existing)."""

    def __init__(
        self,
        data_dir: Path,
        con: duckdb.DuckDBPyConnection,
        catalog: Catalog,
        settings: OrgSettings,
        source: dict[str, Any],
    ) -> None:
        self.data_dir = data_dir
        self.catalog = catalog
        self.settings = settings
        self.source = source
        self._con = con
        self._writer = con.cursor()
        self._writer.execute("SET TimeZone = 'UTC'")
        self._lock = threading.RLock()
        self._state = "ready"

    # --- life cycle -----------------------------------------------------------------------------

    @staticmethod
    def exists(data_dir: Path | str) -> bool:
        """Whether ``data_dir`` holds a completely built org."""
        path = Path(data_dir) / SETTINGS_FILE
        if not path.exists():
            return False
        doc = yaml.safe_load(path.read_text("utf-8")) or {}
        return doc.get("state") == "ready"

    @staticmethod
    def read_source(data_dir: Path | str) -> dict[str, Any] | None:
        """How the org in ``data_dir`` was made (``{"kind": "demo", "seed": …}``), if it exists."""
        path = Path(data_dir) / SETTINGS_FILE
        if not path.exists():
            return None
        doc = yaml.safe_load(path.read_text("utf-8")) or {}
        source = doc.get("source")
        return dict(source) if isinstance(source, Mapping) else {}

    @classmethod
    def create(
        cls,
        data_dir: Path | str,
        catalog: Catalog,
        settings: OrgSettings,
        *,
        source: Mapping[str, Any] | None = None,
        overwrite: bool = False,
        create_admin: bool = True,
        building: bool = False,
        now: datetime | None = None,
    ) -> OrgStore:
        """A new, empty org in ``data_dir``: tables created, catalog and settings written.

        ``create_admin`` adds the admin user (``admin@sandbox.local``) unless the settings
        name one. ``building`` marks the org unfinished until :meth:`finish_build`, so a crash
        half-way through loading leaves a directory :meth:`open` refuses. ``now`` dates the
        admin user and the ``Organization`` record (default: the current time).
        """
        path = Path(data_dir)
        path.mkdir(parents=True, exist_ok=True)
        if (path / SETTINGS_FILE).exists() and not overwrite:
            raise FileExistsError(
                f"{path} already holds a sandbox org; open it or pass overwrite=True"
            )
        for name in (SETTINGS_FILE, SCHEMA_FILE, DB_FILE, DB_FILE + ".wal"):
            with contextlib.suppress(FileNotFoundError):
                (path / name).unlink()
        catalog = complete_catalog(catalog)
        con = duckdb.connect(str(path / DB_FILE))
        con.execute("SET TimeZone = 'UTC'")
        for obj in catalog:
            con.execute(create_table_sql(obj))
        con.execute(
            f"CREATE TABLE {_SEQUENCES} (name VARCHAR PRIMARY KEY, next_value BIGINT NOT NULL)"
        )
        con.execute(
            f"CREATE TABLE {_DELETED} (object_name VARCHAR NOT NULL, id VARCHAR NOT NULL, "
            "deleted_date TIMESTAMPTZ NOT NULL, deleted_by_id VARCHAR, root_id VARCHAR, "
            "purged BOOLEAN NOT NULL DEFAULT false)"
        )
        _write_atomically(path / SCHEMA_FILE, dump_catalog(catalog))
        store = cls(path, con, catalog, settings, dict(source or {}))
        store._state = "building"
        if create_admin and settings.admin_user_id is None and catalog.get("User") is not None:
            store.create_admin_user(now=now)
        if catalog.get("Organization") is not None:
            store._insert_organization(now)
        if building:
            store._save_settings()
        else:
            store.finish_build()
        return store

    @classmethod
    def open(cls, data_dir: Path | str) -> OrgStore:
        """The org persisted in ``data_dir``; raises ``FileNotFoundError`` / ``ValueError`` if none."""
        path = Path(data_dir)
        settings_path = path / SETTINGS_FILE
        if not settings_path.exists() or not (path / DB_FILE).exists():
            raise FileNotFoundError(f"{path} holds no sandbox org (no {SETTINGS_FILE} / {DB_FILE})")
        doc = yaml.safe_load(settings_path.read_text("utf-8")) or {}
        if doc.get("state") != "ready":
            raise ValueError(
                f"{path}: the org was not completely built; delete the directory and build it again"
            )
        if doc.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path}: unsupported org format {doc.get('format')!r}")
        catalog = load_catalog(
            (path / SCHEMA_FILE).read_text("utf-8"), source=str(path / SCHEMA_FILE)
        )
        settings = OrgSettings.from_mapping(doc.get("settings") or {})
        con = duckdb.connect(str(path / DB_FILE))
        con.execute("SET TimeZone = 'UTC'")
        existing = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        for obj in catalog:
            if table_name(obj.name) not in existing:
                con.execute(create_table_sql(obj))
        return cls(path, con, catalog, settings, dict(doc.get("source") or {}))

    def finish_build(self) -> None:
        """Mark the org complete (see ``building`` in :meth:`create`) and checkpoint it."""
        self._state = "ready"
        with self._lock:
            self._writer.execute("CHECKPOINT")
        self._save_settings()

    def save_settings(self) -> None:
        """Persist :attr:`settings` after changing them (the ``Organization`` record follows)."""
        self._save_settings()
        if self.catalog.get("Organization") is not None:
            values = {k: v for k, v in self.settings.organization_record().items() if k != "Id"}
            values["CreatedById"] = values["LastModifiedById"] = self.settings.admin_user_id
            obj = self.sobject("Organization")
            row = {k: coerce(obj.fields[k.lower()], v) for k, v in values.items() if obj.field(k)}
            with self._writing() as cur:
                self._update_row(cur, obj, self.settings.org_id, row)

    def _insert_organization(self, now: datetime | None) -> None:
        obj = self.sobject("Organization")
        record = {
            k: v for k, v in self.settings.organization_record().items() if obj.field(k) is not None
        }
        self.load_records("Organization", [record], now=now)

    def currency_rates(self) -> dict[str, float]:
        """Active currencies' conversion rates against the corporate one (empty: single currency)."""
        obj = self.catalog.get("CurrencyType")
        if not self.settings.multi_currency or obj is None:
            return {}
        with self.reading() as cur:
            rows = cur.execute(
                f"SELECT iso_code, conversion_rate FROM {self.table(obj.name)} WHERE is_active"
            ).fetchall()
        return {str(code): float(rate) for code, rate in rows if code and rate is not None}

    def _save_settings(self) -> None:
        doc = {
            "format": FORMAT_VERSION,
            "state": self._state,
            "settings": self.settings.to_mapping(),
            "source": self.source,
        }
        _write_atomically(self.data_dir / SETTINGS_FILE, yaml.safe_dump(doc, sort_keys=False))

    def close(self) -> None:
        with self._lock:
            self._writer.close()
            self._con.close()

    def __enter__(self) -> OrgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILE

    # --- access -----------------------------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor on the org's database (UTC session), for one thread or request. Close it."""
        cur = self._con.cursor()
        cur.execute("SET TimeZone = 'UTC'")
        return cur

    @contextlib.contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """``with store.reading() as cur:`` — a cursor closed afterwards."""
        cur = self.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextlib.contextmanager
    def writes_paused(self) -> Iterator[None]:
        """``with store.writes_paused():`` — writers wait until the block ends; reads go on.

        For watching work that is in flight, e.g. a Bulk ingest job queued behind it.
        """
        with self._lock:
            yield

    @contextlib.contextmanager
    def _writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            cur = self._writer
            cur.begin()
            try:
                yield cur
            except BaseException:
                cur.rollback()
                raise
            cur.commit()

    def sobject(self, object_name: str) -> SObject:
        """The catalog entry of an object; ``StoreError(INVALID_TYPE)`` when the org has none."""
        obj = self.catalog.get(object_name)
        if obj is None:
            raise StoreError(
                "INVALID_TYPE",
                f"sObject type '{object_name}' is not supported. If you are attempting to use a custom "
                "object, be sure to append the '__c' after the entity name.",
            )
        return obj

    def table(self, object_name: str) -> str:
        """The quoted table name of an object."""
        return quote(table_name(self.sobject(object_name).name))

    def object_for_id(self, record_id: str) -> SObject | None:
        """The object whose key prefix starts ``record_id``."""
        prefix = record_id[:3]
        for obj in self.catalog:
            if obj.key_prefix == prefix:
                return obj
        return None

    @property
    def admin_user_id(self) -> str:
        if self.settings.admin_user_id is None:
            raise RuntimeError("the org has no admin user")
        return self.settings.admin_user_id

    # --- ids ----------------------------------------------------------------------------------------

    def _reserve(self, cur: duckdb.DuckDBPyConnection, name: str, count: int, start: int) -> int:
        row = _first(
            cur.execute(
                f"UPDATE {_SEQUENCES} SET next_value = next_value + ? WHERE name = ? RETURNING next_value",
                [count, name],
            ).fetchall()
        )
        if row is not None:
            return int(row[0]) - count
        cur.execute(f"INSERT INTO {_SEQUENCES} VALUES (?, ?)", [name, start + count])
        return start

    def _bump(self, cur: duckdb.DuckDBPyConnection, name: str, at_least: int) -> None:
        """Make the sequence ``name`` hand out values from ``at_least`` on (never backwards)."""
        row = _first(
            cur.execute(f"SELECT next_value FROM {_SEQUENCES} WHERE name = ?", [name]).fetchall()
        )
        if row is None:
            cur.execute(f"INSERT INTO {_SEQUENCES} VALUES (?, ?)", [name, at_least])
        elif int(row[0]) < at_least:
            cur.execute(f"UPDATE {_SEQUENCES} SET next_value = ? WHERE name = ?", [at_least, name])

    def _prefix(self, obj: SObject) -> str:
        if not obj.key_prefix:
            raise StoreError("INVALID_TYPE", f"{obj.name} has no key prefix")
        return obj.key_prefix

    def new_ids(self, object_name: str, count: int) -> list[str]:
        """``count`` fresh 18-character ids for ``object_name`` (never handed out again)."""
        return self.new_id_array(object_name, count).to_pylist()

    def new_id_array(self, object_name: str, count: int) -> pa.StringArray:
        """Like :meth:`new_ids`, as an Arrow array (for bulk loads)."""
        prefix = self._prefix(self.sobject(object_name))
        with self._writing() as cur:
            start = self._reserve(cur, "id:" + prefix, count, ID_COUNTER_START)
        return ids.id_array(prefix, start, count)

    def advance_ids(self, object_name: str, existing: pa.Array | pa.ChunkedArray) -> None:
        """Make sure :meth:`new_ids` never hands out an id among ``existing`` (ids being loaded)."""
        prefix = self._prefix(self.sobject(object_name))
        top = ids.max_minted_counter(existing, prefix)
        if top is not None:
            with self._writing() as cur:
                self._bump(cur, "id:" + prefix, top + 1)

    def reserve_numbers(self, object_name: str, field_name: str, count: int) -> int:
        """Reserve ``count`` auto-numbers of ``Object.Field``; returns the first one."""
        obj = self.sobject(object_name)
        with self._writing() as cur:
            return self._reserve(
                cur, f"auto:{obj.name}.{field_name}", count, rules.AUTO_NUMBER_START
            )

    # --- reads --------------------------------------------------------------------------------------

    def get(
        self,
        object_name: str,
        record_id: str,
        fields: Sequence[str] | None = None,
        *,
        include_deleted: bool = False,
    ) -> dict[str, Any] | None:
        """One record as ``{API name: value}`` or ``None`` (unknown, malformed or deleted id).

        Without ``fields`` every field is returned, compound ones (``BillingAddress``) as the
        mapping REST shows (``{"street", "city", …}``). Datetimes are aware UTC datetimes.
        """
        return self.get_many(object_name, [record_id], fields, include_deleted=include_deleted)[0]

    def get_many(
        self,
        object_name: str,
        record_ids: Sequence[str],
        fields: Sequence[str] | None = None,
        *,
        include_deleted: bool = False,
    ) -> list[dict[str, Any] | None]:
        """Records in the order of ``record_ids`` (``None`` where there is none)."""
        obj = self.sobject(object_name)
        wanted = (
            list(obj.iter_fields())
            if fields is None
            else [field_of(obj, n, entity=True) for n in fields]
        )
        stored: list[Field] = []
        for f in wanted:
            parts = [p for _, p in compound_parts(obj, f)] if f.type in COMPOUND_TYPES else [f]
            for p in parts:
                if p not in stored:
                    stored.append(p)
        deleted_field = obj.field("IsDeleted")
        if deleted_field is not None and deleted_field not in stored:
            stored.append(deleted_field)
        normalised = [normalise_id(obj, i) for i in record_ids]
        lookup = [i for i in normalised if i is not None]
        rows: dict[str, dict[str, Any]] = {}
        if lookup:
            cols = ", ".join(quote(column_name(f.name)) for f in stored)
            with self.reading() as cur:
                result = cur.execute(
                    f"SELECT id, {cols} FROM {self.table(obj.name)} WHERE id IN (SELECT unnest(?))",
                    [lookup],
                ).fetchall()
            for row in result:
                rows[row[0]] = {
                    f.name: _python_value(v) for f, v in zip(stored, row[1:], strict=True)
                }
        out: list[dict[str, Any] | None] = []
        for rid in normalised:
            raw = rows.get(rid) if rid else None
            if raw is None or (raw.get("IsDeleted") and not include_deleted):
                out.append(None)
                continue
            record: dict[str, Any] = {}
            for f in wanted:
                if f.type in COMPOUND_TYPES:
                    value = {key: raw[p.name] for key, p in compound_parts(obj, f)}
                    record[f.name] = value if any(v is not None for v in value.values()) else None
                else:
                    record[f.name] = raw[f.name]
            out.append(record)
        return out

    def find_ids(
        self, object_name: str, field_name: str, value: Any, *, include_deleted: bool = False
    ) -> list[str]:
        """Ids of the records whose ``field_name`` equals ``value`` (external-id lookups).

        Text compares case-insensitively unless the field is case-sensitive, as Salesforce does.
        """
        obj = self.sobject(object_name)
        f = field_of(obj, field_name)
        try:
            value = coerce(f, value)
        except FieldValueError:
            return []
        if value is None:
            return []
        col = quote(column_name(f.name))
        if isinstance(value, str) and not f.case_sensitive and not f.is_id:
            condition, param = f"lower({col}) = lower(?)", value
        else:
            condition, param = f"{col} = ?", value
        deleted = "" if include_deleted or obj.field("IsDeleted") is None else " AND NOT is_deleted"
        with self.reading() as cur:
            rows = cur.execute(
                f"SELECT id FROM {self.table(obj.name)} WHERE {condition}{deleted} ORDER BY id",
                [param],
            ).fetchall()
        return [r[0] for r in rows]

    def count(self, object_name: str, *, include_deleted: bool = False) -> int:
        obj = self.sobject(object_name)
        where = "" if include_deleted or obj.field("IsDeleted") is None else " WHERE NOT is_deleted"
        with self.reading() as cur:
            row = _first(
                cur.execute(f"SELECT count(*) FROM {self.table(object_name)}{where}").fetchall()
            )
        return int(row[0]) if row else 0

    def updated_ids(self, object_name: str, start: datetime, end: datetime) -> list[str]:
        """Ids of live records whose ``SystemModstamp`` is in ``[start, end)`` (getUpdated)."""
        obj = self.sobject(object_name)
        stamp = next(
            (column_name(n) for n in ("SystemModstamp", "LastModifiedDate") if obj.field(n)), None
        )
        if stamp is None:
            return []
        live = "NOT is_deleted AND " if obj.field("IsDeleted") is not None else ""
        with self.reading() as cur:
            rows = cur.execute(
                f"SELECT id FROM {self.table(obj.name)} WHERE {live}"
                f"{stamp} >= ? AND {stamp} < ? ORDER BY {stamp}, id",
                [utc_ms(start), utc_ms(end)],
            ).fetchall()
        return [r[0] for r in rows]

    def deleted(
        self, object_name: str, start: datetime, end: datetime
    ) -> list[tuple[str, datetime]]:
        """``(id, deletedDate)`` of records deleted in ``[start, end)``, purged ones included (getDeleted)."""
        obj = self.sobject(object_name)
        with self.reading() as cur:
            rows = cur.execute(
                f"SELECT id, deleted_date FROM {_DELETED} WHERE object_name = ? "
                "AND deleted_date >= ? AND deleted_date < ? ORDER BY deleted_date, id",
                [obj.name, utc_ms(start), utc_ms(end)],
            ).fetchall()
        return [(r[0], _python_value(r[1])) for r in rows]

    def earliest_deleted_date(self, object_name: str) -> datetime | None:
        obj = self.sobject(object_name)
        with self.reading() as cur:
            row = _first(
                cur.execute(
                    f"SELECT min(deleted_date) FROM {_DELETED} WHERE object_name = ?", [obj.name]
                ).fetchall()
            )
        return _python_value(row[0]) if row and row[0] is not None else None

    # --- writes -------------------------------------------------------------------------------------

    def insert(
        self,
        object_name: str,
        records: Sequence[Mapping[str, Any]],
        *,
        user_id: str | None = None,
        now: datetime | None = None,
    ) -> list[str]:
        """Create records (all or none); returns their ids. Raises the first :class:`StoreError`."""
        results = self.insert_results(
            object_name, records, all_or_none=True, user_id=user_id, now=now
        )
        for result in results:
            if (
                isinstance(result, StoreError)
                and result.status_code != "ALL_OR_NONE_OPERATION_ROLLED_BACK"
            ):
                raise result
        return [r for r in results if isinstance(r, str)]

    def insert_results(
        self,
        object_name: str,
        records: Sequence[Mapping[str, Any]],
        *,
        all_or_none: bool = False,
        user_id: str | None = None,
        now: datetime | None = None,
    ) -> list[str | StoreError]:
        """Create records one result per input: the new id or the :class:`StoreError`.

        With ``all_or_none`` a single failure creates nothing, and the records that were fine
        report ``ALL_OR_NONE_OPERATION_ROLLED_BACK`` (as sObject Collections do).
        """
        obj = self.sobject(object_name)
        if not obj.createable:
            raise unsupported(obj, "create")
        stamp = utc_ms(now) if now else utc_now()
        with self._writing() as cur:
            user = user_id or self.settings.admin_user_id
            results: list[dict[str, Any] | StoreError] = []
            for index, record in enumerate(records):
                try:
                    results.append(
                        prepare_insert(
                            obj, record, user=user, currency=self.settings.corporate_currency
                        )
                    )
                except StoreError as err:
                    err.index = index
                    results.append(err)
            check_references(self, cur, obj, results)
            check_unique(self, cur, obj, results)
            if all_or_none and any(isinstance(r, StoreError) for r in results):
                return [
                    r if isinstance(r, StoreError) else rolled_back(i)
                    for i, r in enumerate(results)
                ]
            good = [r for r in results if not isinstance(r, StoreError)]
            if not good:
                return [r for r in results if isinstance(r, StoreError)]
            prefix = self._prefix(obj)
            start = self._reserve(cur, "id:" + prefix, len(good), ID_COUNTER_START)
            new_ids = ids.id_array(prefix, start, len(good)).to_pylist()
            auto = rules.AUTO_NUMBER_FIELDS.get(obj.name.lower())
            number = 0
            if auto and obj.field(auto[0]):
                number = self._reserve(
                    cur, f"auto:{obj.name}.{auto[0]}", len(good), rules.AUTO_NUMBER_START
                )
            context = self.settings.rule_context()
            for offset, (row, new_id) in enumerate(zip(good, new_ids, strict=True)):
                changed = set(row)
                row["Id"] = new_id
                if obj.custom and obj.field("Name") and not row.get("Name"):
                    row["Name"] = new_id
                if auto and obj.field(auto[0]):
                    row[auto[0]] = str(number + offset).zfill(auto[1])
                apply_derived(obj, row, rules.derive(obj.name, row, changed, stamp, context))
                _stamp(obj, row, stamp, user, created=True)
            self._append_rows(cur, obj, good)
        out: list[str | StoreError] = []
        for r in results:
            out.append(r if isinstance(r, StoreError) else str(r["Id"]))
        return out

    def _append_rows(
        self, cur: duckdb.DuckDBPyConnection, obj: SObject, rows: list[dict[str, Any]]
    ) -> None:
        columns = stored_fields(obj)
        schema = pa.schema([pa.field(column_name(f.name), arrow_type(f)) for f in columns])
        data = {
            column_name(f.name): pa.array(
                [_arrow_value(row.get(f.name), f) for row in rows], type=arrow_type(f)
            )
            for f in columns
        }
        self._insert_arrow(cur, obj, pa.Table.from_pydict(data, schema=schema))

    def _insert_arrow(self, cur: duckdb.DuckDBPyConnection, obj: SObject, table: pa.Table) -> None:
        view = f"_sfsync_load_{threading.get_ident()}"
        cur.register(view, table)
        try:
            cur.execute(f"INSERT INTO {self.table(obj.name)} BY NAME SELECT * FROM {quote(view)}")
        finally:
            cur.unregister(view)

    def update(
        self,
        object_name: str,
        record_id: str,
        values: Mapping[str, Any],
        *,
        user_id: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Change fields of a live record; bumps ``LastModifiedDate``/``ById`` and ``SystemModstamp``."""
        [result] = self.update_results(
            object_name, [{**values, "Id": record_id}], user_id=user_id, now=now
        )
        if isinstance(result, StoreError):
            raise result

    def update_results(
        self,
        object_name: str,
        records: Sequence[Mapping[str, Any]],
        *,
        all_or_none: bool = False,
        user_id: str | None = None,
        now: datetime | None = None,
    ) -> list[str | StoreError]:
        """Update records that carry their ``Id``; one result (id or error) per input."""
        obj = self.sobject(object_name)
        if not obj.updateable:
            raise unsupported(obj, "update")
        stamp = utc_ms(now) if now else utc_now()
        with self._writing() as cur:
            user = user_id or self.settings.admin_user_id
            record_ids: list[str | None] = []
            results: list[dict[str, Any] | StoreError] = []
            for index, record in enumerate(records):
                raw_id = next((v for k, v in record.items() if k.lower() == "id"), None)
                valid_id: str | None = None
                try:
                    if raw_id is None:
                        raise StoreError(
                            "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"]
                        )
                    valid_id = require_id(obj, raw_id)
                    values = {k: v for k, v in record.items() if k.lower() != "id"}
                    results.append(coerce_fields(obj, values, creating=False, record_id=valid_id))
                except StoreError as err:
                    err.index = index
                    results.append(err)
                record_ids.append(valid_id)
            current = self._current_rows(cur, obj, [r for r in record_ids if r])
            for i, maybe_id in enumerate(record_ids):
                if isinstance(results[i], StoreError) or maybe_id is None:
                    continue
                existing = current.get(maybe_id)
                if existing is None:
                    results[i] = not_found(i)
                elif existing.get("IsDeleted"):
                    results[i] = StoreError("ENTITY_IS_DELETED", "entity is deleted", index=i)
            check_references(self, cur, obj, results)
            check_unique(self, cur, obj, results, own_ids=record_ids)
            if all_or_none and any(isinstance(r, StoreError) for r in results):
                return [
                    r if isinstance(r, StoreError) else rolled_back(i)
                    for i, r in enumerate(results)
                ]
            context = self.settings.rule_context()
            for i, row in enumerate(results):
                if isinstance(row, StoreError):
                    continue
                record_id = record_ids[i]
                assert record_id is not None
                previous = current[record_id]
                merged = {**previous, **row}
                apply_derived(
                    obj,
                    row,
                    rules.derive(obj.name, merged, set(row), stamp, context, previous=previous),
                )
                moment = max(stamp, previous.get("SystemModstamp") or stamp)
                _stamp(obj, row, moment, user, created=False)
                self._update_row(cur, obj, record_id, row)
        return [
            r if isinstance(r, StoreError) else str(record_ids[i]) for i, r in enumerate(results)
        ]

    def _current_rows(
        self, cur: duckdb.DuckDBPyConnection, obj: SObject, record_ids: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        if not record_ids:
            return {}
        columns = stored_fields(obj)
        cols = ", ".join(quote(column_name(f.name)) for f in columns)
        result = cur.execute(
            f"SELECT {cols} FROM {self.table(obj.name)} WHERE id IN (SELECT unnest(?))",
            [list(record_ids)],
        ).fetchall()
        rows = [{f.name: _python_value(v) for f, v in zip(columns, r, strict=True)} for r in result]
        return {str(r["Id"]): r for r in rows}

    def _update_row(
        self, cur: duckdb.DuckDBPyConnection, obj: SObject, record_id: str, row: Mapping[str, Any]
    ) -> None:
        names = [n for n in row if is_stored(obj.fields[n.lower()])]
        sets = ", ".join(f"{quote(column_name(n))} = ?" for n in names)
        params = [row[n] for n in names]
        cur.execute(f"UPDATE {self.table(obj.name)} SET {sets} WHERE id = ?", [*params, record_id])

    def upsert(
        self,
        object_name: str,
        external_id_field: str,
        value: Any,
        values: Mapping[str, Any],
        *,
        user_id: str | None = None,
        now: datetime | None = None,
    ) -> tuple[str, bool]:
        """Update the record whose external id is ``value``, or create it: ``(id, created)``.

        Several matches raise ``MULTIPLE_CHOICES`` (HTTP 300) listing their ids.
        """
        obj = self.sobject(object_name)
        f = obj.field(external_id_field)
        if f is None or not (f.external_id or f.name == "Id" or f.unique):
            raise StoreError(
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {external_id_field}",
            )
        body = {
            k: v for k, v in values.items() if k.lower() != f.name.lower() and k != "attributes"
        }
        with self._lock:
            if f.name == "Id":
                rid = require_id(obj, value)
                self.update(obj.name, rid, body, user_id=user_id, now=now)
                return rid, False
            matches = self.find_ids(obj.name, f.name, value)
            if len(matches) > 1:
                raise StoreError(
                    "MULTIPLE_CHOICES",
                    f"more than one record found for external id field {f.name} with value {value}",
                    [f.name],
                    record_ids=matches,
                )
            if matches:
                self.update(obj.name, matches[0], body, user_id=user_id, now=now)
                return matches[0], False
            [new_id] = self.insert(obj.name, [{**body, f.name: value}], user_id=user_id, now=now)
            return new_id, True

    def delete(
        self,
        object_name: str,
        record_id: str,
        *,
        user_id: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Soft-delete a record and its cascade children (``IsDeleted``, ``SystemModstamp`` bumped)."""
        [result] = self.delete_results(object_name, [record_id], user_id=user_id, now=now)
        if isinstance(result, StoreError):
            raise result

    def delete_results(
        self,
        object_name: str,
        record_ids: Sequence[str],
        *,
        all_or_none: bool = False,
        user_id: str | None = None,
        now: datetime | None = None,
    ) -> list[str | StoreError]:
        obj = self.sobject(object_name)
        if not obj.deletable or obj.field("IsDeleted") is None:
            raise unsupported(obj, "delete")
        stamp = utc_ms(now) if now else utc_now()
        user = user_id or self.settings.admin_user_id
        with self._writing() as cur:
            results: list[str | StoreError] = []
            for index, raw in enumerate(record_ids):
                rid = normalise_id(obj, raw)
                if rid is None:
                    results.append(
                        StoreError("MALFORMED_ID", f"malformed id {raw}", index=index)
                        if not ids.is_valid_id(raw)
                        else not_found(index)
                    )
                    continue
                row = _first(
                    cur.execute(
                        f"SELECT is_deleted FROM {self.table(obj.name)} WHERE id = ?", [rid]
                    ).fetchall()
                )
                if row is None:
                    results.append(not_found(index))
                elif row[0]:
                    results.append(
                        StoreError("ENTITY_IS_DELETED", "entity is deleted", index=index)
                    )
                else:
                    results.append(rid)
            if all_or_none and any(isinstance(r, StoreError) for r in results):
                return [
                    r if isinstance(r, StoreError) else rolled_back(i)
                    for i, r in enumerate(results)
                ]
            for r in results:
                if isinstance(r, str):
                    self._soft_delete(cur, obj, [r], root=r, stamp=stamp, user=user)
        return results

    def _soft_delete(
        self,
        cur: duckdb.DuckDBPyConnection,
        obj: SObject,
        record_ids: list[str],
        *,
        root: str,
        stamp: datetime,
        user: str | None,
    ) -> None:
        if not record_ids:
            return
        table = self.table(obj.name)
        cur.execute(
            f"UPDATE {table} SET is_deleted = true, last_modified_date = greatest(?, system_modstamp), "
            "last_modified_by_id = ?, system_modstamp = greatest(?, system_modstamp) "
            "WHERE id IN (SELECT unnest(?)) AND NOT is_deleted",
            [stamp, user, stamp, record_ids],
        )
        cur.execute(
            f"INSERT INTO {_DELETED} (object_name, id, deleted_date, deleted_by_id, root_id) "
            "SELECT ?, unnest(?), ?, ?, ?",
            [obj.name, record_ids, stamp, user, root],
        )
        for child_name, field_name in rules.CASCADE_DELETES.get(obj.name.lower(), ()):
            child = self.catalog.get(child_name)
            if child is None or child.field(field_name) is None:
                continue
            col = quote(column_name(field_name))
            children = cur.execute(
                f"SELECT id FROM {self.table(child.name)} WHERE {col} IN (SELECT unnest(?)) AND NOT is_deleted",
                [record_ids],
            ).fetchall()
            self._soft_delete(
                cur, child, [c[0] for c in children], root=root, stamp=stamp, user=user
            )

    def undelete(
        self,
        object_name: str,
        record_id: str,
        *,
        user_id: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Restore a soft-deleted record and the children its deletion took with it."""
        obj = self.sobject(object_name)
        rid = require_id(obj, record_id)
        stamp = utc_ms(now) if now else utc_now()
        user = user_id or self.settings.admin_user_id
        with self._writing() as cur:
            row = _first(
                cur.execute(
                    f"SELECT is_deleted FROM {self.table(obj.name)} WHERE id = ?", [rid]
                ).fetchall()
            )
            if row is None:
                raise StoreError("UNDELETE_FAILED", "Entity is not in the recycle bin", ["Id"])
            if not row[0]:
                raise StoreError("UNDELETE_FAILED", "Entity is not in the recycle bin", ["Id"])
            logged = cur.execute(
                f"SELECT object_name, id FROM {_DELETED} WHERE (root_id = ? OR id = ?) AND NOT purged",
                [rid, rid],
            ).fetchall()
            by_object: dict[str, list[str]] = {obj.name: [rid]}
            for name, child_id in logged:
                if child_id != rid:
                    by_object.setdefault(name, []).append(child_id)
            for name, restore in by_object.items():
                cur.execute(
                    f"UPDATE {self.table(name)} SET is_deleted = false, "
                    "last_modified_date = greatest(?, system_modstamp), last_modified_by_id = ?, "
                    "system_modstamp = greatest(?, system_modstamp) WHERE id IN (SELECT unnest(?))",
                    [stamp, user, stamp, restore],
                )
                cur.execute(
                    f"DELETE FROM {_DELETED} WHERE object_name = ? AND id IN (SELECT unnest(?)) AND NOT purged",
                    [name, restore],
                )

    def purge(self, object_name: str, record_ids: Iterable[str] | None = None) -> int:
        """Hard-delete soft-deleted records (all of the object's, or those listed): the recycle bin
        is emptied, ``getDeleted`` still reports them. Returns how many rows went."""
        obj = self.sobject(object_name)
        table = self.table(obj.name)
        with self._writing() as cur:
            if record_ids is None:
                doomed = [
                    r[0] for r in cur.execute(f"SELECT id FROM {table} WHERE is_deleted").fetchall()
                ]
            else:
                wanted = [i for i in (normalise_id(obj, r) for r in record_ids) if i]
                doomed = [
                    r[0]
                    for r in cur.execute(
                        f"SELECT id FROM {table} WHERE is_deleted AND id IN (SELECT unnest(?))",
                        [wanted],
                    ).fetchall()
                ]
            if doomed:
                cur.execute(f"DELETE FROM {table} WHERE id IN (SELECT unnest(?))", [doomed])
                cur.execute(
                    f"UPDATE {_DELETED} SET purged = true WHERE object_name = ? AND id IN (SELECT unnest(?))",
                    [obj.name, doomed],
                )
        return len(doomed)

    # --- bulk loading (generator, org directories) ----------------------------------------------

    def load_arrow(
        self,
        object_name: str,
        columns: pa.Table | Mapping[str, pa.Array | pa.ChunkedArray],
        *,
        delete_roots: pa.Array | None = None,
    ) -> int:
        """Append rows given as Arrow columns keyed by field API name, without per-row validation.

        The caller provides every value, bookkeeping included (``Id`` minted with
        :meth:`new_id_array` or taken from the source); missing boolean columns become false.
        Rows with ``IsDeleted`` true are logged as deleted at their ``SystemModstamp``
        (``delete_roots`` names the record whose deletion took each row with it, for undelete).
        Sequences are advanced past any id or auto-number the rows use.
        """
        obj = self.sobject(object_name)
        table = columns if isinstance(columns, pa.Table) else pa.table(dict(columns))
        arrays = {}
        for name, col in zip(table.column_names, table.columns, strict=True):
            f = field_of(obj, name)
            if not is_stored(f):
                raise StoreError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE", f"{f.name} is a compound field", [f.name]
                )
            arrays[column_name(f.name)] = col.cast(arrow_type(f))
        for f in stored_fields(obj):
            if f.type == "boolean" and column_name(f.name) in arrays:
                arrays[column_name(f.name)] = pc.fill_null(arrays[column_name(f.name)], False)
        data = pa.table(arrays)
        with self._writing() as cur:
            self._insert_arrow(cur, obj, data)
            if "is_deleted" in arrays and "system_modstamp" in arrays:
                log = pa.table(
                    {
                        "id": data["id"],
                        "deleted_date": data["system_modstamp"],
                        "deleted_by_id": data["last_modified_by_id"]
                        if "last_modified_by_id" in arrays
                        else pa.nulls(len(data), pa.string()),
                        "root_id": delete_roots if delete_roots is not None else data["id"],
                        "is_deleted": data["is_deleted"],
                    }
                )
                view = f"_sfsync_log_{threading.get_ident()}"
                cur.register(view, log)
                try:
                    cur.execute(
                        f"INSERT INTO {_DELETED} (object_name, id, deleted_date, deleted_by_id, root_id) "
                        f"SELECT ?, id, deleted_date, deleted_by_id, root_id FROM {quote(view)} WHERE is_deleted",
                        [obj.name],
                    )
                finally:
                    cur.unregister(view)
            if "id" in arrays:
                top = ids.max_minted_counter(data["id"], self._prefix(obj))
                if top is not None:
                    self._bump(cur, "id:" + self._prefix(obj), top + 1)
            auto = rules.AUTO_NUMBER_FIELDS.get(obj.name.lower())
            if auto and column_name(auto[0]) in arrays:
                col = quote(column_name(auto[0]))
                row = _first(
                    cur.execute(
                        f"SELECT max(TRY_CAST({col} AS BIGINT)) FROM {self.table(obj.name)}"
                    ).fetchall()
                )
                if row and row[0] is not None:
                    self._bump(cur, f"auto:{obj.name}.{auto[0]}", int(row[0]) + 1)
        return len(data)

    def load_records(
        self, object_name: str, records: Sequence[Mapping[str, Any]], *, now: datetime | None = None
    ) -> list[str]:
        """Append a few records given as ``{API name: value}`` (coerced, not validated).

        Ids are minted where missing and the bookkeeping fields filled (admin user, ``now``).
        For seeding small objects; :meth:`insert` is the validated path.
        """
        obj = self.sobject(object_name)
        stamp = utc_ms(now) if now else utc_now()
        missing = sum(1 for r in records if not r.get("Id"))
        fresh = iter(self.new_ids(obj.name, missing) if missing else [])
        user = self.settings.admin_user_id
        rows = []
        for record in records:
            row: dict[str, Any] = {}
            for key, value in record.items():
                f = field_of(obj, key)
                try:
                    row[f.name] = coerce(f, value)
                except FieldValueError as err:
                    raise StoreError(err.status_code, err.message, [f.name]) from None
            row["Id"] = row.get("Id") or next(fresh)
            for name, value in (
                ("CreatedDate", stamp),
                ("CreatedById", user),
                ("LastModifiedById", user),
                ("OwnerId", user),
                ("CurrencyIsoCode", self.settings.corporate_currency),
            ):
                if obj.field(name) is not None and row.get(name) is None:
                    row[name] = value
            row.setdefault("LastModifiedDate", row.get("CreatedDate", stamp))
            row.setdefault("SystemModstamp", row["LastModifiedDate"])
            row.setdefault("IsDeleted", False)
            apply_derived(
                obj, row, rules.derive(obj.name, row, set(row), stamp, self.settings.rule_context())
            )
            rows.append(row)
        columns = [f for f in stored_fields(obj) if any(f.name in r for r in rows)]
        self.load_arrow(
            obj.name,
            {
                f.name: pa.array([_arrow_value(r.get(f.name), f) for r in rows], type=arrow_type(f))
                for f in columns
            },
        )
        return [str(r["Id"]) for r in rows]

    def create_admin_user(self, *, now: datetime | None = None) -> str:
        """Create the org's admin user (``admin@sandbox.local``) and record it in the settings."""
        admin_id = self.new_ids("User", 1)[0]
        self.settings.admin_user_id = admin_id
        profile_id = None
        if self.catalog.get("Profile") is not None:
            [profile_id] = self.load_records("Profile", [{"Name": "System Administrator"}], now=now)
        values = {
            "Id": admin_id,
            "Username": ADMIN_USERNAME,
            "FirstName": "Sandbox",
            "LastName": "Admin",
            "Name": "Sandbox Admin",
            "Alias": "sadmin",
            "CommunityNickname": "sandbox.admin",
            "Email": ADMIN_USERNAME,
            "IsActive": True,
            "ProfileId": profile_id,
            "Title": "Salesforce Administrator",
            "TimeZoneSidKey": self.settings.time_zone,
            "LocaleSidKey": self.settings.locale,
            "LanguageLocaleKey": "en_US",
            "EmailEncodingKey": "UTF-8",
            "UserType": "Standard",
        }
        user = self.catalog.get("User")
        assert user is not None
        self.load_records(
            "User", [{k: v for k, v in values.items() if user.field(k) is not None}], now=now
        )
        self._save_settings()
        return admin_id


def _first(rows: list[Any]) -> Any:
    """The first row of a fully fetched result (DuckDB keeps partly fetched results open)."""
    return rows[0] if rows else None


def _stamp(
    obj: SObject, row: dict[str, Any], moment: datetime, user: str | None, *, created: bool
) -> None:
    """Set the bookkeeping fields the object has: modification always, creation on insert."""
    values: dict[str, Any] = {
        "LastModifiedDate": moment,
        "LastModifiedById": user,
        "SystemModstamp": moment,
    }
    if created:
        values.update(IsDeleted=False, CreatedDate=moment, CreatedById=user)
    for name, value in values.items():
        if obj.field(name) is not None:
            row[name] = value


def _python_value(value: Any) -> Any:
    """A DuckDB result value with datetimes made aware UTC datetimes."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value


def _arrow_value(value: Any, f: Field) -> Any:
    if value is None:
        return False if f.type == "boolean" else None
    if f.type == "datetime" and isinstance(value, datetime):
        return utc_ms(value)
    if f.type == "time" and isinstance(value, time):
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)
