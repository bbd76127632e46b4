"""The SOQL engine's semantics suite, served: the same rows in an org loaded from CSV files, the
same WHERE conditions sent through the REST API, the same answers expected; and a 5,000-row
query paged 2,000 and then 200 records at a time.

The rows and cases are those of ``tests/soql`` (``soql_fixtures``, ``test_semantics.CASES``).
Cases with date literals relative to today (``TODAY``, ``LAST_N_DAYS:7``…) are left to the
in-engine suite, which fixes the clock: the server reads the real one. Absolute dates, date
functions in the org's time zone, relationship paths, semi-joins, multi-select picklists and
null semantics all go through the API.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from served_org import ServedOrg, served

from pipelines.sandbox.orgdir import load_org_dir
from pipelines.sandbox.settings import OrgSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "soql"))
from soql_fixtures import ACCOUNTS, ALIVE, CONTACTS, OPPORTUNITIES, U1, U2, U3, acc_id, sf_id
from test_semantics import CASES, ORDER_CASES

RELATIVE_DATE = re.compile(r"today|yesterday|tomorrow|this_|last_|next_|n_days|_ago", re.I)
# Every record of an org has an owner: the loader gives a row without one (a5) to the loading
# user, as Salesforce does, so the in-engine cases of an ownerless row do not apply.
OWNERLESS = {"OwnerId = null", "Owner.Name = null"}
SERVED_CASES = [(c, e) for c, e in CASES if not RELATIVE_DATE.search(c) and c not in OWNERLESS]
SERVED_ORDER_CASES = [(c, e) for c, e in ORDER_CASES if "Owner" not in c]
PAGED_ROWS = 5_000
SCHEMA = """
Account:
  fields:
    # ORDER BY sorts a picklist in the order of its values: the semantics org's order
    Type: {type: picklist, picklistValues: [Prospect, Customer, Partner, Other]}
    Regions__c: {type: multipicklist}  # unrestricted: a7 holds "amer"
    Contract_End_Date__c: {type: date}
    IsPartner__c: {type: boolean}
"""


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])


def _flag(value: bool | None) -> str | None:
    return None if value is None else str(value).lower()


def write_org_dir(src: Path) -> Path:
    """The semantics suite's rows as an org directory, plus 5,000 contacts to page through."""
    src.mkdir(parents=True, exist_ok=True)
    (src / "schema.yaml").write_text(SCHEMA, encoding="utf-8")
    _write(
        src / "User.csv",
        ["Id", "Username", "FirstName", "LastName", "Email", "Alias", "ManagerId"],
        [
            [U1, "ada@semantics.test", "Ada", "Admin", "ada@semantics.test", "ada", U3],
            [U2, "bob@semantics.test", "Bob", "Builder", "bob@semantics.test", "bob", None],
            [U3, "boss@semantics.test", None, "Boss", "boss@semantics.test", "boss", None],
        ],
    )
    accounts = []
    for key, row in ACCOUNTS.items():
        name, typ, revenue, _, deleted, created, owner, industry, regions, end, partner = row
        accounts.append(
            [acc_id(key), name, typ, revenue, _flag(deleted), created.replace(" ", "T") + "Z",
             owner, industry, regions, end, _flag(partner), int(key[1:]) * 10, f"about {name}"]
        )  # fmt: skip
    _write(
        src / "Account.csv",
        ["Id", "Name", "Type", "AnnualRevenue", "IsDeleted", "CreatedDate", "OwnerId",
         "Industry", "Regions__c", "Contract_End_Date__c", "IsPartner__c", "NumberOfEmployees",
         "Description"],
        accounts,
    )  # fmt: skip
    contacts = [
        [sf_id("003", int(key[1:])), last, _flag(deleted), acc_id(acc) if acc else None]
        for key, last, acc, deleted in CONTACTS
    ]
    contacts += [[sf_id("003", 1000 + i), "Paged", "false", None] for i in range(PAGED_ROWS)]
    _write(src / "Contact.csv", ["Id", "LastName", "IsDeleted", "AccountId"], contacts)
    _write(
        src / "Opportunity.csv",
        ["Id", "Name", "Amount", "StageName", "CloseDate", "AccountId"],
        [
            [sf_id("006", int(key[1:])), name, amount, stage, close, acc_id(acc)]
            for key, name, amount, stage, close, acc in OPPORTUNITIES
        ],
    )
    return src


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedOrg]:
    base = tmp_path_factory.mktemp("served-semantics")
    settings = OrgSettings.new("semantics", time_zone="America/New_York")
    store = load_org_dir(write_org_dir(base / "src"), base / "org", settings=settings)
    with served(store) as served_org:
        yield served_org


def keys_of(records: list[dict[str, Any]]) -> set[str]:
    by_id = {acc_id(key): key for key in ACCOUNTS}
    return {by_id[r["Id"]] for r in records}


def query_all_pages(org: ServedOrg, soql: str, resource: str = "query") -> list[dict[str, Any]]:
    http = org.http()
    answer = http.get(org.api(f"/{resource}"), params={"q": soql}, timeout=30)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    records = body["records"]
    while not body["done"]:
        body = http.get(org.server.base_url + body["nextRecordsUrl"], timeout=30).json()
        records += body["records"]
    return records


@pytest.mark.parametrize(("condition", "expected"), SERVED_CASES, ids=[c for c, _ in SERVED_CASES])
def test_conditions_answer_through_the_api_as_in_the_engine(
    org: ServedOrg, condition: str, expected: str
) -> None:
    records = query_all_pages(org, f"SELECT Id FROM Account WHERE {condition}")
    assert keys_of(records) == (set(expected.split(",")) if expected else set())


