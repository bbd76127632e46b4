"""The marts, built by dbt under every scenario, against the oracle's rows; and the previews of
the same configs against the same expectations. The warehouse of each scenario is synced from
the fixture org by the real extractor over the sandbox's HTTP API, with the scenario's config.

One dbt build per scenario (module-scoped fixture), many assertions on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from transform_compare import assert_rows_match, same
from transform_fixtures import (
    FixtureOrg,
    build_warehouse,
    columns_of,
    extract_warehouse,
    read_table,
)
from transform_oracle import Expected, expected_marts
from transform_scenarios import SCENARIOS, TYPED_SUM, Scenario

from pipelines.config import compile_to_dbt_vars, load_catalog, parse_config
from pipelines.transform import (
    BuildResult,
    preview_aggregation,
    preview_cases,
    preview_filter,
    run_dbt_build,
)
from pipelines.transform.sentiment import SupportSentiment

MARTS = (
    "companies",
    "account_owners",
    "people",
    "opportunities",
    "related_records",
    "support_activities",
    "support_messages",
)


@dataclass
class Built:
    scenario: Scenario
    org: FixtureOrg
    home: Path
    result: BuildResult
    expected: Expected
    compiled: dict[str, Any]
    rewritten: dict[str, int]

    def mart(self, name: str) -> list[dict[str, Any]]:
        return read_table(self.home, name)


@pytest.fixture(scope="module", params=SCENARIOS, ids=str)
def built(
    request: pytest.FixtureRequest,
    fixture_orgs: dict[str, FixtureOrg],
    scorer: SupportSentiment,
    tmp_path_factory: pytest.TempPathFactory,
) -> Built:
    scenario: Scenario = request.param
    org = fixture_orgs[scenario.org]
    home = tmp_path_factory.mktemp(scenario.id)
    if scenario.org == "multicurrency":
        build_warehouse(org, home)  # see transform_fixtures: the sandbox cannot serve it yet
    else:
        extract_warehouse(org, home, scenario.config)
    # One scenario also runs the project's dbt unit tests (they do not depend on the data).
    result = run_dbt_build(home, config=scenario.config, unit_tests=scenario is TYPED_SUM)
    assert result.success, result.error_message()
    # A second build, as the next sync runs it: the incremental marts compare what they would
    # write with what they hold, under this scenario's config. The marts are checked after it.
    written = {mart: _written_at(home, mart) for mart in MARTS}
    again = run_dbt_build(home, config=scenario.config)
    assert again.success, again.error_message()
    rewritten = {
        mart: sum(1 for key, at in _written_at(home, mart).items() if written[mart].get(key) != at)
        for mart in MARTS
    }
    compiled = compile_to_dbt_vars(parse_config(scenario.config), load_catalog(home))
    expected = expected_marts(org.rows, scenario, scorer)
    return Built(scenario, org, home, result, expected, compiled, rewritten)


def _written_at(home: Path, mart: str) -> dict[Any, Any]:
    """When each row of ``mart`` was last written, by its key (all columns but the time)."""
    rows = read_table(home, mart)
    return {
        tuple(v for k, v in row.items() if k != "sfsync_updated_at"): row["sfsync_updated_at"]
        for row in rows
    }


# ---------------------------------------------------------------------------- the build


def test_every_node_of_the_build_passes(built: Built) -> None:
    kinds = {n.resource_type for n in built.result.nodes}
    assert {"model", "seed", "test"} <= kinds
    assert not built.result.failed
    models = {n.name for n in built.result.nodes if n.resource_type == "model"}
    assert set(MARTS) <= models
    assert built.result.config_source == "Unsaved"
    if built.scenario is TYPED_SUM:
        unit_tests = [n for n in built.result.nodes if n.resource_type == "unit_test"]
        assert len(unit_tests) >= 10
        assert all(n.status == "pass" for n in unit_tests)


def test_a_build_with_nothing_new_rewrites_no_row_of_the_incremental_marts(built: Built) -> None:
    incremental = set(MARTS) - {"account_owners"}  # a narrow table, rebuilt every time
    assert {mart: n for mart, n in built.rewritten.items() if mart in incremental} == dict.fromkeys(
        incremental, 0
    )


def test_every_mart_records_the_config_it_was_built_from(built: Built) -> None:
    for mart in MARTS:
        for row in built.mart(mart):
            assert row["sfsync_config_hash"] == built.compiled["sfsync_config_hash"], mart


# ---------------------------------------------------------------------------- marts


def test_companies(built: Built) -> None:
    assert_rows_match(
        "companies", built.mart("companies"), built.expected.companies, lambda r: r["account_id"]
    )


def test_companies_keep_the_whitelisted_account_fields(built: Built) -> None:
    columns = set(columns_of(built.home, "companies"))
    kept = built.scenario.account_kept
    if kept is None:
        # every Account column passes through, under its staged name
        assert {"type", "industry", "owner_id", "created_at", "system_modstamp"} <= columns
    else:
        assert set(kept) <= columns
    for dropped in built.scenario.account_dropped:
        assert dropped not in columns
    for dropped in built.scenario.opportunity_dropped:
        assert dropped not in set(columns_of(built.home, "opportunities"))


def test_account_owners(built: Built) -> None:
    assert_rows_match(
        "account_owners",
        built.mart("account_owners"),
        built.expected.account_owners,
        lambda r: (r["account_id"], r["owner_type"]),
    )


def test_people(built: Built) -> None:
    rows = built.mart("people")
    assert_rows_match("people", rows, built.expected.people, lambda r: r["contact_id"])
    columns = set(columns_of(built.home, "people"))
    for excluded in built.scenario.contact_excluded:
        assert excluded not in columns, f"excluded contact field {excluded} is in people"
    for people_column in built.scenario.contact_additional.values():
        assert people_column in columns


def test_opportunities(built: Built) -> None:
    assert_rows_match(
        "opportunities",
        built.mart("opportunities"),
        built.expected.opportunities,
        lambda r: r["opportunity_id"],
    )


def test_related_records(built: Built) -> None:
    rows = built.mart("related_records")
    assert_rows_match(
        "related_records", rows, built.expected.related_records, lambda r: r["record_id"]
    )
    columns_by_object = {
        co["object"]: co["columns"] for co in built.compiled["sfsync_custom_objects"]
    }
    for row in rows:
        record = built.expected.related_records[row["record_id"]]["_record"]
        fields = json.loads(row["fields"])
        listed = columns_by_object[row["object_name"]]
        expected_keys = {
            c for c in (listed if listed is not None else record) if c not in ("id", "is_deleted")
        }
        assert set(fields) == expected_keys
        for column, value in fields.items():
            raw = record[column]
            if hasattr(raw, "isoformat") and not hasattr(raw, "hour"):
                raw = raw.isoformat()
            if hasattr(raw, "hour"):
                continue  # timestamps: JSON text in DuckDB's format
            assert same(value, raw), f"{row['record_id']}.{column}: {value!r} != {raw!r}"


def test_support_activities(built: Built) -> None:
    assert_rows_match(
        "support_activities",
        built.mart("support_activities"),
        built.expected.support_activities,
        lambda r: r["case_id"],
    )


def test_support_messages(built: Built) -> None:
    assert_rows_match(
        "support_messages",
        built.mart("support_messages"),
        built.expected.support_messages,
        lambda r: r["message_id"],
    )


# ---------------------------------------------------------------------------- previews


def test_preview_filter_counts_and_samples_what_the_build_synced(built: Built) -> None:
    preview = preview_filter(built.scenario.config, built.home, sample_size=3)
    companies = built.expected.companies.values()
    assert [t.company_type for t in preview.types] == [t for t, _ in built.scenario.account_types]
    for t in preview.types:
        of_type = sorted(
            (c for c in companies if c["company_type"] == t.company_type),
            key=lambda c: (c["account_name"] is None, c["account_name"] or "", c["account_id"]),
        )
        assert t.count == len(of_type)
        assert [s.account_id for s in t.samples] == [c["account_id"] for c in of_type[:3]]
    assert preview.synced_accounts == len(built.expected.companies)
    assert preview.total_accounts == len(built.org.rows.live("account"))


@pytest.mark.parametrize("metric", ["arr", "renewal"])
def test_preview_aggregation_matches_the_marts(built: Built, metric: str) -> None:
    preview = preview_aggregation(built.scenario.config, metric, built.home)
    spec = built.scenario.arr if metric == "arr" else built.scenario.renewal
    value_column = "arr" if metric == "arr" else "renewal_date"
    assert preview.mode == spec.mode
    assert preview.source_label == spec.label
    assert len(preview.accounts) == min(5, len(built.expected.companies))
    used = built.expected.metric_records[metric]
    has_records = {a for a in built.expected.companies if used.get(a)}
    # accounts with records come first
    with_records = [a.account_id in has_records for a in preview.accounts]
    assert with_records == sorted(with_records, reverse=True)
    for account in preview.accounts:
        company = built.expected.companies[account.account_id]
        assert account.company_type == company["company_type"]
        assert same(account.value, company[value_column])
        assert account.record_count == company[f"{metric}_record_count"]
        if spec.mode == "aggregation":
            expected_ids = {r["record_id"] for r in used.get(account.account_id, [])}
            assert {r.record_id for r in account.records} == expected_ids
            if spec.function in ("max", "latest") and account.records:
                chosen = [r for r in account.records if r.is_chosen]
                assert len(chosen) == 1 and same(chosen[0].value, account.value)


def test_preview_cases_shows_matching_cases_with_threads(built: Built) -> None:
    preview = preview_cases(built.scenario.config, built.home, sample_size=2)
    activities = built.expected.support_activities
    assert preview.enabled == built.scenario.cases.enabled
    assert preview.matching_cases == len(activities)
    newest = sorted(
        activities,
        key=lambda case_id: (built.org.rows.by_id("case")[case_id]["created_date"], case_id),
        reverse=True,
    )
    assert [c.case_id for c in preview.cases] == newest[:2]
    messages = built.expected.support_messages
    for case in preview.cases:
        want = activities[case.case_id]
        assert same(case.sentiment_score, want["sentiment_score"])
        assert case.sentiment_label == want["sentiment_label"]
        thread = sorted(
            (m for m in messages.values() if m["case_id"] == case.case_id),
            key=lambda m: m["message_position"],
        )
        assert [m.message_id for m in case.thread] == [m["message_id"] for m in thread]
        for got, expected in zip(case.thread, thread, strict=True):
            assert got.direction == expected["direction"]
            assert got.message_position == expected["message_position"]
            assert same(got.sentiment_score, expected["sentiment_score"])
