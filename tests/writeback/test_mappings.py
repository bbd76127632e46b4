"""Checking mappings: against the describe catalog (config validation) and the warehouse (plan).

Catalog checks run wherever the config is validated (saving, the wizard); warehouse checks
when a push or a dry run plans. Either way a problem is a ConfigIssue located in the document
(``writeback.mappings[0].fields.risk``), and a mapping with one is not pushed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.config import builtin_catalog, validate_config
from pipelines.config.issues import (
    DUPLICATE,
    NOT_UPDATEABLE,
    REQUIRED,
    UNKNOWN_FIELD,
    UNKNOWN_OBJECT,
    WRONG_FIELD_TYPE,
    ConfigIssue,
)
from pipelines.config.validation import parse_config
from pipelines.writeback import dry_run, list_mappings, model_columns, writable_fields
from pipelines.writeback.plan import DUPLICATE_ROWS, MISSING_MODEL, WRONG_ID

ACCOUNT_A = "001SB0000000Q0uYAE"
ACCOUNT_B = "001SB0000000Q0vYAE"
CONTACT = "003SB0000000Q0uYAE"


def config_with(*mappings: dict[str, Any], **section: Any) -> Any:
    return parse_config(
        {
            "account_filtering": {"filter": "Name != null"},
            "writeback": {"enabled": True, "mappings": list(mappings), **section},
        }
    )


def mapping(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "model": "scores",
        "object": "Account",
        "id_column": "account_id",
        "fields": {"health": "Health_Score__c", "risk": "Risk_Flag__c"},
    }
    base.update(changes)
    return base


def writeback_issues(config: Any) -> list[tuple[tuple[Any, ...], str]]:
    return [
        (issue.location, issue.code)
        for issue in validate_config(config, builtin_catalog())
        if issue.section == "writeback"
    ]


def test_a_valid_mapping_has_no_issues() -> None:
    assert writeback_issues(config_with(mapping())) == []


def test_the_default_config_ships_valid_disabled_examples() -> None:
    from pipelines.config import load_config_file

    config = load_config_file(Path(__file__).resolve().parents[2] / "configs" / "default.yaml")
    assert not config.writeback.enabled
    assert [m.model for m in config.writeback.mappings] == [
        "writeback__account_health",
        "writeback__account_owner_reassignments",
    ]
    assert writeback_issues(config) == []


@pytest.mark.parametrize(
    ("changes", "location", "code"),
    [
        ({"object": "Acount"}, ("object",), UNKNOWN_OBJECT),
        ({"fields": {"health": "Health_Scor__c"}}, ("fields", "health"), UNKNOWN_FIELD),
        ({"fields": {"created": "CreatedDate"}}, ("fields", "created"), NOT_UPDATEABLE),
        ({"fields": {"address": "BillingAddress"}}, ("fields", "address"), NOT_UPDATEABLE),
        ({"fields": {"id": "Id"}}, ("fields", "id"), NOT_UPDATEABLE),
        ({"fields": {}}, ("fields",), REQUIRED),
        (
            {"fields": {"health": "Health_Score__c", "score": "health_score__c"}},
            ("fields", "score"),
            DUPLICATE,
        ),
    ],
)
def test_catalog_issues_are_located(
    changes: dict[str, Any], location: tuple[Any, ...], code: str
) -> None:
    issues = writeback_issues(config_with(mapping(**changes)))
    assert issues == [(("writeback", "mappings", 0, *location), code)]


def test_a_field_has_one_source_across_mappings() -> None:
    second = mapping(model="other", fields={"score": "Health_Score__c"})
    issues = validate_config(config_with(mapping(), second), builtin_catalog())
    [issue] = [i for i in issues if i.section == "writeback"]
    assert issue.location == ("writeback", "mappings", 1, "fields", "score")
    assert issue.code == DUPLICATE and "already written by mapping 0" in issue.message
    assert str(issue).startswith("writeback.mappings[1] (other).fields.score: DUPLICATE")


@pytest.mark.parametrize(
    "document",
    [
        {"model": "scores; drop table x", "object": "Account", "id_column": "id"},
        {"model": "scores", "object": "Account", "id_column": "a b"},
        {"model": "scores", "object": "Account", "id_column": "id", "fields": {"x-y": "Name"}},
        {"model": "s", "object": "Account", "id_column": "id", "conflict_policy": "newest"},
    ],
)
def test_names_reaching_sql_are_plain_identifiers(document: dict[str, Any]) -> None:
    from pipelines.config.issues import InvalidConfigError

    with pytest.raises(InvalidConfigError) as caught:
        parse_config({"writeback": {"mappings": [document]}})
    assert all(i.section == "writeback" for i in caught.value.issues)


def test_pickers_offer_writable_fields_only() -> None:
    names = [f.name for f in writable_fields(builtin_catalog(), "Account")]
    assert names[:2] == ["ARR__c", "Churn_Risk__c"]  # custom fields first
    assert {"Health_Score__c", "Risk_Flag__c", "OwnerId", "Name"} <= set(names)
    assert not {"Id", "CreatedDate", "BillingAddress", "SystemModstamp"} & set(names)
    infos = list_mappings(config_with(mapping(), mapping(object="Nope")))
    assert infos[0].issues == []
    assert [i.code for i in infos[1].issues] == [UNKNOWN_OBJECT]


# ---------------------------------------------------------------------------- the warehouse


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A home whose warehouse has synced accounts and a model ``writeback.scores``."""
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as db:
        db.execute("CREATE SCHEMA salesforce")
        db.execute(
            "CREATE TABLE salesforce.account (id VARCHAR, health_score_c DOUBLE,"
            " risk_flag_c BOOLEAN, system_modstamp TIMESTAMPTZ)"
        )
        db.execute(
            "INSERT INTO salesforce.account VALUES (?, 70, false, now()), (?, 20, true, now())",
            [ACCOUNT_A, ACCOUNT_B],
        )
        db.execute("CREATE SCHEMA writeback")
        db.execute(
            "CREATE TABLE writeback.scores (account_id VARCHAR, health DOUBLE, risk BOOLEAN,"
            " label VARCHAR)"
        )
        db.execute(
            "INSERT INTO writeback.scores VALUES (?, 70.4, false, 'x'), (?, 55, false, 'y')",
            [ACCOUNT_A[:15], ACCOUNT_B],
        )
    return tmp_path


