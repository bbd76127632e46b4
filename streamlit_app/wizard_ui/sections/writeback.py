"""7. Sync to Salesforce: write-back mappings, the push step, a dry run, Push now, the last
push."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from pipelines.config.issues import ConfigIssue
from pipelines.wizard.placement import issues_at
from pipelines.wizard.push_now import push_now, push_status
from pipelines.wizard.writeback_form import (
    CONFLICT_POLICIES,
    TRANSPORTS,
    MappingForm,
    ModelChoices,
    field_choices,
    field_label,
    field_row_issues,
    mapping_forms,
    model_choices,
    object_choices,
    writeback_document,
)
from pipelines.wizard.writeback_view import (
    DryRunUnavailable,
    DryRunView,
    dry_run_view,
    last_push_view,
)
from pipelines.writeback.warehouse import warehouse_path
from wizard_ui import feedback, keys, session
from wizard_ui.keys import row_key
from wizard_ui.sections.common import SettingsContext, general_issues, safe, save, section_footer

SECTION = "writeback"
PREVIEW = "writeback"
BLANK = ""
POLL_SECONDS = 2
STATUS_COLORS = {"Running": "blue", "Completed": "green", "Failed": "red"}
MAPPING_FIELDS = ("model", "object", "id_column", "fields", "conflict_policy")
# Up to this many rows a result is a static table (all of it on the page), beyond it a grid.
STATIC_ROWS = 20


def _set_mapping(row: int, form: MappingForm) -> None:
    state = st.session_state
    state[row_key(keys.WB_MODEL, row)] = form.model
    state[row_key(keys.WB_OBJECT, row)] = form.object
    state[row_key(keys.WB_ID_COLUMN, row)] = form.id_column
    state[row_key(keys.WB_POLICY, row)] = form.conflict_policy
    field_rows = []
    for column, target in form.fields:
        field_row = session.next_row_id()
        state[row_key(keys.WB_COLUMN, field_row)] = column
        state[row_key(keys.WB_FIELD, field_row)] = target
        field_rows.append(field_row)
    state[row_key(keys.WB_FIELD_ROWS, row)] = field_rows


def fill(ctx: SettingsContext) -> None:
    section = ctx.config.writeback
    session.init(keys.WB_ENABLED, section.enabled)
    session.init(keys.WB_TRANSPORT, section.transport)
    if keys.WB_ROWS in st.session_state:
        return
    rows = []
    for form in mapping_forms(ctx.config):
        row = session.next_row_id()
        _set_mapping(row, form)
        rows.append(row)
    st.session_state[keys.WB_ROWS] = rows


def form_mapping(row: int) -> MappingForm:
    state = st.session_state
    return MappingForm(
        model=str(state.get(row_key(keys.WB_MODEL, row)) or ""),
        object=str(state.get(row_key(keys.WB_OBJECT, row)) or ""),
        id_column=str(state.get(row_key(keys.WB_ID_COLUMN, row)) or ""),
        fields=[
            (
                str(state.get(row_key(keys.WB_COLUMN, f)) or ""),
                str(state.get(row_key(keys.WB_FIELD, f)) or ""),
            )
            for f in state.get(row_key(keys.WB_FIELD_ROWS, row), [])
        ],
        conflict_policy=str(state.get(row_key(keys.WB_POLICY, row)) or "skip"),
    )


def build() -> tuple[dict[str, Any], list[ConfigIssue]]:
    state = st.session_state
    document, issues = writeback_document(
        enabled=bool(state.get(keys.WB_ENABLED)),
        transport=str(state.get(keys.WB_TRANSPORT) or "auto"),
        mappings=[form_mapping(r) for r in state.get(keys.WB_ROWS, [])],
    )
    return {SECTION: document}, issues


@safe
def add_mapping() -> None:
    row = session.next_row_id()
    _set_mapping(row, MappingForm(fields=[("", "")]))
    st.session_state[keys.WB_ROWS] = [*st.session_state.get(keys.WB_ROWS, []), row]


@safe
def remove_mapping(row: int) -> None:
    st.session_state[keys.WB_ROWS] = [r for r in st.session_state[keys.WB_ROWS] if r != row]


@safe
def add_field(row: int) -> None:
    field_row = session.next_row_id()
    st.session_state[row_key(keys.WB_COLUMN, field_row)] = BLANK
    st.session_state[row_key(keys.WB_FIELD, field_row)] = BLANK
    key = row_key(keys.WB_FIELD_ROWS, row)
    st.session_state[key] = [*st.session_state.get(key, []), field_row]


@safe
def remove_field(row: int, field_row: int) -> None:
    key = row_key(keys.WB_FIELD_ROWS, row)
    st.session_state[key] = [f for f in st.session_state.get(key, []) if f != field_row]


def models() -> ModelChoices:
    """The built write-back models, read again only when the warehouse file changed."""
    path = warehouse_path(session.home())
    stamp = path.stat().st_mtime_ns if path.is_file() else 0
    found = _models(str(session.home()), stamp)
    if found.problem:
        _models.clear()  # try again on the next run (the job may have finished)
    return found


@st.cache_resource(show_spinner=False, max_entries=4)
def _models(home_dir: str, stamp: int) -> ModelChoices:
    return model_choices(Path(home_dir))


def _pick(
    container: Any, label: str, key: str, options: list[str], blank: str, **kwargs: Any
) -> str:
    return str(
        container.selectbox(
            label,
            [BLANK, *[o for o in options if o]],
            key=key,
            format_func=kwargs.pop("format_func", None) or (lambda v: v or blank),
            persist_state=keys.PERSIST,
            **kwargs,
        )
        or ""
    )


def draw(ctx: SettingsContext) -> None:
    fill(ctx)
    issues = session.section_issues(SECTION)
    st.caption(
        "Write values computed in the warehouse (dbt models) back to Salesforce fields. Only "
        "values that changed since the last push are sent; a field someone changed in "
        "Salesforce after sfsync wrote it is a conflict."
    )
    st.toggle(
        "Push to Salesforce at the end of every sync job",
        key=keys.WB_ENABLED,
        persist_state=keys.PERSIST,
        help="Also what `sfsync push` needs to write. The dry run below works either way.",
    )
    feedback.show_issues(issues_at(issues, SECTION, "enabled"))
    st.selectbox(
        "Transport",
        list(TRANSPORTS),
        format_func=TRANSPORTS.__getitem__,
        key=keys.WB_TRANSPORT,
        persist_state=keys.PERSIST,
    )
    feedback.show_issues(issues_at(issues, SECTION, "transport"))
    choices = models()
    if choices.problem:
        st.caption(choices.problem)
    rows = list(st.session_state[keys.WB_ROWS])
    if not rows:
        st.caption("No mappings yet.")
    for index, row in enumerate(rows):
        _draw_mapping(ctx, index, row, choices, issues)
    st.button("Add mapping", key=keys.WB_ADD, on_click=add_mapping, icon=":material/add:")
    general_issues(
        SECTION,
        [(SECTION, "mappings", i, f) for i in range(len(rows)) for f in MAPPING_FIELDS]
        + [(SECTION, "enabled"), (SECTION, "transport")],
    )
    section_footer(
        SECTION, keys.WB_COMMENT, keys.WB_SAVE, lambda: save(SECTION, build, keys.WB_COMMENT)
    )
    st.divider()
    if st.button(
        "Dry run",
        key=keys.WB_DRY_RUN,
        icon=":material/visibility:",
        help="What a push of the mappings above would change now. Sends nothing.",
    ):
        run_dry_run(ctx)
    show_dry_run()
    st.divider()
    draw_push_now()
    st.divider()
    show_last_push()


def _draw_mapping(
    ctx: SettingsContext,
    index: int,
    row: int,
    choices: ModelChoices,
    issues: list[ConfigIssue],
) -> None:
    here = issues_at(issues, SECTION, "mappings", index)
    state = st.session_state
    with st.container(border=True):
        model = str(state.get(row_key(keys.WB_MODEL, row)) or "")
        obj = str(state.get(row_key(keys.WB_OBJECT, row)) or "")
        head, remove = st.columns([5, 1], vertical_alignment="center")
        head.markdown(f"**{model or 'New mapping'} → {obj or '…'}**")
        remove.button(
            "Remove", key=row_key(keys.WB_REMOVE, row), on_click=remove_mapping, args=(row,)
        )
        left, right = st.columns(2)
        with left:
            model = _pick(
                st,
                "dbt model",
                row_key(keys.WB_MODEL, row),
                choices.names(model or None),
                "— choose a model —",
                accept_new_options=True,
            )
            feedback.show_issues(issues_at(here, SECTION, "mappings", index, "model"))
        with right:
            obj = _pick(
                st,
                "Salesforce object",
                row_key(keys.WB_OBJECT, row),
                object_choices(ctx.catalog, obj or None),
                "— choose an object —",
            )
            feedback.show_issues(issues_at(here, SECTION, "mappings", index, "object"))
        id_key = row_key(keys.WB_ID_COLUMN, row)
        left, right = st.columns(2)
        with left:
            _pick(
                st,
                f"Id column (holds {obj or 'the record'} ids)",
                id_key,
                choices.columns(model, [str(state.get(id_key) or "")]),
                "— choose a column —",
                accept_new_options=True,
            )
            feedback.show_issues(issues_at(here, SECTION, "mappings", index, "id_column"))
        with right:
            st.radio(
                "When a field was changed in Salesforce after sfsync wrote it",
                list(CONFLICT_POLICIES),
                format_func=CONFLICT_POLICIES.__getitem__,
                key=row_key(keys.WB_POLICY, row),
                persist_state=keys.PERSIST,
            )
            feedback.show_issues(issues_at(here, SECTION, "mappings", index, "conflict_policy"))
        st.markdown("Field map: warehouse column → Salesforce field")
        _draw_fields(ctx, index, row, model, obj, choices, here)


def _draw_fields(
    ctx: SettingsContext,
    index: int,
    row: int,
    model: str,
    obj: str,
    choices: ModelChoices,
    here: list[ConfigIssue],
) -> None:
    state = st.session_state
    field_rows = list(state.get(row_key(keys.WB_FIELD_ROWS, row), []))
    chosen_fields = [str(state.get(row_key(keys.WB_FIELD, f)) or "") for f in field_rows]
    chosen_columns = [str(state.get(row_key(keys.WB_COLUMN, f)) or "") for f in field_rows]
    columns = choices.columns(model, chosen_columns)
    fields = field_choices(ctx.catalog, obj or None, chosen_fields)
    placed = field_row_issues(index, form_mapping(row), here)
    for field_row, row_issues in zip(field_rows, placed.rows, strict=True):
        column_col, field_col, remove_col = st.columns([3, 3, 1], vertical_alignment="bottom")
        _pick(
            column_col,
            "Warehouse column",
            row_key(keys.WB_COLUMN, field_row),
            columns,
            "— choose a column —",
            accept_new_options=True,
            help=_column_help(choices, model),
        )
        _pick(
            field_col,
            f"Salesforce field (updateable on {obj or 'the object'})",
            row_key(keys.WB_FIELD, field_row),
            fields,
            "— choose a field —",
            format_func=lambda v: field_label(ctx.catalog, obj, v) if v else "— choose a field —",
        )
        remove_col.button(
            "Remove",
            key=row_key(keys.WB_FIELD_REMOVE, field_row),
            on_click=remove_field,
            args=(row, field_row),
        )
        feedback.show_issues(row_issues)
    # Issues about the field map as a whole (e.g. no field at all), or a column no row holds.
    feedback.show_issues(placed.rest)
    st.button(
        "Add field",
        key=row_key(keys.WB_FIELD_ADD, row),
        on_click=add_field,
        args=(row,),
        icon=":material/add:",
    )


def _column_help(choices: ModelChoices, model: str) -> str | None:
    """The model's columns with their types (the picker lists names, which is what is saved)."""
    typed = [
        f"{column} ({choices.column_type(model, column)})" for column in choices.columns(model)
    ]
    return f"Columns of {model}: {', '.join(typed)}" if typed else None


