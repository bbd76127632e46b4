"""Throughput of the sandbox org's APIs over real HTTP, for Account with all its fields.

Figures:
  * REST: ``GET /query`` then ``nextRecordsUrl`` pages (2,000 records each), parsed with orjson
    as a fast client would; target >= 30,000 records/s;
  * Bulk API 2.0: a query job, polled until ``JobComplete`` as clients poll it, and its CSV
    result pages (``maxRecords=50000``, simple_salesforce's default page size); target
    >= 300,000 records/s.
Both are timed end to end: from the first request (the query, or the job's creation) until the
last page has been read.
Baseline, measured in the same run: the same SELECT run straight on the org's DuckDB file into
Arrow, in-process, i.e. the cost of reading the rows without any API around them.

Each figure is the median of ``--runs`` runs (default 3). Since the client shares the machine
with the server, the CPU seconds the server process and this client each spent per 100,000
records are printed too (Linux), as is the load average: on a busy machine the rates measure
the contention as much as the server.

Run: ``.venv/bin/python benchmarks/sandbox.py [--accounts 100000] [--data-dir DIR] [--runs 3]``.
The demo org is generated on first use (about a second per 10,000 accounts) and reused when
``--data-dir`` already holds one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlencode

import orjson
import requests

from pipelines.sandbox.client import access_token
from pipelines.sandbox.generator import generate_demo_org
from pipelines.sandbox.server import SandboxProcess, start_subprocess
from pipelines.sandbox.store import OrgStore
from pipelines.soql import compile_query

REST_TARGET = 30_000
BULK_TARGET = 300_000


READ_BYTES = 1 << 20
"""The client reads each body in pieces of this size, as a client that downloads large answers
does; ``Response.content`` reads 10 KiB at a time, about 5,000 Python-level reads per 50 MB page
that would be measured instead of the server."""


def get_body(
    http: requests.Session, url: str, params: dict[str, str | int] | None = None
) -> tuple[bytes, Mapping[str, str]]:
    """GET ``url``: its body, read in :data:`READ_BYTES` pieces, and its headers."""
    with http.get(url, params=params, timeout=120, stream=True) as answer:
        answer.raise_for_status()
        return b"".join(answer.iter_content(READ_BYTES)), answer.headers


def rest(http: requests.Session, base_url: str, soql: str) -> tuple[int, int, float]:
    """(records, bytes, seconds) for paging through the whole result."""
    url = f"{base_url}/services/data/v59.0/query?{urlencode({'q': soql})}"
    records = size = 0
    started = time.perf_counter()
    while url:
        body, _ = get_body(http, url)
        size += len(body)
        page = orjson.loads(body)
        records += len(page["records"])
        url = base_url + page["nextRecordsUrl"] if not page["done"] else ""
    return records, size, time.perf_counter() - started


def bulk(http: requests.Session, base_url: str, soql: str) -> tuple[int, int, float]:
    jobs = f"{base_url}/services/data/v59.0/jobs/query"
    started = time.perf_counter()
    job = http.post(jobs, json={"operation": "query", "query": soql}, timeout=120).json()
    while job["state"] not in ("JobComplete", "Failed", "Aborted"):
        job = http.get(f"{jobs}/{job['id']}", timeout=120).json()
    if job["state"] != "JobComplete":
        raise RuntimeError(f"query job {job['id']} ended {job['state']}")
    records = size = 0
    locator = ""
    while locator != "null":
        params: dict[str, str | int] = {"maxRecords": 50_000}
        if locator:
            params["locator"] = locator
        body, headers = get_body(http, f"{jobs}/{job['id']}/results", params)
        size += len(body)
        records += int(headers["Sforce-NumberOfRecords"])
        locator = headers["Sforce-Locator"]
    return records, size, time.perf_counter() - started


def direct(store: OrgStore, soql: str) -> tuple[int, float]:
    sql = compile_query(soql, catalog=store.catalog, dialect="duckdb").sql
    started = time.perf_counter()
    with store.reading() as cur:
        rows = cur.sql(sql).to_arrow_table().num_rows
    return rows, time.perf_counter() - started


def cpu_seconds(server: SandboxProcess) -> float | None:
    """CPU time (user + system) the server process has used so far; None off Linux."""
    try:
        with open(f"/proc/{server.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


Run = tuple[int, int, float, float | None, float]
"""records, bytes, seconds, the server's CPU seconds, this process's CPU seconds."""


def measured(server: SandboxProcess, run: Callable[[], tuple[int, int, float]]) -> Run:
    """``run``'s (records, bytes, seconds) and the CPU seconds server and client spent meanwhile."""
    before = cpu_seconds(server)
    client_before = time.process_time()
    records, size, seconds = run()
    client = time.process_time() - client_before
    after = cpu_seconds(server)
    server_cpu = after - before if before is not None and after is not None else None
    return records, size, seconds, server_cpu, client


def report(label: str, results: list[Run], base_rate: float, target: int) -> None:
    rows = results[0][0]
    rates = [r[0] / r[2] for r in results]
    rate = statistics.median(rates)
    per = 100_000 / rows if rows else 0.0
    cpus = [r[3] for r in results if r[3] is not None]
    cpu = f", server CPU {statistics.median(cpus) * per:.2f} s" if cpus else ""
    cpu += f", client CPU {statistics.median(r[4] for r in results) * per:.2f} s per 100k records"
    print(
        f"  {label}  {rate:>12,.0f} records/s  (median of {len(rates)}: "
        f"{', '.join(f'{r:,.0f}' for r in rates)}; {results[0][1] / rows:,.0f} B/record{cpu}; "
        f"{rate / base_rate:.3f} x baseline; "
        f"target {target:,}: {'met' if rate >= target else 'NOT met'})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
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
    print(f"load average at start: {load_average()}")
    baseline = [direct(store, soql) for _ in range(args.runs)]
    store.close()
    base_rows = baseline[0][0]
    base_rate = statistics.median(rows / seconds for rows, seconds in baseline)
    # The server runs as users run it, in its own process: sharing this one's GIL with the
    # client would measure the two contending rather than the server.
    server = start_subprocess(["--data-dir", str(data_dir)])
    rest_runs: list[Run] = []
    bulk_runs: list[Run] = []
    try:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {access_token(server.base_url)}"
        for _ in range(args.runs):
            rest_runs.append(measured(server, lambda: rest(http, server.base_url, soql)))
            bulk_runs.append(measured(server, lambda: bulk(http, server.base_url, soql)))
        http.close()
    finally:
        server.stop()
    print(f"Account, {len(fields)} fields, {base_rows:,} records")
    print(f"  baseline  DuckDB -> Arrow in-process  {base_rate:>12,.0f} records/s")
    report("REST      query + nextRecordsUrl    ", rest_runs, base_rate, REST_TARGET)
    report("Bulk 2.0  query job + CSV pages     ", bulk_runs, base_rate, BULK_TARGET)
    print(f"load average at end: {load_average()}")
    counts = {base_rows} | {r[0] for r in rest_runs} | {r[0] for r in bulk_runs}
    return 0 if len(counts) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
