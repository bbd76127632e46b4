"""A thread-safe HTTP client for one org: login, retries, token refresh, API usage and budget.

Every call the extractor makes goes through :meth:`SalesforceClient.request`, which

- logs in on first use and again when a call answers 401 ``INVALID_SESSION_ID`` (an expired
  session mid-sync), then repeats the call;
- retries 5xx, 429, timeouts and connections dropped mid-body with exponential backoff;
- reads ``Sforce-Limit-Info: api-usage=N/M`` from every answer and refuses to start a call that
  would take the org past ``budget_share`` of its daily limit, raising :class:`BudgetExceeded`
  (also raised when the org answers 403 ``REQUEST_LIMIT_EXCEEDED``);
- counts the API calls the org counts against its daily limit (``api_calls``) for the job
  audit: every call the org answered or began to answer, but not the calls it refused for an
  expired session (401) or an exhausted limit (403 ``REQUEST_LIMIT_EXCEEDED``), nor those that
  never reached it (no connection) — so that a job's figure matches the growth of
  ``Sforce-Limit-Info`` usage while it ran;
- remembers the org's clock (the ``Date`` header), so replication windows do not depend on the
  local clock.

    client = SalesforceClient(credentials)
    client.json("GET", client.data_path("/sobjects/Account/describe"))
    client.request("PUT", upload_path, data=csv_bytes, headers={"Content-Type": "text/csv"})
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_errors

from pipelines.salesforce.auth import AccessToken, login
from pipelines.salesforce.credentials import SalesforceCredentials
from pipelines.salesforce.errors import (
    BudgetExceeded,
    SalesforceApiError,
    SalesforceUnavailable,
    error_of,
)
from pipelines.salesforce.retry import RETRY_STATUSES, TRANSIENT_ERRORS, RetryPolicy

DEFAULT_API_VERSION = "62.0"
DEFAULT_BUDGET_SHARE = 0.8
_USAGE = re.compile(r"(?:^|[^-])api-usage=(\d+)/(\d+)")
_MAX_SESSION_REFRESHES = 3
# Retries with a session another thread already replaced are not logins of this call's making;
# they are bounded separately (a session can expire under many concurrent calls at once).
_MAX_STALE_SESSION_RETRIES = 20


class SalesforceClient:
    """See the module docstring. Safe to share between threads."""

    def __init__(
        self,
        credentials: SalesforceCredentials,
        *,
        api_version: str = DEFAULT_API_VERSION,
        budget_share: float = DEFAULT_BUDGET_SHARE,
        retry: RetryPolicy | None = None,
        timeout: tuple[float, float] = (15.0, 300.0),
        pool_size: int = 16,
        session: requests.Session | None = None,
    ) -> None:
        if not 0 < budget_share <= 1:
            raise ValueError(f"budget_share must be in (0, 1], got {budget_share}")
        self.credentials = credentials
        self.api_version = api_version.lstrip("v")
        self.budget_share = budget_share
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.session = session or requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self._token: AccessToken | None = None
        self._token_lock = threading.Lock()
        self._lock = threading.Lock()
        self.api_calls = 0
        self.logins = 0
        self.usage_used: int | None = None
        self.usage_limit: int | None = None
        self._in_flight = 0
        self._server_time: datetime | None = None
        self.rotated_refresh_token: str | None = None

    # --- paths -------------------------------------------------------------------------------

    def data_path(self, path: str) -> str:
        """``/sobjects`` → ``/services/data/v62.0/sobjects``."""
        return f"/services/data/v{self.api_version}{path}"

    @property
    def instance_url(self) -> str:
        return self._access().instance_url

    # --- usage -------------------------------------------------------------------------------

    @property
    def budget(self) -> int | None:
        """The most API requests (of the org's daily total) this client lets the org reach."""
        if self.usage_limit is None:
            return None
        return int(self.usage_limit * self.budget_share)

    def remaining_budget(self) -> int | None:
        """API calls this client may still make (None until the org has reported its usage)."""
        with self._lock:
            ceiling = self.budget
            if ceiling is None or self.usage_used is None:
                return None
            return max(0, ceiling - self.usage_used - self._in_flight)

    def server_time(self) -> datetime:
        """The org's clock as of the last answer (the local clock before any answer)."""
        with self._lock:
            return self._server_time or datetime.now(UTC)

    def _check_budget(self) -> None:
        with self._lock:
            ceiling = self.budget
            if ceiling is not None and self.usage_used is not None:
                projected = self.usage_used + self._in_flight + 1
                if projected > ceiling:
                    raise BudgetExceeded(self.usage_used, self.usage_limit or 0, self.budget_share)
            self._in_flight += 1

    def _note(self, response: requests.Response) -> None:
        header = response.headers.get("Sforce-Limit-Info")
        date = response.headers.get("Date")
        with self._lock:
            if header:
                match = _USAGE.search(header)
                if match:
                    used, limit = int(match.group(1)), int(match.group(2))
                    # Concurrent answers arrive out of order: keep the highest usage seen.
                    self.usage_used = max(used, self.usage_used or 0)
                    self.usage_limit = limit
            if date:
                try:
                    stamp = parsedate_to_datetime(date)
                except (TypeError, ValueError):
                    stamp = None
                if stamp is not None and (self._server_time is None or stamp > self._server_time):
                    self._server_time = stamp.astimezone(UTC)

    # --- auth --------------------------------------------------------------------------------

    def _access(self) -> AccessToken:
        token = self._token
        if token is None:
            with self._token_lock:
                if self._token is None:
                    self._token = self._login()
                token = self._token
        return token

    def _refresh(self, stale: AccessToken) -> bool:
        """Log in again unless another thread already replaced ``stale``; True if this did."""
        with self._token_lock:
            if self._token is stale or self._token is None:
                self._token = self._login()
                return True
            return False

    def _login(self) -> AccessToken:
        token = login(self.credentials, self.session, retry=self.retry, timeout=self.timeout[1])
        with self._lock:
            self.logins += 1
        if token.refresh_token:
            # The org rotated the refresh token; keep using the new one.
            self.credentials.refresh_token = token.refresh_token
            self.rotated_refresh_token = token.refresh_token
        return token

    # --- calls -------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """Send one API call (``path`` relative to the instance, or a full URL) and return the
        answer with its body read; raise on anything but success (see the module docstring).

        The body is ``json`` (serialised, ``Content-Type: application/json``) or ``data``, raw
        bytes sent as they are — a CSV upload to a Bulk ingest job, say — with the caller's
        ``Content-Type`` (``application/octet-stream`` when ``headers`` name none). Both are
        sent again unchanged when the call is retried.
        """
        if json is not None and data is not None:
            raise ValueError("pass json or data, not both")
        attempt = 0
        refreshes = stale_retries = 0
        body = orjson.dumps(json) if json is not None else data
        content_type = (
            "application/json"
            if json is not None
            else "application/octet-stream"
            if data is not None
            else None
        )
        while True:
            token = self._access()
            url = path if path.startswith(("http://", "https://")) else token.instance_url + path
            sent_headers = {"Authorization": f"Bearer {token.access_token}"}
            if content_type is not None:
                sent_headers["Content-Type"] = content_type
            if headers:
                sent_headers.update(headers)
            self._check_budget()
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=body,
                    headers=sent_headers,
                    timeout=self.timeout,
                    stream=True,
                )
                _read_body(response)  # a connection cut mid-body fails here, inside the retry
            except TRANSIENT_ERRORS as exc:
                self._finished(counted=_reached_the_org(exc))
                attempt += 1
                if attempt >= self.retry.attempts:
                    raise SalesforceUnavailable(
                        f"{method} {url.split('?', 1)[0]} failed {attempt} times; last error: {exc}"
                    ) from exc
                self.retry.sleep(attempt)
                continue
            except BaseException:
                self._finished(counted=False)
                raise
            self._note(response)
            status = response.status_code
            if status < 300:
                self._finished(counted=True)
                return response
            code, message = error_of(response)
            # The org does not count a call it refused for the session or the daily limit.
            self._finished(
                counted=status != 401 and not (status == 403 and code == "REQUEST_LIMIT_EXCEEDED")
            )
            if status == 401 and (
                refreshes < _MAX_SESSION_REFRESHES and stale_retries < _MAX_STALE_SESSION_RETRIES
            ):
                if self._refresh(token):
                    refreshes += 1
                else:
                    stale_retries += 1
                continue
            if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
                raise BudgetExceeded(
                    self.usage_used or 0,
                    self.usage_limit or 0,
                    self.budget_share,
                    detail=f"The org refused the call: {code}: {message}",
                )
            if status in RETRY_STATUSES:
                attempt += 1
                if attempt >= self.retry.attempts:
                    raise SalesforceUnavailable(
                        f"{method} {url.split('?', 1)[0]} answered HTTP {status} {attempt} times; "
                        f"last answer: {code}: {message}"
                    )
                self.retry.sleep(attempt, response.headers.get("Retry-After"))
                continue
            raise SalesforceApiError(status, code, message, url=url.split("?", 1)[0])

    def _finished(self, *, counted: bool) -> None:
        with self._lock:
            self._in_flight -= 1
            if counted:
                self.api_calls += 1

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """:meth:`request`, returning the parsed JSON body (None for an empty body)."""
        response = self.request(method, path, **kwargs)
        return orjson.loads(response.content) if response.content else None


def _read_body(response: requests.Response) -> None:
    """Read the whole body of a response sent with ``stream=True``, in as few reads as the
    socket allows.

    ``Response.content`` reads a body 10 KiB at a time, a Python round trip each: about 37,000
    of them for the 370 MB of Bulk results a 100,000-account org answers, which cost the
    extractor a CPU-second. urllib3 reads a body of known length in one call. The body is kept
    where ``Response.content`` looks for it, so callers use the response as usual; urllib3 hands
    the connection back to the pool once the body is read. urllib3's errors become requests'
    own, as ``Response.content`` would raise them, so the same ones are retried.
    """
    try:
        body = response.raw.read(decode_content=True)
    except urllib3_errors.ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    except urllib3_errors.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except urllib3_errors.ReadTimeoutError as exc:
        raise requests.ConnectionError(exc) from exc
    except urllib3_errors.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from exc
    response._content = body or b""
    response._content_consumed = True  # type: ignore[attr-defined]  # not in the type stubs


def _reached_the_org(exc: BaseException) -> bool:
    """Whether a call that failed in transit may have been counted by the org: anything but a
    connection that was never made (refused, unresolvable, timed out while connecting)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
        if isinstance(reason, urllib3_errors.NewConnectionError):
            return False
    return True
