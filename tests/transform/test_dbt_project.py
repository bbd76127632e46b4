"""The dbt project run the way a scheduler runs it (plain `dbt build`, no --vars), and how the
transform step reports what went wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from transform_fixtures import FixtureOrg, build_warehouse, execute, read_table
from transform_scenarios import MINIMAL, SINGLE_DIRECT, TYPED_SUM

from pipelines.config import ConfigStore, load_catalog
from pipelines.sandbox.ids import to_18
from pipelines.transform import DBT_PROJECT_DIR, TransformError, run_dbt_build, run_transform
from pipelines.transform import build as build_module
from pipelines.transform.build import discard_warm_build, start_warm_build

REPO = DBT_PROJECT_DIR.parent


def configured_warehouse(org: FixtureOrg, home: Path, config: Any) -> None:
    """``org``'s warehouse in ``home`` with ``config`` saved as the active config."""
    build_warehouse(org, home)
    ConfigStore(home, catalog=load_catalog(home), default_path=None).save(config, author="test")


def _plain_dbt(
    args: list[str], *, cwd: Path, home: Path, scratch: Path
) -> subprocess.CompletedProcess[str]:
    """`dbt <args>` as a scheduler would run it: the environment names only SFSYNC_HOME (dbt's
    target and log directories are moved out of the repository through dbt's own variables)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SFSYNC_", "DBT_"))}
    env.update(
        SFSYNC_HOME=str(home),
        DBT_TARGET_PATH=str(scratch / "target"),
        DBT_LOG_PATH=str(scratch / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_plain_dbt_build_applies_the_active_config_from_either_directory(
    fixture_orgs: dict[str, FixtureOrg], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    build_warehouse(fixture_orgs["basic"], home)
    store = ConfigStore(home, catalog=load_catalog(home), default_path=None)
    store.save(MINIMAL.config, author="test", comment="retail only")
    assert (home / "dbt_vars.json").is_file()

    # From dbt_project/, with nothing but SFSYNC_HOME: the config comes from dbt_vars.json.
    run = _plain_dbt(["build"], cwd=DBT_PROJECT_DIR, home=home, scratch=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    companies = read_table(home, "companies")
    assert {c["account_name"] for c in companies} == {"Gamma Inc", "Theta Resellers"}
    assert {c["sfsync_config_hash"] for c in companies} == {
        json.loads((home / "dbt_vars.json").read_text())["sfsync_config_hash"]
    }

    # An admin saves another version; dbt run from the repository root picks it up, and the
    # incremental marts rewrite every row for the new config.
    store.save(SINGLE_DIRECT.config, author="test", comment="customers")
    run = _plain_dbt(
        ["build", "--project-dir", "dbt_project", "--profiles-dir", "dbt_project"],
        cwd=REPO,
        home=home,
        scratch=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    by_name = {c["account_name"]: c for c in read_table(home, "companies")}
    assert set(by_name) == {"Acme Corp", "Beta LLC", "Delta Partners", "eta corp"}
    assert by_name["Acme Corp"]["arr"] == 120000
    assert by_name["Acme Corp"]["arr_source"] == "Account.ARR__c"
    people = read_table(home, "people")
    assert "phone" not in people[0] and "custom_preferred_language" in people[0]


def test_plain_dbt_build_without_a_saved_config_says_what_to_do(
    fixture_orgs: dict[str, FixtureOrg], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    build_warehouse(fixture_orgs["basic"], home)
    run = _plain_dbt(
        ["build", "--select", "int_accounts_classified"],
        cwd=DBT_PROJECT_DIR,
        home=home,
        scratch=tmp_path,
    )
    assert run.returncode != 0
    assert "no active config for dbt" in run.stdout
    assert "sfsync transform" in run.stdout


def test_run_dbt_build_with_the_active_config_and_the_job_step(
    fixture_orgs: dict[str, FixtureOrg], home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_warehouse(fixture_orgs["basic"], home)
    monkeypatch.setenv("SFSYNC_DEFAULT_CONFIG", str(home / "no-default.yaml"))
    with pytest.raises(TransformError, match="Not Configured"):
        run_dbt_build(home)
    ConfigStore(home, catalog=load_catalog(home), default_path=None).save(
        TYPED_SUM.config, author="test"
    )
    note = run_transform(home, None)
    assert note.startswith("dbt build: ") and " models" in note
    result = run_dbt_build(home, select="companies")
    assert result.success and result.config_source == "Database (v1)"
    assert [n.name for n in result.nodes if n.resource_type == "model"] == ["companies"]
    assert result.node("companies").execution_time > 0
    assert "primary_key_companies_account_id" in {n.name for n in result.nodes}


def test_a_build_started_early_runs_in_its_waiting_child_and_others_discard_it(
    fixture_orgs: dict[str, FixtureOrg], home: Path
) -> None:
    configured_warehouse(fixture_orgs["basic"], home, TYPED_SUM.config)
    cold = run_dbt_build(home)
    assert cold.success and not cold.started_early

    # Another build (a selection) does not take the waiting child: it ends without building.
    start_warm_build(home)
    waiting = build_module._warm_builds[home.resolve()].process
    selected = run_dbt_build(home, select="companies")
    assert selected.success and not selected.started_early
    assert waiting.wait(timeout=60) == 0
    assert [n.name for n in selected.nodes if n.resource_type == "model"] == ["companies"]

    # The plain build it was started for runs in it, with the same nodes and outcome.
    start_warm_build(home)
    warm = run_dbt_build(home)
    assert warm.success and warm.started_early, warm.output[-2000:]
    assert sorted((n.unique_id, n.status) for n in warm.nodes) == sorted(
        (n.unique_id, n.status) for n in cold.nodes
    )
    assert home.resolve() not in build_module._warm_builds

    # A child that no build takes ends when discarded.
    start_warm_build(home)
    left = build_module._warm_builds[home.resolve()].process
    discard_warm_build(home)
    assert left.wait(timeout=60) == 0


def test_key_tests_fail_on_repeated_and_null_keys(
    fixture_orgs: dict[str, FixtureOrg], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    configured_warehouse(fixture_orgs["basic"], home, TYPED_SUM.config)
    built = run_dbt_build(home)
    assert built.success
    key_tests = (
        "primary_key_companies_account_id",
        "primary_key_account_owners_account_id__owner_type",
        "staging_keys_are_unique",
    )
    assert {built.node(name).status for name in key_tests} == {"pass"}

    execute(
        home,
        "insert into main.companies select * from main.companies limit 1",
        "insert into main.companies select * replace (null as account_id) "
        "from main.companies limit 1",
        "insert into main.account_owners select * from main.account_owners limit 1",
        # A raw record loaded twice (people, built before, is unchanged).
        "insert into salesforce.contact select * from salesforce.contact limit 1",
    )
    failing = _plain_dbt(
        ["test", "--select", "test_name:primary_key", "staging_keys_are_unique"],
        cwd=DBT_PROJECT_DIR,
        home=home,
        scratch=tmp_path,
    )
    assert failing.returncode != 0
    failures = failing.stdout.split("Completed with")[-1]
    # companies: one repeated key and one null key; account_owners: one repeated pair.
    assert "primary_key_companies_account_id" in failures
    assert "Got 2 results, configured to fail if != 0" in failures
    assert "primary_key_account_owners_account_id__owner_type" in failures
    assert "staging_keys_are_unique" in failures
    assert "primary_key_people_contact_id" not in failures
    # The staging test's rows name the model and the key.
    compiled = next((tmp_path / "target" / "compiled").rglob("staging_keys_are_unique.sql"))
    repeated = read_table(home, f"({compiled.read_text(encoding='utf-8')})")
    assert [row["model_name"] for row in repeated] == ["stg_salesforce__contacts"]


def test_a_failing_build_names_the_model_and_the_job_step_raises(
    fixture_orgs: dict[str, FixtureOrg], home: Path
) -> None:
    configured_warehouse(fixture_orgs["basic"], home, SINGLE_DIRECT.config)
    # The filter reads Industry; a raw table without it cannot be classified.
    execute(home, "alter table salesforce.account drop column industry")
    result = run_dbt_build(home, select="int_accounts_classified")
    assert not result.success
    assert "int_accounts_classified" in result.error_message()
    with pytest.raises(TransformError, match="int_accounts_classified"):
        run_transform(home, None)


def test_no_warehouse_and_invalid_configs_are_refused_before_dbt_runs(home: Path) -> None:
    with pytest.raises(TransformError, match="no warehouse"):
        run_dbt_build(home)
    (home / "warehouse.duckdb").touch()
    with pytest.raises(TransformError, match="not valid"):
        run_dbt_build(home, config={"account_filtering": {"mode": "single", "filter": "Nope = 1"}})


def test_optional_tables_and_columns_the_org_lacks_do_not_break_the_build(
    fixture_orgs: dict[str, FixtureOrg], tmp_path: Path
) -> None:
    """No cases, comments or emails synced, no CurrencyType, a custom object not synced yet,
    an owner lookup and a kept field missing: the build still succeeds, with nulls."""
    home = tmp_path / "home"
    build_warehouse(fixture_orgs["basic"], home)
    execute(
        home,
        "drop table salesforce.case",
        "drop table salesforce.case_comment",
        "drop table salesforce.email_message",
        "drop table salesforce.training_c",
        "alter table salesforce.account drop column csm_c",
        "alter table salesforce.account drop column tier_c",
    )
    config = {
        **TYPED_SUM.config,
        "account_filtering": {"mode": "single", "filter": "Type = 'Customer'"},
        "advanced": {"account_whitelisted_fields": ["Name", "Tier__c"]},
    }
    result = run_dbt_build(home, config=config)
    assert result.success, result.error_message()
    companies = {c["account_id"]: c for c in read_table(home, "companies")}
    acme = companies[to_18("001000000000001")]
    assert acme["tier_c"] is None
    assert read_table(home, "support_activities") == []
    owners = read_table(home, "account_owners")
    assert {o["owner_type"] for o in owners} == {"Account Owner"}
    related = read_table(home, "related_records")
    assert {r["object_name"] for r in related} == {"Health__c"}


def test_the_dbt_child_says_why_dbt_could_not_run(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.transform.dbt_process",
            str(results),
            "build",
            "--profiles-dir",
            str(tmp_path / "missing"),
        ],
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 2
    assert "dbt could not run" in run.stderr and "missing" in run.stderr
    assert json.loads(results.read_text(encoding="utf-8")) == {"results": []}
