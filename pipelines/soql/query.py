"""Lowering of whole SELECT statements (the clauses around the conditions of ``compiler``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlglot import exp

from pipelines.soql import ast as a
from pipelines.soql.catalog import SObject
from pipelines.soql.compiler import (
    AGGREGATES,
    DATE_FUNCTIONS,
    ChildQuery,
    CompiledQuery,
    OutputColumn,
    ParentInfo,
    _and,
    _col,
    _Compiler,
    _kind,
    _Resolved,
    _Scope,
    _Typed,
)
from pipelines.soql.errors import (
    INVALID_FIELD,
    INVALID_TYPE,
    MALFORMED_QUERY,
    Pos,
    SoqlError,
    unknown_field,
    unknown_relationship,
)

ROOT_ALIAS = "t0"
ID_ALIAS = "__id"
PARENT_KEY_ALIAS = "__parent"
FIELDS_LIMIT = 200
MAX_CHILD_RELATIONSHIPS = 20
MAX_ROLLUP_FIELDS = 3
_SCOPES = frozenset(
    [
        "everything",
        "mine",
        "mine_and_my_groups",
        "my_territory",
        "my_team_territory",
        "team",
        "delegated",
        "scopingrule",
        "mineandmygroups",
    ]
)
_APEX_ONLY = frozenset({"SECURITY_ENFORCED", "USER_MODE", "SYSTEM_MODE"})


@dataclass
class _Item:
    """One output of the select list, before it becomes SQL."""

    typed: _Typed
    key: tuple[str, ...]
    alias: str
    pos: Pos
    resolved: _Resolved | None = None
    is_function: bool = False


def lower_query(
    c: _Compiler, q: a.Query, *, parent: SObject | None = None, depth: int = 0
) -> CompiledQuery:
    if parent is None:
        obj = c.object(q.from_.object)
        child_fk = None
        relationship = None
    else:
        obj, child_fk, relationship = _child_object(c, q, parent)
    if not obj.queryable:
        raise c.err(
            "INVALID_TYPE_FOR_OPERATION",
            f"entity type {obj.name} does not support query",
            q.from_.object.pos,
        )
    scope = _Scope(c, obj, q.from_.alias.text if q.from_.alias else None, ROOT_ALIAS, joins=True)
    _register_related_aliases(c, q, scope)
    _check_clauses(c, q, obj)

    items = [i for i in q.select]
    is_aggregate = q.group_by is not None or any(_is_aggregate_item(i) for i in items)
    count_only = any(
        isinstance(i.expr, a.FuncCall) and i.expr.name == "COUNT" and not i.expr.args for i in items
    )
    if count_only:
        return _count_query(c, q, obj, scope, items)

    grouped = _group_keys(c, q, scope) if q.group_by is not None else {}
    outputs: list[_Item] = []
    children: list[tuple[a.SelectItem, a.Query]] = []
    typeofs: list[a.TypeOf] = []
    seen: set[tuple[str, ...]] = set()
    expr_n = 0
    for item in items:
        e = item.expr
        if isinstance(e, a.Query):
            if is_aggregate:
                raise c.err(
                    MALFORMED_QUERY,
                    "Child relationship subqueries are not allowed in aggregate queries",
                    item.pos,
                )
            children.append((item, e))
            continue
        if isinstance(e, a.TypeOf):
            if is_aggregate:
                raise c.err(MALFORMED_QUERY, "TYPEOF is not allowed in aggregate queries", e.pos)
            typeofs.append(e)
            continue
        if isinstance(e, a.FuncCall) and e.name == "FIELDS":
            if is_aggregate:
                raise c.err(MALFORMED_QUERY, "FIELDS() is not allowed in aggregate queries", e.pos)
            for path in _expand_fields(c, q, obj, e):
                _add_field(
                    c, scope, outputs, seen, a.FieldPath((a.Name(path, e.pos),), e.pos), None
                )
            continue
        if isinstance(e, a.FieldPath):
            if is_aggregate:
                r = scope.resolve(e)
                key = tuple(p.lower() for p in r.path)
                if key not in grouped:
                    raise c.err(
                        MALFORMED_QUERY,
                        f"Field must be grouped or aggregated: {r.field.name}",
                        e.pos,
                    )
                name = item.alias.text if item.alias else r.field.name
                outputs.append(
                    _Item(
                        _Typed(scope.column(r), r.field.type, r.field.name, r.field),
                        (name,),
                        name,
                        item.pos,
                        r,
                    )
                )
                continue
            _add_field(c, scope, outputs, seen, e, item.alias)
            continue
        # function call
        typed = c.function(e, scope, having=False, context="selected")
        if e.name in AGGREGATES or e.name == "GROUPING" or e.name in DATE_FUNCTIONS:
            if not is_aggregate:
                raise c.err(
                    MALFORMED_QUERY, f"Field must be grouped or aggregated: {typed.label}", e.pos
                )
            if e.name in DATE_FUNCTIONS and _func_key(e) not in grouped:
                raise c.err(
                    MALFORMED_QUERY, f"Field must be grouped or aggregated: {typed.label}", e.pos
                )
            if item.alias:
                name = item.alias.text
            else:
                name = f"expr{expr_n}"
                expr_n += 1
            outputs.append(_Item(typed, (name,), name, item.pos, is_function=True))
            continue
        # toLabel / FORMAT / convertCurrency keep the field's name unless aliased
        arg = e.args[0]
        assert isinstance(arg, a.FieldPath)
        r = scope.resolve(arg)
        if is_aggregate and tuple(p.lower() for p in r.path) not in grouped:
            raise c.err(
                MALFORMED_QUERY, f"Field must be grouped or aggregated: {r.field.name}", e.pos
            )
        key = (
            (item.alias.text,) if item.alias else (r.path if not is_aggregate else (r.field.name,))
        )
        alias = ".".join(key)
        if tuple(k.lower() for k in key) in seen:
            raise c.err(INVALID_FIELD, f"duplicate field selected: {'.'.join(key)}", e.pos)
        seen.add(tuple(k.lower() for k in key))
        outputs.append(_Item(typed, key, alias, item.pos, r, is_function=True))

    if not outputs and not children:
        raise c.err(MALFORMED_QUERY, "unexpected token: 'FROM'", q.from_.object.pos)
    if len(children) > MAX_CHILD_RELATIONSHIPS:
        raise c.err(
            MALFORMED_QUERY,
            f"Maximum of {MAX_CHILD_RELATIONSHIPS} child relationships in one query",
            children[-1][0].pos,
        )

    aliases: set[str] = set()
    for out in outputs:
        if out.alias.lower() in aliases:
            raise c.err(MALFORMED_QUERY, f"duplicate alias: {out.alias}", out.pos)
        aliases.add(out.alias.lower())

    conds = _where(c, q, obj, scope)
    if child_fk is not None:
        fk_col = _col(c.opts.column_name(child_fk), ROOT_ALIAS)
        conds.append(
            exp.In(
                this=fk_col,
                query=exp.Subquery(
                    this=exp.select(exp.Unnest(expressions=[exp.Placeholder(this="parent_ids")]))
                ),
            )
        )

    columns: list[OutputColumn] = []
    projections: list[exp.Expression] = []
    for out in outputs:
        compound = _compound(c, scope, out, projections, columns)
        if compound:
            continue
        projections.append(_alias(out.typed.sql, out.alias, quoted=True))
        columns.append(OutputColumn(out.key, out.alias, out.typed.sf_type))

    id_alias: str | None = None
    parents: dict[tuple[str, ...], ParentInfo] = {}
    for t in typeofs:
        _typeof(c, scope, t, projections, columns, parents)
    if not is_aggregate:
        id_alias = _ensure_id(c, scope, outputs, projections, columns)
        for out in outputs:
            res = out.resolved
            if res is None or not res.rels:
                continue
            for i in range(1, len(res.rels) + 1):
                key = res.rels[:i]
                id_field = res.objects[i].field("Id")
                if key in parents or id_field is None:
                    continue
                alias = ID_ALIAS + "." + ".".join(key)
                parent_id = _Resolved(key, id_field, res.objects[: i + 1], res.fks[:i])
                projections.append(_alias(scope.column(parent_id), alias, quoted=True))
                columns.append(OutputColumn((*key, "Id"), alias, "id", hidden=True))
                parents[key] = ParentInfo(res.objects[i].name, alias)
    if child_fk is not None:
        projections.append(
            _alias(_col(c.opts.column_name(child_fk), ROOT_ALIAS), PARENT_KEY_ALIAS, quoted=True)
        )
        columns.append(OutputColumn((child_fk,), PARENT_KEY_ALIAS, "reference", hidden=True))

    select = exp.select(*projections).from_(c.table(obj.name, ROOT_ALIAS))
    group_sql = None
    if q.group_by is not None:
        group_sql = [v for v in grouped.values()]
    having = c.condition(q.having, scope, having=True) if q.having is not None else None
    if having is not None:
        _check_having(c, q.having, grouped)  # type: ignore[arg-type]
    order = _order_by(c, q, scope, grouped, is_aggregate)
    for key in scope.join_order:
        select = select.join(scope.joins[key][1])
    if conds:
        select = select.where(_and(*conds))
    if group_sql is not None:
        assert q.group_by is not None
        if q.group_by.kind == "ROLLUP":
            select = select.group_by(exp.Rollup(expressions=group_sql))
        elif q.group_by.kind == "CUBE":
            select = select.group_by(exp.Cube(expressions=group_sql))
        else:
            select = select.group_by(*group_sql)
    if having is not None:
        select = select.having(having)
    limit = int(q.limit.value) if q.limit is not None else None
    offset = int(q.offset.value) if q.offset is not None else None
    if child_fk is not None:
        if offset:
            raise c.err(
                MALFORMED_QUERY,
                "OFFSET is not allowed in a child relationship subquery",
                q.offset.pos if q.offset is not None else q.pos,
            )
        partition_order = order or [
            exp.Ordered(this=_col(c.opts.column_name("Id"), ROOT_ALIAS), nulls_first=False)
        ]
        if limit is not None:
            window = exp.Window(
                this=exp.RowNumber(),
                partition_by=[_col(c.opts.column_name(child_fk), ROOT_ALIAS)],
                order=exp.Order(expressions=[o.copy() for o in partition_order]),
            )
            select = select.qualify(exp.LTE(this=window, expression=exp.Literal.number(limit)))
        select = select.order_by(*partition_order)
    else:
        if order:
            select = select.order_by(*order)
        if limit is not None:
            select = select.limit(limit)
        if offset:
            select = select.offset(offset)

    compiled_children: list[ChildQuery] = []
    for item, sub in children:
        if depth + 1 > c.opts.max_child_levels:
            raise c.err(
                MALFORMED_QUERY, "Nesting of child relationship subqueries is limited", item.pos
            )
        child = lower_query(c, sub, parent=obj, depth=depth + 1)
        rel = obj.child_relationship(_child_name(sub, obj))
        assert rel is not None
        compiled_children.append(
            ChildQuery(rel.relationship_name, child.object, child, PARENT_KEY_ALIAS)
        )
    del relationship
    return CompiledQuery(
        sql=c.render(select),
        expression=select,
        object=obj.name,
        columns=columns,
        id_alias=id_alias,
        parents=parents,
        children=compiled_children,
        is_count=False,
        is_aggregate=is_aggregate,
        limit=limit,
        offset=offset,
        dialect=c.opts.dialect,
    )


# ---------------------------------------------------------------------------- pieces


def _alias(expression: exp.Expression, alias: str, *, quoted: bool) -> exp.Expression:
    return cast(exp.Expression, exp.alias_(expression, alias, quoted=quoted))


def _typeof(
    c: _Compiler,
    scope: _Scope,
    t: a.TypeOf,
    projections: list[exp.Expression],
    columns: list[OutputColumn],
    parents: dict[tuple[str, ...], ParentInfo],
) -> None:
    """``TYPEOF What WHEN Account THEN Phone ELSE Name END``: one LEFT JOIN per branch on the id,
    a per-row object type from the id's key prefix, and columns tagged with their branch."""
    if len(t.field.parts) != 1:
        raise c.err(
            MALFORMED_QUERY, "TYPEOF takes a relationship of the queried object", t.field.pos
        )
    fk = scope.obj.relationship(t.field.dotted)
    if fk is None:
        raise c.err(INVALID_FIELD, unknown_relationship(t.field.dotted), t.field.pos)
    rel = fk.relationship_name or t.field.dotted
    if len(fk.reference_to) < 2:
        raise c.err(
            MALFORMED_QUERY,
            f"TYPEOF can only be used on a polymorphic relationship; {rel} is not",
            t.field.pos,
        )
    if (rel,) in parents:
        raise c.err(INVALID_FIELD, f"duplicate field selected: {rel}", t.pos)
    col = c.opts.column_name
    fk_sql = _col(col(fk.name), ROOT_ALIAS)
    type_alias, id_alias = f"__type.{rel}", f"{ID_ALIAS}.{rel}"
    projections.append(_alias(c.object_type_of(fk_sql, fk), type_alias, quoted=True))
    columns.append(OutputColumn((rel, "__type"), type_alias, "string", hidden=True))
    projections.append(_alias(fk_sql.copy(), id_alias, quoted=True))
    columns.append(OutputColumn((rel, "Id"), id_alias, "reference", hidden=True))
    parents[(rel,)] = ParentInfo("", id_alias, type_alias)
    targets = {name.lower() for name in fk.reference_to}

    def join(obj: SObject) -> str:
        key = ("#typeof", rel.lower(), obj.name.lower())
        if key not in scope.joins:
            alias = f"{ROOT_ALIAS}_y{len(scope.joins) + 1}"
            on = exp.EQ(this=_col(col("Id"), alias), expression=fk_sql.copy())
            scope.joins[key] = (alias, exp.Join(this=c.table(obj.name, alias), on=on, kind="LEFT"))
            scope.join_order.append(key)
        return scope.joins[key][0]

    for when in t.whens:
        obj = c.catalog.get(when.object.text)
        if obj is None or obj.name.lower() not in targets:
            raise c.err(
                MALFORMED_QUERY,
                f"{rel} can not reference objects of type {when.object.text}",
                when.object.pos,
            )
        alias = join(obj)
        for path in when.fields:
            fld = obj.field(path.dotted) if len(path.parts) == 1 else None
            if fld is None:
                raise c.err(INVALID_FIELD, unknown_field(path.dotted, obj.name), path.pos)
            name = f"{rel}.{obj.name}.{fld.name}"
            projections.append(_alias(_col(col(fld.name), alias), name, quoted=True))
            columns.append(OutputColumn((rel, fld.name), name, fld.type, branch=obj.name))
    for path in t.else_fields:
        candidates = [o for o in (c.catalog.get(n) for n in fk.reference_to) if o is not None]
        found = [
            (o, f)
            for o in candidates
            if len(path.parts) == 1 and (f := o.field(path.dotted)) is not None
        ]
        if not found:
            raise c.err(INVALID_FIELD, unknown_field(path.dotted, "Name"), path.pos)
        values: list[exp.Expression] = [_col(col(f.name), join(o)) for o, f in found]
        value = (
            values[0] if len(values) == 1 else exp.Coalesce(this=values[0], expressions=values[1:])
        )
        fld = found[0][1]
        name = f"{rel}.*.{fld.name}"
        projections.append(_alias(value, name, quoted=True))
        columns.append(OutputColumn((rel, fld.name), name, fld.type, branch="*"))


