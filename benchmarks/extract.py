"""Extract-and-load throughput: sfsync against the usual way and against the network floor.

One run builds a demo sandbox org (100,000 accounts, ~1.9 million records over ten objects),
serves it from its own process and measures, each in a fresh child process (wall time and peak
resident memory of that process):

  (a) **sfsync bootstrap**: ``run_extract`` of all ten objects into a new DuckDB warehouse;
  (b) **baseline**: what users commonly write — simple_salesforce ``query_all_iter`` per object,
      yielding each record as a dict into a dlt pipeline (DuckDB, default settings);
  (c) **floor**: the same Bulk API 2.0 queryAll jobs, downloading the CSV bytes and throwing
      them away (no parsing, no loading), with the same concurrency as sfsync;
  (d) **sfsync periodic**: after 1% of every object's records changed (Bulk ingest updates),
      an incremental ``run_extract`` into the warehouse of (a);
  (e) **dlt alone**: what one dlt run shaped like (d) costs without Salesforce (ten Arrow
      resources of 2,000 rows merged into DuckDB, dlt's defaults): the part of (d) that no
      extractor built on dlt can avoid.

Targets: (a) ≥ 50x (b) in records/s; (a) within 2x of (c); peak RSS of (a) under 1 GB;
(d) ≤ 5% of (a)'s time. Records/s count the records every variant reads: all rows queryAll
returns for the ten objects (deleted ones included).

Run: ``make bench`` or ``.venv/bin/python benchmarks/extract.py [--accounts 100000]``;
``--accounts 2000`` is a quick check. The baseline reads about 2,000 records/s and its memory
grows with what it reads (8 GB for 186,000 records): by default it is timed over the first
20,000 records of each object (``--baseline-records N``; its records/s is what is compared),
``--baseline-records 0`` reads everything, ``--skip-baseline`` leaves it out. Every figure is
printed with the machine's load average as it was taken: on a shared machine, read them
together.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

OBJECTS = [
    "Account",
    "Contact",
    "Opportunity",
    "User",
    "Contract",
    "Case",
    "CaseComment",
    "EmailMessage",
    "Account_Health__c",
    "Onboarding_Task__c",
]
LOGIN = {
    "client_id": "sandbox",
    "client_secret": "sandbox",
    "username": "admin@sandbox.local",
    "password": "sandbox",
}
WORKERS = 8
PAGE_SIZE = 50_000
CHANGED_SHARE = 0.01
# What each object's 1% change touches (a field any org lets the integration user edit).
CHANGE_FIELD = {
    "Account": "Description",
    "Contact": "Description",
    "Opportunity": "Description",
    "User": "Title",
    "Contract": "Description",
    "Case": "Description",
    "CaseComment": "CommentBody",
    "EmailMessage": "IsExternallyVisible",
    "Account_Health__c": "Notes__c",
    "Onboarding_Task__c": "Name",
}


# --- child processes -------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory (``VmHWM``: unlike ``ru_maxrss`` it is not
    inherited from the parent across exec)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for text in status:
            if text.startswith("VmHWM:"):
                return int(text.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def credentials(url: str) -> Any:
    from pipelines.salesforce import SalesforceCredentials

    creds = SalesforceCredentials(login_url=url, **LOGIN)
    creds.resolve()
    return creds


def child_sfsync(url: str, work: Path) -> dict[str, Any]:
    from pipelines.salesforce import run_extract

    started = time.perf_counter()
    result = run_extract(
        work / "sfsync", credentials=credentials(url), objects=OBJECTS, workers=WORKERS
    )
    return {
        "seconds": time.perf_counter() - started,
        "rows": result.rows_per_object,
        "api_calls": result.api_calls,
        "modes": result.modes,
        "steps": result.step_seconds,
    }


def child_baseline(url: str, work: Path, limit: int | None = None) -> dict[str, Any]:
    import dlt
    from simple_salesforce import Salesforce

    from pipelines.sandbox.client import SandboxSession

    started = time.perf_counter()
    sf = Salesforce(
        username=LOGIN["username"],
        password=LOGIN["password"],
        consumer_key=LOGIN["client_id"],
        consumer_secret=LOGIN["client_secret"],
        session=SandboxSession(url),
    )

    def records(name: str) -> Any:
        fields = [
            f["name"]
            for f in getattr(sf, name).describe()["fields"]
            if f["type"] not in ("address", "location", "base64")
        ]
        soql = f"SELECT {', '.join(fields)} FROM {name}" + (f" LIMIT {limit}" if limit else "")
        for record in sf.query_all_iter(soql, include_deleted=True):
            record.pop("attributes", None)
            yield record

    resources = [
        dlt.resource(records(name), name=name, write_disposition="replace", primary_key="Id")
        for name in OBJECTS
    ]
    pipeline = dlt.pipeline(
        "baseline",
        pipelines_dir=str(work / "baseline" / "dlt"),
        destination=dlt.destinations.duckdb(str(work / "baseline" / "warehouse.duckdb")),
        dataset_name="salesforce",
    )
    pipeline.run(resources)
    normalized = pipeline.last_trace.last_normalize_info if pipeline.last_trace else None
    assert normalized is not None
    # Per table as dlt named them (its naming keeps the double underscore of __c).
    counts = {t: int(n) for t, n in normalized.row_counts.items() if not t.startswith("_dlt")}
    return {"seconds": time.perf_counter() - started, "rows": counts}


def child_floor(url: str, work: Path) -> dict[str, Any]:
    import requests

    from pipelines.salesforce import SalesforceClient, Selection
    from pipelines.salesforce.describe import describe_objects, object_schema
    from pipelines.salesforce.queries import select

    started = time.perf_counter()
    client = SalesforceClient(credentials(url))
    described = describe_objects(client, OBJECTS)
    session = requests.Session()
    token = client._access()  # the floor skips sfsync's client: raw requests on its token

    def download(name: str) -> tuple[int, int]:
        fields, _ = Selection().fields_for(name).choose(described[name])
        soql = select(name, object_schema(described[name], fields).fields)
        headers = {"Authorization": f"Bearer {token.access_token}"}
        jobs = f"{token.instance_url}{client.data_path('/jobs/query')}"
        job = session.post(jobs, json={"operation": "queryAll", "query": soql}, headers=headers)
        job.raise_for_status()
        job_url = f"{jobs}/{job.json()['id']}"
        while session.get(job_url, headers=headers).json()["state"] != "JobComplete":
            time.sleep(0.05)
        rows = size = 0
        locator = None
        while True:
            params: dict[str, Any] = {"maxRecords": PAGE_SIZE}
            if locator:
                params["locator"] = locator
            page = session.get(f"{job_url}/results", params=params, headers=headers)
            page.raise_for_status()
            rows += int(page.headers["Sforce-NumberOfRecords"])
            size += len(page.content)
            locator = page.headers.get("Sforce-Locator")
            if locator in (None, "", "null"):
                break
        session.delete(job_url, headers=headers)
        return rows, size

    with ThreadPoolExecutor(WORKERS) as pool:
        results = dict(zip(OBJECTS, pool.map(download, OBJECTS), strict=True))
    return {
        "seconds": time.perf_counter() - started,
        "rows": {k: v[0] for k, v in results.items()},
        "bytes": sum(v[1] for v in results.values()),
    }


def child_dlt_alone(url: str, work: Path) -> dict[str, Any]:
    """dlt's own fixed cost for one incremental run shaped like (d), without Salesforce: ten
    resources of 2,000 rows (40 text columns, Arrow) merged on ``id`` into DuckDB tables that a
    first run created, with dlt's default settings. ``url`` is unused."""
    import dlt
    import pyarrow as pa

    def resources(run: int) -> list[Any]:
        found = []
        for number, name in enumerate(OBJECTS):
            columns = {"id": pa.array([f"{number:03d}{i:015d}" for i in range(2_000)])}
            for c in range(40):
                columns[f"field_{c}"] = pa.array(
                    [f"run {run} row {i} field {c}" for i in range(2_000)]
                )
            found.append(
                dlt.resource(
                    [pa.table(columns)], name=name, write_disposition="merge", primary_key="id"
                )
            )
        return found

    pipeline = dlt.pipeline(
        "dlt_alone",
        pipelines_dir=str(work / "dlt-alone" / "dlt"),
        destination=dlt.destinations.duckdb(str(work / "dlt-alone" / "warehouse.duckdb")),
        dataset_name="salesforce",
    )
    pipeline.run(resources(0), loader_file_format="parquet")  # creates the tables
    timings = []
    for run in (1, 2):
        batch = resources(run)
        started = time.perf_counter()
        pipeline.run(batch, loader_file_format="parquet")
        timings.append(time.perf_counter() - started)
    return {"seconds": min(timings), "rows": {name: 2_000 for name in OBJECTS}}


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "sfsync": child_sfsync,
    "periodic": child_sfsync,
    "baseline": child_baseline,
    "floor": child_floor,
    "dlt-alone": child_dlt_alone,
}


