"""The config store: versions, activation and rollback, the source badge, refusals."""

from __future__ import annotations

import getpass
import json
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from config_fixtures import DEFAULT_YAML, MINIMAL, config_with

from pipelines.config import (
    ConfigStore,
    InvalidConfigError,
    VersionNotFoundError,
    control_db,
    dbt_vars_path,
    load_config_file,
    transaction,
)
from pipelines.config.catalogs import DESCRIBE_CATALOG_FILE
from pipelines.config.issues import CREDENTIAL, REQUIRED


def row_count(home: Path) -> int:
    with control_db(home) as db:
        count: int = db.execute("SELECT COUNT(*) FROM integration_config").fetchone()[0]
    return count


def active_count(home: Path) -> int:
    with control_db(home) as db:
        count: int = db.execute(
            "SELECT COUNT(*) FROM integration_config WHERE is_active = 1"
        ).fetchone()[0]
    return count


def vars_file(home: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(dbt_vars_path(home).read_text(encoding="utf-8"))
    return loaded


# ---------------------------------------------------------------------------- the source badge


def test_fresh_store_runs_on_the_code_default(home: Path) -> None:
    store = ConfigStore()
    assert store.default_path == DEFAULT_YAML
    assert store.source().label == "Default (Code)"
    current = store.current()
    assert current.source.label == "Default (Code)"
    assert current.config == load_config_file(DEFAULT_YAML)
    assert store.history() == [] and store.active() is None
    assert (home / "control.sqlite").is_file()


def test_not_configured_without_saved_version_or_default(home: Path) -> None:
    store = ConfigStore(default_path=None)
    assert store.source().label == "Not Configured"
    assert store.current().config is None
    assert store.compile_current() is None
    assert store.refresh_dbt_vars() is None


def test_default_path_comes_from_the_environment(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SFSYNC_DEFAULT_CONFIG", str(home / "nowhere.yaml"))
    assert ConfigStore().source().label == "Not Configured"


def test_home_defaults_to_sfsync_home(home: Path) -> None:
    assert ConfigStore().home == home


# ---------------------------------------------------------------------------- versions


def test_save_creates_an_active_version(home: Path) -> None:
    store = ConfigStore()
    saved = store.save(load_config_file(DEFAULT_YAML), author="ada", comment="first setup")
    assert (saved.version, saved.author, saved.comment, saved.is_active) == (
        1,
        "ada",
        "first setup",
        True,
    )
    assert saved.created_at.endswith("Z")
    assert datetime.fromisoformat(saved.created_at).utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert store.source().label == "Database (v1)"
    assert store.get(1).config == load_config_file(DEFAULT_YAML)
    assert store.current().config == load_config_file(DEFAULT_YAML)


def test_author_defaults_to_the_os_user(home: Path) -> None:
    assert ConfigStore().save(MINIMAL).author == getpass.getuser()


def test_save_accepts_a_plain_document(home: Path) -> None:
    saved = ConfigStore().save(MINIMAL)
    assert saved.document["account_filtering"]["filter"] == "Type = 'Customer'"


def test_versions_activate_and_rollback(home: Path) -> None:
    store = ConfigStore()
    store.save(config_with(), comment="one")
    store.save(
        config_with(account_filtering={"mode": "single", "filter": "Type = 'Partner'"}),
        comment="two",
    )
    store.save(
        config_with(account_filtering={"mode": "single", "filter": "Type = 'Prospect'"}),
        comment="three",
    )
    assert [v.version for v in store.history()] == [3, 2, 1]
    assert [v.is_active for v in store.history()] == [True, False, False]
    assert store.source().label == "Database (v3)"

    rolled = store.activate(1)
    assert rolled.version == 1 and rolled.is_active
    assert store.source().label == "Database (v1)"
    assert store.current().config.account_filtering.filter == "Type = 'Customer'"  # type: ignore[union-attr]
    assert row_count(home) == 3  # history kept
    assert active_count(home) == 1
    assert [v.comment for v in store.history()] == ["three", "two", "one"]

    # Forward again, and a new save after a rollback gets the next number.
    store.activate(3)
    assert store.source().label == "Database (v3)"
    store.activate(2)
    assert store.save(config_with(), comment="four").version == 4
    assert active_count(home) == 1
    assert store.active().version == 4  # type: ignore[union-attr]


def test_activate_unknown_version(home: Path) -> None:
    store = ConfigStore()
    store.save(MINIMAL)
    with pytest.raises(VersionNotFoundError, match="no config version 9"):
        store.activate(9)
    assert store.source().label == "Database (v1)"


def test_exactly_one_active_is_enforced_by_the_table(home: Path) -> None:
    store = ConfigStore()
    store.save(MINIMAL)
    store.save(MINIMAL)
    with control_db(home) as db, pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE integration_config SET is_active = 1")


def test_concurrent_saves_get_distinct_versions(home: Path) -> None:
    ConfigStore()  # create the table once, before the threads race
    errors: list[BaseException] = []

    def save(n: int) -> None:
        try:
            ConfigStore().save(MINIMAL, comment=f"thread {n}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(v.version for v in ConfigStore().history()) == list(range(1, 9))
    assert active_count(home) == 1
    assert vars_file(home)["sfsync_config_version"] == ConfigStore().active().version  # type: ignore[union-attr]


def test_store_reads_while_a_writer_holds_the_lock(home: Path) -> None:
    store = ConfigStore()
    store.save(MINIMAL)
    with control_db(home) as other, transaction(other):
        other.execute("UPDATE integration_config SET comment = comment")
        # A job (or another wizard tab) is writing: reading still works, without waiting.
        assert store.source().label == "Database (v1)"
        assert len(store.history()) == 1


def test_control_db_uses_wal(home: Path) -> None:
    with control_db(home) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] > 0


# ---------------------------------------------------------------------------- refusals


def test_invalid_config_is_not_saved(home: Path) -> None:
    store = ConfigStore()
    store.save(MINIMAL)
    bad = config_with(
        account_filtering={
            "mode": "typed",
            "typed_filters": [{"type": "Customer", "filter": "Tpye = 'x'"}],
        },
        owner_mapping=[{"field": "Name", "owner_type": "CSM"}],
    )
    before = dbt_vars_path(home).read_bytes()
    with pytest.raises(InvalidConfigError) as caught:
        store.save(bad, comment="broken")
    locations = [i.location for i in caught.value.issues]
    assert ("account_filtering", "typed_filters", 0, "filter") in locations
    assert ("owner_mapping", 0, "field") in locations
    assert row_count(home) == 1
    assert store.source().label == "Database (v1)"
    assert dbt_vars_path(home).read_bytes() == before


def test_shape_errors_are_not_saved(home: Path) -> None:
    store = ConfigStore()
    with pytest.raises(InvalidConfigError) as caught:
        store.save({"account_filtering": {"mode": "single"}, "arr": {"mode": "x"}})
    assert [i.location for i in caught.value.issues] == [("arr", "mode")]
    with pytest.raises(InvalidConfigError) as caught:
        store.save({"account_filtering": {"mode": "single"}})
    assert [(i.location, i.code) for i in caught.value.issues] == [
        (("account_filtering", "filter"), REQUIRED)
    ]
    assert row_count(home) == 0
    assert not dbt_vars_path(home).exists()


@pytest.mark.parametrize(
    ("document", "comment"),
    [
        ({**MINIMAL, "sf_password": "hunter2"}, ""),
        (
            {**MINIMAL, "account_filtering": {**MINIMAL["account_filtering"], "access_token": "x"}},
            "",
        ),
        (
            {**MINIMAL, "advanced": {"contact_additional_fields": {"Client_Secret__c": "Secret"}}},
            "",
        ),
        (MINIMAL, "token is 00D5g000004ABCD!AQ4AQFhTl3QXYnk9cXU8yz_Q2x.1"),
    ],
)
def test_credentials_are_never_saved(home: Path, document: dict[str, Any], comment: str) -> None:
    store = ConfigStore()
    with pytest.raises(InvalidConfigError) as caught:
        store.save(document, comment=comment)
    assert {i.code for i in caught.value.issues} == {CREDENTIAL}
    assert row_count(home) == 0


def test_activation_of_a_version_that_no_longer_validates_changes_nothing(home: Path) -> None:
    store = ConfigStore()
    store.save(load_config_file(DEFAULT_YAML), comment="uses CSM__c")
    store.save(MINIMAL, comment="minimal")
    # The first sync's describe shows an org without the demo's custom fields.
    (home / DESCRIBE_CATALOG_FILE).write_text(
        "Account:\n  fields:\n    Id: {type: id}\n    Name: {type: string}\n"
        "    Type: {type: picklist}\n"
        "    OwnerId: {type: reference, referenceTo: User, relationshipName: Owner}\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidConfigError) as caught:
        store.activate(1)
    assert caught.value.what == "version 1"
    assert ("owner_mapping", 1, "field") in [i.location for i in caught.value.issues]
    assert store.source().label == "Database (v2)"
    assert vars_file(home)["sfsync_config_version"] == 2


# ---------------------------------------------------------------------------- dbt_vars.json


def test_save_and_activate_write_dbt_vars(home: Path) -> None:
    store = ConfigStore()
    assert not dbt_vars_path(home).exists()
    store.save(config_with())
    assert vars_file(home)["sfsync_config_source"] == "Database (v1)"
    assert vars_file(home)["sfsync_config_version"] == 1
    store.save(load_config_file(DEFAULT_YAML))
    assert vars_file(home)["sfsync_config_version"] == 2
    assert len(vars_file(home)["sfsync_account_types"]) == 3
    store.activate(1)
    written = vars_file(home)
    assert written["sfsync_config_source"] == "Database (v1)"
    assert [t["type"] for t in written["sfsync_account_types"]] == ["Customer"]
    assert written["sfsync_custom_objects"] == []
    # Written through a temporary file and a rename: nothing left behind.
    assert sorted(p.name for p in home.iterdir() if "dbt_vars" in p.name) == ["dbt_vars.json"]


def test_refresh_writes_the_code_default(home: Path) -> None:
    store = ConfigStore()
    path = store.refresh_dbt_vars()
    assert path == dbt_vars_path(home)
    written = vars_file(home)
    assert written["sfsync_config_source"] == "Default (Code)"
    assert written["sfsync_config_version"] is None
    assert written["sfsync_arr"]["function"] == "sum"
