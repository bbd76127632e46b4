"""3. ARR & Renewal: per metric none, a direct Account field, or an aggregation of child records."""

from __future__ import annotations

from typing import Any

import streamlit as st

from pipelines.config.issues import ConfigIssue
from pipelines.wizard import previews
from pipelines.wizard.forms import MetricForm, metric_document, metric_form
from pipelines.wizard.live_previews import AggregationPreview
from pipelines.wizard.pickers import (
    aggregatable_objects,
    is_date_field,
    lookups_to,
    metric_fields,
    order_fields,
    with_current,
)
from pipelines.wizard.placement import issues_at
from wizard_ui import feedback, keys, session
from wizard_ui.keys import row_key
from wizard_ui.sections.common import SettingsContext, general_issues, save, section_footer

SECTION = "arr"  # the section key issues of both metrics are grouped under
METRICS = {"arr": "ARR", "renewal": "Renewal date"}
MODES = {"none": "None", "direct": "Direct field", "aggregation": "Custom field aggregation"}
FUNCTIONS = {"arr": ["sum", "max", "latest"], "renewal": ["max", "latest"]}
INFER = ""


def k(base: str, metric: str) -> str:
    return row_key(base, metric)


def fill(ctx: SettingsContext) -> None:
    for metric in METRICS:
        form = metric_form(ctx.config.arr if metric == "arr" else ctx.config.renewal)
        session.init(k(keys.MT_MODE, metric), form.mode)
        session.init(k(keys.MT_DIRECT_FIELD, metric), form.direct_field or "")
        session.init(k(keys.MT_OBJECT, metric), form.object or "")
        session.init(k(keys.MT_FIELD, metric), form.field or "")
        session.init(k(keys.MT_FUNCTION, metric), form.function or "")
        session.init(k(keys.MT_FILTER, metric), form.filter or "")
        session.init(k(keys.MT_ACCOUNT_FIELD, metric), form.account_field or INFER)
        session.init(k(keys.MT_ORDER_BY, metric), form.order_by or "")


def form_of(metric: str) -> MetricForm:
    state = st.session_state
    return MetricForm(
        mode=str(state.get(k(keys.MT_MODE, metric), "none")),
        direct_field=state.get(k(keys.MT_DIRECT_FIELD, metric)) or None,
        object=state.get(k(keys.MT_OBJECT, metric)) or None,
        field=state.get(k(keys.MT_FIELD, metric)) or None,
        function=state.get(k(keys.MT_FUNCTION, metric)) or None,
        filter=state.get(k(keys.MT_FILTER, metric)) or None,
        account_field=state.get(k(keys.MT_ACCOUNT_FIELD, metric)) or None,
        order_by=state.get(k(keys.MT_ORDER_BY, metric)) or None,
    )


def sections() -> dict[str, Any]:
    return {metric: metric_document(form_of(metric)) for metric in METRICS}


def build() -> tuple[dict[str, Any], list[ConfigIssue]]:
    return sections(), []


def _choice(label: str, key: str, options: list[str], blank: str, **kwargs: Any) -> str:
    """A selectbox whose stored value is kept valid when its options change."""
    current = st.session_state.get(key) or ""
    listed = ["", *with_current(options, current or None)]
    return str(
        st.selectbox(
            label,
            listed,
            key=key,
            format_func=lambda v: v or blank,
            persist_state=keys.PERSIST,
            **kwargs,
        )
        or ""
    )


def draw(ctx: SettingsContext) -> None:
    fill(ctx)
    issues = session.section_issues(SECTION)
    st.caption("How each account's ARR and renewal date are found.")
    columns = st.columns(2, border=True)
    for column, (metric, label) in zip(columns, METRICS.items(), strict=True):
        with column:
            _metric(ctx, metric, label, issues)
    general_issues(
        SECTION,
        [
            (m, f)
            for m in METRICS
            for f in ("mode", "field", "object", "function", "filter", "account_field", "order_by")
        ],
    )
    section_footer(
        SECTION, keys.MT_COMMENT, keys.MT_SAVE, lambda: save(SECTION, build, keys.MT_COMMENT)
    )


