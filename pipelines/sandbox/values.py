"""Field values: from what clients send to what the store keeps, and back to REST JSON.

Writes arrive as JSON (REST, sObject Collections) or CSV text (Bulk ingest, org directories).
:func:`coerce` turns one value into the Python value stored for the field's type, or raises
:class:`FieldValueError` carrying the Salesforce status code and message::

    >>> coerce(Field(name="CloseDate", type="date"), "2024-03-01")
    datetime.date(2024, 3, 1)
    >>> coerce(Field(name="Amount", type="currency", scale=2), "1200.456")
    1200.46

:func:`rest_value` renders a stored value the way REST answers carry it (datetimes as
``2024-01-01T00:00:00.000+0000``).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time
from typing import Any

from pipelines.sandbox import ids
from pipelines.sandbox.schema import is_restricted_picklist
from pipelines.soql.catalog import Field

_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)"
    r"(Z|[+-]\d{2}:?\d{2})?)?$"
)
_TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?Z?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TEXT_TYPES = frozenset(
    {
        "string",
        "textarea",
        "picklist",
        "combobox",
        "phone",
        "url",
        "encryptedstring",
        "email",
        "base64",
    }
)


class FieldValueError(ValueError):
    """A value a field cannot hold: ``status_code`` is what Salesforce would answer."""

    def __init__(self, status_code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def label_of(f: Field) -> str:
    return f.label or f.name


def _type_error(f: Field, value: Any) -> FieldValueError:
    return FieldValueError(
        "INVALID_TYPE_ON_FIELD_IN_RECORD", f"{label_of(f)}: value not of required type: {value}"
    )


def utc_ms(moment: datetime) -> datetime:
    """``moment`` in UTC, truncated to milliseconds (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def utc_now() -> datetime:
    """The current time as the store stamps records: UTC, milliseconds."""
    return utc_ms(datetime.now(UTC))


def parse_datetime(text: str) -> datetime:
    """ISO 8601 as Salesforce clients send it: ``…T03:04:05.000+0000``, ``…Z``, ``…+01:00``.

    A date alone means midnight UTC; no offset means UTC. Raises ``ValueError``.
    """
    m = _DATETIME.match(text.strip())
    if not m:
        raise ValueError(f"not a datetime: {text!r}")
    day, clock, zone = m.groups()
    if clock is None:
        return datetime.fromisoformat(day).replace(tzinfo=UTC)
    if "." in clock:
        whole, frac = clock.split(".")
        clock = f"{whole}.{frac[:6].ljust(6, '0')}"
    zone = "+00:00" if zone in (None, "Z") else (zone if ":" in zone else f"{zone[:3]}:{zone[3:]}")
    return utc_ms(datetime.fromisoformat(f"{day}T{clock}{zone}"))


def parse_date(text: str) -> date:
    """``YYYY-MM-DD``; a full datetime is accepted and reduced to its UTC date."""
    text = text.strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    return parse_datetime(text).date()


def parse_time(text: str) -> time:
    m = _TIME.match(text.strip())
    if not m:
        raise ValueError(f"not a time: {text!r}")
    hh, mm, ss, frac = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0")) // 1000 * 1000
    return time(int(hh), int(mm), int(ss or 0), micro)


def parse_boolean(text: str) -> bool:
    lower = text.strip().lower()
    if lower in ("true", "1"):
        return True
    if lower in ("false", "0"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def coerce(f: Field, value: Any) -> Any:
    """The stored value of ``value`` for field ``f`` (``None`` for null or empty text).

    Raises :class:`FieldValueError` with ``INVALID_TYPE_ON_FIELD_IN_RECORD``, ``STRING_TOO_LONG``,
    ``MALFORMED_ID``, ``INVALID_EMAIL_ADDRESS`` or ``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST``.
    """
    if value is None or (isinstance(value, str) and value == "" and f.type != "boolean"):
        return None
    kind = f.type
    if kind == "boolean":
        return _coerce_boolean(f, value)
    if kind in ("int", "long"):
        return _coerce_int(f, value)
    if kind in ("double", "currency", "percent"):
        return _coerce_float(f, value)
    if kind == "date":
        return _coerce_temporal(f, value, parse_date)
    if kind == "datetime":
        if isinstance(value, datetime):
            return utc_ms(value)
        return _coerce_temporal(f, value, parse_datetime)
    if kind == "time":
        if isinstance(value, time):
            return value.replace(microsecond=value.microsecond // 1000 * 1000, tzinfo=None)
        return _coerce_temporal(f, value, parse_time)
    if kind in ("id", "reference"):
        return _coerce_id(f, value)
    if kind == "multipicklist":
        return _coerce_multipicklist(f, value)
    if kind in _TEXT_TYPES or kind == "anyType":
        return _coerce_text(f, value)
    raise FieldValueError(
        "INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to create/update fields: {f.name}."
    )


def _coerce_boolean(f: Field, value: Any) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return parse_boolean(value)
        except ValueError:
            raise _type_error(f, value) from None
    raise _type_error(f, value)


def _coerce_int(f: Field, value: Any) -> int:
    if isinstance(value, bool):
        raise _type_error(f, value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        number = float(value)
        if number.is_integer():
            return int(number)
    raise _type_error(f, value)


def _coerce_float(f: Field, value: Any) -> float:
    if isinstance(value, bool):
        raise _type_error(f, value)
    numeric = isinstance(value, int | float) or (
        isinstance(value, str) and _NUMBER.match(value.strip())
    )
    if not numeric:
        raise _type_error(f, value)
    number = float(value)
    if not math.isfinite(number):
        raise _type_error(f, value)
    scale = f.scale if f.scale or f.type != "currency" else 2
    if f.precision or f.type == "currency":
        number = round(number, scale)
    return number


def _coerce_temporal(f: Field, value: Any, parse: Any) -> Any:
    if isinstance(value, datetime):
        value = utc_ms(value)
        return value.date() if f.type == "date" else value
    if isinstance(value, date) and f.type == "date":
        return value
    if isinstance(value, str):
        try:
            return parse(value)
        except ValueError:
            raise _type_error(f, value) from None
    raise _type_error(f, value)


def _coerce_id(f: Field, value: Any) -> str:
    if not isinstance(value, str):
        raise _type_error(f, value)
    try:
        return ids.to_18(value.strip())
    except ValueError:
        raise FieldValueError(
            "MALFORMED_ID", f"{label_of(f)}: id value of incorrect type: {value}"
        ) from None


def _check_length(f: Field, text: str) -> None:
    if f.length and len(text) > f.length:
        raise FieldValueError(
            "STRING_TOO_LONG",
            f"{label_of(f)}: data value too large: {text} (max length={f.length})",
        )


def _bad_picklist(f: Field, value: str) -> FieldValueError:
    return FieldValueError(
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        f"{label_of(f)}: bad value for restricted picklist field: {value}",
    )


def _coerce_text(f: Field, value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = repr(value) if isinstance(value, float) else str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise _type_error(f, value)
    _check_length(f, text)
    if f.type == "email" and not _EMAIL.match(text):
        raise FieldValueError(
            "INVALID_EMAIL_ADDRESS", f"{label_of(f)}: invalid email address: {text}"
        )
    if (
        f.type == "picklist"
        and is_restricted_picklist(f)
        and text not in {v.value for v in f.picklist_values}
    ):
        raise _bad_picklist(f, text)
    return text


def _coerce_multipicklist(f: Field, value: Any) -> str | None:
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    elif isinstance(value, str):
        items = value.split(";")
    else:
        raise _type_error(f, value)
    chosen: list[str] = []
    for item in (i.strip() for i in items):
        if item and item not in chosen:
            chosen.append(item)
    if is_restricted_picklist(f):
        allowed = {v.value for v in f.picklist_values}
        for item in chosen:
            if item not in allowed:
                raise _bad_picklist(f, item)
    text = ";".join(chosen)
    _check_length(f, text)
    return text or None


def format_datetime(moment: datetime) -> str:
    """``2024-01-01T00:00:00.000+0000``: the REST form of a datetime (always UTC)."""
    moment = utc_ms(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def rest_value(f: Field, value: Any) -> Any:
    """A stored value as REST JSON carries it: ISO strings for temporal types, numbers as numbers."""
    if value is None:
        return None
    if f.type == "datetime" and isinstance(value, datetime):
        return format_datetime(value)
    if f.type == "date" and isinstance(value, date):
        return value.isoformat()
    if f.type == "time" and isinstance(value, time):
        return value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if f.type in ("int", "long") and isinstance(value, float):
        return int(value)
    return value
