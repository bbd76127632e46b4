"""Settings: the config source badge, the Sync Job card, the seven sections, JSON and history."""

from __future__ import annotations

import streamlit as st
from wizard_ui import feedback, keys, session
from wizard_ui.gate import require_admin
from wizard_ui.sections import (
    account_filtering,
    advanced,
    arr_renewal,
    custom_objects,
    history,
    job_card,
    owner_mapping,
    support_cases,
    writeback,
)
from wizard_ui.sections.common import context, show_flash

require_admin()

SECTIONS = (
    ("1. Account Filtering", account_filtering),
    ("2. Owner Mapping", owner_mapping),
    ("3. ARR & Renewal", arr_renewal),
    ("4. Custom Objects", custom_objects),
    ("5. Support Cases", support_cases),
    ("6. Advanced", advanced),
    ("7. Sync to Salesforce", writeback),
)

st.title("Salesforce settings")
ctx = context()
session.sync_forms(ctx.source)
feedback.badge(ctx.source)
# Fixed containers: what appears and disappears inside them never moves the sections below,
# so an expander an admin opened stays open across reruns.
with st.container():
    show_flash("error")
job_card.draw()

# A section's form is drawn only while its expander is open (what it holds is kept while it
# is closed), so the page stays light however large the org's schema is.
for title, module in SECTIONS:
    section = st.expander(
        title,
        expanded=module is account_filtering,
        key=keys.row_key(keys.EXPANDER, module.SECTION),
        on_change="rerun",
    )
    with section:
        if section.open:
            if session.section_issues(module.SECTION):
                st.warning("This section needs attention: see the messages below.")
            module.draw(ctx)

history.draw_json(ctx)
past = st.expander("Configuration history", key=keys.HISTORY_EXPANDER, on_change="rerun")
with past:
    if past.open:
        history.draw_history(ctx)
