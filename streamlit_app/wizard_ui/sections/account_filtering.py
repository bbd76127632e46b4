"""1. Account Filtering: which accounts are synced, and as which type."""

from __future__ import annotations

from typing import Any

import streamlit as st

from pipelines.config.issues import ConfigIssue
from pipelines.wizard import previews
from pipelines.wizard.forms import account_filtering_document, move_up, typed_rows
from pipelines.wizard.live_previews import FilterPreview
from pipelines.wizard.placement import issues_at, typed_filter_issues
from pipelines.wizard.soql_preview import classification_queries, extract_queries
from wizard_ui import feedback, keys, session
from wizard_ui.keys import row_key
from wizard_ui.sections.common import SettingsContext, general_issues, safe, save, section_footer

SECTION = "account_filtering"
MODES = {
    "single": "Single filter: every matching account is a Customer",
    "typed": "Typed filters: Customer, Prospect and Partner, first match wins",
}
PREVIEW = "filter"


def fill(ctx: SettingsContext) -> None:
    section = ctx.config.account_filtering
    session.init(keys.AF_MODE, section.mode)
    session.init(keys.AF_SINGLE, section.filter or "")
    rows = typed_rows(section)
    session.init(keys.AF_ORDER, [t for t, _ in rows])
    for account_type, text in rows:
        session.init(row_key(keys.AF_TYPED, account_type), text)
    session.init(keys.AF_VALIDATE_API, section.validate_with_api)


def form_section() -> dict[str, Any]:
    state = st.session_state
    order: list[str] = list(state.get(keys.AF_ORDER, []))
    return account_filtering_document(
        str(state.get(keys.AF_MODE, "single")),
        state.get(keys.AF_SINGLE),
        [(t, state.get(row_key(keys.AF_TYPED, t))) for t in order],
        validate_with_api=bool(state.get(keys.AF_VALIDATE_API)),
    )


def build() -> tuple[dict[str, Any], list[ConfigIssue]]:
    return {SECTION: form_section()}, []


@safe
def raise_type(index: int) -> None:
    order = list(st.session_state[keys.AF_ORDER])
    rows = move_up([(t, "") for t in order], index)
    st.session_state[keys.AF_ORDER] = [t for t, _ in rows]


def draw(ctx: SettingsContext) -> None:
    fill(ctx)
    issues = session.section_issues(SECTION)
    st.caption(
        "Which Salesforce accounts are synced, and as which type. Accounts that match no "
        "filter are not synced."
    )
    mode = st.radio(
        "Mode",
        list(MODES),
        format_func=MODES.__getitem__,
        key=keys.AF_MODE,
        persist_state=keys.PERSIST,
    )
    if mode == "single":
        feedback.soql_box(
            "SOQL WHERE condition on Account",
            keys.AF_SINGLE,
            "Account",
            ctx.catalog,
            issues_at(issues, SECTION, "filter"),
            placeholder="Type = 'Customer'",
        )
    else:
        order: list[str] = st.session_state[keys.AF_ORDER]
        for index, account_type in enumerate(order):
            head, up = st.columns([6, 1], vertical_alignment="bottom")
            head.markdown(f"**{index + 1}. {account_type}**")
            if index:
                up.button(
                    "Move up",
                    key=row_key(keys.AF_TYPED_UP, account_type),
                    on_click=raise_type,
                    args=(index,),
                    help="Accounts take the type of the first filter they match.",
                )
            feedback.soql_box(
                f"{account_type} filter (SOQL WHERE on Account)",
                row_key(keys.AF_TYPED, account_type),
                "Account",
                ctx.catalog,
                typed_filter_issues(issues, account_type),
                placeholder="leave empty: no account is synced as " + account_type,
            )
    st.toggle(
        "Validate SOQL with Salesforce API",
        key=keys.AF_VALIDATE_API,
        persist_state=keys.PERSIST,
        help="On save, also send each filter to the org as a LIMIT 1 query and report what "
        "Salesforce says.",
    )
    feedback.show_issues(issues_at(issues, SECTION, "validate_with_api"))
    general_issues(
        SECTION,
        [(SECTION, "filter"), (SECTION, "typed_filters"), (SECTION, "validate_with_api")],
    )
    draft = ctx.draft(**{SECTION: form_section()})
    soql_preview(ctx, draft)
    if st.button("Preview filter", key=keys.AF_PREVIEW, icon=":material/visibility:"):
        run_preview(ctx, draft)
    show_preview()
    section_footer(
        SECTION, keys.AF_COMMENT, keys.AF_SAVE, lambda: save(SECTION, build, keys.AF_COMMENT)
    )


def soql_preview(ctx: SettingsContext, draft: Any) -> None:
    st.markdown("**SOQL preview**")
    if draft is None:
        st.caption("The preview appears once the form has no errors.")
        return
    queries = classification_queries(draft, ctx.catalog)
    if not queries:
        st.caption("The preview appears once a filter compiles.")
        return
    st.code("\n".join(q.sample_soql for q in queries), language="sql", wrap_lines=True)
    if st.toggle("Show the SELECT the sync sends for Account", key=keys.AF_SHOW_SELECT):
        selects = extract_queries(draft, ctx.catalog)
        st.code(selects.get("Account", ""), language="sql", wrap_lines=True)
        st.caption(
            "Every account is pulled; types are applied in the warehouse, so changing a filter "
            "needs a transform, not a new extract. Incremental syncs add "
            "`SystemModstamp >= <last sync>`."
        )


def run_preview(ctx: SettingsContext, draft: Any) -> None:
    if draft is None:
        session.previews()[PREVIEW] = "Fix the errors above first."
        return
    try:
        session.previews()[PREVIEW] = previews.filter_preview(session.home(), draft, ctx.catalog)
    except previews.PreviewUnavailable as why:
        session.previews()[PREVIEW] = str(why)


def show_preview() -> None:
    result = session.shown_preview(PREVIEW, FilterPreview)
    if result is None:
        return
    source = "the connected org (live)" if result.source == "org" else "the synced data"
    st.caption(f"Filter preview from {source}")
    columns = st.columns(len(result.types) + (1 if result.unmatched is not None else 0))
    for column, typed in zip(columns, result.types, strict=False):
        column.metric(typed.type, f"{typed.count:,}")
    if result.unmatched is not None:
        columns[-1].metric("Not synced", f"{result.unmatched:,}")
    for typed in result.types:
        if typed.samples:
            st.markdown(f"Sample {typed.type} accounts")
            st.dataframe(typed.samples, hide_index=True, width="stretch")
    for note in result.notes:
        st.caption(note)
