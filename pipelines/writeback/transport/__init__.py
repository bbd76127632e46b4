"""How records reach Salesforce: sObject Collections (:mod:`.collections`) and Bulk API 2.0
ingest jobs (:mod:`.bulk`), plus reading records back to see what landed (:func:`read_back`)."""

from pipelines.writeback.transport.collections import BatchNotSent, read_back

__all__ = ["BatchNotSent", "read_back"]
