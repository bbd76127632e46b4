"""Per-run context of the pages: where sfsync's state is, the config store, the schema catalog,
and the session-state chores (filling forms from the config in force, resetting them)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st

from pipelines.config import ConfigStore, load_catalog, sfsync_home
from pipelines.config.catalogs import describe_catalog_path
from pipelines.config.issues import ConfigIssue
from pipelines.soql.catalog import Catalog
from wizard_ui import keys

T = TypeVar("T")


def home() -> Path:
    return sfsync_home()


def store() -> ConfigStore:
    return ConfigStore(home())


def catalog() -> Catalog:
    """The org's schema: the synced describe, else the built-in catalog (cached until the
    describe file changes)."""
    path = describe_catalog_path(home())
    stamp = path.stat().st_mtime_ns if path.is_file() else 0
    return _catalog(str(home()), stamp)


@st.cache_resource(show_spinner=False, max_entries=4)
def _catalog(home_dir: str, stamp: int) -> Catalog:
    return load_catalog(home_dir)


def author() -> str:
    """Who saves: the signed-in user's e-mail with OIDC, else the name typed in the sidebar."""
    user = _oidc_email()
    if user:
        return user
    name = st.session_state.get(keys.AUTHOR)
    return str(name).strip() if name and str(name).strip() else _os_user()


def default_author() -> str:
    return _oidc_email() or _os_user()


def sync_forms(source_label: str) -> None:
    """Refill every form from the config in force when it changed under us (a rollback, or a
    save in another browser tab); unsaved edits stay while the config in force is the same."""
    if st.session_state.get(keys.SK_LOADED_SOURCE) != source_label:
        reset_forms()
        st.session_state[keys.SK_LOADED_SOURCE] = source_label


def reset_forms() -> None:
    for key in [k for k in st.session_state if str(k).startswith(keys.FORM_PREFIX)]:
        del st.session_state[key]
    st.session_state.pop(keys.SK_ISSUES, None)


def mark_saved(source_label: str) -> None:
    """After this session's own save: the forms already hold what was saved."""
    st.session_state[keys.SK_LOADED_SOURCE] = source_label


def init(key: str, value: Any) -> None:
    """Give a widget its first value (from the config) without fighting Streamlit over it."""
    if key not in st.session_state:
        st.session_state[key] = value


def section_issues(section: str) -> list[ConfigIssue]:
    found: dict[str, list[ConfigIssue]] = st.session_state.get(keys.SK_ISSUES, {})
    return list(found.get(section, []))


def set_issues(grouped: dict[str, list[ConfigIssue]]) -> None:
    st.session_state[keys.SK_ISSUES] = grouped


def flash(section: str, message: str | None) -> None:
    messages: dict[str, str] = st.session_state.setdefault(keys.SK_FLASH, {})
    if message is None:
        messages.pop(section, None)
    else:
        messages[section] = message


def take_flash(section: str) -> str | None:
    messages: dict[str, str] = st.session_state.get(keys.SK_FLASH, {})
    return messages.pop(section, None)


def previews() -> dict[str, Any]:
    found: dict[str, Any] = st.session_state.setdefault(keys.SK_PREVIEWS, {})
    return found


def shown_preview(key: str, kind: type[T]) -> T | None:
    """The preview stored under ``key`` when it is a ``kind`` to draw. A message stored instead
    (why there is no preview) is shown here and None returned, as it is when there is none."""
    result = previews().get(key)
    if isinstance(result, str):
        st.info(result)
        return None
    if result is None:
        return None
    assert isinstance(result, kind)
    return result


def next_row_id() -> int:
    value = int(st.session_state.get(keys.SK_NEXT_ROW, 0))
    st.session_state[keys.SK_NEXT_ROW] = value + 1
    return value


def _oidc_email() -> str | None:
    try:
        if st.user.is_logged_in:
            email = st.user.get("email")
            return str(email) if email else None
    except Exception:  # st.user without an [auth] configuration
        return None
    return None


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "admin"
