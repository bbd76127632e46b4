"""Where each problem is shown: config issues matched to the form field that caused them.

A save that fails returns :class:`~pipelines.config.ConfigIssue` objects whose ``location`` is
the path of the bad value in the document; the wizard draws each one under its field::

    for issue in issues_at(issues, "owner_mapping", 2, "field"):
        st.error(issue_text(issue))

SOQL boxes are also checked while the admin types (:func:`check_filter`), with the same
``Row:Column`` Salesforce would give, and an excerpt with a caret under the spot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pipelines.config.issues import REQUIRED, SALESFORCE_API, ConfigIssue, Location
from pipelines.soql import SoqlError, compile_condition
from pipelines.soql.catalog import Catalog

# Errors in Salesforce's own terms: shown with their code, as Salesforce would.
_SALESFORCE_CODES = frozenset(
    {
        SALESFORCE_API,
        "MALFORMED_QUERY",
        "INVALID_FIELD",
        "INVALID_TYPE",
        "INVALID_QUERY_FILTER_OPERATOR",
        "NUMBER_OUTSIDE_VALID_RANGE",
        "INVALID_TYPE_FOR_OPERATION",
    }
)
# Pydantic's wording for a blank required box, and what admins should read instead.
_BLANK = "String should have at least 1 character"


def friendly(issues: Iterable[ConfigIssue]) -> list[ConfigIssue]:
    """Issues with the model's generic wording replaced where the wizard knows better."""
    out = []
    for issue in issues:
        if issue.message.startswith(_BLANK):
            issue = ConfigIssue(issue.location, "required", REQUIRED, issue.item)
        out.append(issue)
    return out


def issues_at(issues: Iterable[ConfigIssue], *prefix: str | int) -> list[ConfigIssue]:
    """The issues located at ``prefix`` or inside it."""
    n = len(prefix)
    return [i for i in issues if i.location[:n] == prefix]


def typed_filter_issues(issues: Iterable[ConfigIssue], account_type: str) -> list[ConfigIssue]:
    """Issues of the typed filter of ``account_type`` (found by the item name, not the index,
    since empty types are left out of the saved list)."""
    return [
        i
        for i in issues
        if i.location[:2] == ("account_filtering", "typed_filters")
        and len(i.location) > 2
        and i.item == account_type
    ]


def section_of(issue: ConfigIssue) -> str:
    """The wizard section an issue belongs to (``arr`` and ``renewal`` share one)."""
    section = issue.section or ""
    return "arr" if section == "renewal" else section


def issues_by_section(issues: Iterable[ConfigIssue]) -> dict[str, list[ConfigIssue]]:
    grouped: dict[str, list[ConfigIssue]] = {}
    for issue in issues:
        grouped.setdefault(section_of(issue), []).append(issue)
    return grouped


def unplaced(issues: Sequence[ConfigIssue], placed: Iterable[Location]) -> list[ConfigIssue]:
    """Issues not under any of the ``placed`` locations (shown at the top of their section)."""
    prefixes = list(placed)
    return [i for i in issues if not any(i.location[: len(p)] == p for p in prefixes)]


def issue_text(issue: ConfigIssue) -> str:
    """One line an admin can act on: ``INVALID_FIELD at Row 1, Column 23: No such column ...``."""
    if issue.code == REQUIRED and issue.message == "required":
        return "Required."
    at = f" at Row {issue.row}, Column {issue.column}" if issue.row is not None else ""
    named = issue.row is not None or issue.code in _SALESFORCE_CODES
    return f"{issue.code}{at}: {_sentence(issue.message)}" if named else _sentence(issue.message)


def caret_excerpt(text: str, row: int | None, column: int | None) -> str | None:
    """The line ``row`` of ``text`` with a caret under ``column`` (``None`` without a position)."""
    if row is None or column is None:
        return None
    lines = text.split("\n")
    if not 0 < row <= len(lines):
        return None
    line = lines[row - 1]
    return f"{line}\n{' ' * max(column - 1, 0)}^"


def check_filter(text: str | None, object_name: str, catalog: Catalog) -> ConfigIssue | None:
    """The problem of a SOQL WHERE box as typed (``None`` when empty or valid)."""
    if text is None or not text.strip():
        return None
    try:
        compile_condition(text, object_name, catalog)
    except SoqlError as err:
        return ConfigIssue((), err.text, err.code, None, err.line, err.column)
    return None


def _sentence(message: str) -> str:
    message = message.strip()
    return message[:1].upper() + message[1:] if message else message
