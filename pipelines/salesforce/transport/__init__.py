"""How rows leave the org: REST query/queryMore for small objects, Bulk API 2.0 for large ones.

Both yield pages as Arrow tables typed by :class:`~pipelines.salesforce.describe.ObjectSchema`
(columns named and ordered as the schema says), so the resource does not care which one ran.
"""

from pipelines.salesforce.transport.bulk import BulkUnsupported, bulk_tables
from pipelines.salesforce.transport.rest import count_rows, rest_tables

__all__ = ["BulkUnsupported", "bulk_tables", "count_rows", "rest_tables"]
