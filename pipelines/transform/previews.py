"""Previews of an unsaved config, computed from the warehouse's raw tables in a few milliseconds.

While an admin edits a section of the wizard, these show what the dbt project *would* produce
with the config as it stands, without saving it or running dbt::

    preview_filter(config, home)                 # accounts per type, and a few of each
    preview_aggregation(config, "arr", home)     # ARR of 5 accounts and the records behind it
    preview_cases(config, home)                  # 5 matching cases, their thread and sentiment

They apply the config the way the models do (``dbt_project/``: first matching account filter,
records converted to the corporate currency before sum / max / latest, the case window counted
in UTC days from today, the conversation's direction and the recency-weighted case sentiment),
over the raw ``salesforce`` dataset rather than the marts, which only hold the *saved* config.
``tests/transform`` checks each preview against the marts dbt builds for the same config.

The config is compiled exactly as for dbt (:func:`pipelines.config.compile_to_dbt_vars`), so an
invalid config raises :class:`~pipelines.config.InvalidConfigError` with every issue. The
warehouse is opened read-only; while a sync job writes to it, :class:`WarehouseBusy` says so.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import duckdb

from pipelines.config.catalogs import catalog_from_describe, describe_catalog_path, load_catalog
from pipelines.config.dbt_vars import compile_to_dbt_vars
from pipelines.config.model import IntegrationConfig
from pipelines.config.validation import parse_config
from pipelines.soql.catalog import Catalog
from pipelines.transform.sentiment import SupportSentiment, sentiment_label
from pipelines.transform.warehouse import (
    WarehouseUnavailable,
    open_warehouse,
    raw_columns,
    require_warehouse,
)

Metric = Literal["arr", "renewal"]
METRICS: tuple[str, ...] = ("arr", "renewal")
DEFAULT_SAMPLE_SIZE = 5
# Aggregation previews look for accounts with records among this many accounts per sample.
_CANDIDATES_PER_SAMPLE = 10

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class AccountSample:
    account_id: str
    account_name: str | None


@dataclass(frozen=True)
class TypeCount:
    """One account type of the filter: how many accounts it would sync, and a few of them."""

    company_type: str
    position: int
    count: int
    samples: list[AccountSample]


@dataclass(frozen=True)
class FilterPreview:
    """What account filtering would sync: ``types`` in the config's order."""

    mode: str
    types: list[TypeCount]
    total_accounts: int
    synced_accounts: int
    elapsed_ms: float

    @property
    def not_synced(self) -> int:
        return self.total_accounts - self.synced_accounts

    def count(self, company_type: str) -> int:
        return next((t.count for t in self.types if t.company_type == company_type), 0)


@dataclass(frozen=True)
class MetricRecord:
    """A record a metric read: its value as stored, its currency, and the value used."""

    record_id: str
    object_name: str
    original_value: float | date | None
    currency_iso_code: str | None
    value: float | date | None
    order_value: Any = None  # latest: the value of the field records are ordered by
    sort_key: float | None = None
    is_chosen: bool = False  # the record whose value max / latest returned


@dataclass(frozen=True)
class AccountMetric:
    account_id: str
    account_name: str | None
    company_type: str
    value: float | date | None
    record_count: int | None
    records: list[MetricRecord]


@dataclass(frozen=True)
class AggregationPreview:
    """ARR or the renewal date on a few synced accounts, with the records behind each value."""

    metric: str
    mode: str
    function: str | None
    source_label: str
    reporting_currency: str | None
    accounts: list[AccountMetric]
    elapsed_ms: float


@dataclass(frozen=True)
class PreviewMessage:
    message_id: str
    direction: str
    message_position: int
    message_at: datetime | None
    body: str | None
    sentiment_score: float | None
    sentiment_label: str | None


@dataclass(frozen=True)
class PreviewCase:
    case_id: str
    case_number: str | None
    account_id: str | None
    subject: str | None
    status: str | None
    priority: str | None
    created_at: datetime | None
    thread: list[PreviewMessage]
    sentiment_score: float | None
    sentiment_label: str | None


@dataclass(frozen=True)
class CasesPreview:
    """Support cases the config would sync: how many, and a few of the newest with threads."""

    enabled: bool
    conversation_source: str | None
    matching_cases: int
    cases: list[PreviewCase] = field(default_factory=list)
    elapsed_ms: float = 0.0


