"""Connection: Connected / Not connected, Connect (OAuth web-server flow), Disconnect."""

from __future__ import annotations

import html
import os

import streamlit as st
from wizard_ui import keys, session
from wizard_ui.gate import require_admin

from pipelines.wizard.connection import (
    ConnectionFailed,
    ConnectionSettings,
    ConnectionStatus,
    begin_authorization,
    check_connection,
    complete_authorization,
    connection_status,
    disconnect,
    stored_settings,
)
from pipelines.wizard.dlt_secrets import SecretsFileError, read_credentials

require_admin()

REDIRECT_ENV = "SFSYNC_UI_URL"


def redirect_uri() -> str:
    """Where the org sends the browser back: this page, as the browser sees it."""
    url = st.context.url
    if url:
        return url.split("?", 1)[0]
    base = os.environ.get(REDIRECT_ENV, "http://localhost:8501").rstrip("/")
    return f"{base}/connection"


def finish_redirect() -> None:
    """The org's answer in the query string: exchange the code, then clean the URL."""
    params = st.query_params
    state = params.get("state")
    if not state or not (params.get("code") or params.get("error")):
        return
    try:
        status = complete_authorization(
            session.home(),
            str(state),
            params.get("code"),
            error=params.get("error"),
            error_description=params.get("error_description"),
        )
        org = status.org_name or status.instance_url
        st.session_state[keys.SK_CONN_MESSAGE] = ("success", f"Connected to {org}.")
    except (ConnectionFailed, SecretsFileError) as err:
        st.session_state[keys.SK_CONN_MESSAGE] = ("error", f"Not connected: {err}")
    st.session_state.pop(keys.SK_AUTH_URL, None)
    st.query_params.clear()


def show_message() -> None:
    message = st.session_state.pop(keys.SK_CONN_MESSAGE, None)
    if message:
        kind, text = message
        (st.success if kind == "success" else st.error)(text)


def show_status(status: ConnectionStatus) -> None:
    if status.connected:
        st.markdown(":green-badge[Connected]")
        facts = {
            "Org": status.org_name or "unknown (click Check connection)",
            "User": (
                f"{status.user_name} ({status.username})"
                if status.user_name and status.username
                else status.username or "unknown"
            ),
            "Instance": status.instance_url or "unknown",
            "Login URL": status.login_url or "",
            "Connected at": (status.connected_at or "").replace("T", " ").replace("Z", " UTC"),
        }
        st.table(
            {"": list(facts.keys()), "Value": list(facts.values())},
            hide_header=True,
            hide_index=True,
        )
        if "refresh_token" in read_credentials():
            st.caption(
                f"The refresh token is stored in {status.secrets_file} (readable only by you)."
            )
        else:
            st.caption(f"Credentials set in {status.secrets_file} or the environment.")
    else:
        st.markdown(":red-badge[Not connected]")
        st.caption("Connect the Salesforce org sfsync syncs from.")
    if status.env_keys:
        names = ", ".join(f"SOURCES__SALESFORCE__CREDENTIALS__{k.upper()}" for k in status.env_keys)
        st.warning(
            f"{names} {'is' if len(status.env_keys) == 1 else 'are'} set in the environment and "
            "take precedence over what is stored here when sync jobs run."
        )


def connect_form() -> None:
    stored = stored_settings()
    session.init(keys.CONN_LOGIN_URL, stored.login_url)
    session.init(keys.CONN_CLIENT_ID, stored.client_id)
    st.text_input(
        "Login URL",
        key=keys.CONN_LOGIN_URL,
        help="https://login.salesforce.com, https://test.salesforce.com, your My Domain URL, "
        "or the local sandbox org (sfsync sandbox start).",
    )
    st.text_input("Client id (consumer key)", key=keys.CONN_CLIENT_ID)
    st.text_input(
        "Client secret (consumer secret)",
        key=keys.CONN_CLIENT_SECRET,
        type="password",
        placeholder="stored" if stored.client_secret else "",
        help="Leave empty to keep the stored one.",
    )
    if st.button("Connect", key=keys.CONN_CONNECT, type="primary"):
        secret = st.session_state.get(keys.CONN_CLIENT_SECRET) or stored.client_secret
        settings = ConnectionSettings(
            login_url=str(st.session_state[keys.CONN_LOGIN_URL]),
            client_id=str(st.session_state[keys.CONN_CLIENT_ID]),
            client_secret=secret,
        )
        try:
            st.session_state[keys.SK_AUTH_URL] = begin_authorization(
                session.home(), settings, redirect_uri()
            )
        except ConnectionFailed as err:
            st.error(str(err))
    url = st.session_state.get(keys.SK_AUTH_URL)
    if url:
        st.info("Sign in to Salesforce and allow access; you come back here afterwards.")
        st.markdown(
            f'<a href="{html.escape(url)}" target="_self" id="sfsync-authorize">'
            "Continue to Salesforce sign-in →</a>",
            unsafe_allow_html=True,
        )


def connected_actions() -> None:
    left, right, _ = st.columns([1, 1, 4])
    if left.button("Check connection", key=keys.CONN_CHECK):
        try:
            status = check_connection(session.home())
            st.session_state[keys.SK_CONN_MESSAGE] = (
                "success",
                f"The connection works: {status.org_name or status.instance_url}.",
            )
        except (ConnectionFailed, SecretsFileError) as err:
            st.session_state[keys.SK_CONN_MESSAGE] = ("error", str(err))
        st.rerun()
    if right.button("Disconnect", key=keys.CONN_DISCONNECT):
        st.session_state[keys.SK_CONFIRM_DISCONNECT] = True
    if st.session_state.get(keys.SK_CONFIRM_DISCONNECT):
        st.warning(
            "Disconnect? The refresh token is revoked and removed; sync jobs stop working "
            "until you connect again. The synced data and the configuration stay."
        )
        yes, no, _ = st.columns([1, 1, 4])
        if yes.button("Yes, disconnect", key=keys.CONN_DISCONNECT_YES, type="primary"):
            try:
                disconnect(session.home())
                if connection_status(session.home()).connected:
                    st.session_state[keys.SK_CONN_MESSAGE] = (
                        "error",
                        "Still connected: the credentials come from SOURCES__SALESFORCE__"
                        "CREDENTIALS__* environment variables (or were set by hand in the secrets "
                        "file); remove them there to disconnect.",
                    )
                else:
                    st.session_state[keys.SK_CONN_MESSAGE] = ("success", "Disconnected.")
            except SecretsFileError as err:
                st.session_state[keys.SK_CONN_MESSAGE] = ("error", str(err))
            st.session_state.pop(keys.SK_CONFIRM_DISCONNECT, None)
            st.rerun()
        if no.button("Cancel", key=keys.CONN_CANCEL):
            st.session_state.pop(keys.SK_CONFIRM_DISCONNECT, None)
            st.rerun()


st.title("Salesforce connection")
finish_redirect()
show_message()
try:
    current = connection_status(session.home())
except SecretsFileError as err:
    st.error(str(err))
    st.stop()
show_status(current)
if current.connected:
    connected_actions()
else:
    connect_form()
