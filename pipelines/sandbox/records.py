"""Query results → Salesforce's record JSON (REST) and CSV (Bulk 2.0), rendered by DuckDB.

Formatting runs inside DuckDB, vectorised, instead of value by value in Python: REST records
are one ``SELECT to_json(struct_pack(…)) || ','`` over an Arrow slice of the result, whose
string buffer is handed to the client as it is, and a Bulk result is the compiled query
wrapped in a projection that formats datetimes, written to CSV by
:mod:`pipelines.sandbox.bulk_results`.

Record shape, as Salesforce sends it::

    {"attributes": {"type": "Contact", "url": "/services/data/v59.0/sobjects/Contact/003…"},
     "Name": "Ada", "Account": {"attributes": {…}, "Name": "Acme"}, "Cases": null}

Fields keep SELECT order, a parent sits where its first field was selected, a parent whose
lookup is empty is ``null``, a child subquery without rows is ``null``, and aggregate rows
carry ``{"attributes": {"type": "AggregateResult"}}`` without a url. Datetimes are
``2024-01-01T00:00:00.000+0000`` in REST and ``2024-01-01T00:00:00.000Z`` in CSV.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import duckdb
import numpy as np
import pyarrow as pa

from pipelines.soql.catalog import Catalog, SObject

REST_DATETIME = "%Y-%m-%dT%H:%M:%S.%g+0000"
CSV_DATETIME = "%Y-%m-%dT%H:%M:%S.%gZ"
ROW_NUMBER = "__sandbox_row"


# --- the parts of a compiled query this module reads ------------------------------------------


class Column(Protocol):
    @property
    def path(self) -> tuple[str, ...]: ...
    @property
    def alias(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def hidden(self) -> bool: ...
    @property
    def compound(self) -> Mapping[str, str] | None: ...


class Parent(Protocol):
    @property
    def object(self) -> str: ...
    @property
    def id_alias(self) -> str: ...


class Query(Protocol):
    """What :mod:`pipelines.soql` returns from ``compile_query`` (a CompiledQuery)."""

    sql: str
    object: str
    is_count: bool
    is_aggregate: bool

    @property
    def columns(self) -> Sequence[Column]: ...
    @property
    def id_alias(self) -> str | None: ...
    @property
    def parents(self) -> Mapping[tuple[str, ...], Parent]: ...
    @property
    def children(self) -> Sequence[Any]: ...


# --- SQL text helpers ----------------------------------------------------------------------------


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def arrow_kind(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "datetime"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_time(t):
        return "time"
    return "plain"


def duckdb_kind(type_name: str) -> str:
    upper = type_name.upper()
    if upper.startswith("TIMESTAMP"):
        return "datetime"
    if upper == "DATE":
        return "date"
    if upper.startswith("TIME"):
        return "time"
    return "plain"


def value_sql(ref: str, kind: str, datetime_format: str) -> str:
    """The SQL that formats one value the way Salesforce writes it."""
    if kind == "datetime":
        # Through the instant's microseconds: strftime of a TIMESTAMPTZ goes through the
        # session's time zone, a plain TIMESTAMP does not (the format is UTC either way).
        return f"strftime(make_timestamp(epoch_us({ref})), {literal(datetime_format)})"
    if kind == "date":
        return f"strftime({ref}, '%Y-%m-%d')"
    if kind == "time":
        return f"strftime(DATE '2000-01-01' + {ref}, '%H:%M:%S.%g') || 'Z'"
    return ref


# --- REST records ------------------------------------------------------------------------------


@dataclass
class _Node:
    """One level of a record: the root, or a parent reached through a relationship.

    ``items`` are ``(key, source, branch)``: the source is an alias, a nested ``_Node``, a
    compound ``("compound", {key: alias})`` or a subquery ``("child", relationship)``; the
    branch is the object type a TYPEOF column belongs to (``"*"`` for ELSE, None for all).
    """

    type_name: str
    id_alias: str | None
    type_alias: str | None = None  # TYPEOF: the column holding each row's object type
    prefixes: dict[str, str] = field(default_factory=dict)  # polymorphic: key prefix → type
    items: list[tuple[str, Any, str | None]] = field(default_factory=list)
    nodes: dict[str, _Node] = field(default_factory=dict)


class RecordRenderer:
    """Renders pages of one compiled query as REST records, in DuckDB.

    ``kinds`` maps each result alias to ``datetime`` / ``date`` / ``time`` / ``plain`` (from
    the result's Arrow schema); ``child_keys`` names the subquery relationships, whose JSON
    the caller supplies per page.
    """

    def __init__(
        self,
        query: Query,
        version: str,
        catalog: Catalog,
        kinds: Mapping[str, str],
        child_keys: Sequence[str] = (),
    ) -> None:
        self.kinds = kinds
        self.url_base = f"/services/data/{version}/sobjects/"
        self.aggregate = bool(query.is_aggregate)
        root_type = "AggregateResult" if self.aggregate else query.object
        self.root = _Node(root_type, None if self.aggregate else query.id_alias)
        root_obj = catalog.get(query.object)
        for col in query.columns:
            if not col.hidden:
                self._place(query, catalog, root_obj, col)
        for key in child_keys:
            self.root.items.append((key, ("child", key), None))

    def _place(self, query: Query, catalog: Catalog, root_obj: SObject | None, col: Column) -> None:
        path = col.path
        node = self.root
        obj = root_obj
        if not self.aggregate:
            for depth in range(1, len(path)):
                rel = path[depth - 1]
                info = query.parents[path[:depth]]
                child = node.nodes.get(rel)
                if child is None:
                    child = _Node(info.object, info.id_alias, getattr(info, "type_alias", None))
                    rel_field = obj.relationship(rel) if obj is not None else None
                    if rel_field is not None and len(rel_field.reference_to) > 1:
                        for target in rel_field.reference_to:
                            target_obj = catalog.get(target)
                            if target_obj is not None and target_obj.key_prefix:
                                child.prefixes[target_obj.key_prefix] = target_obj.name
                    node.nodes[rel] = child
                    node.items.append((rel, child, None))
                node = child
                obj = catalog.get(info.object) if info.object else None
        source: Any = ("compound", dict(col.compound)) if col.compound else col.alias
        node.items.append((path[-1], source, getattr(col, "branch", None)))

    def _ref(self, table: str, alias: str) -> str:
        return f"{table}.{ident(alias)}"

    def _type_sql(self, node: _Node, table: str) -> str:
        """The object type of the record in ``node``: fixed, from a TYPEOF column, or from
        the id's key prefix for a polymorphic lookup."""
        fallback = literal(node.type_name)
        if node.type_alias:
            return f"coalesce({self._ref(table, node.type_alias)}, {fallback})"
        if node.prefixes and node.id_alias:
            cases = " ".join(
                f"WHEN {literal(prefix)} THEN {literal(name)}"
                for prefix, name in node.prefixes.items()
            )
            return f"(CASE left({self._ref(table, node.id_alias)}, 3) {cases} ELSE {fallback} END)"
        return fallback

    def _object_sql(
        self, node: _Node, table: str, extra: Mapping[str, str], branch: str | None = None
    ) -> str:
        """``struct_pack(...)`` of a node's items; with ``branch``, only that TYPEOF branch's.

        A struct, not ``json_object``: DuckDB turns a whole row of structs into JSON in one
        ``to_json`` at a fraction of the cost, with the same keys in the same order.
        """
        if node.id_alias is None:
            parts = [f"attributes := struct_pack(type := {literal(node.type_name)})"]
        else:
            type_sql = self._type_sql(node, table)
            url = f"{literal(self.url_base)} || {type_sql} || '/' || {self._ref(table, node.id_alias)}"
            parts = [f"attributes := struct_pack(type := {type_sql}, url := {url})"]
        for key, item, item_branch in node.items:
            if item_branch is not None and item_branch != branch:
                continue
            parts.append(f"{ident(key)} := {self._item_sql(item, table, extra)}")
        return f"struct_pack({', '.join(parts)})"

    def _node_sql(self, node: _Node, table: str, extra: Mapping[str, str]) -> str:
        branches = list(dict.fromkeys(b for _, _, b in node.items if b is not None))
        if not branches:
            body = self._object_sql(node, table, extra)
        else:
            # TYPEOF: the fields of the branch matching the row's type, else the ELSE fields.
            # The branches are structs of different shapes, so each becomes JSON on its own.
            type_col = self._ref(table, node.type_alias or "")
            whens = " ".join(
                f"WHEN {type_col} = {literal(b)} "
                f"THEN to_json({self._object_sql(node, table, extra, b)})"
                for b in branches
                if b != "*"
            )
            body = f"(CASE {whens} ELSE to_json({self._object_sql(node, table, extra, '*')}) END)"
        if node is self.root or node.id_alias is None:
            return body
        return f"(CASE WHEN {self._ref(table, node.id_alias)} IS NULL THEN NULL ELSE {body} END)"

    def _item_sql(self, item: Any, table: str, extra: Mapping[str, str]) -> str:
        if isinstance(item, _Node):
            return self._node_sql(item, table, extra)
        if isinstance(item, tuple) and item[0] == "child":
            return extra.get(item[1], "NULL")
        if isinstance(item, tuple) and item[0] == "compound":
            parts = item[1]
            refs = {key: self._ref(table, alias) for key, alias in parts.items()}
            all_null = " AND ".join(f"{r} IS NULL" for r in refs.values())
            fields_sql = ", ".join(
                f"{ident(key)} := {value_sql(ref, self.kinds.get(parts[key], 'plain'), REST_DATETIME)}"
                for key, ref in refs.items()
            )
            return f"(CASE WHEN {all_null} THEN NULL ELSE struct_pack({fields_sql}) END)"
        return value_sql(self._ref(table, item), self.kinds.get(item, "plain"), REST_DATETIME)

    def record_sql(self, table: str, extra: Mapping[str, str] | None = None) -> str:
        """A JSON expression for one row of ``table`` (``extra``: relationship → JSON SQL)."""
        return f"to_json({self._node_sql(self.root, table, extra or {})})"

    def render_rows(
        self,
        cursor: duckdb.DuckDBPyConnection,
        page: pa.Table,
        children: Sequence[tuple[str, pa.Table]] = (),
    ) -> pa.Array:
        """One JSON record per row of ``page``, in page order, each followed by a comma.

        ``children`` are ``(relationship, table)`` pairs whose table holds ``parent_id`` and
        ``agg`` (the subquery's JSON for that parent), from :meth:`render_children`.
        """
        if page.num_rows == 0:
            return pa.array([], pa.string())
        joins: list[str] = []
        extra: dict[str, str] = {}
        order = ""
        for i, (relationship, _) in enumerate(children):
            joins.append(
                f"LEFT JOIN __sandbox_kids{i} AS k{i} "
                f"ON k{i}.parent_id = p.{ident(self.root.id_alias or '')}"
            )
            extra[relationship] = f"k{i}.agg::JSON"
        if joins:
            page = _numbered(page)
            order = f" ORDER BY p.{ROW_NUMBER}"
        # A plain projection keeps the page's row order (DuckDB preserves insertion order);
        # joins need the explicit ORDER BY.
        sql = (
            f"SELECT ({self.record_sql('p', extra)})::VARCHAR || ',' AS j "
            f"FROM __sandbox_page AS p {' '.join(joins)}{order}"
        )
        cursor.register("__sandbox_page", page)
        try:
            for i, (_, table) in enumerate(children):
                cursor.register(f"__sandbox_kids{i}", table)
            rendered = cursor.sql(sql).to_arrow_table().column(0)
        finally:
            cursor.unregister("__sandbox_page")
            for i in range(len(children)):
                cursor.unregister(f"__sandbox_kids{i}")
        return rendered.combine_chunks()

    def render_children(
        self,
        cursor: duckdb.DuckDBPyConnection,
        rows: pa.Table,
        parent_key_alias: str,
        batch: int,
        next_urls: pa.Table | None = None,
    ) -> pa.Table:
        """Child rows grouped by parent: ``parent_id`` and ``agg``, the child result JSON.

        A parent's result holds its first ``batch`` children; ``totalSize`` counts them all.
        ``next_urls`` (``parent_id``, ``url``) names the parents with more children than that
        and where the rest are: their result says ``"done":false`` and carries the url as
        ``nextRecordsUrl``.
        """
        key = ident(parent_key_alias)
        row = ident(ROW_NUMBER)
        records = f"string_agg(({self.record_sql('c')})::VARCHAR, ',' ORDER BY c.{row})"
        if next_urls is None:
            source = "__sandbox_children AS c"
            total, done, where = "count(*)", "'true'", ""
        else:
            source = (
                f"(SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY {row}) AS __rank, "
                f"count(*) OVER (PARTITION BY {key}) AS __total FROM __sandbox_children) AS c "
                f"LEFT JOIN __sandbox_next AS u ON u.parent_id = c.{key}"
            )
            total = "max(c.__total)"
            done = (
                "CASE WHEN max(u.url) IS NULL THEN 'true' "
                """ELSE 'false,"nextRecordsUrl":' || to_json(max(u.url))::VARCHAR END"""
            )
            where = f" WHERE c.__rank <= {int(batch)}"
        sql = (
            f"SELECT c.{key} AS parent_id, "
            f"""'{{"totalSize":' || {total} || ',"done":' || {done} || ',"records":[' """
            f"""|| {records} || ']}}' AS agg """
            f"FROM {source}{where} GROUP BY 1"
        )
        cursor.register("__sandbox_children", _numbered(rows))
        if next_urls is not None:
            cursor.register("__sandbox_next", next_urls)
        try:
            return cursor.sql(sql).to_arrow_table()
        finally:
            cursor.unregister("__sandbox_children")
            if next_urls is not None:
                cursor.unregister("__sandbox_next")


def _numbered(table: pa.Table) -> pa.Table:
    return table.append_column(ROW_NUMBER, pa.array(np.arange(table.num_rows, dtype=np.int64)))


def string_bytes(array: pa.Array) -> memoryview:
    """All values of a string array back to back: a view of the Arrow buffer, not a copy."""
    if array.null_count or not (
        pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
    ):
        text = "".join(v for v in array.to_pylist() if v is not None)
        return memoryview(text.encode("utf-8"))
    width = np.int32 if pa.types.is_string(array.type) else np.int64
    _, offsets_buffer, data = array.buffers()
    if data is None or offsets_buffer is None or len(array) == 0:
        return memoryview(b"")
    offsets = np.frombuffer(offsets_buffer, dtype=width)
    start, stop = int(offsets[array.offset]), int(offsets[array.offset + len(array)])
    return memoryview(data)[start:stop]


def kinds_of(schema: pa.Schema) -> dict[str, str]:
    return {f.name: arrow_kind(f.type) for f in schema}


# --- Bulk 2.0 CSV ------------------------------------------------------------------------------


def csv_relation(cursor: duckdb.DuckDBPyConnection, query: Query) -> duckdb.DuckDBPyRelation:
    """The compiled query projected to its visible columns, named by dotted API path and
    formatted as Bulk CSV writes values."""
    relation = cursor.sql(query.sql)
    kinds = {
        name: duckdb_kind(str(t)) for name, t in zip(relation.columns, relation.types, strict=True)
    }
    exprs = [
        f"{value_sql(ident(c.alias), kinds.get(c.alias, 'plain'), CSV_DATETIME)} AS {ident('.'.join(c.path))}"
        for c in query.columns
        if not c.hidden
    ]
    return relation.project(", ".join(exprs))


_DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}


