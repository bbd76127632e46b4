"""The Data page: what was synced, read from the marts dbt builds.

Each tab of the page is one short read-only visit to the warehouse, made only when the tab is
shown: :func:`load_companies` (companies by type with ARR, renewal date, owners and the source
of each value, and the series behind the ARR-by-type and renewals-by-month charts),
:func:`load_related` (related records) and :func:`load_support` (support activities with
sentiment, and sentiment over time). :func:`companies_csv` is the download. Queries are
aggregated or limited in DuckDB, so the page stays fast on large orgs.

Mart columns are looked up by name with a few accepted spellings (``account_id`` or ``id``,
``user_name`` or ``name``...), so the page keeps working as the marts gain columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.wizard.warehouse import (
    RAW_SCHEMA,
    WarehouseEmpty,
    read_warehouse,
)

TABLE_LIMIT = 200  # rows a tab shows; the type filter, search and CSV reach the rest
NOT_TRANSFORMED = (
    "The synced data has not been transformed yet: the companies table does not exist. It is "
    "built by the transform step of a sync job."
)


@dataclass
class CompaniesView:
    """The Companies tab."""

    types: pd.DataFrame
    companies: pd.DataFrame
    companies_total: int
    arr_by_type: pd.DataFrame
    renewals_by_month: pd.DataFrame


@dataclass
class RelatedView:
    """The Related records tab (empty frames when there is no related_records mart)."""

    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    records: pd.DataFrame = field(default_factory=pd.DataFrame)
    note: str | None = None


@dataclass
class SupportView:
    """The Support activities tab (empty frames when there is no support_activities mart)."""

    activities: pd.DataFrame = field(default_factory=pd.DataFrame)
    sentiment_over_time: pd.DataFrame = field(default_factory=pd.DataFrame)
    note: str | None = None


def load_companies(
    home: str | Path | None,
    *,
    account_type: str | None = None,
    search: str | None = None,
    limit: int = TABLE_LIMIT,
) -> CompaniesView:
    """The companies (of ``account_type``, named like ``search``); raises WarehouseBusy /
    WarehouseEmpty (see :mod:`.warehouse`)."""
    with read_warehouse(home) as conn:
        companies = _Companies.find(conn)
        if companies is None:
            raise WarehouseEmpty(NOT_TRANSFORMED)
        where, params = companies.where(account_type, search)
        return CompaniesView(
            types=companies.by_type(conn),
            companies=companies.rows(conn, where, params, limit),
            companies_total=_count(
                conn, f"select count(*) from {companies.relation} c {where}", params
            ),
            arr_by_type=companies.arr_by_type(conn),
            renewals_by_month=companies.renewals_by_month(conn),
        )


def load_related(home: str | Path | None, *, limit: int = TABLE_LIMIT) -> RelatedView:
    with read_warehouse(home) as conn:
        return _related(conn, limit)


def load_support(home: str | Path | None, *, limit: int = TABLE_LIMIT) -> SupportView:
    with read_warehouse(home) as conn:
        return _support(conn, limit)


def companies_csv(home: str | Path | None, *, account_type: str | None = None) -> bytes:
    """Every company (of ``account_type``) with its owners, as CSV."""
    with read_warehouse(home) as conn:
        companies = _Companies.find(conn)
        if companies is None:
            raise WarehouseEmpty()
        where, params = companies.where(account_type, None)
        frame = companies.rows(conn, where, params, None)
    return frame.to_csv(index=False).encode("utf-8")


# ---------------------------------------------------------------------------- companies


@dataclass(frozen=True)
class _Companies:
    relation: str
    columns: list[str]
    id: str | None
    name: str | None
    type: str | None
    owners: str | None  # the account_owners relation
    owner_columns: list[str]

    @classmethod
    def find(cls, conn: duckdb.DuckDBPyConnection) -> _Companies | None:
        marts = mart_columns(conn, "companies", "account_owners")
        if "companies" not in marts:
            return None
        relation, cols = marts["companies"]
        owners, owner_cols = marts.get("account_owners", (None, []))
        return cls(
            relation,
            cols,
            _pick(cols, "account_id", "company_id", "id"),
            _pick(cols, "account_name", "company_name", "name"),
            _pick(cols, "company_type", "account_type", "type"),
            owners,
            owner_cols,
        )

    def col(self, *names: str) -> str | None:
        return _pick(self.columns, *names)

    def where(self, account_type: str | None, search: str | None) -> tuple[str, list[object]]:
        parts: list[str] = []
        params: list[object] = []
        if account_type and self.type:
            parts.append(f'c."{self.type}" = ?')
            params.append(account_type)
        if search and self.name:
            parts.append(f'c."{self.name}" ilike ?')
            params.append(f"%{search.strip()}%")
        return (f"where {' and '.join(parts)}" if parts else ""), params

    def by_type(self, conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        if self.type is None:
            return pd.DataFrame()
        arr = self.col("arr")
        arr_sql = f', sum(c."{arr}") as "Total ARR"' if arr else ""
        return conn.execute(
            f'select c."{self.type}" as "Type", count(*) as "Companies"{arr_sql}'
            f" from {self.relation} c group by 1 order by 2 desc"
        ).df()

    def rows(
        self,
        conn: duckdb.DuckDBPyConnection,
        where: str,
        params: Sequence[object],
        limit: int | None,
    ) -> pd.DataFrame:
        """Companies (the first ``limit`` by name) with their owners on one line."""
        wanted = [
            (self.name, "Company"),
            (self.type, "Type"),
            (self.col("arr"), "ARR"),
            (self.col("arr_source"), "ARR source"),
            (self.col("renewal_date"), "Renewal date"),
            (self.col("renewal_source"), "Renewal source"),
            (self.id, "Account Id"),
        ]
        select = [f'c."{col}" as "{label}"' for col, label in wanted if col]
        order = f'order by c."{self.name}", c."{self.id}"' if self.name and self.id else ""
        limit_sql = f"limit {int(limit)}" if limit is not None else ""
        # Owners are gathered for the companies shown only, not for the whole mart.
        ctes = [f"shown as (select c.* from {self.relation} c {where} {order} {limit_sql})"]
        owners_sql = self._owners_sql()
        join = ""
        if owners_sql:
            ctes.append(f"owners as ({owners_sql})")
            select.insert(2, 'o.owners as "Owners"')
            join = f'left join owners o on o.account_id = c."{self.id}"'
        return conn.execute(
            f"with {', '.join(ctes)} select {', '.join(select)} from shown c {join} {order}",
            list(params),
        ).df()

    def _owners_sql(self) -> str | None:
        """Owners of the companies in the ``shown`` CTE, one line per company (joining the
        few companies shown to the owners is much cheaper than aggregating every owner)."""
        cols = self.owner_columns
        account = _pick(cols, "account_id", "company_id")
        kind = _pick(cols, "owner_type")
        who = _pick(cols, "user_name", "owner_name", "name", "email", "user_email", "user_id")
        if not (self.owners and self.id and account and kind and who):
            return None
        owner = f"o.\"{kind}\" || ': ' || coalesce(cast(o.\"{who}\" as varchar), '?')"
        return (
            f'select shown."{self.id}" as account_id, '
            f"string_agg({owner}, ', ' order by o.\"{kind}\") as owners "
            f'from shown join {self.owners} o on o."{account}" = shown."{self.id}" group by 1'
        )

    def arr_by_type(self, conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        arr = self.col("arr")
        if not (arr and self.type):
            return pd.DataFrame()
        return conn.execute(
            f'select c."{self.type}" as "Type", sum(c."{arr}") as "ARR" from {self.relation} c'
            f' where c."{arr}" is not null group by 1 order by 2 desc'
        ).df()

    def renewals_by_month(self, conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        renewal = self.col("renewal_date")
        if not renewal:
            return pd.DataFrame()
        arr = self.col("arr")
        arr_sql = f', sum(c."{arr}") as "ARR renewing"' if arr else ""
        return conn.execute(
            f"select strftime(date_trunc('month', cast(c.\"{renewal}\" as date)), '%Y-%m')"
            f' as "Month", count(*) as "Renewals"{arr_sql} from {self.relation} c'
            f' where c."{renewal}" is not null group by 1 order by 1'
        ).df()


# ---------------------------------------------------------------------------- related records


def _related(conn: duckdb.DuckDBPyConnection, limit: int) -> RelatedView:
    found = mart_columns(conn, "related_records").get("related_records")
    view = RelatedView()
    if found is None:
        view.note = "No related records yet: add a custom object in Settings, then sync."
        return view
    relation, cols = found
    display = _pick(cols, "display_name", "object_label", "object")
    entity = _pick(cols, "entity_type")
    if display:
        group = [f'"{display}" as "Object"'] + ([f'"{entity}" as "Related to"'] if entity else [])
        view.summary = conn.execute(
            f'select {", ".join(group)}, count(*) as "Records" from {relation}'
            f" group by all order by 1"
        ).df()
    shown = _labelled(
        cols,
        [
            ("display_name", "Object"),
            ("entity_type", "Related to"),
            ("record_name", "Record"),
            ("account_id", "Account Id"),
            ("contact_id", "Contact Id"),
            ("fields", "Fields"),
            ("created_at", "Created"),
        ],
    )
    view.records = conn.execute(
        f"select {shown} from {relation} order by 1, 3 limit {int(limit)}"
    ).df()
    return view


# ---------------------------------------------------------------------------- support


def _support(conn: duckdb.DuckDBPyConnection, limit: int) -> SupportView:
    found = mart_columns(conn, "support_activities").get("support_activities")
    view = SupportView()
    if found is None:
        view.note = "No support activities yet: turn Support Cases on in Settings, then sync."
        return view
    relation, cols = found
    created = _pick(cols, "created_at", "opened_at", "created_date", "first_message_at")
    sentiment = _pick(cols, "sentiment", "sentiment_label", "case_sentiment")
    order = f'order by "{created}" desc' if created else ""
    shown = _labelled(
        cols,
        [
            ("case_number", "Case"),
            ("subject", "Subject"),
            ("status", "Status"),
            ("priority", "Priority"),
            ("sentiment_label", "Sentiment"),
            ("sentiment_score", "Score"),
            ("thread_length", "Messages"),
            ("created_at", "Created"),
            ("last_message_at", "Last message"),
            ("account_id", "Account Id"),
        ],
    )
    view.activities = conn.execute(
        f"select {shown} from {relation} {order} limit {int(limit)}"
    ).df()
    if created and sentiment:
        view.sentiment_over_time = conn.execute(
            f"select strftime(date_trunc('month', cast(\"{created}\" as date)), '%Y-%m')"
            f' as "Month", coalesce(cast("{sentiment}" as varchar), \'Unscored\') as "Sentiment",'
            f' count(*) as "Cases" from {relation} where "{created}" is not null'
            " group by 1, 2 order by 1, 2"
        ).df()
    return view


# ---------------------------------------------------------------------------- helpers


def mart_columns(conn: duckdb.DuckDBPyConnection, *names: str) -> dict[str, tuple[str, list[str]]]:
    """``{name: ('"schema"."name"', [columns])}`` of the marts that exist, in one look-up."""
    rows = conn.execute(
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_name in (select unnest(?)) and table_schema <> ?"
        " order by table_schema, table_name, ordinal_position",
        [list(names), RAW_SCHEMA],
    ).fetchall()
    found: dict[str, tuple[str, list[str]]] = {}
    for schema, table, column in rows:
        relation = f'"{schema}"."{table}"'
        current = found.setdefault(table, (relation, []))
        if current[0] == relation:  # the first schema holding it
            current[1].append(column)
    return found


def _labelled(columns: Sequence[str], wanted: Sequence[tuple[str, str]]) -> str:
    """A select list of the ``wanted`` columns that exist, renamed; every column if none does."""
    present = [(c, label) for c, label in wanted if _pick(columns, c)]
    if not present:
        return "*"
    return ", ".join(f'"{_pick(columns, c)}" as "{label}"' for c, label in present)


def _pick(columns: Sequence[str], *candidates: str) -> str | None:
    lower = {c.lower(): c for c in columns}
    for name in candidates:
        if name in lower:
            return lower[name]
    return None


def _count(conn: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object]) -> int:
    row = conn.execute(sql, list(params)).fetchone()
    return int(row[0]) if row else 0
