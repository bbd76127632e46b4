"""Write-back throughput: 100,000 changed Account values pushed to the sandbox org.

Figures, each a full ``push`` (plan from the warehouse, send, record every outcome):
  * sObject Collections: ``PATCH /composite/sobjects``, 200 records per call;
  * Bulk API 2.0: one ingest job (create, upload, close, poll, failed results);
  * what ``auto`` picks for this volume, and whether it is the cheaper in API calls;
  * a second push with nothing changed (it must send nothing).
Baseline, measured in the same run: the org's own store applying the same kind of update
in-process (no API), i.e. what the sandbox spends per record whatever the transport.

Run: ``.venv/bin/python benchmarks/writeback.py [--records 100000] [--data-dir DIR]``.
The demo org is generated on first use (about a second per 10,000 accounts) and reused when
``--data-dir`` already holds one. The sandbox applies updates record by record, so at this
volume each push takes a few minutes and both transports are bound by the org, not sfsync;
what separates them is the API calls.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from pipelines.config.model import IntegrationConfig
from pipelines.config.validation import parse_config
from pipelines.salesforce import SalesforceClient, SalesforceCredentials, run_extract
from pipelines.sandbox.generator import generate_demo_org
from pipelines.sandbox.options import Credentials
from pipelines.sandbox.server import start_subprocess
from pipelines.sandbox.store import OrgStore
from pipelines.writeback import dry_run, push

BASELINE_RECORDS = 10_000
MODEL = "bench_health"


def config(transport: str) -> IntegrationConfig:
    return parse_config(
        {
            "account_filtering": {"filter": "Name != null"},
            "writeback": {
                "enabled": True,
                "transport": transport,
                "mappings": [
                    {
                        "model": MODEL,
                        "object": "Account",
                        "id_column": "account_id",
                        "fields": {"health_score": "Health_Score__c"},
                    }
                ],
            },
        }
    )


def baseline(data_dir: Path, records: int) -> float:
    """Records/s of the org store applying Health_Score__c updates in-process."""
    store = OrgStore.open(data_dir)
    try:
        with store.reading() as cur:
            ids = [
                r[0]
                for r in cur.execute(
                    "SELECT id FROM account WHERE NOT is_deleted ORDER BY id LIMIT ?", [records]
                ).fetchall()
            ]
        updates = [{"Id": rid, "Health_Score__c": (i % 97) + 1} for i, rid in enumerate(ids)]
        started = time.perf_counter()
        store.update_results("Account", updates)
        return len(ids) / (time.perf_counter() - started)
    finally:
        store.close()


def build_model(home: Path, salt: str, records: int) -> int:
    """A model giving each of ``records`` accounts a health score unlike the org's."""
    with duckdb.connect(str(home / "warehouse.duckdb")) as db:
        db.execute("CREATE SCHEMA IF NOT EXISTS writeback")
        db.execute(
            f"""
            CREATE OR REPLACE TABLE writeback.{MODEL} AS
            SELECT id AS account_id,
                   CAST((CAST(coalesce(health_score_c, 0) AS BIGINT) + 1 + hash(id || ?) % 20)
                        % 100 AS DOUBLE) AS health_score
            FROM salesforce.account
            WHERE NOT coalesce(is_deleted, false)
            ORDER BY id
            LIMIT ?
            """,
            [salt, records],
        )
        row = db.execute(f"SELECT count(*) FROM writeback.{MODEL}").fetchone()
    assert row is not None
    return int(row[0])


def timed_push(home: Path, transport: str, client: SalesforceClient) -> tuple[int, int, float]:
    """(records sent, API calls, seconds) of one push."""
    started = time.perf_counter()
    result = push(config(transport), home, client=client)
    elapsed = time.perf_counter() - started
    if result.status != "Completed" or result.failed:
        raise SystemExit(f"push via {transport} did not complete: {result.run.message}")
    return result.sent, result.api_calls, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="sfsync-bench-writeback-"))
    data_dir = args.data_dir or work / "org"  # the homes under ``work`` always go
    if not OrgStore.exists(data_dir):
        # A few generated accounts are deleted; ask for a margin.
        generate_demo_org(data_dir, args.records + args.records // 50 + 10, seed=42).close()
    base_rate = baseline(data_dir, min(BASELINE_RECORDS, args.records))

    server = start_subprocess(["--data-dir", str(data_dir)])
    try:
        login = Credentials()
        credentials = SalesforceCredentials(
            login_url=server.base_url,
            client_id=login.client_id,
            client_secret=login.client_secret,
            username=login.username,
            password=login.password,
        )
        collections_home, bulk_home = work / "collections", work / "bulk"
        started = time.perf_counter()
        run_extract(collections_home, credentials=credentials, objects=["Account"])
        extract_s = time.perf_counter() - started
        bulk_home.mkdir()
        shutil.copy(collections_home / "warehouse.duckdb", bulk_home / "warehouse.duckdb")
        shutil.copy(collections_home / "describe_catalog.yaml", bulk_home / "describe_catalog.yaml")
        records = build_model(collections_home, "collections", args.records)
        build_model(bulk_home, "bulk", args.records)

        started = time.perf_counter()
        plan = dry_run(config("auto"), collections_home)
        plan_s = time.perf_counter() - started
        [mapping] = plan.mappings
        picked = mapping.transport
        estimates = mapping.estimated_calls

        c_sent, c_calls, c_s = timed_push(
            collections_home, "collections", SalesforceClient(credentials)
        )
        b_sent, b_calls, b_s = timed_push(bulk_home, "bulk", SalesforceClient(credentials))
        again_sent, again_calls, again_s = timed_push(
            bulk_home, "auto", SalesforceClient(credentials)
        )
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    c_rate, b_rate = c_sent / c_s, b_sent / b_s
    cheaper = "bulk" if b_calls < c_calls else "collections"
    print(f"Write-back of {records:,} changed Account.Health_Score__c values to the sandbox org")
    print(f"  extract of Account into the warehouse    {extract_s:8.1f} s")
    print(f"  plan (warehouse read, change detection)  {plan_s:8.1f} s")
    print(f"  baseline  org store, in-process updates  {base_rate:10,.0f} records/s")
    for label, rate, calls, seconds in (
        ("Collections  PATCH, 200/call       ", c_rate, c_calls, c_s),
        ("Bulk API 2.0 ingest job            ", b_rate, b_calls, b_s),
    ):
        print(
            f"  {label}{rate:10,.0f} records/s  {calls:5,} API calls  {seconds:7.1f} s  "
            f"({rate / base_rate:.2f} x baseline)"
        )
    print(
        f"  auto picks {picked} (estimated {estimates['collections']:,} calls via collections, "
        f"{estimates['bulk']:,} via bulk); measured cheaper: {cheaper} "
        f"({'OK' if picked == cheaper else 'WRONG'})"
    )
    print(
        f"  second push, nothing changed: {again_sent} sent, {again_calls} API calls, {again_s:.1f} s"
    )
    ok = picked == cheaper and c_sent == b_sent == records and again_calls == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
