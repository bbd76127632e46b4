"""Validate SOQL against a catalog and lower it to sqlglot expressions.

One pass does both jobs: resolving a name against the catalog *is* validation, and the
resolved name is what the SQL is built from. Admin text never reaches SQL as text: columns and
tables come from the catalog (through :mod:`pipelines.soql.naming`), literals become sqlglot
literal nodes that sqlglot escapes per dialect.

Semantics (SOQL → SQL), chosen where Salesforce leaves them undocumented:

* string ``=``/``!=``/``IN``/``LIKE`` are case-insensitive (``LOWER`` on both sides); ids are
  compared exactly, 15-character ids are widened to 18.
* ``x != v`` keeps rows where ``x`` is null (``IS DISTINCT FROM``); ``NOT IN`` and ``EXCLUDES``
  on a null field: ``NOT IN`` drops nulls, ``EXCLUDES`` keeps them.
* booleans are never null: ``IsX = false`` matches nulls, ``IsX = null`` means ``= false``.
* ``NOT c`` is two-valued: rows for which ``c`` is unknown (null field) count as not matching
  ``c``, so ``NOT c`` keeps them.
* date literals compile to ``[start, end)`` bounds computed in Python from the injected
  :class:`~pipelines.soql.dates.DateContext` (``=`` inside, ``<`` before, ``>`` after).
* ORDER BY: ASC sorts nulls first, DESC nulls last, text case-insensitively, picklists in their
  declared order.
* date functions read datetimes in UTC, or in the user's zone inside ``convertTimezone()``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, cast

from sqlglot import exp

from pipelines.soql import ast as a
from pipelines.soql import naming
from pipelines.soql.catalog import (
    DATE_TYPES,
    DATETIME_TYPES,
    ID_TYPES,
    NUMERIC_TYPES,
    TEXT_TYPES,
    Catalog,
    Field,
    SObject,
)
from pipelines.soql.dates import DateContext, DateRange, literal_range
from pipelines.soql.errors import (
    INVALID_FIELD,
    INVALID_QUERY_FILTER_OPERATOR,
    INVALID_TYPE,
    MALFORMED_QUERY,
    MAX_STRING_LITERAL,
    Pos,
    SoqlError,
    unknown_field,
    unknown_object,
    unknown_relationship,
)
from pipelines.soql.ids import is_id_shape, to_18

AGGREGATES = frozenset({"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"})
DATE_FUNCTIONS = frozenset(
    {
        "CALENDAR_MONTH", "CALENDAR_QUARTER", "CALENDAR_YEAR", "DAY_IN_MONTH", "DAY_IN_WEEK",
        "DAY_IN_YEAR", "DAY_ONLY", "FISCAL_MONTH", "FISCAL_QUARTER", "FISCAL_YEAR", "HOUR_IN_DAY",
        "WEEK_IN_MONTH", "WEEK_IN_YEAR",
    }
)  # fmt: skip
_VALUE_FUNCTIONS = frozenset({"TOLABEL", "FORMAT", "CONVERTCURRENCY"})
_SEMIJOIN_UNSUPPORTED = frozenset(
    {"activityhistory", "attachment", "event", "note", "openactivity", "task"}
)
MAX_PARENT_LEVELS = 5
MAX_SEMIJOINS = 2


def _kind(sf_type: str) -> str:
    if sf_type in TEXT_TYPES:
        return "text"
    if sf_type in ID_TYPES:
        return "id"
    if sf_type in NUMERIC_TYPES:
        return "number"
    if sf_type in DATE_TYPES:
        return "date"
    if sf_type in DATETIME_TYPES:
        return "datetime"
    return sf_type  # boolean, multipicklist, time, address, ...


_TYPE_WORD = {
    "int": "integer",
    "datetime": "dateTime",
    "reference": "id",
    "currency": "double",
    "percent": "double",
}


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class OutputColumn:
    """One column of a compiled query's result, and where it goes in a Salesforce record.

    ``path`` holds canonical API names (``("Account", "Owner", "Name")``; aggregates use their
    alias, ``("expr0",)``); ``alias`` is the result-set column; ``type`` the Salesforce type of
    the value; ``hidden`` marks bookkeeping columns (ids) the caller did not ask for;
    ``compound`` maps the keys of a compound field (``street``, ``city``…) to their aliases;
    ``branch`` marks a TYPEOF column as belonging to one object type (``"*"``: the ELSE list).
    """

    path: tuple[str, ...]
    alias: str
    type: str
    hidden: bool = False
    compound: Mapping[str, str] | None = None
    branch: str | None = None  # TYPEOF: the object type this column belongs to ("*" for ELSE)


@dataclass(frozen=True)
class ParentInfo:
    """A parent reached through a relationship path: its object and the alias of its Id.

    For a TYPEOF relationship ``object`` is empty and ``type_alias`` names the column holding
    each row's object type.
    """

    object: str
    id_alias: str
    type_alias: str | None = None


@dataclass
class ChildQuery:
    """A parent-to-child subquery, compiled separately and joined to parents by the caller.

    ``query.sql`` takes one named parameter, ``$parent_ids`` (a list of parent Ids), and returns
    each parent's children in order, already limited per parent; ``parent_key_alias`` holds the
    parent Id in each child row.
    """

    relationship: str
    object: str
    query: CompiledQuery
    parent_key_alias: str


@dataclass
class CompiledQuery:
    """The result of :func:`compile_query`."""

    sql: str
    expression: exp.Expression
    object: str
    columns: list[OutputColumn]
    id_alias: str | None
    parents: dict[tuple[str, ...], ParentInfo] = field(default_factory=dict)
    children: list[ChildQuery] = field(default_factory=list)
    is_count: bool = False
    is_aggregate: bool = False
    limit: int | None = None
    offset: int | None = None
    dialect: str = "duckdb"

    @property
    def visible_columns(self) -> list[OutputColumn]:
        return [c for c in self.columns if not c.hidden]


@dataclass
class CompiledCondition:
    """The result of :func:`compile_condition`: a boolean SQL expression over one object's table."""

    sql: str
    expression: exp.Expression
    object: str
    fields: list[tuple[str, ...]]  # the field paths the condition reads, canonical names
    dialect: str = "duckdb"


