"""Forms to config sections and back: what each form shows, and what it saves."""

from __future__ import annotations

import pytest

from pipelines.config import IntegrationConfig, load_config_file
from pipelines.config.model import AccountFiltering, MetricSource
from pipelines.config.store import default_config_path
from pipelines.wizard.forms import (
    MetricForm,
    account_filtering_document,
    advanced_document,
    base_document,
    custom_object_document,
    draft_config,
    format_field_mapping,
    metric_document,
    metric_form,
    move_up,
    owner_mapping_document,
    parse_field_mapping,
    replace_sections,
    support_cases_document,
    typed_rows,
)


def test_typed_rows_list_every_type_in_matching_order() -> None:
    section = AccountFiltering.model_validate(
        {"mode": "typed", "typed_filters": [{"type": "Partner", "filter": "Type = 'Partner'"}]}
    )
    assert typed_rows(section) == [
        ("Partner", "Type = 'Partner'"),
        ("Customer", ""),
        ("Prospect", ""),
    ]


@pytest.mark.parametrize(
    ("mode", "single", "rows", "expected_typed"),
    [
        (
            "typed",
            None,
            [("Customer", "Type = 'Customer'"), ("Prospect", "  "), ("Partner", None)],
            [{"type": "Customer", "filter": "Type = 'Customer'"}],
        ),
        ("single", "Type = 'Customer'", [("Customer", "")], []),
        (
            "typed",
            "",
            [("Prospect", "A = 1"), ("Customer", "B = 2")],
            [{"type": "Prospect", "filter": "A = 1"}, {"type": "Customer", "filter": "B = 2"}],
        ),
    ],
)
def test_account_filtering_keeps_only_types_with_a_filter(
    mode: str, single: str | None, rows: list[tuple[str, str | None]], expected_typed: list[object]
) -> None:
    doc = account_filtering_document(mode, single, rows, validate_with_api=True)
    assert doc["mode"] == mode
    assert doc["typed_filters"] == expected_typed
    assert doc["filter"] == (single if single and single.strip() else None)
    assert doc["validate_with_api"] is True


@pytest.mark.parametrize(
    ("index", "expected"),
    [(0, "ABC"), (1, "BAC"), (2, "ACB"), (3, "ABC")],
)
def test_move_up_swaps_with_the_row_before(index: int, expected: str) -> None:
    rows = [("A", ""), ("B", ""), ("C", "")]
    assert "".join(t for t, _ in move_up(rows, index)) == expected


def test_owner_rows_drop_blank_rows_and_keep_half_filled_ones() -> None:
    rows = [
        ("OwnerId", "Account Owner"),
        (None, None),
        ("", " "),
        ("CSM__c", ""),
        (" TAM__c ", "TAM"),
    ]
    assert owner_mapping_document(rows) == [
        {"field": "OwnerId", "owner_type": "Account Owner"},
        {"field": "CSM__c", "owner_type": ""},
        {"field": "TAM__c", "owner_type": "TAM"},
    ]


@pytest.mark.parametrize(
    "source",
    [
        MetricSource(),
        MetricSource(mode="direct", field="AnnualRevenue"),
        MetricSource(
            mode="aggregation",
            object="Opportunity",
            field="Amount",
            function="sum",
            filter="IsWon = true",
            account_field="AccountId",
        ),
        MetricSource(mode="aggregation", object="Contract", field="EndDate", function="latest"),
        MetricSource(mode="none", object="Opportunity", field="Amount", function="max"),
    ],
)
def test_a_metric_survives_the_form_unchanged(source: MetricSource) -> None:
    assert MetricSource.model_validate(metric_document(metric_form(source))) == source


def test_switching_metric_mode_keeps_both_fields_in_the_form() -> None:
    form = MetricForm(
        mode="direct",
        direct_field="AnnualRevenue",
        object="Opportunity",
        field="Amount",
        function="sum",
    )
    assert metric_document(form)["field"] == "AnnualRevenue"
    assert (
        metric_document(MetricForm(**{**form.__dict__, "mode": "aggregation"}))["field"] == "Amount"
    )


def test_blank_boxes_become_none_and_lists_stay_lists() -> None:
    assert custom_object_document(
        object=" Account_Health__c ",
        display_name=" ",
        entity_type="Account",
        matching_field="",
        filter="  ",
        whitelisted_fields=("Name",),
    ) == {
        "object": "Account_Health__c",
        "display_name": None,
        "entity_type": "Account",
        "matching_field": None,
        "filter": None,
        "whitelisted_fields": ["Name"],
    }
    assert support_cases_document(
        enabled=True,
        filter="",
        last_n_days=0,
        conversation_source="EmailMessage",
        whitelisted_fields=[],
    ) == {
        "enabled": True,
        "filter": None,
        "last_n_days": None,
        "conversation_source": "EmailMessage",
        "whitelisted_fields": [],
    }


@pytest.mark.parametrize(
    ("text", "mapping", "problems"),
    [
        ("", {}, 0),
        (
            "Preferred_Language__c: Preferred language",
            {"Preferred_Language__c": "Preferred language"},
            0,
        ),
        ("A__c = Alpha\n\nB__c:Beta  ", {"A__c": "Alpha", "B__c": "Beta"}, 0),
        ("just a field name", {}, 1),
        ("A__c: One\nA__c: Two", {"A__c": "One"}, 1),
    ],
)
def test_contact_additional_fields_are_parsed_line_by_line(
    text: str, mapping: dict[str, str], problems: int
) -> None:
    parsed, issues = parse_field_mapping(text)
    assert parsed == mapping
    assert len(issues) == problems
    assert all(i.location == ("advanced", "contact_additional_fields") for i in issues)
    assert parse_field_mapping(format_field_mapping(parsed))[0] == parsed


def test_replacing_a_section_leaves_the_base_untouched() -> None:
    base = base_document(load_config_file(default_config_path()))
    owners = [{"field": "CSM__c", "owner_type": "CSM"}]
    changed = replace_sections(base, owner_mapping=owners)
    assert changed["owner_mapping"] == owners
    assert base["owner_mapping"] != owners
    assert changed["arr"] == base["arr"]


def test_an_empty_base_is_the_model_default() -> None:
    assert base_document(None) == IntegrationConfig().to_document()


def test_a_draft_is_none_until_it_has_the_shape_of_a_config() -> None:
    doc = base_document(None)
    assert draft_config(doc) == IntegrationConfig()
    assert (
        draft_config(replace_sections(doc, owner_mapping=[{"field": "", "owner_type": "CSM"}]))
        is None
    )
    assert advanced_document(
        account_whitelisted_fields=[],
        opportunity_whitelisted_fields=["Amount"],
        contact_additional_fields={},
        contact_exclude_fields=[],
    )["opportunity_whitelisted_fields"] == ["Amount"]
