"""Salesforce-style SOQL errors.

Every failure of the engine is a :class:`SoqlError` carrying Salesforce's ``errorCode`` and a
message laid out as the REST API lays it out, so that clients which regex-match
``ERROR at Row:(\\d+):Column:(\\d+)`` keep working::

    \\nSELECT Id FROM Acount\\n               ^\\nERROR at Row:1:Column:16\\nsObject type 'Acount' is not supported. ...
"""

from __future__ import annotations

from dataclasses import dataclass

MALFORMED_QUERY = "MALFORMED_QUERY"
INVALID_FIELD = "INVALID_FIELD"
INVALID_TYPE = "INVALID_TYPE"
INVALID_QUERY_FILTER_OPERATOR = "INVALID_QUERY_FILTER_OPERATOR"
NUMBER_OUTSIDE_VALID_RANGE = "NUMBER_OUTSIDE_VALID_RANGE"
INVALID_TYPE_FOR_OPERATION = "INVALID_TYPE_FOR_OPERATION"

MAX_QUERY_LENGTH = 100_000
MAX_OFFSET = 2000
MAX_STRING_LITERAL = 4000
_EXCERPT_WIDTH = 80


@dataclass(frozen=True)
class Pos:
    """A place in the query text: 1-based line and column, 0-based character offset."""

    line: int
    column: int
    offset: int


def pos_at(text: str, offset: int) -> Pos:
    """The :class:`Pos` of ``offset`` in ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    return Pos(line, offset - line_start + 1, offset)


class SoqlError(Exception):
    """A query the engine rejects, with Salesforce's error code and location.

    ``code`` is the errorCode (``MALFORMED_QUERY``, ``INVALID_FIELD``…), ``text`` the last line
    of the message, ``line``/``column`` the 1-based place it points at (``None`` when the error
    is about the query as a whole), and ``message`` the complete Salesforce-style text.
    """

    def __init__(self, code: str, text: str, source: str = "", pos: Pos | None = None) -> None:
        self.code = code
        self.text = text
        self.source = source
        self.pos = pos
        self.message = _render(text, source, pos)
        super().__init__(f"{code}: {self.message}")

    @property
    def line(self) -> int | None:
        return self.pos.line if self.pos else None

    @property
    def column(self) -> int | None:
        return self.pos.column if self.pos else None

    def to_rest(self) -> list[dict[str, object]]:
        """The REST error body: ``[{"message": ..., "errorCode": ...}]``."""
        return [{"message": self.message, "errorCode": self.code}]

    def with_source(self, source: str) -> SoqlError:
        return SoqlError(self.code, self.text, source, self.pos)


def _render(text: str, source: str, pos: Pos | None) -> str:
    if pos is None:
        return text
    lines = source.split("\n")
    line = lines[pos.line - 1] if 0 < pos.line <= len(lines) else ""
    col0 = pos.column - 1
    start = 0
    if len(line) > _EXCERPT_WIDTH and col0 > _EXCERPT_WIDTH // 2:
        start = min(col0 - _EXCERPT_WIDTH // 2, max(0, len(line) - _EXCERPT_WIDTH))
    excerpt = line[start : start + _EXCERPT_WIDTH]
    caret = " " * (col0 - start) + "^"
    return f"\n{excerpt}\n{caret}\nERROR at Row:{pos.line}:Column:{pos.column}\n{text}"


def unknown_field(field: str, obj: str) -> str:
    return (
        f"No such column '{field}' on entity '{obj}'. If you are attempting to use a custom field, "
        "be sure to append the '__c' after the custom field name. Please reference your WSDL or "
        "the describe call for the appropriate names."
    )


def unknown_relationship(name: str) -> str:
    return (
        f"Didn't understand relationship '{name}' in field path. If you are attempting to use a "
        "custom relationship, be sure to append the '__r' after the custom relationship name. "
        "Please reference your WSDL or the describe call for the appropriate names."
    )


def unknown_object(name: str) -> str:
    return (
        f"sObject type '{name}' is not supported. If you are attempting to use a custom object, "
        "be sure to append the '__c' after the entity name. Please reference your WSDL or the "
        "describe call for the appropriate names."
    )
