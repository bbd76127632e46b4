"""OAuth 2.0 and identity endpoints: token grants, the web-server flow, userinfo, /id, revoke.

Grants at ``POST /services/oauth2/token`` (form body or query string, client credentials in
the body or as HTTP Basic): ``password``, ``refresh_token``, ``client_credentials``,
``urn:ietf:params:oauth:grant-type:jwt-bearer`` and ``authorization_code`` (with PKCE). The
web-server flow's approval page is ``GET /services/oauth2/authorize``; approving it redirects
back with ``?code=…&state=…`` (or, for ``response_type=token``, with the token in the fragment).

Token responses carry what Salesforce's do and nothing else (no ``expires_in``): ``id`` ends
with ``/{orgId}/{userId}``, ``issued_at`` is epoch milliseconds as a string, ``signature`` is
base64(HMAC-SHA256(client secret, id + issued_at)).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from pipelines.sandbox.context import Sandbox, base_url, sandbox_of, session_of
from pipelines.sandbox.directory import UserInfo
from pipelines.sandbox.errors import OAuthError, json_response
from pipelines.sandbox.sessions import Grant, Session, pkce_matches

router = APIRouter()

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_AUTH_FAILURE = "authentication failure"


async def _params(request: Request) -> dict[str, str]:
    """Query string and form body together (Salesforce accepts both)."""
    params = dict(request.query_params)
    body = await request.body()
    if body:
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def _check_client(
    sb: Sandbox, client_id: str | None, secret: str | None, *, need_secret: bool
) -> None:
    creds = sb.options.credentials
    if not client_id or not hmac.compare_digest(client_id, creds.client_id):
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if secret is None:
        if need_secret:
            raise OAuthError("invalid_client", "invalid client credentials")
        return
    if not hmac.compare_digest(secret, creds.client_secret):
        raise OAuthError("invalid_client", "invalid client credentials")


def _token_body(
    request: Request,
    sb: Sandbox,
    session: Session,
    *,
    refresh_token: str | None = None,
    scope: str | None = None,
    signed: bool = True,
) -> dict[str, Any]:
    base = base_url(request)
    identity = f"{base}/id/{session.org_id}/{session.user_id}"
    issued_at = str(session.issued_at_ms)
    body: dict[str, Any] = {"access_token": session.token}
    if refresh_token:
        body["refresh_token"] = refresh_token
    if signed:
        digest = hmac.new(
            sb.options.credentials.client_secret.encode("utf-8"),
            (identity + issued_at).encode("utf-8"),
            hashlib.sha256,
        ).digest()
        body["signature"] = base64.b64encode(digest).decode("ascii")
    if scope:
        body["scope"] = scope
    body["instance_url"] = base
    body["id"] = identity
    body["token_type"] = "Bearer"
    if signed:
        body["issued_at"] = issued_at
    return body


def _login(sb: Sandbox, username: str | None, password: str | None) -> UserInfo:
    user = sb.users.find(username or "")
    if user is None or not sb.options.credentials.password_matches(password or ""):
        raise OAuthError("invalid_grant", _AUTH_FAILURE)
    return user


def _issue(sb: Sandbox, user: UserInfo, client_id: str) -> Session:
    return sb.sessions.issue(user.id, user.username, client_id, sb.faults.settings.token_ttl)


@router.post("/services/oauth2/token")
async def token(request: Request) -> Response:
    sb = sandbox_of(request)
    params = await _params(request)
    basic = _basic_credentials(request)
    client_id = params.get("client_id") or (basic[0] if basic else None)
    secret = params.get("client_secret")
    if secret is None and basic:
        secret = basic[1]
    grant = params.get("grant_type", "")
    try:
        if grant == "password":
            _check_client(sb, client_id, secret, need_secret=True)
            user = _login(sb, params.get("username"), params.get("password"))
            session = _issue(sb, user, client_id or "")
            return json_response(_token_body(request, sb, session))
        if grant == "refresh_token":
            _check_client(sb, client_id, secret, need_secret=False)
            stored = sb.sessions.refresh_grant(params.get("refresh_token", ""))
            refreshed = sb.users.get(stored.user_id) if stored else None
            if stored is None or refreshed is None:
                raise OAuthError("invalid_grant", "expired access/refresh token")
            session = _issue(sb, refreshed, client_id or "")
            return json_response(_token_body(request, sb, session, scope="api refresh_token"))
        if grant == "client_credentials":
            _check_client(sb, client_id, secret, need_secret=True)
            run_as = sb.users.find(sb.options.credentials.username)
            if run_as is None:
                raise OAuthError("invalid_grant", "no client credentials user enabled")
            session = _issue(sb, run_as, client_id or "")
            return json_response(_token_body(request, sb, session, scope="api"))
        if grant == JWT_GRANT:
            return json_response(_jwt_grant(request, sb, params.get("assertion", "")))
        if grant == "authorization_code":
            return json_response(_code_grant(request, sb, params, client_id, secret))
    except OAuthError as err:
        return err.response()
    return OAuthError("unsupported_grant_type", "grant type not supported").response()


def _jwt_grant(request: Request, sb: Sandbox, assertion: str) -> dict[str, Any]:
    claims = _jwt_claims(assertion, sb.options.jwt_public_key)
    _check_client(sb, str(claims.get("iss") or ""), None, need_secret=False)
    if _expiry(claims.get("exp")) < time.time():
        raise OAuthError("invalid_grant", "expired authorization code")
    user = sb.users.find(str(claims.get("sub") or ""))
    if user is None:
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    session = _issue(sb, user, str(claims["iss"]))
    return _token_body(request, sb, session, scope="api", signed=False)


def _expiry(value: Any) -> float:
    """``exp`` in seconds; simple_salesforce sends it as a string of digits."""
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return 0.0
    return 0.0


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _jwt_claims(assertion: str, public_key_pem: str | None) -> dict[str, Any]:
    """The claims of an RS256 JWT; the signature is checked only when a key is configured."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise OAuthError("invalid_grant", "invalid assertion")
    try:
        header = orjson.loads(_b64url(parts[0]))
        claims = orjson.loads(_b64url(parts[1]))
        signature = _b64url(parts[2])
    except (ValueError, binascii.Error) as exc:
        raise OAuthError("invalid_grant", "invalid assertion") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise OAuthError("invalid_grant", "invalid assertion")
    signed = f"{parts[0]}.{parts[1]}".encode("ascii")
    if public_key_pem and (
        header.get("alg") != "RS256" or not _rs256_valid(public_key_pem, signed, signature)
    ):
        raise OAuthError("invalid_grant", "invalid assertion")
    return claims


