"""The dlt source for Salesforce, and the extract-and-load step of sfsync's sync jobs.

Laid out by stage: credentials and login (:mod:`.credentials`, :mod:`.auth`), the HTTP client
with retries, token refresh and the API budget (:mod:`.client`), describe → typed columns
(:mod:`.describe`), what to pull (:mod:`.selection`), how (:mod:`.transport`: REST and Bulk API
2.0 → Arrow), when (:mod:`.plan`: full or incremental), deletes (:mod:`.deletes`), the resources
and the source (:mod:`.resources`, :mod:`.source`) and sfsync's run (:mod:`.extract`).

    >>> from pipelines.salesforce import run_extract
    >>> result = run_extract(Path("data"))            # credentials from .dlt/secrets.toml
    >>> result.rows_per_object["Account"]
"""

from pipelines.salesforce.client import SalesforceClient
from pipelines.salesforce.credentials import SalesforceCredentials
from pipelines.salesforce.errors import (
    AuthenticationError,
    BudgetExceeded,
    SalesforceApiError,
    SalesforceError,
    SalesforceUnavailable,
)
from pipelines.salesforce.extract import ExtractFailed, ExtractResult, run_extract, sfsync_pipeline
from pipelines.salesforce.selection import (
    DEFAULT_OBJECTS,
    FieldSelection,
    Selection,
    selection_from_config,
)
from pipelines.salesforce.source import salesforce_source

__all__ = [
    "DEFAULT_OBJECTS",
    "AuthenticationError",
    "BudgetExceeded",
    "ExtractFailed",
    "ExtractResult",
    "FieldSelection",
    "SalesforceApiError",
    "SalesforceClient",
    "SalesforceCredentials",
    "SalesforceError",
    "SalesforceUnavailable",
    "Selection",
    "run_extract",
    "salesforce_source",
    "selection_from_config",
    "sfsync_pipeline",
]