@dataclass(frozen=True)
class CompileOptions:
    """How to compile: target dialect, naming, clock, and org settings.

    ``schema`` qualifies the raw tables (``salesforce.account``); ``table_alias`` names the root
    table in a condition (``a`` → ``a.annual_revenue``; ``None`` leaves columns unqualified);
    ``currency_rates`` (ISO code → rate against the corporate currency) enables currency literals
    in a multi-currency org.
    """

    dialect: str = "duckdb"
    date_context: DateContext | None = None
    schema: str | None = None
    table_alias: str | None = None
    include_deleted: bool = False
    currency_rates: Mapping[str, float] | None = None
    table_name: Callable[[str], str] = naming.table_name
    column_name: Callable[[str], str] = naming.column_name
    pretty: bool = False
    max_child_levels: int = 1


# ---------------------------------------------------------------------------- typed values


@dataclass(frozen=True)
class _Typed:
    """A SQL expression with the Salesforce type it has, and the field it reads (if any)."""

    sql: exp.Expression
    sf_type: str
    label: str  # how errors name it: the field's API name
    field: Field | None = None
    is_aggregate: bool = False
    is_date_function: bool = False

    @property
    def kind(self) -> str:
        return _kind(self.sf_type)


@dataclass(frozen=True)
class _Resolved:
    rels: tuple[str, ...]  # canonical relationship names
    field: Field
    objects: tuple[SObject, ...]  # root, then the object at each hop
    fks: tuple[Field, ...]  # the reference field of each hop

    @property
    def path(self) -> tuple[str, ...]:
        return (*self.rels, self.field.name)


# The pseudo-field ``Type`` of a polymorphic relationship (``What.Type``, ``Owner.Type``).
_OBJECT_TYPE_FIELD = Field(name="Type", type="string", label="Object Type", groupable=True)


# ---------------------------------------------------------------------------- the compiler


class _Scope:
    """Name resolution and join bookkeeping for one SELECT (or one bare condition)."""

    def __init__(
        self, c: _Compiler, obj: SObject, alias: str | None, sql_alias: str | None, joins: bool
    ) -> None:
        self.c = c
        self.obj = obj
        self.soql_alias = alias.lower() if alias else None
        self.sql_alias = sql_alias
        self.use_joins = joins
        self.joins: dict[tuple[str, ...], tuple[str, exp.Join]] = {}
        self.join_order: list[tuple[str, ...]] = []
        self.semijoins = 0
        self.path_aliases: dict[str, tuple[a.Name, ...]] = {}  # FROM Contact c, c.Account a

    # -- resolution

    def resolve(self, path: a.FieldPath, *, allow_relationship_end: bool = False) -> _Resolved:
        parts = list(path.parts)
        if len(parts) > 1 and parts[0].text.lower() in self.path_aliases:
            parts = [*self.path_aliases[parts[0].text.lower()], *parts[1:]]
        if len(parts) > 1 and (
            parts[0].text.lower() == self.obj.name.lower()
            or (self.soql_alias is not None and parts[0].text.lower() == self.soql_alias)
        ):
            parts = parts[1:]
        if len(parts) - 1 > MAX_PARENT_LEVELS:
            raise self.c.err(
                MALFORMED_QUERY,
                f"A driving SObject type can only be followed by {MAX_PARENT_LEVELS} levels of relationship fields",
                path.pos,
            )
        obj = self.obj
        objects = [obj]
        fks: list[Field] = []
        rels: list[str] = []
        for part in parts[:-1]:
            fk = obj.relationship(part.text)
            if fk is None:
                raise self.c.err(INVALID_FIELD, unknown_relationship(part.text), path.pos)
            target = self.c.polymorphic_target(fk)
            if target is None:
                raise self.c.err(INVALID_FIELD, unknown_relationship(part.text), path.pos)
            fks.append(fk)
            rels.append(fk.relationship_name or part.text)
            obj = target
            objects.append(obj)
        last = parts[-1]
        if fks and len(fks[-1].reference_to) > 1 and last.text.lower() == "type":
            # What.Type on a polymorphic lookup: the object type of the related record.
            return _Resolved(tuple(rels), _OBJECT_TYPE_FIELD, tuple(objects), tuple(fks))
        fld = obj.field(last.text)
        if fld is None:
            raise self.c.err(INVALID_FIELD, unknown_field(last.text, obj.name), path.pos)
        return _Resolved(tuple(rels), fld, tuple(objects), tuple(fks))

    # -- SQL for a resolved field

    def column(self, r: _Resolved) -> exp.Expression:
        col = self.c.opts.column_name
        if r.field is _OBJECT_TYPE_FIELD:
            holder = _Resolved(r.rels[:-1], r.fks[-1], r.objects[:-1], r.fks[:-1])
            return self.c.object_type_of(self.column(holder), r.fks[-1])
        if not r.rels:
            return _col(col(r.field.name), self.sql_alias)
        if self.use_joins:
            alias = self.join_alias(r)
            return _col(col(r.field.name), alias)
        return self._scalar_subquery(r)

    def join_alias(self, r: _Resolved, upto: int | None = None) -> str:
        """The SQL alias of the table reached by the first ``upto`` hops of ``r``, joining it if new."""
        hops = len(r.rels) if upto is None else upto
        parent_alias = self.sql_alias
        for i in range(hops):
            key = tuple(x.lower() for x in r.rels[: i + 1])
            if key not in self.joins:
                alias = (
                    f"{self.sql_alias}_{len(self.joins) + 1}"
                    if self.sql_alias
                    else f"p{len(self.joins) + 1}"
                )
                target = r.objects[i + 1]
                on = exp.EQ(
                    this=_col(self.c.opts.column_name("Id"), alias),
                    expression=_col(self.c.opts.column_name(r.fks[i].name), parent_alias),
                )
                join = exp.Join(this=self.c.table(target.name, alias), on=on, kind="LEFT")
                self.joins[key] = (alias, join)
                self.join_order.append(key)
            parent_alias = self.joins[key][0]
        assert parent_alias is not None
        return parent_alias

    def _scalar_subquery(self, r: _Resolved) -> exp.Expression:
        col = self.c.opts.column_name
        # Innermost hop first: the value on the last object, looked up by the id held one hop back.
        key: exp.Expression = _col(col(r.fks[0].name), self.sql_alias)
        for i, fk in enumerate(r.fks):
            alias = f"_p{i + 1}"
            target = r.objects[i + 1]
            is_last = i == len(r.fks) - 1
            wanted = col(r.field.name) if is_last else col(r.fks[i + 1].name)
            sub = (
                exp.select(_col(wanted, alias))
                .from_(self.c.table(target.name, alias))
                .where(exp.EQ(this=_col(col("Id"), alias), expression=key))
            )
            key = exp.Subquery(this=sub)
            del fk
        return key


