"""Sync jobs: the job history, rows per object, API calls, messages; rows and duration per job."""

from __future__ import annotations

import streamlit as st
from wizard_ui import session
from wizard_ui.gate import require_admin

from pipelines.wizard.jobs_view import job_rows_per_object, jobs_chart, jobs_table

require_admin()

st.title("Sync jobs")
rows = jobs_table(session.home())
if not rows:
    st.info("No sync job has run yet. Start one with Run Sync Job on the Settings page.")
    st.stop()

chart = jobs_chart(session.home())
if chart:
    left, right = st.columns(2)
    with left:
        st.markdown("**Rows loaded per job**")
        per_object = job_rows_per_object(session.home())
        if per_object:
            st.bar_chart(per_object, x="job", y="rows", color="object", sort=False)
        else:
            st.bar_chart(chart, x="job", y="rows", sort=False)
    with right:
        st.markdown("**Duration per job (seconds)**")
        st.bar_chart(chart, x="job", y="duration_s", color="status", sort=False)

st.dataframe(
    rows,
    hide_index=True,
    width="stretch",
    column_config={
        "Message": st.column_config.TextColumn(width="large"),
        "Rows per object": st.column_config.TextColumn(width="large"),
    },
)
