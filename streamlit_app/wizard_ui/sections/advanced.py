"""6. Advanced: field allowlists and exclusions for Account, Opportunity and Contact."""

from __future__ import annotations

from typing import Any

import streamlit as st

from pipelines.config.issues import ConfigIssue
from pipelines.wizard.forms import advanced_document, format_field_mapping, parse_field_mapping
from pipelines.wizard.pickers import field_names
from pipelines.wizard.placement import issues_at
from wizard_ui import feedback, keys, session
from wizard_ui.sections.common import SettingsContext, general_issues, save, section_footer

SECTION = "advanced"


def fill(ctx: SettingsContext) -> None:
    section = ctx.config.advanced
    session.init(keys.AD_ACCOUNT_FIELDS, list(section.account_whitelisted_fields))
    session.init(keys.AD_OPPORTUNITY_FIELDS, list(section.opportunity_whitelisted_fields))
    session.init(
        keys.AD_CONTACT_ADDITIONAL, format_field_mapping(section.contact_additional_fields)
    )
    session.init(keys.AD_CONTACT_EXCLUDE, list(section.contact_exclude_fields))


def build() -> tuple[dict[str, Any], list[ConfigIssue]]:
    state = st.session_state
    mapping, problems = parse_field_mapping(str(state.get(keys.AD_CONTACT_ADDITIONAL) or ""))
    return {
        SECTION: advanced_document(
            account_whitelisted_fields=list(state.get(keys.AD_ACCOUNT_FIELDS) or []),
            opportunity_whitelisted_fields=list(state.get(keys.AD_OPPORTUNITY_FIELDS) or []),
            contact_additional_fields=mapping,
            contact_exclude_fields=list(state.get(keys.AD_CONTACT_EXCLUDE) or []),
        )
    }, problems


def _fields(label: str, key: str, object_name: str, ctx: SettingsContext) -> None:
    chosen = list(st.session_state.get(key) or [])
    options = field_names(ctx.catalog, object_name)
    options += [c for c in chosen if c not in options]
    st.multiselect(label, options, key=key, persist_state=keys.PERSIST)


def draw(ctx: SettingsContext) -> None:
    fill(ctx)
    issues = session.section_issues(SECTION)
    st.caption(
        "Trim what is pulled on large orgs, or bring extra Contact fields in. Fields the "
        "configuration itself needs (filters, owners, ARR and renewal) are always pulled."
    )
    _fields(
        "Account whitelisted fields (empty: every field)", keys.AD_ACCOUNT_FIELDS, "Account", ctx
    )
    feedback.show_issues(issues_at(issues, SECTION, "account_whitelisted_fields"))
    _fields(
        "Opportunity whitelisted fields (empty: every field)",
        keys.AD_OPPORTUNITY_FIELDS,
        "Opportunity",
        ctx,
    )
    feedback.show_issues(issues_at(issues, SECTION, "opportunity_whitelisted_fields"))
    st.text_area(
        "Contact additional fields (one per line: ContactField: Custom field name)",
        key=keys.AD_CONTACT_ADDITIONAL,
        persist_state=keys.PERSIST,
        placeholder="Preferred_Language__c: Preferred language",
        height=90,
    )
    feedback.show_issues(issues_at(issues, SECTION, "contact_additional_fields"))
    _fields("Contact exclude fields", keys.AD_CONTACT_EXCLUDE, "Contact", ctx)
    feedback.show_issues(issues_at(issues, SECTION, "contact_exclude_fields"))
    general_issues(
        SECTION,
        [
            (SECTION, f)
            for f in (
                "account_whitelisted_fields",
                "opportunity_whitelisted_fields",
                "contact_additional_fields",
                "contact_exclude_fields",
            )
        ],
    )
    section_footer(
        SECTION, keys.AD_COMMENT, keys.AD_SAVE, lambda: save(SECTION, build, keys.AD_COMMENT)
    )
