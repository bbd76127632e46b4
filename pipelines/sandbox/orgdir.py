"""An org from a directory of CSV files: ``sfsync sandbox start --org DIR``.

The directory holds one ``<ObjectApiName>.csv`` per object (``Account.csv``, ``Health__c.csv``)
and, optionally, a ``schema.yaml`` declaring custom objects and fields in the catalog's YAML
shape; standard objects and fields come from the built-in catalog::

    Account.csv
        Id,Name,Type,AnnualRevenue,CSM__c,CreatedDate,IsDeleted
        001000000000001AAA,Acme,Customer,1200000,005000000000001AAA,2024-01-05T09:30:00Z,false
        ,Globex,Prospect,,,,
    schema.yaml
        Account:
          fields:
            CSM__c: {type: reference, referenceTo: User, relationshipName: CSM__r}

Headers are field API names (any case); an empty cell is null; booleans are ``true``/``false``
(or ``1``/``0``), dates ``YYYY-MM-DD``, datetimes ISO 8601 (``Z`` or an offset; UTC when
neither), multi-select values ``;``-joined. Missing ``Id`` values are minted, missing
bookkeeping (``CreatedDate``, ``CreatedById``, ``SystemModstamp``, ``OwnerId``, …) filled and
derived fields (``Contact.Name``, ``Opportunity.IsWon``, ``Contract.EndDate``, ``CaseNumber``)
computed when the file leaves them out. Rows with ``IsDeleted = true`` load as soft-deleted.

Every problem is an :class:`OrgDirError` naming the file, the row (numbered as a spreadsheet
shows it: the header is row 1) and the column.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import yaml

from pipelines.sandbox import ids, rules
from pipelines.sandbox.schema import (
    complete_catalog,
    is_restricted_picklist,
    is_stored,
    overlay,
    picklist_default,
    with_multi_currency,
)
from pipelines.sandbox.store import ADMIN_USERNAME, OrgSettings, OrgStore, arrow_type
from pipelines.sandbox.values import utc_ms
from pipelines.soql.catalog import (
    COMPOUND_TYPES,
    Catalog,
    CatalogError,
    Field,
    SObject,
    standard_catalog,
)

SCHEMA_FILE = "schema.yaml"
# Objects the sandbox makes itself rather than reading from a file.
GENERATED_OBJECTS = frozenset({"organization"})

_NUMBER = r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?"
_DATETIME = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?"


class OrgDirError(ValueError):
    """Bad input in an org directory; ``file``, ``row`` and ``column`` say where."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        where = ", ".join(
            part
            for part in (
                file,
                f"row {row}" if row is not None else None,
                f"column {column}" if column else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.file = file
        self.row = row
        self.column = column
        self.detail = message


@dataclass
class _Table:
    """One CSV file, read as text."""

    path: Path
    obj: SObject
    fields: list[Field]  # in header order
    raw: pa.Table  # the cells, all strings, columns named by field API name


def load_org_dir(
    src_dir: Path | str,
    data_dir: Path | str,
    *,
    settings: OrgSettings | None = None,
    now: datetime | None = None,
) -> OrgStore:
    """Build the org described by ``src_dir`` in ``data_dir`` (replacing any org there).

    ``now`` stands in for the load time where the files leave ``CreatedDate`` out.
    """
    src = Path(src_dir)
    if not src.is_dir():
        raise OrgDirError(f"{src} is not a directory of <Object>.csv files")
    loaded_at = utc_ms(now or datetime.now(UTC))
    catalog = _catalog(src)
    files = sorted(p for p in src.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    headers = {path: _header(path) for path in files}
    currency_file = next((p for p in files if p.stem.lower() == "currencytype"), None)
    multi_currency = currency_file is not None or any(
        any(h.lower() == "currencyisocode" for h in header) for header in headers.values()
    )
    corporate = "USD"
    if multi_currency:
        listed, corporate = _currencies(currency_file)
        codes = [v.value for v in _currency_codes(catalog)] + listed
        catalog = with_multi_currency(catalog, list(dict.fromkeys(codes)), corporate)
    tables = [_read(path, headers[path], catalog) for path in files]
    settings = settings or OrgSettings.new(
        str(src.resolve()), org_name=f"{src.resolve().name} (sandbox)"
    )
    settings.multi_currency = multi_currency
    settings.corporate_currency = corporate
    typed = [(t, _convert(t, catalog)) for t in tables]
    _check_duplicate_ids(typed)

    store = OrgStore.create(
        data_dir,
        catalog,
        settings,
        source={"kind": "directory", "path": str(src.resolve()), "fingerprint": fingerprint(src)},
        overwrite=True,
        create_admin=False,
        building=True,
        now=loaded_at,
    )
    try:
        typed = [(t, _with_ids(store, t, table)) for t, table in typed]
        store.settings.admin_user_id = _admin_from(typed) or store.create_admin_user(now=loaded_at)
        store.save_settings()
        for t, table in typed:
            store.load_arrow(t.obj.name, _complete(store, t.obj, table, loaded_at))
        store.finish_build()
    except BaseException:
        store.close()
        raise
    return store


def fingerprint(src: Path) -> str:
    """A digest of the directory's CSV and schema files (names, sizes, modification times)."""
    digest = hashlib.sha256()
    for path in sorted(src.iterdir()):
        if path.is_file() and (path.suffix.lower() == ".csv" or path.name == SCHEMA_FILE):
            stat = path.stat()
            digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


# --- reading ----------------------------------------------------------------------------------


def _catalog(src: Path) -> Catalog:
    path = src / SCHEMA_FILE
    if not path.exists():
        return complete_catalog(standard_catalog())
    try:
        doc = yaml.safe_load(path.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        raise OrgDirError(f"not valid YAML: {exc}", file=SCHEMA_FILE) from exc
    try:
        return complete_catalog(overlay(standard_catalog(), doc, source=SCHEMA_FILE))
    except CatalogError as exc:
        raise OrgDirError(str(exc).removeprefix(f"{SCHEMA_FILE}: "), file=SCHEMA_FILE) from exc


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        try:
            header = next(csv.reader(fh))
        except StopIteration:
            raise OrgDirError(
                "the file is empty; its first line must name the fields", file=path.name
            ) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise OrgDirError(f"cannot read the header: {exc}", file=path.name, row=1) from exc
    if not any(h.strip() for h in header):
        raise OrgDirError("the first line must name the fields", file=path.name, row=1)
    return [h.strip() for h in header]


def _read(path: Path, header: list[str], catalog: Catalog) -> _Table:
    name = path.stem
    obj = catalog.get(name)
    if obj is None:
        raise OrgDirError(
            f"no object named '{name}' in the standard catalog or {SCHEMA_FILE}; declare custom "
            f"objects in {SCHEMA_FILE} (their names end in __c)",
            file=path.name,
        )
    if obj.name.lower() in GENERATED_OBJECTS:
        raise OrgDirError(
            f"the sandbox creates the {obj.name} record from the org settings; remove this file",
            file=path.name,
        )
    fields: list[Field] = []
    seen: set[str] = set()
    for column in header:
        f = obj.field(column)
        if f is None:
            raise OrgDirError(
                f"'{obj.name}' has no field '{column}'; declare custom fields in {SCHEMA_FILE}",
                file=path.name,
                row=1,
                column=column or "(blank)",
            )
        if f.type in COMPOUND_TYPES:
            parts = ", ".join(p.name for p in obj.iter_fields() if p.compound_field_name == f.name)
            raise OrgDirError(
                f"{f.name} is a compound field; give its parts instead ({parts})",
                file=path.name,
                row=1,
                column=column,
            )
        if f.name in seen:
            raise OrgDirError(
                f"{f.name} appears twice in the header", file=path.name, row=1, column=column
            )
        seen.add(f.name)
        fields.append(f)
    try:
        raw = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=[f.name for f in fields], skip_rows=1, encoding="utf8"
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={f.name: pa.string() for f in fields},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        row = _ragged_row(path, len(fields))
        detail = str(exc).removeprefix("CSV parse error: ")
        raise OrgDirError(f"not a valid CSV file: {detail}", file=path.name, row=row) from exc
    return _Table(path, obj, fields, raw)


def _ragged_row(path: Path, width: int) -> int | None:
    """The spreadsheet row number of the first record whose cell count differs from the header's."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for number, record in enumerate(csv.reader(fh), start=1):
                if number > 1 and len(record) != width:
                    return number
    except (csv.Error, UnicodeDecodeError):
        return None
    return None


def _currency_codes(catalog: Catalog) -> Sequence[Any]:
    currency = catalog.get("CurrencyType")
    iso = currency.field("IsoCode") if currency else None
    return iso.picklist_values if iso else ()


def _currencies(path: Path | None) -> tuple[list[str], str]:
    """Currency codes listed in ``CurrencyType.csv`` and the corporate one (default USD)."""
    if path is None:
        return [], "USD"
    codes: list[str] = []
    corporate = "USD"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            code = row.get("isocode", "")
            if code:
                codes.append(code)
                if row.get("iscorporate", "").lower() in ("true", "1"):
                    corporate = code
    return codes, corporate


# --- typing the cells -------------------------------------------------------------------------


def _check_sql(f: Field, col: str, params: list[Any]) -> tuple[str, str]:
    """(condition that a non-null cell is bad, what a good cell looks like) for field ``f``."""
    kind = f.type
    if kind == "boolean":
        return f"lower(trim({col})) NOT IN ('true', 'false', '1', '0')", "true or false"
    if kind in ("int", "long"):
        return (
            f"NOT regexp_full_match(trim({col}), '[+-]?\\d+') OR TRY_CAST(trim({col}) AS BIGINT) IS NULL",
            "a whole number",
        )
    if kind in ("double", "currency", "percent"):
        return f"NOT regexp_full_match(trim({col}), '{_NUMBER}')", "a number"
    if kind == "date":
        return (
            f"NOT regexp_full_match(trim({col}), '\\d{{4}}-\\d{{2}}-\\d{{2}}') OR TRY_CAST(trim({col}) AS DATE) IS NULL",
            "a date (YYYY-MM-DD)",
        )
    if kind == "datetime":
        return (
            f"NOT regexp_full_match(trim({col}), '{_DATETIME}') OR TRY_CAST(trim({col}) AS TIMESTAMPTZ) IS NULL",
            "an ISO 8601 datetime (2024-01-31T09:30:00Z)",
        )
    if kind == "time":
        return f"TRY_CAST(rtrim(trim({col}), 'Z') AS TIME) IS NULL", "a time (HH:MM:SS)"
    if kind == "picklist" and is_restricted_picklist(f):
        params.append([v.value for v in f.picklist_values])
        return f"NOT list_contains(?, {col})", "one of " + ", ".join(
            v.value for v in f.picklist_values
        )
    if kind == "multipicklist" and is_restricted_picklist(f):
        params.append([v.value for v in f.picklist_values])
        return (
            f"NOT list_has_all(?, list_filter(string_split({col}, ';'), lambda x: x <> ''))",
            "';'-joined values from " + ", ".join(v.value for v in f.picklist_values),
        )
    if f.length and kind not in ("id", "reference"):
        return f"length({col}) > {int(f.length)}", f"at most {f.length} characters"
    return "", ""


def _cast_sql(f: Field, col: str) -> str:
    kind = f.type
    if kind == "boolean":
        return f"lower(trim({col})) IN ('true', '1')"
    if kind in ("int", "long"):
        return f"CAST(trim({col}) AS BIGINT)"
    if kind in ("double", "currency", "percent"):
        return f"CAST(trim({col}) AS DOUBLE)"
    if kind == "date":
        return f"CAST(trim({col}) AS DATE)"
    if kind == "datetime":
        return f"date_trunc('millisecond', CAST(trim({col}) AS TIMESTAMPTZ))"
    if kind == "time":
        return f"CAST(rtrim(trim({col}), 'Z') AS TIME)"
    return col


def _convert(t: _Table, catalog: Catalog) -> pa.Table:
    """The file's cells typed by field; raises :class:`OrgDirError` at the first bad cell."""
    n = t.raw.num_rows
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        raw = t.raw.rename_columns([f"c{i}" for i in range(len(t.fields))]).append_column(
            "_row", pa.array(np.arange(n) + 2)
        )
        con.register("raw", raw)
        checks: list[str] = []
        params: list[Any] = []
        expected: list[str] = []
        for i, f in enumerate(t.fields):
            bad, what = _check_sql(f, f"c{i}", params)
            checks.append(
                f"min(_row) FILTER (WHERE c{i} IS NOT NULL AND ({bad}))" if bad else "NULL"
            )
            expected.append(what)
        if checks:
            first_bad = con.execute(f"SELECT {', '.join(checks)} FROM raw", params).fetchall()[0]
            problems = [(row, i) for i, row in enumerate(first_bad) if row is not None]
            if problems:
                row, i = min(problems)
                value = t.raw.column(i)[row - 2].as_py()
                raise OrgDirError(
                    f"'{value}' is not {expected[i]} ({t.fields[i].name} is a {t.fields[i].type} field)",
                    file=t.path.name,
                    row=row,
                    column=t.fields[i].name,
                )
        selects = [f'{_cast_sql(f, f"c{i}")} AS "{i}"' for i, f in enumerate(t.fields)]
        typed = con.sql(f"SELECT {', '.join(selects)} FROM raw ORDER BY _row").to_arrow_table()
    finally:
        con.close()
    columns = {f.name: typed.column(i) for i, f in enumerate(t.fields)}
    for f in t.fields:
        if f.type in ("id", "reference"):
            columns[f.name] = _check_ids(t, f, columns[f.name], catalog)
    return pa.table(columns)


def _check_ids(t: _Table, f: Field, values: pa.ChunkedArray, catalog: Catalog) -> pa.Array:
    normalised, bad = ids.normalise_array(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise OrgDirError(
            f"'{values[row].as_py()}' is not a Salesforce id (15 or 18 letters and digits, with a "
            "matching 3-character suffix when 18)",
            file=t.path.name,
            row=row + 2,
            column=f.name,
        )
    prefixes = pc.utf8_slice_codeunits(normalised, 0, 3)
    if f.type == "id":
        wrong = np.asarray(
            pc.fill_null(pc.not_equal(prefixes, t.obj.key_prefix), False).to_numpy(
                zero_copy_only=False
            ),
            dtype=bool,
        )
        if wrong.any():
            row = int(np.flatnonzero(wrong)[0])
            raise OrgDirError(
                f"'{values[row].as_py()}' has key prefix '{prefixes[row].as_py()}'; {t.obj.name} ids start with '{t.obj.key_prefix}'",
                file=t.path.name,
                row=row + 2,
                column=f.name,
            )
        return normalised
    owners = {o.key_prefix: o.name for o in catalog if o.key_prefix}
    allowed = {name.lower() for name in f.reference_to}
    for prefix in pc.unique(prefixes.drop_null()).to_pylist():
        target = owners.get(prefix)
        if target is not None and target.lower() not in allowed:
            row = int(
                np.flatnonzero(
                    np.asarray(
                        pc.fill_null(pc.equal(prefixes, prefix), False).to_numpy(
                            zero_copy_only=False
                        ),
                        dtype=bool,
                    )
                )[0]
            )
            raise OrgDirError(
                f"'{values[row].as_py()}' is a {target} id; {f.name} refers to {', '.join(f.reference_to)}",
                file=t.path.name,
                row=row + 2,
                column=f.name,
            )
    return normalised


def _check_duplicate_ids(typed: list[tuple[_Table, pa.Table]]) -> None:
    for t, table in typed:
        if "Id" not in table.column_names:
            continue
        id_col = table["Id"].combine_chunks()
        counts = pc.value_counts(id_col.drop_null())
        repeated = [v["values"].as_py() for v in counts if v["counts"].as_py() > 1]
        if repeated:
            rows = np.flatnonzero(
                np.asarray(
                    pc.fill_null(pc.equal(id_col, repeated[0]), False).to_numpy(
                        zero_copy_only=False
                    ),
                    dtype=bool,
                )
            )
            raise OrgDirError(
                f"duplicate Id {repeated[0]} (also on row {int(rows[0]) + 2})",
                file=t.path.name,
                row=int(rows[1]) + 2,
                column="Id",
            )


# --- completing the records -------------------------------------------------------------------


def _with_ids(store: OrgStore, t: _Table, table: pa.Table) -> pa.Table:
    """Mint ids for the rows that have none."""
    n = table.num_rows
    given = table["Id"].combine_chunks() if "Id" in table.column_names else pa.nulls(n, pa.string())
    missing = np.asarray(pc.is_null(given).to_numpy(zero_copy_only=False), dtype=bool)
    store.advance_ids(t.obj.name, given)  # never mint an id the file already uses
    if missing.any():
        fresh = store.new_id_array(t.obj.name, int(missing.sum()))
        slots = np.cumsum(missing) - 1
        filler = pc.take(fresh, pa.array(np.maximum(slots, 0)))
        given = pc.if_else(pa.array(missing), filler, given)
    if "Id" in table.column_names:
        return table.set_column(table.column_names.index("Id"), "Id", given)
    return table.add_column(0, "Id", given)


def _admin_from(typed: list[tuple[_Table, pa.Table]]) -> str | None:
    for t, table in typed:
        if t.obj.name == "User" and "Username" in table.column_names:
            for user_id, name in zip(
                table["Id"].to_pylist(), table["Username"].to_pylist(), strict=True
            ):
                if name and str(name).lower() == ADMIN_USERNAME:
                    return str(user_id)
    return None


def _complete(store: OrgStore, obj: SObject, table: pa.Table, loaded_at: datetime) -> pa.Table:
    """Fill bookkeeping, defaults and derived fields the file left out (or left blank)."""
    n = table.num_rows
    cols: dict[str, Any] = {name: table[name].combine_chunks() for name in table.column_names}
    admin = store.admin_user_id

    def fill(name: str, value: Any) -> None:
        if obj.field(name) is None:
            return
        if name not in cols:
            cols[name] = (
                value
                if isinstance(value, pa.Array)
                else pa.array([value] * n, type=arrow_type(obj.fields[name.lower()]))
            )
        else:
            cols[name] = pc.fill_null(cols[name], value)

    fill("CreatedDate", loaded_at.astimezone(UTC))
    if "CreatedDate" in cols:
        fill("LastModifiedDate", cols["CreatedDate"])
        if "LastModifiedDate" in cols:
            fill("SystemModstamp", _later(cols["LastModifiedDate"], cols["CreatedDate"]))
    for name in ("CreatedById", "LastModifiedById"):
        fill(name, admin)
    owner = obj.field("OwnerId")
    if owner is not None and owner.createable:
        fill("OwnerId", admin)
    if obj.field("CurrencyIsoCode") is not None:
        fill("CurrencyIsoCode", store.settings.corporate_currency)
    for f in obj.iter_fields():
        if not is_stored(f) or f.name in cols:
            continue
        default = picklist_default(f) if f.type in ("picklist", "multipicklist") else None
        if default is None and f.default_value is not None and f.type != "boolean":
            default = f.default_value
        if default is not None and f.createable:
            fill(f.name, default)
    if obj.custom and obj.field("Name") is not None:
        fill("Name", cols["Id"])
    _derive(store, obj, cols, n)
    for f in obj.iter_fields():
        if f.type == "boolean" and f.name in cols:
            cols[f.name] = pc.fill_null(cols[f.name], bool(f.default_value))
    return pa.table(cols)


def _later(a: pa.Array, b: pa.Array) -> pa.Array:
    return pc.if_else(pc.fill_null(pc.greater(a, b), False), a, b)


def _mapped(values: pa.Array, mapping: dict[Any, Any], result_type: pa.DataType) -> pa.Array:
    """Map a low-cardinality column through a Python function of its distinct values."""
    distinct = pc.unique(values)
    keys = distinct.to_pylist()
    index = pc.index_in(values, value_set=distinct)
    return pc.take(pa.array([mapping.get(k) for k in keys], type=result_type), index)


def _derive(store: OrgStore, obj: SObject, cols: dict[str, Any], n: int) -> None:
    """Salesforce's derived fields (see :mod:`pipelines.sandbox.rules`), where the file has none."""
    name = obj.name.lower()

    def missing(field: str) -> bool:
        return obj.field(field) is not None and field not in cols

    if name in ("contact", "lead", "user") and missing("Name") and "LastName" in cols:
        first = cols.get("FirstName", pa.nulls(n, pa.string()))
        joined = pc.binary_join_element_wise(first, cols["LastName"], " ", null_handling="skip")
        cols["Name"] = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)
    if name == "opportunity" and "StageName" in cols:
        stages = cols["StageName"]
        info = {s: rules.stage_of(s) for s in pc.unique(stages).to_pylist() if s is not None}
        for field, attr, kind in (
            ("IsClosed", "is_closed", pa.bool_()),
            ("IsWon", "is_won", pa.bool_()),
            ("ForecastCategory", "forecast_category", pa.string()),
            ("ForecastCategoryName", "forecast_category_name", pa.string()),
            ("Probability", "probability", pa.float64()),
        ):
            if missing(field):
                cols[field] = _mapped(stages, {k: getattr(v, attr) for k, v in info.items()}, kind)
        if missing("ExpectedRevenue") and "Amount" in cols and "Probability" in cols:
            cols["ExpectedRevenue"] = pc.divide(
                pc.multiply(cols["Amount"], pc.cast(cols["Probability"], pa.float64())), 100.0
            )
        if "CloseDate" in cols and missing("FiscalYear"):
            close = cols["CloseDate"]
            day = np.asarray(
                pc.fill_null(pc.cast(close, pa.int32()), 0).to_numpy(zero_copy_only=False),
                dtype=np.int64,
            )
            year, quarter = rules.fiscal_periods(
                day,
                store.settings.fiscal_year_start_month,
                named_by_start=store.settings.fiscal_year_named_by_start,
            )
            absent = np.asarray(pc.is_null(close).to_numpy(zero_copy_only=False), dtype=bool)
            cols["FiscalYear"] = pa.array(year, mask=absent)
            if missing("FiscalQuarter"):
                cols["FiscalQuarter"] = pa.array(quarter, mask=absent)
            if missing("Fiscal"):
                cols["Fiscal"] = pc.binary_join_element_wise(
                    pc.cast(pa.array(year, mask=absent), pa.string()),
                    pc.cast(pa.array(quarter, mask=absent), pa.string()),
                    " ",
                )
    if name == "case" and "Status" in cols and missing("IsClosed"):
        cols["IsClosed"] = pc.fill_null(
            pc.starts_with(pc.utf8_lower(cols["Status"]), "closed"), False
        )
    if name == "contract":
        if missing("EndDate") and "StartDate" in cols and "ContractTerm" in cols:
            start, term = cols["StartDate"], cols["ContractTerm"]
            absent = np.asarray(
                pc.or_(pc.is_null(start), pc.is_null(term)).to_numpy(zero_copy_only=False),
                dtype=bool,
            )
            start_days = np.asarray(
                pc.fill_null(pc.cast(start, pa.int32()), 0).to_numpy(zero_copy_only=False),
                dtype=np.int64,
            )
            terms = np.asarray(pc.fill_null(term, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
            end = rules.contract_end_days(start_days, terms)
            cols["EndDate"] = pa.array(end.astype(np.int32), type=pa.date32(), mask=absent)
        if missing("StatusCode") and "Status" in cols:
            cols["StatusCode"] = _mapped(
                cols["Status"], dict(rules.CONTRACT_STATUS_CODES), pa.string()
            )
    auto = rules.AUTO_NUMBER_FIELDS.get(name)
    if auto and obj.field(auto[0]) is not None:
        field, width = auto
        current = cols.get(field, pa.nulls(n, pa.string()))
        blank = np.asarray(pc.is_null(current).to_numpy(zero_copy_only=False), dtype=bool)
        if blank.any():
            start = store.reserve_numbers(obj.name, field, int(blank.sum()))
            numbers = np.cumsum(blank) - 1 + start
            text = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width=width, padding="0")
            cols[field] = pc.if_else(pa.array(blank), text, current)