class _Compiler:
    def __init__(self, source: str, catalog: Catalog, opts: CompileOptions) -> None:
        self.source = source
        self.catalog = catalog
        self.opts = opts
        self.ctx = opts.date_context or DateContext.current()
        self._alias_counter = 0

    def err(self, code: str, text: str, pos: Pos | None) -> SoqlError:
        return SoqlError(code, text, self.source, pos)

    def table(self, object_name: str, alias: str | None) -> exp.Table:
        table = exp.Table(
            this=exp.to_identifier(self.opts.table_name(object_name)),
            db=exp.to_identifier(self.opts.schema) if self.opts.schema else None,
        )
        return table.as_(alias) if alias else table  # type: ignore[return-value]

    def polymorphic_target(self, fk: Field) -> SObject | None:
        """The object a lookup's relationship is read through: the only target, or for a
        polymorphic lookup the first one the catalog knows (``User`` before ``Group``)."""
        known = [o for o in (self.catalog.get(t) for t in fk.reference_to) if o is not None]
        if not known:
            return None
        users = [o for o in known if o.name == "User"]
        return users[0] if users else known[0]

    def object_type_of(self, id_sql: exp.Expression, fk: Field) -> exp.Expression:
        """``CASE SUBSTR(id, 1, 3) WHEN '001' THEN 'Account' ... END`` over a lookup's targets."""
        ifs = []
        for name in fk.reference_to:
            obj = self.catalog.get(name)
            if obj is not None and obj.key_prefix:
                ifs.append(
                    exp.If(
                        this=exp.Literal.string(obj.key_prefix), true=exp.Literal.string(obj.name)
                    )
                )
        prefix = exp.Substring(
            this=id_sql, start=exp.Literal.number(1), length=exp.Literal.number(3)
        )
        if not ifs:
            return exp.null()
        return exp.Case(this=prefix, ifs=ifs)

    def new_alias(self) -> str:
        self._alias_counter += 1
        return f"s{self._alias_counter}"

    def object(self, name: a.Name | a.FieldPath) -> SObject:
        text = name.text if isinstance(name, a.Name) else name.dotted
        obj = self.catalog.get(text)
        if obj is None or "." in text:
            raise self.err(INVALID_TYPE, unknown_object(text), name.pos)
        return obj

    def render(self, expression: exp.Expression) -> str:
        return expression.sql(
            dialect=self.opts.dialect, identify=True, pretty=self.opts.pretty, copy=False
        )

    # ------------------------------------------------------------------ conditions

    def condition(
        self, node: a.Condition, scope: _Scope, *, having: bool = False, under: str = ""
    ) -> exp.Expression:
        if isinstance(node, a.Paren):
            inner = self.condition(node.item, scope, having=having, under=under)
            return exp.Paren(this=inner)
        if isinstance(node, a.And):
            return _and(*(self.condition(i, scope, having=having, under=under) for i in node.items))
        if isinstance(node, a.Or):
            return _or(
                *(self.condition(i, scope, having=having, under=under + "OR") for i in node.items)
            )
        if isinstance(node, a.Not):
            inner = self.condition(node.item, scope, having=having, under=under + "NOT")
            return exp.Not(this=exp.Coalesce(this=_unparen(inner), expressions=[exp.false()]))
        return self.comparison(node, scope, having=having, under=under)

    def operand(
        self, lhs: a.FieldPath | a.FuncCall, scope: _Scope, *, having: bool, context: str
    ) -> _Typed:
        if isinstance(lhs, a.FieldPath):
            r = scope.resolve(lhs)
            f = r.field
            if f.type in ("address", "location"):
                raise self.err(
                    INVALID_FIELD, f"field '{f.name}' can not be {context} in a query call", lhs.pos
                )
            if context == "filtered" and not f.filterable:
                raise self.err(
                    INVALID_FIELD, f"field '{f.name}' can not be filtered in a query call", lhs.pos
                )
            return _Typed(scope.column(r), f.type, f.name, f)
        return self.function(lhs, scope, having=having, context=context)

    def comparison(
        self, node: a.Comparison, scope: _Scope, *, having: bool, under: str
    ) -> exp.Expression:
        lhs = self.operand(node.lhs, scope, having=having, context="filtered")
        if lhs.is_aggregate and not having:
            raise self.err(
                MALFORMED_QUERY,
                "Aggregate functions are only allowed in HAVING, not in WHERE",
                node.pos,
            )
        op = node.op
        value = node.value
        if isinstance(value, a.Query):
            return self.semijoin(node, lhs, value, scope, under)
        self.check_operator(node, lhs)
        if isinstance(value, a.ValueList):
            if op in ("INCLUDES", "EXCLUDES"):
                return self.includes(node, lhs, value)
            ranges = [v for v in value.items if isinstance(v, a.DateLiteral)]
            if ranges and op in ("IN", "NOT IN"):
                return self.in_date_literals(node, lhs, value, negate=op == "NOT IN")
            items = [self.literal(node, lhs, v) for v in value.items]
            if op in ("IN", "NOT IN"):
                return self.in_list(lhs, items, value, negate=op == "NOT IN")
            raise self.err(MALFORMED_QUERY, "unexpected token: '('", value.pos)
        if op in ("IN", "NOT IN", "INCLUDES", "EXCLUDES"):
            raise self.err(
                MALFORMED_QUERY,
                f"unexpected token: '{self.source[value.pos.offset :].split()[0] if value.pos.offset < len(self.source) else '<EOF>'}'",
                value.pos,
            )
        if isinstance(value, a.DateLiteral):
            return self.date_range(node, lhs, value, op)
        if op == "LIKE":
            return self.like(node, lhs, value)
        lit = self.literal(node, lhs, value)
        return self.compare(lhs, op, lit)

    def check_operator(self, node: a.Comparison, lhs: _Typed) -> None:
        op, kind = node.op, lhs.kind
        bad = False
        if op == "LIKE":
            bad = kind != "text"
        elif op in ("INCLUDES", "EXCLUDES"):
            if kind != "multipicklist":
                raise self.err(
                    INVALID_QUERY_FILTER_OPERATOR,
                    "includes or excludes operator only valid on multipicklist field",
                    node.op_pos,
                )
        elif op in ("<", "<=", ">", ">="):
            bad = kind in ("boolean", "multipicklist")
        if bad:
            word = "id" if kind == "id" else lhs.sf_type
            raise self.err(
                INVALID_QUERY_FILTER_OPERATOR, f"invalid operator on {word} field", node.op_pos
            )

    # -- literals

    def literal(self, node: a.Comparison, lhs: _Typed, value: a.Literal) -> exp.Expression:
        kind = lhs.kind
        if isinstance(value, a.NullLit):
            return exp.null()
        if isinstance(value, a.StringLit) and len(value.value) > MAX_STRING_LITERAL:
            raise self.err(
                MALFORMED_QUERY,
                f"String literals in a filter are limited to {MAX_STRING_LITERAL} characters",
                value.pos,
            )
        if lhs.is_date_function and isinstance(value, a.DateLiteral):
            raise self.err(
                MALFORMED_QUERY,
                f"Date functions cannot be compared with date literals such as {value.name}",
                value.pos,
            )
        if kind in ("text", "multipicklist", "time"):
            if isinstance(value, a.StringLit):
                if value.like_literals and node.op != "LIKE":
                    raise self.err(MALFORMED_QUERY, "Invalid Escape Character", value.pos)
                return exp.Literal.string(value.value)
            raise self.type_error(lhs, value, quoted=True)
        if kind == "id":
            if not isinstance(value, a.StringLit):
                raise self.type_error(lhs, value, quoted=True)
            if not is_id_shape(value.value):
                raise self.err(
                    INVALID_QUERY_FILTER_OPERATOR, f"invalid ID field: {value.value}", value.pos
                )
            return exp.Literal.string(to_18(value.value))
        if kind == "number":
            if isinstance(value, a.NumberLit):
                return exp.Literal.number(str(value.value))
            if isinstance(value, a.CurrencyLit):
                if lhs.sf_type != "currency":
                    raise self.type_error(lhs, value, quoted=False)
                return self.currency(lhs, value)
            raise self.type_error(lhs, value, quoted=False)
        if kind == "boolean":
            if isinstance(value, a.BoolLit):
                return exp.true() if value.value else exp.false()
            raise self.type_error(lhs, value, quoted=False)
        if kind == "date":
            if isinstance(value, a.DateLit):
                return _date_sql(value.value)
            raise self.type_error(lhs, value, quoted=False)
        if kind == "datetime":
            if isinstance(value, a.DateTimeLit):
                return _datetime_sql(value.value)
            raise self.type_error(lhs, value, quoted=False)
        raise self.err(
            INVALID_FIELD, f"field '{lhs.label}' can not be filtered in a query call", node.pos
        )

    def type_error(self, lhs: _Typed, value: a.Literal, *, quoted: bool) -> SoqlError:
        word = _TYPE_WORD.get(
            lhs.sf_type, "string" if lhs.kind in ("text", "multipicklist") else lhs.sf_type
        )
        if lhs.kind == "id":
            word = "id"
        how = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
        return self.err(
            INVALID_FIELD,
            f"value of filter criterion for field '{lhs.label}' must be of type {word} and {how}",
            value.pos,
        )

    def currency(self, lhs: _Typed, value: a.CurrencyLit) -> exp.Expression:
        amount = exp.Literal.number(str(value.amount))
        rates = self.opts.currency_rates
        if not rates:
            return amount
        iso = value.iso_code.upper()
        if iso not in rates:
            raise self.err(MALFORMED_QUERY, f"Invalid currency code: {value.iso_code}", value.pos)
        # Convert the literal into each record's own currency: amount / rate(iso) * rate(record).
        record_currency = lhs.sql
        if lhs.field is not None and isinstance(lhs.sql, exp.Column):
            record_currency = exp.Column(
                this=exp.to_identifier(self.opts.column_name("CurrencyIsoCode")),
                table=lhs.sql.args.get("table"),
            )
        case = exp.Case(
            this=record_currency,
            ifs=[
                exp.If(this=exp.Literal.string(code), true=exp.Literal.number(repr(float(rate))))
                for code, rate in sorted(rates.items())
            ],
            default=exp.Literal.number(1),
        )
        return exp.Mul(
            this=exp.Div(this=amount, expression=exp.Literal.number(repr(float(rates[iso])))),
            expression=case,
        )

    # -- comparisons

    def compare(self, lhs: _Typed, op: str, lit: exp.Expression) -> exp.Expression:
        kind = lhs.kind
        col = lhs.sql
        if kind == "boolean":
            col = exp.Coalesce(this=col, expressions=[exp.false()])
            if isinstance(lit, exp.Null):
                lit = exp.false()
            return (
                exp.EQ(this=col, expression=lit) if op == "=" else exp.NEQ(this=col, expression=lit)
            )
        if isinstance(lit, exp.Null):
            if op == "=":
                return exp.Is(this=col, expression=exp.null())
            if op == "!=":
                return exp.Not(this=exp.Is(this=col, expression=exp.null()))
            return exp.false()
        if kind == "text":
            col = exp.Lower(this=col)
            lit = (
                exp.Literal.string(lit.this.lower())
                if isinstance(lit, exp.Literal)
                else exp.Lower(this=lit)
            )
        return _binary(op, col, lit)

    def in_list(
        self, lhs: _Typed, items: list[exp.Expression], node: a.ValueList, *, negate: bool
    ) -> exp.Expression:
        col = lhs.sql
        has_null = any(isinstance(i, exp.Null) for i in items)
        values = [i for i in items if not isinstance(i, exp.Null)]
        if lhs.kind == "text":
            col = exp.Lower(this=col)
            values = [
                exp.Literal.string(v.this.lower()) if isinstance(v, exp.Literal) else v
                for v in values
            ]
        if lhs.kind == "boolean":
            col = exp.Coalesce(this=lhs.sql, expressions=[exp.false()])
            values = [exp.false() if isinstance(v, exp.Null) else v for v in items]
            has_null = False
        parts: list[exp.Expression] = []
        if values:
            parts.append(exp.In(this=col, expressions=values))
        if has_null:
            parts.append(exp.Is(this=lhs.sql, expression=exp.null()))
        positive = parts[0] if len(parts) == 1 else exp.Paren(this=_or(*parts))
        if not negate:
            return positive
        if has_null:
            return exp.Not(this=exp.Coalesce(this=_unparen(positive), expressions=[exp.false()]))
        return _and(
            exp.Not(this=exp.Is(this=lhs.sql, expression=exp.null())), exp.Not(this=positive)
        )

    def like(self, node: a.Comparison, lhs: _Typed, value: a.Literal) -> exp.Expression:
        if not isinstance(value, a.StringLit):
            raise self.type_error(lhs, value, quoted=True)
        pattern = []
        for i, ch in enumerate(value.value):
            if i in value.like_literals:
                pattern.append("\\" + ch)
            elif ch == "\\":
                pattern.append("\\\\")
            else:
                pattern.append(ch)
        text = "".join(pattern).lower()
        return exp.Escape(
            this=exp.Like(this=exp.Lower(this=lhs.sql), expression=exp.Literal.string(text)),
            expression=exp.Literal.string("\\"),
        )

    def includes(self, node: a.Comparison, lhs: _Typed, values: a.ValueList) -> exp.Expression:
        wrapped = exp.DPipe(
            this=exp.DPipe(this=exp.Literal.string(";"), expression=exp.Lower(this=lhs.sql)),
            expression=exp.Literal.string(";"),
            safe=True,
        )
        alternatives: list[exp.Expression] = []
        for item in values.items:
            if not isinstance(item, a.StringLit):
                raise self.type_error(lhs, item, quoted=True)
            wanted = [p.strip().lower() for p in item.value.split(";") if p.strip()]
            if not wanted:
                continue
            each = [
                exp.GT(
                    this=exp.StrPosition(this=wrapped.copy(), substr=exp.Literal.string(f";{w};")),
                    expression=exp.Literal.number(0),
                )
                for w in wanted
            ]
            alternatives.append(_and(*each) if len(each) > 1 else each[0])
        if not alternatives:
            matched: exp.Expression = exp.false()
        else:
            matched = _or(*alternatives) if len(alternatives) > 1 else alternatives[0]
        if node.op == "INCLUDES":
            return exp.Paren(this=matched) if len(alternatives) > 1 else matched
        return exp.Not(this=exp.Coalesce(this=matched, expressions=[exp.false()]))

    def date_range(
        self, node: a.Comparison, lhs: _Typed, value: a.DateLiteral, op: str
    ) -> exp.Expression:
        if lhs.is_date_function:
            raise self.err(
                MALFORMED_QUERY,
                f"Date functions cannot be compared with date literals such as {value.name}",
                value.pos,
            )
        if lhs.kind not in ("date", "datetime"):
            raise self.type_error(lhs, value, quoted=lhs.kind in ("text", "id", "multipicklist"))
        try:
            rng = literal_range(value.name, value.n, self.ctx)
        except ValueError as exc:
            raise self.err(MALFORMED_QUERY, str(exc), value.pos) from None
        start, end, end_inclusive = self.bounds(lhs, rng)
        col = lhs.sql
        end_test = exp.LTE if end_inclusive else exp.LT
        inside = _and(
            exp.GTE(this=col, expression=start), end_test(this=col.copy(), expression=end)
        )
        if op == "=":
            return exp.Paren(this=inside)
        if op == "!=":
            return exp.Not(this=exp.Coalesce(this=inside, expressions=[exp.false()]))
        if op == "<":
            return exp.LT(this=col, expression=start)
        if op == ">":
            return (exp.GT if end_inclusive else exp.GTE)(this=col, expression=end)
        if op == "<=":
            return end_test(this=col, expression=end)
        if op == ">=":
            return exp.GTE(this=col, expression=start)
        raise self.err(
            INVALID_QUERY_FILTER_OPERATOR, f"invalid operator on {lhs.sf_type} field", node.op_pos
        )

    def bounds(self, lhs: _Typed, rng: DateRange) -> tuple[exp.Expression, exp.Expression, bool]:
        if lhs.kind == "date":
            s, e = rng.date_bounds()
            return _date_sql(s), _date_sql(e), False
        ds, de, inclusive = rng.datetime_bounds(self.ctx)
        return _datetime_sql(ds), _datetime_sql(de), inclusive

    def in_date_literals(
        self, node: a.Comparison, lhs: _Typed, values: a.ValueList, *, negate: bool
    ) -> exp.Expression:
        """``CloseDate IN (TODAY, LAST_N_DAYS:7, 2024-01-01)``: an OR of ranges and exact dates."""
        alternatives: list[exp.Expression] = []
        for item in values.items:
            if isinstance(item, a.DateLiteral):
                alternatives.append(self.date_range(node, lhs, item, "="))
            else:
                alternatives.append(self.compare(lhs, "=", self.literal(node, lhs, item)))
        matched = _or(*alternatives) if len(alternatives) > 1 else alternatives[0]
        if not negate:
            return exp.Paren(this=matched)
        return _and(
            exp.Not(this=exp.Is(this=lhs.sql.copy(), expression=exp.null())),
            exp.Not(this=exp.Coalesce(this=matched, expressions=[exp.false()])),
        )

    # -- semi-joins

    def semijoin(
        self, node: a.Comparison, lhs: _Typed, sub: a.Query, scope: _Scope, under: str
    ) -> exp.Expression:
        if node.op not in ("IN", "NOT IN"):
            raise self.err(MALFORMED_QUERY, "unexpected token: 'SELECT'", sub.pos)
        if "OR" in under:
            raise self.err(
                MALFORMED_QUERY,
                "Semi join sub-selects are not allowed with the 'OR' operator",
                node.pos,
            )
        if "NOT" in under:
            raise self.err(
                MALFORMED_QUERY,
                "Semi join sub-selects are not allowed with the 'NOT' operator",
                node.pos,
            )
        if not isinstance(node.lhs, a.FieldPath) or lhs.kind != "id":
            raise self.err(
                MALFORMED_QUERY,
                "The left operand of a semi join must be an Id or a reference field of the queried object",
                node.pos,
            )
        left = scope.resolve(node.lhs)
        if left.rels:
            raise self.err(
                MALFORMED_QUERY,
                "Semi join left operands cannot traverse relationships: use a field of the queried object",
                node.pos,
            )
        scope.semijoins += 1
        if scope.semijoins > 2:
            raise self.err(
                MALFORMED_QUERY,
                f"Maximum of {MAX_SEMIJOINS} semi join sub-selects allowed",
                sub.pos,
            )
        inner_obj = self.object(sub.from_.object)
        if inner_obj.name.lower() in _SEMIJOIN_UNSUPPORTED:
            raise self.err(
                MALFORMED_QUERY,
                f"Entity '{inner_obj.name}' is not supported for semi join inner selects",
                sub.from_.object.pos,
            )
        if inner_obj.name.lower() == scope.obj.name.lower():
            raise self.err(
                MALFORMED_QUERY,
                "The inner and outer selects should not be on the same object type",
                sub.pos,
            )
        if len(sub.select) != 1 or not isinstance(sub.select[0].expr, a.FieldPath):
            raise self.err(
                MALFORMED_QUERY,
                "The inner select field must be a single Id or reference field",
                sub.pos,
            )
        for clause, name in (
            (sub.order_by, "ORDER BY"),
            (sub.limit, "LIMIT"),
            (sub.offset, "OFFSET"),
            (sub.group_by, "GROUP BY"),
        ):
            if clause:
                raise self.err(
                    MALFORMED_QUERY, f"{name} is not allowed in a semi join inner select", sub.pos
                )
        alias = self.new_alias()
        inner = _Scope(
            self, inner_obj, sub.from_.alias.text if sub.from_.alias else None, alias, joins=True
        )
        sel_path = sub.select[0].expr
        assert isinstance(sel_path, a.FieldPath)
        sel = inner.resolve(sel_path)
        if sel.rels:
            raise self.err(
                MALFORMED_QUERY,
                "The inner select field cannot use relationship paths",
                sel_path.pos,
            )
        if sel.field.type not in ID_TYPES:
            raise self.err(
                MALFORMED_QUERY,
                "The inner select field must be a single Id or reference field",
                sel_path.pos,
            )
        inner_target = inner_obj.name if sel.field.type == "id" else sel.field.reference_to[0]
        outer_target = scope.obj.name if left.field.type == "id" else left.field.reference_to[0]
        if inner_target.lower() != outer_target.lower():
            raise self.err(
                MALFORMED_QUERY,
                f"The selected field '{sel.field.name}' in the subquery and the left operand field in the where "
                f"expression in the outer query '{left.field.name}' should point to the same object type",
                sel_path.pos,
            )
        inner_col = inner.column(sel)
        conds: list[exp.Expression] = [
            exp.Not(this=exp.Is(this=inner_col.copy(), expression=exp.null()))
        ]
        if sub.where is not None:
            if _has_semijoin(sub.where):
                raise self.err(
                    MALFORMED_QUERY, "Nesting of semi join sub-selects is not supported", sub.pos
                )
            conds.append(self.condition(sub.where, inner))
        conds.extend(self.deleted_filter(inner_obj, alias))
        select = exp.select(inner_col).from_(self.table(inner_obj.name, alias))
        for key in inner.join_order:
            select = select.join(inner.joins[key][1])
        select = select.where(_and(*conds))
        test = exp.In(this=lhs.sql, query=exp.Subquery(this=select))
        if node.op == "IN":
            return test
        return _and(
            exp.Not(this=exp.Is(this=lhs.sql.copy(), expression=exp.null())), exp.Not(this=test)
        )

    def deleted_filter(self, obj: SObject, alias: str | None) -> list[exp.Expression]:
        if self.opts.include_deleted or obj.field("IsDeleted") is None:
            return []
        col = _col(self.opts.column_name("IsDeleted"), alias)
        return [
            exp.EQ(this=exp.Coalesce(this=col, expressions=[exp.false()]), expression=exp.false())
        ]

    # ------------------------------------------------------------------ functions

    def function(self, f: a.FuncCall, scope: _Scope, *, having: bool, context: str) -> _Typed:
        name = f.name
        if name in AGGREGATES:
            return self.aggregate(f, scope)
        if name in DATE_FUNCTIONS:
            return self.date_function(f, scope)
        if name in ("TOLABEL", "FORMAT", "CONVERTCURRENCY"):
            if name == "CONVERTCURRENCY" and context == "filtered":
                raise self.err(
                    MALFORMED_QUERY, "convertCurrency() is only allowed in SELECT", f.pos
                )
            inner = self.single_field_arg(f, scope)
            if name == "FORMAT":
                return replace(inner, sql=exp.cast(inner.sql, "text"), sf_type="string")
            if name == "TOLABEL":
                return replace(inner, sql=self.picklist_label(inner))
            return replace(inner, sql=self.convert_currency(inner))
        if name == "DISTANCE":
            return self.distance(f, scope)
        if name == "CONVERTTIMEZONE":
            raise self.err(
                MALFORMED_QUERY, "convertTimezone() can only be used inside a date function", f.pos
            )
        if name == "GROUPING":
            inner = self.single_field_arg(f, scope)
            return _Typed(
                exp.Anonymous(this="GROUPING", expressions=[inner.sql]),
                "int",
                f"GROUPING({inner.label})",
                is_aggregate=True,
            )
        raise self.err(MALFORMED_QUERY, f"unknown function: {f.display}", f.pos)

    def single_field_arg(self, f: a.FuncCall, scope: _Scope) -> _Typed:
        if len(f.args) != 1 or not isinstance(f.args[0], a.FieldPath):
            raise self.err(MALFORMED_QUERY, f"{f.display}() takes exactly one field", f.pos)
        r = scope.resolve(f.args[0])
        return _Typed(scope.column(r), r.field.type, r.field.name, r.field)

    def aggregate(self, f: a.FuncCall, scope: _Scope) -> _Typed:
        name = f.name
        if name == "COUNT" and not f.args:
            return _Typed(exp.Count(this=exp.Star()), "int", "COUNT()", is_aggregate=True)
        if len(f.args) != 1:
            raise self.err(MALFORMED_QUERY, f"{f.display}() takes exactly one field", f.pos)
        arg = f.args[0]
        if isinstance(arg, a.FuncCall) and arg.name in DATE_FUNCTIONS:
            inner = self.date_function(arg, scope)
        elif isinstance(arg, a.FuncCall) and arg.name == "CONVERTCURRENCY":
            inner = self.function(arg, scope, having=True, context="aggregated")
        elif isinstance(arg, a.FieldPath):
            r = scope.resolve(arg)
            inner = _Typed(scope.column(r), r.field.type, r.field.name, r.field)
        else:
            raise self.err(MALFORMED_QUERY, f"{f.display}() takes exactly one field", f.pos)
        kind = inner.kind
        if name in ("SUM", "AVG") and kind != "number":
            raise self.err(
                MALFORMED_QUERY,
                f"field {inner.label} does not support aggregate operator {name}",
                arg.pos,
            )
        if name in ("MIN", "MAX") and kind in (
            "boolean",
            "multipicklist",
            "address",
            "location",
            "base64",
        ):
            raise self.err(
                MALFORMED_QUERY,
                f"field {inner.label} does not support aggregate operator {name}",
                arg.pos,
            )
        if name in ("COUNT", "COUNT_DISTINCT") and kind in ("address", "location", "base64"):
            raise self.err(
                MALFORMED_QUERY,
                f"field {inner.label} does not support aggregate operator {name}",
                arg.pos,
            )
        sql: exp.Expression
        sf_type = inner.sf_type
        if name == "COUNT":
            sql, sf_type = exp.Count(this=inner.sql), "int"
        elif name == "COUNT_DISTINCT":
            sql, sf_type = exp.Count(this=exp.Distinct(expressions=[inner.sql])), "int"
        elif name == "SUM":
            sql = exp.Sum(this=inner.sql)
        elif name == "AVG":
            sql, sf_type = exp.Avg(this=inner.sql), "double"
        elif name == "MIN":
            sql = exp.Min(this=inner.sql)
        else:
            sql = exp.Max(this=inner.sql)
        return _Typed(sql, sf_type, f"{name}({inner.label})", inner.field, is_aggregate=True)

    def date_function(self, f: a.FuncCall, scope: _Scope) -> _Typed:
        if len(f.args) != 1:
            raise self.err(MALFORMED_QUERY, f"{f.display}() takes exactly one field", f.pos)
        arg = f.args[0]
        zone = "UTC"
        if isinstance(arg, a.FuncCall):
            if (
                arg.name != "CONVERTTIMEZONE"
                or len(arg.args) != 1
                or not isinstance(arg.args[0], a.FieldPath)
            ):
                raise self.err(MALFORMED_QUERY, "unexpected token: '('", arg.pos)
            zone = self.ctx.time_zone
            arg = arg.args[0]
        if not isinstance(arg, a.FieldPath):
            raise self.err(MALFORMED_QUERY, f"{f.display}() takes exactly one field", f.pos)
        r = scope.resolve(arg)
        kind = _kind(r.field.type)
        if kind not in ("date", "datetime"):
            raise self.err(
                MALFORMED_QUERY,
                f"{f.display}() can only be applied to date or dateTime fields: {r.field.name}",
                arg.pos,
            )
        if f.name in ("DAY_ONLY", "HOUR_IN_DAY") and kind != "datetime":
            raise self.err(
                MALFORMED_QUERY,
                f"{f.display}() can only be applied to dateTime fields: {r.field.name}",
                arg.pos,
            )
        value = scope.column(r)
        if kind == "datetime":
            value = exp.AtTimeZone(this=value, zone=exp.Literal.string(zone))
        sql = self._date_part(f.name, value)
        return _Typed(
            sql,
            "date" if f.name == "DAY_ONLY" else "int",
            f"{f.display}({r.field.name})",
            r.field,
            is_date_function=True,
        )

    def _date_part(self, name: str, value: exp.Expression) -> exp.Expression:
        def part(unit: str) -> exp.Expression:
            return exp.Extract(this=exp.var(unit), expression=value.copy())

        def num(n: int) -> exp.Expression:
            return exp.Literal.number(n)

        if name == "DAY_ONLY":
            return exp.cast(value, "date")
        simple = {
            "CALENDAR_MONTH": "MONTH", "CALENDAR_QUARTER": "QUARTER", "CALENDAR_YEAR": "YEAR",
            "DAY_IN_MONTH": "DAY", "DAY_IN_YEAR": "DOY", "HOUR_IN_DAY": "HOUR",
        }  # fmt: skip
        if name in simple:
            return part(simple[name])
        if name == "DAY_IN_WEEK":  # Sunday = 1
            return exp.Add(this=part("DOW"), expression=num(1))
        if name in ("WEEK_IN_MONTH", "WEEK_IN_YEAR"):
            day = part("DAY" if name == "WEEK_IN_MONTH" else "DOY")
            return exp.Add(
                this=exp.IntDiv(this=exp.Sub(this=day, expression=num(1)), expression=num(7)),
                expression=num(1),
            )
        start = self.ctx.fiscal_year_start_month
        fiscal_month = exp.Add(
            this=exp.Mod(
                this=exp.Paren(
                    this=exp.Add(this=part("MONTH"), expression=num(12 - start + 1 - 1))
                ),
                expression=num(12),
            ),
            expression=num(1),
        )
        if name == "FISCAL_MONTH":
            return fiscal_month
        if name == "FISCAL_QUARTER":
            return exp.Add(
                this=exp.IntDiv(
                    this=exp.Paren(this=exp.Sub(this=fiscal_month, expression=num(1))),
                    expression=num(3),
                ),
                expression=num(1),
            )
        # FISCAL_YEAR: named after the calendar year in which the fiscal year ends.
        if start == 1:
            return part("YEAR")
        return exp.Add(
            this=part("YEAR"),
            expression=exp.Case(
                ifs=[exp.If(this=exp.GTE(this=part("MONTH"), expression=num(start)), true=num(1))],
                default=num(0),
            ),
        )

    def picklist_label(self, inner: _Typed) -> exp.Expression:
        f = inner.field
        if f is None or not f.picklist_values or all(v.label == v.value for v in f.picklist_values):
            return inner.sql
        return exp.Case(
            this=inner.sql,
            ifs=[
                exp.If(this=exp.Literal.string(v.value), true=exp.Literal.string(v.label))
                for v in f.picklist_values
                if v.label != v.value
            ],
            default=inner.sql.copy(),
        )

    def convert_currency(self, inner: _Typed) -> exp.Expression:
        rates = self.opts.currency_rates
        if not rates or inner.sf_type != "currency" or not isinstance(inner.sql, exp.Column):
            return inner.sql
        code = exp.Column(
            this=exp.to_identifier(self.opts.column_name("CurrencyIsoCode")),
            table=inner.sql.args.get("table"),
        )
        rate = exp.Case(
            this=code,
            ifs=[
                exp.If(this=exp.Literal.string(c), true=exp.Literal.number(repr(float(r))))
                for c, r in sorted(rates.items())
            ],
            default=exp.Literal.number(1),
        )
        return exp.Div(this=inner.sql, expression=rate)

    def distance(self, f: a.FuncCall, scope: _Scope) -> _Typed:
        if (
            len(f.args) != 3
            or not isinstance(f.args[0], a.FieldPath)
            or not isinstance(f.args[1], a.Geolocation)
            or not isinstance(f.args[2], a.StringLit)
        ):
            raise self.err(
                MALFORMED_QUERY,
                "DISTANCE() takes a location field, GEOLOCATION(lat, lon) and 'mi' or 'km'",
                f.pos,
            )
        unit = f.args[2].value.lower()
        if unit not in ("mi", "km"):
            raise self.err(
                MALFORMED_QUERY,
                f"DISTANCE() unit must be 'mi' or 'km', not '{f.args[2].value}'",
                f.args[2].pos,
            )
        path = f.args[0]
        r = scope.resolve(path)
        if r.field.type != "location" and r.field.type != "address":
            raise self.err(
                MALFORMED_QUERY,
                f"DISTANCE() needs a geolocation or address field, not {r.field.name}",
                path.pos,
            )
        obj = r.objects[-1]
        lat_f = lon_f = None
        for comp in obj.iter_fields():
            if (
                comp.compound_field_name
                and comp.compound_field_name.lower() == r.field.name.lower()
            ):
                low = comp.name.lower()
                if "latitude" in low:
                    lat_f = comp
                elif "longitude" in low:
                    lon_f = comp
        if lat_f is None or lon_f is None:
            raise self.err(
                MALFORMED_QUERY,
                f"field {r.field.name} has no latitude/longitude components",
                path.pos,
            )
        lat = scope.column(replace(r, field=lat_f))
        lon = scope.column(replace(r, field=lon_f))
        geo = f.args[1]
        radius = 3958.7613 if unit == "mi" else 6371.0088

        def rad(e: exp.Expression) -> exp.Expression:
            return exp.Anonymous(this="RADIANS", expressions=[e])

        p_lat = exp.Literal.number(str(geo.latitude))
        p_lon = exp.Literal.number(str(geo.longitude))
        # Spherical law of cosines: accurate to metres at the distances admins filter by.
        cos_term = exp.Add(
            this=exp.Mul(
                this=exp.Anonymous(this="SIN", expressions=[rad(lat)]),
                expression=exp.Anonymous(this="SIN", expressions=[rad(p_lat)]),
            ),
            expression=exp.Mul(
                this=exp.Mul(
                    this=exp.Anonymous(this="COS", expressions=[rad(lat.copy())]),
                    expression=exp.Anonymous(this="COS", expressions=[rad(p_lat.copy())]),
                ),
                expression=exp.Anonymous(
                    this="COS", expressions=[exp.Sub(this=rad(lon), expression=rad(p_lon))]
                ),
            ),
        )
        clamped = exp.Greatest(
            this=exp.Literal.number(-1),
            expressions=[exp.Least(this=exp.Literal.number(1), expressions=[cos_term])],
        )
        sql = exp.Mul(
            this=exp.Literal.number(radius),
            expression=exp.Anonymous(this="ACOS", expressions=[clamped]),
        )
        return _Typed(sql, "double", f"DISTANCE({r.field.name})")


