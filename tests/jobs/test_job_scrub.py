"""Secrets never reach job rows or job logs."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from jobs_fixtures import no_transform

from pipelines.jobs import run_job, scrub
from pipelines.jobs.runner import job_log_path
from pipelines.jobs.scrub import ScrubbingWriter, known_secret_values

SESSION_ID = "00D5g000004XyZ1!AQ4AQFakeSessionTokenValue.With_Dots123"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJjbGllbnQiLCJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXZhbHVl"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx\nabc\n-----END RSA PRIVATE KEY-----"

# One line of input, the line that may be stored.
CASES = [
    (f"INVALID_SESSION_ID: {SESSION_ID} expired", "INVALID_SESSION_ID: [redacted] expired"),
    ("Authorization: Bearer abcdef1234567890XYZ", "Authorization: Bearer [redacted]"),
    ("headers={'Authorization': 'Basic dXNlcjpwYXNz'}", "headers={'Authorization': 'Basic [redacted]'}"),
    ("sent bearer abc.def_123456789 twice", "sent bearer [redacted] twice"),
    ("Salesforce login (OAuth password grant) failed", "Salesforce login (OAuth password grant) failed"),
    ("Bearer authentication is required", "Bearer authentication is required"),
    (f"assertion {JWT} refused", "assertion [redacted] refused"),
    (f"bad key {PEM} here", "bad key [redacted private key] here"),
    ('{"access_token": "abc.def-123456", "instance_url": "https://x.my.salesforce.com"}',
     '{"access_token": "[redacted]", "instance_url": "https://x.my.salesforce.com"}'),
    ("grant_type=password&client_id=3MVG9&client_secret=1234567890&password=hunter2secret",
     "grant_type=password&client_id=3MVG9&client_secret=[redacted]&password=[redacted]"),
    ("refresh_token=5Aep861abcdefgh", "refresh_token=[redacted]"),
    ("security_token: Xy12Ab34Cd", "security_token: [redacted]"),
    ("<sessionId>00Dxx0000001gPL!AR8AQJXg</sessionId>", "<sessionId>[redacted]</sessionId>"),
    ("postgres://loader:s3cretPass@db.internal:5432/dw", "postgres://loader:[redacted]@db.internal:5432/dw"),
    # Not secrets: kept as they are.
    ("INVALID_FIELD: No such column 'Tier__c' on entity 'Account'",
     "INVALID_FIELD: No such column 'Tier__c' on entity 'Account'"),
    ("login_url=https://login.salesforce.com username=admin@acme.com",
     "login_url=https://login.salesforce.com username=admin@acme.com"),
    ("token expired, logging in again", "token expired, logging in again"),
    ("Account 001000000000001AAA", "Account 001000000000001AAA"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_scrub(text: str, expected: str) -> None:
    assert scrub(text, secrets=()) == expected


def test_credential_values_from_the_environment_are_removed(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__SALESFORCE__CREDENTIALS__CLIENT_SECRET", "Opaque-Value-42")
    monkeypatch.setenv(
        "SOURCES__SALESFORCE__CREDENTIALS__LOGIN_URL", "https://acme.my.salesforce.com"
    )
    monkeypatch.setenv("SOURCES__SALESFORCE__CREDENTIALS__PASSWORD", "short")
    known_secret_values.cache_clear()
    text = "login to https://acme.my.salesforce.com failed with Opaque-Value-42 (short)"
    assert scrub(text) == "login to https://acme.my.salesforce.com failed with [redacted] (short)"


def test_credential_values_from_dlt_secrets_are_removed(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    (project / ".dlt").mkdir(parents=True)
    (project / ".dlt" / "secrets.toml").write_text(
        "[sources.salesforce.credentials]\n"
        'login_url = "https://acme.my.salesforce.com"\n'
        'refresh_token = "5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJrqGJJ"\n'
    )
    monkeypatch.setenv("DLT_PROJECT_DIR", str(project))
    known_secret_values.cache_clear()
    assert scrub(
        "used 5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJrqGJJ at https://acme.my.salesforce.com"
    ) == ("used [redacted] at https://acme.my.salesforce.com")


def test_failed_job_row_and_log_hold_no_secret(
    home: Path, extract_step: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__SALESFORCE__CREDENTIALS__CLIENT_SECRET", "Opaque-Value-42")
    known_secret_values.cache_clear()
    error = RuntimeError(
        f"token endpoint said no: client_secret=Opaque-Value-42 session {SESSION_ID} "
        f"header Authorization: Bearer {SESSION_ID}"
    )
    job = run_job(home, transform=no_transform, extract=extract_step(error=error))

    assert job.status == "Failed"
    stored = str(job.to_json())
    log_text = job_log_path(home, job.job_id).read_text()
    for secret in ("Opaque-Value-42", SESSION_ID, "AQ4AQFake"):
        assert secret not in stored
        assert secret not in log_text
    assert "[redacted]" in stored and "[redacted]" in log_text


def test_scrubbing_writer_catches_a_token_written_in_pieces() -> None:
    sink = io.StringIO()
    writer = ScrubbingWriter(sink)
    writer.write("Authorization: Bearer 00D5g000004XyZ1!AQ4AQFake")
    assert sink.getvalue() == ""  # held until the line ends
    writer.write("SessionTokenValue\nnext line")
    writer.flush()
    assert sink.getvalue() == "Authorization: Bearer [redacted]\nnext line"
    assert not writer.isatty()
