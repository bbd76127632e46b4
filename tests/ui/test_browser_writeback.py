"""Settings → 7. Sync to Salesforce in Chromium, against a sandbox org of its own.

Before the browser opens, the org's accounts are synced into a real warehouse, a write-back
model is built there, and two real pushes have run (the second with a record the org rejects
and a field edited in Salesforce in between). The admin then opens the section: sees the
mapping and the last push's failure and conflict, runs a dry run, is refused a save with a
column mapped twice (next to the field, nothing saved), fixes it, turns the push step on and
saves ``Database (v2)``.

The org is its own (not the shared ``sandbox_org``) because the pushes change Account fields
that other suites read. Screenshots go to ``tests/ui/artifacts/writeback/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests
from browser_harness import (
    ARTIFACTS_ROOT,
    CHROMIUM,
    STEP_TIMEOUT_MS,
    Journey,
    Wizard,
    chromium_page,
    serve_wizard,
)

from pipelines.config import ConfigStore
from pipelines.config.validation import parse_config
from pipelines.salesforce import SalesforceClient, SalesforceCredentials, run_extract
from pipelines.sandbox.options import Credentials
from pipelines.sandbox.server import serve_in_thread

ARTIFACTS = ARTIFACTS_ROOT / "writeback"
PASSWORD = "writeback-password"
MODEL = "writeback__account_scores"
ACCOUNTS = 24
FROZEN = "Scores are frozen for this account"
API = "v62.0"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"
    ),
]


@dataclass(frozen=True)
class Pushed:
    """What the pushes before the browser left behind."""

    wizard: Wizard
    victim: str
    edited: str


def credentials(base_url: str) -> SalesforceCredentials:
    login = Credentials()
    return SalesforceCredentials(
        login_url=base_url,
        client_id=login.client_id,
        client_secret=login.client_secret,
        username=login.username,
        password=login.password,
    )


def build_model(home: Path, bump: dict[str, float] | None = None) -> dict[str, float]:
    """``writeback.<MODEL>`` as dbt would build it: a score per account that differs from the
    org's; with ``bump``, only those rows change. Returns ``{account_id: score}``."""
    with duckdb.connect(str(home / "warehouse.duckdb")) as db:
        db.execute("CREATE SCHEMA IF NOT EXISTS writeback")
        if bump is None:
            db.execute(
                f"""
                CREATE OR REPLACE TABLE writeback.{MODEL} AS
                SELECT id AS account_id,
                       CAST((CAST(coalesce(health_score_c, 0) AS BIGINT) + 3) % 100 AS DOUBLE)
                           AS health_score,
                       false AS at_risk
                FROM salesforce.account WHERE NOT coalesce(is_deleted, false)
                """
            )
        for rid, score in (bump or {}).items():
            db.execute(
                f"UPDATE writeback.{MODEL} SET health_score = ? WHERE account_id = ?",
                [score, rid],
            )
        rows = db.execute(f"SELECT account_id, health_score FROM writeback.{MODEL}").fetchall()
    return {str(rid): float(score) for rid, score in rows}


