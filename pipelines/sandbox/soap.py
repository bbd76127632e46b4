"""The SOAP ``login`` call (partner and enterprise endpoints) that username/password clients use.

simple_salesforce's ``Salesforce(username=, password=, security_token=)`` and jsforce's
``login()`` without a client id post a ``<login>`` envelope to ``/services/Soap/u/{version}``
and read ``sessionId``, ``serverUrl``, ``userId`` and ``userInfo/organizationId`` from the
answer; simple_salesforce takes the instance's host:port from ``serverUrl``. Bad credentials
get HTTP 500 with an ``INVALID_LOGIN`` fault, as on a real org. Other SOAP calls get a
``sf:UNKNOWN_EXCEPTION`` fault (``logout`` aside): the sandbox org speaks REST.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from starlette.responses import Response

from pipelines.sandbox.context import base_url, sandbox_of

router = APIRouter()

_XML_TYPE = "text/xml;charset=UTF-8"
_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns="urn:partner.soap.sforce.com" xmlns:sf="urn:fault.partner.soap.sforce.com" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
)
INVALID_LOGIN = "Invalid username, password, security token; or user locked out."


def _fault(code: str, message: str, status: int = 500) -> Response:
    body = (
        "<soapenv:Fault>"
        f"<faultcode>sf:{code}</faultcode><faultstring>{code}: {escape(message)}</faultstring>"
        '<detail><sf:LoginFault xsi:type="sf:LoginFault">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        "</sf:LoginFault></detail></soapenv:Fault>"
    )
    return Response(_ENVELOPE.format(body=body), status_code=status, media_type=_XML_TYPE)


def _envelope_fields(payload: bytes) -> tuple[str, dict[str, str]] | None:
    """The operation of a SOAP envelope and its username/password/sessionId; None if not XML."""
    try:
        root = ET.fromstring(payload)
    except ET.ParseError:
        return None
    operation = ""
    values: dict[str, str] = {}
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if (
            local in ("login", "logout", "getUserInfo", "query", "describeSObjects")
            and not operation
        ):
            operation = local
        if local in ("username", "password", "sessionId"):
            values[local] = element.text or ""
    return operation, values


@router.post("/services/Soap/{kind}/{version}")
@router.post("/services/Soap/{kind}/{version}/{org}")
async def soap(request: Request, kind: str, version: str) -> Response:
    sb = sandbox_of(request)
    parsed = _envelope_fields(await request.body())
    if parsed is None:
        return _fault("INVALID_REQUEST", "The request body is not a SOAP envelope.")
    operation, values = parsed
    if operation == "logout":
        sb.sessions.revoke(values.get("sessionId", ""))
        return Response(_ENVELOPE.format(body="<logoutResponse/>"), media_type=_XML_TYPE)
    if operation != "login":
        return _fault(
            "UNKNOWN_EXCEPTION", f"The sandbox org does not implement SOAP {operation or 'calls'}."
        )
    username, password = values.get("username", ""), values.get("password", "")
    user = sb.users.find(username)
    if user is None or not sb.options.credentials.password_matches(password):
        return _fault("INVALID_LOGIN", INVALID_LOGIN)
    session = sb.sessions.issue(user.id, user.username, "soap", sb.faults.settings.token_ttl)
    base = base_url(request)
    org = session.org_id
    settings = sb.store.settings
    result = (
        "<loginResponse><result>"
        f"<metadataServerUrl>{base}/services/Soap/m/{escape(version)}/{org[:15]}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired>"
        "<sandbox>false</sandbox>"
        f"<serverUrl>{base}/services/Soap/{escape(kind)}/{escape(version)}/{org[:15]}</serverUrl>"
        f"<sessionId>{session.token}</sessionId>"
        f"<userId>{user.id}</userId>"
        "<userInfo>"
        "<accessibilityMode>false</accessibilityMode>"
        "<chatterExternal>false</chatterExternal>"
        "<currencySymbol>$</currencySymbol>"
        f"<orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit>"
        f"<orgDefaultCurrencyIsoCode>{escape(settings.corporate_currency)}</orgDefaultCurrencyIsoCode>"
        "<orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments>"
        "<orgHasPersonAccounts>false</orgHasPersonAccounts>"
        f"<organizationId>{org}</organizationId>"
        "<organizationMultiCurrency>"
        f"{'true' if settings.multi_currency else 'false'}"
        "</organizationMultiCurrency>"
        f"<organizationName>{escape(settings.org_name)}</organizationName>"
        "<profileId>00eSB0000000001AAA</profileId>"
        '<roleId xsi:nil="true"/>'
        f"<sessionSecondsValid>{sb.faults.settings.token_ttl}</sessionSecondsValid>"
        f'<userDefaultCurrencyIsoCode xsi:nil="true"/>'
        f"<userEmail>{escape(user.email)}</userEmail>"
        f"<userFullName>{escape(user.name)}</userFullName>"
        f"<userId>{user.id}</userId>"
        f"<userLanguage>{escape(user.language)}</userLanguage>"
        f"<userLocale>{escape(user.locale)}</userLocale>"
        f"<userName>{escape(user.username)}</userName>"
        f"<userTimeZone>{escape(user.time_zone)}</userTimeZone>"
        "<userType>Standard</userType>"
        "<userUiSkin>Theme3</userUiSkin>"
        "</userInfo>"
        "</result></loginResponse>"
    )
    return Response(_ENVELOPE.format(body=result), media_type=_XML_TYPE)
