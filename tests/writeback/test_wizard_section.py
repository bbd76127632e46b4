"""What the wizard's "Sync to Salesforce" section decides, against the org and a real warehouse:
its pickers, the form turned into the config, the dry run and the last push's results."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from writeback_fixtures import MODEL, Org, health_config, make_model, set_model_value

from pipelines.config import load_catalog
from pipelines.config.store import ConfigStore
from pipelines.wizard.forms import base_document
from pipelines.wizard.saving import save_sections
from pipelines.wizard.writeback_form import (
    MappingForm,
    field_choices,
    mapping_forms,
    model_choices,
    object_choices,
    writeback_document,
)
from pipelines.wizard.writeback_view import DryRunUnavailable, dry_run_view, last_push_view
from pipelines.writeback import push

pytestmark = pytest.mark.timeout(180)

Sync = Callable[[Path], None]


def test_pickers_offer_built_models_their_columns_and_updateable_fields(
    home: Path, sync: Sync
) -> None:
    before = model_choices(home)
    assert before.models == {} and before.problem and "run a sync job" in before.problem

    sync(home)
    make_model(home, "pickers")
    choices = model_choices(home)
    catalog = load_catalog(home)

    assert choices.problem is None
    assert choices.names() == [MODEL]  # the raw dataset's tables are not models
    assert choices.names("writeback__not_built") == [MODEL, "writeback__not_built"]
    assert choices.columns(MODEL) == ["account_id", "health_score", "risk_flag"]
    assert choices.column_type(MODEL, "risk_flag") == "BOOLEAN"
    fields = field_choices(catalog, "Account")
    assert {"Health_Score__c", "Risk_Flag__c", "OwnerId"} <= set(fields)
    assert not {"Id", "SystemModstamp", "CreatedDate", "IsDeleted"} & set(fields)
    assert fields.index("Health_Score__c") < fields.index("OwnerId")  # custom fields first
    assert field_choices(catalog, "Account", ["Gone__c"])[-1] == "Gone__c"
    assert object_choices(catalog)[0] == "Account"


def test_the_form_round_trips_and_its_own_problems_block_the_save(home: Path) -> None:
    store = ConfigStore(home)
    store.save(health_config(), comment="one mapping")
    config = store.current().config
    assert config is not None
    forms = mapping_forms(config)
    document, issues = writeback_document(enabled=True, transport="auto", mappings=forms)
    assert issues == [] and document == config.to_document()["writeback"]

    broken = MappingForm(
        model=MODEL,
        object="Account",
        id_column="account_id",
        fields=[
            ("health_score", "Health_Score__c"),
            ("health_score", "Risk_Flag__c"),
            ("", "Risk_Flag__c"),
            ("", ""),
        ],
    )
    document, issues = writeback_document(enabled=True, transport="bulk", mappings=[broken])
    assert document["mappings"][0]["fields"] == {"health_score": "Health_Score__c"}
    assert [(i.location, i.code) for i in issues] == [
        (("writeback", "mappings", 0, "fields", "health_score"), "DUPLICATE"),
        (("writeback", "mappings", 0, "fields", ""), "REQUIRED"),
    ]
    result = save_sections(
        store,
        base_document(config),
        {"writeback": document},
        author="ada",
        extra_issues=issues,
    )
    assert not result.ok and len(store.history()) == 1
    assert {i.code for i in result.issues} == {"DUPLICATE", "REQUIRED"}


def test_a_field_that_is_not_updateable_is_refused_at_its_row(home: Path) -> None:
    store = ConfigStore(home)
    base = base_document(health_config())
    form = MappingForm(
        model=MODEL,
        object="Account",
        id_column="account_id",
        fields=[("health_score", "Health_Score__c"), ("when", "SystemModstamp")],
    )
    document, issues = writeback_document(enabled=False, transport="auto", mappings=[form])

    result = save_sections(store, base, {"writeback": document}, author="ada", extra_issues=issues)

    assert store.history() == []
    [issue] = [i for i in result.issues if i.section == "writeback"]
    assert issue.location == ("writeback", "mappings", 0, "fields", "when")
    assert issue.code == "NOT_UPDATEABLE" and "SystemModstamp" in issue.message


def test_dry_run_view_shows_each_field_and_sends_nothing(org: Org, home: Path, sync: Sync) -> None:
    config = health_config(enabled=False)
    with pytest.raises(DryRunUnavailable, match="run a sync job"):
        dry_run_view(home, config, load_catalog(home))
    sync(home)
    expected = make_model(home, "wizard-dry")
    before = org.api_calls()

    view = dry_run_view(home, config, load_catalog(home))

    assert org.api_calls() == before
    assert last_push_view(home) is None
    assert view.records_to_send == len(expected) and view.api_calls == 1
    assert view.headline.startswith(f"Dry run: {len(expected)} record(s) would be updated")
    assert "Write-back is off" in view.headline
    by_field = {row["Field"]: row for row in view.changes}
    assert by_field["Health_Score__c"]["To update"] == len(expected)
    assert by_field["Health_Score__c"]["Column"] == f"{MODEL}.health_score"
    record, change = str(by_field["Health_Score__c"]["Example"]).split(": ", 1)
    assert record in expected and change.endswith(f"→ {expected[record][0]:g}")
    [mapping] = view.mappings
    assert (mapping.to_send, mapping.transport, mapping.issues) == (
        len(expected),
        "collections",
        [],
    )


def test_dry_run_view_reports_a_broken_mapping(home: Path, sync: Sync) -> None:
    sync(home)
    config = health_config(mapping={"model": "writeback__never_built"})

    view = dry_run_view(home, config, load_catalog(home))

    [mapping] = view.mappings
    assert view.records_to_send == 0 and view.changes == []
    [issue] = mapping.issues
    assert issue.code == "MISSING_MODEL"
    assert issue.location == ("writeback", "mappings", 0, "model")


def test_last_push_view_shows_failures_with_salesforces_error_and_conflicts(
    org: Org, home: Path, sync: Sync
) -> None:
    sync(home)
    expected = make_model(home, "wizard-results")
    assert push(health_config(), home, client=org.client()).sent == len(expected)
    edited, victim = sorted(expected)[2], sorted(expected)[4]
    org.edit(edited, Health_Score__c=(expected[edited][0] + 40) % 100)
    sync(home)
    for rid in (edited, victim):
        set_model_value(home, rid, (expected[rid][0] + 7) % 100)
    org.set_faults(
        fail_writes=[
            {
                "object": "Account",
                "id": victim,
                "message": "Scores are frozen for this account",
                "times": 0,
            }
        ]
    )

    push(health_config(), home, client=org.client())
    view = last_push_view(home)

    assert view is not None
    assert view.status == "Completed" and view.run_id == 2
    assert (view.sent, view.failed, view.conflicted) == (0, 1, 1)
    assert view.headline.startswith("Push #2: Completed")
    [counts] = view.counts
    assert counts["Mapping"] == f"{MODEL} → Account"
    assert (counts["Sent"], counts["Failed"], counts["Conflicts"]) == (0, 1, 1)
    assert counts["Skipped as conflict"] == 1
    assert counts["Unchanged"] == len(expected) - 2
    [failure] = view.failures
    assert failure["Record"] == victim
    assert failure["Error"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert failure["Salesforce says"] == "Scores are frozen for this account"
    [conflict] = view.conflicts
    assert (conflict["Record"], conflict["Field"]) == (edited, "Health_Score__c")
