"""Unmodified jsforce (Node) against the sandbox org: tests/js/sandbox_check.js drives it.

Needs Node >= 18 and the pinned jsforce: ``npm ci --prefix tests/js``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

JS_DIR = Path(__file__).resolve().parent.parent / "js"


@pytest.fixture(scope="module")
def jsforce_run(sandbox_org: Any) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; jsforce checks need Node >= 18")
    if not (JS_DIR / "node_modules" / "jsforce").is_dir():
        pytest.skip("jsforce is not installed: run `npm ci --prefix tests/js`")
    before = {
        "accounts": sandbox_org.scalar("SELECT count(*) FROM account WHERE NOT is_deleted"),
        "contacts": sandbox_org.scalar("SELECT count(*) FROM contact WHERE NOT is_deleted"),
    }
    done = subprocess.run(
        [node, str(JS_DIR / "sandbox_check.js"), sandbox_org.base_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        out: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"sandbox_check.js printed no JSON (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    assert done.returncode == 0 and "error" not in out, out.get("stack") or out
    out["before"] = before
    return out


def test_logins(jsforce_run: dict[str, Any], sandbox_org: Any) -> None:
    settings = sandbox_org.store.settings
    assert jsforce_run["userId"] == jsforce_run["soapUserId"] == settings.admin_user_id
    assert jsforce_run["orgId"] == settings.org_id
    assert jsforce_run["instanceUrl"] == sandbox_org.base_url
    assert jsforce_run["identityUsername"] == "admin@sandbox.local"
    assert jsforce_run["afterLogout"] == "INVALID_SESSION_ID"


def test_queries(jsforce_run: dict[str, Any]) -> None:
    before = jsforce_run["before"]
    assert jsforce_run["accountFetched"] == jsforce_run["accountTotal"] == before["accounts"]
    assert jsforce_run["contactPaged"] == jsforce_run["contactTotal"] == before["contacts"]
    assert jsforce_run["contactPages"] == -(-jsforce_run["contactTotal"] // 200)
    first = jsforce_run["firstAccount"]
    assert (
        first["attributes"]["type"] == "Account" and first["Owner"]["attributes"]["type"] == "User"
    )
    assert all(size is None or size > 0 for size in jsforce_run["subquery"])


def test_describe(jsforce_run: dict[str, Any]) -> None:
    assert {"Account", "Contact", "Case", "Account_Health__c"} <= set(jsforce_run["globalNames"])
    assert {"Id", "Name", "BillingAddress", "CSM__c"} <= set(jsforce_run["accountFields"])
    assert "Contacts" in jsforce_run["accountChildren"]


def test_dml(jsforce_run: dict[str, Any], sandbox_org: Any) -> None:
    created = jsforce_run["created"]
    assert created["success"] is True and created["id"].startswith("001")
    assert jsforce_run["updatedName"] == "jsforce single (updated)"
    assert [r["success"] for r in jsforce_run["createdMany"]] == [True, True]
    assert jsforce_run["upserted"]["created"] is True
    assert all(r["success"] for r in jsforce_run["destroyed"])
    deleted = sandbox_org.scalar(
        "SELECT bool_and(is_deleted) FROM account WHERE id IN (SELECT unnest(?))",
        [[created["id"], *[r["id"] for r in jsforce_run["createdMany"]]]],
    )
    assert deleted is True


def test_bulk2(jsforce_run: dict[str, Any], sandbox_org: Any) -> None:
    assert jsforce_run["bulkRows"] == jsforce_run["before"]["accounts"] + 1  # + the upserted one
    assert set(jsforce_run["bulkFirst"]) == {"Id", "Name", "Owner.Name"}
    load = jsforce_run["bulkLoad"]
    assert (load["successful"], load["failed"]) == (2, 0)
    names = {
        r[0]
        for r in sandbox_org.rows(
            "SELECT name FROM account WHERE id IN (SELECT unnest(?))", [load["ids"]]
        )
    }
    assert names == {"jsforce bulk 1", "jsforce bulk 2"}


def test_limit_info(jsforce_run: dict[str, Any]) -> None:
    assert jsforce_run["apiUsage"]["limit"] == 100_000 and jsforce_run["apiUsage"]["used"] > 0
