"""Orgs loaded from a directory of CSV files: typing, bookkeeping, and errors that say where."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from pipelines.sandbox.orgdir import OrgDirError, load_org_dir
from pipelines.sandbox.provision import provision_org
from pipelines.sandbox.store import ADMIN_USERNAME, OrgStore
from pipelines.soql.ids import checksum

LOADED_AT = datetime(2025, 5, 6, 7, 8, 9, 123_456, tzinfo=UTC)

SCHEMA = """
Account:
  fields:
    CSM__c: {type: reference, referenceTo: User, relationshipName: CSM__r, childRelationshipName: CSM_Accounts__r}
    Regions__c: {type: multipicklist, picklistValues: [AMER, EMEA, APAC]}
    Tier__c: {type: picklist, picklistValues: [Gold, Silver]}
Health__c:
  label: Health
  fields:
    Account__c: {type: reference, referenceTo: Account, relationshipName: Account__r, childRelationshipName: Healths__r}
    Score__c: {type: double}
    Checked__c: {type: boolean}
"""

FILES = {
    "schema.yaml": SCHEMA,
    "Account.csv": """\
        Id,Name,Type,AnnualRevenue,NumberOfEmployees,CSM__c,Regions__c,Tier__c,CreatedDate,SystemModstamp,IsDeleted
        001000000000001,Acme,Customer,1200000.50,120,005000000000001,AMER;EMEA,Gold,2024-01-05T09:30:00Z,2024-02-01T00:00:00.000+0000,false
        ,Globex,Prospect,,,,,,,,
        001000000000003AAA,"Old, Closed Co",Other,5,,,,,2023-01-01T00:00:00+01:00,,true
        """,
    "contact.csv": """\
        FirstName,LastName,AccountId,Email,Birthdate,HasOptedOutOfEmail
        Ada,Lovelace,001000000000001AAA,ada@acme.test,1990-12-10,TRUE
        ,Solo,,,,
        """,
    "User.csv": """\
        Id,Username,LastName,FirstName,Email,Alias,IsActive
        005000000000001,jane@acme.test,Doe,Jane,jane@acme.test,jdoe,true
        """,
    "Opportunity.csv": """\
        Name,StageName,CloseDate,Amount,AccountId
        Big deal,Closed Won,2024-03-01,1000,001000000000001
        Next,Prospecting,2025-03-01,,001000000000001
        """,
    "Case.csv": """\
        Subject,Status,AccountId,Description
        Broken,Closed,001000000000001,"Line one
        line two"
        Open one,New,001000000000001,
        """,
    "Health__c.csv": """\
        Name,Account__c,Score__c,Checked__c
        H1,001000000000001,55,1
        ,001000000000001,,
        """,
}


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


@pytest.fixture
def loaded(tmp_path: Path) -> Any:
    store = load_org_dir(write(tmp_path / "src", FILES), tmp_path / "org", now=LOADED_AT)
    yield store
    store.close()


def rows(store: OrgStore, sql: str) -> list[tuple[Any, ...]]:
    with store.reading() as cur:
        return cur.execute(sql).fetchall()


def test_csv_values_are_typed_and_ids_normalised(loaded: OrgStore) -> None:
    acme = loaded.get("Account", "001000000000001AAA")
    assert acme is not None
    assert acme["AnnualRevenue"] == 1200000.5
    assert acme["NumberOfEmployees"] == 120
    assert acme["CSM__c"] == "005000000000001AAA"
    assert acme["Regions__c"] == "AMER;EMEA"
    assert acme["CreatedDate"] == datetime(2024, 1, 5, 9, 30, tzinfo=UTC)
    assert acme["LastModifiedDate"] == acme["CreatedDate"]
    assert acme["SystemModstamp"] == datetime(2024, 2, 1, tzinfo=UTC)
    [ada] = rows(
        loaded,
        "SELECT name, birthdate, has_opted_out_of_email, account_id FROM contact WHERE first_name = 'Ada'",
    )
    assert ada == ("Ada Lovelace", date(1990, 12, 10), True, "001000000000001AAA")
    [case] = rows(loaded, "SELECT description FROM \"case\" WHERE subject = 'Broken'")
    assert case == ("Line one\nline two",)


def test_missing_ids_and_bookkeeping_are_filled(loaded: OrgStore) -> None:
    admin = loaded.admin_user_id
    assert rows(loaded, f"SELECT count(*) FROM \"user\" WHERE username = '{ADMIN_USERNAME}'") == [
        (1,)
    ]
    health = loaded.catalog.get("Health__c")
    assert health is not None and health.key_prefix is not None
    tables = {
        "account": "001",
        "contact": "003",
        "opportunity": "006",
        "health_c": health.key_prefix,
    }
    for table, prefix in tables.items():
        for record_id, created, modified, stamp, created_by, deleted in rows(
            loaded,
            f"SELECT id, created_date, last_modified_date, system_modstamp, created_by_id, is_deleted FROM {table}",
        ):
            assert record_id[:3] == prefix and checksum(record_id[:15]) == record_id[15:]
            assert created <= modified <= stamp
            assert created_by is not None and deleted is not None
    [globex] = rows(
        loaded, "SELECT created_date, owner_id, created_by_id FROM account WHERE name = 'Globex'"
    )
    assert globex == (LOADED_AT.replace(microsecond=123_000), admin, admin)
    names = dict(rows(loaded, "SELECT score_c, name FROM health_c"))
    assert names[55.0] == "H1"
    assert names[None].startswith(health.key_prefix)
    assert dict(rows(loaded, "SELECT name = 'H1', checked_c FROM health_c")) == {
        True: True,
        False: False,
    }


def test_deleted_rows_and_derived_fields(loaded: OrgStore) -> None:
    assert loaded.count("Account") == 2 and loaded.count("Account", include_deleted=True) == 3
    deleted = loaded.deleted(
        "Account", datetime(2022, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
    )
    assert deleted == [("001000000000003AAA", datetime(2022, 12, 31, 23, 0, tzinfo=UTC))]
    opportunities = dict(
        (name, rest)
        for name, *rest in rows(
            loaded, "SELECT name, is_closed, is_won, probability, fiscal_year FROM opportunity"
        )
    )
    assert opportunities["Big deal"] == [True, True, 100.0, 2024]
    assert opportunities["Next"] == [False, False, 10.0, 2025]
    cases = dict(rows(loaded, 'SELECT subject, is_closed FROM "case"'))
    assert cases == {"Broken": True, "Open one": False}
    numbers = [r[0] for r in rows(loaded, 'SELECT case_number FROM "case" ORDER BY case_number')]
    assert len(set(numbers)) == 2 and all(len(n) == 8 for n in numbers)


def test_the_loaded_org_persists(tmp_path: Path) -> None:
    src = write(tmp_path / "src", FILES)
    with load_org_dir(src, tmp_path / "org", now=LOADED_AT) as store:
        counts = {o.name: store.count(o.name, include_deleted=True) for o in store.catalog}
        store.insert("Account", [{"Name": "Added later"}])
    with provision_org(tmp_path / "org", str(src)) as again:
        assert again.count("Account", include_deleted=True) == counts["Account"] + 1
        assert again.catalog.get("Health__c") is not None
    (src / "Account.csv").write_text("Name\nOnly one\n")
    with provision_org(tmp_path / "org", str(src)) as rebuilt:  # the files changed: load them again
        assert rebuilt.count("Account", include_deleted=True) == 1


def test_multi_currency_is_detected_from_the_files(tmp_path: Path) -> None:
    src = write(
        tmp_path / "src",
        {
            "CurrencyType.csv": "IsoCode,ConversionRate,DecimalPlaces,IsActive,IsCorporate\nEUR,1,2,true,true\nUSD,1.08,2,true,false\n",
            "Account.csv": "Name,CurrencyIsoCode,AnnualRevenue\nEuro GmbH,EUR,100\nDefaulted,,5\n",
        },
    )
    with load_org_dir(src, tmp_path / "org") as store:
        assert store.settings.multi_currency and store.settings.corporate_currency == "EUR"
        assert store.currency_rates() == {"EUR": 1.0, "USD": 1.08}
        assert dict(rows(store, "SELECT name, currency_iso_code FROM account")) == {
            "Euro GmbH": "EUR",
            "Defaulted": "EUR",
        }


def test_an_existing_admin_user_is_kept(tmp_path: Path) -> None:
    src = write(
        tmp_path / "src",
        {
            "User.csv": f"Id,Username,LastName,Email,Alias\n005000000000009,{ADMIN_USERNAME},Boss,b@x.test,boss\n"
        },
    )
    with load_org_dir(src, tmp_path / "org") as store:
        assert store.admin_user_id == "005000000000009AAA"
        assert store.count("User") == 1


# Bad input: the files, then where the error must point (file, row, column) and what it says.
# fmt: off
BAD_INPUT = [
    ({"Widget.csv": "Name\nx\n"}, "Widget.csv", None, None, "no object named 'Widget'"),
    ({"Account.csv": "Name,Colour\nx,red\n"}, "Account.csv", 1, "Colour", "has no field 'Colour'"),
    ({"Account.csv": "Name,Name\nx,y\n"}, "Account.csv", 1, "Name", "appears twice"),
    ({"Account.csv": "Name,BillingAddress\nx,y\n"}, "Account.csv", 1, "BillingAddress", "compound field"),
    ({"Account.csv": "Name,AnnualRevenue\nx,1\ny,lots\n"}, "Account.csv", 3, "AnnualRevenue", "'lots' is not a number"),
    ({"Account.csv": "Name,NumberOfEmployees\nx,1.5\n"}, "Account.csv", 2, "NumberOfEmployees", "not a whole number"),
    ({"Contact.csv": "LastName,Birthdate\nx,1990-02-30\n"}, "Contact.csv", 2, "Birthdate", "not a date"),
    ({"Contact.csv": "LastName,Birthdate\nx,12/10/1990\n"}, "Contact.csv", 2, "Birthdate", "not a date"),
    ({"Contact.csv": "LastName,DoNotCall\nx,yes\n"}, "Contact.csv", 2, "DoNotCall", "not true or false"),
    ({"Account.csv": "Name,CreatedDate\nx,yesterday\n"}, "Account.csv", 2, "CreatedDate", "not an ISO 8601 datetime"),
    ({"Account.csv": "Id,Name\n001000000000001,a\n001000000000002,b\n001000000000001AAA,c\n" }, "Account.csv", 4, "Id", "duplicate Id"),
    ({"Account.csv": "Id,Name\n003000000000001,a\n"}, "Account.csv", 2, "Id", "key prefix '003'"),
    ({"Account.csv": "Id,Name\n001-000,a\n"}, "Account.csv", 2, "Id", "not a Salesforce id"),
    ({"Account.csv": "Id,Name\n001000000000001ZZZ,a\n"}, "Account.csv", 2, "Id", "not a Salesforce id"),
    ({"Contact.csv": "LastName,AccountId\nx,003000000000001\n"}, "Contact.csv", 2, "AccountId", "is a Contact id"),
    ({"Account.csv": f"Name\n{'x' * 256}\n"}, "Account.csv", 2, "Name", "at most 255 characters"),
    ({"schema.yaml": SCHEMA, "Account.csv": "Name,Tier__c\nx,Bronze\n"}, "Account.csv", 2, "Tier__c", "one of Gold, Silver"),
    ({"schema.yaml": SCHEMA, "Account.csv": "Name,Regions__c\nx,AMER;MARS\n"}, "Account.csv", 2, "Regions__c", "values from AMER"),
    ({"schema.yaml": "Thing__c:\n  fields:\n    Size__c: {type: hue}\n"}, "schema.yaml", None, None, "unknown type 'hue'"),
    ({"schema.yaml": "Thing__c: [oops\n"}, "schema.yaml", None, None, "not valid YAML"),
    ({"Account.csv": ""}, "Account.csv", None, None, "the file is empty"),
    ({"Account.csv": "Name,Type\nx,y\na,b,c\n"}, "Account.csv", 3, None, "Expected 2 columns, got 3"),
    ({"Organization.csv": "Name\nx\n"}, "Organization.csv", None, None, "remove this file"),
]
# fmt: on


@pytest.mark.parametrize(
    ("files", "file", "row", "column", "words"),
    BAD_INPUT,
)
def test_bad_input_names_file_row_and_column(
    tmp_path: Path,
    files: dict[str, str],
    file: str,
    row: int | None,
    column: str | None,
    words: str,
) -> None:
    src = write(tmp_path / "src", files)
    with pytest.raises(OrgDirError) as err:
        load_org_dir(src, tmp_path / "org")
    assert (err.value.file, err.value.row, err.value.column) == (file, row, column)
    assert words in str(err.value)
    message = str(err.value)
    assert message.startswith(file)
    if row is not None:
        assert f"row {row}" in message
    if column is not None:
        assert f"column {column}" in message
    assert not OrgStore.exists(tmp_path / "org")


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(OrgDirError, match="not a directory"):
        load_org_dir(tmp_path / "missing", tmp_path / "org")
