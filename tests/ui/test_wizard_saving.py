"""Save Configuration, history, diff and rollback through the real config store."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import ConfigStore
from pipelines.wizard.forms import account_filtering_document, base_document, owner_mapping_document
from pipelines.wizard.saving import (
    API_CHECK_UNAVAILABLE,
    rollback,
    save_sections,
    version_diff,
    version_rows,
)

CUSTOMERS = account_filtering_document(
    "typed",
    None,
    [("Customer", "Type IN ('Customer', 'Customer - Direct')"), ("Prospect", "Type = 'Prospect'")],
    validate_with_api=False,
)


@pytest.fixture
def store(not_configured: Path) -> ConfigStore:
    return ConfigStore(not_configured)


def test_a_valid_section_becomes_version_one(store: ConfigStore) -> None:
    result = save_sections(
        store,
        base_document(None),
        {"account_filtering": CUSTOMERS},
        author="ada",
        comment="first setup",
    )
    assert result.ok and result.version is not None
    assert result.version.version == 1
    assert store.source().label == "Database (v1)"
    row = version_rows(store)[0]
    assert (row.version, row.author, row.comment, row.active) == (1, "ada", "first setup", True)


def test_nothing_is_saved_when_any_field_is_wrong(store: ConfigStore) -> None:
    broken = account_filtering_document(
        "typed",
        None,
        [("Customer", "Type = 'Customer' AND AnualRevenue > 0")],
        validate_with_api=False,
    )
    result = save_sections(
        store,
        base_document(None),
        {
            "account_filtering": broken,
            "owner_mapping": owner_mapping_document(
                [("OwnerId", "Account Owner"), ("Name", "CSM")]
            ),
        },
        author="ada",
    )
    assert not result.ok
    assert store.history() == []
    located = {(i.location, i.code, i.row, i.column) for i in result.issues}
    assert (("account_filtering", "typed_filters", 0, "filter"), "INVALID_FIELD", 1, 23) in located
    assert (("owner_mapping", 1, "field"), "WRONG_FIELD_TYPE", None, None) in located


def test_blank_required_fields_read_required(store: ConfigStore) -> None:
    result = save_sections(
        store,
        base_document(None),
        {
            "account_filtering": CUSTOMERS,
            "owner_mapping": owner_mapping_document([("", "CSM")]),
        },
        author="ada",
    )
    assert [(i.location, i.message) for i in result.issues] == [
        (("owner_mapping", 0, "field"), "required")
    ]


def test_saving_the_active_config_again_creates_no_version(store: ConfigStore) -> None:
    save_sections(store, base_document(None), {"account_filtering": CUSTOMERS}, author="ada")
    again = save_sections(
        store, store.get(1).document, {"account_filtering": CUSTOMERS}, author="ada"
    )
    assert again.unchanged and not again.ok
    assert len(store.history()) == 1


def test_api_validation_without_a_connection_is_a_problem_next_to_the_toggle(
    store: ConfigStore,
) -> None:
    with_api = {**CUSTOMERS, "validate_with_api": True}
    result = save_sections(
        store, base_document(None), {"account_filtering": with_api}, author="ada"
    )
    assert [(i.location, i.message) for i in result.issues] == [
        (("account_filtering", "validate_with_api"), API_CHECK_UNAVAILABLE)
    ]
    assert store.history() == []


def test_api_validation_reports_what_the_org_says(store: ConfigStore) -> None:
    def org(query: str) -> object:
        raise RuntimeError(
            "INVALID_FIELD: \nSELECT Id FROM Account WHERE Type = 'Prospect' LIMIT 1\n"
            "ERROR at Row:1:Column:31\nNo such column"
        )

    with_api = {**CUSTOMERS, "validate_with_api": True}
    result = save_sections(
        store, base_document(None), {"account_filtering": with_api}, author="ada", run_query=org
    )
    assert {(i.code, i.item) for i in result.issues} == {
        ("SALESFORCE_API", "Customer"),
        ("SALESFORCE_API", "Prospect"),
    }
    assert store.history() == []


def test_diff_and_rollback(store: ConfigStore) -> None:
    save_sections(store, base_document(None), {"account_filtering": CUSTOMERS}, author="ada")
    base = store.get(1).document
    save_sections(
        store,
        base,
        {
            "owner_mapping": owner_mapping_document(
                [("OwnerId", "Account Owner"), ("CSM__c", "CSM")]
            )
        },
        author="bob",
        comment="CSM",
    )
    diff = version_diff(store, 1, 2)
    assert diff.changes == ['+ owner_mapping[1]: {"field": "CSM__c", "owner_type": "CSM"}']
    assert '+      "field": "CSM__c",' in diff.text
    assert rollback(store, 1).version is not None
    assert store.source().label == "Database (v1)"
    assert [r.active for r in version_rows(store)] == [False, True]
    missing = rollback(store, 9)
    assert missing.version is None and "no config version 9" in (missing.problem or "")
