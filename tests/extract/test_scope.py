"""What is pulled: objects, fields and case scope from the integration config; the catalog."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from extract_fixtures import Org
from warehouse_checks import column_types, differences, warehouse_arrow, warehouse_scalar

from pipelines.config.catalogs import builtin_catalog, load_catalog
from pipelines.config.model import IntegrationConfig
from pipelines.config.validation import load_config_file
from pipelines.salesforce import (
    FieldSelection,
    SalesforceClient,
    Selection,
    queries,
    run_extract,
    selection_from_config,
)
from pipelines.salesforce.selection import ALWAYS_KEPT, conversation_condition

pytestmark = pytest.mark.timeout(300)
REPO = Path(__file__).resolve().parents[2]


def default_config(**changes: Any) -> IntegrationConfig:
    doc = load_config_file(REPO / "configs" / "default.yaml").to_document()
    for section, values in changes.items():
        doc[section] = {**doc[section], **values}
    return IntegrationConfig.model_validate(doc)


def org_count(org: Org, soql: str) -> int:
    client = SalesforceClient(org.credentials())
    return int(client.json("GET", client.data_path("/query"), params={"q": soql})["totalSize"])


def test_the_default_config_decides_objects_fields_and_case_scope(org: Org, home: Path) -> None:
    config = default_config(support_cases={"filter": "Priority IN ('High', 'Medium')"})
    result = run_extract(home, credentials=org.credentials(), config=config, bulk_threshold=300)

    assert set(result.rows_per_object) == {
        "Account", "Contact", "Opportunity", "User", "Contract",
        "Account_Health__c", "Onboarding_Task__c", "Case", "CaseComment",
    }  # fmt: skip
    health = set(column_types(home, "account_health_c")) - {"_dlt_load_id", "_dlt_id"}
    whitelisted = {"name", "score_c", "status_c", "trend_c", "assessment_date_c", "notes_c"}
    kept = {"id", "is_deleted", "system_modstamp", "last_modified_date", "created_date"}
    assert health == whitelisted | kept | {"account_c"}  # + the matching lookup
    scope = "Priority IN ('High', 'Medium') AND CreatedDate = LAST_N_DAYS:365"
    cases = warehouse_scalar(home, "SELECT count(*) FROM salesforce.case")
    assert cases == org_count(org, f"SELECT COUNT() FROM Case WHERE {scope}") > 0
    comments = warehouse_scalar(home, "SELECT count(*) FROM salesforce.case_comment")
    assert comments == org_count(
        org,
        f"SELECT COUNT() FROM CaseComment WHERE ParentId IN (SELECT Id FROM Case WHERE {scope})",
    )
    orphans = warehouse_scalar(
        home,
        "SELECT count(*) FROM salesforce.case_comment WHERE parent_id NOT IN (SELECT id FROM salesforce.case)",
    )
    assert orphans == 0
    for name in ("Account", "Contact", "Opportunity", "Contract"):
        assert differences(org, home, name) == []


def test_allowlists_and_exclusions_keep_what_the_config_needs(org: Org) -> None:
    config = default_config(
        advanced={
            "account_whitelisted_fields": ["Name", "Industry"],
            "contact_exclude_fields": ["Email", "Phone"],
            "contact_additional_fields": {"Title": "Job Title"},
        },
        renewal={"mode": "direct", "field": "Contract_End_Date__c"},
    )
    selection = selection_from_config(config, builtin_catalog())
    account = selection.fields_for("Account")
    # The allowlist, plus the name, the owner lookups, the renewal field, the fields the
    # account filters read and the write-back targets.
    assert set(account.include) == {
        "Id", "Name", "Industry", "OwnerId", "CSM__c", "TAM__c", "Onboarding_Manager__c",
        "Contract_End_Date__c", "Type", "Health_Score__c", "Risk_Flag__c", "SystemModstamp",
    }  # fmt: skip
    contact = selection.fields_for("Contact")
    assert contact == FieldSelection(exclude=("Email", "Phone"))  # Title comes with the rest
    assert selection.filter_for("EmailMessage") is None
    assert "EmailMessage" not in selection.objects


def test_field_selection_in_the_warehouse(org: Org, home: Path) -> None:
    selection = Selection(
        objects=("Account", "Contact"),
        fields={
            "Account": FieldSelection(include=("Name", "Industry"), extra=("OwnerId",)),
            "Contact": FieldSelection(exclude=("Email", "Phone", "Id", "Nonexistent__c")),
        },
    )
    result = run_extract(home, credentials=org.credentials(), selection=selection)
    account = {c for c in column_types(home, "account") if not c.startswith("_dlt")}
    assert account == {
        "name",
        "industry",
        "owner_id",
        *(
            f.lower()
            for f in ("id", "is_deleted", "system_modstamp", "last_modified_date", "created_date")
        ),
    }
    contact = column_types(home, "contact")
    assert (
        "email" not in contact and "phone" not in contact and "id" in contact
    )  # Id is always kept
    assert any("Nonexistent__c" in m for m in result.messages)
    assert set(ALWAYS_KEPT) == {
        "Id",
        "IsDeleted",
        "SystemModstamp",
        "LastModifiedDate",
        "CreatedDate",
    }


def test_a_long_select_list_is_split_over_several_rest_queries(org: Org, home: Path) -> None:
    result = run_extract(
        home, credentials=org.credentials(), objects=["Account"], bulk_threshold=10**6,
        max_url_length=900,
    )  # fmt: skip
    assert result.modes["Account"].endswith("rest")
    assert differences(org, home, "Account") == []
    client = SalesforceClient(org.credentials())
    fields = [
        r["field_name"]
        for r in warehouse_arrow(
            home,
            "SELECT field_name FROM salesforce.describe_catalog WHERE object_name = 'Account' AND is_synced",
        ).to_pylist()
    ]
    prefix = client.instance_url + client.data_path("/queryAll")
    groups = queries.split_fields("Account", fields, [], prefix=prefix, max_url_length=900)
    assert len(groups) >= 2
    assert result.api_calls == 2 + len(groups)  # describe, count, then one query per group


def test_describe_catalog_lands_in_the_warehouse_and_in_sfsync_home(org: Org, home: Path) -> None:
    run_extract(
        home, credentials=org.credentials(), objects=["Account", "Contact", "Case", "CaseComment"]
    )
    rows = warehouse_arrow(
        home,
        "SELECT field_name, column_name, type, data_type, reference_to, is_synced, is_formula "
        "FROM salesforce.describe_catalog WHERE object_name = 'Account'",
    ).to_pylist()
    by_field = {r["field_name"]: r for r in rows}
    assert by_field["CSM__c"] == {
        "field_name": "CSM__c", "column_name": "csm_c", "type": "reference", "data_type": "text",
        "reference_to": "User", "is_synced": True, "is_formula": False,
    }  # fmt: skip
    assert by_field["AnnualRevenue"]["data_type"] == "decimal"
    assert (
        by_field["BillingAddress"]["column_name"] is None
        and not by_field["BillingAddress"]["is_synced"]
    )

    path = home / "describe_catalog.yaml"
    doc = yaml.safe_load(path.read_text())
    assert set(doc) == {"Account", "Contact", "Case", "CaseComment"}
    catalog = load_catalog(home)  # what the SOQL engine and the wizard read
    account = catalog.get("Account")
    assert account is not None and account.field("CSM__c") is not None
    assert account.field("csm__c").reference_to == ("User",)  # type: ignore[union-attr]
    case = catalog.get("Case")
    assert case is not None and case.child_relationship("CaseComments") is not None

    # A later run of other objects keeps these entries and adds its own.
    run_extract(home, credentials=org.credentials(), objects=["Contract"])
    assert set(yaml.safe_load(path.read_text())) == {
        "Account",
        "Contact",
        "Case",
        "CaseComment",
        "Contract",
    }


def test_conversation_scope_never_nests_sub_selects() -> None:
    plain = conversation_condition("Status = 'Closed'", 30)
    assert (
        plain
        == "ParentId IN (SELECT Id FROM Case WHERE (Status = 'Closed') AND CreatedDate = LAST_N_DAYS:30)"
    )
    nested = conversation_condition(
        "AccountId IN (SELECT Id FROM Account WHERE Type = 'Customer')", 30
    )
    assert nested == "ParentId IN (SELECT Id FROM Case WHERE CreatedDate = LAST_N_DAYS:30)"
    assert conversation_condition(None, None) == "ParentId IN (SELECT Id FROM Case)"


def test_unknown_objects_are_refused_before_anything_runs(org: Org, home: Path) -> None:
    from pipelines.salesforce import ExtractFailed

    with pytest.raises(ExtractFailed, match="no object named Invoice__c"):
        run_extract(home, credentials=org.credentials(), objects=["Account", "Invoice__c"])
    assert not (home / "describe_catalog.yaml").exists()


ANALYST_SCRIPT = """
import dlt
from pipelines.salesforce import salesforce_source