def _metric(ctx: SettingsContext, metric: str, label: str, issues: list[ConfigIssue]) -> None:
    st.markdown(f"**{label}**")
    mode = st.radio(
        f"{label} source",
        list(MODES),
        format_func=MODES.__getitem__,
        key=k(keys.MT_MODE, metric),
        persist_state=keys.PERSIST,
    )
    kind = "a number" if metric == "arr" else "a date"
    if mode == "direct":
        _choice(
            f"Account field holding {kind}",
            k(keys.MT_DIRECT_FIELD, metric),
            metric_fields(ctx.catalog, "Account", metric),
            "— choose a field —",
        )
        feedback.show_issues(issues_at(issues, metric, "field"))
    elif mode == "aggregation":
        obj = _choice(
            "Object", k(keys.MT_OBJECT, metric), aggregatable_objects(ctx.catalog), "— choose —"
        )
        feedback.show_issues(issues_at(issues, metric, "object"))
        field = _choice(
            f"Field ({kind})",
            k(keys.MT_FIELD, metric),
            metric_fields(ctx.catalog, obj, metric) if obj else [],
            "— choose a field —",
        )
        feedback.show_issues(issues_at(issues, metric, "field"))
        function = _choice(
            "Aggregation", k(keys.MT_FUNCTION, metric), FUNCTIONS[metric], "— sum, max or latest —"
        )
        feedback.show_issues(issues_at(issues, metric, "function"))
        if obj:
            feedback.soql_box(
                f"Filter (SOQL WHERE on {obj}, optional)",
                k(keys.MT_FILTER, metric),
                obj,
                ctx.catalog,
                issues_at(issues, metric, "filter"),
                placeholder="IsClosed = true AND IsWon = true",
            )
            _choice(
                "Lookup to Account",
                k(keys.MT_ACCOUNT_FIELD, metric),
                lookups_to(ctx.catalog, obj, "Account"),
                "— the only lookup to Account —",
            )
            feedback.show_issues(issues_at(issues, metric, "account_field"))
            if function == "latest" and field and not is_date_field(ctx.catalog, obj, field):
                _choice(
                    "Latest by",
                    k(keys.MT_ORDER_BY, metric),
                    order_fields(ctx.catalog, obj),
                    "— CreatedDate —",
                )
                feedback.show_issues(issues_at(issues, metric, "order_by"))
    if mode != "none":
        if st.button(
            "Preview aggregation" if mode == "aggregation" else "Preview",
            key=k(keys.MT_PREVIEW, metric),
            icon=":material/visibility:",
        ):
            _run_preview(ctx, metric)
        _show_preview(metric)


def _run_preview(ctx: SettingsContext, metric: str) -> None:
    draft = ctx.draft(**sections())
    name = f"metric:{metric}"
    if draft is None:
        session.previews()[name] = "Fix the errors above first."
        return
    try:
        session.previews()[name] = previews.aggregation_preview(
            session.home(), draft, ctx.catalog, metric
        )
    except previews.PreviewUnavailable as why:
        session.previews()[name] = str(why)


def _show_preview(metric: str) -> None:
    result = session.shown_preview(f"metric:{metric}", AggregationPreview)
    if result is None:
        return
    source = "the connected org (live)" if result.source == "org" else "the synced data"
    st.caption(f"{METRICS[metric]} = {result.description}, from {source}")
    st.dataframe(
        [
            {"Account": a.account_name, METRICS[metric]: a.value, "Records": len(a.records)}
            for a in result.accounts
        ],
        hide_index=True,
        width="stretch",
    )
    behind = [{"Account": a.account_name, **r} for a in result.accounts for r in a.records]
    if behind:
        st.markdown("The records behind these values")
        st.dataframe(behind, hide_index=True, width="stretch")
    for note in result.notes:
        st.caption(note)
