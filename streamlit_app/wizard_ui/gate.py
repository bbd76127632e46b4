"""The sign-in gate every page is behind (the policy itself is :mod:`pipelines.wizard.access`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from pipelines.wizard.access import AccessPolicy, access_policy
from pipelines.wizard.connection import is_pending
from wizard_ui import keys, session


def secrets_document() -> dict[str, Any]:
    """``st.secrets`` as a plain dict (empty when the app has no secrets file)."""
    try:
        return _plain(st.secrets)
    except Exception:  # no .streamlit/secrets.toml: Streamlit raises on first access
        return {}


def admin_signed_in() -> bool:
    """True when this session is an admin (draws nothing)."""
    if st.session_state.get(keys.SK_ADMIN):
        return True
    if _returning_from_org():
        st.session_state[keys.SK_ADMIN] = True
        return True
    policy = access_policy(secrets_document())
    if policy.method == "oidc" and st.user.is_logged_in:
        email = st.user.get("email")
        if policy.accepts_identity(str(email) if email else None):
            st.session_state[keys.SK_ADMIN] = True
            return True
    return False


def require_admin() -> None:
    """First line of every page: a page never draws for anyone but an admin, however it runs."""
    if not admin_signed_in():
        sign_in()
        st.stop()


def sign_in() -> None:
    """Draw the sign-in: the password form, the identity provider's button, or how to set up."""
    policy = access_policy(secrets_document())
    if policy.method == "oidc":
        _oidc()
    elif policy.method == "unconfigured":
        st.title("sfsync")
        st.error(policy.setup_hint, icon=":material/lock:")
    else:
        _password(policy)


def sign_out() -> None:
    st.session_state.pop(keys.SK_ADMIN, None)
    if access_policy(secrets_document()).method == "oidc":
        st.logout()


def _password(policy: AccessPolicy) -> None:
    st.title("sfsync admin")
    st.caption("Sign in to configure the Salesforce sync.")
    with st.form("sign-in"):
        given = st.text_input("Admin password", type="password", key=keys.LOGIN_PASSWORD)
        submitted = st.form_submit_button("Sign in", key=keys.LOGIN_SUBMIT, type="primary")
    if submitted:
        if policy.accepts_password(given):
            st.session_state[keys.SK_ADMIN] = True
            st.rerun()
        st.error("That is not the admin password.", icon=":material/lock:")


def _oidc() -> None:
    st.title("sfsync admin")
    if not st.user.is_logged_in:
        st.caption("Sign in with your organisation's account to configure the Salesforce sync.")
        st.button("Sign in", on_click=st.login, type="primary")
        return
    email = st.user.get("email")
    st.error(f"{email or 'This account'} is not an sfsync admin.", icon=":material/lock:")
    st.button("Sign out", on_click=st.logout)


def _returning_from_org() -> bool:
    """The browser that started Connect, coming back from the org's approval page."""
    state = st.query_params.get("state")
    return bool(state) and is_pending(session.home(), str(state))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