pipeline = dlt.pipeline("analyst", destination=dlt.destinations.duckdb("mine.duckdb"),
                        dataset_name="crm", pipelines_dir="pipelines")
source = salesforce_source()
print(sorted(source.resources))
pipeline.run(source.with_resources("Account", "Contact"))
with pipeline.sql_client() as client:
    print(client.execute_sql("SELECT count(*) FROM account")[0][0])
print(pipeline.default_schema.get_table("account")["columns"]["annual_revenue"]["data_type"])
"""


def test_analysts_use_it_like_any_dlt_source(org: Org, tmp_path: Path) -> None:
    """An analyst's own script: credentials in .dlt/secrets.toml, options in config.toml."""
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "secrets.toml").write_text(
        "[sources.salesforce.credentials]\n"
        f'login_url = "{org.base_url}"\n'
        'client_id = "sandbox"\nclient_secret = "sandbox"\n'
        'username = "admin@sandbox.local"\npassword = "sandbox"\n'
    )
    (tmp_path / ".dlt" / "config.toml").write_text(
        '[sources.salesforce]\nobjects = ["Account", "Contact", "Opportunity"]\n'
    )
    (tmp_path / "my_pipeline.py").write_text(ANALYST_SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")}
    ran = subprocess.run(
        [sys.executable, "my_pipeline.py"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert ran.returncode == 0, ran.stderr
    resources, accounts, revenue_type = ran.stdout.strip().splitlines()[-3:]
    assert resources == "['Account', 'Contact', 'Opportunity', 'describe_catalog']"
    assert int(accounts) == len(org.live_ids("Account"))
    assert revenue_type == "decimal"
