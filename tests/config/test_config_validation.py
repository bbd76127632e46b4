"""Validation against a catalog: each section with good and bad values, issues located precisely."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from config_fixtures import DEFAULT_YAML, MINIMAL, config_with, issue_at

from pipelines.config import (
    ConfigIssue,
    IntegrationConfig,
    InvalidConfigError,
    ensure_valid,
    load_catalog,
    load_config_file,
    parse_config,
    validate_config,
)
from pipelines.config.catalogs import DESCRIBE_CATALOG_FILE, catalog_from_describe
from pipelines.config.issues import (
    AMBIGUOUS_LOOKUP,
    CONFLICT,
    CREDENTIAL,
    DUPLICATE,
    REQUIRED,
    SALESFORCE_API,
    UNKNOWN_FIELD,
    UNKNOWN_OBJECT,
    WRONG_FIELD_TYPE,
)
from pipelines.soql.catalog import Catalog


def issues_of(catalog: Catalog, **sections: Any) -> list[ConfigIssue]:
    return validate_config(config_with(**sections), catalog)


# ---------------------------------------------------------------------------- the code default


def test_default_yaml_validates_against_standard_plus_demo_schema(catalog: Catalog) -> None:
    config = load_config_file(DEFAULT_YAML)
    assert validate_config(config, catalog) == []
    assert config.account_filtering.mode == "typed"
    assert [t.type for t in config.account_filtering.typed_filters] == [
        "Customer",
        "Prospect",
        "Partner",
    ]
    assert {m.owner_type: m.field for m in config.owner_mapping} == {
        "Account Owner": "OwnerId",
        "CSM": "CSM__c",
        "TAM": "TAM__c",
        "Onboarding Manager": "Onboarding_Manager__c",
    }
    assert (config.arr.mode, config.arr.object, config.arr.function) == (
        "aggregation",
        "Opportunity",
        "sum",
    )
    assert (config.renewal.mode, config.renewal.field) == ("direct", "Contract_End_Date__c")
    assert [c.object for c in config.custom_objects] == ["Account_Health__c", "Onboarding_Task__c"]
    assert config.support_cases.enabled
    assert config.support_cases.conversation_source == "CaseComment"


def test_minimal_config_is_valid(catalog: Catalog) -> None:
    assert validate_config(parse_config(MINIMAL), catalog) == []


# ---------------------------------------------------------------------------- account filtering


def test_single_mode_needs_a_filter(catalog: Catalog) -> None:
    issue = issue_at(
        issues_of(catalog, account_filtering={"mode": "single"}), "account_filtering", "filter"
    )
    assert issue.code == REQUIRED
    assert issue.section == "account_filtering" and issue.field == "filter"


def test_typed_mode_needs_filters(catalog: Catalog) -> None:
    issues = issues_of(catalog, account_filtering={"mode": "typed", "filter": "Type = 'x'"})
    assert issue_at(issues, "account_filtering", "typed_filters").code == REQUIRED


def test_typed_filter_soql_error_names_section_item_field_and_position(catalog: Catalog) -> None:
    issues = issues_of(
        catalog,
        account_filtering={
            "mode": "typed",
            "typed_filters": [
                {"type": "Customer", "filter": "Type = 'Customer'"},
                {"type": "Prospect", "filter": "Type = 'Prospect' AND Tpye = 'x'"},
            ],
        },
    )
    issue = issue_at(issues, "account_filtering", "typed_filters", 1, "filter")
    assert issue.section == "account_filtering"
    assert (issue.index, issue.item, issue.field) == (1, "Prospect", "filter")
    assert issue.code == "INVALID_FIELD"
    assert (issue.row, issue.column) == (1, 23)
    assert "No such column 'Tpye' on entity 'Account'" in issue.message
    assert str(issue).startswith(
        "account_filtering.typed_filters[1] (Prospect).filter: INVALID_FIELD at Row:1:Column:23: "
    )
    assert issue.to_dict()["location"] == ["account_filtering", "typed_filters", 1, "filter"]


@pytest.mark.parametrize(
    ("text", "code", "row", "column"),
    [
        ("Type = ", "MALFORMED_QUERY", 1, 8),
        ("Type = 'Customer'\n  AND AnnualRevenue > 'big'", "INVALID_FIELD", 2, 23),
        ("Nope__c = 1", "INVALID_FIELD", 1, 1),
        ("Owner.Nme = 'Ada'", "INVALID_FIELD", 1, 1),
        ("Type INCLUDES ('x')", "INVALID_QUERY_FILTER_OPERATOR", 1, 6),
    ],
)
def test_single_filter_soql_errors(
    catalog: Catalog, text: str, code: str, row: int, column: int
) -> None:
    issues = issues_of(catalog, account_filtering={"mode": "single", "filter": text})
    issue = issue_at(issues, "account_filtering", "filter")
    assert (issue.code, issue.row, issue.column) == (code, row, column), issue


def test_parent_fields_and_semi_joins_are_valid_filters(catalog: Catalog) -> None:
    text = (
        "Owner.IsActive = true AND CSM__r.Email != null AND "
        "Id IN (SELECT AccountId FROM Opportunity WHERE IsWon = true)"
    )
    assert issues_of(catalog, account_filtering={"mode": "single", "filter": text}) == []


def test_duplicate_account_type(catalog: Catalog) -> None:
    issues = issues_of(
        catalog,
        account_filtering={
            "mode": "typed",
            "typed_filters": [
                {"type": "Customer", "filter": "Type = 'Customer'"},
                {"type": "Customer", "filter": "Type = 'Customer - Direct'"},
            ],
        },
    )
    issue = issue_at(issues, "account_filtering", "typed_filters", 1, "type")
    assert issue.code == DUPLICATE and issue.item == "Customer"


def test_typed_filter_without_text(catalog: Catalog) -> None:
    issues = issues_of(
        catalog, account_filtering={"mode": "typed", "typed_filters": [{"type": "Partner"}]}
    )
    assert issue_at(issues, "account_filtering", "typed_filters", 0, "filter").code == REQUIRED


# ---------------------------------------------------------------------------- owner mapping


def test_owner_mapping_good(catalog: Catalog) -> None:
    owners = [
        {"field": "OwnerId", "owner_type": "Account Owner"},
        {"field": "csm__c", "owner_type": "CSM"},  # names are case-insensitive, as in SOQL
        {"field": "TAM__c", "owner_type": "Executive Sponsor"},  # a custom label
    ]
    assert issues_of(catalog, owner_mapping=owners) == []


@pytest.mark.parametrize(
    ("field", "code", "words"),
    [
        ("CSM_c", UNKNOWN_FIELD, "did you mean 'CSM__c'"),
        ("Name", WRONG_FIELD_TYPE, "a string field"),
        ("ParentId", WRONG_FIELD_TYPE, "a lookup to Account"),
        ("Contract_End_Date__c", WRONG_FIELD_TYPE, "must be a lookup to User"),
    ],
)
def test_owner_field_must_be_a_user_lookup(
    catalog: Catalog, field: str, code: str, words: str
) -> None:
    issues = issues_of(catalog, owner_mapping=[{"field": field, "owner_type": "CSM"}])
    issue = issue_at(issues, "owner_mapping", 0, "field")
    assert (issue.code, issue.item) == (code, "CSM")
    assert words in issue.message


def test_duplicate_owner_type(catalog: Catalog) -> None:
    issues = issues_of(
        catalog,
        owner_mapping=[
            {"field": "CSM__c", "owner_type": "CSM"},
            {"field": "TAM__c", "owner_type": "csm"},
        ],
    )
    issue = issue_at(issues, "owner_mapping", 1, "owner_type")
    assert issue.code == DUPLICATE and issue.index == 1


# ---------------------------------------------------------------------------- ARR and renewal


@pytest.mark.parametrize(
    ("metric", "source"),
    [
        ("arr", {"mode": "none"}),
        ("arr", {"mode": "direct", "field": "AnnualRevenue"}),
        ("arr", {"mode": "direct", "field": "ARR__c"}),
        (
            "arr",
            {"mode": "aggregation", "object": "Opportunity", "field": "Amount", "function": "sum"},
        ),
        (
            "arr",
            {
                "mode": "aggregation",
                "object": "Opportunity",
                "field": "Amount",
                "function": "sum",
                "filter": "IsWon = true AND CloseDate = LAST_N_DAYS:365",
                "account_field": "AccountId",
            },
        ),
        (
            "arr",
            {"mode": "aggregation", "object": "Opportunity", "field": "Amount", "function": "max"},
        ),
        (
            "arr",
            {
                "mode": "aggregation",
                "object": "Opportunity",
                "field": "Amount",
                "function": "latest",
            },
        ),
        (
            "arr",
            {
                "mode": "aggregation",
                "object": "Opportunity",
                "field": "Amount",
                "function": "latest",
                "order_by": "CloseDate",
            },
        ),
        (
            "arr",
            {
                "mode": "aggregation",
                "object": "Account_Health__c",
                "field": "Score__c",
                "function": "max",
            },
        ),
        ("renewal", {"mode": "direct", "field": "Contract_End_Date__c"}),
        ("renewal", {"mode": "direct", "field": "CreatedDate"}),  # datetime is fine
        (
            "renewal",
            {"mode": "aggregation", "object": "Contract", "field": "EndDate", "function": "max"},
        ),
        (
            "renewal",
            {
                "mode": "aggregation",
                "object": "Contract",
                "field": "EndDate",
                "function": "latest",
                "filter": "Status = 'Activated'",
            },
        ),
        (
            "renewal",
            {
                "mode": "aggregation",
                "object": "Opportunity",
                "field": "CloseDate",
                "function": "latest",
            },
        ),
    ],
)
def test_metric_good(catalog: Catalog, metric: str, source: dict[str, Any]) -> None:
    assert issues_of(catalog, **{metric: source}) == []


@pytest.mark.parametrize(
    ("metric", "source", "field", "code", "words"),
    [
        ("arr", {"mode": "direct"}, "field", REQUIRED, "required"),
        (
            "arr",
            {"mode": "direct", "field": "Name"},
            "field",
            WRONG_FIELD_TYPE,
            "ARR needs a number",
        ),
        (
            "arr",
            {"mode": "direct", "field": "AnualRevenue"},
            "field",
            UNKNOWN_FIELD,
            "'AnnualRevenue'",
        ),
        (
            "renewal",
            {"mode": "direct", "field": "AnnualRevenue"},
            "field",
            WRONG_FIELD_TYPE,
            "a date",
        ),
        (
            "arr",
            {"mode": "aggregation", "field": "Amount", "function": "sum"},
            "object",
            REQUIRED,
            "object",
        ),
        (
            "arr",
            {"mode": "aggregation", "object": "Oportunity", "field": "Amount", "function": "sum"},
            "object",
            UNKNOWN_OBJECT,
            "did you mean 'Opportunity'",
        ),
        (
            "arr",
            {"mode": "aggregation", "object": "Opportunity", "field": "Amount"},
            "function",
            REQUIRED,
            "sum",
        ),
        (
            "arr",
            {"mode": "aggregation", "object": "Opportunity", "function": "sum"},
            "field",
            REQUIRED,
            "field",
        ),
        (
            "arr",
            {"mode": "aggregation", "object": "Opportunity", "field": "Name", "function": "sum"},
            "field",
            WRONG_FIELD_TYPE,
            "sum needs a number",
        ),
        (
            "arr",
            {
                "mode": "aggregation",
                "object": "Opportunity",
                "field": "CloseDate",
                "function": "max",
            },
            "field",
            WRONG_FIELD_TYPE,
            "ARR needs a number",
        ),
        (
            "renewal",
            {"mode": "aggregation", "object": "Contract", "field": "EndDate", "function": "sum"},
            "function",
            WRONG_FIELD_TYPE,
            "sum of dates",
        ),
        (
            "renewal",
            {
                "mode": "aggregation",
                "object": "Contract",
                "field": "ContractTerm",
                "function": "max",
            },
            "field",
            WRONG_FIELD_TYPE,
            "a date",
        ),
        (
            "arr",
            {
                "mode": "aggregation",
                "object": "Opportunity",
                "field": "Amount",
                "function": "latest",
                "order_by": "Name",
            },
            "order_by",
            WRONG_FIELD_TYPE,
            "order latest by a date",
        ),
        (
            "arr",
            {
                "mode": "aggregation",
                "object": "Opportunity",
                "field": "Amount",
                "function": "latest",
                "order_by": "ClosedDate",
            },
            "order_by",
            UNKNOWN_FIELD,
            "did you mean 'CloseDate'",
        ),
        (
            "arr",
            {
                "mode": "aggregation",
                "object": "Account",
                "field": "AnnualRevenue",
                "function": "sum",
            },
            "account_field",
            AMBIGUOUS_LOOKUP,
            "MasterRecordId, ParentId",
        ),
        (
            "renewal",
            {
                "mode": "aggregation",
                "object": "Onboarding_Task__c",
                "field": "Due_Date__c",
                "function": "max",
            },
            "account_field",
            AMBIGUOUS_LOOKUP,
            "no lookup to Account",
        ),
        (
            "arr",
            {
                "mode": "aggregation",
                "object": "Opportunity",
                "field": "Amount",
                "function": "sum",
                "account_field": "OwnerId",
            },
            "account_field",
            WRONG_FIELD_TYPE,
            "not a lookup to Account",
        ),
    ],
)
def test_metric_bad(
    catalog: Catalog, metric: str, source: dict[str, Any], field: str, code: str, words: str
) -> None:
    issue = issue_at(issues_of(catalog, **{metric: source}), metric, field)
    assert issue.code == code, issue
    assert words in issue.message, issue


def test_aggregation_filter_is_validated_on_its_object(catalog: Catalog) -> None:
    source = {
        "mode": "aggregation",
        "object": "Opportunity",
        "field": "Amount",
        "function": "sum",
        "filter": "IsWon = true AND Industry = 'Energy'",  # Industry is an Account field
    }
    issue = issue_at(issues_of(catalog, arr=source), "arr", "filter")
    assert (issue.code, issue.row, issue.column) == ("INVALID_FIELD", 1, 18)
    assert "entity 'Opportunity'" in issue.message


def test_fields_of_an_unselected_mode_are_ignored(catalog: Catalog) -> None:
    source = {"mode": "direct", "field": "ARR__c", "object": "Nothing__c", "filter": "garbage ("}
    assert issues_of(catalog, arr=source) == []


# ---------------------------------------------------------------------------- custom objects


def test_custom_objects_good(catalog: Catalog) -> None:
    items = [
        {
            "object": "Account_Health__c",
            "display_name": "Health",
            "matching_field": "Account__c",
            "filter": "Status__c IN ('At Risk', 'Critical')",
            "whitelisted_fields": ["Score__c", "status__c"],
        },
        {"object": "Onboarding_Task__c", "entity_type": "Contact"},  # matching field inferred
        {"object": "Contract"},  # any object, not only custom ones
    ]
    assert issues_of(catalog, custom_objects=items) == []


@pytest.mark.parametrize(
    ("item", "field", "code", "words"),
    [
        (
            {"object": "Acount_Health__c"},
            "object",
            UNKNOWN_OBJECT,
            "did you mean 'Account_Health__c'",
        ),
        (
            {"object": "Account_Health__c", "entity_type": "Contact"},
            "matching_field",
            AMBIGUOUS_LOOKUP,
            "no lookup to Contact",
        ),
        (
            {"object": "Account_Health__c", "matching_field": "OwnerId"},
            "matching_field",
            WRONG_FIELD_TYPE,
            "not a lookup to Account",
        ),
        (
            {
                "object": "Onboarding_Task__c",
                "entity_type": "Contact",
                "matching_field": "Contact_c",
            },
            "matching_field",
            UNKNOWN_FIELD,
            "did you mean 'Contact__c'",
        ),
        (
            {"object": "Account_Health__c", "filter": "Score__c > 'high'"},
            "filter",
            "INVALID_FIELD",
            "Score__c",
        ),
    ],
)
def test_custom_object_bad(
    catalog: Catalog, item: dict[str, Any], field: str, code: str, words: str
) -> None:
    issue = issue_at(issues_of(catalog, custom_objects=[item]), "custom_objects", 0, field)
    assert issue.code == code and words in issue.message, issue
    assert issue.item == item["object"]


def test_custom_object_whitelisted_field_unknown(catalog: Catalog) -> None:
    issues = issues_of(
        catalog,
        custom_objects=[
            {"object": "Account_Health__c", "whitelisted_fields": ["Score__c", "Scor__c"]}
        ],
    )
    issue = issue_at(issues, "custom_objects", 0, "whitelisted_fields", 1)
    assert issue.code == UNKNOWN_FIELD and issue.item == "Scor__c"
    assert issue.section == "custom_objects" and issue.index == 0


def test_custom_object_soql_error_has_position(catalog: Catalog) -> None:
    issues = issues_of(
        catalog,
        custom_objects=[
            {"object": "Contract"},
            {"object": "Account_Health__c", "filter": "Scor__c > 5"},
        ],
    )
    issue = issue_at(issues, "custom_objects", 1, "filter")
    assert (issue.code, issue.row, issue.column, issue.item) == (
        "INVALID_FIELD",
        1,
        1,
        "Account_Health__c",
    )


def test_duplicate_custom_objects(catalog: Catalog) -> None:
    issues = issues_of(
        catalog,
        custom_objects=[
            {"object": "Account_Health__c"},
            {"object": "account_health__c", "display_name": "Other"},
            {"object": "Contract", "display_name": "Account Health Assessments"},
        ],
    )
    assert issue_at(issues, "custom_objects", 1, "object").code == DUPLICATE
    # The first entry's display name defaults to the object's plural label.
    assert issue_at(issues, "custom_objects", 2, "display_name").code == DUPLICATE


# ---------------------------------------------------------------------------- support cases


def test_support_cases_good(catalog: Catalog) -> None:
    section = {
        "enabled": True,
        "filter": "Status != 'Closed' AND CreatedDate = LAST_N_DAYS:90",
        "last_n_days": 90,
        "conversation_source": "EmailMessage",
        "whitelisted_fields": ["Subject", "Status", "Priority"],
    }
    assert issues_of(catalog, support_cases=section) == []


def test_disabled_support_cases_are_not_checked(catalog: Catalog) -> None:
    section = {"enabled": False, "filter": "Nope = 1", "whitelisted_fields": ["Nope"]}
    assert issues_of(catalog, support_cases=section) == []


def test_support_case_filter_is_validated_on_case(catalog: Catalog) -> None:
    issues = issues_of(
        catalog,
        support_cases={
            "enabled": True,
            "filter": "Status = 'New' AND Amount > 5",
            "whitelisted_fields": ["Sujbect"],
        },
    )
    issue = issue_at(issues, "support_cases", "filter")
    assert (issue.code, issue.row, issue.column) == ("INVALID_FIELD", 1, 20)
    assert "entity 'Case'" in issue.message
    field_issue = issue_at(issues, "support_cases", "whitelisted_fields", 0)
    assert field_issue.code == UNKNOWN_FIELD and "did you mean 'Subject'" in field_issue.message


# ---------------------------------------------------------------------------- advanced


def test_advanced_good(catalog: Catalog) -> None:
    section = {
        "account_whitelisted_fields": ["Name", "Industry", "AnnualRevenue"],
        "opportunity_whitelisted_fields": ["Name", "Amount", "StageName"],
        "contact_additional_fields": {"Title": "Job Title", "Department": "Team"},
        "contact_exclude_fields": ["MobilePhone", "Birthdate"],
    }
    assert issues_of(catalog, advanced=section) == []


@pytest.mark.parametrize(
    ("section", "location", "code"),
    [
        (
            {"account_whitelisted_fields": ["Name", "Indusrty"]},
            ("advanced", "account_whitelisted_fields", 1),
            UNKNOWN_FIELD,
        ),
        (
            {"opportunity_whitelisted_fields": ["Ammount"]},
            ("advanced", "opportunity_whitelisted_fields", 0),
            UNKNOWN_FIELD,
        ),
        (
            {"contact_additional_fields": {"Titel": "Job Title"}},
            ("advanced", "contact_additional_fields", "Titel"),
            UNKNOWN_FIELD,
        ),
        (
            {"contact_exclude_fields": ["Emial"]},
            ("advanced", "contact_exclude_fields", 0),
            UNKNOWN_FIELD,
        ),
        (
            {"contact_exclude_fields": ["Email", "AccountId"]},
            ("advanced", "contact_exclude_fields", 1),
            CONFLICT,
        ),
        (
            {
                "contact_additional_fields": {"Title": "Job Title"},
                "contact_exclude_fields": ["Title"],
            },
            ("advanced", "contact_additional_fields", "Title"),
            CONFLICT,
        ),
        (
            {"contact_additional_fields": {"Title": "Role", "Department": "role"}},
            ("advanced", "contact_additional_fields", "Department"),
            DUPLICATE,
        ),
    ],
)
def test_advanced_bad(
    catalog: Catalog, section: dict[str, Any], location: tuple[str | int, ...], code: str
) -> None:
    assert issue_at(issues_of(catalog, advanced=section), *location).code == code


# ---------------------------------------------------------------------------- across sections


def test_every_issue_is_reported_in_document_order(catalog: Catalog) -> None:
    config = parse_config(
        {
            "account_filtering": {"mode": "single"},
            "owner_mapping": [{"field": "Nope__c", "owner_type": "CSM"}],
            "renewal": {"mode": "direct", "field": "Name"},
            "custom_objects": [{"object": "Nope__c"}],
            "advanced": {"contact_exclude_fields": ["Nope"]},
        }
    )
    issues = validate_config(config, catalog)
    assert [i.section for i in issues] == [
        "account_filtering",
        "owner_mapping",
        "renewal",
        "custom_objects",
        "advanced",
    ]
    with pytest.raises(InvalidConfigError) as caught:
        ensure_valid(config, catalog)
    assert caught.value.issues == issues
    assert "5 issues" in str(caught.value)


def test_credentials_in_free_form_keys_are_issues(catalog: Catalog) -> None:
    # parse_config refuses it already; a config built in code is caught by validation too.
    config = IntegrationConfig.model_validate(
        {**MINIMAL, "advanced": {"contact_additional_fields": {"API_Key__c": "Key"}}}
    )
    issue = issue_at(
        validate_config(config, catalog), "advanced", "contact_additional_fields", "API_Key__c"
    )
    assert issue.code == CREDENTIAL
    assert ".dlt/secrets.toml" in issue.message


@pytest.mark.parametrize(
    "document",
    [
        {"password": "hunter2"},
        {"account_filtering": {"client_secret": "abc"}},
        {"support_cases": {"securityToken": "abc"}},
        {"account_filtering": {"filter": "Name = '00D000000000001!AQ4AQFhTl3QXYnk9cXU8yz_Q'"}},
        {"arr": {"mode": "none", "filter": "-----BEGIN RSA PRIVATE KEY-----\nMIIE"}},
    ],
)
def test_credentials_are_refused_when_parsing(document: dict[str, Any]) -> None:
    with pytest.raises(InvalidConfigError) as caught:
        parse_config({**MINIMAL, **document})
    assert [i.code for i in caught.value.issues] == [CREDENTIAL]


# ---------------------------------------------------------------------------- validate_with_api


class FakeOrg:
    """A stand-in for the REST client: records queries, rejects those naming a missing field."""

    def __init__(self, missing: str) -> None:
        self.missing = missing
        self.queries: list[str] = []

    def __call__(self, query: str) -> None:
        self.queries.append(query)
        if self.missing in query:
            column = query.index(self.missing) + 1
            raise RuntimeError(
                f"INVALID_FIELD: \n{query}\n{' ' * (column - 1)}^\nERROR at Row:1:Column:{column}\n"
                f"No such column '{self.missing}' on entity 'Account'."
            )


def api_config(validate_with_api: bool) -> Any:
    return config_with(
        account_filtering={
            "mode": "typed",
            "typed_filters": [
                {"type": "Customer", "filter": "Type = 'Customer'"},
                {"type": "Partner", "filter": "Type = 'Partner' AND Health_Score__c > 5"},
                {"type": "Prospect", "filter": "Nope__c = 1"},  # fails locally: never sent
            ],
            "validate_with_api": validate_with_api,
        },
        support_cases={"enabled": True, "filter": "Status = 'New'"},
    )


def test_validate_with_api_sends_each_locally_valid_filter(catalog: Catalog) -> None:
    org = FakeOrg(missing="Health_Score__c")
    issues = validate_config(api_config(True), catalog, run_query=org)
    assert org.queries == [
        "SELECT Id FROM Account WHERE Type = 'Customer' LIMIT 1",
        "SELECT Id FROM Account WHERE Type = 'Partner' AND Health_Score__c > 5 LIMIT 1",
        "SELECT Id FROM Case WHERE Status = 'New' LIMIT 1",
    ]
    api = issue_at(
        [i for i in issues if i.code == SALESFORCE_API],
        "account_filtering",
        "typed_filters",
        1,
        "filter",
    )
    assert api.item == "Partner"
    assert "No such column 'Health_Score__c' on entity 'Account'" in api.message
    # Salesforce's column points into the probe query; the issue points into the filter.
    assert (api.row, api.column) == (1, 22)
    assert (
        issue_at(issues, "account_filtering", "typed_filters", 2, "filter").code == "INVALID_FIELD"
    )


def test_validate_with_api_off_sends_nothing(catalog: Catalog) -> None:
    org = FakeOrg(missing="Health_Score__c")
    validate_config(api_config(False), catalog, run_query=org)
    assert org.queries == []


def test_validate_with_api_against_the_sandbox_org(catalog: Catalog, sandbox_org: Any) -> None:
    """The real thing: each probe goes over HTTP to the sandbox org's REST query endpoint."""
    session = sandbox_org.http()

    def run_query(query: str) -> None:
        answer = session.get(sandbox_org.api("/query"), params={"q": query}, timeout=30)
        if answer.status_code != 200:
            body = answer.json()
            raise RuntimeError("; ".join(f"{e['errorCode']}: {e['message']}" for e in body))

    good = config_with(
        account_filtering={
            "mode": "single",
            "filter": "Type = 'Customer'",
            "validate_with_api": True,
        }
    )
    assert validate_config(good, catalog, run_query=run_query) == []

    # Valid against a catalog that has the field, unknown to the org: only the org can tell.
    richer = catalog_from_describe(
        "Account:\n  fields:\n    Id: {type: id}\n    Type: {type: picklist}\n"
        "    OwnerId: {type: reference, referenceTo: User, relationshipName: Owner}\n"
        "    Secret_Sauce__c: {type: string}\n"
    )
    bad = config_with(
        account_filtering={
            "mode": "single",
            "filter": "Type = 'Customer' AND Secret_Sauce__c = 'x'",
            "validate_with_api": True,
        }
    )
    (issue,) = validate_config(bad, richer, run_query=run_query)
    assert issue.code == SALESFORCE_API
    assert issue.location == ("account_filtering", "filter")
    assert "Secret_Sauce__c" in issue.message
    assert (issue.row, issue.column) == (1, 23)


