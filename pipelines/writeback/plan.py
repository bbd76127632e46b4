"""Planning a push: which records and fields to write, which to skip as conflicts, and how.

For each mapping, one read of the warehouse joins the model's rows to the org's values as of
the last sync (the raw table, with ``SystemModstamp``), and the outbox state says what sfsync
last wrote. Each field of each row is then:

* left alone when the model's value is NULL (no opinion) or already what the org holds;
* a **conflict** when the org holds something else than sfsync last wrote and the record was
  modified after that write (its ``SystemModstamp`` is newer than both the write and the
  version the write was based on): someone changed it in Salesforce. ``skip`` reports it and
  keeps Salesforce's value; ``prefer_warehouse`` writes the model's value anyway;
* left alone when the model's value is what sfsync last wrote (the warehouse's copy of the org
  predates that write);
* otherwise **sent**.

A mapping is checked against the warehouse before anything is planned: the model exists, has
the id column and the mapped columns with types the fields accept, and every id is an id of
the object (its key prefix). A mapping that fails is reported with :class:`ConfigIssue`\\ s,
located like the config's own (``writeback.mappings[0].fields.health_score``), and not pushed.

Planning never calls Salesforce: it is also the dry run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.config.catalogs import load_catalog
from pipelines.config.control import sfsync_home
from pipelines.config.issues import (
    INVALID_VALUE,
    UNKNOWN_FIELD,
    WRONG_FIELD_TYPE,
    ConfigIssue,
    Location,
)
from pipelines.config.model import IntegrationConfig
from pipelines.config.resolve import ResolvedWritebackMapping, resolve_config
from pipelines.soql.catalog import Catalog, Field
from pipelines.soql.naming import column_name, table_name
from pipelines.writeback.costs import (
    COLLECTION_BATCH,
    Transport,
    choose_transport,
    estimated_calls,
)
from pipelines.writeback.errors import NotConfigured
from pipelines.writeback.outbox import PlannedRecord, StateEntry, load_state
from pipelines.writeback.values import (
    InvalidValue,
    TValue,
    accepts_column,
    canonical,
    describe_value,
    expected_columns,
    format_datetime,
    is_record_id,
    parse_datetime,
    record_id,
)
from pipelines.writeback.warehouse import (
    Relation,
    columns_of,
    find_model,
    raw_table,
    read_warehouse,
)

HomeArg = str | Path | None
MISSING_MODEL = "MISSING_MODEL"
MISSING_COLUMN = UNKNOWN_FIELD
WRONG_ID = "WRONG_ID"
DUPLICATE_ROWS = "DUPLICATE_ROWS"
EXAMPLES_PER_FIELD = 3

_ID_FIELD = Field("Id", "id")


@dataclass(frozen=True)
class Conflict:
    """A field changed in Salesforce after sfsync last wrote it."""

    name: str
    warehouse: TValue
    salesforce: TValue
    last_written: TValue
    modified_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "warehouse": self.warehouse,
            "salesforce": self.salesforce,
            "last_written": self.last_written,
            "modified_at": format_datetime(self.modified_at),
        }


@dataclass
class RecordChange:
    """One record of a plan: the fields to write, what the org held, conflicts found."""

    record_id: str
    payload: dict[str, TValue]
    previous: dict[str, TValue]
    conflicts: dict[str, Conflict]
    org_stamp: datetime | None


@dataclass
class FieldSummary:
    """Per field of a mapping: how many records change, and a few examples."""

    name: str
    column: str
    changes: int = 0
    conflicts: int = 0
    overwritten: int = 0
    examples: list[tuple[str, TValue | None, TValue]] = field(default_factory=list)
    org_known: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.name,
            "column": self.column,
            "changes": self.changes,
            "conflicts": self.conflicts,
            "conflicts_overwritten": self.overwritten,
            "org_values_known": self.org_known,
            "examples": [
                {"record_id": rid, "salesforce": old, "warehouse": new}
                for rid, old, new in self.examples
            ],
        }


@dataclass
class MappingPlan:
    """What a push would do for one mapping (``index`` in ``writeback.mappings``)."""

    index: int
    model: str
    object: str
    conflict_policy: str
    relation: str | None = None
    rows: int = 0
    records: list[RecordChange] = field(default_factory=list)
    unchanged: int = 0
    null_values: int = 0
    missing_ids: int = 0
    fields: dict[str, FieldSummary] = field(default_factory=dict)
    issues: list[ConfigIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    transport: Transport | None = None
    estimated_calls: dict[Transport, int] = field(default_factory=dict)
    targets: dict[str, Field] = field(default_factory=dict)
    """The catalog's description of each target field (by API name)."""

    @property
    def label(self) -> str:
        return f"{self.model} → {self.object}"

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def to_send(self) -> list[RecordChange]:
        return [r for r in self.records if r.payload]

    @property
    def conflicted(self) -> list[RecordChange]:
        return [r for r in self.records if r.conflicts]

    def planned_records(self) -> list[PlannedRecord]:
        """The outbox rows of this mapping."""
        return [
            PlannedRecord(
                mapping=self.index,
                model=self.model,
                object=self.object,
                record_id=r.record_id,
                payload=r.payload,
                previous=r.previous,
                conflicts={name: c.to_json() for name, c in r.conflicts.items()},
                org_stamp=r.org_stamp,
            )
            for r in self.records
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "model": self.model,
            "object": self.object,
            "relation": self.relation,
            "conflict_policy": self.conflict_policy,
            "rows": self.rows,
            "records_to_send": len(self.to_send),
            "records_with_conflicts": len(self.conflicted),
            "records_unchanged": self.unchanged,
            "null_values": self.null_values,
            "rows_without_id": self.missing_ids,
            "fields": [s.to_json() for s in self.fields.values()],
            "transport": self.transport,
            "estimated_api_calls": self.estimated_calls.get(self.transport, 0)
            if self.transport
            else 0,
            "estimated_api_calls_by_transport": dict(self.estimated_calls),
            "issues": [i.to_dict() for i in self.issues],
            "notes": list(self.notes),
        }