def _has_semijoin(cond: a.Condition) -> bool:
    if isinstance(cond, a.Comparison):
        return isinstance(cond.value, a.Query)
    if isinstance(cond, (a.And, a.Or)):
        return any(_has_semijoin(i) for i in cond.items)
    return _has_semijoin(cond.item)


# ---------------------------------------------------------------------------- sql helpers


def _and(*items: exp.Expression) -> exp.Expression:
    # The compiler builds fresh nodes, so sqlglot's defensive deep copy is pure cost.
    return cast(exp.Expression, exp.and_(*items, copy=False))


def _or(*items: exp.Expression) -> exp.Expression:
    return cast(exp.Expression, exp.or_(*items, copy=False))


def _col(name: str, table: str | None) -> exp.Column:
    return exp.Column(
        this=exp.to_identifier(name), table=exp.to_identifier(table) if table else None
    )


def _unparen(e: exp.Expression) -> exp.Expression:
    return e.this if isinstance(e, exp.Paren) else e


def _binary(op: str, left: exp.Expression, right: exp.Expression) -> exp.Expression:
    if op == "=":
        return exp.EQ(this=left, expression=right)
    if op == "!=":
        return exp.NullSafeNEQ(this=left, expression=right)
    cls: type[exp.Binary] = {"<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}[op]
    return cast(exp.Expression, cls(this=left, expression=right))


def _date_sql(value: date) -> exp.Expression:
    return exp.cast(exp.Literal.string(value.isoformat()), "date")


def _datetime_sql(value: datetime) -> exp.Expression:
    text = value.isoformat(sep=" ")
    return exp.cast(exp.Literal.string(text), "timestamptz")


def literal_python_value(value: Any) -> Any:  # pragma: no cover - small helper for callers
    return value
