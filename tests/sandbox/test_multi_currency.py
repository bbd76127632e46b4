"""A multi-currency org answers SOQL with currency literals through query and queryAll."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from served_org import ServedOrg, demo_store, served

from pipelines.sandbox.schema import DEMO_CURRENCIES

SOQL = "SELECT Id, CurrencyIsoCode, AnnualRevenue FROM Account WHERE AnnualRevenue > EUR2000000"


@pytest.fixture(scope="module")
def currency_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedOrg]:
    store = demo_store(
        tmp_path_factory.mktemp("multi-currency-org"), accounts=40, multi_currency=True
    )
    with served(store) as org:
        yield org


def _expected(org: ServedOrg, *, deleted: bool) -> set[str]:
    """Accounts whose revenue, in their own currency, exceeds 2,000,000 EUR."""
    live = "" if deleted else " AND NOT is_deleted"
    rows = org.rows(f"SELECT id, currency_iso_code, annual_revenue FROM account WHERE true{live}")
    limit = 2_000_000 / DEMO_CURRENCIES["EUR"]
    return {
        i
        for i, iso, revenue in rows
        if revenue is not None and revenue > limit * DEMO_CURRENCIES[iso]
    }


@pytest.mark.parametrize("resource", ["query", "queryAll"])
def test_currency_literals_convert_with_the_org_rates(
    currency_org: ServedOrg, resource: str
) -> None:
    answer = currency_org.http().get(currency_org.api(f"/{resource}"), params={"q": SOQL})
    assert answer.status_code == 200, answer.text
    found = {r["Id"] for r in answer.json()["records"]}
    expected = _expected(currency_org, deleted=resource == "queryAll")
    assert found == expected
    currencies = {r["CurrencyIsoCode"] for r in answer.json()["records"]}
    assert len(currencies) > 1, "the org should hold accounts in several currencies"


def test_query_all_with_simple_salesforce_includes_deleted_rows(currency_org: ServedOrg) -> None:
    deleted = currency_org.rows("SELECT count(*) FROM account WHERE is_deleted")[0][0]
    assert deleted > 0, "the demo org should hold soft-deleted accounts"
    records = currency_org.salesforce().query_all(
        "SELECT Id, IsDeleted, CurrencyIsoCode FROM Account", include_deleted=True
    )["records"]
    assert sum(r["IsDeleted"] for r in records) == deleted
    rates = currency_org.salesforce().query("SELECT IsoCode, ConversionRate FROM CurrencyType")
    assert {r["IsoCode"]: r["ConversionRate"] for r in rates["records"]} == DEMO_CURRENCIES