def run_dry_run(ctx: SettingsContext) -> None:
    sections, _ = build()
    draft = ctx.draft(**sections)
    if draft is None:
        session.previews()[PREVIEW] = (
            "The mappings are not complete yet: Save Configuration shows what to fix next to "
            "each field."
        )
        return
    try:
        session.previews()[PREVIEW] = dry_run_view(session.home(), draft, ctx.catalog)
    except DryRunUnavailable as why:
        session.previews()[PREVIEW] = str(why)


def show_dry_run() -> None:
    result = session.shown_preview(PREVIEW, DryRunView)
    if result is None:
        return
    st.info(result.headline, icon=":material/visibility:")
    for m in result.mappings:
        if m.issues:
            st.markdown(f"**{m.label}**: not pushed until fixed")
            feedback.show_issues(m.issues)
        else:
            how = f" via {m.transport} (about {m.api_calls} API calls)" if m.transport else ""
            st.markdown(
                f"**{m.label}**: {m.to_send} to update{how}, {m.unchanged} unchanged, "
                f"{m.conflicts} with conflicts"
            )
        for note in m.notes:
            st.caption(note)
    feedback.show_issues(result.issues)
    if result.changes:
        _table(result.changes, "wb-dry-run-changes")
    if result.conflicts:
        st.markdown("**Conflicts** (changed in Salesforce after sfsync wrote them)")
        _table(result.conflicts, "wb-dry-run-conflicts")