def _rs256_valid(public_key_pem: str, signed: bytes, signature: bytes) -> bool:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    data = public_key_pem.encode("ascii")
    key: Any
    if b"CERTIFICATE" in data:
        key = x509.load_pem_x509_certificate(data).public_key()
    else:
        key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def _code_grant(
    request: Request, sb: Sandbox, params: dict[str, str], client_id: str | None, secret: str | None
) -> dict[str, Any]:
    verifier = params.get("code_verifier")
    _check_client(sb, client_id, secret, need_secret=verifier is None)
    stored = sb.sessions.redeem_code(params.get("code", ""))
    if stored is None or stored.client_id != client_id:
        raise OAuthError("invalid_grant", "invalid authorization code")
    if stored.redirect_uri and params.get("redirect_uri") not in (None, stored.redirect_uri):
        raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
    if stored.code_challenge and not pkce_matches(
        verifier or "", stored.code_challenge, stored.code_challenge_method
    ):
        raise OAuthError("invalid_grant", "invalid code verifier")
    user = sb.users.get(stored.user_id)
    if user is None:
        raise OAuthError("invalid_grant", "invalid authorization code")
    session = _issue(sb, user, stored.client_id)
    refresh = sb.sessions.issue_refresh_token(user.id, user.username, stored.client_id)
    return _token_body(request, sb, session, refresh_token=refresh, scope="api refresh_token")