def run_child(variant: str, url: str, work: Path, *extra: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", variant, "--url", url, "--work", str(work), *extra],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if out.returncode != 0:
        raise SystemExit(f"{variant} failed:\n{out.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["load_average"] = os.getloadavg()[0]  # the machine's, as the child finished
    return result


# --- the org ----------------------------------------------------------------------------------


def build_org(path: Path, accounts: int) -> float:
    from pipelines.sandbox.generator import generate_demo_org

    started = time.perf_counter()
    generate_demo_org(path, accounts=accounts, seed=42).close()
    return time.perf_counter() - started


def queryall_counts(url: str) -> dict[str, int]:
    from pipelines.salesforce import SalesforceClient
    from pipelines.salesforce.transport import count_rows

    client = SalesforceClient(credentials(url))
    return {name: count_rows(client, name, []) for name in OBJECTS}


def change_one_percent(url: str) -> dict[str, int]:
    """Update 1% of every object's live records through Bulk API 2.0 ingest jobs."""
    from pipelines.salesforce import SalesforceClient

    client = SalesforceClient(credentials(url))
    token = client._access()
    headers = {"Authorization": f"Bearer {token.access_token}"}
    rng = random.Random(7)
    import requests

    changed: dict[str, int] = {}
    for name in OBJECTS:
        ids: list[str] = []
        body = client.json(
            "GET", client.data_path("/query"), params={"q": f"SELECT Id FROM {name}"}
        )
        while True:
            ids += [r["Id"] for r in body["records"]]
            if body.get("done", True):
                break
            body = client.json("GET", body["nextRecordsUrl"])
        picked = rng.sample(ids, max(1, int(len(ids) * CHANGED_SHARE)))
        field = CHANGE_FIELD[name]
        sink = io.StringIO()
        writer = csv.writer(sink, lineterminator="\n")
        writer.writerow(["Id", field])
        for i, record_id in enumerate(picked):
            value = "false" if field.startswith("Is") else f"changed in the benchmark {i}"
            writer.writerow([record_id, value])
        jobs = f"{token.instance_url}{client.data_path('/jobs/ingest')}"
        job = requests.post(
            jobs, json={"object": name, "operation": "update", "lineEnding": "LF"}, headers=headers
        ).json()
        requests.put(
            f"{jobs}/{job['id']}/batches",
            data=sink.getvalue().encode(),
            headers={**headers, "Content-Type": "text/csv"},
        ).raise_for_status()
        requests.patch(
            f"{jobs}/{job['id']}", json={"state": "UploadComplete"}, headers=headers
        ).raise_for_status()
        while True:
            info = requests.get(f"{jobs}/{job['id']}", headers=headers).json()
            if info["state"] in ("JobComplete", "Failed", "Aborted"):
                break
            time.sleep(0.1)
        changed[name] = int(info.get("numberRecordsProcessed", 0)) - int(
            info.get("numberRecordsFailed", 0)
        )
    return changed


# --- report -----------------------------------------------------------------------------------


def line(label: str, records: int, outcome: dict[str, Any]) -> str:
    seconds, rss = outcome["seconds"], outcome["peak_rss_mb"]
    rate = records / seconds if seconds else 0.0
    return (
        f"  {label:<34} {records:>10,} {seconds:>8.1f} s {rate:>10,.0f}/s {rss:>7.0f} MB"
        f"   load {outcome['load_average']:.2f}"
    )


def target(label: str, figure: str, goal: str, ok: bool) -> str:
    return f"  {label:<24} {figure:>12}   target {goal:<10} {'PASS' if ok else 'MISS'}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument(
        "--work", type=Path, default=None, help="working directory (default: a temp dir)"
    )
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--baseline-records",
        type=int,
        default=20_000,
        metavar="N",
        help="read at most N records per object in the baseline (default 20,000; 0: all of "
        "them, about 15 minutes and many gigabytes); its records/s is what is compared",
    )
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        if args.child == "baseline":
            outcome = child_baseline(args.url, args.work, args.baseline_records)
        else:
            outcome = CHILDREN[args.child](args.url, args.work)
        outcome["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(outcome))
        return 0

    from pipelines.sandbox.server import start_subprocess

    work = args.work or Path(tempfile.mkdtemp(prefix="sfsync-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    for stale in ("sfsync", "baseline"):
        shutil.rmtree(work / stale, ignore_errors=True)
    org_dir = work / f"org-{args.accounts}"
    shutil.rmtree(org_dir, ignore_errors=True)
    print(f"building a demo org with {args.accounts:,} accounts in {org_dir} ...", flush=True)
    built = build_org(org_dir, args.accounts)
    server = start_subprocess(["--data-dir", str(org_dir)])
    try:
        counts = queryall_counts(server.base_url)
        records = sum(counts.values())
        print(f"  {records:,} records in {len(OBJECTS)} objects (built in {built:.1f} s)")
        print(f"  cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}\n", flush=True)

        floor = run_child("floor", server.base_url, work)
        print(line("(c) floor: Bulk CSV bytes", records, floor), flush=True)
        sfsync = run_child("sfsync", server.base_url, work)
        print(line("(a) sfsync bootstrap", records, sfsync), flush=True)
        changed = change_one_percent(server.base_url)
        periodic = run_child("periodic", server.base_url, work)
        print(
            line(
                f"(d) periodic ({sum(changed.values()):,} changed)",
                sum(periodic["rows"].values()),
                periodic,
            ),
            flush=True,
        )
        shutil.rmtree(work / "dlt-alone", ignore_errors=True)
        alone = run_child("dlt-alone", "", work)
        print(line("(e) dlt alone: 10 merges, no HTTP", sum(alone["rows"].values()), alone))
        # Last: the baseline takes gigabytes and keeps both cores busy for minutes, and the
        # machine's load after it would weigh on whatever ran next.
        baseline = None
        if not args.skip_baseline:
            cap = ["--baseline-records", str(args.baseline_records)]
            baseline = run_child("baseline", server.base_url, work, *cap)
            label = "(b) baseline: dicts into dlt" + (
                f" (<= {args.baseline_records:,}/object)" if args.baseline_records else ""
            )
            print(line(label, sum(baseline["rows"].values()), baseline), flush=True)
    finally:
        server.stop()

    assert floor["rows"] == counts, (floor["rows"], counts)
    rate = records / sfsync["seconds"]
    print(f"\ntargets (load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores)")
    if baseline is not None:
        baseline_rate = sum(baseline["rows"].values()) / baseline["seconds"]
        speedup = rate / baseline_rate
        print(target("records/s vs baseline", f"{speedup:.1f}x", ">= 50x", speedup >= 50))
    slowdown = sfsync["seconds"] / floor["seconds"]
    print(target("time vs floor", f"{slowdown:.2f}x", "<= 2x", slowdown <= 2))
    rss = sfsync["peak_rss_mb"]
    print(target("bootstrap peak RSS", f"{rss:.0f} MB", "< 1024 MB", rss < 1024))
    share = periodic["seconds"] / sfsync["seconds"]
    print(target("periodic / bootstrap", f"{share:.1%}", "<= 5%", share <= 0.05))
    print(
        f"  (dlt's own fixed cost, (e), is {alone['seconds'] / sfsync['seconds']:.1%} of the "
        "bootstrap: one dlt run, before any Salesforce work)"
    )
    print(f"\n  sfsync modes: {sfsync['modes']}")
    print(f"  periodic modes: {periodic['modes']}")
    print(f"  API calls: bootstrap {sfsync['api_calls']}, periodic {periodic['api_calls']}")
    print(f"  sfsync steps (s): bootstrap {sfsync['steps']}, periodic {periodic['steps']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