def _child_name(q: a.Query, parent: SObject) -> str:
    parts = q.from_.object.parts
    if len(parts) == 2 and parts[0].text.lower() == parent.name.lower():
        return parts[1].text
    return q.from_.object.dotted


def _child_object(c: _Compiler, q: a.Query, parent: SObject) -> tuple[SObject, str, str]:
    name = _child_name(q, parent)
    rel = parent.child_relationship(name) if "." not in name else None
    if rel is None:
        raise c.err(
            INVALID_TYPE,
            f"Didn't understand relationship '{name}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
            q.from_.object.pos,
        )
    obj = c.catalog.get(rel.child_object)
    if obj is None:
        raise c.err(
            INVALID_TYPE, f"sObject type '{rel.child_object}' is not supported.", q.from_.object.pos
        )
    return obj, rel.field, rel.relationship_name


def _register_related_aliases(c: _Compiler, q: a.Query, scope: _Scope) -> None:
    for path, alias in q.from_.related:
        parts = list(path.parts)
        head = parts[0].text.lower()
        if head in scope.path_aliases:
            parts = [*scope.path_aliases[head], *parts[1:]]
        elif head in (obj.lower() for obj in (scope.obj.name, scope.soql_alias or "")):
            parts = parts[1:]
        if not parts or alias is None:
            raise c.err(MALFORMED_QUERY, f"unexpected token: '{path.dotted}'", path.pos)
        # Resolve now so that a bad path is reported where it is written.
        probe = a.FieldPath((*parts, a.Name("Id", path.pos)), path.pos)
        scope.resolve(probe)
        scope.path_aliases[alias.text.lower()] = tuple(parts)


