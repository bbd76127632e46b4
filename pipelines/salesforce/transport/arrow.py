"""Salesforce values → typed Arrow columns, from Bulk CSV pages and from REST JSON records.

The Bulk path never builds Python objects per row: ``pyarrow.csv`` parses each page straight
into the schema's types. When a page holds a value its declared type cannot take as written
(a currency with more decimals than its scale, an integer written ``5.0``), the page is parsed
again with those columns as floats, rounded half away from zero to the declared scale — what
Salesforce itself does when it stores such a value — and cast.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipelines.salesforce.describe import Column, ObjectSchema

# pyarrow imports pandas lazily, the first time pa.array() is given a Python sequence. Done in an
# extract worker thread, that import races with dlt's main thread, which looks the half-imported
# module up to tell DataFrames from other items ("partially initialized module 'pandas'").
# Importing it here, on the importing thread, settles it before any worker starts.
with contextlib.suppress(ImportError):
    import pandas  # noqa: F401

_READ = pacsv.ReadOptions(use_threads=False, block_size=4 << 20)
_PARSE = pacsv.ParseOptions(newlines_in_values=True)


class ConversionError(ValueError):
    """A value could not be read as its field's type; the message names object and field."""


def _convert_options(
    columns: Sequence[Column], types: dict[str, pa.DataType]
) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(
        column_types=types,
        include_columns=[c.field for c in columns],
        include_missing_columns=True,
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        null_values=[""],
        true_values=["true", "True", "TRUE"],
        false_values=["false", "False", "FALSE"],
        timestamp_parsers=[pacsv.ISO8601],
    )


def csv_to_table(body: bytes, schema: ObjectSchema) -> pa.Table:
    """One Bulk API 2.0 result page (CSV with a header row of API names) as an Arrow table."""
    columns = schema.columns
    fast = {c.field: c.arrow_type for c in columns}
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=_READ,
            parse_options=_PARSE,
            convert_options=_convert_options(columns, fast),
        )
    except pa.ArrowInvalid:
        lenient = {c.field: pa.float64() if _numeric_fallback(c) else c.arrow_type for c in columns}
        try:
            table = pacsv.read_csv(
                io.BytesIO(body),
                read_options=_READ,
                parse_options=_PARSE,
                convert_options=_convert_options(columns, lenient),
            )
        except pa.ArrowInvalid as exc:
            raise ConversionError(
                f"{schema.object}: a Bulk result page could not be parsed: {exc}"
            ) from exc
        table = _conform(table, schema)
    return pa.Table.from_arrays(table.columns, schema=schema.arrow_schema)


def _numeric_fallback(column: Column) -> bool:
    return column.is_decimal or pa.types.is_integer(column.arrow_type)


def _conform(table: pa.Table, schema: ObjectSchema) -> pa.Table:
    arrays = []
    for column, array in zip(schema.columns, table.columns, strict=True):
        arrays.append(cast_column(array, column, schema.object))
    return pa.Table.from_arrays(arrays, names=table.column_names)


def cast_column(array: pa.ChunkedArray | pa.Array, column: Column, object_name: str) -> Any:
    """``array`` as ``column``'s type; numbers are rounded to a decimal's scale first."""
    target = column.arrow_type
    if array.type == target:
        return array
    try:
        if column.is_decimal and pa.types.is_floating(array.type):
            array = pc.round(array, ndigits=target.scale, round_mode="half_towards_infinity")
        elif pa.types.is_integer(target) and pa.types.is_floating(array.type):
            array = pc.round(array, ndigits=0, round_mode="half_towards_infinity")
        return pc.cast(array, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise ConversionError(
            f"{object_name}.{column.field}: values do not fit {column.sf_type} ({target}): {exc}"
        ) from exc


def records_to_table(records: Sequence[dict[str, Any]], schema: ObjectSchema) -> pa.Table:
    """REST ``records`` (JSON objects keyed by API name) as an Arrow table of ``schema``.

    Arrow reads the records into columns of the types JSON gives (text for dates and
    datetimes, floats for decimals) in one pass, and each column is then cast as a whole. A
    value JSON gives in another type than its field's (an integer written ``5.0``, a number in
    a text field) sends the page through the slower column-by-column reading instead.
    """
    try:
        table = pa.Table.from_pylist(list(records), schema=_json_schema(schema))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _records_by_column(records, schema)
    arrays = [
        cast_column(array, column, schema.object)
        for array, column in zip(table.columns, schema.columns, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=schema.arrow_schema)


def _json_schema(schema: ObjectSchema) -> pa.Schema:
    """The columns of REST records keyed by API name, typed as JSON writes their values."""
    fields = []
    for column in schema.columns:
        target = column.arrow_type
        if pa.types.is_timestamp(target) or pa.types.is_date(target):
            target = pa.string()
        elif column.is_decimal:
            target = pa.float64()
        fields.append(pa.field(column.field, target))
    return pa.schema(fields)


def _records_by_column(records: Sequence[dict[str, Any]], schema: ObjectSchema) -> pa.Table:
    arrays = []
    for column in schema.columns:
        values = [r.get(column.field) for r in records]
        arrays.append(_json_column(values, column, schema.object))
    return pa.Table.from_arrays(arrays, schema=schema.arrow_schema)


def _json_column(values: list[Any], column: Column, object_name: str) -> pa.Array:
    target = column.arrow_type
    if pa.types.is_string(target):
        try:
            return pa.array(values, type=pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return pa.array([None if v is None else _text(v) for v in values], type=pa.string())
    if pa.types.is_timestamp(target) or pa.types.is_date(target):
        # REST writes datetimes as 2024-01-01T00:00:00.000+0000; Arrow's ISO 8601 cast reads it.
        return cast_column(pa.array(values, type=pa.string()), column, object_name)
    if pa.types.is_boolean(target):
        return pa.array(values, type=pa.bool_())
    if column.is_decimal:
        floats = pa.array([None if v is None else float(v) for v in values], type=pa.float64())
        return cast_column(floats, column, object_name)
    try:
        return pa.array(values, type=target)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        floats = pa.array([None if v is None else float(v) for v in values], type=pa.float64())
        return cast_column(floats, column, object_name)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        import orjson

        return orjson.dumps(value).decode("utf-8")
    return str(value)


def empty_table(schema: ObjectSchema) -> pa.Table:
    return schema.arrow_schema.empty_table()