# ---------------------------------------------------------------------------- previews


def preview_filter(
    config: IntegrationConfig | Mapping[str, Any],
    home: str | os.PathLike[str] | None = None,
    *,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
) -> FilterPreview:
    """How many accounts each account type would sync, with ``sample_size`` of each by name."""
    started = time.perf_counter()
    compiled = compile_preview_vars(config, home)
    types = compiled["sfsync_account_types"]
    with open_warehouse(home) as con:
        account = _require_accounts(con, compiled)
        classified = _classified_sql(compiled, account)
        # One pass: the count per filter position and, per position, the first accounts by
        # name (min_by keeps the n smallest without sorting every account).
        rows = con.execute(
            f"with classified as ({classified}) "
            "select coalesce(type_position, 0), count(*), "
            "min_by(struct_pack(account_id, account_name), "
            "struct_pack(no_name := account_name is null, account_name, account_id), ?) "
            "from classified group by all",
            [sample_size],
        ).fetchall()
    counts = {int(position): int(n) for position, n, _ in rows}
    samples = {
        int(position): [AccountSample(s["account_id"], s["account_name"]) for s in picked or []]
        for position, _, picked in rows
    }
    result = [
        TypeCount(t["type"], int(t["position"]), int(counts.get(int(t["position"]), 0)),
                  samples.get(int(t["position"]), []))
        for t in types
    ]  # fmt: skip
    synced = sum(t.count for t in result)
    return FilterPreview(
        mode=str(compiled["sfsync_account_filter_mode"]),
        types=result,
        total_accounts=int(sum(counts.values())),
        synced_accounts=synced,
        elapsed_ms=_ms(started),
    )