# --- web-server flow ---------------------------------------------------------------------------

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Allow access? | sfsync sandbox org</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;color:#181818}}
label{{display:block;margin:.6rem 0 .2rem}}input[type=text],input[type=password]{{width:100%;padding:.4rem}}
.error{{color:#ba0517}}button{{margin:1rem .5rem 0 0;padding:.4rem 1.2rem}}</style></head>
<body><h1>Allow access?</h1>
<p>The application <strong>{client_id}</strong> wants to access the sandbox org as you.</p>
{error}
<form method="post" action="/services/oauth2/authorize">
{hidden}
<label for="username">Username</label><input type="text" id="username" name="username" value="{username}">
<label for="password">Password</label><input type="password" id="password" name="password">
<button type="submit" name="action" value="allow">Allow</button>
<button type="submit" name="action" value="deny">Deny</button>
</form></body></html>
"""
_FLOW_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
)


def _authorize_error(sb: Sandbox, params: dict[str, str]) -> OAuthError | None:
    if params.get("response_type") not in ("code", "token"):
        return OAuthError("unsupported_response_type", "response type not supported")
    if params.get("client_id") != sb.options.credentials.client_id:
        return OAuthError("invalid_client_id", "client identifier invalid")
    redirect = params.get("redirect_uri", "")
    if not urlsplit(redirect).scheme:
        return OAuthError("redirect_uri_missing", "redirect_uri must be an absolute URL")
    if sb.options.redirect_uris and redirect not in sb.options.redirect_uris:
        return OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
    return None


def _page(
    params: dict[str, str], error: str = "", username: str = "", status: int = 200
) -> Response:
    hidden = "\n".join(
        f'<input type="hidden" name="{name}" value="{html.escape(params[name])}">'
        for name in _FLOW_PARAMS
        if params.get(name)
    )
    text = _PAGE.format(
        client_id=html.escape(params.get("client_id", "")),
        error=f'<p class="error">{html.escape(error)}</p>' if error else "",
        hidden=hidden,
        username=html.escape(username),
    )
    return HTMLResponse(text, status_code=status)


def _error_page(err: OAuthError) -> Response:
    text = (
        "<!doctype html><html><head><title>error</title></head><body>"
        f"<h1>{html.escape(err.error)}</h1><p>{html.escape(err.description)}</p></body></html>"
    )
    return HTMLResponse(text, status_code=400)


def _redirect(redirect_uri: str, values: dict[str, str], *, fragment: bool = False) -> Response:
    query = urlencode({k: v for k, v in values.items() if v is not None})
    if fragment:
        target = f"{redirect_uri}#{query}"
    else:
        target = f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}"
    return RedirectResponse(target, status_code=302)


@router.get("/services/oauth2/authorize")
async def authorize_page(request: Request) -> Response:
    sb = sandbox_of(request)
    params = dict(request.query_params)
    err = _authorize_error(sb, params)
    if err is not None:
        return _error_page(err)
    return _page(params, username=params.get("login_hint", ""))


@router.post("/services/oauth2/authorize")
async def authorize_submit(request: Request) -> Response:
    sb = sandbox_of(request)
    form = await _params(request)
    err = _authorize_error(sb, form)
    if err is not None:
        return _error_page(err)
    redirect_uri = form["redirect_uri"]
    state = form.get("state")
    as_fragment = form["response_type"] == "token"
    if form.get("action") != "allow":
        values = {"error": "access_denied", "error_description": "end-user denied authorization"}
        if state:
            values["state"] = state
        return _redirect(redirect_uri, values, fragment=as_fragment)
    user = sb.users.find(form.get("username", ""))
    if user is None or not sb.options.credentials.password_matches(form.get("password", "")):
        return _page(
            form,
            error="Please check your username and password.",
            username=form.get("username", ""),
            status=401,
        )
    client_id = form["client_id"]
    if as_fragment:
        session = _issue(sb, user, client_id)
        values = {k: str(v) for k, v in _token_body(request, sb, session).items()}
        if state:
            values["state"] = state
        return _redirect(redirect_uri, values, fragment=True)
    code = sb.sessions.issue_code(
        Grant(
            user_id=user.id,
            username=user.username,
            client_id=client_id,
            redirect_uri=redirect_uri,
            code_challenge=form.get("code_challenge", ""),
            code_challenge_method=form.get("code_challenge_method", ""),
        )
    )
    values = {"code": code}
    if state:
        values["state"] = state
    return _redirect(redirect_uri, values)


# --- identity -----------------------------------------------------------------------------------


@router.post("/services/oauth2/revoke")
@router.get("/services/oauth2/revoke")
async def revoke(request: Request) -> Response:
    sb = sandbox_of(request)
    params = await _params(request)
    if not sb.sessions.revoke(params.get("token", "")):
        return OAuthError("unsupported_token_type", "this token type is not supported").response()
    return Response(status_code=200)


def _identity_urls(base: str, org_id: str, user_id: str) -> dict[str, str]:
    data = f"{base}/services/data/v{{version}}"
    return {
        "enterprise": f"{base}/services/Soap/c/{{version}}/{org_id}",
        "metadata": f"{base}/services/Soap/m/{{version}}/{org_id}",
        "partner": f"{base}/services/Soap/u/{{version}}/{org_id}",
        "rest": f"{data}/",
        "sobjects": f"{data}/sobjects/",
        "search": f"{data}/search/",
        "query": f"{data}/query/",
        "recent": f"{data}/recent/",
        "tooling_soap": f"{base}/services/Soap/T/{{version}}/{org_id}",
        "tooling_rest": f"{data}/tooling/",
        "profile": f"{base}/{user_id}",
        "feeds": f"{data}/chatter/feeds",
        "groups": f"{data}/chatter/groups",
        "users": f"{data}/chatter/users",
        "feed_items": f"{data}/chatter/feed-items",
        "feed_elements": f"{data}/chatter/feed-elements",
        "custom_domain": base,
    }


def _session_user(sb: Sandbox, session: Session) -> UserInfo:
    user = sb.users.get(session.user_id)
    if user is None:
        raise OAuthError("Bad_OAuth_Token", "Session expired or invalid", status=403)
    return user


@router.get("/services/oauth2/userinfo")
@router.post("/services/oauth2/userinfo")
async def userinfo(request: Request) -> Response:
    sb = sandbox_of(request)
    session = session_of(request)
    try:
        user = _session_user(sb, session)
    except OAuthError as err:
        return err.response()
    base = base_url(request)
    return json_response(
        {
            "sub": f"{base}/id/{session.org_id}/{user.id}",
            "user_id": user.id,
            "organization_id": session.org_id,
            "preferred_username": user.username,
            "nickname": user.nickname,
            "name": user.name,
            "email": user.email,
            "email_verified": True,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "zoneinfo": user.time_zone,
            "photos": {"picture": None, "thumbnail": None},
            "profile": f"{base}/{user.id}",
            "picture": None,
            "address": {},
            "urls": _identity_urls(base, session.org_id, user.id),
            "active": user.is_active,
            "user_type": "STANDARD",
            "language": user.language,
            "locale": user.locale,
            "utcOffset": 0,
            "updated_at": user.last_modified,
            "is_app_installed": True,
        }
    )


@router.get("/id/{org_id}/{user_id}")
@router.post("/id/{org_id}/{user_id}")
async def identity(request: Request, org_id: str, user_id: str) -> Response:
    sb = sandbox_of(request)
    session = session_of(request)
    if org_id[:15] != session.org_id[:15] or user_id[:15] != session.user_id[:15]:
        return OAuthError("Bad_Id", "Bad_Id", status=403).response()
    try:
        user = _session_user(sb, session)
    except OAuthError as err:
        return err.response()
    base = base_url(request)
    return json_response(
        {
            "id": f"{base}/id/{session.org_id}/{user.id}",
            "asserted_user": True,
            "user_id": user.id,
            "organization_id": session.org_id,
            "username": user.username,
            "nick_name": user.nickname,
            "display_name": user.name,
            "email": user.email,
            "email_verified": True,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "timezone": user.time_zone,
            "photos": {"picture": None, "thumbnail": None},
            "addr_street": None,
            "addr_city": None,
            "addr_state": None,
            "addr_country": None,
            "addr_zip": None,
            "mobile_phone": None,
            "mobile_phone_verified": False,
            "is_lightning_login_user": False,
            "status": {"created_date": None, "body": None},
            "urls": _identity_urls(base, session.org_id, user.id),
            "active": user.is_active,
            "user_type": "STANDARD",
            "language": user.language,
            "locale": user.locale,
            "utcOffset": 0,
            "last_modified_date": user.last_modified,
            "is_app_installed": True,
        }
    )