def _check_clauses(c: _Compiler, q: a.Query, obj: SObject) -> None:
    if q.with_ is not None:
        w = q.with_
        if w.kind in _APEX_ONLY:
            raise c.err(
                MALFORMED_QUERY,
                "rule soqlWithIdentifierClause failed predicate: {this.helper.allowApexSyntax() && this.helper.hasApexContext()}?",
                w.pos,
            )
        if w.kind == "DATA CATEGORY":
            if not (
                obj.name.lower().endswith("__kav")
                or obj.name in ("KnowledgeArticleVersion", "Question")
            ):
                raise c.err(
                    MALFORMED_QUERY,
                    f"WITH DATA CATEGORY is only supported on Knowledge articles and questions, not {obj.name}",
                    w.pos,
                )
        else:
            raise c.err(MALFORMED_QUERY, f"unexpected token: '{w.kind}'", w.pos)
    if q.using_scope is not None and q.using_scope.text.lower() not in _SCOPES:
        raise c.err(MALFORMED_QUERY, f"unexpected token: '{q.using_scope.text}'", q.using_scope.pos)
    if "UPDATE" in q.for_ and q.order_by:
        raise c.err(MALFORMED_QUERY, "FOR UPDATE is not allowed with ORDER BY", q.order_by[0].pos)
    if q.update is not None and not obj.name.lower().endswith("__kav"):
        raise c.err(
            MALFORMED_QUERY, f"UPDATE {q.update} is only supported on Knowledge articles", q.pos
        )


