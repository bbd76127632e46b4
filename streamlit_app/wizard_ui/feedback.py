"""How problems and results are drawn: errors under their field, SOQL boxes with inline checks,
the config source badge."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from pipelines.config.issues import ConfigIssue
from pipelines.soql.catalog import Catalog
from pipelines.wizard.placement import caret_excerpt, check_filter, issue_text
from wizard_ui import keys

# Issue codes a fresh inline check supersedes (the text was changed since the save).
_SOQL_CODES = frozenset(
    {
        "MALFORMED_QUERY",
        "INVALID_FIELD",
        "INVALID_TYPE",
        "INVALID_QUERY_FILTER_OPERATOR",
        "NUMBER_OUTSIDE_VALID_RANGE",
        "INVALID_TYPE_FOR_OPERATION",
    }
)


def show_issues(issues: Sequence[ConfigIssue], text: str | None = None) -> None:
    """Each issue as an error; SOQL issues with the line and a caret under the spot."""
    for issue in issues:
        st.error(issue_text(issue), icon=":material/error:")
        excerpt = caret_excerpt(text, issue.row, issue.column) if text else None
        if excerpt:
            st.code(excerpt, language=None)


def soql_box(
    label: str,
    key: str,
    object_name: str,
    catalog: Catalog,
    saved: Sequence[ConfigIssue] = (),
    *,
    help: str | None = None,
    placeholder: str | None = None,
    height: int = 80,
) -> str:
    """A SOQL WHERE text box, checked as the admin types, with the issues of the last save."""
    text = st.text_area(
        label,
        key=key,
        help=help,
        placeholder=placeholder,
        height=height,
        persist_state=keys.PERSIST,
    )
    if text and text.strip():
        # The live check speaks for the text as it is now; the save's SOQL errors may be stale.
        saved = [i for i in saved if i.code not in _SOQL_CODES]
        live = check_filter(text, object_name, catalog)
        if live is not None:
            show_issues([live], text)
    show_issues(saved, text)
    return str(text or "")


def badge(label: str) -> None:
    """The config source badge: ``Database (vN)``, ``Default (Code)`` or ``Not Configured``."""
    color = "green" if label.startswith("Database") else "orange" if "Default" in label else "red"
    st.markdown(f"Configuration source: :{color}-badge[{label}]")


def flash(message: str | None) -> None:
    if message:
        st.success(message, icon=":material/check_circle:")
