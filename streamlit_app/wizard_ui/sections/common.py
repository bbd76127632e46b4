"""What the Settings sections share: the context they draw from, Save Configuration, previews."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from pipelines.config import ConfigStore, IntegrationConfig
from pipelines.config.issues import ConfigIssue
from pipelines.soql.catalog import Catalog
from pipelines.wizard.connection import ConnectionFailed
from pipelines.wizard.forms import base_document, draft_config, replace_sections
from pipelines.wizard.org_queries import api_validator
from pipelines.wizard.placement import issues_by_section
from pipelines.wizard.saving import save_sections
from wizard_ui import feedback, keys, session

log = logging.getLogger("sfsync.ui")


@dataclass(frozen=True)
class SettingsContext:
    store: ConfigStore
    catalog: Catalog
    config: IntegrationConfig  # the config in force (an empty one when Not Configured)
    base: dict[str, Any]  # its document, what each section's save starts from
    source: str

    def draft(self, **sections: Any) -> IntegrationConfig | None:
        """The config in force with these sections as the forms hold them (for previews)."""
        return draft_config(replace_sections(self.base, **sections))


def context() -> SettingsContext:
    store = session.store()
    current = store.current()
    config = current.config or IntegrationConfig()
    return SettingsContext(
        store, session.catalog(), config, base_document(config), current.source.label
    )


def safe(callback: Callable[..., None]) -> Callable[..., None]:
    """Callbacks run before the page; an error in one becomes a message, not a traceback."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            callback(*args, **kwargs)
        except Exception as exc:
            log.exception("callback %s failed", callback.__name__)
            session.flash("error", f"That did not work: {exc}")

    return run


@safe
def save(
    section: str,
    build: Callable[[], tuple[dict[str, Any], list[ConfigIssue]]],
    comment_key: str,
) -> None:
    """Save Configuration of one section (a button callback).

    ``build()`` returns the section(s) as the form holds them and the problems the form itself
    found; the whole config is validated and nothing is saved if anything is wrong.
    """
    ctx = context()
    sections, form_issues = build()
    document = replace_sections(ctx.base, **sections)
    run_query = None
    if document.get("account_filtering", {}).get("validate_with_api"):
        try:
            run_query = api_validator(session.home())
        except ConnectionFailed:
            run_query = None
    result = save_sections(
        ctx.store,
        ctx.base,
        sections,
        author=session.author(),
        comment=str(st.session_state.get(comment_key) or ""),
        extra_issues=form_issues,
        run_query=run_query,
    )
    if result.version is not None:
        session.set_issues({})
        session.mark_saved(f"Database (v{result.version.version})")
        session.flash(section, f"Saved as version {result.version.version}.")
        st.session_state.pop(comment_key, None)
    elif result.unchanged:
        session.set_issues({})
        session.flash(section, "Nothing changed: this is already the active configuration.")
    else:
        grouped = issues_by_section(result.issues)
        session.set_issues(grouped)
        for name in grouped:
            # Open every section with a problem, so its messages show next to its fields.
            st.session_state[keys.row_key(keys.EXPANDER, name)] = True
        count = len(result.issues)
        elsewhere = sorted(s for s in grouped if s not in (section, ""))
        where = f" (also in: {', '.join(elsewhere)})" if elsewhere else ""
        session.flash(
            section,
            f"!Not saved: {count} problem{'s' if count != 1 else ''}{where}. "
            "See the messages next to the fields.",
        )


def section_footer(
    section: str, comment_key: str, save_key: str, on_save: Callable[[], None]
) -> None:
    """The comment box, Save Configuration, and the result of the last save of this section."""
    comment_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
    comment_col.text_input(
        "Comment (optional)",
        key=comment_key,
        placeholder="why this change, for the history",
        persist_state=keys.PERSIST,
    )
    button_col.button("Save Configuration", key=save_key, type="primary", on_click=on_save)
    show_flash(section)


def show_flash(section: str) -> None:
    message = session.take_flash(section)
    if not message:
        return
    if message.startswith("!"):
        st.error(message[1:], icon=":material/error:")
    elif message.startswith("Nothing changed"):
        st.info(message)
    else:
        feedback.flash(message)


def general_issues(section: str, placed: list[tuple[str | int, ...]]) -> None:
    """Issues of ``section`` that no field of the form shows (e.g. about the section as a whole)."""
    from pipelines.wizard.placement import unplaced

    feedback.show_issues(unplaced(session.section_issues(section), placed))
