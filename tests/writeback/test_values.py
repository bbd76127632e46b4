"""Canonical values, CSV cells, Bulk errors and the transport choice: one line per case."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from pipelines.soql.catalog import Field
from pipelines.writeback.costs import choose_transport, estimated_calls
from pipelines.writeback.transport.bulk import parse_error, to_csv
from pipelines.writeback.values import (
    InvalidValue,
    accepts_column,
    canonical,
    csv_cell,
    is_record_id,
    record_id,
)

SCORE = Field("Health_Score__c", "double", precision=3, scale=0)
ARR = Field("ARR__c", "currency", precision=18, scale=2)
RATIO = Field("Ratio__c", "double")
SEATS = Field("Seats__c", "int")
FLAG = Field("Risk_Flag__c", "boolean")
RENEWAL = Field("Renewal__c", "date")
SEEN = Field("Seen__c", "datetime")
OWNER = Field("OwnerId", "reference", reference_to=("User",))
REGIONS = Field("Regions__c", "multipicklist")
NOTE = Field("Note__c", "textarea")


@pytest.mark.parametrize(
    ("value", "field", "expected"),
    [
        (71.4, SCORE, 71.0),
        (Decimal("71"), SCORE, 71.0),
        ("71.0", SCORE, 71.0),
        (-0.0, SCORE, 0.0),
        (float("nan"), SCORE, None),
        (1234.567, ARR, 1234.57),
        (0.123456789, RATIO, 0.123456789),
        (12.6, SEATS, 13),
        (True, FLAG, True),
        ("false", FLAG, False),
        (0, FLAG, False),
        (date(2026, 3, 1), RENEWAL, "2026-03-01"),
        ("2026-03-01T10:00:00Z", RENEWAL, "2026-03-01"),
        (datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=UTC), SEEN, "2026-03-01T10:00:00.123Z"),
        ("2026-03-01T12:00:00.000+0200", SEEN, "2026-03-01T10:00:00.000Z"),
        ("005SB0000000Q1A", OWNER, "005SB0000000Q1AYAU"),
        ("005SB0000000Q1Ayau", OWNER, "005SB0000000Q1AYAU"),
        ("B;A;A", REGIONS, "A;B"),
        (["EMEA", "AMER"], REGIONS, "AMER;EMEA"),
        ("", NOTE, None),
        (None, SCORE, None),
    ],
)
def test_canonical(value: Any, field: Field, expected: Any) -> None:
    assert canonical(value, field) == expected


@pytest.mark.parametrize(("value", "field"), [("abc", SCORE), ("maybe", FLAG), (True, SCORE)])
def test_values_a_field_cannot_hold(value: Any, field: Field) -> None:
    with pytest.raises(InvalidValue):
        canonical(value, field)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (71.0, "71"),
        (0.0000001, "0.0000001"),
        (1e20, "100000000000000000000"),
        (True, "true"),
        (None, ""),
        ("a,b", "a,b"),
    ],
)
def test_csv_cell(value: Any, cell: str) -> None:
    assert csv_cell(value) == cell


def test_bulk_csv_leaves_unchanged_fields_empty() -> None:
    body = to_csv([("001A", {"Health_Score__c": 71.0}), ("001B", {"Risk_Flag__c": True})])
    assert body == b"Id,Health_Score__c,Risk_Flag__c\n001A,71,\n001B,,true\n"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        (
            "FIELD_CUSTOM_VALIDATION_EXCEPTION:Locked: ask finance:Health_Score__c --",
            ("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Locked: ask finance", ("Health_Score__c",)),
        ),
        (
            "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--",
            ("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ()),
        ),
        ("ENTITY_IS_DELETED:entity is deleted", ("ENTITY_IS_DELETED", "entity is deleted", ())),
    ],
)
def test_bulk_error_text(text: str, parsed: tuple[str, str, tuple[str, ...]]) -> None:
    assert parse_error(text) == parsed


@pytest.mark.parametrize(
    ("column_type", "field", "ok"),
    [
        ("DOUBLE", SCORE, True),
        ("DECIMAL(18,2)", SCORE, True),
        ("VARCHAR", SCORE, False),
        ("BIGINT", SEATS, True),
        ("DECIMAL(10,0)", SEATS, True),
        ("DOUBLE", SEATS, False),
        ("BOOLEAN", FLAG, True),
        ("INTEGER", FLAG, False),
        ("DATE", RENEWAL, True),
        ("TIMESTAMP WITH TIME ZONE", RENEWAL, False),
        ("TIMESTAMP WITH TIME ZONE", SEEN, True),
        ("VARCHAR", OWNER, True),
        ("VARCHAR[]", REGIONS, True),
    ],
)
def test_column_types(column_type: str, field: Field, ok: bool) -> None:
    assert accepts_column(field, column_type) is ok


def test_record_ids() -> None:
    assert record_id("001SB0000000Q0u") == "001SB0000000Q0uYAE"
    assert is_record_id("001SB0000000Q0uyae") and is_record_id("001SB0000000Q0u")
    assert not is_record_id("001SB0000000Q0uXXX") and not is_record_id("Acme")


@pytest.mark.parametrize(
    ("records", "transport", "collections_calls", "bulk_calls"),
    [
        (1, "collections", 1, 6),
        (200, "collections", 1, 6),
        (1_200, "collections", 6, 6),  # a tie goes to the answers that come at once
        (1_201, "bulk", 7, 6),
        (100_000, "bulk", 500, 6),
        (300_001, "bulk", 1_501, 18),
    ],
)
def test_the_cheaper_transport_wins(
    records: int, transport: str, collections_calls: int, bulk_calls: int
) -> None:
    assert choose_transport(records) == transport
    assert estimated_calls(records) == {"collections": collections_calls, "bulk": bulk_calls}
    assert choose_transport(records, "collections") == "collections"
    assert choose_transport(records, "bulk") == "bulk"
