"""sfsync: declarative ELT from Salesforce into a DuckDB warehouse."""

__version__ = "0.1.0"
