"""Previews asked live of the sandbox org, checked against the org's own data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipelines.config import IntegrationConfig, builtin_catalog, load_config_file
from pipelines.config.store import default_config_path
from pipelines.wizard.live_previews import aggregate
from pipelines.wizard.previews import (
    NOT_CONNECTED,
    PreviewUnavailable,
    aggregation_preview,
    case_preview,
    filter_preview,
)

TYPED = {
    "mode": "typed",
    "typed_filters": [
        {
            "type": "Customer",
            "filter": "Type IN ('Customer', 'Customer - Direct', 'Customer - Channel')",
        },
        {"type": "Prospect", "filter": "Type = 'Prospect' OR Industry = 'Energy'"},
    ],
}


def config(**sections: Any) -> IntegrationConfig:
    return IntegrationConfig.model_validate({"account_filtering": TYPED, **sections})


def org_rows(org: Any, sql: str) -> list[tuple[Any, ...]]:
    return org.rows(
        sql.replace("{account}", org.store.table("Account")).replace(
            "{opportunity}", org.store.table("Opportunity")
        )
    )


def test_without_a_connection_previews_say_what_to_do(home: Path) -> None:
    with pytest.raises(PreviewUnavailable) as why:
        filter_preview(home, config(), builtin_catalog())
    assert str(why.value) == NOT_CONNECTED


def test_filter_preview_counts_types_first_match_wins(
    home: Path, connected: Any, sandbox_org: Any
) -> None:
    result = filter_preview(home, config(), builtin_catalog())
    customers, prospects = (
        org_rows(
            sandbox_org,
            "select count(*) from {account} where not is_deleted and type in "
            "('Customer', 'Customer - Direct', 'Customer - Channel')",
        )[0][0],
        org_rows(
            sandbox_org,
            "select count(*) from {account} where not is_deleted and "
            "coalesce(type, '') not in ('Customer', 'Customer - Direct', 'Customer - Channel') "
            "and (type = 'Prospect' or industry = 'Energy')",
        )[0][0],
    )
    total = org_rows(sandbox_org, "select count(*) from {account} where not is_deleted")[0][0]
    assert [(t.type, t.count) for t in result.types] == [
        ("Customer", customers),
        ("Prospect", prospects),
    ]
    assert result.total_accounts == total
    assert result.unmatched == total - customers - prospects
    assert all(len(t.samples) == min(5, t.count) for t in result.types)
    assert {s["Type"] for s in result.types[0].samples} <= {
        "Customer",
        "Customer - Direct",
        "Customer - Channel",
    }
    assert result.source == "org"


def test_arr_aggregation_shows_the_records_behind_each_value(
    home: Path, connected: Any, sandbox_org: Any
) -> None:
    arr = {
        "mode": "aggregation",
        "object": "Opportunity",
        "field": "Amount",
        "function": "sum",
        "filter": "IsClosed = true AND IsWon = true",
    }
    result = aggregation_preview(home, config(arr=arr), builtin_catalog(), "arr")
    assert len(result.accounts) == 5
    assert result.description.startswith("sum of Opportunity.Amount where IsClosed = true")
    for account in result.accounts:
        assert account.records, "samples are accounts that have closed-won opportunities"
        expected = org_rows(
            sandbox_org,
            f"select sum(amount) from {{opportunity}} where account_id = '{account.account_id}' "
            "and is_closed and is_won and not is_deleted",
        )[0][0]
        assert account.value == pytest.approx(float(expected))
        assert all(r["AccountId"] == account.account_id for r in account.records)


def test_direct_renewal_and_latest_contract_date(home: Path, connected: Any) -> None:
    direct = aggregation_preview(
        home,
        config(renewal={"mode": "direct", "field": "Contract_End_Date__c"}),
        builtin_catalog(),
        "renewal",
    )
    assert direct.accounts and all(a.value is not None for a in direct.accounts)
    latest = aggregation_preview(
        home,
        config(
            renewal={
                "mode": "aggregation",
                "object": "Contract",
                "field": "EndDate",
                "function": "latest",
            }
        ),
        builtin_catalog(),
        "renewal",
    )
    for account in latest.accounts:
        assert account.value == max(r["EndDate"] for r in account.records)


def test_an_aggregation_that_does_not_validate_is_not_sent(home: Path, connected: Any) -> None:
    bad = {"mode": "aggregation", "object": "Opportunity", "field": "CloseDate", "function": "sum"}
    with pytest.raises(PreviewUnavailable, match="fix ARR first"):
        aggregation_preview(home, config(arr=bad), builtin_catalog(), "arr")
    with pytest.raises(PreviewUnavailable, match="set to None"):
        aggregation_preview(home, config(), builtin_catalog(), "arr")


def test_case_preview_has_five_recent_cases_with_their_thread(home: Path, connected: Any) -> None:
    default = load_config_file(default_config_path())
    result = case_preview(home, default, builtin_catalog())
    assert len(result.cases) == 5
    created = [c.case["CreatedDate"] for c in result.cases]
    assert created == sorted(created, reverse=True)
    assert any(c.thread for c in result.cases)
    for sample in result.cases:
        assert all(m["text"] for m in sample.thread)
    emails = default.model_copy(
        update={
            "support_cases": default.support_cases.model_copy(
                update={"conversation_source": "EmailMessage", "filter": "Priority = 'High'"}
            )
        }
    )
    result = case_preview(home, emails, builtin_catalog())
    assert all(c.case["Priority"] == "High" for c in result.cases)


def test_case_preview_needs_cases_on(home: Path, connected: Any) -> None:
    with pytest.raises(PreviewUnavailable, match="turn Support Cases on"):
        case_preview(home, config(), builtin_catalog())


@pytest.mark.parametrize(
    ("function", "expected"),
    [("sum", 6.0), ("max", 3), ("latest", 1)],
)
def test_aggregate(function: str, expected: float) -> None:
    records = [
        {"v": 2, "at": "2024-01-01"},
        {"v": 3, "at": "2024-02-01"},
        {"v": 1, "at": "2024-03-01"},
        {"v": None, "at": "2024-04-01"},
    ]
    assert aggregate(function, records, "v", "at") == expected
    assert aggregate(function, [], "v", "at") is None


# ---------------------------------------------------------------------------- after a sync


@pytest.fixture
def synced(home: Path, connected: Any) -> Path:
    """The sandbox org extracted into this test's warehouse (previews read its raw tables)."""
    from pipelines.jobs import run_job

    job = run_job(home)
    assert job.status == "Completed", job.sync_message
    return home


