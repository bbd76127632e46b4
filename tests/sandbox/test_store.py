"""The sandbox org's store on a real DuckDB file: storage contract, bookkeeping, errors, persistence."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipelines.sandbox import ids
from pipelines.sandbox.schema import demo_catalog
from pipelines.sandbox.store import ADMIN_USERNAME, OrgSettings, OrgStore, StoreError
from pipelines.soql.catalog import Catalog
from pipelines.soql.ids import checksum

NOW = datetime(2025, 3, 4, 5, 6, 7, 891_234, tzinfo=UTC)
NOW_MS = NOW.replace(microsecond=891_000)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return demo_catalog()


@pytest.fixture
def store(tmp_path: Path, catalog: Catalog) -> Any:
    org = OrgStore.create(tmp_path / "org", catalog, OrgSettings.new("store-tests"), now=NOW)
    yield org
    org.close()


def columns(store: OrgStore, table: str) -> dict[str, tuple[str, bool, Any]]:
    with store.reading() as cur:
        rows = cur.execute(
            "SELECT column_name, data_type, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_name = ?",
            [table],
        ).fetchall()
    return {name: (kind, nullable == "YES", default) for name, kind, nullable, default in rows}


def valid_id(value: str, prefix: str) -> bool:
    return len(value) == 18 and value[:3] == prefix and checksum(value[:15]) == value[15:]


def an_account(store: OrgStore, **values: Any) -> str:
    [account_id] = store.insert("Account", [{"Name": "Acme", **values}], now=NOW)
    return account_id


# --- storage contract ----------------------------------------------------------------------


def test_tables_and_columns_follow_the_storage_contract(store: OrgStore) -> None:
    account = columns(store, "account")
    assert account["id"][0] == "VARCHAR"
    assert account["annual_revenue"][0] == "DOUBLE"
    assert account["number_of_employees"][0] == "BIGINT"
    assert account["csm_c"][0] == "VARCHAR"
    assert account["regions_c"][0] == "VARCHAR"
    assert account["contract_end_date_c"][0] == "DATE"
    assert account["system_modstamp"][0] == "TIMESTAMP WITH TIME ZONE"
    assert account["is_deleted"][:2] == ("BOOLEAN", False)
    assert account["risk_flag_c"][:2] == ("BOOLEAN", False)
    assert "false" in str(account["risk_flag_c"][2]).lower()
    assert "billing_address" not in account  # compound fields are not stored
    assert "billing_city" in account
    assert set(columns(store, "account_health_c")) >= {
        "id",
        "account_c",
        "score_c",
        "status_c",
        "name",
        "owner_id",
    }
    assert "is_deleted" not in columns(store, "user")  # setup objects have no IsDeleted
    with store.reading() as cur:
        assert cur.execute("SELECT current_setting('TimeZone')").fetchall() == [("UTC",)]


def test_new_ids_are_18_characters_with_the_key_prefix_and_a_valid_checksum(
    store: OrgStore,
) -> None:
    accounts = store.new_ids("Account", 50)
    health = store.new_ids("Account_Health__c", 3)
    assert all(valid_id(i, "001") for i in accounts)
    assert all(valid_id(i, "a01") for i in health)
    assert len(set(accounts)) == 50
    assert accounts == sorted(accounts)  # minted in order
    assert store.new_ids("Account", 1)[0] > accounts[-1]
    assert ids.to_18(accounts[0][:15]) == accounts[0]


def test_custom_objects_get_generated_key_prefixes(tmp_path: Path) -> None:
    from pipelines.sandbox.schema import org_catalog

    catalog = org_catalog({"Widget__c": {"fields": {"Size__c": {"type": "double"}}}})
    widget = catalog.get("Widget__c")
    assert widget is not None and widget.key_prefix is not None
    assert widget.key_prefix.startswith("a0")
    assert {"Id", "Name", "OwnerId", "IsDeleted", "SystemModstamp"} <= {
        f.name for f in widget.iter_fields()
    }


# --- inserts and their bookkeeping ------------------------------------------------------------


def test_insert_sets_salesforce_bookkeeping(store: OrgStore) -> None:
    user = store.admin_user_id
    account_id = an_account(store)
    record = store.get("Account", account_id)
    assert record is not None
    assert valid_id(account_id, "001")
    assert record["CreatedDate"] == record["LastModifiedDate"] == record["SystemModstamp"] == NOW_MS
    assert record["CreatedDate"].tzinfo is not None
    assert record["CreatedById"] == record["LastModifiedById"] == record["OwnerId"] == user
    assert record["IsDeleted"] is False
    assert record["Risk_Flag__c"] is False


def test_insert_coerces_json_values_by_field_type(store: OrgStore) -> None:
    account_id = an_account(
        store,
        AnnualRevenue="1250000.5",
        NumberOfEmployees=12.0,
        Contract_End_Date__c="2026-02-28",
        Regions__c=["EMEA", "AMER", "EMEA"],
        Risk_Flag__c="true",
        Health_Score__c=71,
        Website="",
    )
    [opp] = store.insert(
        "Opportunity",
        [
            {
                "Name": "Deal",
                "StageName": "Prospecting",
                "CloseDate": "2025-06-30",
                "AccountId": account_id[:15],
            }
        ],
    )
    [contract] = store.insert(
        "Contract",
        [
            {
                "AccountId": account_id,
                "Status": "Draft",
                "StartDate": "2025-01-31",
                "ContractTerm": 1,
            }
        ],
    )
    record = store.get("Account", account_id)
    assert record is not None
    assert record["AnnualRevenue"] == 1250000.5
    assert record["NumberOfEmployees"] == 12
    assert record["Contract_End_Date__c"] == date(2026, 2, 28)
    assert record["Regions__c"] == "EMEA;AMER"
    assert record["Risk_Flag__c"] is True
    assert record["Website"] is None
    assert store.get("Opportunity", opp, ["AccountId"]) == {"AccountId": account_id}
    assert store.get("Contract", contract, ["EndDate", "StatusCode"]) == {
        "EndDate": date(2025, 2, 27),
        "StatusCode": "Draft",
    }


@pytest.mark.parametrize(
    "text",
    ["2024-01-02T03:04:05.678+0000", "2024-01-02T03:04:05.678Z", "2024-01-02T04:04:05.678+01:00"],
)
def test_datetime_strings_in_every_client_spelling(store: OrgStore, text: str) -> None:
    account_id = an_account(store)
    [case_id] = store.insert("Case", [{"AccountId": account_id, "Subject": "x"}])
    [email] = store.insert(
        "EmailMessage", [{"ParentId": case_id, "Status": "3", "MessageDate": text}]
    )
    assert store.get("EmailMessage", email, ["MessageDate"]) == {
        "MessageDate": datetime(2024, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
    }


def test_derived_fields_follow_salesforce(store: OrgStore) -> None:
    account_id = an_account(store)
    [won, open_] = store.insert(
        "Opportunity",
        [
            {
                "Name": "A",
                "StageName": "Closed Won",
                "CloseDate": "2025-02-01",
                "Amount": 1000,
                "AccountId": account_id,
            },
            {
                "Name": "B",
                "StageName": "Negotiation/Review",
                "CloseDate": "2025-11-15",
                "Amount": 1000,
            },
        ],
    )
    assert store.get(
        "Opportunity", won, ["IsClosed", "IsWon", "Probability", "ExpectedRevenue", "Fiscal"]
    ) == {
        "IsClosed": True,
        "IsWon": True,
        "Probability": 100.0,
        "ExpectedRevenue": 1000.0,
        "Fiscal": "2025 1",
    }
    store.update("Opportunity", open_, {"StageName": "Closed Lost"})
    assert store.get("Opportunity", open_, ["IsClosed", "IsWon", "ForecastCategory"]) == {
        "IsClosed": True,
        "IsWon": False,
        "ForecastCategory": "Omitted",
    }
    [contact] = store.insert("Contact", [{"FirstName": "Ada", "LastName": "Lovelace"}])
    assert store.get("Contact", contact, ["Name"]) == {"Name": "Ada Lovelace"}
    cases = store.insert("Case", [{"Subject": "one"}, {"Subject": "two"}])
    first, second = (
        store.get("Case", c, ["CaseNumber", "Status", "Priority", "IsClosed"]) for c in cases
    )
    assert first is not None and second is not None
    assert first["Status"] == "New" and first["Priority"] == "Medium" and first["IsClosed"] is False
    assert int(second["CaseNumber"]) == int(first["CaseNumber"]) + 1
    store.update("Case", cases[0], {"Status": "Closed"}, now=NOW + timedelta(hours=1))
    closed = store.get("Case", cases[0], ["IsClosed", "ClosedDate"])
    assert closed == {"IsClosed": True, "ClosedDate": NOW_MS + timedelta(hours=1)}
    [health] = store.insert("Account_Health__c", [{"Account__c": account_id, "Score__c": 55}])
    assert store.get("Account_Health__c", health, ["Name"]) == {
        "Name": health
    }  # named after its id


def test_get_returns_compound_addresses_and_chosen_fields(store: OrgStore) -> None:
    account_id = an_account(store, BillingCity="Lyon", BillingCountry="France")
    record = store.get("Account", account_id, ["Name", "BillingAddress"])
    assert record == {
        "Name": "Acme",
        "BillingAddress": {
            "street": None,
            "city": "Lyon",
            "state": None,
            "postalCode": None,
            "country": "France",
            "latitude": None,
            "longitude": None,
            "geocodeAccuracy": None,
        },
    }
    assert store.get("Account", account_id, ["ShippingAddress"]) == {"ShippingAddress": None}
    assert store.get("Account", "001000000000000AAA") is None
    assert store.get("Account", "not-an-id") is None
    with pytest.raises(StoreError) as err:
        store.get("Account", account_id, ["Nope__c"])
    assert err.value.status_code == "INVALID_FIELD"


# --- errors -------------------------------------------------------------------------------------


# A bad insert: the values, the status code and the fields Salesforce names.
# fmt: off
INSERT_ERRORS = [
    ({"Name": None}, "REQUIRED_FIELD_MISSING", ["Name"]),
    ({"Name": "x", "Foo__c": 1}, "INVALID_FIELD", ["Foo__c"]),
    ({"Name": "x", "AnnualRevenue": "lots"}, "INVALID_TYPE_ON_FIELD_IN_RECORD", ["AnnualRevenue"]),
    ({"Name": "x", "NumberOfEmployees": 1.5}, "INVALID_TYPE_ON_FIELD_IN_RECORD", ["NumberOfEmployees"]),
    ({"Name": "x", "Risk_Flag__c": "maybe"}, "INVALID_TYPE_ON_FIELD_IN_RECORD", ["Risk_Flag__c"]),
    ({"Name": "x", "Contract_End_Date__c": "31/12/2025"}, "INVALID_TYPE_ON_FIELD_IN_RECORD", ["Contract_End_Date__c"]),
    ({"Name": "x" * 256}, "STRING_TOO_LONG", ["Name"]),
    ({"Name": "x", "Tier__c": "Gigantic"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["Tier__c"]),
    ({"Name": "x", "Regions__c": "EMEA;MARS"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["Regions__c"]),
    ({"Name": "x", "CreatedDate": "2024-01-01T00:00:00Z"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["CreatedDate"]),
    ({"Name": "x", "BillingAddress": {"city": "Paris"}}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["BillingAddress"]),
    ({"Name": "x", "ParentId": "001-bad"}, "MALFORMED_ID", ["ParentId"]),
    ({"Name": "x", "ParentId": "003000000000001AAA"}, "FIELD_INTEGRITY_EXCEPTION", ["ParentId"]),
    ({"Name": "x", "ParentId": "001000000000001AAA"}, "INVALID_CROSS_REFERENCE_KEY", ["ParentId"]),
    ({"Name": "x", "Id": "001000000000001AAA"}, "INVALID_FIELD", ["Id"]),
]
# fmt: on


@pytest.mark.parametrize(
    ("values", "code", "fields"),
    INSERT_ERRORS,
)
def test_insert_errors_name_the_status_code_and_fields(
    store: OrgStore, values: dict[str, Any], code: str, fields: list[str]
) -> None:
    with pytest.raises(StoreError) as err:
        store.insert("Account", [values])
    assert err.value.status_code == code
    assert err.value.fields == fields
    assert err.value.http_status == 400
    assert store.count("Account") == 0


def test_unique_external_id_is_case_insensitive(store: OrgStore) -> None:
    first = an_account(store, External_Id__c="ACME-1")
    with pytest.raises(StoreError) as err:
        an_account(store, External_Id__c="acme-1")
    assert err.value.status_code == "DUPLICATE_VALUE"
    assert first in err.value.message
    with pytest.raises(StoreError) as err:
        store.insert(
            "Account", [{"Name": "a", "External_Id__c": "X"}, {"Name": "b", "External_Id__c": "x"}]
        )
    assert err.value.status_code == "DUPLICATE_VALUE"
    with pytest.raises(StoreError) as err:
        store.insert("User", [{"Username": ADMIN_USERNAME.upper(), "LastName": "x"}])
    assert err.value.status_code in ("DUPLICATE_VALUE", "REQUIRED_FIELD_MISSING")


def test_lookups_to_deleted_records_are_refused(store: OrgStore) -> None:
    parent = an_account(store)
    store.delete("Account", parent)
    with pytest.raises(StoreError) as err:
        an_account(store, ParentId=parent)
    assert err.value.status_code == "ENTITY_IS_DELETED"


def test_batch_results_report_record_by_record(store: OrgStore) -> None:
    results = store.insert_results("Account", [{"Name": "ok"}, {"Nope": 1}, {"Name": "also ok"}])
    assert isinstance(results[0], str) and isinstance(results[2], str)
    assert isinstance(results[1], StoreError) and results[1].index == 1
    assert store.count("Account") == 2
    rolled = store.insert_results("Account", [{"Name": "a"}, {}], all_or_none=True)
    assert [r.status_code for r in rolled if isinstance(r, StoreError)] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "REQUIRED_FIELD_MISSING",
    ]
    assert store.count("Account") == 2
    updates = store.update_results(
        "Account", [{"Id": results[0], "Name": "renamed"}, {"Name": "no id"}]
    )
    assert updates[0] == results[0]
    assert isinstance(updates[1], StoreError) and updates[1].status_code == "MISSING_ARGUMENT"


# --- updates, upserts ---------------------------------------------------------------------------


def test_update_bumps_modification_but_not_creation(store: OrgStore) -> None:
    account_id = an_account(store)
    later = NOW + timedelta(minutes=5)
    store.update(
        "Account", account_id, {"Industry": "Energy"}, user_id=store.admin_user_id, now=later
    )
    record = store.get("Account", account_id)
    assert record is not None
    assert record["CreatedDate"] == NOW_MS
    assert (
        record["LastModifiedDate"] == record["SystemModstamp"] == later.replace(microsecond=891_000)
    )
    assert record["Industry"] == "Energy"
    # a clock running backwards never moves SystemModstamp back
    store.update("Account", account_id, {"Industry": "Banking"}, now=NOW - timedelta(days=1))
    again = store.get("Account", account_id)
    assert again is not None and again["SystemModstamp"] >= record["SystemModstamp"]


@pytest.mark.parametrize(
    ("record_id", "values", "code"),
    [
        ("001000000000000AAA", {"Name": "x"}, "NOT_FOUND"),
        ("garbage", {"Name": "x"}, "MALFORMED_ID"),
        (None, {"Name": None}, "REQUIRED_FIELD_MISSING"),
        (None, {"IsDeleted": True}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        (None, {"AnnualRevenue": [1]}, "INVALID_TYPE_ON_FIELD_IN_RECORD"),
    ],
)
def test_update_errors(
    store: OrgStore, record_id: str | None, values: dict[str, Any], code: str
) -> None:
    target = record_id or an_account(store)
    with pytest.raises(StoreError) as err:
        store.update("Account", target, values)
    assert err.value.status_code == code


def test_update_of_a_deleted_record_is_refused(store: OrgStore) -> None:
    account_id = an_account(store)
    store.delete("Account", account_id)
    with pytest.raises(StoreError) as err:
        store.update("Account", account_id, {"Name": "back"})
    assert err.value.status_code == "ENTITY_IS_DELETED"


def test_upsert_creates_then_updates_by_external_id(store: OrgStore) -> None:
    new_id, created = store.upsert("Account", "External_Id__c", "EXT-9", {"Name": "Nine"})
    assert created
    same_id, created = store.upsert("Account", "external_id__c", "ext-9", {"Name": "Nine Inc."})
    assert (same_id, created) == (new_id, False)
    assert store.get("Account", new_id, ["Name", "External_Id__c"]) == {
        "Name": "Nine Inc.",
        "External_Id__c": "EXT-9",
    }
    with pytest.raises(StoreError) as err:
        store.upsert("Account", "Name", "Nine Inc.", {})
    assert err.value.status_code == "NOT_FOUND" and err.value.http_status == 404


def test_upsert_with_ambiguous_external_id_lists_the_matches(store: OrgStore) -> None:
    store.load_records(
        "Account", [{"Name": "a", "External_Id__c": "DUP"}, {"Name": "b", "External_Id__c": "dup"}]
    )
    with pytest.raises(StoreError) as err:
        store.upsert("Account", "External_Id__c", "Dup", {"Name": "c"})
    assert err.value.status_code == "MULTIPLE_CHOICES" and err.value.http_status == 300
    assert len(err.value.record_ids) == 2


# --- deletes ------------------------------------------------------------------------------------


def test_delete_is_soft_cascades_and_is_logged_for_get_deleted(store: OrgStore) -> None:
    account_id = an_account(store)
    [contact] = store.insert("Contact", [{"LastName": "Kim", "AccountId": account_id}], now=NOW)
    [case_id] = store.insert("Case", [{"AccountId": account_id, "Subject": "help"}], now=NOW)
    [comment] = store.insert("CaseComment", [{"ParentId": case_id, "CommentBody": "hi"}], now=NOW)
    when = NOW + timedelta(hours=2)
    store.delete("Account", account_id, now=when)
    assert store.get("Account", account_id) is None
    deleted = store.get("Account", account_id, include_deleted=True)
    assert deleted is not None and deleted["IsDeleted"] is True
    assert deleted["SystemModstamp"] == when.replace(microsecond=891_000)
    for obj, record_id in (("Contact", contact), ("Case", case_id), ("CaseComment", comment)):
        assert store.count(obj) == 0 and store.count(obj, include_deleted=True) == 1
        assert [r for r, _ in store.deleted(obj, NOW, when + timedelta(seconds=1))] == [record_id]
    assert store.updated_ids("Account", NOW, when + timedelta(seconds=1)) == []
    with pytest.raises(StoreError) as err:
        store.delete("Account", account_id)
    assert err.value.status_code == "ENTITY_IS_DELETED"
    with pytest.raises(StoreError) as err:
        store.delete("Account", "001000000000000AAA")
    assert err.value.status_code == "NOT_FOUND"


def test_undelete_restores_the_record_and_its_cascade(store: OrgStore) -> None:
    account_id = an_account(store)
    store.insert("Contact", [{"LastName": "Kim", "AccountId": account_id}])
    store.delete("Account", account_id)
    store.undelete("Account", account_id)
    assert store.count("Account") == 1 and store.count("Contact") == 1
    assert (
        store.deleted("Contact", NOW - timedelta(days=1), datetime.now(UTC) + timedelta(days=1))
        == []
    )
    with pytest.raises(StoreError) as err:
        store.undelete("Account", account_id)
    assert err.value.status_code == "UNDELETE_FAILED"


def test_purge_removes_rows_but_get_deleted_still_reports_them(store: OrgStore) -> None:
    keep, gone = store.insert("Account", [{"Name": "keep"}, {"Name": "gone"}], now=NOW)
    store.delete("Account", gone, now=NOW)
    assert store.purge("Account") == 1
    assert store.count("Account", include_deleted=True) == 1
    assert store.get("Account", gone, include_deleted=True) is None
    assert [r for r, _ in store.deleted("Account", NOW, NOW + timedelta(seconds=1))] == [gone]
    assert store.get("Account", keep) is not None


def test_setup_objects_cannot_be_deleted(store: OrgStore) -> None:
    with pytest.raises(StoreError) as err:
        store.delete("User", store.admin_user_id)
    assert err.value.status_code == "INVALID_TYPE_FOR_OPERATION"
    assert store.count("User") == 1


def test_updated_ids_cover_a_half_open_window(store: OrgStore) -> None:
    early, late = (an_account(store) for _ in range(2))
    store.update("Account", late, {"Name": "changed"}, now=NOW + timedelta(minutes=10))
    assert store.updated_ids("Account", NOW, NOW + timedelta(minutes=1)) == [early]
    assert store.updated_ids("Account", NOW + timedelta(minutes=1), NOW + timedelta(hours=1)) == [
        late
    ]


# --- persistence and concurrency ---------------------------------------------------------------


def test_reopening_serves_the_same_org(tmp_path: Path, catalog: Catalog) -> None:
    settings = OrgSettings.new("persist", time_zone="Europe/Paris", fiscal_year_start_month=4)
    with OrgStore.create(tmp_path / "org", catalog, settings) as org:
        account_id = an_account(org, Tier__c="SMB")
        org.delete("Account", an_account(org))
        admin = org.admin_user_id
    assert OrgStore.exists(tmp_path / "org")
    with OrgStore.open(tmp_path / "org") as again:
        assert again.settings == settings
        assert again.settings.admin_user_id == admin
        assert again.get("Account", account_id, ["Name", "Tier__c"]) == {
            "Name": "Acme",
            "Tier__c": "SMB",
        }
        assert again.count("Account", include_deleted=True) == 2
        assert {o.name for o in again.catalog} == {o.name for o in catalog}
        for obj in catalog:
            reopened = again.catalog.get(obj.name)
            assert reopened is not None and reopened.key_prefix == obj.key_prefix
            assert list(reopened.fields.values()) == list(obj.fields.values())
        # new ids continue after the persisted ones
        assert again.new_ids("Account", 1)[0] > account_id
        organization = (
            again.cursor()
            .execute("SELECT id, time_zone_sid_key, fiscal_year_start_month FROM organization")
            .fetchall()
        )
        assert organization == [(settings.org_id, "Europe/Paris", 4)]


def test_an_unfinished_build_is_not_opened(tmp_path: Path, catalog: Catalog) -> None:
    OrgStore.create(tmp_path / "org", catalog, OrgSettings.new("x"), building=True).close()
    assert not OrgStore.exists(tmp_path / "org")
    with pytest.raises(ValueError, match="not completely built"):
        OrgStore.open(tmp_path / "org")
    with pytest.raises(FileNotFoundError):
        OrgStore.open(tmp_path / "nothing-here")
    with pytest.raises(FileExistsError):
        OrgStore.create(tmp_path / "org", catalog, OrgSettings.new("x"))


def test_concurrent_writers_and_readers(store: OrgStore) -> None:
    created: list[str] = []
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(20):
                created.extend(store.insert("Account", [{"Name": f"t{n}-{i}"}]))
                with store.reading() as cur:
                    cur.execute("SELECT count(*) FROM account").fetchall()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(created)) == 80 == store.count("Account")


def test_multi_currency_org(tmp_path: Path) -> None:
    catalog = demo_catalog(multi_currency=True)
    settings = OrgSettings.new("fx", multi_currency=True, corporate_currency="USD")
    with OrgStore.create(tmp_path / "org", catalog, settings) as org:
        org.load_records(
            "CurrencyType",
            [
                {
                    "IsoCode": "USD",
                    "ConversionRate": 1,
                    "DecimalPlaces": 2,
                    "IsActive": True,
                    "IsCorporate": True,
                },
                {"IsoCode": "EUR", "ConversionRate": 0.9, "DecimalPlaces": 2, "IsActive": True},
            ],
        )
        assert org.currency_rates() == {"USD": 1.0, "EUR": 0.9}
        account_id = an_account(org)
        assert org.get("Account", account_id, ["CurrencyIsoCode"]) == {"CurrencyIsoCode": "USD"}
        with pytest.raises(StoreError) as err:
            an_account(org, CurrencyIsoCode="XYZ")
        assert err.value.status_code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
