"""What can go wrong talking to Salesforce, as exceptions a user can act on.

Every error carries Salesforce's own words (``errorCode`` and ``message``) so the job audit and
the CLI can show them unchanged.
"""

from __future__ import annotations

from typing import Any

import requests


class SalesforceError(Exception):
    """Base class of everything this package raises about the org."""


class AuthenticationError(SalesforceError):
    """Logging in failed: wrong credentials, an unknown client id, an unreachable login URL."""


class SalesforceApiError(SalesforceError):
    """An API call answered with an error that retrying will not fix (4xx other than 401/403-limit).

    ``status`` is the HTTP status, ``code`` Salesforce's ``errorCode`` (``INVALID_FIELD``,
    ``MALFORMED_QUERY``…) and ``message`` its message, verbatim.
    """

    def __init__(self, status: int, code: str, message: str, *, url: str = "") -> None:
        self.status = status
        self.code = code
        self.message = message
        self.url = url
        super().__init__(f"{code}: {message}" if code else message)

    @classmethod
    def from_response(cls, response: requests.Response) -> SalesforceApiError:
        code, message = error_of(response)
        return cls(response.status_code, code, message, url=_path_of(response.url))


class SalesforceUnavailable(SalesforceError):
    """The org kept failing (5xx, timeouts, dropped connections) after every retry."""


class BudgetExceeded(SalesforceError):
    """The run stopped before using more than its share of the org's daily API requests.

    ``used`` and ``limit`` are the org's ``api-usage`` figures from ``Sforce-Limit-Info`` (or
    the 403 ``REQUEST_LIMIT_EXCEEDED`` answer); ``share`` is the configured ceiling.
    """

    def __init__(self, used: int, limit: int, share: float, *, detail: str = "") -> None:
        self.used = used
        self.limit = limit
        self.share = share
        ceiling = int(limit * share)
        text = (
            f"API budget reached: the org has used {used} of its {limit} daily API requests and "
            f"this sync stops at {share:.0%} ({ceiling}). Data synced so far is kept; the next "
            "run continues from there once the org's 24-hour usage has dropped, or raise "
            "sources.salesforce.api_budget_share."
        )
        super().__init__(f"{text} {detail}".strip())


def error_of(response: requests.Response) -> tuple[str, str]:
    """``(errorCode, message)`` of an error answer, whatever envelope the API used."""
    try:
        body: Any = response.json()
    except ValueError:
        text = response.text.strip()
        return f"HTTP_{response.status_code}", text[:500] or response.reason or ""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        first = body[0]
        code = first.get("errorCode") or first.get("statusCode") or ""
        return str(code), str(first.get("message", ""))
    if isinstance(body, dict):
        if "error" in body:  # OAuth
            return str(body["error"]), str(body.get("error_description", ""))
        if "exceptionCode" in body:  # Bulk API 1.0
            return str(body["exceptionCode"]), str(body.get("exceptionMessage", ""))
        if "errorCode" in body:
            return str(body["errorCode"]), str(body.get("message", ""))
    return f"HTTP_{response.status_code}", str(body)[:500]


def _path_of(url: str) -> str:
    # Query strings can hold long SOQL; the path is enough to say which call failed.
    return url.split("?", 1)[0]
