"""The org side of a push: the extractor's client, opened on first use.

Every call goes through :class:`~pipelines.salesforce.SalesforceClient` (login, token refresh,
API usage and the budget). Two clients share the credentials:

* ``reader`` for everything that is safe to repeat (job creation, status polls, results,
  reading records back): it retries 5xx and dropped connections with backoff, as the
  extractor does;
* ``writer`` for the calls that write (sObject Collections PATCH, the Bulk upload and close):
  one attempt each. A write whose answer is lost may have landed, so the push does not repeat
  it blindly: it reads the records back, then retries only what did not land
  (:mod:`pipelines.writeback.transport`).

Nothing is opened until a call is needed, so a push with nothing to send, and every dry run,
sends no request at all.
"""

from __future__ import annotations

import threading
from datetime import datetime

import requests

from pipelines.salesforce.client import DEFAULT_API_VERSION, DEFAULT_BUDGET_SHARE, SalesforceClient
from pipelines.salesforce.credentials import SalesforceCredentials, reload_dlt_settings
from pipelines.salesforce.errors import SalesforceError
from pipelines.salesforce.retry import RetryPolicy


class NotConnected(SalesforceError):
    """No Salesforce credentials are configured."""


class OrgSession:
    """The clients of one push; ``client`` (optional) is used as the reader."""

    def __init__(self, client: SalesforceClient | None = None) -> None:
        self._reader = client
        self._reader_base = client.api_calls if client is not None else 0
        self._writer: SalesforceClient | None = None
        self._lock = threading.Lock()

    @property
    def opened(self) -> bool:
        return self._reader is not None

    @property
    def reader(self) -> SalesforceClient:
        with self._lock:
            if self._reader is None:
                self._reader = configured_client()
                self._reader_base = 0
            return self._reader

    @property
    def writer(self) -> SalesforceClient:
        reader = self.reader
        with self._lock:
            if self._writer is None:
                self._writer = SalesforceClient(
                    reader.credentials,
                    api_version=reader.api_version,
                    budget_share=reader.budget_share,
                    retry=RetryPolicy(attempts=1),
                    timeout=reader.timeout,
                )
            writer = self._writer
        # The writer starts without the org's usage figures; it must not overrun the budget
        # on its first call.
        if reader.usage_limit is not None and (writer.usage_used or 0) < (reader.usage_used or 0):
            writer.usage_used = reader.usage_used
            writer.usage_limit = reader.usage_limit
        return writer

    @property
    def api_calls(self) -> int:
        """API calls this push has sent (both clients)."""
        reader = self._reader.api_calls - self._reader_base if self._reader is not None else 0
        return reader + (self._writer.api_calls if self._writer is not None else 0)

    def data_path(self, path: str) -> str:
        return self.reader.data_path(path)

    def server_time(self) -> datetime:
        """The org's clock (the latest ``Date`` header either client saw)."""
        times = [c.server_time() for c in (self._reader, self._writer) if c is not None]
        return max(times)

    def backoff(self, attempt: int) -> None:
        self.reader.retry.sleep(attempt)

    def upload_csv(self, path: str, body: bytes) -> requests.Response:
        """``PUT`` a CSV body through the writer (one attempt)."""
        return self.writer.request("PUT", path, data=body, headers={"Content-Type": "text/csv"})


def configured_client() -> SalesforceClient:
    """A client for the org in dlt's config: ``sources.salesforce.credentials`` (secrets file
    or ``SOURCES__SALESFORCE__CREDENTIALS__*``), ``api_budget_share`` and ``api_version``."""
    import dlt
    from dlt.common.configuration import resolve_configuration
    from dlt.common.configuration.exceptions import ConfigurationException

    reload_dlt_settings()
    try:
        credentials = resolve_configuration(
            SalesforceCredentials(), sections=("sources", "salesforce", "credentials")
        )
    except ConfigurationException as exc:
        raise NotConnected(
            "no Salesforce credentials: connect the org on the wizard's Connection page, or set "
            "sources.salesforce.credentials in .dlt/secrets.toml (or the "
            f"SOURCES__SALESFORCE__CREDENTIALS__* environment variables). {exc}"
        ) from None
    share = dlt.config.get("sources.salesforce.api_budget_share", float)
    version = dlt.config.get("sources.salesforce.api_version", str)
    return SalesforceClient(
        credentials,
        api_version=version or DEFAULT_API_VERSION,
        budget_share=share or DEFAULT_BUDGET_SHARE,
    )