# ---------------------------------------------------------------------------- the catalog


def test_load_catalog_falls_back_to_builtin(home: Path) -> None:
    catalog = load_catalog(home)
    assert catalog.get("Account_Health__c") is not None
    assert catalog.get("Account").field("CSM__c") is not None  # type: ignore[union-attr]


def test_load_catalog_prefers_the_synced_describe(home: Path) -> None:
    home.mkdir(parents=True)
    (home / DESCRIBE_CATALOG_FILE).write_text(
        "Account:\n"
        "  fields:\n"
        "    Id: {type: id}\n"
        "    Name: {type: string}\n"
        "    Type: {type: picklist}\n"
        "    OwnerId: {type: reference, referenceTo: User, relationshipName: Owner}\n"
        "    Success_Manager__c: {type: reference, referenceTo: User, relationshipName: Success_Manager__r}\n",
        encoding="utf-8",
    )
    catalog = load_catalog(home)
    account = catalog.get("Account")
    assert account is not None
    # The described object replaces the built-in one as a whole ...
    assert account.field("CSM__c") is None and account.field("Success_Manager__c") is not None
    # ... and objects it does not describe keep their standard description.
    assert catalog.get("Opportunity") is not None
    assert catalog.get("Account_Health__c") is None  # the demo schema is only the fallback

    default = load_config_file(DEFAULT_YAML)
    issues = validate_config(default, catalog)
    assert issue_at(issues, "owner_mapping", 1, "field").code == UNKNOWN_FIELD
    assert issue_at(issues, "custom_objects", 0, "object").code == UNKNOWN_OBJECT
