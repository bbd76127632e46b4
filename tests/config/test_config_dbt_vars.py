"""compile_to_dbt_vars: the contract's shape, and its SQL run against real DuckDB raw tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from config_fixtures import CTX, DEFAULT_YAML, config_with

from pipelines.config import (
    IntegrationConfig,
    InvalidConfigError,
    compile_to_dbt_vars,
    fields_to_extract,
    load_config_file,
    resolve_config,
    write_dbt_vars,
)
from pipelines.soql.catalog import Catalog

SCHEMA = "salesforce"

RAW_TABLES = f"""
CREATE SCHEMA {SCHEMA};
CREATE TABLE {SCHEMA}."user" (id VARCHAR, name VARCHAR, is_active BOOLEAN);
INSERT INTO {SCHEMA}."user" VALUES ('u1', 'Ada', true), ('u2', 'Bob', false);
CREATE TABLE {SCHEMA}.account (
    id VARCHAR, name VARCHAR, type VARCHAR, owner_id VARCHAR, csm_c VARCHAR,
    annual_revenue DOUBLE, industry VARCHAR, contract_end_date_c DATE
);
INSERT INTO {SCHEMA}.account VALUES
    ('a1', 'Acme',    'Customer - Direct',  'u1', 'u2', 5000000, 'Energy',  '2026-01-31'),
    ('a2', 'Beta',    'customer',           'u2', NULL, 200000,  'Retail',  NULL),
    ('a3', 'Gamma',   'Prospect',           'u1', NULL, 2000000, 'Energy',  NULL),
    ('a4', 'Delta',   'Technology Partner', 'u2', NULL, NULL,    NULL,      NULL),
    ('a5', 'Epsilon', 'Other',              'u1', NULL, 10,      'Retail',  NULL),
    ('a6', 'Zeta',    NULL,                 'u1', NULL, NULL,    NULL,      NULL),
    ('a7', 'O''Brien; DROP TABLE {SCHEMA}.account; --', 'Customer', 'u1', NULL, NULL, NULL, NULL);
CREATE TABLE {SCHEMA}.opportunity (
    id VARCHAR, account_id VARCHAR, amount DOUBLE, is_won BOOLEAN, type VARCHAR,
    close_date DATE, created_date TIMESTAMPTZ
);
INSERT INTO {SCHEMA}.opportunity VALUES
    ('o1', 'a1', 100, true,  'New Business', '2025-01-10', '2024-12-01 10:00:00+00'),
    ('o2', 'a1', 50,  true,  'Renewal',      '2025-05-01', '2025-04-01 10:00:00+00'),
    ('o3', 'a1', 999, false, 'Renewal',      '2025-05-02', '2025-04-02 10:00:00+00'),
    ('o4', 'a1', 700, true,  'Renewal',      '2023-01-01', '2022-12-01 10:00:00+00'),
    ('o5', 'a2', 30,  true,  'Upsell',       '2025-03-03', '2025-03-01 10:00:00+00'),
    ('o6', 'a2', 20,  NULL,  'Renewal',      '2025-03-03', '2025-03-02 10:00:00+00'),
    ('o7', 'a3', 10,  true,  'renewal',      '2025-06-15', '2025-06-01 10:00:00+00');
CREATE TABLE {SCHEMA}.account_health_c (
    id VARCHAR, name VARCHAR, account_c VARCHAR, score_c DOUBLE, status_c VARCHAR,
    assessment_date_c DATE, created_date TIMESTAMPTZ
);
INSERT INTO {SCHEMA}.account_health_c VALUES
    ('h1', 'Q1', 'a1', 80, 'Healthy',  '2025-01-01', '2025-01-01 00:00:00+00'),
    ('h2', 'Q2', 'a1', 40, 'At Risk',  '2025-04-01', '2025-04-01 00:00:00+00'),
    ('h3', 'Q1', 'a2', 20, 'Critical', '2025-02-01', '2025-02-01 00:00:00+00');
CREATE TABLE {SCHEMA}."case" (
    id VARCHAR, account_id VARCHAR, status VARCHAR, priority VARCHAR, created_date TIMESTAMPTZ
);
INSERT INTO {SCHEMA}."case" VALUES
    ('c1', 'a1', 'New',       'High', '2025-06-01 00:00:00+00'),
    ('c2', 'a1', 'Closed',    'High', '2025-06-02 00:00:00+00'),
    ('c3', 'a2', 'Escalated', 'Low',  '2025-05-01 00:00:00+00'),
    ('c4', 'a2', 'New',       NULL,   '2025-06-10 00:00:00+00');
