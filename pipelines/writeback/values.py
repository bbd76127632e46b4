"""Field values in one canonical form, whichever side they come from.

A value is compared in four places: the model's column (DuckDB), the org's copy from the last
sync (the raw table), sfsync's last write (the outbox state, JSON) and what Salesforce answers
(REST JSON, Bulk CSV). :func:`canonical` turns each of them into the same plain value for the
field's type, so that "unchanged" means the same thing everywhere::

    >>> health = Field("Health_Score__c", "double", precision=3, scale=0)
    >>> canonical(71.4, health), canonical(Decimal("71"), health), canonical("71.0", health)
    (71.0, 71.0, 71.0)

Numbers are rounded to the field's scale, as Salesforce stores them (a 71.4 written to a
scale-0 field reads back as 71, and must not look like a change on every push); ids are
widened to 18 characters; empty text is NULL (Salesforce stores it so); datetimes are UTC
with milliseconds.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from pipelines.soql.catalog import (
    DATE_TYPES,
    DATETIME_TYPES,
    ID_TYPES,
    NUMERIC_TYPES,
    TEXT_TYPES,
    Field,
)
from pipelines.soql.ids import checksum, is_id_shape

TValue = bool | int | float | str | None
"""A canonical field value: what is compared, stored in the outbox and sent."""

_INT_TYPES = frozenset({"int", "long"})
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


class InvalidValue(ValueError):
    """A value that cannot be written to its field; the message says which and why."""


def canonical(value: Any, field: Field) -> TValue:
    """``value`` as the canonical value of ``field`` (``None`` for NULL and empty text).

    Raises :class:`InvalidValue` for a value the field cannot hold (``"abc"`` for a number).
    """
    if value is None:
        return None
    kind = field.type
    try:
        if kind == "boolean":
            return _boolean(value)
        if kind in _INT_TYPES:
            number = _number(value)
            return None if number is None else round(number)
        if kind in NUMERIC_TYPES:
            number = _number(value)
            if number is None:
                return None
            if field.precision or field.scale:
                number = round(number, field.scale)
            return number + 0.0  # -0.0 and 0.0 compare and print alike
        if kind in DATE_TYPES:
            return _date(value)
        if kind in DATETIME_TYPES:
            return _datetime(value)
        if kind == "time":
            return _time(value)
        if kind in ID_TYPES:
            text = str(value).strip()
            return record_id(text) if is_record_id(text) else (text or None)
        if kind == "multipicklist":
            parts = value if isinstance(value, list | tuple) else str(value).split(";")
            chosen = sorted({str(p).strip() for p in parts if str(p).strip()})
            return ";".join(chosen) or None
    except (TypeError, ValueError, InvalidOperation, OverflowError) as exc:
        raise InvalidValue(f"{value!r} is not a valid {kind} value: {exc}") from None
    text = value if isinstance(value, str) else str(value)
    return text if text != "" else None


def record_id(value: str) -> str:
    """The 18-character form of a 15- or 18-character id (the suffix recomputed)."""
    return value[:15] + checksum(value[:15])


def is_record_id(value: str) -> bool:
    """True for a well-formed 15- or 18-character id (the suffix checked case-insensitively)."""
    if len(value) not in (15, 18) or not is_id_shape(value[:15]):
        return False
    return len(value) == 15 or value[15:].upper() == checksum(value[:15])


def parse_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from a datetime, or from Salesforce's and ISO text forms."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip()
    # Salesforce writes "+0000"; fromisoformat wants "+00:00".
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace("Z", "+00:00"))
    parsed = datetime.fromisoformat(text)
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_datetime(moment: datetime) -> str:
    """``2026-01-31T09:12:03.123Z``: UTC with milliseconds, as Salesforce accepts everywhere."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def csv_cell(value: TValue) -> str:
    """A canonical value as a Bulk API 2.0 CSV cell (numbers never in exponent notation)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


def describe_value(value: TValue) -> str:
    """A short human form for reports: ``71``, ``true``, ``'Churn'``, ``NULL``."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and not is_id_shape(value):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    return str(value)


# ---------------------------------------------------------------------------- warehouse types

_DUCK_INTEGER = re.compile(r"^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|INT[1248]|LONG)$")
_DUCK_DECIMAL = re.compile(r"^(DECIMAL|NUMERIC)(\((\d+),\s*(\d+)\))?$")
_DUCK_FLOAT = frozenset({"FLOAT", "DOUBLE", "REAL", "FLOAT4", "FLOAT8"})
_DUCK_TEXT = frozenset({"VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR"})


def accepts_column(field: Field, column_type: str) -> bool:
    """Whether a warehouse column of DuckDB type ``column_type`` can feed ``field``."""
    duck = column_type.strip().upper()
    integer = bool(_DUCK_INTEGER.match(duck))
    decimal = _DUCK_DECIMAL.match(duck)
    numeric = integer or bool(decimal) or duck in _DUCK_FLOAT
    text = duck in _DUCK_TEXT or duck.startswith(("VARCHAR", "ENUM"))
    kind = field.type
    if kind == "boolean":
        return duck in ("BOOLEAN", "BOOL")
    if kind in _INT_TYPES:
        return integer or bool(decimal and (decimal.group(4) in (None, "0")))
    if kind in NUMERIC_TYPES:
        return numeric
    if kind in DATE_TYPES:
        return duck == "DATE"
    if kind in DATETIME_TYPES:
        return duck.startswith("TIMESTAMP")
    if kind == "time":
        return duck.startswith("TIME") and not duck.startswith("TIMESTAMP")
    if kind == "multipicklist":
        return text or duck.endswith("[]")
    if kind in TEXT_TYPES or kind in ID_TYPES:
        return text
    return False


def expected_columns(field: Field) -> str:
    """The column types :func:`accepts_column` takes for ``field``, for error messages."""
    kind = field.type
    if kind == "boolean":
        return "BOOLEAN"
    if kind in _INT_TYPES:
        return "an integer (BIGINT, INTEGER, DECIMAL(p,0))"
    if kind in NUMERIC_TYPES:
        return "a number (DOUBLE, DECIMAL, INTEGER)"
    if kind in DATE_TYPES:
        return "DATE"
    if kind in DATETIME_TYPES:
        return "TIMESTAMP or TIMESTAMP WITH TIME ZONE"
    if kind == "time":
        return "TIME"
    if kind == "multipicklist":
        return "VARCHAR ('A;B') or VARCHAR[]"
    return "VARCHAR"


# ---------------------------------------------------------------------------- helpers


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("expected true or false")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError("infinity cannot be stored")
    return number


def _date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return date.fromisoformat(text[:10]).isoformat() if text else None


def _datetime(value: Any) -> str | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    moment = parse_datetime(value)
    return format_datetime(moment) if moment is not None else None


def _time(value: Any) -> str | None:
    if isinstance(value, time):
        moment = value
    else:
        text = str(value).strip().rstrip("Z")
        if not text:
            return None
        moment = time.fromisoformat(text)
    return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
