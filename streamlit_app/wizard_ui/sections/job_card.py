"""The Sync Job card: the latest job, Run Sync Job, and the periodic schedule."""

from __future__ import annotations

import streamlit as st

from pipelines.wizard.connection import connection_status
from pipelines.wizard.jobs_view import job_card, run_sync, save_schedule, schedule_text
from wizard_ui import keys, session
from wizard_ui.sections.common import safe

POLL_SECONDS = 2
DEFAULT_EVERY = "1d"  # CRM syncs are daily by default
STATUS_COLORS = {"Running": "blue", "Completed": "green", "Failed": "red"}


@safe
def start_job() -> None:
    result = run_sync(session.home())
    st.session_state[keys.SK_JOB_MESSAGE] = ("info" if result.job_id else "error", result.message)
    if result.job_id:
        st.session_state[keys.SK_WATCHED_JOB] = result.job_id


@safe
def store_schedule() -> None:
    try:
        text = save_schedule(
            session.home(),
            bool(st.session_state.get(keys.JOB_SCHEDULE_ON)),
            str(st.session_state.get(keys.JOB_SCHEDULE_EVERY) or ""),
        )
        st.session_state[keys.SK_JOB_MESSAGE] = ("success", text)
    except ValueError as err:
        st.session_state[keys.SK_JOB_MESSAGE] = ("error", f"Schedule not saved: {err}")


def draw() -> None:
    with st.container(border=True):
        st.subheader("Sync Job")
        running = job_card(session.home()).running
        # While a job runs, the card redraws itself every few seconds without blocking the page.
        st.fragment(_card, run_every=POLL_SECONDS if running else None)()
        st.button(
            "Run Sync Job",
            key=keys.JOB_RUN,
            type="primary",
            disabled=running,
            on_click=start_job,
            icon=":material/play_arrow:",
            help="Bootstrap (everything) until one job has completed, then periodic (changes "
            "only). The job runs in its own process; this page stays usable.",
        )
        if not connection_status(session.home()).connected:
            st.warning(
                "No Salesforce org is connected: a sync job fails until you connect one on the "
                "Connection page.",
                icon=":material/link_off:",
            )
        message = st.session_state.pop(keys.SK_JOB_MESSAGE, None)
        if message:
            kind, text = message
            {"info": st.info, "error": st.error, "success": st.success}[kind](text)
        _schedule()


def _card() -> None:
    card = job_card(session.home())
    watched = st.session_state.get(keys.SK_WATCHED_JOB)
    if card.job is not None:
        color = STATUS_COLORS.get(card.job.status, "gray")
        st.markdown(f":{color}-badge[{card.job.status}] {card.headline}")
        if card.facts:
            st.table(
                {"": list(card.facts.keys()), "Value": list(card.facts.values())},
                hide_header=True,
                hide_index=True,
            )
        if card.job.sync_message:
            (st.error if card.job.status == "Failed" else st.caption)(card.job.sync_message)
        if watched == card.job.job_id and not card.running:
            # The job this session started has ended: redraw the whole page (marts, badge).
            st.session_state.pop(keys.SK_WATCHED_JOB, None)
            st.rerun()
        if card.running:
            st.session_state[keys.SK_WATCHED_JOB] = card.job.job_id
    else:
        st.markdown(card.headline)


def _schedule() -> None:
    stored = schedule_text(session.home())
    session.init(keys.JOB_SCHEDULE_ON, stored is not None)
    session.init(keys.JOB_SCHEDULE_EVERY, stored or DEFAULT_EVERY)
    on, every, button = st.columns([2, 2, 1], vertical_alignment="bottom")
    on.toggle("Periodic sync jobs", key=keys.JOB_SCHEDULE_ON)
    every.text_input(
        "Every", key=keys.JOB_SCHEDULE_EVERY, help="e.g. 30m, 6h, 1d; run by `sfsync schedule`"
    )
    button.button("Save schedule", key=keys.JOB_SCHEDULE_SAVE, on_click=store_schedule)
    st.caption(
        f"Schedule: every {stored}, run by `sfsync schedule`." if stored else "Schedule: off."
    )
