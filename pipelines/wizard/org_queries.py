"""SOQL against the connected org, for the wizard's live previews and "Validate with Salesforce API".

    client = org_client(home)                 # from the refresh token in .dlt/secrets.toml
    run_soql(client, "SELECT Id, Name FROM Account LIMIT 5")      # records, as dicts
    count_soql(client, "SELECT COUNT() FROM Account WHERE Type = 'Prospect'")

Calls go through the extractor's :class:`~pipelines.salesforce.SalesforceClient` (login, token
refresh, retries, API budget). Errors come back as :class:`OrgQueryError` in Salesforce's words.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipelines.wizard.connection import (
    ConnectionFailed,
    salesforce_credentials,
    stored_credentials,
)

MAX_RECORDS = 2_000
API_VERSION = "62.0"


class OrgQueryError(RuntimeError):
    """The org refused a query or could not be reached; the message is Salesforce's."""


def org_client(home: str | Path | None = None) -> Any:
    """A :class:`~pipelines.salesforce.SalesforceClient` for the connected org (the credentials
    a sync job uses: the secrets file, overridden by environment variables).

    Raises :class:`~pipelines.wizard.connection.ConnectionFailed` when no org is connected.
    """
    from pipelines.salesforce.client import SalesforceClient
    from pipelines.salesforce.retry import RetryPolicy

    credentials = salesforce_credentials(stored_credentials())
    # A preview should answer or fail within seconds, not retry for minutes.
    return SalesforceClient(
        credentials, api_version=API_VERSION, retry=RetryPolicy(attempts=2), timeout=(5.0, 30.0)
    )


def run_soql(client: Any, soql: str, *, limit: int = MAX_RECORDS) -> list[dict[str, Any]]:
    """The records of a query (following ``nextRecordsUrl`` up to ``limit`` records)."""
    from pipelines.salesforce.errors import SalesforceError

    records: list[dict[str, Any]] = []
    try:
        page = client.json("GET", client.data_path("/query"), params={"q": soql})
        while True:
            records.extend(_plain(r) for r in page.get("records", []))
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url or len(records) >= limit:
                break
            page = client.json("GET", next_url)
    except SalesforceError as exc:
        raise OrgQueryError(str(exc)) from None
    except ConnectionFailed:
        raise
    except Exception as exc:  # a client library's own error types; the text is what matters
        raise OrgQueryError(f"{type(exc).__name__}: {exc}") from None
    return records[:limit]


def count_soql(client: Any, soql: str) -> int:
    """``totalSize`` of a ``SELECT COUNT() ...`` query."""
    from pipelines.salesforce.errors import SalesforceError

    try:
        page = client.json("GET", client.data_path("/query"), params={"q": soql})
    except SalesforceError as exc:
        raise OrgQueryError(str(exc)) from None
    return int(page.get("totalSize", 0))


def api_validator(home: str | Path | None = None) -> Callable[[str], object]:
    """A ``run_query`` for :class:`~pipelines.config.ConfigStore`: sends the probe query to the org."""
    client = org_client(home)

    def run_query(soql: str) -> object:
        return run_soql(client, soql, limit=1)

    return run_query


def _plain(record: Any) -> dict[str, Any]:
    """A record without ``attributes``; parent records (``Account.Name``) flattened to dotted keys."""
    out: dict[str, Any] = {}
    if not isinstance(record, dict):
        return out
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict) and "attributes" in value:
            for sub, sub_value in _plain(value).items():
                out[f"{key}.{sub}"] = sub_value
        else:
            out[key] = value
    return out
