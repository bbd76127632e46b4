"""``sfsync soql check`` and ``sfsync soql compile`` as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def sfsync(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_valid_query() -> None:
    done = sfsync(
        "soql", "check", "SELECT Id, Owner.Name FROM Account WHERE CreatedDate = LAST_N_DAYS:30"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "OK"


def test_check_reports_error_code_and_place() -> None:
    done = sfsync("soql", "check", "SELECT Id FROM Acount")
    assert done.returncode == 1
    assert done.stderr.startswith("INVALID_TYPE: ")
    assert "ERROR at Row:1:Column:16" in done.stderr
    assert "Traceback" not in done.stderr


def test_check_condition_with_object() -> None:
    assert sfsync("soql", "check", "--object", "Account", "Type = 'Customer'").returncode == 0
    done = sfsync("soql", "check", "--object", "Account", "Type = 'Customer' AND Nope__c = 1")
    assert done.returncode == 1
    assert "No such column 'Nope__c' on entity 'Account'" in done.stderr


def test_compile_dialects() -> None:
    duck = sfsync(
        "soql", "compile", "SELECT Name FROM Account WHERE Name LIKE 'A%' ORDER BY Name DESC"
    )
    pg = sfsync(
        "soql", "compile", "--dialect", "postgres", "SELECT Name FROM Account ORDER BY Name DESC"
    )
    assert duck.returncode == 0 and pg.returncode == 0
    assert 'FROM "account" AS "t0"' in duck.stdout
    assert "NULLS LAST" in pg.stdout


def test_compile_with_custom_schema(tmp_path: Path) -> None:
    schema = tmp_path / "schema.yaml"
    schema.write_text(
        "Account:\n  fields:\n    CSM__c: {type: reference, referenceTo: User, relationshipName: CSM__r}\n"
    )
    done = sfsync(
        "soql", "compile", "--object", "Account", "--schema", str(schema), "CSM__r.Name = 'Ada'"
    )
    assert done.returncode == 0, done.stderr
    assert '"csm_c"' in done.stdout
    assert sfsync("soql", "compile", "--object", "Account", "CSM__r.Name = 'Ada'").returncode == 1


def test_bad_schema_file_is_a_clear_error(tmp_path: Path) -> None:
    schema = tmp_path / "schema.yaml"
    schema.write_text("Account:\n  fields:\n    CSM__c: {type: lookup}\n")
    done = sfsync("soql", "check", "--schema", str(schema), "SELECT Id FROM Account")
    assert done.returncode == 2
    assert "CSM__c" in done.stderr and "Traceback" not in done.stderr
