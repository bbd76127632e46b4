"""The IntegrationConfig model: defaults, unknown keys, enumerations, round trips."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest
from config_fixtures import MINIMAL

from pipelines.config import IntegrationConfig, InvalidConfigError, parse_config
from pipelines.config.issues import REQUIRED, UNKNOWN_KEY, UNSUPPORTED_VERSION


def test_defaults() -> None:
    cfg = IntegrationConfig()
    assert cfg.schema_version == 1
    assert cfg.account_filtering.mode == "single"
    assert cfg.account_filtering.filter is None
    assert cfg.account_filtering.typed_filters == []
    assert cfg.account_filtering.validate_with_api is False
    assert [(m.field, m.owner_type) for m in cfg.owner_mapping] == [("OwnerId", "Account Owner")]
    assert cfg.arr.mode == "none" and cfg.renewal.mode == "none"
    assert cfg.custom_objects == []
    assert cfg.support_cases.enabled is False
    assert cfg.support_cases.conversation_source == "CaseComment"
    assert cfg.support_cases.last_n_days == 90
    assert cfg.advanced.contact_additional_fields == {}
    assert cfg.advanced.account_whitelisted_fields == []


def test_sections_are_exactly_the_documented_ones() -> None:
    assert list(IntegrationConfig().to_document()) == [
        "schema_version",
        "account_filtering",
        "owner_mapping",
        "arr",
        "renewal",
        "custom_objects",
        "support_cases",
        "advanced",
        "writeback",
    ]


def test_custom_object_defaults() -> None:
    cfg = parse_config({"custom_objects": [{"object": "Account_Health__c"}]})
    item = cfg.custom_objects[0]
    assert item.entity_type == "Account"
    assert item.display_name is None and item.matching_field is None and item.filter is None
    assert item.whitelisted_fields == []


@pytest.mark.parametrize(
    ("document", "location", "suggestion"),
    [
        ({"acount_filtering": {}}, ("acount_filtering",), "account_filtering"),
        ({"account_filtering": {"filtr": "x"}}, ("account_filtering", "filtr"), "filter"),
        (
            {"account_filtering": {"typed_filters": [{"type": "Customer", "fliter": "x"}]}},
            ("account_filtering", "typed_filters", 0, "fliter"),
            "filter",
        ),
        ({"arr": {"mode": "direct", "feild": "ARR__c"}}, ("arr", "feild"), "field"),
        (
            {"custom_objects": [{"object": "X__c", "matchingfield": "A__c"}]},
            ("custom_objects", 0, "matchingfield"),
            "matching_field",
        ),
        ({"support_cases": {"enable": True}}, ("support_cases", "enable"), "enabled"),
        (
            {"advanced": {"contact_exclude_field": ["Email"]}},
            ("advanced", "contact_exclude_field"),
            "contact_exclude_fields",
        ),
    ],
)
def test_unknown_keys_are_errors(
    document: dict[str, Any], location: tuple[str | int, ...], suggestion: str
) -> None:
    with pytest.raises(InvalidConfigError) as caught:
        parse_config(document)
    (issue,) = caught.value.issues
    assert issue.location == location
    assert issue.code == UNKNOWN_KEY
    assert f"did you mean '{suggestion}'" in issue.message


@pytest.mark.parametrize(
    ("document", "location"),
    [
        (
            {"account_filtering": {"mode": "typed", "typed_filters": [{"type": "Customers"}]}},
            ("account_filtering", "typed_filters", 0, "type"),
        ),
        ({"account_filtering": {"mode": "multi"}}, ("account_filtering", "mode")),
        ({"arr": {"mode": "aggregation", "function": "avg"}}, ("arr", "function")),
        ({"renewal": {"mode": "sometimes"}}, ("renewal", "mode")),
        (
            {"custom_objects": [{"object": "X__c", "entity_type": "Lead"}]},
            ("custom_objects", 0, "entity_type"),
        ),
        (
            {"support_cases": {"conversation_source": "Chatter"}},
            ("support_cases", "conversation_source"),
        ),
        ({"support_cases": {"last_n_days": 0}}, ("support_cases", "last_n_days")),
        ({"support_cases": {"enabled": "maybe"}}, ("support_cases", "enabled")),
        (
            {"owner_mapping": [{"field": "CSM__c", "owner_type": "  "}]},
            ("owner_mapping", 0, "owner_type"),
        ),
        (
            {"advanced": {"contact_additional_fields": {"Title": "!!"}}},
            ("advanced", "contact_additional_fields", "Title"),
        ),
        ({"owner_mapping": "OwnerId"}, ("owner_mapping",)),
    ],
)
def test_invalid_values_name_their_location(
    document: dict[str, Any], location: tuple[str | int, ...]
) -> None:
    with pytest.raises(InvalidConfigError) as caught:
        parse_config(document)
    assert location in [i.location for i in caught.value.issues], caught.value


def test_missing_required_key_names_the_item() -> None:
    with pytest.raises(InvalidConfigError) as caught:
        parse_config({"owner_mapping": [{"owner_type": "CSM"}]})
    (issue,) = caught.value.issues
    assert issue.location == ("owner_mapping", 0, "field")
    assert issue.code == REQUIRED
    assert issue.item == "CSM"
    assert str(issue).startswith("owner_mapping[0] (CSM).field: REQUIRED")


def test_all_shape_errors_are_reported_at_once() -> None:
    with pytest.raises(InvalidConfigError) as caught:
        parse_config({"arr": {"mode": "x"}, "renewal": {"mode": "y"}, "bogus": 1})
    assert len(caught.value.issues) == 3


def test_blank_filters_mean_no_filter() -> None:
    cfg = parse_config(
        {
            "account_filtering": {"filter": "   "},
            "arr": {"mode": "aggregation", "filter": "", "object": " "},
            "support_cases": {"filter": "\n"},
        }
    )
    assert cfg.account_filtering.filter is None
    assert cfg.arr.filter is None and cfg.arr.object is None
    assert cfg.support_cases.filter is None


def test_filter_text_is_kept_exactly() -> None:
    # Leading blanks are part of what the admin sees: Row:Column must point into it unchanged.
    text = "  Type = 'Customer'\n  AND Industry = 'Energy'"
    cfg = parse_config({"account_filtering": {"filter": text}})
    assert cfg.account_filtering.filter == text


def test_names_are_trimmed() -> None:
    cfg = parse_config({"owner_mapping": [{"field": " CSM__c ", "owner_type": " CSM "}]})
    assert (cfg.owner_mapping[0].field, cfg.owner_mapping[0].owner_type) == ("CSM__c", "CSM")


def test_document_round_trip() -> None:
    cfg = parse_config(
        {
            **MINIMAL,
            "arr": {
                "mode": "aggregation",
                "object": "Opportunity",
                "field": "Amount",
                "function": "sum",
            },
            "advanced": {"contact_additional_fields": {"Title": "Job Title"}},
        }
    )
    assert parse_config(cfg.to_document()) == cfg
    assert IntegrationConfig.model_validate_json(cfg.model_dump_json()) == cfg


def test_newer_schema_version_is_refused_clearly() -> None:
    with pytest.raises(InvalidConfigError) as caught:
        parse_config({"schema_version": 2})
    (issue,) = caught.value.issues
    assert issue.code == UNSUPPORTED_VERSION
    assert "newer sfsync" in issue.message


def test_assignment_is_validated() -> None:
    cfg = IntegrationConfig()
    with pytest.raises(pydantic.ValidationError):
        cfg.arr.mode = "sometimes"  # type: ignore[assignment]


def test_document_must_be_a_mapping() -> None:
    with pytest.raises(InvalidConfigError, match="expected a mapping"):
        parse_config(["account_filtering"])


def test_json_schema_covers_every_section() -> None:
    schema = IntegrationConfig.model_json_schema()
    assert set(schema["properties"]) == set(IntegrationConfig.model_fields)
    assert schema["additionalProperties"] is False
