"""Logging in: each OAuth flow (and the SOAP ``login`` call) turned into an access token.

:func:`login` picks the flow from :meth:`SalesforceCredentials.flow` and returns an
:class:`AccessToken` with the instance URL the org answered with, so a My Domain, a sandbox or
the local sandbox org at ``http://127.0.0.1:PORT`` all work the same way::

    token = login(credentials, requests.Session())
    token.instance_url   # "https://acme.my.salesforce.com"
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import requests

from pipelines.salesforce.credentials import SalesforceCredentials
from pipelines.salesforce.errors import AuthenticationError, SalesforceUnavailable, error_of
from pipelines.salesforce.retry import RETRY_STATUSES, TRANSIENT_ERRORS, RetryPolicy

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SOAP_VERSION = "59.0"
JWT_LIFETIME_S = 180


@dataclass(frozen=True)
class AccessToken:
    access_token: str
    instance_url: str
    flow: str
    refresh_token: str | None = None
    """A rotated refresh token, when the org returned a new one."""


def login(
    credentials: SalesforceCredentials,
    session: requests.Session,
    *,
    retry: RetryPolicy | None = None,
    timeout: float = 60.0,
) -> AccessToken:
    """Log in with the flow ``credentials`` select; raise :class:`AuthenticationError` if refused."""
    flow = credentials.flow()
    base = credentials.login_url.rstrip("/")
    if flow == "soap":
        return _soap_login(credentials, session, retry or RetryPolicy(), timeout)
    form: dict[str, str] = {}
    if flow == "refresh_token":
        form = {"grant_type": "refresh_token", "refresh_token": str(credentials.refresh_token)}
        form.update(_client(credentials, secret_required=False))
    elif flow == "jwt_bearer":
        form = {"grant_type": JWT_GRANT, "assertion": jwt_assertion(credentials)}
    elif flow == "password":
        form = {
            "grant_type": "password",
            "username": str(credentials.username),
            "password": str(credentials.password) + str(credentials.security_token or ""),
        }
        form.update(_client(credentials, secret_required=True))
    else:
        form = {"grant_type": "client_credentials"}
        form.update(_client(credentials, secret_required=True))
    response = _post(session, f"{base}/services/oauth2/token", retry, timeout, data=form)
    if response.status_code != 200:
        code, message = error_of(response)
        raise AuthenticationError(
            f"Salesforce login ({_FLOW_NAMES[flow]}) at {base} failed: {code}: {message}"
        )
    body = response.json()
    instance = str(body.get("instance_url") or "").rstrip("/")
    if not body.get("access_token") or not instance:
        raise AuthenticationError(f"Salesforce login at {base} answered without a token: {body}")
    rotated = body.get("refresh_token")
    return AccessToken(
        str(body["access_token"]),
        instance,
        flow,
        rotated if rotated and rotated != credentials.refresh_token else None,
    )


_FLOW_NAMES = {
    "refresh_token": "OAuth refresh token",
    "jwt_bearer": "OAuth JWT bearer",
    "password": "OAuth username-password",
    "soap": "SOAP username-password",
    "client_credentials": "OAuth client credentials",
}


def _client(credentials: SalesforceCredentials, *, secret_required: bool) -> dict[str, str]:
    out = {"client_id": str(credentials.client_id)}
    if credentials.client_secret or secret_required:
        out["client_secret"] = str(credentials.client_secret or "")
    return out


def jwt_assertion(credentials: SalesforceCredentials, *, now: float | None = None) -> str:
    """The RS256-signed assertion of the JWT bearer flow (``iss`` consumer key, ``sub`` user)."""
    import jwt  # PyJWT; only this flow needs it

    issued = int(now if now is not None else time.time())
    claims = {
        "iss": credentials.client_id,
        "sub": credentials.username,
        "aud": jwt_audience(credentials.login_url),
        "exp": issued + JWT_LIFETIME_S,
    }
    return jwt.encode(claims, _private_key_text(str(credentials.private_key)), algorithm="RS256")


def jwt_audience(login_url: str) -> str:
    """Salesforce wants login.salesforce.com (production, My Domain) or test.salesforce.com
    (sandboxes) as the audience; any other host (the local sandbox org) is its own audience."""
    host = (urlsplit(login_url).hostname or "").lower()
    if host.endswith(".salesforce.com"):
        sandbox = host.startswith("test.") or ".sandbox." in host or "--" in host
        return "https://test.salesforce.com" if sandbox else "https://login.salesforce.com"
    return login_url.rstrip("/")


def _private_key_text(value: str) -> str:
    """The PEM itself, or the contents of the file it names."""
    if "-----BEGIN" in value:
        return value.replace("\\n", "\n")
    path = Path(value).expanduser()
    if not path.is_file():
        raise AuthenticationError(
            "sources.salesforce.credentials.private_key must be a PEM private key or the path "
            f"of a file holding one; {value[:40]!r} is neither"
        )
    return path.read_text(encoding="utf-8")


_SOAP_ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:urn="urn:partner.soap.sforce.com">'
    "<env:Body><urn:login><urn:username>{username}</urn:username>"
    "<urn:password>{password}</urn:password></urn:login></env:Body></env:Envelope>"
)


def _soap_login(
    credentials: SalesforceCredentials,
    session: requests.Session,
    retry: RetryPolicy,
    timeout: float,
) -> AccessToken:
    base = credentials.login_url.rstrip("/")
    body = _SOAP_ENVELOPE.format(
        username=escape(str(credentials.username)),
        password=escape(str(credentials.password) + str(credentials.security_token or "")),
    )
    response = _post(
        session,
        f"{base}/services/Soap/u/{SOAP_VERSION}",
        retry,
        timeout,
        data=body.encode("utf-8"),
        headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"},
    )
    values = _soap_values(response.content, ("sessionId", "serverUrl", "faultstring"))
    if response.status_code != 200 or "sessionId" not in values:
        reason = values.get("faultstring") or response.text[:300]
        raise AuthenticationError(
            f"Salesforce login (SOAP username-password) at {base} failed: {reason}"
        )
    server = urlsplit(values["serverUrl"])
    return AccessToken(values["sessionId"], f"{server.scheme}://{server.netloc}", "soap")


def _soap_values(payload: bytes, names: tuple[str, ...]) -> dict[str, str]:
    try:
        root = ET.fromstring(payload)
    except ET.ParseError:
        return {}
    found: dict[str, str] = {}
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local in names and local not in found:
            found[local] = (element.text or "").strip()
    return found


def _post(
    session: requests.Session,
    url: str,
    retry: RetryPolicy | None,
    timeout: float,
    **kwargs: object,
) -> requests.Response:
    policy = retry or RetryPolicy()
    for attempt in range(1, policy.attempts + 1):
        try:
            response = session.post(url, timeout=timeout, **kwargs)  # type: ignore[arg-type]
        except TRANSIENT_ERRORS as exc:
            if attempt == policy.attempts:
                raise SalesforceUnavailable(f"cannot reach {url}: {exc}") from exc
            policy.sleep(attempt)
            continue
        if response.status_code in RETRY_STATUSES and attempt < policy.attempts:
            policy.sleep(attempt, response.headers.get("Retry-After"))
            continue
        return response
    raise AssertionError("unreachable")