def _is_aggregate_item(item: a.SelectItem) -> bool:
    e = item.expr
    return isinstance(e, a.FuncCall) and (e.name in AGGREGATES or e.name == "GROUPING")


def _func_key(f: a.FuncCall) -> tuple[str, ...]:
    from pipelines.soql.ast import to_soql

    return ("fn", to_soql(f).lower())


def _group_keys(c: _Compiler, q: a.Query, scope: _Scope) -> dict[tuple[str, ...], exp.Expression]:
    assert q.group_by is not None
    g = q.group_by
    if g.kind != "PLAIN" and len(g.items) > MAX_ROLLUP_FIELDS:
        raise c.err(MALFORMED_QUERY, f"{g.kind} allows at most {MAX_ROLLUP_FIELDS} fields", g.pos)
    keys: dict[tuple[str, ...], exp.Expression] = {}
    for item in g.items:
        if isinstance(item, a.FieldPath):
            r = scope.resolve(item)
            if not r.field.groupable:
                raise c.err(
                    INVALID_FIELD,
                    f"field '{r.field.name}' can not be grouped in a query call",
                    item.pos,
                )
            keys[tuple(p.lower() for p in r.path)] = scope.column(r)
        else:
            if item.name not in DATE_FUNCTIONS:
                raise c.err(
                    MALFORMED_QUERY, f"{item.display}() can not be used in GROUP BY", item.pos
                )
            keys[_func_key(item)] = c.date_function(item, scope).sql
    return keys


