"""The SOQL the wizard shows: per-type account queries (first match wins) and the sync's SELECTs."""

from __future__ import annotations

from pipelines.config import IntegrationConfig, builtin_catalog, load_config_file
from pipelines.config.store import default_config_path
from pipelines.wizard.soql_preview import (
    any_type_condition,
    classification_queries,
    extract_queries,
)


def typed(*filters: tuple[str, str]) -> IntegrationConfig:
    return IntegrationConfig.model_validate(
        {
            "account_filtering": {
                "mode": "typed",
                "typed_filters": [{"type": t, "filter": f} for t, f in filters],
            }
        }
    )


def test_later_types_exclude_what_earlier_filters_matched() -> None:
    config = typed(
        ("Customer", "Type = 'Customer'"), ("Prospect", "Type = 'Prospect' OR Industry = 'Energy'")
    )
    queries = classification_queries(config, builtin_catalog())
    assert [q.condition for q in queries] == [
        "(Type = 'Customer')",
        "(Type = 'Prospect' OR Industry = 'Energy') AND NOT (Type = 'Customer')",
    ]
    assert queries[1].count_soql == f"SELECT COUNT() FROM Account WHERE {queries[1].condition}"
    assert queries[1].sample_soql.endswith("ORDER BY Name LIMIT 5")


def test_the_preview_stops_at_the_first_filter_that_does_not_compile() -> None:
    config = typed(
        ("Customer", "Type = 'Customer'"),
        ("Prospect", "Tpye = 'Prospect'"),
        ("Partner", "Type = 'Partner'"),
    )
    assert [q.type for q in classification_queries(config, builtin_catalog())] == ["Customer"]
    assert any_type_condition(config, builtin_catalog()) is None


def test_single_mode_is_one_customer_query() -> None:
    config = IntegrationConfig.model_validate(
        {"account_filtering": {"filter": "Industry = 'Energy'"}}
    )
    [query] = classification_queries(config, builtin_catalog())
    assert query.type == "Customer"
    assert any_type_condition(config, builtin_catalog()) == "(Industry = 'Energy')"


def test_extract_queries_are_the_selects_the_sync_sends() -> None:
    config = load_config_file(default_config_path())
    selects = extract_queries(config, builtin_catalog())
    assert selects["Account"].startswith("SELECT Id, ")
    assert "CSM__c" in selects["Account"]
    assert " WHERE " not in selects["Account"]
    assert "FROM Account_Health__c" in selects["Account_Health__c"]
    assert "CreatedDate = LAST_N_DAYS:365" in selects["Case"]
    assert selects["CaseComment"].endswith(
        "WHERE ParentId IN (SELECT Id FROM Case WHERE CreatedDate = LAST_N_DAYS:365)"
    )


def test_a_whitelist_trims_the_select_but_keeps_what_the_config_needs() -> None:
    config = load_config_file(default_config_path())
    config = config.model_copy(
        update={
            "advanced": config.advanced.model_copy(update={"account_whitelisted_fields": ["Name"]})
        }
    )
    fields = extract_queries(config, builtin_catalog())["Account"].split(" FROM ")[0]
    assert "Name" in fields and "OwnerId" in fields and "CSM__c" in fields and "Type" in fields
    assert "BillingCity" not in fields


def test_pickers_offer_what_validation_accepts() -> None:
    from pipelines.wizard.pickers import (
        aggregatable_objects,
        custom_object_candidates,
        lookups_to,
        metric_fields,
        order_fields,
        owner_fields,
        with_current,
    )

    catalog = builtin_catalog()
    assert owner_fields(catalog)[:4] == ["OwnerId", "CSM__c", "TAM__c", "Onboarding_Manager__c"]
    assert "CreatedById" not in owner_fields(catalog)
    assert aggregatable_objects(catalog)[:2] == ["Opportunity", "Contract"]
    assert "Account" not in aggregatable_objects(catalog)
    assert "Onboarding_Task__c" in custom_object_candidates(catalog, "Contact")
    assert lookups_to(catalog, "Opportunity", "Account") == ["AccountId"]
    assert "Amount" in metric_fields(catalog, "Opportunity", "arr")
    assert "CloseDate" in metric_fields(catalog, "Opportunity", "renewal")
    assert "Amount" not in metric_fields(catalog, "Opportunity", "renewal")
    assert "CloseDate" in order_fields(catalog, "Opportunity")
    assert with_current(["A"], "Gone__c") == ["A", "Gone__c"]
    assert with_current(["A"], "a") == ["A"]