@dataclass
class Plan:
    """A whole push, planned: the dry run's answer and the push's work list."""

    mappings: list[MappingPlan]
    issues: list[ConfigIssue]
    enabled: bool
    planned_at: datetime

    @property
    def records_to_send(self) -> int:
        return sum(len(m.to_send) for m in self.mappings)

    @property
    def conflicts(self) -> int:
        return sum(len(m.conflicted) for m in self.mappings)

    @property
    def estimated_api_calls(self) -> int:
        return sum(m.estimated_calls.get(m.transport, 0) for m in self.mappings if m.transport)

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "planned_at": format_datetime(self.planned_at),
            "records_to_send": self.records_to_send,
            "records_with_conflicts": self.conflicts,
            "estimated_api_calls": self.estimated_api_calls,
            "mappings": [m.to_json() for m in self.mappings],
            "issues": [i.to_dict() for i in self.issues],
        }


def build_plan(
    config: IntegrationConfig,
    home: HomeArg = None,
    *,
    catalog: Catalog | None = None,
    batch_size: int = COLLECTION_BATCH,
    wait_s: float = 0.0,
) -> Plan:
    """Plan a push of ``config``'s write-back mappings (no Salesforce call, no write).

    Raises :class:`~pipelines.writeback.warehouse.WarehouseUnavailable` when the warehouse
    cannot be read (not synced yet, or a sync job writing it for longer than ``wait_s``).
    """
    section = config.writeback
    catalog = catalog if catalog is not None else load_catalog(home)
    resolution = resolve_config(config, catalog)
    config_issues = [i for i in resolution.issues if i.section == "writeback"]
    resolved = {m.index: m for m in resolution.writeback}
    mappings: list[MappingPlan] = []
    for i, mapping in enumerate(section.mappings):
        plan = MappingPlan(i, mapping.model, mapping.object, mapping.conflict_policy)
        plan.issues = [
            iss for iss in config_issues if iss.location[:3] == ("writeback", "mappings", i)
        ]
        if i in resolved:
            plan.object = resolved[i].object.name
            plan.targets = {fld.name: fld for _, fld in resolved[i].fields}
        mappings.append(plan)
    if resolved:
        with read_warehouse(home, wait_s=wait_s) as conn:
            for plan in mappings:
                if plan.index in resolved and plan.ok:
                    _plan_mapping(conn, home, resolved[plan.index], plan)
    for plan in mappings:
        sending = len(plan.to_send)
        if plan.ok and sending:
            plan.estimated_calls = estimated_calls(sending, batch_size)
            plan.transport = choose_transport(sending, section.transport, batch_size)
    issues = [i for i in config_issues if i.location[:2] != ("writeback", "mappings")]
    issues += [i for plan in mappings for i in plan.issues]
    return Plan(mappings, issues, section.enabled, datetime.now(UTC))


