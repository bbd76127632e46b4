"""Settings → Owner Mapping, ARR & Renewal, Custom Objects, Support Cases, Advanced (AppTest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from wizard_fixtures import open_app
from wizard_ui import keys
from wizard_ui.keys import row_key

from pipelines.config import ConfigStore


def errors(at: Any) -> list[str]:
    return [e.value for e in at.error]


def badge(at: Any) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("Configuration source:"))


@pytest.fixture
def v1(not_configured: Path) -> ConfigStore:
    """Version 1 saved (typed filters), as after the first Account Filtering save."""
    store = ConfigStore(not_configured)
    store.save(
        {
            "account_filtering": {
                "mode": "typed",
                "typed_filters": [
                    {"type": "Customer", "filter": "Type IN ('Customer', 'Customer - Direct')"},
                    {"type": "Prospect", "filter": "Type = 'Prospect'"},
                ],
            }
        },
        author="ada",
    )
    return store


# ---------------------------------------------------------------------------- owner mapping


def test_mapping_csm__c_to_csm(v1: ConfigStore) -> None:
    at = open_app("settings")
    rows = at.session_state[keys.OM_ROWS]
    assert at.selectbox(key=row_key(keys.OM_FIELD, rows[0])).value == "OwnerId"
    options = at.selectbox(key=row_key(keys.OM_FIELD, rows[0])).options
    assert {"OwnerId", "CSM__c", "TAM__c", "Onboarding_Manager__c"} <= set(options)
    assert "CreatedById" not in options and "ParentId" not in options
    at.button(key=keys.OM_ADD).click().run()
    new = at.session_state[keys.OM_ROWS][-1]
    at.selectbox(key=row_key(keys.OM_FIELD, new)).select("CSM__c")
    at.selectbox(key=row_key(keys.OM_TYPE, new)).select("CSM")
    at.button(key=keys.OM_SAVE).click().run()
    assert not at.exception and errors(at) == []
    assert badge(at).endswith("[Database (v2)]")
    mapping = v1.get(2).config.owner_mapping
    assert [(m.field, m.owner_type) for m in mapping] == [
        ("OwnerId", "Account Owner"),
        ("CSM__c", "CSM"),
    ]


def test_owner_problems_appear_on_their_row(v1: ConfigStore) -> None:
    at = open_app("settings")
    at.button(key=keys.OM_ADD).click().run()
    at.button(key=keys.OM_ADD).click().run()
    first, second = at.session_state[keys.OM_ROWS][-2:]
    at.selectbox(key=row_key(keys.OM_FIELD, first)).select("TAM__c")
    at.selectbox(key=row_key(keys.OM_TYPE, first)).select("Account Owner")
    at.selectbox(key=row_key(keys.OM_TYPE, second)).select("TAM")
    at.button(key=keys.OM_SAVE).click().run()
    assert errors(at) == ["Required.", "Not saved: 1 problem. See the messages next to the fields."]
    at.selectbox(key=row_key(keys.OM_FIELD, second)).select("TAM__c")
    at.button(key=keys.OM_SAVE).click().run()
    shown = errors(at)
    assert "Owner type 'Account Owner' is mapped twice" in shown
    assert any(e.startswith("Not saved: 1 problem.") for e in shown)
    assert len(v1.history()) == 1


def test_removing_a_mapping(v1: ConfigStore) -> None:
    at = open_app("settings")
    at.button(key=keys.OM_ADD).click().run()
    new = at.session_state[keys.OM_ROWS][-1]
    at.selectbox(key=row_key(keys.OM_FIELD, new)).select("TAM__c")
    at.selectbox(key=row_key(keys.OM_TYPE, new)).select("TAM")
    at.button(key=row_key(keys.OM_REMOVE, at.session_state[keys.OM_ROWS][0])).click().run()
    at.button(key=keys.OM_SAVE).click().run()
    assert [(m.field, m.owner_type) for m in v1.get(2).config.owner_mapping] == [("TAM__c", "TAM")]


# ---------------------------------------------------------------------------- ARR & renewal


def arr_aggregation(at: Any) -> Any:
    at.radio(key=row_key(keys.MT_MODE, "arr")).set_value("aggregation").run()
    at.selectbox(key=row_key(keys.MT_OBJECT, "arr")).select("Opportunity").run()
    at.selectbox(key=row_key(keys.MT_FIELD, "arr")).select("Amount").run()
    at.selectbox(key=row_key(keys.MT_FUNCTION, "arr")).select("sum").run()
    at.text_area(key=row_key(keys.MT_FILTER, "arr")).input("IsClosed = true AND IsWon = true")
    return at.run()


def test_arr_as_a_sum_over_closed_won_opportunities(v1: ConfigStore) -> None:
    at = open_app("settings")
    arr_aggregation(at)
    options = at.selectbox(key=row_key(keys.MT_FIELD, "arr")).options
    assert "Amount" in options and "CloseDate" not in options and "Name" not in options
    at.button(key=keys.MT_SAVE).click().run()
    assert errors(at) == []
    arr = v1.get(2).config.arr
    assert (arr.mode, arr.object, arr.field, arr.function, arr.filter) == (
        "aggregation",
        "Opportunity",
        "Amount",
        "sum",
        "IsClosed = true AND IsWon = true",
    )


def test_metric_problems_appear_next_to_their_field(v1: ConfigStore) -> None:
    at = open_app("settings")
    at.radio(key=row_key(keys.MT_MODE, "renewal")).set_value("aggregation").run()
    at.selectbox(key=row_key(keys.MT_OBJECT, "renewal")).select("Contract").run()
    at.text_area(key=row_key(keys.MT_FILTER, "renewal")).input("Status = 'Activated' AND (").run()
    assert any(e.startswith("MALFORMED_QUERY at Row 1, Column 27") for e in errors(at))
    at.button(key=keys.MT_SAVE).click().run()
    shown = errors(at)
    assert "Required: the field to aggregate (a date)" in shown
    assert any(e.startswith("Not saved:") for e in shown)
    assert len(v1.history()) == 1


def test_direct_renewal_field_offers_only_dates(v1: ConfigStore) -> None:
    at = open_app("settings")
    at.radio(key=row_key(keys.MT_MODE, "renewal")).set_value("direct").run()
    options = at.selectbox(key=row_key(keys.MT_DIRECT_FIELD, "renewal")).options
    assert "Contract_End_Date__c" in options and "AnnualRevenue" not in options
    at.selectbox(key=row_key(keys.MT_DIRECT_FIELD, "renewal")).select("Contract_End_Date__c")
    at.button(key=keys.MT_SAVE).click().run()
    assert v1.get(2).config.renewal.field == "Contract_End_Date__c"


def test_preview_aggregation_on_five_accounts(v1: ConfigStore, connected: Any) -> None:
    at = arr_aggregation(open_app("settings"))
    at.button(key=row_key(keys.MT_PREVIEW, "arr")).click().run()
    assert not at.exception
    summary, behind = at.dataframe[0].value, at.dataframe[1].value
    assert list(summary.columns) == ["Account", "ARR", "Records"]
    assert len(summary) == 5 and (summary["ARR"] > 0).all()
    assert summary["Records"].sum() == len(behind)
    assert {"Account", "Id", "AccountId", "Amount"} <= set(behind.columns)


# ---------------------------------------------------------------------------- custom objects


def test_add_edit_and_remove_custom_objects(v1: ConfigStore) -> None:
    at = open_app("settings")
    at.button(key=keys.CO_ADD).click().run()
    row = at.session_state[keys.CO_ROWS][-1]
    objects = at.selectbox(key=row_key(keys.CO_OBJECT, row)).options
    assert "Account_Health__c" in objects and "Onboarding_Task__c" not in objects
    at.selectbox(key=row_key(keys.CO_OBJECT, row)).select("Account_Health__c").run()
    at.text_input(key=row_key(keys.CO_DISPLAY, row)).input("Health")
    at.multiselect(key=row_key(keys.CO_FIELDS, row)).select("Score__c").select("Status__c")
    at.text_area(key=row_key(keys.CO_FILTER, row)).input("Score__c > 10").run()
    at.button(key=keys.CO_SAVE).click().run()
    assert errors(at) == []
    [item] = v1.get(2).config.custom_objects
    assert (
        item.object,
        item.display_name,
        item.entity_type,
        item.whitelisted_fields,
        item.filter,
    ) == (
        "Account_Health__c",
        "Health",
        "Account",
        ["Score__c", "Status__c"],
        "Score__c > 10",
    )
    at.radio(key=row_key(keys.CO_ENTITY, row)).set_value("Contact").run()
    at.button(key=keys.CO_SAVE).click().run()
    assert "Account_Health__c has no lookup to Contact" in errors(at)
    at.radio(key=row_key(keys.CO_ENTITY, row)).set_value("Account").run()
    at.button(key=row_key(keys.CO_REMOVE, row)).click().run()
    at.button(key=keys.CO_SAVE).click().run()
    assert v1.get(3).config.custom_objects == []


# ---------------------------------------------------------------------------- support cases


def test_support_cases_settings_and_invalid_filter(v1: ConfigStore) -> None:
    at = open_app("settings")
    at.toggle(key=keys.SC_ENABLED).set_value(True).run()
    at.text_area(key=keys.SC_FILTER).input("Priority = 'High' AND Stauts != 'Closed'").run()
    assert any(e.startswith("INVALID_FIELD at Row 1, Column 23") for e in errors(at))
    at.button(key=keys.SC_SAVE).click().run()
    assert len(v1.history()) == 1
    at.text_area(key=keys.SC_FILTER).input("Priority = 'High' AND Status != 'Closed'")
    at.checkbox(key=keys.SC_CAP).check()
    at.number_input(key=keys.SC_DAYS).set_value(30)
    at.radio(key=keys.SC_SOURCE).set_value("EmailMessage")
    at.multiselect(key=keys.SC_FIELDS).select("Origin").run()
    at.button(key=keys.SC_SAVE).click().run()
    cases = v1.get(2).config.support_cases
    assert (
        cases.enabled,
        cases.filter,
        cases.last_n_days,
        cases.conversation_source,
        cases.whitelisted_fields,
    ) == (
        True,
        "Priority = 'High' AND Status != 'Closed'",
        30,
        "EmailMessage",
        ["Origin"],
    )


def test_preview_five_cases_with_their_thread_and_sentiment(
    v1: ConfigStore, connected: Any
) -> None:
    at = open_app("settings")
    at.toggle(key=keys.SC_ENABLED).set_value(True).run()
    at.checkbox(key=keys.SC_CAP).uncheck().run()
    at.button(key=keys.SC_PREVIEW).click().run()
    assert not at.exception
    headers = [m.value for m in at.markdown if m.value.startswith("**0")]
    assert len(headers) == 5
    threads = [d.value for d in at.dataframe if "text" in d.value.columns]
    assert len(threads) >= 3 and all("sentiment" in t.columns for t in threads)
    assert set().union(*(set(t["sentiment"].dropna()) for t in threads)) <= {
        "positive",
        "neutral",
        "negative",
    }


# ---------------------------------------------------------------------------- advanced


def test_advanced_lists_and_contact_fields(v1: ConfigStore) -> None:
    at = open_app("settings")
    at.multiselect(key=keys.AD_ACCOUNT_FIELDS).select("Name").select("Industry")
    at.text_area(key=keys.AD_CONTACT_ADDITIONAL).input("Title: Job title\nnot a mapping")
    at.multiselect(key=keys.AD_CONTACT_EXCLUDE).select("AccountId").run()
    at.button(key=keys.AD_SAVE).click().run()
    shown = errors(at)
    assert "Line 2 ('not a mapping') is not 'ContactField: Custom field name'" in shown
    assert "Contact.AccountId links people to their company and cannot be excluded" in shown
    assert len(v1.history()) == 1
    at.text_area(key=keys.AD_CONTACT_ADDITIONAL).input("Title: Job title")
    at.multiselect(key=keys.AD_CONTACT_EXCLUDE).unselect("AccountId").select("Fax").run()
    at.button(key=keys.AD_SAVE).click().run()
    advanced = v1.get(2).config.advanced
    assert advanced.account_whitelisted_fields == ["Name", "Industry"]
    assert advanced.contact_additional_fields == {"Title": "Job title"}
    assert advanced.contact_exclude_fields == ["Fax"]
