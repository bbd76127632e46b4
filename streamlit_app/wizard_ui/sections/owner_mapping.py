"""2. Owner Mapping: Account lookups to User, each filling an owner type."""

from __future__ import annotations

from typing import Any

import streamlit as st

from pipelines.config.issues import ConfigIssue
from pipelines.config.model import STANDARD_OWNER_TYPES
from pipelines.wizard.forms import owner_mapping_document
from pipelines.wizard.pickers import owner_fields, with_current
from pipelines.wizard.placement import issues_at
from wizard_ui import feedback, keys, session
from wizard_ui.keys import row_key
from wizard_ui.sections.common import SettingsContext, general_issues, safe, save, section_footer

SECTION = "owner_mapping"
CHOOSE = ""


def fill(ctx: SettingsContext) -> None:
    if keys.OM_ROWS in st.session_state:
        return
    rows = []
    for mapping in ctx.config.owner_mapping:
        row = session.next_row_id()
        st.session_state[row_key(keys.OM_FIELD, row)] = mapping.field
        st.session_state[row_key(keys.OM_TYPE, row)] = mapping.owner_type
        rows.append(row)
    st.session_state[keys.OM_ROWS] = rows


def form_rows() -> list[tuple[str | None, str | None]]:
    state = st.session_state
    return [
        (state.get(row_key(keys.OM_FIELD, r)), state.get(row_key(keys.OM_TYPE, r)))
        for r in state.get(keys.OM_ROWS, [])
    ]


def build() -> tuple[dict[str, Any], list[ConfigIssue]]:
    return {SECTION: owner_mapping_document(form_rows())}, []


@safe
def add_row() -> None:
    row = session.next_row_id()
    st.session_state[row_key(keys.OM_FIELD, row)] = CHOOSE
    st.session_state[row_key(keys.OM_TYPE, row)] = CHOOSE
    st.session_state[keys.OM_ROWS] = [*st.session_state.get(keys.OM_ROWS, []), row]


@safe
def remove_row(row: int) -> None:
    st.session_state[keys.OM_ROWS] = [r for r in st.session_state[keys.OM_ROWS] if r != row]


def draw(ctx: SettingsContext) -> None:
    fill(ctx)
    issues = session.section_issues(SECTION)
    st.caption(
        "Which Account fields name each account's owners. The fields are the Account lookups "
        "to User in your org's schema."
    )
    fields = owner_fields(ctx.catalog)
    # Indexes of saved issues follow the rows as saved (blank rows are dropped).
    saved_index = 0
    for row in list(st.session_state[keys.OM_ROWS]):
        field_key, type_key = row_key(keys.OM_FIELD, row), row_key(keys.OM_TYPE, row)
        field_col, type_col, remove_col = st.columns([3, 3, 1], vertical_alignment="bottom")
        current_field = st.session_state.get(field_key) or CHOOSE
        options = [CHOOSE, *with_current(fields, current_field or None)]
        field_col.selectbox(
            "Salesforce field",
            options,
            key=field_key,
            persist_state=keys.PERSIST,
            format_func=lambda v: v or "— choose a field —",
        )
        current_type = st.session_state.get(type_key) or CHOOSE
        type_options = [CHOOSE, *with_current(STANDARD_OWNER_TYPES, current_type or None)]
        type_col.selectbox(
            "Owner type",
            type_options,
            key=type_key,
            persist_state=keys.PERSIST,
            format_func=lambda v: v or "— choose or type —",
            accept_new_options=True,
        )
        remove_col.button(
            "Remove", key=row_key(keys.OM_REMOVE, row), on_click=remove_row, args=(row,)
        )
        blank = not st.session_state.get(field_key) and not st.session_state.get(type_key)
        if not blank:
            feedback.show_issues(issues_at(issues, SECTION, saved_index))
            saved_index += 1
    st.button("Add mapping", key=keys.OM_ADD, on_click=add_row, icon=":material/add:")
    general_issues(SECTION, [(SECTION, i) for i in range(saved_index)])
    section_footer(
        SECTION, keys.OM_COMMENT, keys.OM_SAVE, lambda: save(SECTION, build, keys.OM_COMMENT)
    )