def _plan_mapping(
    conn: duckdb.DuckDBPyConnection,
    home: HomeArg,
    mapping: ResolvedWritebackMapping,
    plan: MappingPlan,
) -> None:
    base: Location = ("writeback", "mappings", mapping.index)
    item = mapping.model
    obj = mapping.object

    def issue(where: Location, message: str, code: str) -> None:
        plan.issues.append(ConfigIssue((*base, *where), message, code, item))

    found = find_model(conn, mapping.model)
    if not found:
        issue(
            ("model",),
            f"there is no table or view '{mapping.model}' in the warehouse; build it with dbt "
            f"(`dbt build --select {mapping.model}`) or check the name",
            MISSING_MODEL,
        )
        return
    relation = found[0]
    plan.relation = str(relation)
    if len(found) > 1:
        others = ", ".join(str(r) for r in found[1:])
        plan.notes.append(
            f"{mapping.model} exists in several schemas; using {relation} ({others} ignored)"
        )
    columns = columns_of(conn, relation)
    wanted: list[tuple[str, str, Field]] = [(mapping.id_column, "id_column", _ID_FIELD)]
    wanted += [(column, "fields", fld) for column, fld in mapping.fields]
    for column, key, fld in wanted:
        where: Location = (key,) if key == "id_column" else (key, column)
        found_column = columns.get(column.lower())
        if found_column is None:
            issue(
                where,
                f"{relation} has no column '{column}' (it has: {', '.join(c for c, _ in columns.values())})",
                MISSING_COLUMN,
            )
        elif not accepts_column(fld, found_column[1]):
            target = "a record id" if fld is _ID_FIELD else f"{obj.name}.{fld.name} ({fld.type})"
            issue(
                where,
                f"column {found_column[0]} is {found_column[1]}; {target} needs "
                f"{expected_columns(fld)}: cast it in the model",
                WRONG_FIELD_TYPE,
            )
    if plan.issues:
        return

    raw = raw_table(conn, table_name(obj.name))
    raw_columns = columns_of(conn, raw) if raw is not None else {}
    if raw is None:
        plan.notes.append(
            f"{obj.name} is not synced into the warehouse: changes are detected against "
            "sfsync's own writes only, and changes made in Salesforce cannot be seen"
        )
    org_columns: list[str | None] = []
    for column, fld in mapping.fields:
        name = column_name(fld.name)
        known = raw is not None and name in raw_columns
        org_columns.append(name if known else None)
        plan.fields[fld.name] = FieldSummary(fld.name, column, org_known=known)
        if raw is not None and not known:
            plan.notes.append(
                f"{obj.name}.{fld.name} is not synced: changes to it are detected against "
                "sfsync's own writes only, and changes made in Salesforce cannot be seen "
                "(sync the field to enable conflict detection)"
            )
    stamp_column = "system_modstamp" if "system_modstamp" in raw_columns else None
    rows = _read_rows(conn, relation, mapping, raw, org_columns, stamp_column)
    state = load_state(home, obj.name)
    _decide(plan, mapping, rows, state)


def _read_rows(
    conn: duckdb.DuckDBPyConnection,
    relation: Relation,
    mapping: ResolvedWritebackMapping,
    raw: Relation | None,
    org_columns: Sequence[str | None],
    stamp_column: str | None,
) -> list[tuple[Any, ...]]:
    """``(id, model values…, org values…, SystemModstamp, in_org)`` per row of the model."""
    select = [f'm."{mapping.id_column}"']
    select += [f'm."{column}"' for column, _ in mapping.fields]
    if raw is None:
        select += ["NULL"] * (len(org_columns) + 1) + ["false"]
        return conn.execute(f"SELECT {', '.join(select)} FROM {relation.sql} AS m").fetchall()
    select += [f'r."{c}"' if c else "NULL" for c in org_columns]
    select.append(f'r."{stamp_column}"' if stamp_column else "NULL")
    select.append('r."id" IS NOT NULL')
    # Joined on the 15-character prefix: a model may carry 15- or 18-character ids.
    sql = (
        f"SELECT {', '.join(select)} FROM {relation.sql} AS m LEFT JOIN {raw.sql} AS r"
        f' ON left(r."id", 15) = left(CAST(m."{mapping.id_column}" AS VARCHAR), 15)'
    )
    return conn.execute(sql).fetchall()