def _check_having(
    c: _Compiler, cond: a.Condition, grouped: dict[tuple[str, ...], exp.Expression]
) -> None:
    if isinstance(cond, a.Comparison):
        if isinstance(cond.value, a.Query):
            raise c.err(
                MALFORMED_QUERY, "Semi join sub-selects are not allowed in HAVING", cond.pos
            )
        if isinstance(cond.value, (a.CurrencyLit,)):
            raise c.err(
                MALFORMED_QUERY, "Currency literals are not allowed in HAVING", cond.value.pos
            )
        lhs = cond.lhs
        if isinstance(lhs, a.FieldPath):
            key = tuple(p.text.lower() for p in lhs.parts)
            if not any(k[-len(key) :] == key for k in grouped):
                raise c.err(
                    MALFORMED_QUERY, f"Field must be grouped or aggregated: {lhs.dotted}", lhs.pos
                )
        return
    if isinstance(cond, (a.And, a.Or)):
        for i in cond.items:
            _check_having(c, i, grouped)
    else:
        _check_having(c, cond.item, grouped)


def _where(c: _Compiler, q: a.Query, obj: SObject, scope: _Scope) -> list[exp.Expression]:
    conds: list[exp.Expression] = []
    if q.where is not None:
        conds.append(c.condition(q.where, scope))
    conds.extend(c.deleted_filter(obj, ROOT_ALIAS))
    return conds


