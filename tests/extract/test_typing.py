"""Describe → warehouse columns, and Salesforce values → typed Arrow, one line per case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from pipelines.salesforce.describe import SObjectDescribe, column_for, is_syncable, object_schema
from pipelines.salesforce.transport.arrow import ConversionError, csv_to_table, records_to_table

UTC = dt.UTC


@pytest.mark.parametrize(
    ("field", "data_type", "arrow_type", "extra"),
    [
        ({"name": "Id", "type": "id"}, "text", pa.string(), {"primary_key": True, "nullable": False}),
        ({"name": "OwnerId", "type": "reference", "referenceTo": ["User"]}, "text", pa.string(), {}),
        ({"name": "Industry", "type": "picklist"}, "text", pa.string(), {}),
        ({"name": "Regions__c", "type": "multipicklist"}, "text", pa.string(), {}),
        ({"name": "IsWon", "type": "boolean"}, "bool", pa.bool_(), {}),
        ({"name": "NumberOfEmployees", "type": "int", "digits": 8}, "bigint", pa.int64(), {}),
        ({"name": "Health__c", "type": "double", "precision": 3}, "double", pa.float64(), {}),
        ({"name": "Amount", "type": "currency", "precision": 18, "scale": 2}, "decimal", pa.decimal128(18, 2), {"precision": 18, "scale": 2}),
        ({"name": "Probability", "type": "percent", "precision": 3, "scale": 0}, "decimal", pa.decimal128(3, 0), {}),
        ({"name": "Odd__c", "type": "currency", "precision": 0}, "double", pa.float64(), {}),
        ({"name": "CloseDate", "type": "date"}, "date", pa.date32(), {}),
        ({"name": "CreatedDate", "type": "datetime"}, "timestamp", pa.timestamp("us", tz="UTC"), {}),
        ({"name": "Start__c", "type": "time"}, "text", pa.string(), {}),
        ({"name": "CSM__c", "type": "reference", "label": "CSM"}, "text", pa.string(), {"name": "csm_c", "description": "CSM"}),
        ({"name": "Tax__c", "type": "currency", "precision": 16, "scale": 2, "calculated": True, "calculatedFormula": "Amount__c * 0.2"},
         "decimal", pa.decimal128(16, 2), {"x-formula": True}),
    ],
)  # fmt: skip
def test_column_types_from_describe(
    field: dict[str, Any], data_type: str, arrow_type: pa.DataType, extra: dict[str, Any]
) -> None:
    column = column_for(field)
    assert column.hints["data_type"] == data_type
    assert column.arrow_type == arrow_type
    for key, value in extra.items():
        assert column.hints[key] == value  # type: ignore[literal-required]


@pytest.mark.parametrize("sf_type", ["address", "location", "base64"])
def test_compound_and_file_fields_are_not_columns(sf_type: str) -> None:
    assert not is_syncable({"name": "X", "type": sf_type})


DESCRIBE = SObjectDescribe(
    "Deal__c",
    {
        "name": "Deal__c",
        "fields": [
            {"name": "Id", "type": "id"},
            {"name": "IsDeleted", "type": "boolean"},
            {"name": "Name", "type": "string"},
            {"name": "Amount__c", "type": "currency", "precision": 18, "scale": 2},
            {"name": "Units__c", "type": "int"},
            {"name": "Closed__c", "type": "date"},
            {"name": "SystemModstamp", "type": "datetime"},
            {"name": "Won__c", "type": "boolean"},
        ],
    },
)
SCHEMA = object_schema(DESCRIBE, [str(f["name"]) for f in DESCRIBE.fields])

CSV_HEADER = (
    '"Id","IsDeleted","Name","Amount__c","Units__c","Closed__c","SystemModstamp","Won__c"\n'
)


def test_a_bulk_page_parses_straight_into_the_schema() -> None:
    body = (
        CSV_HEADER
        + '"a01A","false","Multi\nline, ""quoted""","1200.50","3","2024-02-29","2024-05-01T09:30:00.123Z","true"\n'
        + '"a01B","true",,,,,"2024-05-02T00:00:00.000Z","false"\n'
    ).encode()
    table = csv_to_table(body, SCHEMA)
    assert table.schema == SCHEMA.arrow_schema
    assert table.to_pylist()[0] == {
        "id": "a01A", "is_deleted": False, "name": 'Multi\nline, "quoted"', "amount_c": Decimal("1200.50"),
        "units_c": 3, "closed_c": dt.date(2024, 2, 29),
        "system_modstamp": dt.datetime(2024, 5, 1, 9, 30, 0, 123000, tzinfo=UTC), "won_c": True,
    }  # fmt: skip
    assert table.to_pylist()[1]["amount_c"] is None and table.to_pylist()[1]["name"] is None


def test_values_written_beyond_their_declared_scale_are_rounded_like_salesforce() -> None:
    body = (
        CSV_HEADER
        + '"a01A","false","x","10.005","4.0",,,"false"\n"a01B","false","y","-2.345","2",,,"true"\n'
    ).encode()
    table = csv_to_table(body, SCHEMA)
    assert table.column("amount_c").to_pylist() == [Decimal("10.01"), Decimal("-2.35")]
    assert table.column("units_c").to_pylist() == [4, 2]


def test_a_value_that_is_not_its_type_names_object_and_field() -> None:
    body = (CSV_HEADER + '"a01A","false","x","lots","1",,,"false"\n').encode()
    with pytest.raises(ConversionError, match="Deal__c"):
        csv_to_table(body, SCHEMA)


def test_rest_records_become_the_same_table() -> None:
    records = [
        {"attributes": {"type": "Deal__c"}, "Id": "a01A", "IsDeleted": False, "Name": "x", "Amount__c": 1200.5,
         "Units__c": 3, "Closed__c": "2024-02-29", "SystemModstamp": "2024-05-01T09:30:00.123+0000", "Won__c": True},
        {"Id": "a01B", "IsDeleted": True, "Name": None, "Amount__c": None, "Units__c": None,
         "Closed__c": None, "SystemModstamp": "2024-05-02T00:00:00.000+0000", "Won__c": False},
    ]  # fmt: skip
    csv_body = (
        CSV_HEADER
        + '"a01A","false","x","1200.5","3","2024-02-29","2024-05-01T09:30:00.123Z","true"\n'
        + '"a01B","true",,,,,"2024-05-02T00:00:00.000Z","false"\n'
    ).encode()
    assert records_to_table(records, SCHEMA).equals(csv_to_table(csv_body, SCHEMA))


def test_rest_values_json_gives_in_another_type_are_converted() -> None:
    records = [
        {"Id": "a01A", "IsDeleted": False, "Name": 42, "Amount__c": 10.005, "Units__c": 4.0},
        {"Id": "a01B", "IsDeleted": False, "Name": True, "Amount__c": -2.345, "Units__c": 2},
    ]
    table = records_to_table(records, SCHEMA)
    assert table.schema == SCHEMA.arrow_schema
    assert table.column("name").to_pylist() == ["42", "true"]
    assert table.column("units_c").to_pylist() == [4, 2]
    assert table.column("amount_c").to_pylist() == [Decimal("10.01"), Decimal("-2.35")]
    # Fields a record leaves out are nulls.
    assert table.column("system_modstamp").to_pylist() == [None, None]
    assert table.column("won_c").to_pylist() == [None, None]
