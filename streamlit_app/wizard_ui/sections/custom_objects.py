"""4. Custom Objects: any object, synced as related records of Accounts or Contacts."""

from __future__ import annotations

from typing import Any

import streamlit as st

from pipelines.config.issues import ConfigIssue
from pipelines.wizard.forms import custom_object_document
from pipelines.wizard.pickers import (
    custom_object_candidates,
    field_names,
    lookups_to,
    object_label,
    with_current,
)
from pipelines.wizard.placement import issues_at
from wizard_ui import feedback, keys, session
from wizard_ui.keys import row_key
from wizard_ui.sections.common import SettingsContext, general_issues, safe, save, section_footer

SECTION = "custom_objects"
ENTITY_TYPES = ["Account", "Contact"]


def _set_row(row: int, values: dict[str, Any]) -> None:
    state = st.session_state
    state[row_key(keys.CO_OBJECT, row)] = values.get("object") or ""
    state[row_key(keys.CO_DISPLAY, row)] = values.get("display_name") or ""
    state[row_key(keys.CO_ENTITY, row)] = values.get("entity_type") or "Account"
    state[row_key(keys.CO_MATCHING, row)] = values.get("matching_field") or ""
    state[row_key(keys.CO_FILTER, row)] = values.get("filter") or ""
    state[row_key(keys.CO_FIELDS, row)] = list(values.get("whitelisted_fields") or [])


def fill(ctx: SettingsContext) -> None:
    if keys.CO_ROWS in st.session_state:
        return
    rows = []
    for item in ctx.config.custom_objects:
        row = session.next_row_id()
        _set_row(row, item.model_dump())
        rows.append(row)
    st.session_state[keys.CO_ROWS] = rows


def row_document(row: int) -> dict[str, Any]:
    state = st.session_state
    return custom_object_document(
        object=state.get(row_key(keys.CO_OBJECT, row)),
        display_name=state.get(row_key(keys.CO_DISPLAY, row)),
        entity_type=str(state.get(row_key(keys.CO_ENTITY, row)) or "Account"),
        matching_field=state.get(row_key(keys.CO_MATCHING, row)),
        filter=state.get(row_key(keys.CO_FILTER, row)),
        whitelisted_fields=list(state.get(row_key(keys.CO_FIELDS, row)) or []),
    )


def build() -> tuple[dict[str, Any], list[ConfigIssue]]:
    return {SECTION: [row_document(r) for r in st.session_state.get(keys.CO_ROWS, [])]}, []


@safe
def add_row() -> None:
    row = session.next_row_id()
    _set_row(row, {})
    st.session_state[keys.CO_ROWS] = [*st.session_state.get(keys.CO_ROWS, []), row]


@safe
def remove_row(row: int) -> None:
    st.session_state[keys.CO_ROWS] = [r for r in st.session_state[keys.CO_ROWS] if r != row]


def _choice(label: str, key: str, options: list[str], blank: str) -> str:
    current = st.session_state.get(key) or ""
    listed = ["", *with_current(options, current or None)]
    return str(
        st.selectbox(
            label, listed, key=key, format_func=lambda v: v or blank, persist_state=keys.PERSIST
        )
        or ""
    )


def draw(ctx: SettingsContext) -> None:
    fill(ctx)
    issues = session.section_issues(SECTION)
    st.caption("Bring any object in as related records of accounts or contacts.")
    rows = list(st.session_state[keys.CO_ROWS])
    if not rows:
        st.caption("No custom objects yet.")
    for index, row in enumerate(rows):
        here = issues_at(issues, SECTION, index)
        with st.container(border=True):
            name = st.session_state.get(row_key(keys.CO_OBJECT, row)) or "New custom object"
            head, remove = st.columns([5, 1], vertical_alignment="center")
            head.markdown(f"**{name}**")
            remove.button(
                "Remove", key=row_key(keys.CO_REMOVE, row), on_click=remove_row, args=(row,)
            )
            entity = st.radio(
                "Related to (entity type)",
                ENTITY_TYPES,
                key=row_key(keys.CO_ENTITY, row),
                persist_state=keys.PERSIST,
                horizontal=True,
            )
            left, right = st.columns(2)
            with left:
                obj = _choice(
                    "Object",
                    row_key(keys.CO_OBJECT, row),
                    custom_object_candidates(ctx.catalog, entity),
                    "— choose an object —",
                )
                feedback.show_issues(issues_at(here, SECTION, index, "object"))
            with right:
                st.text_input(
                    "Display name",
                    key=row_key(keys.CO_DISPLAY, row),
                    persist_state=keys.PERSIST,
                    placeholder=object_label(ctx.catalog, obj) if obj else "",
                )
                feedback.show_issues(issues_at(here, SECTION, index, "display_name"))
            if obj:
                _choice(
                    f"Matching field (lookup to {entity})",
                    row_key(keys.CO_MATCHING, row),
                    lookups_to(ctx.catalog, obj, entity),
                    f"— the only lookup to {entity} —",
                )
                feedback.show_issues(issues_at(here, SECTION, index, "matching_field"))
                feedback.soql_box(
                    f"Filter (SOQL WHERE on {obj}, optional)",
                    row_key(keys.CO_FILTER, row),
                    obj,
                    ctx.catalog,
                    issues_at(here, SECTION, index, "filter"),
                )
                fields_key = row_key(keys.CO_FIELDS, row)
                chosen = list(st.session_state.get(fields_key) or [])
                options = field_names(ctx.catalog, obj)
                options += [c for c in chosen if c not in options]
                st.multiselect(
                    "Whitelisted fields (empty: every field)",
                    options,
                    key=fields_key,
                    persist_state=keys.PERSIST,
                )
                feedback.show_issues(issues_at(here, SECTION, index, "whitelisted_fields"))
    st.button("Add custom object", key=keys.CO_ADD, on_click=add_row, icon=":material/add:")
    general_issues(
        SECTION,
        [
            (SECTION, i, f)
            for i in range(len(rows))
            for f in ("object", "display_name", "matching_field", "filter", "whitelisted_fields")
        ],
    )
    section_footer(
        SECTION, keys.CO_COMMENT, keys.CO_SAVE, lambda: save(SECTION, build, keys.CO_COMMENT)
    )
