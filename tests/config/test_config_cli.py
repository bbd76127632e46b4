"""``sfsync config …`` as a user runs it: a real process, a real $SFSYNC_HOME."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from config_fixtures import DEFAULT_YAML, MINIMAL, REPO

from pipelines.config import load_config_file


def sfsync(home: Path, *args: str, default: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SFSYNC_HOME": str(home)}
    env.pop("SFSYNC_DEFAULT_CONFIG", None)
    if default is not None:
        env["SFSYNC_DEFAULT_CONFIG"] = str(default)
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "config", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
        env=env,
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def fails(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    return done.stderr.splitlines()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    minimal_json = tmp_path / "minimal.json"
    minimal_json.write_text(json.dumps(MINIMAL), encoding="utf-8")
    partners = tmp_path / "partners.yaml"
    partners.write_text(
        yaml.safe_dump(
            {
                "account_filtering": {"mode": "single", "filter": "Type = 'Partner'"},
                "support_cases": {"enabled": True},
            }
        ),
        encoding="utf-8",
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "account_filtering:\n"
        "  mode: typed\n"
        "  typed_filters:\n"
        "    - {type: Customer, filter: \"Type = 'Customer'\"}\n"
        "    - {type: Prospect, filter: \"Tpye = 'Prospect'\"}\n"
        "owner_mapping:\n"
        "  - {field: Name, owner_type: CSM}\n"
        "arr: {mode: direct, feild: Name}\n",
        encoding="utf-8",
    )
    return {"json": minimal_json, "yaml": partners, "broken": broken}


def test_source_and_show_on_a_fresh_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert ok(sfsync(home, "source")).strip() == "Default (Code)"
    shown = ok(sfsync(home, "show"))
    assert shown.startswith("# Source: Default (Code)\n")
    assert yaml.safe_load(shown)["owner_mapping"][1] == {"field": "CSM__c", "owner_type": "CSM"}
    document = json.loads(ok(sfsync(home, "show", "--json")))
    assert document == load_config_file(DEFAULT_YAML).to_document()


def test_not_configured(tmp_path: Path) -> None:
    home = tmp_path / "home"
    nowhere = tmp_path / "no-default.yaml"
    assert ok(sfsync(home, "source", default=nowhere)).strip() == "Not Configured"
    (line,) = fails(sfsync(home, "show", default=nowhere))
    assert line.startswith("error: Not Configured")


def test_validate(tmp_path: Path, files: dict[str, Path]) -> None:
    home = tmp_path / "home"
    assert ok(sfsync(home, "validate", str(DEFAULT_YAML))).startswith("OK: ")
    assert ok(sfsync(home, "validate", str(files["json"]))).startswith("OK: ")


def test_validate_reports_one_line_per_issue(tmp_path: Path, files: dict[str, Path]) -> None:
    home = tmp_path / "home"
    lines = fails(sfsync(home, "validate", str(files["broken"])))
    # A shape error stops before the catalog is consulted: fix the typo first.
    assert lines == [
        f"{files['broken']}: arr.feild: UNKNOWN_KEY: unknown key 'feild'; did you mean 'field'?"
    ]
    files["broken"].write_text(
        files["broken"].read_text(encoding="utf-8").replace("feild", "field"), encoding="utf-8"
    )
    lines = fails(sfsync(home, "validate", str(files["broken"])))
    assert len(lines) == 3
    assert lines[0].startswith(
        f"{files['broken']}: account_filtering.typed_filters[1] (Prospect).filter: "
        "INVALID_FIELD at Row:1:Column:1: No such column 'Tpye' on entity 'Account'."
    )
    assert lines[1].startswith(f"{files['broken']}: owner_mapping[0] (CSM).field: WRONG_FIELD_TYPE")
    assert lines[2].startswith(f"{files['broken']}: arr.field: WRONG_FIELD_TYPE")


def test_unreadable_files(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (line,) = fails(sfsync(home, "validate", str(tmp_path / "missing.yaml")))
    assert "UNREADABLE: cannot read" in line
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    (line,) = fails(sfsync(home, "validate", str(bad)))
    assert "is not valid JSON" in line


def test_save_history_diff_activate(tmp_path: Path, files: dict[str, Path]) -> None:
    home = tmp_path / "home"
    out = ok(sfsync(home, "save", str(files["json"]), "--comment", "start small"))
    assert out.startswith(f"Saved version 1 (active) by {getpass.getuser()} at ")
    out = ok(sfsync(home, "save", str(files["yaml"]), "--comment", "partners", "--author", "ada"))
    assert out.startswith("Saved version 2 (active) by ada")
    assert ok(sfsync(home, "source")).strip() == "Database (v2)"
    assert json.loads(ok(sfsync(home, "show", "--json")))["account_filtering"]["filter"] == (
        "Type = 'Partner'"
    )

    history = json.loads(ok(sfsync(home, "history", "--json")))
    assert [(h["version"], h["is_active"], h["author"], h["comment"]) for h in history] == [
        (2, True, "ada", "partners"),
        (1, False, getpass.getuser(), "start small"),
    ]
    table = ok(sfsync(home, "history")).splitlines()
    assert table[0].split()[:2] == ["version", "active"]
    assert table[1].split()[:2] == ["v2", "*"] and table[1].endswith("partners")

    diff = ok(sfsync(home, "diff", "1", "2"))
    assert diff.startswith("--- v1\n+++ v2\n")
    assert '-    "filter": "Type = \'Customer\'",\n' in diff
    assert '+    "filter": "Type = \'Partner\'",\n' in diff
    fields = ok(sfsync(home, "diff", "v1", "v2", "--fields")).splitlines()
    assert fields == [
        "~ account_filtering.filter: \"Type = 'Customer'\" -> \"Type = 'Partner'\"",
        "~ support_cases.enabled: false -> true",
    ]
    assert ok(sfsync(home, "diff", "2", "2")).strip() == "v2 and v2 are equal"
    assert "--- Default (Code)" in ok(sfsync(home, "diff", "default", "1"))

    assert ok(sfsync(home, "activate", "1")).strip() == "Activated version 1 (was v2)"
    assert ok(sfsync(home, "source")).strip() == "Database (v1)"
    assert len(json.loads(ok(sfsync(home, "history", "--json")))) == 2
    written = json.loads((home / "dbt_vars.json").read_text(encoding="utf-8"))
    assert written["sfsync_config_source"] == "Database (v1)"


def test_save_refuses_invalid_and_secret_configs(tmp_path: Path, files: dict[str, Path]) -> None:
    home = tmp_path / "home"
    fails(sfsync(home, "save", str(files["broken"])))
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        yaml.safe_dump({**MINIMAL, "owner_mapping": [{"field": "Name", "owner_type": "CSM"}]}),
        encoding="utf-8",
    )
    (line,) = fails(sfsync(home, "save", str(wrong)))
    assert line.startswith(f"{wrong}: owner_mapping[0] (CSM).field: WRONG_FIELD_TYPE: ")
    secret = tmp_path / "secret.yaml"
    secret.write_text(yaml.safe_dump({**MINIMAL, "client_secret": "abc123"}), encoding="utf-8")
    (line,) = fails(sfsync(home, "save", str(secret)))
    assert "client_secret: CREDENTIAL" in line and ".dlt/secrets.toml" in line
    assert json.loads(ok(sfsync(home, "history", "--json"))) == []
    assert ok(sfsync(home, "source")).strip() == "Default (Code)"


def test_unknown_versions(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (line,) = fails(sfsync(home, "activate", "9"))
    assert line == "error: there is no config version 9; see `sfsync config history`"
    (line,) = fails(sfsync(home, "diff", "1", "x"))
    assert line.startswith("error: ")
    assert ok(sfsync(home, "history")).startswith("No saved versions")