def preview_aggregation(
    config: IntegrationConfig | Mapping[str, Any],
    metric: Metric | str,
    home: str | os.PathLike[str] | None = None,
    *,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
) -> AggregationPreview:
    """``metric`` (``arr`` or ``renewal``) on ``sample_size`` synced accounts, with its records.

    Accounts with records (or with the direct field filled) are preferred; the sample is
    stable for a given org (ordered by a hash of the account id), so a preview changes only
    when the config does.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}: expected one of {', '.join(METRICS)}")
    started = time.perf_counter()
    compiled = compile_preview_vars(config, home)
    m: dict[str, Any] = compiled[f"sfsync_{metric}"]
    label = str(m["source_label"]) if m["enabled"] else "none"
    with open_warehouse(home) as con:
        account = _require_accounts(con, compiled)
        columns = raw_columns(con, "currency_type", *([m["table"]] if m["table"] else []))
        rates, corporate = _currency_rates(con, compiled, columns.get("currency_type"))
        classified = _classified_sql(compiled, account)
        records_sql = _metric_records_sql(compiled, m, metric, account, columns)
        if records_sql is None or not sample_size:
            picked = con.execute(
                f"with classified as ({classified}) select account_id, account_name, "
                "type_position from classified where type_position is not null "
                "order by hash(account_id), account_id limit ?",
                [sample_size],
            ).fetchall()
            rows: list[tuple[Any, ...]] = []
        else:
            picked = _accounts_with_records_first(con, classified, records_sql, sample_size)
            sample = [p[0] for p in picked]
            rows = (
                con.execute(
                    f"select * from ({records_sql}) where account_id in ({_placeholders(sample)})",
                    sample,
                ).fetchall()
                if sample
                else []
            )
    types = {int(t["position"]): str(t["type"]) for t in compiled["sfsync_account_types"]}
    by_account: dict[str, list[MetricRecord]] = {}
    is_money = m["value_kind"] == "number" and m["field_type"] == "currency"
    for account_id, record_id, object_name, original, currency, order_value, sort_key in rows:
        value = original
        if is_money and currency is not None and original is not None:
            rate = rates.get(currency)
            value = original / rate if rate else None
        if value is None:
            continue
        by_account.setdefault(account_id, []).append(
            MetricRecord(record_id, object_name, original, currency, value, order_value,
                         sort_key)
        )  # fmt: skip
    accounts = [
        _account_metric(m, account_id, name, types.get(int(position), ""), by_account)
        for account_id, name, position in picked
    ]
    return AggregationPreview(
        metric=metric,
        mode=str(m["mode"]),
        function=m["function"],
        source_label=label,
        reporting_currency=corporate,
        accounts=accounts,
        elapsed_ms=_ms(started),
    )


def preview_cases(
    config: IntegrationConfig | Mapping[str, Any],
    home: str | os.PathLike[str] | None = None,
    *,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    scorer: SupportSentiment | None = None,
) -> CasesPreview:
    """The newest ``sample_size`` cases matching the case filter and window (of synced
    accounts), each with its thread from the configured conversation source and sentiment."""
    started = time.perf_counter()
    compiled = compile_preview_vars(config, home)
    cases_cfg: dict[str, Any] = compiled["sfsync_support_cases"]
    if not cases_cfg["enabled"]:
        return CasesPreview(False, None, 0, [], _ms(started))
    source = str(cases_cfg["conversation_source"])
    conversation = str(cases_cfg["conversation_table"])
    with open_warehouse(home) as con:
        account = _require_accounts(con, compiled)
        columns = raw_columns(con, "case", conversation, "user")
        case_columns = columns.get("case")
        if not case_columns:
            return CasesPreview(True, source, 0, [], _ms(started))
        classified = _classified_sql(compiled, account)
        selected = _cases_sql(compiled, cases_cfg, case_columns, classified)
        # One statement for the count and the newest few, so the cases are selected once.
        newest = con.execute(
            f"select *, count(*) over () from ({selected}) "
            "order by created_at desc nulls last, case_id desc limit ?",
            [max(sample_size, 1)],
        ).fetchall()
        total = int(newest[0][-1]) if newest else 0
        picked = [row[:-1] for row in newest[:sample_size]]
        messages = _thread_rows(con, compiled, cases_cfg, columns, [p[0] for p in picked])
    scorer = scorer or SupportSentiment.from_file()
    threads: dict[str, list[PreviewMessage]] = {}
    for case_id, message_id, direction, message_at, body in messages:
        thread = threads.setdefault(case_id, [])
        score = scorer.score(body)
        thread.append(
            PreviewMessage(message_id, direction, len(thread) + 1, message_at, body, score,
                           sentiment_label(score))
        )  # fmt: skip
    cases = []
    for case_id, account_id, case_number, subject, status, priority, created_at in picked:
        thread = threads.get(case_id, [])
        score = case_sentiment(thread)
        cases.append(
            PreviewCase(case_id, case_number, account_id, subject, status, priority,
                        created_at, thread, score, sentiment_label(score))
        )  # fmt: skip
    return CasesPreview(True, source, total, cases, _ms(started))


def case_sentiment(thread: Sequence[PreviewMessage]) -> float | None:
    """The case's score: the mean of its inbound messages' scores, the k-th weighted k."""
    scores = [m.sentiment_score for m in thread if m.direction == "inbound"]
    weighted = [(k, s) for k, s in enumerate((s for s in scores if s is not None), start=1)]
    if not weighted:
        return None
    return sum(k * s for k, s in weighted) / sum(k for k, _ in weighted)


# ---------------------------------------------------------------------------- compiling


def compile_preview_vars(
    config: IntegrationConfig | Mapping[str, Any], home: str | os.PathLike[str] | None = None
) -> dict[str, Any]:
    """``config`` compiled as dbt would get it (InvalidConfigError when it is not valid).

    The warehouse is checked first: before the first sync there is nothing to preview, whatever
    the config says (and the org's own describe is not there to check it against)."""
    require_warehouse(home)
    return compile_to_dbt_vars(parse_config(config), _catalog(home), source="Unsaved")


def _catalog(home: str | os.PathLike[str] | None) -> Catalog:
    path = describe_catalog_path(home)
    try:
        stat = path.stat()
    except OSError:
        return load_catalog(home)
    return _describe_catalog(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _describe_catalog(path: str, mtime_ns: int, size: int) -> Catalog:
    # Keyed on the file's modification time and size: a sync that rewrites it is seen at once.
    return catalog_from_describe(Path(path).read_text(encoding="utf-8"), source=path)


# ---------------------------------------------------------------------------- SQL


def _ident(name: object) -> str:
    text = str(name)
    if not _IDENTIFIER.match(text):
        raise ValueError(f"{text!r} is not a warehouse column or table name")
    return f'"{text}"'


def _api_literal(name: object) -> str:
    text = str(name)
    if not _API_NAME.match(text):
        raise ValueError(f"{text!r} is not a Salesforce API name")
    return f"'{text}'"


def _table(compiled: Mapping[str, Any], table: str) -> str:
    return f"{_ident(compiled['sfsync_raw_schema'])}.{_ident(table)}"


def _not_deleted(alias: str, columns: Mapping[str, str]) -> str:
    return f"not coalesce({alias}.is_deleted, false)" if "is_deleted" in columns else "true"


def _column_or_null(alias: str, column: str | None, columns: Mapping[str, str], type_: str) -> str:
    if column and column in columns:
        return f"cast({alias}.{_ident(column)} as {type_})"
    return f"cast(null as {type_})"


def _require_accounts(
    con: duckdb.DuckDBPyConnection, compiled: Mapping[str, Any]
) -> dict[str, str]:
    account = raw_columns(con, "account").get("account")
    if not account:
        raise WarehouseUnavailable(
            "the warehouse has no Account table yet: run a sync first (`sfsync sync`)"
        )
    return account


def _classified_sql(compiled: Mapping[str, Any], columns: Mapping[str, str]) -> str:
    """Every account with the position of the first account filter it matches (or null)."""
    alias = _ident(compiled["sfsync_account_alias"])
    types = compiled["sfsync_account_types"]
    position = (
        "case "
        + " ".join(f"when {t['condition_sql']} then {int(t['position'])}" for t in types)
        + " end"
        if types
        else "cast(null as integer)"
    )
    return (
        f"select cast({alias}.id as varchar) as account_id, "
        f"{_column_or_null(alias, 'name', columns, 'varchar')} as account_name, "
        f"{position} as type_position "
        f"from {_table(compiled, 'account')} as {alias} "
        f"where {_not_deleted(alias, columns)}"
    )


def _currency_rates(
    con: duckdb.DuckDBPyConnection,
    compiled: Mapping[str, Any],
    columns: Mapping[str, str] | None,
) -> tuple[dict[str, float], str | None]:
    if not columns or "iso_code" not in columns or "conversion_rate" not in columns:
        return {}, None
    rows = con.execute(
        "select cast(iso_code as varchar), cast(conversion_rate as double), "
        f"{_column_or_null('rates', 'is_corporate', columns, 'boolean')} "
        f"from {_table(compiled, 'currency_type')} as rates"
    ).fetchall()
    corporate = min((code for code, _, is_corp in rows if is_corp), default=None)
    return {code: rate for code, rate, _ in rows if code is not None}, corporate


def _metric_records_sql(
    compiled: Mapping[str, Any],
    m: Mapping[str, Any],
    metric: str,
    account: Mapping[str, str],
    columns: Mapping[str, Mapping[str, str]],
) -> str | None:
    """The records ``m`` reads: account_id, record_id, object_name, original_value,
    currency_iso_code, order_value, sort_key (the dbt macro sfsync_metric_records' rows).

    ``account_id`` is the raw lookup column itself (an Id, so text) rather than a cast of it,
    so that a filter on it is applied while the table is scanned."""
    value_type = "date" if metric == "renewal" else "double"
    is_money = m["value_kind"] == "number" and m["field_type"] == "currency"
    if m["mode"] == "direct":
        column = m["column"]
        currency = "a.currency_iso_code" if is_money and "currency_iso_code" in account else None
        return (
            "select a.id as account_id, cast(a.id as varchar) as record_id, "
            "'Account' as object_name, "
            f"{_column_or_null('a', column, account, value_type)} as original_value, "
            f"{currency or 'cast(null as varchar)'} as currency_iso_code, "
            "null as order_value, cast(null as double) as sort_key "
            f"from {_table(compiled, 'account')} as a "
            f"where {_not_deleted('a', account)} "
            f"and {_column_or_null('a', column, account, value_type)} is not null"
        )
    if m["mode"] != "aggregation":
        return None
    present = columns.get(m["table"]) or {}
    if m["account_column"] not in present or m["column"] not in present:
        return None
    alias = _ident(m["alias"])
    order_column = m["order_by_column"] or m["column"]
    order_type = present.get(order_column, "")
    if order_type.startswith(("date", "timestamp")):
        sort_key = f"epoch(cast({alias}.{_ident(order_column)} as timestamptz))"
    elif order_type:
        sort_key = f"cast({alias}.{_ident(order_column)} as double)"
    else:
        sort_key = "cast(null as double)"
    order_value = f"{alias}.{_ident(order_column)}" if order_type else "null"
    currency = (
        f"cast({alias}.currency_iso_code as varchar)"
        if is_money and "currency_iso_code" in present
        else "cast(null as varchar)"
    )
    condition = f" and ({m['condition_sql']})" if m["condition_sql"] else ""
    value = f"cast({alias}.{_ident(m['column'])} as {value_type})"
    return (
        f"select {alias}.{_ident(m['account_column'])} as account_id, "
        f"cast({alias}.id as varchar) as record_id, {_api_literal(m['object'])} as object_name, "
        f"{value} as original_value, {currency} as currency_iso_code, "
        f"{order_value} as order_value, {sort_key} as sort_key "
        f"from {_table(compiled, m['table'])} as {alias} "
        f"where {_not_deleted(alias, present)}{condition} "
        f"and {alias}.{_ident(m['account_column'])} is not null and {value} is not null"
    )


def _accounts_with_records_first(
    con: duckdb.DuckDBPyConnection, classified: str, records_sql: str, sample_size: int
) -> list[tuple[Any, ...]]:
    """``sample_size`` synced accounts, those with records first, each group by hash of the id.

    The accounts come first from the few synced accounts first by hash, and which of those
    have records is asked of the records table for those accounts only: as long as enough of
    them have records (or they are all the synced accounts), they hold the answer, since an
    account with records that sorts before them by hash would be among them. Otherwise every
    record is read."""
    candidates = con.execute(
        f"with classified as ({classified}) select account_id, account_name, type_position "
        "from classified where type_position is not null "
        "order by hash(account_id), account_id limit ?",
        [sample_size * _CANDIDATES_PER_SAMPLE],
    ).fetchall()
    ids = [c[0] for c in candidates]
    having = (
        {
            row[0]
            for row in con.execute(
                f"select distinct account_id from ({records_sql}) "
                f"where account_id in ({_placeholders(ids)})",
                ids,
            ).fetchall()
        }
        if ids
        else set()
    )
    with_records = [c for c in candidates if c[0] in having]
    if len(with_records) >= sample_size or len(candidates) < sample_size * _CANDIDATES_PER_SAMPLE:
        return (with_records + [c for c in candidates if c[0] not in having])[:sample_size]
    return con.execute(
        f"with classified as ({classified}), records as ({records_sql}) "
        "select classified.account_id, classified.account_name, "
        "classified.type_position from classified "
        "left join (select distinct account_id from records) as having_records "
        "on classified.account_id = having_records.account_id "
        "where classified.type_position is not null "
        "order by having_records.account_id is null, hash(classified.account_id), "
        "classified.account_id limit ?",
        [sample_size],
    ).fetchall()


def _placeholders(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def _account_metric(
    m: Mapping[str, Any],
    account_id: str,
    name: str | None,
    company_type: str,
    by_account: Mapping[str, list[MetricRecord]],
) -> AccountMetric:
    records = list(by_account.get(account_id, []))
    if m["mode"] == "none":
        return AccountMetric(account_id, name, company_type, None, None, [])
    value: Any = None
    if m["mode"] == "direct":
        value = records[0].value if records else None
        return AccountMetric(account_id, name, company_type, value, None, records)
    chosen: MetricRecord | None = None
    if records:
        if m["function"] == "sum":
            value = sum(r.value for r in records if isinstance(r.value, int | float))
        elif m["function"] == "max":
            chosen = max(records, key=_by_value)
            value = chosen.value
        elif m["function"] == "latest":
            chosen = max(records, key=_recency)
            value = chosen.value
    marked = [
        MetricRecord(r.record_id, r.object_name, r.original_value, r.currency_iso_code, r.value,
                     r.order_value, r.sort_key, r is chosen)
        for r in sorted(records, key=_recency, reverse=True)
    ]  # fmt: skip
    return AccountMetric(account_id, name, company_type, value, len(records), marked)


def _by_value(record: MetricRecord) -> tuple[Any, str]:
    return (record.value, record.record_id)


def _recency(record: MetricRecord) -> tuple[bool, float, str]:
    # Most recent first in dbt: sort key descending with nulls last, then the higher id.
    key = record.sort_key
    return (key is not None, key if key is not None else 0.0, record.record_id)


def _cases_sql(
    compiled: Mapping[str, Any],
    cases_cfg: Mapping[str, Any],
    columns: Mapping[str, str],
    classified: str,
) -> str:
    alias = _ident(cases_cfg["alias"] or "c")
    window = (
        f" and {alias}.created_date >= "
        f"cast(current_date - {int(cases_cfg['last_n_days'])} as timestamptz)"
        if cases_cfg["last_n_days"]
        else ""
    )
    condition = f" and ({cases_cfg['condition_sql']})" if cases_cfg["condition_sql"] else ""
    account_id = _column_or_null(alias, "account_id", columns, "varchar")
    return (
        f"select cast({alias}.id as varchar) as case_id, {account_id} as account_id, "
        f"{_column_or_null(alias, 'case_number', columns, 'varchar')} as case_number, "
        f"{_column_or_null(alias, 'subject', columns, 'varchar')} as subject, "
        f"{_column_or_null(alias, 'status', columns, 'varchar')} as status, "
        f"{_column_or_null(alias, 'priority', columns, 'varchar')} as priority, "
        f"{_column_or_null(alias, 'created_date', columns, 'timestamptz')} as created_at "
        f"from {_table(compiled, 'case')} as {alias} "
        f"where {_not_deleted(alias, columns)}{condition}{window} "
        f"and {account_id} in (select account_id from ({classified}) "
        "where type_position is not null)"
    )


def _thread_rows(
    con: duckdb.DuckDBPyConnection,
    compiled: Mapping[str, Any],
    cases_cfg: Mapping[str, Any],
    columns: Mapping[str, Mapping[str, str]],
    case_ids: list[str],
) -> list[tuple[Any, ...]]:
    """(case_id, message_id, direction, message_at, body) of the cases' threads, in order."""
    table = str(cases_cfg["conversation_table"])
    present = columns.get(table) or {}
    if not case_ids or not present:
        return []
    parent_column = cases_cfg["conversation_parent_column"]
    if parent_column not in present:
        return []
    # The raw lookup column itself, compared with the ids as constants: DuckDB applies the
    # filter while scanning the conversation table instead of joining all of it.
    parent = f"m.{_ident(parent_column)}"
    body = _column_or_null("m", cases_cfg["conversation_body_column"], present, "varchar")
    sent_at = _column_or_null("m", cases_cfg["conversation_time_column"], present, "timestamptz")
    if cases_cfg["conversation_incoming_column"]:
        incoming = _column_or_null(
            "m", cases_cfg["conversation_incoming_column"], present, "boolean"
        )
        direction = f"case when {incoming} then 'inbound' else 'outbound' end"
        sent_at = (
            f"coalesce({sent_at}, {_column_or_null('m', 'created_date', present, 'timestamptz')})"
        )
        joins = ""
    else:
        users = columns.get("user") or {}
        published = _column_or_null("m", "is_published", present, "boolean")
        user_type = _column_or_null("u", "user_type", users, "varchar") if users else "null"
        direction = (
            f"case when not coalesce({published}, true) then 'internal' "
            f"when {user_type} = 'Standard' then 'outbound' else 'inbound' end"
        )
        joins = (
            f" left join {_table(compiled, 'user')} as u on "
            f"{_column_or_null('m', 'created_by_id', present, 'varchar')} = cast(u.id as varchar)"
            if users
            else ""
        )
    return con.execute(
        f"select {parent} as case_id, cast(m.id as varchar) as message_id, "
        f"{direction} as direction, {sent_at} as message_at, {body} as body "
        f"from {_table(compiled, table)} as m{joins} "
        f"where {_not_deleted('m', present)} and {parent} in ({_placeholders(case_ids)}) "
        "order by case_id, message_at, message_id",
        case_ids,
    ).fetchall()


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
