"""Throughput of the sandbox org's APIs over real HTTP, for Account with all its fields.

Figures:
  * REST: ``GET /query`` then ``nextRecordsUrl`` pages (2,000 records each), parsed with orjson
    as a fast client would; target >= 30,000 records/s;
  * Bulk API 2.0: a query job and its CSV result pages (``maxRecords=50000``, simple_salesforce's
    default page size); target >= 300,000 records/s.
Baseline, measured in the same run: the same SELECT run straight on the org's DuckDB file into
Arrow, in-process, i.e. the cost of reading the rows without any API around them.

Run: ``.venv/bin/python benchmarks/sandbox.py [--accounts 100000] [--data-dir DIR]``.
The demo org is generated on first use (about a second per 10,000 accounts) and reused when
``--data-dir`` already holds one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import orjson
import requests

from pipelines.sandbox.generator import generate_demo_org
from pipelines.sandbox.server import start_subprocess
from pipelines.sandbox.store import OrgStore
from pipelines.soql import compile_query

REST_TARGET = 30_000
BULK_TARGET = 300_000


def _token(base_url: str) -> str:
    answer = requests.post(
        base_url + "/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": "sandbox",
            "client_secret": "sandbox",
            "username": "admin@sandbox.local",
            "password": "sandbox",
        },
        timeout=30,
    )
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    return token


def rest(http: requests.Session, base_url: str, soql: str) -> tuple[int, int, float]:
    """(records, bytes, seconds) for paging through the whole result."""
    url = f"{base_url}/services/data/v59.0/query?{urlencode({'q': soql})}"
    records = size = 0
    started = time.perf_counter()
    while url:
        answer = http.get(url, timeout=120)
        answer.raise_for_status()
        size += len(answer.content)
        page = orjson.loads(answer.content)
        records += len(page["records"])
        url = base_url + page["nextRecordsUrl"] if not page["done"] else ""
    return records, size, time.perf_counter() - started


def bulk(http: requests.Session, base_url: str, soql: str) -> tuple[int, int, float]:
    jobs = f"{base_url}/services/data/v59.0/jobs/query"
    started = time.perf_counter()
    job = http.post(jobs, json={"operation": "query", "query": soql}, timeout=120).json()
    records = size = 0
    locator = ""
    while locator != "null":
        params: dict[str, str | int] = {"maxRecords": 50_000}
        if locator:
            params["locator"] = locator
        answer = http.get(f"{jobs}/{job['id']}/results", params=params, timeout=120)
        answer.raise_for_status()
        size += len(answer.content)
        records += int(answer.headers["Sforce-NumberOfRecords"])
        locator = answer.headers["Sforce-Locator"]
    return records, size, time.perf_counter() - started


def direct(store: OrgStore, soql: str) -> tuple[int, float]:
    sql = compile_query(soql, catalog=store.catalog, dialect="duckdb").sql
    started = time.perf_counter()
    with store.reading() as cur:
        rows = cur.sql(sql).to_arrow_table().num_rows
    return rows, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="sfsync-bench-")) / "org"
    if OrgStore.exists(data_dir):
        store = OrgStore.open(data_dir)
    else:
        store = generate_demo_org(data_dir, args.accounts, seed=42)
    account = store.catalog.get("Account")
    assert account is not None
    fields = [f.name for f in account.iter_fields() if f.type not in ("address", "location")]
    soql = f"SELECT {', '.join(fields)} FROM Account"
    base_rows, base_s = direct(store, soql)
    store.close()
    # The server runs as users run it, in its own process: sharing this one's GIL with the
    # client would measure the two contending rather than the server.
    server = start_subprocess(["--data-dir", str(data_dir)])
    try:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {_token(server.base_url)}"
        rest_rows, rest_bytes, rest_s = rest(http, server.base_url, soql)
        bulk_rows, bulk_bytes, bulk_s = bulk(http, server.base_url, soql)
        http.close()
    finally:
        server.stop()
    base_rate = base_rows / base_s
    rest_rate = rest_rows / rest_s
    bulk_rate = bulk_rows / bulk_s
    print(f"Account, {len(fields)} fields, {base_rows:,} records")
    print(f"  baseline  DuckDB -> Arrow in-process  {base_rate:>12,.0f} records/s")
    print(
        f"  REST      query + nextRecordsUrl      {rest_rate:>12,.0f} records/s  "
        f"({rest_bytes / rest_rows:,.0f} B/record, {rest_rate / base_rate:.3f} x baseline, "
        f"target {REST_TARGET:,}: {'met' if rest_rate >= REST_TARGET else 'NOT met'})"
    )
    print(
        f"  Bulk 2.0  query job + CSV pages       {bulk_rate:>12,.0f} records/s  "
        f"({bulk_bytes / bulk_rows:,.0f} B/record, {bulk_rate / base_rate:.3f} x baseline, "
        f"target {BULK_TARGET:,}: {'met' if bulk_rate >= BULK_TARGET else 'NOT met'})"
    )
    return 0 if rest_rows == bulk_rows == base_rows else 1


if __name__ == "__main__":
    sys.exit(main())
