"""Data: what was synced: companies by type with ARR, renewal and owners; related records;
support activities with sentiment; charts; CSV download."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st
from wizard_ui import keys, session
from wizard_ui.gate import require_admin

from pipelines.wizard.data_view import companies_csv, load_companies, load_related, load_support
from pipelines.wizard.warehouse import WarehouseBusy, WarehouseUnavailable, warehouse_path

require_admin()

ALL_TYPES = ""


def warehouse_stamp() -> tuple[int, int]:
    """Changes whenever a sync job writes the warehouse: what the cached reads are keyed on."""
    path = warehouse_path(session.home())
    stamps = [
        (f.stat().st_mtime_ns, f.stat().st_size) for f in (path, Path(f"{path}.wal")) if f.exists()
    ]
    return (max(s[0] for s in stamps), sum(s[1] for s in stamps)) if stamps else (0, 0)


@st.cache_data(max_entries=32, show_spinner=False)
def companies(
    home: str, stamp: tuple[int, int], account_type: str | None, search: str | None
) -> Any:
    return load_companies(home, account_type=account_type, search=search)


@st.cache_data(max_entries=4, show_spinner=False)
def related(home: str, stamp: tuple[int, int]) -> Any:
    return load_related(home)


@st.cache_data(max_entries=4, show_spinner=False)
def support(home: str, stamp: tuple[int, int]) -> Any:
    return load_support(home)


def csv_for(account_type: str | None) -> Callable[[], bytes]:
    """The CSV, built only when the button is clicked (it reads every company)."""
    home = session.home()

    def build() -> bytes:
        try:
            return companies_csv(home, account_type=account_type)
        except WarehouseUnavailable as why:
            return f"{why}\n".encode()

    return build


st.title("Synced data")
account_type = st.session_state.get(keys.DATA_TYPE) or None
search = st.session_state.get(keys.DATA_SEARCH) or None
try:
    home, stamp = str(session.home()), warehouse_stamp()
    view = companies(home, stamp, account_type, search)
    st.session_state[keys.SK_LAST_DATA] = (account_type, search, view)
except WarehouseBusy as why:
    last = st.session_state.get(keys.SK_LAST_DATA)
    if last is None or last[:2] != (account_type, search):
        st.info(str(why), icon=":material/hourglass_top:")
        st.stop()
    st.info(
        "The data is being refreshed by a sync job: this is what was synced before it started.",
        icon=":material/hourglass_top:",
    )
    view = last[2]
except WarehouseUnavailable as why:
    st.info(str(why), icon=":material/hourglass_top:")
    st.stop()

if not view.types.empty:
    columns = st.columns(len(view.types))
    for column, row in zip(columns, view.types.to_dict("records"), strict=True):
        arr = row.get("Total ARR")
        column.metric(
            str(row["Type"]),
            f"{int(row['Companies']):,} companies",
            f"ARR {arr:,.0f}" if arr is not None and arr == arr else None,  # NaN: no ARR
            delta_color="off",
            delta_arrow="off",
            border=True,
        )

# Each tab reads the warehouse (and draws) only while it is the one shown.
tab_companies, tab_charts, tab_related, tab_support = st.tabs(
    ["Companies", "Charts", "Related records", "Support activities"],
    key=keys.DATA_TABS,
    on_change="rerun",
)

with tab_companies:
    if tab_companies.open:
        types = [ALL_TYPES, *[str(t) for t in view.types.get("Type", [])]]
        pick, find, download = st.columns([1, 2, 1], vertical_alignment="bottom")
        pick.selectbox("Type", types, key=keys.DATA_TYPE, format_func=lambda v: v or "All types")
        find.text_input("Search by name", key=keys.DATA_SEARCH)
        download.download_button(
            "Download CSV",
            csv_for(account_type),
            file_name=f"companies{'-' + account_type.lower() if account_type else ''}.csv",
            mime="text/csv",
            key=keys.DATA_DOWNLOAD,
            icon=":material/download:",
            on_click="ignore",
        )
        shown = len(view.companies)
        more = f" (first {shown:,} shown)" if shown < view.companies_total else ""
        st.caption(f"{view.companies_total:,} companies{more}")
        st.dataframe(view.companies, hide_index=True, width="stretch")

with tab_charts:
    if tab_charts.open:
        left, right = st.columns(2)
        with left:
            st.markdown("**ARR by type**")
            if view.arr_by_type.empty:
                st.caption("No ARR values (ARR is set to None, or not synced yet).")
            else:
                st.bar_chart(view.arr_by_type, x="Type", y="ARR")
        with right:
            st.markdown("**Renewals by month**")
            if view.renewals_by_month.empty:
                st.caption("No renewal dates.")
            else:
                st.bar_chart(view.renewals_by_month, x="Month", y="Renewals", sort=False)
        st.markdown("**Case sentiment over time**")
        try:
            sentiment = support(home, stamp).sentiment_over_time
        except WarehouseUnavailable as why:
            st.info(str(why))
        else:
            if sentiment.empty:
                st.caption("No support cases with sentiment (turn Support Cases on, then sync).")
            else:
                st.bar_chart(sentiment, x="Month", y="Cases", color="Sentiment", sort=False)

with tab_related:
    if tab_related.open:
        try:
            found = related(home, stamp)
        except WarehouseUnavailable as why:
            st.info(str(why))
        else:
            if found.note:
                st.caption(found.note)
            elif found.records.empty:
                st.caption("No related records.")
            else:
                st.dataframe(found.summary, hide_index=True)
                st.dataframe(found.records, hide_index=True, width="stretch")

with tab_support:
    if tab_support.open:
        try:
            cases = support(home, stamp)
        except WarehouseUnavailable as why:
            st.info(str(why))
        else:
            if cases.note:
                st.caption(cases.note)
            elif cases.activities.empty:
                st.caption("No support activities.")
            else:
                st.dataframe(cases.activities, hide_index=True, width="stretch")
