"""5. Support Cases: Cases as support activities, with their conversation and its sentiment."""

from __future__ import annotations

from typing import Any

import streamlit as st

from pipelines.config.issues import ConfigIssue
from pipelines.wizard import previews
from pipelines.wizard.forms import support_cases_document
from pipelines.wizard.live_previews import CasePreview
from pipelines.wizard.pickers import field_names
from pipelines.wizard.placement import issues_at
from wizard_ui import feedback, keys, session
from wizard_ui.sections.common import SettingsContext, general_issues, save, section_footer

SECTION = "support_cases"
SOURCES = {"CaseComment": "Case comments", "EmailMessage": "Emails"}
DEFAULT_DAYS = 90
PREVIEW = "cases"


def fill(ctx: SettingsContext) -> None:
    section = ctx.config.support_cases
    session.init(keys.SC_ENABLED, section.enabled)
    session.init(keys.SC_FILTER, section.filter or "")
    session.init(keys.SC_CAP, section.last_n_days is not None)
    session.init(keys.SC_DAYS, section.last_n_days or DEFAULT_DAYS)
    session.init(keys.SC_SOURCE, section.conversation_source)
    session.init(keys.SC_FIELDS, list(section.whitelisted_fields))


def form_section() -> dict[str, Any]:
    state = st.session_state
    return support_cases_document(
        enabled=bool(state.get(keys.SC_ENABLED)),
        filter=state.get(keys.SC_FILTER),
        last_n_days=int(state.get(keys.SC_DAYS) or 0) if state.get(keys.SC_CAP) else None,
        conversation_source=str(state.get(keys.SC_SOURCE) or "CaseComment"),
        whitelisted_fields=list(state.get(keys.SC_FIELDS) or []),
    )


def build() -> tuple[dict[str, Any], list[ConfigIssue]]:
    return {SECTION: form_section()}, []


def draw(ctx: SettingsContext) -> None:
    fill(ctx)
    issues = session.section_issues(SECTION)
    st.caption("Pull Salesforce Cases as support activities, with sentiment and conversation.")
    enabled = st.toggle("Sync support cases", key=keys.SC_ENABLED, persist_state=keys.PERSIST)
    if enabled:
        feedback.soql_box(
            "Case filter (SOQL WHERE on Case, optional)",
            keys.SC_FILTER,
            "Case",
            ctx.catalog,
            issues_at(issues, SECTION, "filter"),
            placeholder="Status != 'Closed' AND Origin IN ('Email', 'Web')",
        )
        cap, days = st.columns([1, 1], vertical_alignment="bottom")
        cap.checkbox(
            "Only cases created in the last N days", key=keys.SC_CAP, persist_state=keys.PERSIST
        )
        days.number_input(
            "N days",
            min_value=1,
            max_value=36_500,
            step=1,
            key=keys.SC_DAYS,
            persist_state=keys.PERSIST,
            disabled=not st.session_state.get(keys.SC_CAP),
        )
        feedback.show_issues(issues_at(issues, SECTION, "last_n_days"))
        st.radio(
            "Conversation source",
            list(SOURCES),
            format_func=SOURCES.__getitem__,
            key=keys.SC_SOURCE,
            persist_state=keys.PERSIST,
            horizontal=True,
        )
        feedback.show_issues(issues_at(issues, SECTION, "conversation_source"))
        chosen = list(st.session_state.get(keys.SC_FIELDS) or [])
        options = field_names(ctx.catalog, "Case")
        options += [c for c in chosen if c not in options]
        st.multiselect(
            "Whitelisted Case fields (empty: every field)",
            options,
            key=keys.SC_FIELDS,
            persist_state=keys.PERSIST,
        )
        feedback.show_issues(issues_at(issues, SECTION, "whitelisted_fields"))
        if st.button("Preview cases", key=keys.SC_PREVIEW, icon=":material/visibility:"):
            run_preview(ctx)
        show_preview()
    general_issues(
        SECTION,
        [
            (SECTION, f)
            for f in ("filter", "last_n_days", "conversation_source", "whitelisted_fields")
        ],
    )
    section_footer(
        SECTION, keys.SC_COMMENT, keys.SC_SAVE, lambda: save(SECTION, build, keys.SC_COMMENT)
    )


def run_preview(ctx: SettingsContext) -> None:
    draft = ctx.draft(**{SECTION: form_section()})
    if draft is None:
        session.previews()[PREVIEW] = "Fix the errors above first."
        return
    try:
        session.previews()[PREVIEW] = previews.case_preview(session.home(), draft, ctx.catalog)
    except previews.PreviewUnavailable as why:
        session.previews()[PREVIEW] = str(why)


def show_preview() -> None:
    result = session.shown_preview(PREVIEW, CasePreview)
    if result is None:
        return
    if not result.cases:
        st.info("No case matches the filter and window.")
    for sample in result.cases:
        case = sample.case
        mood = f" · sentiment: {sample.sentiment}" if sample.sentiment else ""
        with st.container(border=True):
            st.markdown(
                f"**{case.get('CaseNumber', '')} · {case.get('Subject', '')}**  \n"
                f"{case.get('Account.Name') or case.get('AccountId') or ''} · {case.get('Status', '')} · "
                f"{case.get('Priority', '')}{mood}"
            )
            if sample.thread:
                st.dataframe(sample.thread, hide_index=True, width="stretch")
            else:
                st.caption("No conversation yet.")
    for note in result.notes:
        st.caption(note)
