"""Settings → 7. Sync to Salesforce in Chromium, against a sandbox org of its own.

Before the browser opens, the org's accounts are synced into a real warehouse, a write-back
model is built there, and two real pushes have run (the second with a record the org rejects
and a field edited in Salesforce in between). The admin then opens the section: sees the
mapping and the last push's failure and conflict, runs a dry run, is refused a save with a
column mapped twice (under the duplicate row, nothing saved), fixes it, turns the push step on,
saves ``Database (v2)``, and pushes now: the push job runs in the background, the section
shows it end Completed, and the values are in the org.

The org is its own (not the shared ``sandbox_org``) because the pushes change Account fields
that other suites read. Screenshots go to ``tests/ui/artifacts/writeback/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from browser_harness import (
    ARTIFACTS_ROOT,
    CHROMIUM,
    STEP_TIMEOUT_MS,
    Journey,
    Wizard,
    chromium_page,
    serve_wizard,
)
from writeback_ui_fixtures import API, MODEL, build_model, mapping_config, served_org

from pipelines.config import ConfigStore
from pipelines.jobs import get_job
from pipelines.salesforce import SalesforceClient, run_extract

ARTIFACTS = ARTIFACTS_ROOT / "writeback"
PASSWORD = "writeback-password"
ACCOUNTS = 24
FROZEN = "Scores are frozen for this account"

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
    org: Any
    victim: str
    edited: str
    scores: dict[str, float]  # the model's health scores, as the next push would send them


@pytest.fixture(scope="module")
def pushed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pushed]:
    from pipelines.writeback import push

    root = tmp_path_factory.mktemp("writeback-ui")
    home = root / "home"
    home.mkdir()
    with served_org(root / "org", ACCOUNTS, 23) as org:
        creds = org.credentials()
        run_extract(home, credentials=creds, objects=["Account"])
        scores = build_model(home)
        first = push(mapping_config(True), home, client=SalesforceClient(creds))
        assert first.sent == len(scores)
        # A CSM corrects one score by hand; the next sync brings the edit in.
        edited, victim = sorted(scores)[:2]
        answer = org.session().patch(
            f"{org.base_url}/services/data/{API}/sobjects/Account/{edited}",
            json={"Health_Score__c": (scores[edited] + 40) % 100},
            timeout=30,
        )
        assert answer.status_code == 204, answer.text
        run_extract(home, credentials=creds, objects=["Account"])
        scores = build_model(home, {rid: (scores[rid] + 7) % 100 for rid in (edited, victim)})
        org.set_faults(
            fail_writes=[{"object": "Account", "id": victim, "message": FROZEN, "times": 0}]
        )
        second = push(mapping_config(True), home, client=SalesforceClient(creds))
        assert (second.sent, second.failed, second.conflicts) == (0, 1, 1)
        org.reset_faults()
        # The config in force: the mapping saved, the push step not yet on.
        ConfigStore(home).save(mapping_config(False), author="ops", comment="mapping")
        env = {
            "SFSYNC_HOME": str(home),
            "DLT_PROJECT_DIR": str(root / "project"),
            "SFSYNC_ADMIN_PASSWORD": PASSWORD,
            # What "Push now"'s job process connects with.
            **org.credentials_env(),
        }
        with serve_wizard(root, env, ARTIFACTS) as wizard:
            yield Pushed(wizard, org, victim, edited, scores)


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


def test_an_admin_reviews_the_last_push_dry_runs_turns_the_push_step_on_and_pushes(
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

    # A column mapped twice is refused under the duplicate row; nothing is saved.
    j.click("Add field", section)
    type_choice(j, "Warehouse column", "health_score", section, nth=1)
    j.choose("Salesforce field (updateable on Account)", "Risk_Flag__c (boolean)", section, nth=1)
    j.click("Save Configuration", section)
    section = j.section("7. Sync to Salesforce")
    twice = section.get_by_text("Column health_score is mapped twice")
    expect(twice).to_be_visible()
    # Under the second row, which is the one not saved: below its column picker.
    second_row = section.get_by_role("combobox", name="Warehouse column", exact=True).nth(1)
    assert twice.bounding_box()["y"] > second_row.bounding_box()["y"]
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

    # Push now: a push job in its own process; the section follows it until it ends.
    section = j.section("7. Sync to Salesforce")
    j.click("Push now", section)
    j.see("Push job #1 (manual): Completed", section)
    j.see(re.compile(r"^push 3 completed: \d+ sent, 0 failed, 1 conflict"), section)
    j.see("Push #3 (job #1): Completed", section)
    j.shot("pushed", section.get_by_text("Push job #1 (manual): Completed"))
    expect(page.get_by_test_id("stException")).to_have_count(0)

    job = get_job(pushed.wizard.home, 1)
    assert job is not None and (job.kind, job.status) == ("push", "Completed"), job
    landed = pushed.org.accounts(sorted(pushed.scores))
    # The record rejected last time is written now; the score edited in Salesforce is kept.
    assert landed[pushed.victim]["Health_Score__c"] == pushed.scores[pushed.victim]
    assert landed[pushed.edited]["Health_Score__c"] != pushed.scores[pushed.edited]
    for rid, score in pushed.scores.items():
        if rid != pushed.edited:
            assert landed[rid]["Health_Score__c"] == score, rid
            assert landed[rid]["Risk_Flag__c"] is False, rid