def mapping_config(enabled: bool) -> Any:
    return parse_config(
        {
            "account_filtering": {"filter": "Name != null"},
            "writeback": {
                "enabled": enabled,
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


def org_session(base_url: str) -> requests.Session:
    login = Credentials()
    answer = requests.post(
        base_url + "/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": login.client_id,
            "client_secret": login.client_secret,
            "username": login.username,
            "password": login.password,
        },
        timeout=30,
    )
    answer.raise_for_status()
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + answer.json()["access_token"]
    return session


@pytest.fixture(scope="module")
def pushed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pushed]:
    from pipelines.sandbox.generator import generate_demo_org
    from pipelines.writeback import push

    root = tmp_path_factory.mktemp("writeback-ui")
    home = root / "home"
    home.mkdir()
    store = generate_demo_org(root / "org", accounts=ACCOUNTS, seed=23)
    server = serve_in_thread(store)
    try:
        creds = credentials(server.base_url)
        run_extract(home, credentials=creds, objects=["Account"])
        scores = build_model(home)
        first = push(mapping_config(True), home, client=SalesforceClient(creds))
        assert first.sent == len(scores)
        # A CSM corrects one score by hand; the next sync brings the edit in.
        edited, victim = sorted(scores)[:2]
        answer = org_session(server.base_url).patch(
            f"{server.base_url}/services/data/{API}/sobjects/Account/{edited}",
            json={"Health_Score__c": (scores[edited] + 40) % 100},
            timeout=30,
        )
        assert answer.status_code == 204, answer.text
        run_extract(home, credentials=creds, objects=["Account"])
        build_model(home, {rid: (scores[rid] + 7) % 100 for rid in (edited, victim)})
        faults = {
            "fail_writes": [{"object": "Account", "id": victim, "message": FROZEN, "times": 0}]
        }
        requests.post(server.base_url + "/_sandbox/faults", json=faults, timeout=30)
        second = push(mapping_config(True), home, client=SalesforceClient(creds))
        assert (second.sent, second.failed, second.conflicts) == (0, 1, 1)
        requests.post(server.base_url + "/_sandbox/reset", json={"faults": True}, timeout=30)
        # The config in force: the mapping saved, the push step not yet on.
        ConfigStore(home).save(mapping_config(False), author="ops", comment="mapping")
        env = {
            "SFSYNC_HOME": str(home),
            "DLT_PROJECT_DIR": str(root / "project"),
            "SFSYNC_ADMIN_PASSWORD": PASSWORD,
        }
        with serve_wizard(root, env, ARTIFACTS) as wizard:
            yield Pushed(wizard, victim, edited)
    finally:
        server.stop()
        store.close()


def type_choice(j: Journey, label: str, value: str, within: Any, nth: int = 0) -> None:
    """Type into a picker that also takes a typed name (a model's column), take the match."""
    from playwright.sync_api import expect

    # The element itself: while its list is open, the page hides the other boxes from roles.
    box = within.get_by_role("combobox", name=label, exact=True).nth(nth).element_handle()
    box.click()  # opens the list
    box.fill(value)  # which narrows to the typed name
    option = j.page.get_by_role("option").filter(has_text=re.compile(f"^{re.escape(value)}$"))
    option.first.click()
    j.settle()
    expect(within.get_by_role("combobox", name=label, exact=True).nth(nth)).to_have_value(value)


@pytest.fixture
def page(pushed: Pushed, request: pytest.FixtureRequest) -> Iterator[Any]:
    with chromium_page(ARTIFACTS, request) as tab:
        yield tab


def test_an_admin_reviews_the_last_push_dry_runs_and_turns_the_push_step_on(
    page: Any, pushed: Pushed
) -> None:
    from playwright.sync_api import expect

    # A loaded machine can take a while to draw the section after the rerun has begun.
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    j = Journey(page, ARTIFACTS)
    j.sign_in(pushed.wizard.url, PASSWORD)
    j.badge("Database (v1)")
    section = j.section("7. Sync to Salesforce")

    # The mapping as saved, with pickers filled from the warehouse and the describe catalog.
    expect(section.get_by_role("combobox", name="dbt model", exact=True)).to_have_value(MODEL)
    expect(section.get_by_role("combobox", name="Salesforce object", exact=True)).to_have_value(
        "Account"
    )
    expect(section.get_by_role("combobox", name="Warehouse column", exact=True)).to_have_value(
        "health_score"
    )
    j.see(f"{MODEL} → Account", section)

    # The last push: the rejected record with Salesforce's error, the conflict kept.
    j.see("Push #2: Completed", section)
    j.see("0 sent · 1 failed · 1 conflicts", section)
    failures = section.get_by_test_id("stTable").filter(has_text=FROZEN)
    expect(failures).to_be_visible()
    expect(failures.get_by_text(pushed.victim)).to_be_visible()
    expect(failures.get_by_text("FIELD_CUSTOM_VALIDATION_EXCEPTION")).to_be_visible()
    conflicts = section.get_by_test_id("stTable").filter(has_text="Changed in Salesforce")
    expect(conflicts.get_by_text(pushed.edited)).to_be_visible()
    j.shot("last-push", failures)

    # Dry run: what would change per object and field; nothing is sent.
    j.click("Dry run", section)
    j.see("Nothing was sent to Salesforce.", section)
    changes = section.get_by_test_id("stTable").filter(has_text="To update")
    expect(changes.get_by_text("Health_Score__c")).to_be_visible()
    expect(changes.get_by_text(f"{MODEL}.health_score")).to_be_visible()
    j.shot("dry-run", changes)

    # A column mapped twice is refused next to the field; nothing is saved.
    j.click("Add field", section)
    type_choice(j, "Warehouse column", "health_score", section, nth=1)
    j.choose("Salesforce field (updateable on Account)", "Risk_Flag__c (boolean)", section, nth=1)
    j.click("Save Configuration", section)
    section = j.section("7. Sync to Salesforce")
    j.see("Column health_score is mapped twice", section)
    j.see(re.compile(r"^Not saved: 1 problem\."), section)
    j.badge("Database (v1)")
    j.shot("mapped-twice", section.get_by_text("is mapped twice"))

    # Map the risk flag from its own column instead, turn the push step on, save.
    type_choice(j, "Warehouse column", "at_risk", section, nth=1)
    section.get_by_text("Push to Salesforce at the end of every sync job").click()
    j.settle()
    j.click("Save Configuration", section)
    j.badge("Database (v2)")
    j.see("Saved as version 2.")
    j.shot("saved", page.get_by_text("Configuration source:"))
    expect(page.get_by_test_id("stException")).to_have_count(0)

    saved = ConfigStore(pushed.wizard.home).get(2).config
    assert saved.writeback.enabled
    [mapping] = saved.writeback.mappings
    assert mapping.fields == {"health_score": "Health_Score__c", "at_risk": "Risk_Flag__c"}
