"""The demo org generator: deterministic, scaled, and consistent the way a real org is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipelines.sandbox import rules
from pipelines.sandbox.generator import DEMO_REFERENCE_TIME, generate_demo_org
from pipelines.sandbox.provision import provision_org
from pipelines.sandbox.store import ADMIN_USERNAME, OrgStore
from pipelines.soql.ids import checksum
from pipelines.soql.naming import table_name

# Objects with soft deletes (setup objects such as User have no IsDeleted).
DELETABLE = (
    "account",
    "contact",
    "opportunity",
    "contract",
    '"case"',
    "case_comment",
    "email_message",
    "account_health_c",
    "onboarding_task_c",
)


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = generate_demo_org(tmp_path_factory.mktemp("demo") / "org", accounts=2000, seed=11)
    yield store
    store.close()


def rows(store: OrgStore, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with store.reading() as cur:
        return cur.execute(sql, params or []).fetchall()


def scalar(store: OrgStore, sql: str) -> Any:
    return rows(store, sql)[0][0]


def snapshot(store: OrgStore) -> dict[str, list[tuple[Any, ...]]]:
    tables = [r[0] for r in rows(store, "SELECT table_name FROM duckdb_tables() ORDER BY 1")]
    return {t: rows(store, f'SELECT * FROM "{t}" ORDER BY ALL') for t in tables}


def test_same_seed_same_org_other_seed_other_org(tmp_path: Path) -> None:
    first = generate_demo_org(tmp_path / "a", accounts=120, seed=5)
    second = generate_demo_org(tmp_path / "b", accounts=120, seed=5)
    other = generate_demo_org(tmp_path / "c", accounts=120, seed=6)
    try:
        data = snapshot(first)
        assert data == snapshot(second)
        assert data != snapshot(other)
        assert first.settings == second.settings
        assert first.settings.org_id != other.settings.org_id
        assert (tmp_path / "a" / "schema.yaml").read_text() == (
            tmp_path / "b" / "schema.yaml"
        ).read_text()
    finally:
        for store in (first, second, other):
            store.close()


def test_other_objects_scale_with_accounts(org: OrgStore) -> None:
    accounts = org.count("Account", include_deleted=True)
    assert accounts == 2000
    per_account = {
        "Contact": (2.3, 3.8),
        "Opportunity": (1.5, 2.8),
        "Contract": (0.4, 1.0),
        "Case": (1.1, 1.9),
        "CaseComment": (3.5, 6.0),
        "EmailMessage": (1.2, 3.0),
        "Account_Health__c": (0.8, 2.5),
        "Onboarding_Task__c": (0.8, 3.0),
    }
    for obj, (low, high) in per_account.items():
        ratio = org.count(obj, include_deleted=True) / accounts
        assert low <= ratio <= high, (obj, ratio)
    comments_per_case = org.count("CaseComment", include_deleted=True) / org.count(
        "Case", include_deleted=True
    )
    assert 2.5 <= comments_per_case <= 3.5
    assert 30 <= org.count("User") <= 150


def test_ids_are_valid_and_carry_the_key_prefix(org: OrgStore) -> None:
    for obj in org.catalog:
        prefix = obj.key_prefix
        assert prefix is not None
        for (record_id,) in rows(org, f'SELECT id FROM "{table_name(obj.name)}"'):
            assert len(record_id) == 18 and record_id[:3] == prefix, (obj.name, record_id)
            assert checksum(record_id[:15]) == record_id[15:], record_id


def test_bookkeeping_timestamps_are_ordered_realistic_and_tied(org: OrgStore) -> None:
    reference = DEMO_REFERENCE_TIME
    for table in (*DELETABLE, '"user"'):
        bad = rows(
            org,
            f"SELECT count(*) FROM {table} WHERE NOT (created_date <= last_modified_date "
            "AND last_modified_date <= system_modstamp) OR system_modstamp >= ?",
            [reference],
        )
        assert bad == [(0,)], table
        fractions = scalar(
            org, f"SELECT count(*) FROM {table} WHERE microsecond(system_modstamp) % 1000 <> 0"
        )
        assert fractions == 0, table  # millisecond precision
    # Bulk loads and integration runs stamp many rows in the same millisecond.
    biggest_tie = scalar(
        org, "SELECT max(n) FROM (SELECT count(*) AS n FROM account GROUP BY system_modstamp)"
    )
    assert biggest_tie >= 200
    assert (
        scalar(org, "SELECT count(*) FROM account WHERE system_modstamp > last_modified_date") > 0
    )
    oldest, newest = rows(org, 'SELECT min(created_date), max(created_date) FROM "case"')[0]
    assert reference - timedelta(days=731) <= oldest < reference - timedelta(days=600)
    assert newest > reference - timedelta(days=30)


def test_soft_deleted_rows_in_every_object_and_in_the_delete_log(org: OrgStore) -> None:
    for table in DELETABLE:
        assert scalar(org, f"SELECT count(*) FROM {table} WHERE is_deleted") > 0, table
    logged = scalar(org, "SELECT count(*) FROM _sfsync_deleted")
    flagged = sum(scalar(org, f"SELECT count(*) FROM {t} WHERE is_deleted") for t in DELETABLE)
    assert logged == flagged
    # deleted within the last two weeks, so getDeleted reports them
    start = DEMO_REFERENCE_TIME - timedelta(days=15)
    assert len(org.deleted("Account", start, DEMO_REFERENCE_TIME)) == scalar(
        org, "SELECT count(*) FROM account WHERE is_deleted"
    )
    # deleting an account took its contacts, opportunities and cases with it
    orphans = scalar(
        org,
        "SELECT count(*) FROM contact c JOIN account a ON c.account_id = a.id WHERE a.is_deleted AND NOT c.is_deleted",
    )
    assert orphans == 0
    orphans = scalar(
        org,
        'SELECT count(*) FROM case_comment m JOIN "case" c ON m.parent_id = c.id WHERE c.is_deleted AND NOT m.is_deleted',
    )
    assert orphans == 0


def test_lookups_point_at_existing_records(org: OrgStore) -> None:
    checks = {
        ("contact", "account_id"): "account",
        ("opportunity", "account_id"): "account",
        ("contract", "account_id"): "account",
        ('"case"', "account_id"): "account",
        ('"case"', "contact_id"): "contact",
        ("case_comment", "parent_id"): '"case"',
        ("email_message", "parent_id"): '"case"',
        ("email_message", "reply_to_email_message_id"): "email_message",
        ("account", "parent_id"): "account",
        ("account", "csm_c"): '"user"',
        ("account", "owner_id"): '"user"',
        ("account_health_c", "account_c"): "account",
        ("onboarding_task_c", "contact_c"): "contact",
        ('"user"', "manager_id"): '"user"',
        ('"user"', "profile_id"): "profile",
    }
    for (table, column), target in checks.items():
        dangling = scalar(
            org,
            f"SELECT count(*) FROM {table} x WHERE x.{column} IS NOT NULL AND x.{column} NOT IN (SELECT id FROM {target})",
        )
        assert dangling == 0, (table, column)


def test_opportunities_are_consistent_with_their_stage(org: OrgStore) -> None:
    assert scalar(org, "SELECT count(*) FROM opportunity WHERE is_won AND NOT is_closed") == 0
    for stage, closed, won, probability in rows(
        org, "SELECT DISTINCT stage_name, is_closed, is_won, probability FROM opportunity"
    ):
        info = rules.OPPORTUNITY_STAGES[stage]
        assert (closed, won, probability) == (info.is_closed, info.is_won, info.probability), stage
    stages = {r[0] for r in rows(org, "SELECT DISTINCT stage_name FROM opportunity")}
    assert {"Closed Won", "Closed Lost", "Prospecting"} <= stages
    types = {r[0] for r in rows(org, "SELECT DISTINCT type FROM opportunity")}
    assert {"New Business", "Renewal"} <= types
    future_closed = rows(
        org,
        "SELECT count(*) FROM opportunity WHERE is_closed AND close_date >= ?",
        [DEMO_REFERENCE_TIME.date()],
    )
    assert future_closed == [(0,)]


def test_accounts_carry_the_customer_success_fields(org: OrgStore) -> None:
    types = dict(rows(org, "SELECT type, count(*) FROM account GROUP BY 1"))
    assert {"Customer", "Prospect", "Partner", None} <= set(types)
    customers = "type IN ('Customer', 'Customer - Direct', 'Customer - Channel')"
    assert (
        scalar(org, f"SELECT count(*) FROM account WHERE {customers} AND csm_c IS NULL")
        < types["Customer"] * 0.2
    )
    csm_roles = {
        r[0]
        for r in rows(
            org,
            'SELECT DISTINCT r.name FROM account a JOIN "user" u ON a.csm_c = u.id JOIN user_role r ON u.user_role_id = r.id',
        )
    }
    assert csm_roles == {"Customer Success Manager"}
    assert scalar(org, "SELECT count(*) FROM account WHERE regions_c LIKE '%;%'") > 0
    assert scalar(org, "SELECT count(DISTINCT external_id_c) FROM account") == 2000
    assert (
        scalar(org, "SELECT count(*) FROM account WHERE risk_flag_c AND health_score_c >= 45") == 0
    )
    assert scalar(org, "SELECT count(*) FROM account WHERE parent_id IS NOT NULL") > 0
    assert (
        scalar(
            org, f"SELECT count(*) FROM account WHERE {customers} AND contract_end_date_c IS NULL"
        )
        == 0
    )
    admin = rows(org, 'SELECT id, is_active FROM "user" WHERE username = ?', [ADMIN_USERNAME])
    assert admin == [(org.admin_user_id, True)]
    roles = {r[0] for r in rows(org, "SELECT name FROM user_role")}
    assert {
        "Customer Success Manager",
        "Technical Account Manager",
        "Onboarding Manager",
        "Account Executive",
    } <= roles


def test_contracts_cases_and_custom_objects_hold_together(org: OrgStore) -> None:
    for start, term, end in rows(org, "SELECT start_date, contract_term, end_date FROM contract"):
        assert end == rules.contract_end_date(start, term)
    assert (
        scalar(
            org,
            "SELECT count(*) FROM contract WHERE status = 'Activated' AND status_code <> 'Activated'",
        )
        == 0
    )
    assert scalar(org, 'SELECT count(*) - count(DISTINCT case_number) FROM "case"') == 0
    assert scalar(org, "SELECT count(*) FROM \"case\" WHERE is_closed <> (status = 'Closed')") == 0
    assert (
        scalar(org, 'SELECT count(*) FROM "case" WHERE is_closed AND closed_date < created_date')
        == 0
    )
    assert (
        scalar(
            org,
            "SELECT count(*) FROM onboarding_task_c WHERE completed_c <> (status_c = 'Completed')",
        )
        == 0
    )
    assert (
        scalar(org, "SELECT count(*) FROM account_health_c WHERE score_c NOT BETWEEN 0 AND 100")
        == 0
    )
    statuses = {r[0] for r in rows(org, "SELECT DISTINCT status_c FROM account_health_c")}
    assert statuses <= {"Healthy", "Needs Attention", "At Risk", "Critical"} and len(statuses) >= 3


def test_conversations_range_from_angry_to_delighted(org: OrgStore) -> None:
    texts = [r[0] for r in rows(org, "SELECT comment_body FROM case_comment")]
    texts += [r[0] for r in rows(org, "SELECT text_body FROM email_message")]
    joined = "\n".join(texts)
    assert "furious" in joined or "unacceptable" in joined
    assert "fantastic" in joined or "love the product" in joined
    assert len(set(texts)) > len(texts) * 0.5  # composed, not a handful of canned messages
    internal = scalar(org, "SELECT count(*) FROM case_comment WHERE NOT is_published")
    assert 0 < internal < org.count("CaseComment", include_deleted=True) * 0.3
    threads = rows(
        org,
        "SELECT parent_id, list(incoming ORDER BY message_date) FROM email_message GROUP BY 1 LIMIT 50",
    )
    for _, incoming in threads:
        assert incoming[0] is True  # the customer's email opened the case
    subjects = rows(org, "SELECT subject FROM email_message WHERE NOT incoming LIMIT 20")
    assert all(s.startswith("Re: ") for (s,) in subjects)


def test_multi_currency_is_behind_a_flag(tmp_path: Path) -> None:
    with generate_demo_org(tmp_path / "fx", accounts=80, seed=3, multi_currency=True) as fx:
        assert fx.settings.multi_currency
        rates = fx.currency_rates()
        assert rates["USD"] == 1.0 and rates["EUR"] < 1 < rates["JPY"]
        assert scalar(fx, "SELECT count(*) FROM currency_type WHERE is_corporate") == 1
        codes = {r[0] for r in rows(fx, "SELECT DISTINCT currency_iso_code FROM account")}
        assert "USD" in codes and len(codes) > 1
        assert (
            scalar(
                fx,
                "SELECT count(*) FROM opportunity o JOIN account a ON o.account_id = a.id WHERE o.currency_iso_code <> a.currency_iso_code",
            )
            == 0
        )
    with generate_demo_org(tmp_path / "single", accounts=20, seed=3) as single:
        assert single.catalog.get("Account").field("CurrencyIsoCode") is None  # type: ignore[union-attr]
        assert single.currency_rates() == {}


def test_generation_reports_timings_and_the_org_reopens(tmp_path: Path) -> None:
    timings: dict[str, float] = {}
    store = generate_demo_org(tmp_path / "org", accounts=50, seed=1, timings=timings)
    counts = {o.name: store.count(o.name, include_deleted=True) for o in store.catalog}
    store.close()
    assert {"users", "accounts", "cases", "case_comments", "email_messages", "total"} <= set(
        timings
    )
    assert timings["total"] >= max(v for k, v in timings.items() if k != "total")
    with OrgStore.open(tmp_path / "org") as again:
        assert {o.name: again.count(o.name, include_deleted=True) for o in again.catalog} == counts
        assert again.source == {"kind": "demo", "accounts": 50, "seed": 1, "multi_currency": False}


def test_provision_reopens_the_same_org_and_rebuilds_a_different_one(tmp_path: Path) -> None:
    data = tmp_path / "org"
    with provision_org(data, "demo", accounts=30, seed=2) as first:
        account_id = first.insert("Account", [{"Name": "Written by a client"}])[0]
    with provision_org(data, "demo", accounts=30, seed=2) as again:
        assert again.get("Account", account_id) is not None  # restarting keeps API writes
    with provision_org(data, "demo", accounts=30, seed=3) as other:
        assert other.get("Account", account_id) is None
        assert other.source["seed"] == 3


def test_the_org_is_created_now_relative_to_a_reference_time(tmp_path: Path) -> None:
    when = datetime(2030, 6, 1, tzinfo=UTC)
    with generate_demo_org(tmp_path / "org", accounts=30, seed=1, reference_time=when) as store:
        newest = scalar(store, "SELECT max(system_modstamp) FROM account")
        assert when - timedelta(days=30) < newest < when
        assert scalar(store, "SELECT max(close_date) FROM opportunity WHERE is_closed") < date(
            2030, 6, 1
        )
