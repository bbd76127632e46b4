"""OAuth grants, the web-server flow, identity endpoints and the SOAP login, over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from pipelines.sandbox.client import SandboxSession

TOKEN_SHAPE = re.compile(r"^(00D\w{12,15})![.\w]*$")  # what @salesforce/core accepts
PASSWORD_GRANT = {
    "grant_type": "password",
    "client_id": "sandbox",
    "client_secret": "sandbox",
    "username": "admin@sandbox.local",
    "password": "sandbox",
}


def token_endpoint(org: Any, data: dict[str, str], **kwargs: Any) -> requests.Response:
    return requests.post(org.url("/services/oauth2/token"), data=data, timeout=30, **kwargs)


def test_password_grant_answers_like_salesforce(org: Any) -> None:
    answer = token_endpoint(org, PASSWORD_GRANT)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json;charset=UTF-8"
    body = answer.json()
    assert list(body) == [
        "access_token",
        "signature",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
    ]
    assert TOKEN_SHAPE.match(body["access_token"])
    assert body["instance_url"] == org.base_url
    org_id, user_id = body["id"].rsplit("/", 2)[-2:]
    assert org_id == org.store.settings.org_id and user_id == org.store.settings.admin_user_id
    assert body["issued_at"].isdigit() and abs(int(body["issued_at"]) / 1000 - time.time()) < 60
    expected = hmac.new(
        b"sandbox", (body["id"] + body["issued_at"]).encode(), hashlib.sha256
    ).digest()
    assert base64.b64decode(body["signature"]) == expected
    assert "refresh_token" not in body and "expires_in" not in body


@pytest.mark.parametrize(
    ("change", "error", "description"),
    [
        ({"password": "wrong"}, "invalid_grant", "authentication failure"),
        ({"username": "nobody@sandbox.local"}, "invalid_grant", "authentication failure"),
        ({"client_id": "other"}, "invalid_client_id", "client identifier invalid"),
        ({"client_secret": "wrong"}, "invalid_client", "invalid client credentials"),
        ({"grant_type": "magic"}, "unsupported_grant_type", "grant type not supported"),
    ],
)
def test_token_errors(org: Any, change: dict[str, str], error: str, description: str) -> None:
    answer = token_endpoint(org, {**PASSWORD_GRANT, **change})
    assert answer.status_code == 400
    assert answer.json() == {"error": error, "error_description": description}


def test_simple_salesforce_reports_a_failed_login(org: Any) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as oauth:
        Salesforce(
            username="admin@sandbox.local",
            password="wrong",
            consumer_key="sandbox",
            consumer_secret="sandbox",
            session=SandboxSession(org.base_url),
        )
    assert oauth.value.code == "invalid_grant"
    with pytest.raises(SalesforceAuthenticationFailed) as soap:
        org.salesforce(password="wrong")
    assert soap.value.code == "INVALID_LOGIN"


def test_client_credentials_with_basic_auth_and_in_the_body(org: Any) -> None:
    basic = token_endpoint(org, {"grant_type": "client_credentials"}, auth=("sandbox", "sandbox"))
    assert basic.status_code == 200 and basic.json()["scope"] == "api"
    body = token_endpoint(
        org,
        {"grant_type": "client_credentials", "client_id": "sandbox", "client_secret": "sandbox"},
    )
    assert body.status_code == 200
    sf = Salesforce(
        consumer_key="sandbox",
        consumer_secret="sandbox",
        domain="mycompany.my",
        session=SandboxSession(org.base_url),
    )
    assert sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1


def _jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(orjson.dumps(value)).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def test_jwt_bearer_grant(org: Any) -> None:
    claims = {
        "iss": "sandbox",
        "sub": "admin@sandbox.local",
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 180,
    }
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    answer = token_endpoint(org, {"grant_type": grant, "assertion": _jwt(claims)})
    assert answer.status_code == 200
    assert set(answer.json()) == {"access_token", "scope", "instance_url", "id", "token_type"}
    expired = token_endpoint(org, {"grant_type": grant, "assertion": _jwt({**claims, "exp": 1})})
    assert expired.json()["error"] == "invalid_grant"
    stranger = token_endpoint(
        org, {"grant_type": grant, "assertion": _jwt({**claims, "sub": "x@y.z"})}
    )
    assert stranger.json() == {
        "error": "invalid_grant",
        "error_description": "user hasn't approved this consumer",
    }
    garbage = token_endpoint(org, {"grant_type": grant, "assertion": "not-a-jwt"})
    assert garbage.status_code == 400 and garbage.json()["error"] == "invalid_grant"


def test_jwt_bearer_grant_through_simple_salesforce(org: Any) -> None:
    pytest.importorskip("cryptography", reason="simple_salesforce signs JWTs with cryptography")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    sf = Salesforce(
        username="admin@sandbox.local",
        consumer_key="sandbox",
        privatekey=pem.decode(),
        session=SandboxSession(org.base_url),
    )
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] > 0


def test_web_server_flow_with_pkce_and_refresh(org: Any) -> None:
    verifier = "a-long-random-code-verifier-0123456789-abcdefghijklmnop"
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    params = {
        "response_type": "code",
        "client_id": "sandbox",
        "redirect_uri": "http://localhost:1717/OauthRedirect",
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = requests.get(org.url("/services/oauth2/authorize"), params=params, timeout=30)
    assert page.status_code == 200 and "Allow access?" in page.text
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    assert hidden["code_challenge"] == challenge

    wrong = requests.post(
        org.url("/services/oauth2/authorize"),
        data={**hidden, "username": "admin@sandbox.local", "password": "nope", "action": "allow"},
        allow_redirects=False,
        timeout=30,
    )
    assert wrong.status_code == 401 and "check your username and password" in wrong.text

    approved = requests.post(
        org.url("/services/oauth2/authorize"),
        data={
            **hidden,
            "username": "admin@sandbox.local",
            "password": "sandbox",
            "action": "allow",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert approved.status_code == 302
    target = urlsplit(approved.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == params["redirect_uri"]
    query = parse_qs(target.query)
    assert query["state"] == ["xyz"]
    code = query["code"][0]

    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": "sandbox",
        "redirect_uri": params["redirect_uri"],
    }
    bad_verifier = token_endpoint(org, {**exchange, "code_verifier": "wrong"})
    assert bad_verifier.json()["error"] == "invalid_grant"
    # a code works once: the failed exchange above used it up
    approved = requests.post(
        org.url("/services/oauth2/authorize"),
        data={
            **hidden,
            "username": "admin@sandbox.local",
            "password": "sandbox",
            "action": "allow",
        },
        allow_redirects=False,
        timeout=30,
    )
    code = parse_qs(urlsplit(approved.headers["location"]).query)["code"][0]
    tokens = token_endpoint(org, {**exchange, "code": code, "code_verifier": verifier}).json()
    assert TOKEN_SHAPE.match(tokens["access_token"]) and tokens["refresh_token"]
    again = token_endpoint(org, {**exchange, "code": code, "code_verifier": verifier})
    assert again.json()["error"] == "invalid_grant"

    refreshed = token_endpoint(
        org,
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": "sandbox",
        },
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["access_token"] != tokens["access_token"]
    unknown = token_endpoint(
        org, {"grant_type": "refresh_token", "refresh_token": "5Aepnope", "client_id": "sandbox"}
    )
    assert unknown.json() == {
        "error": "invalid_grant",
        "error_description": "expired access/refresh token",
    }


def test_web_server_flow_denied_and_bad_client(org: Any) -> None:
    params = {
        "response_type": "code",
        "client_id": "sandbox",
        "redirect_uri": "https://app.example/cb",
    }
    denied = requests.post(
        org.url("/services/oauth2/authorize"),
        data={**params, "action": "deny"},
        allow_redirects=False,
        timeout=30,
    )
    assert denied.status_code == 302
    assert parse_qs(urlsplit(denied.headers["location"]).query)["error"] == ["access_denied"]
    bad = requests.get(
        org.url("/services/oauth2/authorize"), params={**params, "client_id": "x"}, timeout=30
    )
    assert bad.status_code == 400 and "invalid_client_id" in bad.text


def test_user_agent_flow_returns_the_token_in_the_fragment(org: Any) -> None:
    params = {
        "response_type": "token",
        "client_id": "sandbox",
        "redirect_uri": "https://app.example/cb",
    }
    answer = requests.post(
        org.url("/services/oauth2/authorize"),
        data={
            **params,
            "username": "admin@sandbox.local",
            "password": "sandbox",
            "action": "allow",
        },
        allow_redirects=False,
        timeout=30,
    )
    fragment = parse_qs(urlsplit(answer.headers["location"]).fragment)
    assert TOKEN_SHAPE.match(fragment["access_token"][0])
    assert fragment["instance_url"] == [org.base_url]


def test_userinfo_and_identity(org: Any) -> None:
    body = token_endpoint(org, PASSWORD_GRANT).json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    info = requests.get(org.url("/services/oauth2/userinfo"), headers=headers, timeout=30).json()
    assert info["preferred_username"] == "admin@sandbox.local"
    assert info["user_id"] == org.store.settings.admin_user_id
    assert info["organization_id"] == org.store.settings.org_id
    identity = requests.get(body["id"], headers=headers, timeout=30).json()
    assert identity["username"] == "admin@sandbox.local"
    assert identity["urls"]["rest"] == f"{org.base_url}/services/data/v{{version}}/"
    by_param = requests.get(body["id"], params={"oauth_token": body["access_token"]}, timeout=30)
    assert by_param.status_code == 200
    anonymous = requests.get(org.url("/services/oauth2/userinfo"), timeout=30)
    assert anonymous.status_code == 401


def test_revoke_ends_the_session(org: Any) -> None:
    token = token_endpoint(org, PASSWORD_GRANT).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(org.api("/limits"), headers=headers, timeout=30).status_code == 200
    revoke = requests.post(org.url("/services/oauth2/revoke"), data={"token": token}, timeout=30)
    assert revoke.status_code == 200
    after = requests.get(org.api("/limits"), headers=headers, timeout=30)
    assert after.status_code == 401
    assert after.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_tokens_expire_after_their_ttl(org: Any) -> None:
    org.set_faults(token_ttl=1)
    token = org.token()
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(org.api("/limits"), headers=headers, timeout=30).status_code == 200
    time.sleep(1.2)
    expired = requests.get(org.api("/limits"), headers=headers, timeout=30)
    assert expired.status_code == 401
    assert expired.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_soap_login_envelope(org: Any) -> None:
    envelope = (
        '<?xml version="1.0" encoding="utf-8" ?><env:Envelope '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:urn="urn:partner.soap.sforce.com"><env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com">'
        "<n1:username>admin@sandbox.local</n1:username><n1:password>sandbox</n1:password>"
        "</n1:login></env:Body></env:Envelope>"
    )
    headers = {"Content-Type": "text/xml", "SOAPAction": "login"}
    answer = requests.post(
        org.url("/services/Soap/u/59.0"), data=envelope, headers=headers, timeout=30
    )
    assert answer.status_code == 200
    text = answer.text
    server_url = re.search(r"<serverUrl>([^<]+)</serverUrl>", text)
    assert server_url and server_url.group(1).startswith(f"{org.base_url}/services/Soap/u/59.0/")
    session = re.search(r"<sessionId>([^<]+)</sessionId>", text)
    assert session and TOKEN_SHAPE.match(session.group(1))
    assert f"<organizationId>{org.store.settings.org_id}</organizationId>" in text
    assert f"<userId>{org.store.settings.admin_user_id}</userId>" in text
    bad = requests.post(
        org.url("/services/Soap/u/59.0"),
        data=envelope.replace(">sandbox<", ">nope<"),
        headers=headers,
        timeout=30,
    )
    assert bad.status_code == 500
    assert "<faultcode>sf:INVALID_LOGIN</faultcode>" in bad.text


def test_jwt_signatures_are_checked_when_a_certificate_is_configured(sandbox_org: Any) -> None:
    pytest.importorskip("cryptography", reason="RS256 signatures need cryptography")
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from pipelines.sandbox.options import SandboxOptions
    from pipelines.sandbox.server import serve_in_thread

    trusted, stranger = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in "ab"
    )
    public = trusted.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = {"iss": "sandbox", "sub": "admin@sandbox.local", "aud": "https://login.salesforce.com"}
    claims["exp"] = int(time.time()) + 180
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    options = SandboxOptions(jwt_public_key=public.decode())
    with serve_in_thread(sandbox_org.store, options) as server:
        for key, status in ((trusted, 200), (stranger, 400)):
            assertion = jwt.encode(claims, key, algorithm="RS256")
            answer = requests.post(
                server.base_url + "/services/oauth2/token",
                data={"grant_type": grant, "assertion": assertion},
                timeout=30,
            )
            assert answer.status_code == status, answer.text