def _order_by(
    c: _Compiler,
    q: a.Query,
    scope: _Scope,
    grouped: dict[tuple[str, ...], exp.Expression],
    is_aggregate: bool,
) -> list[exp.Expression]:
    out: list[exp.Expression] = []
    for o in q.order_by:
        e = o.expr
        if isinstance(e, a.FieldPath):
            r = scope.resolve(e)
            if not r.field.sortable:
                raise c.err(
                    INVALID_FIELD,
                    f"field '{r.field.name}' can not be sorted in a query call",
                    e.pos,
                )
            if is_aggregate and tuple(p.lower() for p in r.path) not in grouped:
                raise c.err(
                    MALFORMED_QUERY,
                    f"Ordered field must be grouped or aggregated: {r.field.name}",
                    e.pos,
                )
            value = scope.column(r)
            kind = _kind(r.field.type)
            if r.field.type == "picklist" and r.field.picklist_values:
                # Picklists sort in their declared order; unknown values after them, nulls stay null.
                value = exp.Case(
                    ifs=[
                        exp.If(this=exp.Is(this=value, expression=exp.null()), true=exp.null()),
                        *(
                            exp.If(
                                this=exp.EQ(
                                    this=exp.Lower(this=value.copy()),
                                    expression=exp.Literal.string(v.value.lower()),
                                ),
                                true=exp.Literal.number(i),
                            )
                            for i, v in enumerate(r.field.picklist_values)
                        ),
                    ],
                    default=exp.Literal.number(len(r.field.picklist_values)),
                )
            elif kind == "text":
                value = exp.Lower(this=value)
        else:
            typed = c.function(e, scope, having=True, context="sorted")
            if is_aggregate and not typed.is_aggregate and _func_key(e) not in grouped:
                raise c.err(
                    MALFORMED_QUERY,
                    f"Ordered field must be grouped or aggregated: {typed.label}",
                    e.pos,
                )
            value = typed.sql
        nulls_first = (o.nulls == "FIRST") if o.nulls else not o.descending
        out.append(exp.Ordered(this=value, desc=o.descending, nulls_first=nulls_first))
    return out


def _expand_fields(c: _Compiler, q: a.Query, obj: SObject, f: a.FuncCall) -> list[str]:
    if len(f.args) != 1 or not isinstance(f.args[0], (a.Keyword, a.FieldPath)):
        raise c.err(MALFORMED_QUERY, "FIELDS() takes ALL, STANDARD or CUSTOM", f.pos)
    arg = f.args[0]
    which = (arg.text if isinstance(arg, a.Keyword) else arg.dotted).upper()
    if which not in ("ALL", "STANDARD", "CUSTOM"):
        raise c.err(MALFORMED_QUERY, "FIELDS() takes ALL, STANDARD or CUSTOM", arg.pos)
    if which != "STANDARD" and (q.limit is None or q.limit.value > FIELDS_LIMIT):
        raise c.err(
            MALFORMED_QUERY,
            f"The SOQL FIELDS function must have a LIMIT of at most {FIELDS_LIMIT}",
            f.pos,
        )
    names = [
        fl.name
        for fl in obj.iter_fields()
        if (which == "ALL" or (which == "CUSTOM") == fl.custom)
        and fl.type not in ("address", "location")
    ]
    if not names:
        raise c.err(
            MALFORMED_QUERY,
            "'FIELDS(...)' expansion function must result in at least one field being selected.",
            f.pos,
        )
    return names


def _add_field(
    c: _Compiler,
    scope: _Scope,
    outputs: list[_Item],
    seen: set[tuple[str, ...]],
    path: a.FieldPath,
    alias: a.Name | None,
) -> None:
    r = scope.resolve(path)
    key = tuple(p.lower() for p in r.path)
    if key in seen:
        raise c.err(INVALID_FIELD, f"duplicate field selected: {r.field.name}", path.pos)
    seen.add(key)
    if r.field.type in ("address", "location"):
        typed = _Typed(exp.null(), r.field.type, r.field.name, r.field)
    else:
        typed = _Typed(scope.column(r), r.field.type, r.field.name, r.field)
    name = ".".join(r.path)
    outputs.append(_Item(typed, r.path, name, path.pos, r))