def test_most_of_the_suite_goes_through_the_api() -> None:
    assert len(SERVED_CASES) >= 70, len(SERVED_CASES)
    assert any("CALENDAR_YEAR" in c for c, _ in SERVED_CASES)
    assert any("Owner.Manager.Name" in c for c, _ in SERVED_CASES)


def test_query_all_adds_the_deleted_rows(org: ServedOrg) -> None:
    soql = "SELECT Id FROM Account WHERE Type = 'Customer'"
    assert keys_of(query_all_pages(org, soql)) == {"a1", "a2"}
    assert keys_of(query_all_pages(org, soql, "queryAll")) == {"a1", "a2", "a6"}
    assert keys_of(query_all_pages(org, "SELECT Id FROM Account")) == ALIVE


def test_a_row_loaded_without_an_owner_belongs_to_the_loading_user(org: ServedOrg) -> None:
    [record] = query_all_pages(
        org, f"SELECT Owner.Username FROM Account WHERE Id = '{acc_id('a5')}'"
    )
    assert record["Owner"]["Username"] == "admin@sandbox.local"
    assert query_all_pages(org, "SELECT Id FROM Account WHERE OwnerId = null") == []


@pytest.mark.parametrize(("batch", "pages"), [(None, [2000, 2000, 1000]), (200, [200] * 25)])
def test_a_5000_row_query_pages_by_the_batch_size(
    org: ServedOrg, batch: int | None, pages: list[int]
) -> None:
    http = org.http()
    if batch:
        http.headers["Sforce-Query-Options"] = f"batchSize={batch}"
    soql = "SELECT Id, LastName FROM Contact WHERE LastName = 'Paged'"
    body = http.get(org.api("/query"), params={"q": soql}, timeout=30).json()
    sizes, ids = [], []
    while True:
        assert body["totalSize"] == PAGED_ROWS
        sizes.append(len(body["records"]))
        ids += [r["Id"] for r in body["records"]]
        if body["done"]:
            assert "nextRecordsUrl" not in body
            break
        assert body["nextRecordsUrl"].endswith(f"-{sum(sizes)}"), body["nextRecordsUrl"]
        body = http.get(org.server.base_url + body["nextRecordsUrl"], timeout=30).json()
    assert sizes == pages
    expected = {sf_id("003", 1000 + i) for i in range(PAGED_ROWS)}
    assert len(ids) == len(set(ids)) == PAGED_ROWS and set(ids) == expected


@pytest.mark.parametrize(
    ("clause", "expected"), SERVED_ORDER_CASES, ids=[c for c, _ in SERVED_ORDER_CASES]
)
def test_order_limit_and_offset_as_in_the_engine(
    org: ServedOrg, clause: str, expected: str
) -> None:
    records = query_all_pages(org, f"SELECT Id FROM Account {clause}")
    by_id = {acc_id(key): key for key in ACCOUNTS}
    assert [by_id[r["Id"]] for r in records] == expected.split(",")


def test_aggregates_and_counts_as_in_the_engine(org: ServedOrg) -> None:
    rows = query_all_pages(
        org,
        "SELECT Industry, COUNT(Id) n FROM Account GROUP BY Industry ORDER BY Industry NULLS LAST",
    )
    assert [(r["Industry"], r["n"]) for r in rows] == [
        ("Energy", 1), ("Retail", 2), ("Tech", 2), (None, 2)
    ]  # fmt: skip
    rows = query_all_pages(
        org,
        "SELECT Industry, SUM(AnnualRevenue) total FROM Account GROUP BY Industry "
        "HAVING SUM(AnnualRevenue) > 1000 ORDER BY SUM(AnnualRevenue) DESC",
    )
    assert [(r["Industry"], r["total"]) for r in rows] == [(None, 1250000.0), ("Tech", 5000.0)]
    [row] = query_all_pages(
        org, "SELECT COUNT_DISTINCT(Industry) d, MAX(AnnualRevenue) m FROM Account"
    )
    assert (row["d"], row["m"]) == (3, 1000000.0)
    for soql, resource, total in [
        ("SELECT COUNT() FROM Account", "query", 7),
        ("SELECT COUNT() FROM Account WHERE Industry = 'Tech'", "query", 2),
        ("SELECT COUNT() FROM Account", "queryAll", 8),
    ]:
        answer = org.http().get(org.api(f"/{resource}"), params={"q": soql}, timeout=30).json()
        assert (answer["totalSize"], answer["records"]) == (total, []), soql


def test_parent_paths_and_child_subqueries_as_in_the_engine(org: ServedOrg) -> None:
    [acme] = query_all_pages(
        org, "SELECT Name, Owner.Name, Owner.Manager.Name FROM Account WHERE Name = 'Acme'"
    )
    assert (acme["Owner"]["Name"], acme["Owner"]["Manager"]["Name"]) == ("Ada Admin", "Boss")
    rows = query_all_pages(
        org,
        "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName LIMIT 1) FROM Account "
        "ORDER BY Name",
    )
    first = {
        r["Name"]: [c["LastName"] for c in r["Contacts"]["records"]] if r["Contacts"] else None
        for r in rows
    }
    assert first == {
        "Acme": ["Jones"], "acme labs": ["Smith"], "Terra": ["Adams"], "Back\\slash": None,
        "O'Brien": None, "Ter%ra": None, "Under_score": None,
    }  # fmt: skip
    [acme] = query_all_pages(
        org, "SELECT Id, (SELECT LastName FROM Account.Contacts) FROM Account WHERE Name = 'Acme'"
    )
    # c4 (Brown) is deleted: a child subquery leaves it out
    assert sorted(c["LastName"] for c in acme["Contacts"]["records"]) == ["Jones", "Smith"]
