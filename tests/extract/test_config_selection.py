"""The fields a sync pulls for an integration config: everything the config and its dbt models
read, resolved against the org's own describe — checked in the warehouse after a real sync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from extract_fixtures import Org, open_org
from warehouse_checks import column_types

from pipelines.config.catalogs import load_catalog
from pipelines.config.condition_fields import condition_fields
from pipelines.config.dbt_vars import fields_to_extract
from pipelines.config.model import IntegrationConfig
from pipelines.config.resolve import resolve_config
from pipelines.config.validation import load_config_file
from pipelines.salesforce import run_extract
from pipelines.salesforce.describe import UNSYNCED_TYPES
from pipelines.soql.catalog import standard_catalog
from pipelines.soql.naming import column_name, table_name

pytestmark = pytest.mark.timeout(300)
REPO = Path(__file__).resolve().parents[2]
KEPT = {"id", "is_deleted", "system_modstamp", "last_modified_date", "created_date"}


def config_with(**sections: Any) -> IntegrationConfig:
    doc = load_config_file(REPO / "configs" / "default.yaml").to_document()
    for section, values in sections.items():
        doc[section] = {**doc[section], **values} if isinstance(values, dict) else values
    return IntegrationConfig.model_validate(doc)


def columns(home: Path, table: str) -> set[str]:
    return {c for c in column_types(home, table) if not c.startswith("_dlt")}


NARROW = {
    "account_filtering": {
        "mode": "typed",
        "typed_filters": [
            {"type": "Customer", "filter": "Type = 'Customer' AND AnnualRevenue > 0"},
            # A semi-join reads Opportunity.LeadSource, outside the opportunity allowlist.
            {"type": "Prospect", "filter": "Id IN (SELECT AccountId FROM Opportunity "
             "WHERE LeadSource = 'Web')"},
        ],
    },
    "arr": {"mode": "aggregation", "object": "Opportunity", "field": "Amount", "function": "sum",
            "filter": "IsWon = true AND CloseDate = LAST_N_DAYS:365", "account_field": "AccountId"},
    "custom_objects": [
        # A parent path reads Account.Rating, outside the account allowlist.
        {"object": "Account_Health__c", "display_name": "Health", "entity_type": "Account",
         "matching_field": "Account__c", "whitelisted_fields": ["Score__c"],
         "filter": "Account__r.Rating = 'Hot' OR Status__c = 'Red'"},
    ],
    "support_cases": {"enabled": True, "last_n_days": None, "conversation_source": "CaseComment",
                      "whitelisted_fields": ["Origin"], "filter": "Account.Industry != null"},
    "advanced": {"account_whitelisted_fields": ["Industry"],
                 "opportunity_whitelisted_fields": ["StageName"],
                 "contact_additional_fields": {}, "contact_exclude_fields": ["Email", "Phone"]},
}  # fmt: skip


def test_a_narrowed_config_still_pulls_every_field_it_reads(org: Org, home: Path) -> None:
    config = config_with(**NARROW)
    result = run_extract(home, credentials=org.credentials(), config=config, bulk_threshold=300)
    assert not [m for m in result.messages if "config:" in m or "no field" in m], result.messages

    account = columns(home, "account")
    assert {
        "name",  # the company's name, whatever the allowlist
        "industry",  # the allowlist
        "type", "annual_revenue",  # account filters
        "owner_id", "csm_c", "tam_c", "onboarding_manager_c",  # owner mapping
        "contract_end_date_c",  # renewal (direct)
        "health_score_c", "risk_flag_c",  # write-back targets (compared before writing)
        "rating",  # read by the health filter through Account__r
    } | KEPT <= account  # fmt: skip
    assert "description" not in account and "website" not in account  # the allowlist holds

    opportunity = columns(home, "opportunity")
    assert {
        "name", "stage_name", "account_id",
        "amount", "is_won", "close_date",  # ARR
        "lead_source",  # read by the Prospect semi-join
    } | KEPT <= opportunity  # fmt: skip
    assert "description" not in opportunity

    case = columns(home, "case")
    assert {
        "origin",  # the allowlist
        "account_id", "contact_id", "case_number", "subject", "status", "priority",
        "is_closed", "closed_date",  # what the support models read
    } | KEPT <= case  # fmt: skip
    assert "description" not in case
    assert "industry" in account  # the case filter's Account.Industry

    health = columns(home, "account_health_c")
    assert health == {"name", "score_c", "account_c", "status_c"} | KEPT

    contact = columns(home, "contact")
    assert "email" not in contact and "phone" not in contact and "account_id" in contact
    assert "title" in contact  # exclusions leave every other field


@pytest.mark.parametrize("narrow", [False, True], ids=["default", "narrowed"])
def test_the_warehouse_has_every_field_the_dbt_vars_need(
    org: Org, home: Path, narrow: bool
) -> None:
    config = config_with(**NARROW) if narrow else config_with()
    run_extract(home, credentials=org.credentials(), config=config, bulk_threshold=300)
    catalog = load_catalog(home)  # the org's describe, as dbt's vars are compiled against it
    needed = fields_to_extract(resolve_config(config, catalog), catalog)
    missing = []
    for object_name, fields in needed.items():
        table = columns(home, table_name(object_name))
        sobject = catalog.get(object_name)
        assert sobject is not None
        # Compound fields are not columns: their components are.
        expected = [f for f in fields or [] if sobject.field(f).type not in UNSYNCED_TYPES]  # type: ignore[union-attr]
        missing += [f"{object_name}.{f}" for f in expected if column_name(f) not in table]
    assert missing == []


def test_a_first_sync_resolves_names_against_the_orgs_describe(
    org_template: Path, tmp_path: Path
) -> None:
    """A multi-currency org: the built-in catalog knows no CurrencyIsoCode and no rates, so a
    selection resolved against it would leave out what converting ARR needs."""
    from pipelines.sandbox.generator import generate_demo_org

    template = tmp_path / "template"
    generate_demo_org(template, accounts=30, seed=5, multi_currency=True).close()
    currencies = open_org(template, tmp_path)
    try:
        home = tmp_path / "home"
        config = config_with(advanced=NARROW["advanced"])
        assert not (home / "describe_catalog.yaml").exists()
        result = run_extract(home, credentials=currencies.credentials(), config=config)
        assert "currency_iso_code" in columns(home, "opportunity")
        assert "currency_iso_code" in columns(home, "account")
        assert result.rows_per_object["CurrencyType"] == currencies.scalar(
            "SELECT count(*) FROM currency_type"
        )
    finally:
        currencies.server.stop()
        currencies.store.close()


@pytest.mark.parametrize(
    ("condition", "on", "fields"),
    [
        ("Type = 'Customer'", "Account", [("Account", "Type")]),
        ("Account.Industry != null", "Case", [("Case", "AccountId"), ("Account", "Industry")]),
        ("Account.Owner.IsActive = true", "Contact", [("Contact", "AccountId"), ("Account", "OwnerId"), ("User", "IsActive")]),
        ("Id IN (SELECT AccountId FROM Opportunity WHERE LeadSource = 'Web')", "Account", [("Account", "Id"), ("Opportunity", "AccountId"), ("Opportunity", "LeadSource")]),
        ("NOT (CALENDAR_YEAR(CloseDate) = 2024) OR (IsWon = true)", "Opportunity", [("Opportunity", "CloseDate"), ("Opportunity", "IsWon")]),
        ("Opportunity.Amount > 0", "Opportunity", [("Opportunity", "Amount")]),
    ],
)  # fmt: skip
def test_condition_fields(condition: str, on: str, fields: list[tuple[str, str]]) -> None:
    assert condition_fields(condition, on, standard_catalog()) == fields
