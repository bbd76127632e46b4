"""Each problem under the field that caused it, in words an admin can act on."""

from __future__ import annotations

import pytest

from pipelines.config import builtin_catalog
from pipelines.config.issues import ConfigIssue
from pipelines.wizard.placement import (
    caret_excerpt,
    check_filter,
    friendly,
    issue_text,
    issues_at,
    issues_by_section,
    typed_filter_issues,
    unplaced,
)

ISSUES = [
    ConfigIssue(
        ("account_filtering", "typed_filters", 1, "filter"),
        "bad",
        "INVALID_FIELD",
        "Prospect",
        1,
        5,
    ),
    ConfigIssue(
        ("account_filtering", "typed_filters", 0, "type"), "twice", "DUPLICATE", "Customer"
    ),
    ConfigIssue(("owner_mapping", 2, "field"), "no field 'X' on Account", "UNKNOWN_FIELD", "CSM"),
    ConfigIssue(("renewal", "function"), "a sum of dates is not a date", "WRONG_FIELD_TYPE"),
    ConfigIssue(("arr", "field"), "required", "REQUIRED"),
    ConfigIssue(("custom_objects",), "whole section", "INVALID_VALUE"),
]


def test_issues_are_found_by_location_prefix() -> None:
    assert [i.message for i in issues_at(ISSUES, "owner_mapping", 2, "field")] == [
        "no field 'X' on Account"
    ]
    assert len(issues_at(ISSUES, "account_filtering")) == 2
    assert issues_at(ISSUES, "owner_mapping", 1) == []


def test_typed_filter_issues_follow_the_type_not_the_index() -> None:
    assert [i.message for i in typed_filter_issues(ISSUES, "Prospect")] == ["bad"]
    assert [i.message for i in typed_filter_issues(ISSUES, "Customer")] == ["twice"]
    assert typed_filter_issues(ISSUES, "Partner") == []


def test_arr_and_renewal_share_one_section() -> None:
    grouped = issues_by_section(ISSUES)
    assert sorted(grouped) == ["account_filtering", "arr", "custom_objects", "owner_mapping"]
    assert len(grouped["arr"]) == 2


def test_issues_no_field_shows_are_left_for_the_section() -> None:
    assert unplaced(
        ISSUES, [("account_filtering",), ("owner_mapping",), ("arr",), ("renewal",)]
    ) == [ISSUES[-1]]


@pytest.mark.parametrize(
    ("issue", "text"),
    [
        (ISSUES[0], "INVALID_FIELD at Row 1, Column 5: Bad"),
        (ISSUES[2], "No field 'X' on Account"),
        (ISSUES[4], "Required."),
        (
            ConfigIssue(
                ("account_filtering", "filter"), "INVALID_FIELD: No such column", "SALESFORCE_API"
            ),
            "SALESFORCE_API: INVALID_FIELD: No such column",
        ),
        (
            ConfigIssue(("x",), "unexpected token: '<EOF>'", "MALFORMED_QUERY"),
            "MALFORMED_QUERY: Unexpected token: '<EOF>'",
        ),
    ],
)
def test_issue_text(issue: ConfigIssue, text: str) -> None:
    assert issue_text(issue) == text


def test_blank_required_boxes_read_required() -> None:
    pydantic_wording = ConfigIssue(
        ("owner_mapping", 0, "field"), "String should have at least 1 character", "INVALID_VALUE"
    )
    assert issue_text(friendly([pydantic_wording])[0]) == "Required."


@pytest.mark.parametrize(
    ("text", "code", "row", "column"),
    [
        ("Type = 'Customer' AND AnualRevenue > 5", "INVALID_FIELD", 1, 23),
        ("Type = 'Customer' AND (", "MALFORMED_QUERY", 1, 24),
        ("Type = 'Customer'\n  AND Bogus__c = 1", "INVALID_FIELD", 2, 7),
        ("Type IN ('Customer'", "MALFORMED_QUERY", 1, 20),
    ],
)
def test_a_soql_box_is_checked_as_typed_with_row_and_column(
    text: str, code: str, row: int, column: int
) -> None:
    issue = check_filter(text, "Account", builtin_catalog())
    assert issue is not None
    assert (issue.code, issue.row, issue.column) == (code, row, column)


@pytest.mark.parametrize("text", [None, "", "  ", "Type = 'Customer' AND AnnualRevenue > 5"])
def test_empty_or_valid_boxes_have_no_problem(text: str | None) -> None:
    assert check_filter(text, "Account", builtin_catalog()) is None


def test_the_caret_points_at_the_column() -> None:
    assert caret_excerpt("a = 1\nAND Bogus = 2", 2, 5) == "AND Bogus = 2\n    ^"
    assert caret_excerpt("a", None, None) is None
    assert caret_excerpt("a", 3, 1) is None
