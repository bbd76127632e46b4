"""Who may use the wizard: admin password from secrets or the environment, or OIDC."""

from __future__ import annotations

import pytest

from pipelines.wizard.access import PASSWORD_ENV, access_policy, generate_password


@pytest.mark.parametrize(
    ("secrets", "environ", "method"),
    [
        ({}, {}, "unconfigured"),
        ({"admin_password": "s3cret"}, {}, "password"),
        ({}, {PASSWORD_ENV: "from-env"}, "password"),
        ({"admin_password": ""}, {}, "unconfigured"),
        (
            {"auth": {"client_id": "x", "redirect_uri": "http://localhost:8501/oauth2callback"}},
            {},
            "oidc",
        ),
        ({"auth": {"client_id": "x"}, "admin_password": "also"}, {}, "oidc"),
        ({"auth": {}}, {}, "unconfigured"),
    ],
)
def test_the_policy_follows_secrets_and_environment(
    secrets: dict[str, object], environ: dict[str, str], method: str
) -> None:
    assert access_policy(secrets, environ).method == method


def test_the_secrets_password_wins_over_the_environment() -> None:
    policy = access_policy({"admin_password": "secrets"}, {PASSWORD_ENV: "env"})
    assert policy.accepts_password("secrets")
    assert not policy.accepts_password("env")


@pytest.mark.parametrize("given", ["", "S3cret", "s3cret ", "s3cre"])
def test_only_the_exact_password_is_accepted(given: str) -> None:
    assert not access_policy({"admin_password": "s3cret"}, {}).accepts_password(given)
    assert access_policy({"admin_password": "s3cret"}, {}).accepts_password("s3cret")


def test_an_unconfigured_app_accepts_no_password_and_says_how_to_set_one() -> None:
    policy = access_policy({}, {})
    assert not policy.accepts_password("")
    assert not policy.accepts_password("anything")
    assert PASSWORD_ENV in policy.setup_hint


def test_oidc_admits_everyone_the_provider_signs_in_unless_restricted() -> None:
    open_policy = access_policy({"auth": {"client_id": "x"}}, {})
    assert open_policy.accepts_identity("ada@example.com")
    restricted = access_policy(
        {"auth": {"client_id": "x"}}, {"SFSYNC_ADMIN_EMAILS": "Ada@Example.com, bob@example.com"}
    )
    assert restricted.accepts_identity("ada@example.com")
    assert restricted.accepts_identity("BOB@example.com")
    assert not restricted.accepts_identity("eve@example.com")
    assert not restricted.accepts_identity(None)
    listed = access_policy({"auth": {"client_id": "x"}, "admin_emails": ["ops@example.com"]}, {})
    assert listed.accepts_identity("ops@example.com")
    assert not listed.accepts_password("")


def test_generated_passwords_are_long_and_different() -> None:
    first, second = generate_password(), generate_password()
    assert first != second
    assert len(first) >= 16
