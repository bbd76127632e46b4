"""Helpers of the wizard's write-back tests (AppTest and browser): an org of their own, its
credentials as jobs find them, the model table dbt would build, the config that maps it, and
the org's answers (a module of its own name, so the whole suite collects together).

The org is its own (not the shared ``sandbox_org``) because pushes change Account fields that
other suites read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import requests

from pipelines.config.validation import parse_config
from pipelines.salesforce import SalesforceCredentials
from pipelines.sandbox.client import api_session
from pipelines.sandbox.options import Credentials
from pipelines.sandbox.server import serve_in_thread

MODEL = "writeback__account_scores"
API = "v62.0"
# dlt reads the extractor's credentials from these variables; a job process inherits them.
CREDENTIALS_ENV = "SOURCES__SALESFORCE__CREDENTIALS__"


@dataclass(frozen=True)
class WritebackOrg:
    base_url: str

    def credentials(self) -> SalesforceCredentials:
        login = Credentials()
        return SalesforceCredentials(
            login_url=self.base_url,
            client_id=login.client_id,
            client_secret=login.client_secret,
            username=login.username,
            password=login.password,
        )

    def credentials_env(self) -> dict[str, str]:
        """The credentials as environment variables, as a job process finds them."""
        creds = self.credentials()
        names = ("login_url", "client_id", "client_secret", "username", "password")
        return {CREDENTIALS_ENV + name.upper(): str(getattr(creds, name)) for name in names}

    def session(self) -> requests.Session:
        return api_session(self.base_url)

    def accounts(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The accounts' health fields as the org's API answers them now, by id."""
        quoted = ", ".join(f"'{i}'" for i in ids)
        soql = f"SELECT Id, Health_Score__c, Risk_Flag__c FROM Account WHERE Id IN ({quoted})"
        answer = self.session().get(
            f"{self.base_url}/services/data/{API}/query", params={"q": soql}, timeout=30
        )
        answer.raise_for_status()
        return {r["Id"]: r for r in answer.json()["records"]}

    def set_faults(self, **settings: Any) -> None:
        requests.post(
            self.base_url + "/_sandbox/faults", json=settings, timeout=30
        ).raise_for_status()

    def reset_faults(self) -> None:
        requests.post(
            self.base_url + "/_sandbox/reset", json={"faults": True}, timeout=30
        ).raise_for_status()


@contextmanager
def served_org(data_dir: Path, accounts: int, seed: int) -> Iterator[WritebackOrg]:
    """A generated demo org served over HTTP until the block ends."""
    from pipelines.sandbox.generator import generate_demo_org

    store = generate_demo_org(data_dir, accounts=accounts, seed=seed)
    server = serve_in_thread(store)
    try:
        yield WritebackOrg(server.base_url)
    finally:
        server.stop()
        store.close()


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


def mapping_config(enabled: bool, *, mapped: bool = True) -> Any:
    """The config mapping ``health_score`` to ``Account.Health_Score__c`` (none: ``mapped``
    false), with the push step on or off."""
    mappings = [
        {
            "model": MODEL,
            "object": "Account",
            "id_column": "account_id",
            "fields": {"health_score": "Health_Score__c"},
        }
    ]
    return parse_config(
        {
            "account_filtering": {"filter": "Name != null"},
            "writeback": {"enabled": enabled, "mappings": mappings if mapped else []},
        }
    )
