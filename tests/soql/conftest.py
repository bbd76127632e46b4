"""pytest fixtures for the SOQL engine tests; the rows and helpers live in ``soql_fixtures``."""

from soql_fixtures import catalog, db, run_query

__all__ = ["catalog", "db", "run_query"]