def csv_delimiter(name: str) -> str:
    return _DELIMITERS[name]


# --- columns=true ------------------------------------------------------------------------------

_APEX_TYPES = {
    "id": "Id",
    "reference": "Id",
    "boolean": "Boolean",
    "int": "Integer",
    "long": "Long",
    "double": "Double",
    "currency": "Decimal",
    "percent": "Decimal",
    "date": "Date",
    "datetime": "Datetime",
    "time": "Time",
    "address": "Address",
    "location": "Location",
}


def column_metadata(query: Query, catalog: Catalog) -> dict[str, Any]:
    """The undocumented ``?columns=true`` answer that ``sf data query`` reads."""
    root = catalog.get(query.object)
    top: list[dict[str, Any]] = []
    by_rel: dict[tuple[str, ...], dict[str, Any]] = {}
    id_selected = False
    for col in query.columns:
        if col.hidden:
            continue
        path = col.path
        if path == ("Id",):
            id_selected = True
        siblings = top
        obj = root
        for depth in range(1, len(path)):
            prefix = path[:depth]
            rel_field = obj.relationship(path[depth - 1]) if obj else None
            holder = by_rel.get(prefix)
            if holder is None:
                holder = _column_entry(path[depth - 1], ".".join(prefix), None, obj)
                holder["foreignKeyName"] = rel_field.name if rel_field else None
                by_rel[prefix] = holder
                siblings.append(holder)
            siblings = holder["joinColumns"]
            obj = (
                catalog.get(rel_field.reference_to[0])
                if rel_field and rel_field.reference_to
                else None
            )
        siblings.append(_column_entry(path[-1], ".".join(path), col.type, obj, query.is_aggregate))
    for child in query.children:
        entry = _column_entry(child.relationship, child.relationship, None, None)
        entry["aggregate"] = True
        entry["joinColumns"] = column_metadata(child.query, catalog)["columnMetadata"]
        top.append(entry)
    return {
        "columnMetadata": top,
        "entityName": "AggregateResult" if query.is_aggregate else query.object,
        "groupBy": bool(query.is_aggregate),
        "idSelected": id_selected,
        "keyPrefix": root.key_prefix if root else None,
    }


def _column_entry(
    name: str, display: str, sf_type: str | None, obj: SObject | None, aggregate: bool = False
) -> dict[str, Any]:
    f = obj.field(name) if obj else None
    is_function = aggregate and f is None
    return {
        "aggregate": is_function,
        "apexType": _APEX_TYPES.get(sf_type or "", "String") if sf_type else None,
        "booleanType": sf_type == "boolean",
        "columnName": f.name if f else name,
        "custom": bool(f.custom) if f else name.endswith("__c"),
        "displayName": display,
        "foreignKeyName": None,
        "insertable": bool(f.createable) if f else False,
        "joinColumns": [],
        "numberType": sf_type in ("int", "long", "double", "currency", "percent"),
        "textType": sf_type
        in ("string", "textarea", "picklist", "multipicklist", "email", "phone", "url", "combobox"),
        "updatable": bool(f.updateable) if f else False,
    }
