"""The SOQL syntax tree.

Every node keeps the :class:`~pipelines.soql.errors.Pos` of its first token, so validation
errors point at the text, and prints back to canonical SOQL with :func:`to_soql` (keywords in
upper case, names as written, one space between tokens)::

    >>> to_soql(parse_condition("type='Customer' and annualrevenue>1000"))
    "type = 'Customer' AND annualrevenue > 1000"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pipelines.soql.errors import Pos


@dataclass(frozen=True)
class Name:
    """One identifier as written, with its place."""

    text: str
    pos: Pos


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class StringLit:
    value: str
    pos: Pos
    like_literals: frozenset[int] = frozenset()  # offsets of \% and \_ (LIKE only)


@dataclass(frozen=True)
class NumberLit:
    value: Decimal
    pos: Pos

    @property
    def is_integer(self) -> bool:
        return self.value == self.value.to_integral_value() and "." not in str(self.value)


@dataclass(frozen=True)
class BoolLit:
    value: bool
    pos: Pos


@dataclass(frozen=True)
class NullLit:
    pos: Pos


@dataclass(frozen=True)
class DateLit:
    value: date
    pos: Pos


@dataclass(frozen=True)
class DateTimeLit:
    value: datetime  # always UTC
    pos: Pos
    text: str = ""


@dataclass(frozen=True)
class CurrencyLit:
    iso_code: str
    amount: Decimal
    pos: Pos


@dataclass(frozen=True)
class DateLiteral:
    """A relative date range: ``TODAY``, ``LAST_N_DAYS:30``."""

    name: str  # upper case
    n: int | None
    pos: Pos


Literal = (
    StringLit | NumberLit | BoolLit | NullLit | DateLit | DateTimeLit | CurrencyLit | DateLiteral
)


@dataclass(frozen=True)
class ValueList:
    items: tuple[Literal, ...]
    pos: Pos


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class FieldPath:
    """``Account.Owner.Name``: relationship names, then a field name."""

    parts: tuple[Name, ...]
    pos: Pos

    @property
    def dotted(self) -> str:
        return ".".join(p.text for p in self.parts)


@dataclass(frozen=True)
class FuncCall:
    """``COUNT(Id)``, ``CALENDAR_YEAR(convertTimezone(CreatedDate))``, ``FIELDS(ALL)``."""

    name: str  # upper case
    args: tuple[Expr, ...]
    pos: Pos
    written: str = ""  # the name as written, for printing

    @property
    def display(self) -> str:
        return self.written or self.name


@dataclass(frozen=True)
class Keyword:
    """A bare keyword argument, as in ``FIELDS(ALL)`` or the unit of ``DISTANCE``."""

    text: str
    pos: Pos


@dataclass(frozen=True)
class Geolocation:
    latitude: Decimal
    longitude: Decimal
    pos: Pos


Expr = FieldPath | FuncCall | Keyword | StringLit | NumberLit | Geolocation


# ---------------------------------------------------------------- conditions

COMPARISON_OPS = ("=", "!=", "<", "<=", ">", ">=")
OPERATORS = (*COMPARISON_OPS, "LIKE", "IN", "NOT IN", "INCLUDES", "EXCLUDES")


@dataclass(frozen=True)
class Comparison:
    """``lhs op value``; ``<>`` is read as ``!=``."""

    lhs: FieldPath | FuncCall
    op: str
    value: Literal | ValueList | Query
    pos: Pos
    op_pos: Pos


@dataclass(frozen=True)
class And:
    items: tuple[Condition, ...]
    pos: Pos


@dataclass(frozen=True)
class Or:
    items: tuple[Condition, ...]
    pos: Pos


@dataclass(frozen=True)
class Not:
    item: Condition
    pos: Pos


@dataclass(frozen=True)
class Paren:
    """A parenthesised condition, kept so canonical printing round-trips."""

    item: Condition
    pos: Pos


Condition = Comparison | And | Or | Not | Paren


# ---------------------------------------------------------------- query


@dataclass(frozen=True)
class TypeOfWhen:
    object: Name
    fields: tuple[FieldPath, ...]


@dataclass(frozen=True)
class TypeOf:
    field: FieldPath
    whens: tuple[TypeOfWhen, ...]
    else_fields: tuple[FieldPath, ...]
    pos: Pos


@dataclass(frozen=True)
class SelectItem:
    expr: FieldPath | FuncCall | Query | TypeOf
    alias: Name | None
    pos: Pos


@dataclass(frozen=True)
class FromClause:
    object: FieldPath  # one name, or a path such as Account.Contacts in a child subquery
    alias: Name | None
    related: tuple[tuple[FieldPath, Name | None], ...] = ()  # FROM Contact c, c.Account a


@dataclass(frozen=True)
class WithClause:
    kind: str  # DATA CATEGORY, SECURITY_ENFORCED, USER_MODE, SYSTEM_MODE, or another identifier
    conditions: tuple[
        tuple[Name, str, tuple[Name, ...]], ...
    ]  # DATA CATEGORY: (group, selector, categories)
    pos: Pos


@dataclass(frozen=True)
class GroupBy:
    kind: str  # PLAIN, ROLLUP, CUBE
    items: tuple[FieldPath | FuncCall, ...]
    pos: Pos


@dataclass(frozen=True)
class OrderItem:
    expr: FieldPath | FuncCall
    descending: bool
    nulls: str | None  # FIRST, LAST or None (SOQL's default)
    pos: Pos
    direction_written: bool = False


@dataclass(frozen=True)
class Query:
    select: tuple[SelectItem, ...]
    from_: FromClause
    pos: Pos
    using_scope: Name | None = None
    where: Condition | None = None
    with_: WithClause | None = None
    group_by: GroupBy | None = None
    having: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: NumberLit | None = None
    offset: NumberLit | None = None
    for_: tuple[str, ...] = field(default=())  # VIEW, REFERENCE, UPDATE
    update: str | None = None  # TRACKING or VIEWSTAT


# ---------------------------------------------------------------- printing


def to_soql(node: object) -> str:
    """Canonical SOQL text for any node."""
    return _PRINTERS[type(node)](node)


def _string(value: str, like_literals: frozenset[int] = frozenset()) -> str:
    out = []
    for i, ch in enumerate(value):
        if i in like_literals or ch in "'\\":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


def _datetime_text(value: datetime) -> str:
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def _query(q: Query) -> str:
    parts = ["SELECT " + ", ".join(to_soql(i) for i in q.select), "FROM " + to_soql(q.from_)]
    if q.using_scope:
        parts.append("USING SCOPE " + q.using_scope.text)
    if q.where is not None:
        parts.append("WHERE " + to_soql(q.where))
    if q.with_ is not None:
        parts.append("WITH " + to_soql(q.with_))
    if q.group_by is not None:
        parts.append("GROUP BY " + to_soql(q.group_by))
    if q.having is not None:
        parts.append("HAVING " + to_soql(q.having))
    if q.order_by:
        parts.append("ORDER BY " + ", ".join(to_soql(o) for o in q.order_by))
    if q.limit is not None:
        parts.append(f"LIMIT {q.limit.value}")
    if q.offset is not None:
        parts.append(f"OFFSET {q.offset.value}")
    for f in q.for_:
        if f != "UPDATE":
            parts.append("FOR " + f)
    if q.update:
        parts.append("UPDATE " + q.update)
    if "UPDATE" in q.for_:
        parts.append("FOR UPDATE")
    return " ".join(parts)


def _from(f: FromClause) -> str:
    text = to_soql(f.object) + (f" {f.alias.text}" if f.alias else "")
    for path, alias in f.related:
        text += ", " + to_soql(path) + (f" {alias.text}" if alias else "")
    return text


def _with(w: WithClause) -> str:
    if w.kind != "DATA CATEGORY":
        return w.kind
    conds = [
        f"{g.text} {sel} "
        + (cats[0].text if len(cats) == 1 else "(" + ", ".join(c.text for c in cats) + ")")
        for g, sel, cats in w.conditions
    ]
    return "DATA CATEGORY " + " AND ".join(conds)


def _group_by(g: GroupBy) -> str:
    items = ", ".join(to_soql(i) for i in g.items)
    return items if g.kind == "PLAIN" else f"{g.kind}({items})"


def _order(o: OrderItem) -> str:
    text = to_soql(o.expr)
    if o.descending:
        text += " DESC"
    elif o.direction_written:
        text += " ASC"
    if o.nulls:
        text += f" NULLS {o.nulls}"
    return text


def _select_item(s: SelectItem) -> str:
    text = f"({to_soql(s.expr)})" if isinstance(s.expr, Query) else to_soql(s.expr)
    return text + (f" {s.alias.text}" if s.alias else "")


def _typeof(t: TypeOf) -> str:
    parts = ["TYPEOF " + to_soql(t.field)]
    for w in t.whens:
        parts.append(f"WHEN {w.object.text} THEN " + ", ".join(to_soql(f) for f in w.fields))
    if t.else_fields:
        parts.append("ELSE " + ", ".join(to_soql(f) for f in t.else_fields))
    return " ".join(parts) + " END"


def _comparison(c: Comparison) -> str:
    value = c.value
    rhs = f"({to_soql(value)})" if isinstance(value, Query) else to_soql(value)
    return f"{to_soql(c.lhs)} {c.op} {rhs}"


def _logical(word: str) -> Callable[[And | Or], str]:
    return lambda n: f" {word} ".join(to_soql(i) for i in n.items)


def _number(n: Decimal) -> str:
    return str(n)


_PRINTERS: dict[type, Callable[[Any], str]] = {
    Query: _query,
    FromClause: _from,
    WithClause: _with,
    GroupBy: _group_by,
    OrderItem: _order,
    SelectItem: _select_item,
    TypeOf: _typeof,
    Comparison: _comparison,
    And: _logical("AND"),
    Or: _logical("OR"),
    Not: lambda n: "NOT " + to_soql(n.item),
    Paren: lambda n: "(" + to_soql(n.item) + ")",
    FieldPath: lambda n: n.dotted,
    FuncCall: lambda n: f"{n.display}(" + ", ".join(to_soql(a) for a in n.args) + ")",
    Keyword: lambda n: n.text,
    Geolocation: lambda n: f"GEOLOCATION({_number(n.latitude)}, {_number(n.longitude)})",
    Name: lambda n: n.text,
    StringLit: lambda n: _string(n.value, n.like_literals),
    NumberLit: lambda n: _number(n.value),
    BoolLit: lambda n: "TRUE" if n.value else "FALSE",
    NullLit: lambda n: "NULL",
    DateLit: lambda n: n.value.isoformat(),
    DateTimeLit: lambda n: _datetime_text(n.value),
    CurrencyLit: lambda n: f"{n.iso_code}{_number(n.amount)}",
    DateLiteral: lambda n: n.name if n.n is None else f"{n.name}:{n.n}",
    ValueList: lambda n: "(" + ", ".join(to_soql(i) for i in n.items) + ")",
}