def test_after_a_sync_previews_read_the_warehouse_and_agree_with_the_org(synced: Path) -> None:
    from pipelines.wizard import live_previews
    from pipelines.wizard.org_queries import org_client

    cfg = config()
    from_warehouse = filter_preview(synced, cfg, builtin_catalog())
    from_org = live_previews.filter_preview(org_client(synced), cfg, builtin_catalog())
    assert from_warehouse.source == "warehouse"
    assert [(t.type, t.count) for t in from_warehouse.types] == [
        (t.type, t.count) for t in from_org.types
    ]
    assert from_warehouse.total_accounts == from_org.total_accounts

    arr = {
        "mode": "aggregation",
        "object": "Opportunity",
        "field": "Amount",
        "function": "sum",
        "filter": "IsClosed = true AND IsWon = true",
    }
    aggregated = aggregation_preview(synced, config(arr=arr), builtin_catalog(), "arr")
    assert aggregated.source == "warehouse" and len(aggregated.accounts) == 5
    for account in aggregated.accounts:
        if account.records:
            assert account.value == pytest.approx(sum(r["Counted as"] for r in account.records))

    cases = case_preview(synced, load_config_file(default_config_path()), builtin_catalog())
    assert cases.source == "warehouse" and len(cases.cases) == 5
    assert any(c.sentiment in {"positive", "neutral", "negative"} for c in cases.cases)


def test_while_a_job_holds_the_warehouse_previews_ask_the_org(
    synced: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    from pipelines.wizard.warehouse import BUSY, warehouse_path

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "time.sleep(120)",
            str(warehouse_path(synced)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = filter_preview(synced, config(), builtin_catalog())
        assert result.source == "org"
        assert (
            result.notes[0]
            == "the synced data is being refreshed, so this preview asked the org live"
        )
        monkeypatch.setenv("DLT_PROJECT_DIR", str(synced / "elsewhere"))  # no connection here
        with pytest.raises(PreviewUnavailable) as why:
            filter_preview(synced, config(), builtin_catalog())
        assert str(why.value) == BUSY
    finally:
        holder.kill()
        holder.wait()
