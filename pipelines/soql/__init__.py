"""The SOQL engine: parse, validate and compile Salesforce SOQL to warehouse SQL.

One engine serves every place sfsync reads SOQL: the wizard validates admins' WHERE conditions
with it, dbt applies them as SQL compiled by it, the extractor builds its SELECTs with it, and the
sandbox org executes whole queries through it.

    >>> from pipelines.soql import compile_condition
    >>> compile_condition("Type = 'Customer' AND AnnualRevenue > 1000000", "Account").sql
    '(LOWER("type") = \\'customer\\' AND "annual_revenue" > 1000000) ...'

Every failure is a :class:`SoqlError` with Salesforce's ``errorCode`` and a message that points
at the row and column of the text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from pipelines.soql import ast
from pipelines.soql.ast import to_soql
from pipelines.soql.catalog import (
    Catalog,
    CatalogError,
    SObject,
    catalog_from_yaml,
    standard_catalog,
)
from pipelines.soql.compiler import (
    ChildQuery,
    CompiledCondition,
    CompiledQuery,
    CompileOptions,
    OutputColumn,
    ParentInfo,
    _Compiler,
    _Scope,
)
from pipelines.soql.dates import DateContext
from pipelines.soql.errors import SoqlError
from pipelines.soql.parser import parse_condition, parse_query
from pipelines.soql.query import lower_query

__all__ = [
    "Catalog",
    "CatalogError",
    "ChildQuery",
    "CompileOptions",
    "CompiledCondition",
    "CompiledQuery",
    "DateContext",
    "OutputColumn",
    "ParentInfo",
    "SoqlError",
    "ast",
    "catalog_from_yaml",
    "check",
    "compile_condition",
    "compile_query",
    "parse_condition",
    "parse_query",
    "standard_catalog",
    "to_soql",
    "validate_condition",
    "validate_query",
]


def _options(options: CompileOptions | None, **overrides: object) -> CompileOptions:
    base = options or CompileOptions()
    given = {k: v for k, v in overrides.items() if v is not None}
    return replace(base, **given) if given else base  # type: ignore[arg-type]


def compile_query(
    text: str,
    catalog: Catalog | None = None,
    dialect: str | None = None,
    *,
    date_context: DateContext | None = None,
    include_deleted: bool | None = None,
    schema: str | None = None,
    currency_rates: Mapping[str, float] | None = None,
    options: CompileOptions | None = None,
) -> CompiledQuery:
    """Validate a whole SELECT against ``catalog`` and compile it to SQL for ``dialect``.

    Deleted rows (``IsDeleted = true``) are left out unless ``include_deleted`` (queryAll).
    """
    opts = _options(
        options,
        dialect=dialect,
        date_context=date_context,
        include_deleted=include_deleted,
        schema=schema,
        currency_rates=currency_rates,
    )
    tree = parse_query(text)
    compiler = _Compiler(text, catalog or standard_catalog(), opts)
    return lower_query(compiler, tree)


def compile_condition(
    text: str,
    object_name: str,
    catalog: Catalog | None = None,
    dialect: str | None = None,
    *,
    table_alias: str | None = None,
    schema: str | None = None,
    date_context: DateContext | None = None,
    currency_rates: Mapping[str, float] | None = None,
    options: CompileOptions | None = None,
) -> CompiledCondition:
    """Validate a bare WHERE condition on ``object_name`` and compile it to a SQL boolean.

    Columns are qualified with ``table_alias`` when given; parent fields (``Owner.Name``)
    become correlated subqueries, so the result can be pasted into any WHERE clause.
    """
    opts = _options(
        options,
        dialect=dialect,
        table_alias=table_alias,
        schema=schema,
        date_context=date_context,
        currency_rates=currency_rates,
    )
    tree = parse_condition(text)
    compiler = _Compiler(text, catalog or standard_catalog(), opts)
    obj = catalog_object(compiler, object_name)
    scope = _Scope(compiler, obj, None, opts.table_alias, joins=False)
    expression = compiler.condition(tree, scope)
    return CompiledCondition(
        sql=compiler.render(expression),
        expression=expression,
        object=obj.name,
        fields=_fields_of(tree),
        dialect=opts.dialect,
    )


def catalog_object(compiler: _Compiler, name: str) -> SObject:
    obj = compiler.catalog.get(name)
    if obj is None:
        from pipelines.soql.errors import INVALID_TYPE, unknown_object

        raise SoqlError(INVALID_TYPE, unknown_object(name))
    return obj


def validate_query(text: str, catalog: Catalog | None = None) -> ast.Query:
    """Parse and validate a SELECT; return its syntax tree or raise :class:`SoqlError`."""
    compile_query(text, catalog)
    return parse_query(text)


def validate_condition(
    text: str, object_name: str, catalog: Catalog | None = None
) -> ast.Condition:
    """Parse and validate a WHERE condition on ``object_name``; return its tree or raise."""
    compile_condition(text, object_name, catalog)
    return parse_condition(text)


def check(text: str, object_name: str | None = None, catalog: Catalog | None = None) -> None:
    """Raise :class:`SoqlError` unless ``text`` is valid: a SELECT, or with ``object_name`` a condition."""
    if object_name:
        compile_condition(text, object_name, catalog)
    else:
        compile_query(text, catalog)


def _fields_of(cond: ast.Condition) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []

    def walk(node: object) -> None:
        if isinstance(node, ast.Comparison):
            lhs = node.lhs
            paths = (
                [lhs]
                if isinstance(lhs, ast.FieldPath)
                else [x for x in lhs.args if isinstance(x, ast.FieldPath)]
            )
            for p in paths:
                key = tuple(n.text for n in p.parts)
                if key not in found:
                    found.append(key)
        elif isinstance(node, (ast.And, ast.Or)):
            for i in node.items:
                walk(i)
        elif isinstance(node, (ast.Not, ast.Paren)):
            walk(node.item)

    walk(cond)
    return found
