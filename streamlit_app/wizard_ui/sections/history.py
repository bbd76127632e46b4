"""The Settings page's footer: Show JSON, the version history, diff, and rollback."""

from __future__ import annotations

import streamlit as st

from pipelines.config.compare import pretty_json
from pipelines.wizard.saving import rollback, version_diff, version_rows
from wizard_ui import keys, session
from wizard_ui.sections.common import SettingsContext, safe, show_flash

SECTION = "history"


@safe
def ask_rollback() -> None:
    st.session_state[keys.SK_CONFIRM_ROLLBACK] = st.session_state.get(keys.HIST_ACTIVATE_VERSION)


@safe
def cancel_rollback() -> None:
    st.session_state.pop(keys.SK_CONFIRM_ROLLBACK, None)


@safe
def confirm_rollback(version: int) -> None:
    st.session_state.pop(keys.SK_CONFIRM_ROLLBACK, None)
    result = rollback(session.store(), version)
    if result.version is not None:
        # The forms refill from the newly active version on the next run (sync_forms).
        session.flash(SECTION, f"Version {version} is active again.")
    else:
        details = "; ".join(str(i) for i in result.issues[:3])
        session.flash(SECTION, f"!Not activated: {result.problem}. {details}".strip())


def draw_json(ctx: SettingsContext) -> None:
    if st.toggle("Show JSON", key=keys.SHOW_JSON, help="The configuration in force, as stored"):
        st.caption(f"Source: {ctx.source}")
        st.code(pretty_json(ctx.config.to_document()), language="json")


def draw_history(ctx: SettingsContext) -> None:
    show_flash(SECTION)
    rows = version_rows(ctx.store)
    if not rows:
        st.caption("No version saved yet: the first Save Configuration creates version 1.")
        return
    st.dataframe(
        [
            {
                "Version": f"v{r.version}",
                "Active": "yes" if r.active else "",
                "Saved at": r.created_at[:19].replace("T", " ") + " UTC",
                "Author": r.author,
                "Comment": r.comment,
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
    )
    numbers = [r.version for r in rows]
    if len(numbers) > 1:
        st.markdown("**Compare two versions**")
        old_col, new_col = st.columns(2)
        session.init(keys.HIST_DIFF_OLD, numbers[1])
        session.init(keys.HIST_DIFF_NEW, numbers[0])
        old = old_col.selectbox(
            "From", numbers, key=keys.HIST_DIFF_OLD, format_func=lambda v: f"v{v}"
        )
        new = new_col.selectbox(
            "To", numbers, key=keys.HIST_DIFF_NEW, format_func=lambda v: f"v{v}"
        )
        diff = version_diff(ctx.store, int(old), int(new))
        if diff.changes:
            st.code("\n".join(diff.changes), language=None)
            st.code(diff.text, language="diff")
        else:
            st.caption("The two versions are identical.")
    st.markdown("**Activate an older version (rollback)**")
    inactive = [r.version for r in rows if not r.active]
    if not inactive:
        st.caption("There is no other version to activate.")
        return
    pick, button = st.columns([2, 1], vertical_alignment="bottom")
    pick.selectbox(
        "Version", inactive, key=keys.HIST_ACTIVATE_VERSION, format_func=lambda v: f"v{v}"
    )
    button.button("Activate…", key=keys.HIST_ACTIVATE, on_click=ask_rollback)
    pending = st.session_state.get(keys.SK_CONFIRM_ROLLBACK)
    if pending is not None:
        st.warning(
            f"Activate version {pending}? It becomes the configuration in force (the newer "
            "versions stay in the history). The next sync job applies it."
        )
        yes, no, _ = st.columns([1, 1, 3])
        yes.button(
            f"Yes, activate v{pending}",
            key=keys.HIST_CONFIRM,
            type="primary",
            on_click=confirm_rollback,
            args=(int(pending),),
        )
        no.button("Cancel", key=keys.HIST_CANCEL, on_click=cancel_rollback)