"""


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A real DuckDB file with raw tables named and typed the way the loader writes them."""
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    conn.execute(RAW_TABLES)
    yield conn
    conn.close()


def compile_vars(config: IntegrationConfig, catalog: Catalog, **options: Any) -> dict[str, Any]:
    return compile_to_dbt_vars(config, catalog, date_context=CTX, **options)


def classify(conn: duckdb.DuckDBPyConnection, v: dict[str, Any]) -> dict[str, str | None]:
    """What an intermediate model does with ``sfsync_account_types``: first match wins."""
    whens = " ".join(
        f"WHEN {t['condition_sql']} THEN '{t['type']}'" for t in v["sfsync_account_types"]
    )
    alias = v["sfsync_account_alias"]
    sql = f'SELECT {alias}.id, CASE {whens} END FROM "{v["sfsync_raw_schema"]}".account AS {alias}'
    return dict(conn.execute(sql).fetchall())


def test_typed_filters_classify_accounts(
    warehouse: duckdb.DuckDBPyConnection, catalog: Catalog
) -> None:
    v = compile_vars(load_config_file(DEFAULT_YAML), catalog)
    assert v["sfsync_account_filter_mode"] == "typed"
    assert [t["position"] for t in v["sfsync_account_types"]] == [1, 2, 3]
    assert classify(warehouse, v) == {
        "a1": "Customer",
        "a2": "Customer",  # SOQL compares strings case-insensitively
        "a3": "Prospect",
        "a4": "Partner",
        "a5": None,  # matches no filter: not synced
        "a6": None,
        "a7": "Customer",
    }