def plan_issues(home: Path, config: Any) -> list[ConfigIssue]:
    return dry_run(config, home, catalog=builtin_catalog()).issues


def test_plan_compares_canonical_values(warehouse: Path) -> None:
    plan = dry_run(config_with(mapping()), warehouse, catalog=builtin_catalog())
    [m] = plan.mappings
    # 70.4 is 70 once Salesforce rounds it to the field's scale: unchanged. The 15-character
    # id is matched to the synced 18-character one.
    assert [r.record_id for r in m.to_send] == [ACCOUNT_B]
    assert m.to_send[0].payload == {"Health_Score__c": 55.0, "Risk_Flag__c": False}
    assert m.to_send[0].previous == {"Health_Score__c": 20.0, "Risk_Flag__c": True}
    assert m.unchanged == 1 and m.relation == "writeback.scores"
    assert model_columns(warehouse, "scores")[0] == ("account_id", "VARCHAR")


def test_missing_model_and_columns(warehouse: Path) -> None:
    [missing] = plan_issues(warehouse, config_with(mapping(model="nope")))
    assert missing.location == ("writeback", "mappings", 0, "model")
    assert missing.code == MISSING_MODEL and "dbt build --select nope" in missing.message
    issues = plan_issues(
        warehouse,
        config_with(mapping(id_column="acct", fields={"health": "Health_Score__c", "hp": "Name"})),
    )
    assert [(i.location[3:], i.code) for i in issues] == [
        (("id_column",), UNKNOWN_FIELD),
        (("fields", "hp"), UNKNOWN_FIELD),
    ]


def test_column_types_must_suit_the_field(warehouse: Path) -> None:
    config = config_with(mapping(fields={"label": "Risk_Flag__c", "risk": "Health_Score__c"}))
    issues = plan_issues(warehouse, config)
    assert [(i.location[3:], i.code) for i in issues] == [
        (("fields", "label"), WRONG_FIELD_TYPE),
        (("fields", "risk"), WRONG_FIELD_TYPE),
    ]
    assert "column label is VARCHAR; Account.Risk_Flag__c (boolean) needs BOOLEAN" in (
        issues[0].message
    )


def test_ids_must_be_ids_of_the_object(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse / "warehouse.duckdb")) as db:
        db.execute("INSERT INTO writeback.scores VALUES (?, 1, true, 'z')", [CONTACT])
    [issue] = plan_issues(warehouse, config_with(mapping()))
    assert issue.location == ("writeback", "mappings", 0, "id_column") and issue.code == WRONG_ID
    assert "1 of 3 values of account_id are not Account ids (Account ids start with 001)" in (
        issue.message
    )
    plan = dry_run(config_with(mapping()), warehouse, catalog=builtin_catalog())
    assert plan.records_to_send == 0  # a mapping with an issue sends nothing


def test_one_row_per_record(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse / "warehouse.duckdb")) as db:
        db.execute("INSERT INTO writeback.scores VALUES (?, 12, true, 'z')", [ACCOUNT_B])
    [issue] = plan_issues(warehouse, config_with(mapping()))
    assert issue.code == DUPLICATE_ROWS and ACCOUNT_B in issue.message


def test_an_unsynced_field_is_compared_with_sfsyncs_own_writes(warehouse: Path) -> None:
    config = config_with(mapping(fields={"label": "Description"}))
    plan = dry_run(config, warehouse, catalog=builtin_catalog())
    [m] = plan.mappings
    assert len(m.to_send) == 2
    assert any("Account.Description is not synced" in note for note in m.notes)