@safe
def start_push() -> None:
    started = push_now(session.home())
    st.session_state[keys.SK_PUSH_MESSAGE] = (
        "info" if started.job_id else "error",
        started.message,
    )
    if started.job_id:
        # The same key as Run Sync Job's: whichever card sees the job end redraws the page once.
        st.session_state[keys.SK_WATCHED_JOB] = started.job_id


def draw_push_now() -> None:
    status = push_status(session.home())
    st.button(
        "Push now",
        key=keys.WB_PUSH,
        type="primary",
        disabled=status.busy,
        on_click=start_push,
        icon=":material/cloud_upload:",
        help="Push the saved configuration's mappings now, as a job of its own (kind push, "
        "on the Sync jobs page). It runs in its own process; this page stays usable.",
    )
    message = st.session_state.pop(keys.SK_PUSH_MESSAGE, None)
    if message:
        kind, text = message
        (st.info if kind == "info" else st.error)(text)
    # While the push runs, its status redraws itself every few seconds without blocking.
    st.fragment(_push_job, run_every=POLL_SECONDS if status.running else None)()


def _push_job() -> None:
    status = push_status(session.home())
    card = status.card
    if card is None or card.job is None:
        st.caption("No push job has run yet.")
        return
    job = card.job
    st.markdown(f":{STATUS_COLORS.get(job.status, 'gray')}-badge[{job.status}] {card.headline}")
    st.caption(status.facts)
    if job.status == "Failed" and job.sync_message:
        st.error(job.sync_message)
    elif job.sync_message:
        st.caption("  \n".join(job.sync_message.splitlines()))  # one line per mapping
    watched = st.session_state.get(keys.SK_WATCHED_JOB)
    if watched == job.job_id and not card.running:
        # The push this session started has ended: redraw the page (the last push below).
        st.session_state.pop(keys.SK_WATCHED_JOB, None)
        st.rerun()


def show_last_push() -> None:
    st.markdown("**Last push**")
    view = last_push_view(session.home())
    if view is None:
        st.caption("No push has run yet.")
        return
    color = {"Completed": "green", "Failed": "red", "Running": "blue"}.get(view.status, "gray")
    st.markdown(f":{color}-badge[{view.status}] {view.headline}")
    st.markdown(f"{view.sent} sent · {view.failed} failed · {view.conflicted} conflicts")
    if view.counts:
        _table(view.counts, "wb-push-counts")
    if view.message:
        st.caption(view.message)
    if view.failures:
        st.markdown("**Failed records** (Salesforce's error)")
        _table(view.failures, "wb-push-failures")
    if view.conflicts:
        st.markdown("**Conflicts kept as Salesforce has them**")
        _table(view.conflicts, "wb-push-conflicts")


def _table(rows: list[dict[str, Any]], key: str) -> None:
    if len(rows) <= STATIC_ROWS:
        st.table(rows, hide_index=True)
    else:
        st.dataframe(rows, hide_index=True, width="stretch", key=key)
