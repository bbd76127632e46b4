"""Under which field row of a write-back mapping each problem of its field map is shown."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from pipelines.config.issues import DUPLICATE, NOT_UPDATEABLE, ConfigIssue
from pipelines.wizard.writeback_form import MappingForm, field_row_issues, writeback_document

MODEL = "wb_scores"


def form(*fields: tuple[str, str]) -> MappingForm:
    return MappingForm(MODEL, "Account", "account_id", list(fields))


def validation(column: str, message: str, index: int = 0) -> ConfigIssue:
    """A problem the config's validation reports for a saved column → field pair."""
    return ConfigIssue(("writeback", "mappings", index, "fields", column), message, NOT_UPDATEABLE)


def placed(
    mapping: MappingForm, extra: Sequence[ConfigIssue] = (), index: int = 0
) -> list[list[str]]:
    """The messages under each field row, after the form's own problems and ``extra``."""
    _, issues = writeback_document(enabled=True, transport="auto", mappings=[mapping])
    rows = field_row_issues(index, mapping, [*issues, *extra]).rows
    return [[i.message.split(";")[0] for i in row] for row in rows]


TWICE = "Column health_score is mapped twice"


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        # The second row is the one not saved: "mapped twice" goes there, not under the first.
        (
            form(("health_score", "Health_Score__c"), ("health_score", "Risk_Flag__c")),
            [[], [TWICE]],
        ),
        # Each later row using the column gets its own message.
        (
            form(
                ("health_score", "A__c"),
                ("risk", "B__c"),
                ("health_score", "C__c"),
                (" health_score ", "D__c"),
            ),
            [[], [], [TWICE], [TWICE]],
        ),
        # A field without its column: under that row, even after a blank row.
        (
            form(("health_score", "A__c"), ("", ""), ("", "Risk_Flag__c")),
            [[], [], ["Required: the warehouse column written to Risk_Flag__c"]],
        ),
        (form(("health_score", "Health_Score__c")), [[]]),
    ],
)
def test_the_forms_own_problems_go_under_the_row_that_caused_them(
    mapping: MappingForm, expected: list[list[str]]
) -> None:
    assert placed(mapping) == expected


def test_the_validations_problem_of_a_column_goes_under_the_saved_row() -> None:
    mapping = form(("health_score", "Name"), ("health_score", "Risk_Flag__c"))
    read_only = validation("health_score", "Account.Name is read-only for the API")

    assert placed(mapping, [read_only]) == [
        ["Account.Name is read-only for the API"],
        [TWICE],
    ]


def test_a_same_code_problem_from_the_validation_is_told_apart_from_the_forms() -> None:
    mapping = form(("health_score", "Risk_Flag__c"), ("risk", "Risk_Flag__c"), ("risk", "A__c"))
    owned = ConfigIssue(
        ("writeback", "mappings", 0, "fields", "risk"),
        "Account.Risk_Flag__c is already written by this mapping; a field can have one source",
        DUPLICATE,
        MODEL,
    )

    assert placed(mapping, [owned]) == [
        [],
        ["Account.Risk_Flag__c is already written by this mapping"],
        ["Column risk is mapped twice"],
    ]


def test_problems_of_the_map_as_a_whole_or_of_no_row_are_left_for_below_the_rows() -> None:
    mapping = form(("health_score", "Health_Score__c"))
    whole = ConfigIssue(("writeback", "mappings", 0, "fields"), "required: at least one pair")
    gone = validation("old_column", "Account.Gone__c does not exist")
    other_mapping = validation("health_score", "about mapping 1", index=1)

    result = field_row_issues(0, mapping, [whole, gone, other_mapping])

    assert result.rows == [[]]
    assert result.rest == [whole, gone]
