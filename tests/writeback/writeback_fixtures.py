"""Helpers of the write-back tests: the org handle, model tables, configs, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import requests

from pipelines.config.model import IntegrationConfig
from pipelines.config.validation import parse_config
from pipelines.salesforce import SalesforceClient, SalesforceCredentials
from pipelines.sandbox.client import api_session
from pipelines.sandbox.options import Credentials
from pipelines.sandbox.server import RunningServer
from pipelines.sandbox.store import OrgStore

REPO = Path(__file__).resolve().parents[2]
ACCOUNTS = 60
SEED = 11
API = "v62.0"
ENV = "SOURCES__SALESFORCE__CREDENTIALS__"
MODEL = "wb_scores"


@dataclass
class Org:
    """The write-back tests' sandbox org, and what they ask of it."""

    base_url: str
    store: OrgStore
    server: RunningServer

    def api(self, path: str) -> str:
        return f"{self.base_url}/services/data/{API}{path}"

    def credentials(self) -> SalesforceCredentials:
        login = Credentials()
        return SalesforceCredentials(
            login_url=self.base_url,
            client_id=login.client_id,
            client_secret=login.client_secret,
            username=login.username,
            password=login.password,
        )

    def client(self, **options: Any) -> SalesforceClient:
        return SalesforceClient(self.credentials(), **options)

    def http(self) -> requests.Session:
        return api_session(self.base_url)

    def counters(self) -> dict[str, int]:
        answer = requests.get(self.base_url + "/_sandbox/faults", timeout=30)
        answer.raise_for_status()
        counters: dict[str, int] = answer.json()["counters"]
        return counters

    def api_calls(self) -> int:
        """Authenticated API calls the org has answered (control calls are not counted)."""
        return self.counters()["api_calls"]

    def set_faults(self, **settings: Any) -> None:
        requests.post(
            self.base_url + "/_sandbox/faults", json=settings, timeout=30
        ).raise_for_status()

    def reset_faults(self) -> None:
        requests.post(
            self.base_url + "/_sandbox/reset", json={"faults": True}, timeout=30
        ).raise_for_status()

    def accounts(
        self, ids: list[str], fields: str = "Health_Score__c, Risk_Flag__c"
    ) -> dict[str, dict[str, Any]]:
        """The accounts as the org's API answers them now, by id."""
        quoted = ", ".join(f"'{i}'" for i in ids)
        soql = f"SELECT Id, {fields}, SystemModstamp FROM Account WHERE Id IN ({quoted})"
        answer = self.http().get(self.api("/query"), params={"q": soql}, timeout=30)
        answer.raise_for_status()
        return {r["Id"]: r for r in answer.json()["records"]}

    def edit(self, record_id: str, **values: Any) -> None:
        """Change an account as a Salesforce user would (REST PATCH)."""
        answer = self.http().patch(
            self.api(f"/sobjects/Account/{record_id}"), json=values, timeout=30
        )
        assert answer.status_code == 204, answer.text


def set_model_value(home: Path, record_id: str, score: float, *, name: str = MODEL) -> None:
    """Change one row's health score in the model (its risk flag stays as it was)."""
    with duckdb.connect(str(home / "warehouse.duckdb")) as db:
        db.execute(
            f"UPDATE writeback.{name} SET health_score = ? WHERE account_id = ?",
            [score, record_id],
        )


def health_config(**writeback: Any) -> IntegrationConfig:
    """The code default with a write-back mapping of ``wb_scores`` to the two health fields."""
    mapping: dict[str, Any] = {
        "model": MODEL,
        "object": "Account",
        "id_column": "account_id",
        "fields": {"health_score": "Health_Score__c", "risk_flag": "Risk_Flag__c"},
    }
    mapping.update(writeback.pop("mapping", {}))
    section = {"enabled": True, "mappings": [mapping], **writeback}
    return parse_config(
        {
            "account_filtering": {"filter": "Name != null"},
            "writeback": section,
        }
    )


def sfsync(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``sfsync ARGS…`` as its own process, with this test's environment and home."""
    env = {**os.environ, "SFSYNC_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=env,
    )


def make_model(
    home: Path, salt: str, *, name: str = MODEL, limit: int | None = None
) -> dict[str, tuple[float, bool]]:
    """Write ``writeback.<name>`` as dbt would: one row per live account (the first ``limit``),
    a health score that differs from the org's (by 1 to 20, salted per test) and risk = score
    under 45. Returns ``{account_id: (health_score, risk_flag)}``."""
    rows = f"LIMIT {int(limit)}" if limit else ""
    with duckdb.connect(str(home / "warehouse.duckdb")) as db:
        db.execute("CREATE SCHEMA IF NOT EXISTS writeback")
        db.execute(
            f"""
            CREATE OR REPLACE TABLE writeback.{name} AS
            WITH scored AS (
                SELECT id AS account_id,
                       CAST((CAST(coalesce(health_score_c, 0) AS BIGINT) + 1
                             + hash(id || ?) % 20) % 100 AS DOUBLE) AS health_score
                FROM salesforce.account
                WHERE NOT coalesce(is_deleted, false)
                ORDER BY id {rows}
            )
            SELECT account_id, health_score, health_score < 45 AS risk_flag FROM scored
            """,
            [salt],
        )
        found = db.execute(
            f"SELECT account_id, health_score, risk_flag FROM writeback.{name}"
        ).fetchall()
    return {rid: (score, flag) for rid, score, flag in found}
