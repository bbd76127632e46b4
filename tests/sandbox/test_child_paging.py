"""Child subquery results page as Salesforce pages them: a parent with more children than one
batch gets ``"done": false`` and a ``nextRecordsUrl`` of its own, followed with query_more.

The org here is a small one of its own, with one account given 450 contacts, so that the
shared org keeps child sets that fit in one answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from served_org import ServedOrg, demo_store, served

CHILDREN = 450
NAMES = [f"Pager {i:03d}" for i in range(CHILDREN)]
NEXT_URL = re.compile(r"^/services/data/v59\.0/query/01g\w{15}-200$")
SOQL = (
    "SELECT Id, Name, (SELECT Id, LastName FROM Contacts ORDER BY LastName) "
    "FROM Account WHERE Id IN ('{big}', '{small}') ORDER BY Name"
)


@dataclass
class PagingOrg:
    org: ServedOrg
    big: str  # an account with CHILDREN contacts
    small: str  # an account with one

    @property
    def soql(self) -> str:
        return SOQL.format(big=self.big, small=self.small)

    def contact_ids(self, account_id: str) -> list[str]:
        rows = self.org.rows(
            "SELECT id FROM contact WHERE account_id = ? AND NOT is_deleted ORDER BY last_name",
            [account_id],
        )
        return [r[0] for r in rows]


@pytest.fixture(scope="module")
def paging_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PagingOrg]:
    store = demo_store(tmp_path_factory.mktemp("child-paging-org"))
    [big, small] = store.insert("Account", [{"Name": "AAA Many Contacts"}, {"Name": "AAB Few"}])
    store.insert("Contact", [{"LastName": n, "AccountId": big} for n in reversed(NAMES)])
    store.insert("Contact", [{"LastName": "Only", "AccountId": small}])
    with served(store) as org:
        yield PagingOrg(org, big, small)


def test_large_child_set_pages_with_simple_salesforce(paging_org: PagingOrg) -> None:
    sf = paging_org.org.salesforce()
    big, small = sf.query(paging_org.soql)["records"]
    contacts = big["Contacts"]
    assert contacts["totalSize"] == CHILDREN
    assert contacts["done"] is False
    assert NEXT_URL.match(contacts["nextRecordsUrl"])
    assert len(contacts["records"]) == 200
    ids = [c["Id"] for c in contacts["records"]]
    names = [c["LastName"] for c in contacts["records"]]
    page = contacts
    while not page["done"]:
        page = sf.query_more(page["nextRecordsUrl"], identifier_is_url=True)
        assert page["totalSize"] == CHILDREN
        assert all(c["attributes"]["type"] == "Contact" for c in page["records"])
        ids += [c["Id"] for c in page["records"]]
        names += [c["LastName"] for c in page["records"]]
    assert "nextRecordsUrl" not in page
    assert names == NAMES
    assert ids == paging_org.contact_ids(paging_org.big)
    # a parent whose children fit keeps the one-answer shape
    assert small["Contacts"]["done"] is True
    assert "nextRecordsUrl" not in small["Contacts"]
    assert [c["Id"] for c in small["Contacts"]["records"]] == paging_org.contact_ids(
        paging_org.small
    )


def test_child_pages_follow_the_batch_size_header_over_raw_http(paging_org: PagingOrg) -> None:
    http = paging_org.org.http()
    base = paging_org.org.server.base_url
    headers = {"Sforce-Query-Options": "batchSize=200"}
    first = http.get(
        f"{base}/services/data/v59.0/queryAll", params={"q": paging_org.soql}, timeout=30
    ).json()
    url = first["records"][0]["Contacts"]["nextRecordsUrl"]
    sizes = []
    names = [c["LastName"] for c in first["records"][0]["Contacts"]["records"]]
    while url:
        page = http.get(base + url, headers=headers, timeout=30).json()
        sizes.append((len(page["records"]), page["done"]))
        names += [c["LastName"] for c in page["records"]]
        url = page.get("nextRecordsUrl")
    assert sizes == [(200, False), (50, True)]
    assert names == NAMES
    # the queryAll form of the locator answers the same page
    locator = first["records"][0]["Contacts"]["nextRecordsUrl"].rsplit("/", 1)[1]
    again = http.get(f"{base}/services/data/v59.0/queryAll/{locator}", timeout=30).json()
    assert [c["LastName"] for c in again["records"]] == NAMES[200:]


def test_child_locators_outlive_query_all_of_the_parents(paging_org: PagingOrg) -> None:
    sf = paging_org.org.salesforce()
    headers = {"Sforce-Query-Options": "batchSize=200"}
    soql = "SELECT Id, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account ORDER BY Name"
    rows = sf.query_all(soql, headers=headers)["records"]
    [big] = [r for r in rows if r["Id"] == paging_org.big]
    assert big["Contacts"]["done"] is False
    rest = sf.query_more(big["Contacts"]["nextRecordsUrl"], identifier_is_url=True)
    assert [c["LastName"] for c in big["Contacts"]["records"] + rest["records"]] == NAMES