def test_first_matching_filter_wins(warehouse: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    config = config_with(
        account_filtering={
            "mode": "typed",
            "typed_filters": [
                {"type": "Customer", "filter": "AnnualRevenue >= 1000000"},
                {"type": "Prospect", "filter": "Type = 'Prospect' OR Industry = 'Energy'"},
            ],
        }
    )
    types = classify(warehouse, compile_vars(config, catalog))
    assert types["a3"] == "Customer"  # a Prospect, but with revenue: the first filter decides
    assert types["a1"] == "Customer"
    assert {k for k, t in types.items() if t == "Prospect"} == set()
    assert types["a2"] is None


def test_single_mode_is_one_customer_filter(
    warehouse: duckdb.DuckDBPyConnection, catalog: Catalog
) -> None:
    config = config_with(
        account_filtering={
            "mode": "single",
            "filter": "Industry = 'energy' AND Owner.IsActive = true",
        }
    )
    v = compile_vars(config, catalog)
    assert [t["type"] for t in v["sfsync_account_types"]] == ["Customer"]
    # The parent path reads the raw user table of the same schema.
    assert f'"{SCHEMA}"."user"' in v["sfsync_account_types"][0]["condition_sql"]
    types = classify(warehouse, v)
    assert {k for k, t in types.items() if t == "Customer"} == {"a1", "a3"}


def test_admin_text_never_becomes_sql_text(
    warehouse: duckdb.DuckDBPyConnection, catalog: Catalog
) -> None:
    name = "O'Brien; DROP TABLE salesforce.account; --"
    escaped = name.replace("'", "\\'")
    config = config_with(account_filtering={"mode": "single", "filter": f"Name = '{escaped}'"})
    types = classify(warehouse, compile_vars(config, catalog))
    assert {k for k, t in types.items() if t} == {"a7"}
    assert warehouse.execute(f"SELECT COUNT(*) FROM {SCHEMA}.account").fetchone() == (7,)


def test_admin_labels_arrive_as_escaped_literals(
    warehouse: duckdb.DuckDBPyConnection, catalog: Catalog
) -> None:
    label = "Exec's Sponsor'); DROP TABLE salesforce.account; --"
    config = config_with(
        owner_mapping=[{"field": "CSM__c", "owner_type": label}],
        custom_objects=[{"object": "Contract", "display_name": "Bob's Contracts"}],
    )
    v = compile_vars(config, catalog)
    (owner,) = v["sfsync_owner_mapping"]
    (contracts,) = v["sfsync_custom_objects"]
    assert owner["owner_type"] == label and owner["is_standard_type"] is False
    row = warehouse.execute(
        f"SELECT {owner['owner_type_sql']}, {contracts['display_name_sql']}"
    ).fetchone()
    assert row == (label, "Bob's Contracts")
    assert warehouse.execute(f"SELECT COUNT(*) FROM {SCHEMA}.account").fetchone() == (7,)
    # No SOQL text travels in the vars: only the SQL compiled from it.
    assert "Type = 'Customer'" not in json.dumps(v)


def test_names_come_from_the_catalog(catalog: Catalog) -> None:
    config = config_with(
        account_filtering={"mode": "single", "filter": "annualrevenue > 5 AND csm__r.name != null"},
        owner_mapping=[{"field": "csm__c", "owner_type": "CSM"}],
        arr={"mode": "direct", "field": "annualrevenue"},
        renewal={"mode": "direct", "field": "contract_end_date__c"},
    )
    v = compile_vars(config, catalog)
    condition = v["sfsync_account_types"][0]["condition_sql"]
    assert '"a"."annual_revenue"' in condition and '"a"."csm_c"' in condition
    assert v["sfsync_owner_mapping"] == [
        {
            "owner_type": "CSM",
            "owner_type_sql": "'CSM'",
            "is_standard_type": True,
            "field": "CSM__c",
            "column": "csm_c",
        }
    ]
    assert (v["sfsync_arr"]["field"], v["sfsync_arr"]["column"]) == (
        "AnnualRevenue",
        "annual_revenue",
    )
    assert v["sfsync_renewal"]["column"] == "contract_end_date_c"
    assert v["sfsync_renewal"]["source_label"] == "Account.Contract_End_Date__c"


def test_arr_sum_aggregation(warehouse: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    v = compile_vars(load_config_file(DEFAULT_YAML), catalog)
    m = v["sfsync_arr"]
    assert {
        k: m[k] for k in ("mode", "function", "table", "alias", "column", "account_column")
    } == {
        "mode": "aggregation",
        "function": "sum",
        "table": "opportunity",
        "alias": "arr_rec",
        "column": "amount",
        "account_column": "account_id",
    }
    assert (m["value_kind"], m["field_type"], m["source_label"]) == (
        "number",
        "currency",
        "sum(Opportunity.Amount)",
    )
    sql = (
        f"SELECT {m['alias']}.{m['account_column']}, SUM({m['alias']}.{m['column']}) "
        f'FROM "{v["sfsync_raw_schema"]}".{m["table"]} AS {m["alias"]} '
        f"WHERE {m['condition_sql']} GROUP BY 1"
    )
    # Won new business and renewals closed in the last 365 days (the clock is 2025-06-15).
    assert dict(warehouse.execute(sql).fetchall()) == {"a1": 150, "a3": 10}


def test_arr_latest_ordered_by_a_date_field(
    warehouse: duckdb.DuckDBPyConnection, catalog: Catalog
) -> None:
    config = config_with(
        arr={
            "mode": "aggregation",
            "object": "Opportunity",
            "field": "Amount",
            "function": "latest",
            "filter": "IsWon = true",
        }
    )
    m = compile_vars(config, catalog)["sfsync_arr"]
    assert (m["order_by_field"], m["order_by_column"]) == ("CreatedDate", "created_date")
    sql = (
        f"SELECT {m['account_column']}, {m['column']} FROM ("
        f"  SELECT *, ROW_NUMBER() OVER (PARTITION BY {m['account_column']}"
        f"    ORDER BY {m['order_by_column']} DESC, id DESC) AS n"
        f"  FROM {SCHEMA}.{m['table']} AS {m['alias']} WHERE {m['condition_sql']}"
        f") WHERE n = 1"
    )
    assert dict(warehouse.execute(sql).fetchall()) == {"a1": 50, "a2": 30, "a3": 10}


def test_renewal_latest_of_a_date_is_ordered_by_itself(catalog: Catalog) -> None:
    config = config_with(
        renewal={
            "mode": "aggregation",
            "object": "Account_Health__c",
            "field": "Assessment_Date__c",
            "function": "latest",
            "order_by": "CreatedDate",  # ignored: the value is a date
        }
    )
    m = compile_vars(config, catalog)["sfsync_renewal"]
    assert m["order_by_column"] == "assessment_date_c"
    assert m["account_field"] == "Account__c"  # inferred: the object's only lookup to Account
    assert m["value_kind"] == "date" and m["condition_sql"] is None


def test_custom_objects(warehouse: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    config = config_with(
        custom_objects=[
            {
                "object": "Account_Health__c",
                "filter": "Status__c IN ('At Risk', 'Critical')",
                "whitelisted_fields": ["Score__c"],
            },
            {"object": "Onboarding_Task__c", "entity_type": "Contact", "display_name": "Tasks"},
        ]
    )
    health, tasks = compile_vars(config, catalog)["sfsync_custom_objects"]
    assert {k: health[k] for k in ("object", "display_name", "entity_type", "table", "alias")} == {
        "object": "Account_Health__c",
        "display_name": "Account Health Assessments",
        "entity_type": "Account",
        "table": "account_health_c",
        "alias": "rec",
    }
    assert (health["matching_field"], health["matching_column"]) == ("Account__c", "account_c")
    # The allowlist, plus what sfsync itself reads (id, name, matching and filter fields).
    assert health["columns"] == ["id", "score_c", "name", "account_c", "status_c"]
    sql = (
        f"SELECT {health['alias']}.id FROM {SCHEMA}.{health['table']} AS {health['alias']} "
        f"WHERE {health['condition_sql']} ORDER BY 1"
    )
    assert [r[0] for r in warehouse.execute(sql).fetchall()] == ["h2", "h3"]
    assert tasks["matching_column"] == "contact_c" and tasks["entity_type"] == "Contact"
    assert tasks["columns"] is None and tasks["condition_sql"] is None
    assert tasks["display_name"] == "Tasks"


def test_support_cases(warehouse: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    config = config_with(
        support_cases={
            "enabled": True,
            "filter": "Status != 'Closed' AND Priority != null",
            "last_n_days": 30,
            "conversation_source": "EmailMessage",
        }
    )
    cases = compile_vars(config, catalog)["sfsync_support_cases"]
    assert {k: v for k, v in cases.items() if k != "condition_sql"} == {
        "enabled": True,
        "table": "case",
        "alias": "c",
        "last_n_days": 30,
        "columns": None,
        "conversation_source": "EmailMessage",
        "conversation_table": "email_message",
        "conversation_parent_column": "parent_id",
        "conversation_body_column": "text_body",
        "conversation_time_column": "message_date",
        "conversation_incoming_column": "incoming",
    }
    # The window is dbt's: here "today" is the test clock's date.
    sql = (
        f'SELECT c.id FROM {SCHEMA}."{cases["table"]}" AS {cases["alias"]} '
        f"WHERE {cases['condition_sql']} "
        f"AND c.created_date >= DATE '2025-06-15' - INTERVAL ({cases['last_n_days']}) DAY ORDER BY 1"
    )
    assert [r[0] for r in warehouse.execute(sql).fetchall()] == ["c1"]


def test_case_comment_source_and_disabled_cases(catalog: Catalog) -> None:
    enabled = compile_vars(config_with(support_cases={"enabled": True}), catalog)
    cases = enabled["sfsync_support_cases"]
    assert (cases["conversation_table"], cases["conversation_body_column"]) == (
        "case_comment",
        "comment_body",
    )
    assert cases["conversation_incoming_column"] is None and cases["condition_sql"] is None
    disabled = compile_vars(config_with(), catalog)["sfsync_support_cases"]
    assert disabled["enabled"] is False
    assert set(disabled) == set(cases)


def test_contact_fields_and_allowlists(catalog: Catalog) -> None:
    config = config_with(
        account_filtering={
            "mode": "single",
            "filter": "Type = 'Customer' AND Owner.IsActive = true",
        },
        owner_mapping=[{"field": "CSM__c", "owner_type": "CSM"}],
        renewal={"mode": "direct", "field": "Contract_End_Date__c"},
        advanced={
            "account_whitelisted_fields": ["Industry"],
            "opportunity_whitelisted_fields": ["StageName"],
            "contact_additional_fields": {"Title": "Job Title", "Department": "Team"},
            "contact_exclude_fields": ["Birthdate", "MobilePhone"],
        },
    )
    v = compile_vars(config, catalog)
    assert v["sfsync_account_columns"] == [
        "id",
        "industry",
        "name",
        "type",
        "owner_id",
        "csm_c",
        "contract_end_date_c",
    ]
    assert v["sfsync_opportunity_columns"] == ["id", "stage_name", "name", "account_id"]
    assert v["sfsync_contact_additional_fields"] == [
        {
            "field": "Title",
            "column": "title",
            "name": "Job Title",
            "name_sql": "'Job Title'",
            "name_column": "job_title",
        },
        {
            "field": "Department",
            "column": "department",
            "name": "Team",
            "name_sql": "'Team'",
            "name_column": "team",
        },
    ]
    assert v["sfsync_contact_excluded_columns"] == ["birthdate", "mobile_phone"]


def test_fields_to_extract(catalog: Catalog) -> None:
    config = config_with(
        renewal={
            "mode": "aggregation",
            "object": "Contract",
            "field": "EndDate",
            "function": "max",
            "filter": "Status = 'Activated'",
        },
        advanced={"contact_exclude_fields": ["Birthdate"]},
    )
    wanted = fields_to_extract(resolve_config(config, catalog), catalog)
    assert wanted["Account"] is None and wanted["Opportunity"] is None
    # Aggregated but not synced otherwise: only what the aggregation reads.
    assert wanted["Contract"] == ["Id", "Name", "EndDate", "AccountId", "Status"]
    contact = wanted["Contact"]
    assert contact is not None and "Birthdate" not in contact and "Email" in contact


def test_the_contract_keys(catalog: Catalog) -> None:
    v = compile_vars(load_config_file(DEFAULT_YAML), catalog, source="Database (v4)", version=4)
    assert list(v) == [
        "sfsync_vars_version",
        "sfsync_config_source",
        "sfsync_config_version",
        "sfsync_config_hash",
        "sfsync_compiled_at",
        "sfsync_dialect",
        "sfsync_raw_schema",
        "sfsync_account_filter_mode",
        "sfsync_account_alias",
        "sfsync_account_types",
        "sfsync_account_columns",
        "sfsync_owner_mapping",
        "sfsync_arr",
        "sfsync_renewal",
        "sfsync_custom_objects",
        "sfsync_support_cases",
        "sfsync_opportunity_columns",
        "sfsync_contact_additional_fields",
        "sfsync_contact_excluded_columns",
    ]
    assert (v["sfsync_config_source"], v["sfsync_config_version"]) == ("Database (v4)", 4)
    assert v["sfsync_compiled_at"] == "2025-06-15T12:00:00Z"
    # Every metric dict carries every key, whatever its mode.
    none = compile_vars(config_with(), catalog)["sfsync_arr"]
    assert set(none) == set(v["sfsync_arr"]) == set(v["sfsync_renewal"])
    assert none["enabled"] is False and none["mode"] == "none"


def test_hash_follows_content(catalog: Catalog) -> None:
    one = compile_vars(config_with(), catalog)
    again = compile_vars(config_with(), catalog)
    other = compile_vars(config_with(support_cases={"enabled": True}), catalog)
    assert one["sfsync_config_hash"] == again["sfsync_config_hash"] != other["sfsync_config_hash"]


def test_other_dialects(catalog: Catalog) -> None:
    config = config_with(account_filtering={"mode": "single", "filter": "Type = 'Customer'"})
    v = compile_vars(config, catalog, dialect="postgres", raw_schema="raw_sf")
    assert v["sfsync_dialect"] == "postgres" and v["sfsync_raw_schema"] == "raw_sf"
    assert v["sfsync_account_types"][0]["condition_sql"] == 'LOWER("a"."type") = \'customer\''


def test_invalid_config_does_not_compile(catalog: Catalog) -> None:
    with pytest.raises(InvalidConfigError) as caught:
        compile_vars(config_with(owner_mapping=[{"field": "Name", "owner_type": "CSM"}]), catalog)
    assert [i.location for i in caught.value.issues] == [("owner_mapping", 0, "field")]


def test_write_dbt_vars_replaces_the_file(tmp_path: Path) -> None:
    path = write_dbt_vars({"sfsync_vars_version": 1, "n": 1}, tmp_path)
    write_dbt_vars({"sfsync_vars_version": 1, "n": 2}, tmp_path)
    assert path == tmp_path / "dbt_vars.json"
    assert '"n": 2' in path.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["dbt_vars.json"]
