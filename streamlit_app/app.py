"""sfsync's admin wizard: ``sfsync ui`` (or ``streamlit run streamlit_app/app.py``).

The entry point every rerun goes through: the sign-in gate, the sidebar, the navigation, and a
last line of defence that turns any unexpected error into a message instead of a traceback.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import streamlit as st

# The pages import the helpers next to this file (wizard_ui), however the app was started.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from wizard_ui import gate, keys, session  # noqa: E402

log = logging.getLogger("sfsync.ui")

st.set_page_config(page_title="sfsync", page_icon=":material/sync:", layout="wide")

PAGES = {
    "Salesforce": [
        st.Page(
            "app_pages/connection.py",
            title="Connection",
            icon=":material/link:",
            url_path="connection",
        ),
        st.Page(
            "app_pages/settings.py",
            title="Settings",
            icon=":material/tune:",
            default=True,  # served at the app's root URL
        ),
        st.Page(
            "app_pages/sync_jobs.py",
            title="Sync jobs",
            icon=":material/history:",
            url_path="sync-jobs",
        ),
        st.Page("app_pages/data.py", title="Data", icon=":material/table:", url_path="data"),
    ]
}

signed_in = gate.admin_signed_in()
# Navigation is declared on every run, signed in or not, and the requested page always runs: its
# first line (gate.require_admin) draws the sign-in instead of the page for anyone else, so a
# deep link survives signing in.
page = st.navigation(PAGES, position="sidebar" if signed_in else "hidden")
if signed_in:
    with st.sidebar:
        st.text_input(
            "Saving as",
            value=session.default_author(),
            key=keys.AUTHOR,
            help="Recorded as the author of the config versions you save.",
        )
        st.button("Sign out", key=keys.LOGOUT, on_click=gate.sign_out)
try:
    page.run()
except Exception:
    log.exception("the %s page failed", page.title)
    st.error(
        "Something went wrong while drawing this page. Reload it; if this keeps happening, "
        "the details are in the terminal running `sfsync ui`.",
        icon=":material/error:",
    )
