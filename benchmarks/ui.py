"""Wizard responsiveness on a 100,000-account demo org: every page load and every preview.

One run builds a demo sandbox org (``--accounts``, default 100,000), serves it from its own
process, connects a fresh ``SFSYNC_HOME`` to it through the OAuth web-server flow (as the
Connection page does), saves the default config, runs one sync job (extract, then the dbt build)
and then measures, each as the median of ``--repeat`` runs after a warm-up:

  (a) **page loads**, server side: the app's script for each page (Connection, Settings, Sync
      jobs, Data), run by Streamlit's ``AppTest`` exactly as the server runs it on a rerun;
  (b) **page loads** in Chromium (when ``/usr/bin/chromium`` exists): ``streamlit run``, a
      browser navigating to each page until the app reports the run finished;
  (c) **previews** of the Settings page, from the synced data (warehouse) and live from the org:
      account filter, ARR aggregation, renewal aggregation, support cases;
  (d) **baseline**: the Data page written the obvious way, reading the whole ``companies`` mart
      with its owners into a DataFrame, measured in the same run.

Target: every page load and preview under 1 s. Exit code 1 when one misses it.

Run: ``make bench`` or ``.venv/bin/python benchmarks/ui.py [--accounts 100000]``;
``--accounts 2000`` is a quick check.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "streamlit_app"))

APP = REPO / "streamlit_app" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
PAGES = {
    "Connection": "connection",
    "Settings": "settings",
    "Sync jobs": "sync_jobs",
    "Data": "data",
}
HEADINGS = {
    "Connection": "Salesforce connection",
    "Settings": "Salesforce settings",
    "Sync jobs": "Sync jobs",
    "Data": "Synced data",
}
TARGET_S = 1.0
PASSWORD = "bench"


# --- set-up -----------------------------------------------------------------------------------


def build_org(path: Path, accounts: int) -> float:
    from pipelines.sandbox.generator import generate_demo_org

    started = time.perf_counter()
    generate_demo_org(path, accounts=accounts, seed=42).close()
    return time.perf_counter() - started


def connect(home: Path, base_url: str) -> None:
    """The Connection page's web-server flow, with the approval page answered by form post."""
    import requests

    from pipelines.wizard.connection import (
        ConnectionSettings,
        begin_authorization,
        complete_authorization,
    )

    url = begin_authorization(
        home, ConnectionSettings(login_url=base_url), "http://localhost/connection"
    )
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    form = {**params, "username": "admin@sandbox.local", "password": "sandbox", "action": "allow"}
    answer = requests.post(
        f"{base_url}/services/oauth2/authorize", data=form, allow_redirects=False, timeout=60
    )
    back = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
    complete_authorization(home, back["state"], back["code"])


def sync(home: Path) -> float:
    """One sync job (extract+load, then the dbt build), seconds."""
    from pipelines.config import ConfigStore, load_config_file
    from pipelines.config.store import default_config_path
    from pipelines.jobs import run_job

    ConfigStore(home).save(load_config_file(default_config_path()), author="benchmark")
    started = time.perf_counter()
    job = run_job(home)
    if job.status != "Completed":
        raise SystemExit(f"the sync job failed: {job.sync_message}")
    return time.perf_counter() - started


# --- measurements -------------------------------------------------------------------------------


def fresh_data(home: Path) -> None:
    """Make the warehouse look newly written, so the Data page cannot answer from its cache:
    every figure is a first visit after a sync."""
    os.utime(home / "warehouse.duckdb")


def median_s(action: Callable[[], Any], repeat: int) -> float:
    action()  # warm-up: imports, caches, the OS page cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def apptest_pages(home: Path, repeat: int) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest
    from wizard_ui import keys

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state[keys.SK_ADMIN] = True
    at.run()
    found = {}
    for title, page in PAGES.items():
        at.switch_page(f"app_pages/{page}.py")

        def load(title: str = title) -> None:
            fresh_data(home)
            at.run()
            if at.exception:
                raise SystemExit(f"{title} failed: {at.exception[0].value}")

        found[title] = median_s(load, repeat)
    return found