def _compound(
    c: _Compiler,
    scope: _Scope,
    out: _Item,
    projections: list[exp.Expression],
    columns: list[OutputColumn],
) -> bool:
    r = out.resolved
    if r is None or r.field.type not in ("address", "location") or out.is_function:
        return False
    obj = r.objects[-1]
    parts: dict[str, str] = {}
    for comp in obj.iter_fields():
        if comp.compound_field_name and comp.compound_field_name.lower() == r.field.name.lower():
            key = _compound_key(r.field.name, comp.name)
            alias = f"{out.alias}.{key}"
            sub = _Resolved(r.rels, comp, r.objects, r.fks)
            projections.append(_alias(scope.column(sub), alias, quoted=True))
            parts[key] = alias
            columns.append(OutputColumn((*out.key, key), alias, comp.type, hidden=True))
    columns.append(OutputColumn(out.key, out.alias, r.field.type, compound=parts))
    return True


def _compound_key(compound: str, component: str) -> str:
    """``BillingAddress`` + ``BillingPostalCode`` → ``postalCode``; ``Loc__c`` + ``Loc__Latitude__s`` → ``latitude``."""
    base = compound[: -len("Address")] if compound.endswith("Address") else compound
    rest = component
    if component.lower().startswith(base.lower()):
        rest = component[len(base) :]
    rest = rest.replace("__s", "").strip("_")
    if rest.lower().startswith("_") or "__" in rest:
        rest = rest.split("__")[-1]
    return rest[:1].lower() + rest[1:]


def _ensure_id(
    c: _Compiler,
    scope: _Scope,
    outputs: list[_Item],
    projections: list[exp.Expression],
    columns: list[OutputColumn],
) -> str:
    for out in outputs:
        r = out.resolved
        if r is not None and not r.rels and r.field.type == "id" and not out.is_function:
            return out.alias
    projections.append(_alias(_col(c.opts.column_name("Id"), ROOT_ALIAS), ID_ALIAS, quoted=True))
    columns.append(OutputColumn(("Id",), ID_ALIAS, "id", hidden=True))
    return ID_ALIAS


def _count_query(
    c: _Compiler, q: a.Query, obj: SObject, scope: _Scope, items: list[a.SelectItem]
) -> CompiledQuery:
    if len(items) != 1:
        raise c.err(
            MALFORMED_QUERY, "COUNT() must be the only element in the SELECT list", items[1].pos
        )
    if items[0].alias is not None:
        raise c.err(
            MALFORMED_QUERY, f"unexpected token: '{items[0].alias.text}'", items[0].alias.pos
        )
    if q.order_by:
        raise c.err(MALFORMED_QUERY, "ORDER BY is not allowed with COUNT()", q.order_by[0].pos)
    conds = _where(c, q, obj, scope)
    inner = exp.select(exp.Literal.number(1).as_("one")).from_(c.table(obj.name, ROOT_ALIAS))
    grouped = _group_keys(c, q, scope) if q.group_by is not None else {}
    for key in scope.join_order:
        inner = inner.join(scope.joins[key][1])
    if conds:
        inner = inner.where(_and(*conds))
    if grouped:
        inner = inner.group_by(*grouped.values())
        if q.having is not None:
            inner = inner.having(c.condition(q.having, scope, having=True))
    limit = int(q.limit.value) if q.limit is not None else None
    offset = int(q.offset.value) if q.offset is not None else None
    if limit is not None:
        inner = inner.limit(limit)
    if offset:
        inner = inner.offset(offset)
    select = exp.select(_alias(exp.Count(this=exp.Star()), "count", quoted=True)).from_(
        inner.subquery("_q")
    )
    return CompiledQuery(
        sql=c.render(select),
        expression=select,
        object=obj.name,
        columns=[OutputColumn(("count",), "count", "int")],
        id_alias=None,
        is_count=True,
        is_aggregate=False,
        limit=limit,
        offset=offset,
        dialect=c.opts.dialect,
    )


__all__ = ["lower_query"]
del SoqlError