def _decide(
    plan: MappingPlan,
    mapping: ResolvedWritebackMapping,
    rows: list[tuple[Any, ...]],
    state: dict[tuple[str, str], StateEntry],
) -> None:
    obj = mapping.object
    fields = [fld for _, fld in mapping.fields]
    width = len(fields)
    prefix = obj.key_prefix
    skip_conflicts = mapping.conflict_policy == "skip"
    seen: dict[str, tuple[Any, ...]] = {}
    wrong_ids: list[str] = []
    ambiguous: list[str] = []
    invalid: dict[str, str] = {}
    plan.rows = len(rows)
    for row in rows:
        raw_id = row[0]
        if raw_id is None or str(raw_id).strip() == "":
            plan.missing_ids += 1
            continue
        text = str(raw_id).strip()
        if not is_record_id(text) or (prefix and text[:3] != prefix):
            wrong_ids.append(text)
            continue
        rid = record_id(text)
        values = row[1 : 1 + width]
        if rid in seen:
            if seen[rid] != values:
                ambiguous.append(rid)
            continue
        seen[rid] = values
        in_org = bool(row[-1])
        org_stamp = parse_datetime(row[-2]) if in_org else None
        change = RecordChange(rid, {}, {}, {}, org_stamp)
        for j, fld in enumerate(fields):
            summary = plan.fields[fld.name]
            try:
                desired = canonical(values[j], fld)
            except InvalidValue as exc:
                invalid.setdefault(fld.name, f"{rid}: {exc}")
                continue
            if desired is None:
                plan.null_values += 1
                continue
            org_known = in_org and summary.org_known
            org = canonical(row[1 + width + j], fld) if org_known else None
            if org_known and desired == org:
                continue
            last = state.get((rid, fld.name))
            if (
                last is not None
                and org_known
                and org != last.value
                and org_stamp is not None
                and org_stamp > last.written_at
                and (last.seen_stamp is None or org_stamp > last.seen_stamp)
            ):
                change.conflicts[fld.name] = Conflict(fld.name, desired, org, last.value, org_stamp)
                summary.conflicts += 1
                if skip_conflicts:
                    continue
                summary.overwritten += 1
            elif last is not None and desired == last.value:
                continue
            change.payload[fld.name] = desired
            if org_known:
                change.previous[fld.name] = org
            summary.changes += 1
            if len(summary.examples) < EXAMPLES_PER_FIELD:
                summary.examples.append((rid, org if org_known else None, desired))
        if change.payload or change.conflicts:
            plan.records.append(change)
        else:
            plan.unchanged += 1
    base: Location = ("writeback", "mappings", mapping.index)
    if wrong_ids:
        expected = f"{obj.name} ids start with {prefix}" if prefix else f"{obj.name} record ids"
        plan.issues.append(
            ConfigIssue(
                (*base, "id_column"),
                f"{len(wrong_ids)} of {len(rows)} values of {mapping.id_column} are not "
                f"{obj.name} ids ({expected}), e.g. {', '.join(wrong_ids[:3])}",
                WRONG_ID,
                mapping.model,
            )
        )
    if ambiguous:
        plan.issues.append(
            ConfigIssue(
                (*base, "id_column"),
                f"{len(ambiguous)} records have several rows with different values in "
                f"{plan.relation}, e.g. {', '.join(ambiguous[:3])}; the model must have one row "
                "per record",
                DUPLICATE_ROWS,
                mapping.model,
            )
        )
    for name, example in invalid.items():
        column = plan.fields[name].column
        plan.issues.append(
            ConfigIssue(
                (*base, "fields", column),
                f"values of {column} cannot be written to {obj.name}.{name}: {example}",
                INVALID_VALUE,
                mapping.model,
            )
        )
    if plan.issues:
        plan.records = []
        for summary in plan.fields.values():
            summary.changes = summary.conflicts = summary.overwritten = 0
            summary.examples.clear()
    if plan.missing_ids:
        plan.notes.append(f"{plan.missing_ids} rows have no {mapping.id_column} and are left out")


def describe_change(old: TValue | None, new: TValue, org_known: bool) -> str:
    """``67 → 71`` (or ``→ 71`` when the org's value is not known)."""
    before = describe_value(old) if org_known else "?"
    return f"{before} → {describe_value(new)}"


def config_in_force(
    config: IntegrationConfig | None, home: HomeArg
) -> tuple[IntegrationConfig, int | None]:
    """``config`` itself, else the active version or the code default (and its version)."""
    if config is not None:
        return config, None
    from pipelines.config.store import ConfigStore

    current = ConfigStore(home).current()
    if current.config is None:
        raise NotConfigured()
    return current.config, current.source.version


def dry_run(
    config: IntegrationConfig | None = None,
    home: HomeArg = None,
    *,
    catalog: Catalog | None = None,
) -> Plan:
    """What a push would do now (``config``: default the config in force), write-back enabled
    or not. Sends no request and writes nothing."""
    home_path = sfsync_home(home)
    config, _ = config_in_force(config, home_path)
    return build_plan(config, home_path, catalog=catalog)
