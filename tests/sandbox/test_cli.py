"""``sfsync sandbox start`` as users run it: a child process on a free port."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from pipelines.sandbox.client import access_token
from pipelines.sandbox.server import start_subprocess


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "SFSYNC_HOME": str(home)}


def test_start_prints_url_and_credentials_and_restart_serves_the_same_org(tmp_path: Path) -> None:
    proc = start_subprocess(["--accounts", "5", "--seed", "3"], env=_env(tmp_path))
    try:
        banner = "".join(proc.output)
        assert re.match(r"^http://127\.0\.0\.1:\d+$", proc.base_url)
        assert "client_id=sandbox" in banner and "username=admin@sandbox.local" in banner
        assert "password=sandbox" in banner
        assert requests.get(proc.base_url + "/services/data/", timeout=30).status_code == 200
        info = requests.get(proc.base_url + "/_sandbox/info", timeout=30).json()
        assert Path(info["data_dir"]) == tmp_path / "sandbox"
        created = _create_account(proc.base_url, "Survives a restart")
    finally:
        assert proc.stop() == 130  # interrupted, as by Ctrl+C
    again = start_subprocess(["--accounts", "5", "--seed", "3"], env=_env(tmp_path))
    try:
        assert "existing org" in "".join(again.output)
        info_again = requests.get(again.base_url + "/_sandbox/info", timeout=30).json()
        assert info_again["org_id"] == info["org_id"]
        assert info_again["records"]["Account"] == info["records"]["Account"] + 1
        token = access_token(again.base_url)
        record = requests.get(
            f"{again.base_url}/services/data/v59.0/sobjects/Account/{created}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert record.json()["Name"] == "Survives a restart"
    finally:
        again.stop()


def test_started_ignoring_sigint_it_still_stops_on_it_and_says_so(tmp_path: Path) -> None:
    """A script's background job starts with SIGINT ignored; the server stops on SIGINT all the
    same (uvicorn catches it) and exits 130, as after Ctrl+C, not 0."""
    proc = start_subprocess(
        ["--accounts", "5", "--seed", "3"], env=_env(tmp_path), ignoring_sigint=True
    )
    try:
        served = requests.get(proc.base_url + "/services/data/", timeout=30).status_code
    finally:
        code = proc.stop()
    assert served == 200
    assert code == 130


def test_tls_serves_https_with_its_certificate(tmp_path: Path) -> None:
    proc = start_subprocess(
        ["--accounts", "5", "--seed", "3", "--tls", "--data-dir", str(tmp_path / "org")]
    )
    try:
        assert proc.base_url.startswith("https://127.0.0.1:")
        cert = tmp_path / "org" / "tls" / "sandbox-cert.pem"
        assert f"REQUESTS_CA_BUNDLE={cert}" in "".join(proc.output)
        session = requests.Session()
        session.trust_env = False
        session.verify = str(cert)
        assert session.get(proc.base_url + "/services/data/", timeout=30).status_code == 200
        session.close()  # an idle TLS connection would hold up the graceful shutdown
    finally:
        proc.stop()


def test_org_from_a_directory_of_csv_files(tmp_path: Path) -> None:
    source = tmp_path / "my-org"
    source.mkdir()
    (source / "Account.csv").write_text("Name,Industry\nAcme,Energy\nGlobex,Banking\n")
    args = ["--org", str(source), "--data-dir", str(tmp_path / "data")]
    proc = start_subprocess(args)
    try:
        assert f"org loaded from {source}" in "".join(proc.output)
        answer = requests.get(
            proc.base_url + "/services/data/v59.0/query",
            params={"q": "SELECT Name, Industry FROM Account ORDER BY Name"},
            headers={"Authorization": f"Bearer {access_token(proc.base_url)}"},
            timeout=30,
        ).json()
        assert [(r["Name"], r["Industry"]) for r in answer["records"]] == [
            ("Acme", "Energy"),
            ("Globex", "Banking"),
        ]
    finally:
        proc.stop()
    again = start_subprocess(args)
    try:
        assert "existing org" in "".join(again.output)
    finally:
        again.stop()


def test_port_in_use_is_a_clear_error(sandbox_org: Any) -> None:
    import subprocess

    port = sandbox_org.base_url.rsplit(":", 1)[1]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "sandbox",
            "start",
            "--port",
            port,
            "--data-dir",
            "/nonexistent/x",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def _create_account(base_url: str, name: str) -> str:
    answer = requests.post(
        base_url + "/services/data/v59.0/sobjects/Account",
        json={"Name": name},
        headers={"Authorization": f"Bearer {access_token(base_url)}"},
        timeout=30,
    )
    assert answer.status_code == 201
    record_id: str = answer.json()["id"]
    return record_id


@pytest.fixture(autouse=True)
def _quiet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
