"""The sandbox org: a local Salesforce-compatible API server backed by DuckDB.

``sfsync sandbox start`` serves a generated demo org (or one loaded from a directory of CSV
files) over the REST, Bulk API 2.0, SOAP login and OAuth wire formats, so sfsync runs, demos and
is tested with no Salesforce org. See ``server.py`` for the entry points.
"""
