"""What is wrong with a config, and where: :class:`ConfigIssue` and :class:`InvalidConfigError`.

Every problem, whether the document has the wrong shape, a name is unknown in the org or a SOQL
filter does not compile, becomes one :class:`ConfigIssue` whose ``location`` is the path of the
offending value in the document, so the wizard can show the message next to the field::

    ConfigIssue(
        location=("account_filtering", "typed_filters", 1, "filter"),
        message="No such column 'Tpye' on entity 'Account'. ...",
        code="INVALID_FIELD", item="Prospect", row=1, column=1,
    )
    str(issue)  # "account_filtering.typed_filters[1] (Prospect).filter: INVALID_FIELD at Row:1:Column:1: ..."
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

Location = tuple[str | int, ...]

# Codes of issues that do not come from the SOQL engine (those keep Salesforce's errorCode).
REQUIRED = "REQUIRED"
UNKNOWN_KEY = "UNKNOWN_KEY"
INVALID_VALUE = "INVALID_VALUE"
UNKNOWN_OBJECT = "UNKNOWN_OBJECT"
UNKNOWN_FIELD = "UNKNOWN_FIELD"
WRONG_FIELD_TYPE = "WRONG_FIELD_TYPE"
AMBIGUOUS_LOOKUP = "AMBIGUOUS_LOOKUP"
DUPLICATE = "DUPLICATE"
CONFLICT = "CONFLICT"
NOT_UPDATEABLE = "NOT_UPDATEABLE"
CREDENTIAL = "CREDENTIAL"
SALESFORCE_API = "SALESFORCE_API"
UNSUPPORTED_VERSION = "UNSUPPORTED_VERSION"
UNREADABLE = "UNREADABLE"


@dataclass(frozen=True)
class ConfigIssue:
    """One problem of a config.

    ``location`` is the path of the value in the document: the section, then list indexes and
    keys (``("custom_objects", 0, "matching_field")``); ``()`` means the document as a whole.
    ``item`` names the list item (the account type, owner type, object…) so that messages read
    well when the index alone would not. ``code`` is Salesforce's errorCode for SOQL errors
    (``MALFORMED_QUERY``, ``INVALID_FIELD``…) and one of this module's constants otherwise;
    ``row``/``column`` point into the filter text for SOQL errors that have a position.
    """

    location: Location
    message: str
    code: str = INVALID_VALUE
    item: str | None = None
    row: int | None = None
    column: int | None = None

    @property
    def section(self) -> str | None:
        return str(self.location[0]) if self.location else None

    @property
    def index(self) -> int | None:
        """The index of the list item the issue is about (the first one, for nested lists)."""
        return next((p for p in self.location if isinstance(p, int)), None)

    @property
    def field(self) -> str | None:
        """The key holding the offending value (the last name of the location)."""
        return next((p for p in reversed(self.location) if isinstance(p, str)), None)

    @property
    def path(self) -> str:
        """``account_filtering.typed_filters[1].filter``."""
        return format_location(self.location)

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": list(self.location),
            "path": self.path,
            "section": self.section,
            "index": self.index,
            "item": self.item,
            "field": self.field,
            "code": self.code,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = self.path
        if self.item is not None and self.index is not None:
            head, sep, tail = where.partition(f"[{self.index}]")
            where = f"{head}{sep} ({self.item}){tail}"
        at = f" at Row:{self.row}:Column:{self.column}" if self.row is not None else ""
        return f"{where + ': ' if where else ''}{self.code}{at}: {self.message}"


def format_location(location: Sequence[str | int]) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


class InvalidConfigError(ValueError):
    """A config that cannot be used (and was not saved): all of its issues, not just the first."""

    def __init__(self, issues: Sequence[ConfigIssue], what: str = "config") -> None:
        self.issues = list(issues)
        self.what = what
        count = len(self.issues)
        lines = "\n".join(f"  {issue}" for issue in self.issues)
        super().__init__(
            f"{what} is not valid ({count} issue{'s' if count != 1 else ''}):\n{lines}"
        )


# ---------------------------------------------------------------------------- item names

# For each list of the document: the key whose value names an item.
_ITEM_KEYS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("account_filtering", "typed_filters"): ("type",),
    ("owner_mapping",): ("owner_type", "field"),
    ("custom_objects",): ("object", "display_name"),
    ("writeback", "mappings"): ("model", "object"),
}


def item_name(document: Any, location: Location) -> str | None:
    """The name of the list item ``location`` points into, read from ``document`` (raw or model)."""
    node = document.model_dump() if isinstance(document, BaseModel) else document
    for i, part in enumerate(location):
        if isinstance(part, int):
            if not isinstance(node, list) or not 0 <= part < len(node):
                return None
            node = node[part]
            keys = _ITEM_KEYS.get(tuple(p for p in location[:i] if isinstance(p, str)), ())
            if isinstance(node, Mapping):
                for key in keys:
                    value = node.get(key)
                    if isinstance(value, str) and value.strip():
                        return value.strip()
            return None
        if isinstance(node, Mapping):
            node = node.get(part)
        else:
            return None
    return None


def issues_from_validation_error(
    error: ValidationError, document: Any, model: type[BaseModel]
) -> list[ConfigIssue]:
    """Pydantic's errors as issues: unknown keys get a "did you mean" when one is close."""
    found: list[ConfigIssue] = []
    for err in error.errors(include_url=False):
        location: Location = tuple(p for p in err["loc"] if isinstance(p, str | int))
        kind = err["type"]
        if kind == "extra_forbidden":
            key = str(location[-1]) if location else "?"
            message = f"unknown key '{key}'"
            known = _known_keys(model, location[:-1])
            close = difflib.get_close_matches(key, known, n=1)
            if close:
                message += f"; did you mean '{close[0]}'?"
            elif known:
                message += f"; expected one of: {', '.join(known)}"
            code = UNKNOWN_KEY
        elif kind == "missing":
            message, code = "required", REQUIRED
        else:
            message, code = err["msg"], INVALID_VALUE
        found.append(ConfigIssue(location, message, code, item_name(document, location)))
    return found


def _known_keys(model: type[BaseModel], location: Location) -> list[str]:
    """The keys the model accepts at ``location`` (a path into nested sections and lists)."""
    current: Any = model
    for part in location:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(part)
        if info is None:
            return []
        current = _model_in(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    """The BaseModel inside ``list[X]``, ``X | None``, or ``X`` itself."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def sort_issues(issues: Iterable[ConfigIssue], order: Sequence[str]) -> list[ConfigIssue]:
    """Issues in document order: sections as ``order`` lists them, then by location."""
    rank = {name: i for i, name in enumerate(order)}

    # sorted() is stable: within a section, issues keep the order they were found in.
    return sorted(issues, key=lambda issue: rank.get(issue.section or "", -1))