def browser_pages(home: Path, dlt_dir: Path, repeat: int) -> dict[str, float]:
    from playwright.sync_api import expect, sync_playwright

    port = _free_port()
    env = {
        **os.environ,
        "SFSYNC_HOME": str(home),
        "DLT_PROJECT_DIR": str(dlt_dir),
        "SFSYNC_ADMIN_PASSWORD": PASSWORD,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://localhost:{port}"
    found: dict[str, float] = {}
    try:
        _wait_healthy(base, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            app = page.get_by_test_id("stApp")

            def settled() -> None:
                expect(app).to_have_attribute("data-test-connection-state", "CONNECTED")
                expect(app).to_have_attribute("data-test-script-state", "notRunning")
                expect(page.get_by_test_id("stSkeleton")).to_have_count(0)

            page.goto(base)
            settled()
            page.get_by_label("Admin password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_text("Salesforce settings")).to_be_visible()
            settled()

            def go(title: str) -> None:
                # The destination's heading shows that its run has started; then wait for the end.
                page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
                expect(
                    page.get_by_role("heading", name=HEADINGS[title], exact=True)
                ).to_be_visible()
                settled()

            for title in PAGES:
                other = "Data" if title != "Data" else "Connection"
                times = []
                for attempt in range(repeat + 1):
                    go(other)
                    fresh_data(home)
                    started = time.perf_counter()
                    go(title)
                    if attempt:  # the first visit is the warm-up
                        times.append(time.perf_counter() - started)
                found[title] = statistics.median(times)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return found


def previews(home: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """Each preview: (from the synced data, live from the org), seconds."""
    from pipelines.config import ConfigStore, load_catalog
    from pipelines.wizard import live_previews
    from pipelines.wizard import previews as wizard_previews
    from pipelines.wizard.org_queries import org_client

    config = ConfigStore(home).current().config
    assert config is not None
    catalog = load_catalog(home)
    client = org_client(home)
    closed_won = config.model_copy(
        update={"arr": config.arr.model_copy(update={"filter": "IsClosed = true AND IsWon = true"})}
    )
    cases: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
        "Account filter": (
            lambda: wizard_previews.filter_preview(home, config, catalog),
            lambda: live_previews.filter_preview(client, config, catalog),
        ),
        "ARR aggregation": (
            lambda: wizard_previews.aggregation_preview(home, closed_won, catalog, "arr"),
            lambda: live_previews.aggregation_preview(client, closed_won, catalog, "arr"),
        ),
        "Renewal": (
            lambda: wizard_previews.aggregation_preview(home, config, catalog, "renewal"),
            lambda: live_previews.aggregation_preview(client, config, catalog, "renewal"),
        ),
        "Support cases": (
            lambda: wizard_previews.case_preview(home, config, catalog),
            lambda: live_previews.case_preview(client, config, catalog),
        ),
    }
    found = {}
    for name, (synced, live) in cases.items():
        assert synced().source == "warehouse", name
        found[name] = (median_s(synced, repeat), median_s(live, repeat))
    return found


def naive_data_page(home: Path, repeat: int) -> float:
    """The baseline: the whole companies mart with owners, read into one DataFrame."""
    from pipelines.wizard.warehouse import read_warehouse

    def load() -> None:
        with read_warehouse(home) as conn:
            conn.execute(
                "select c.*, o.user_name, o.owner_type from main.companies c "
                "left join main.account_owners o on o.account_id = c.account_id"
            ).df()

    return median_s(load, repeat)


# --- report -------------------------------------------------------------------------------------


def verdict(seconds: float) -> str:
    return "PASS" if seconds < TARGET_S else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--work", type=Path, default=None, help="working directory (default: a temp dir)"
    )
    parser.add_argument("--no-browser", action="store_true", help="leave out (b)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the org and the synced home of an earlier --work run",
    )
    args = parser.parse_args()

    from pipelines.sandbox.server import start_subprocess

    work = args.work or Path(tempfile.mkdtemp(prefix="sfsync-bench-ui-"))
    home, dlt_dir, org_dir = work / "home", work / "project", work / f"org-{args.accounts}"
    reuse = args.reuse and (home / "warehouse.duckdb").is_file() and org_dir.is_dir()
    if not reuse:
        for stale in (home, dlt_dir, org_dir):
            shutil.rmtree(stale, ignore_errors=True)
        home.mkdir(parents=True)
    os.environ.update(SFSYNC_HOME=str(home), DLT_PROJECT_DIR=str(dlt_dir))
    os.environ.pop("SFSYNC_DEFAULT_CONFIG", None)

    built = 0.0
    if not reuse:
        print(f"building a demo org with {args.accounts:,} accounts in {org_dir} ...", flush=True)
        built = build_org(org_dir, args.accounts)
    server = start_subprocess(["--data-dir", str(org_dir)])
    try:
        connect(home, server.base_url)  # the sandbox org's port is new at each start
        if reuse:
            print(f"  reusing the org and the synced home in {work}")
        else:
            job_s = sync(home)
            print(f"  org built in {built:.1f} s; sync job (extract, dbt build) {job_s:.1f} s")
        print(f"  cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}\n", flush=True)

        worst = 0.0
        print(f"(a) page loads, server side (AppTest), median of {args.repeat}")
        for title, seconds in apptest_pages(home, args.repeat).items():
            worst = max(worst, seconds)
            print(f"  {title:<24} {seconds * 1000:8.0f} ms   {verdict(seconds)}", flush=True)

        if CHROMIUM.exists() and not args.no_browser:
            print(f"\n(b) page loads in Chromium, median of {args.repeat}")
            for title, seconds in browser_pages(home, dlt_dir, args.repeat).items():
                worst = max(worst, seconds)
                print(f"  {title:<24} {seconds * 1000:8.0f} ms   {verdict(seconds)}", flush=True)
        else:
            print("\n(b) page loads in Chromium: skipped (no /usr/bin/chromium, or --no-browser)")

        print(f"\n(c) previews, median of {args.repeat}        synced data     live org")
        for name, (synced, live) in previews(home, args.repeat).items():
            worst = max(worst, synced, live)
            print(
                f"  {name:<24} {synced * 1000:8.0f} ms {verdict(synced)}  "
                f"{live * 1000:8.0f} ms {verdict(live)}",
                flush=True,
            )
        from pipelines.wizard.data_view import TABLE_LIMIT, load_companies

        ours = median_s(lambda: load_companies(home), args.repeat)
        naive = naive_data_page(home, args.repeat)
    finally:
        server.stop()

    print("\n(d) Data page queries against the baseline")
    print(f"  sfsync (aggregated, first {TABLE_LIMIT} rows)  {ours * 1000:8.0f} ms")
    print(
        f"  baseline (whole mart into pandas)    {naive * 1000:8.0f} ms   {naive / ours:5.1f}x slower"
    )
    print(
        f"\nslowest page load or preview: {worst * 1000:.0f} ms (target < {TARGET_S * 1000:.0f} ms)  {verdict(worst)}"
    )
    return 0 if worst < TARGET_S else 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(base: str, server: subprocess.Popen[bytes]) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("streamlit exited before it answered")
        try:
            if requests.get(f"{base}/_stcore/health", timeout=2).text == "ok":
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit("streamlit did not answer within 60 s")


if __name__ == "__main__":
    raise SystemExit(main())
