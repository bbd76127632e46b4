"""Helpers of the wizard tests (a module of its own name, so the whole suite collects together).

``open_app`` opens the app in ``streamlit.testing.v1.AppTest`` signed in as the admin, on a
page; ``authorize`` answers the sandbox org's OAuth approval page as its admin user would.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
APP_DIR = REPO / "streamlit_app"
APP = APP_DIR / "app.py"
if str(APP_DIR) not in sys.path:
    sys.path.insert(0, str(APP_DIR))

from wizard_ui import keys  # noqa: E402

REDIRECT = "http://localhost:8501/connection"
ADMIN = ("admin@sandbox.local", "sandbox")


SECTIONS = (
    "account_filtering",
    "owner_mapping",
    "arr",
    "custom_objects",
    "support_cases",
    "advanced",
    "writeback",
)


def open_app(
    page: str | None = None, *, signed_in: bool = True, open_sections: bool = True
) -> AppTest:
    """The app in AppTest, run once, then on ``app_pages/<page>.py`` when given.

    ``open_sections``: every Settings section and the history are expanded, as if the admin
    had clicked them open (their forms are drawn only while open).
    """
    at = AppTest.from_file(str(APP), default_timeout=90)
    if signed_in:
        at.session_state[keys.SK_ADMIN] = True
    if open_sections:
        for section in SECTIONS:
            at.session_state[keys.row_key(keys.EXPANDER, section)] = True
        at.session_state[keys.HISTORY_EXPANDER] = True
    at.run()
    if page is not None:
        at.switch_page(f"app_pages/{page}.py").run()
    return at


def authorize(sandbox_base_url: str, authorize_url: str) -> dict[str, str]:
    """Approve access on the org's page as the admin user; the query the org redirects with."""
    params = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    page = requests.get(authorize_url, timeout=30)
    page.raise_for_status()
    form = {**params, "username": ADMIN[0], "password": ADMIN[1], "action": "allow"}
    answer = requests.post(
        f"{sandbox_base_url}/services/oauth2/authorize",
        data=form,
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
