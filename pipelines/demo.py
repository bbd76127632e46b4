"""``make demo``: show what sfsync can do on this machine, with no Salesforce org.

Today the demo exercises the SOQL engine: it validates example admin filters against the
built-in catalog of standard objects, compiles them to DuckDB and Postgres SQL, and shows the
Salesforce-style error an admin gets for a broken filter. The sandbox org, the sync and the
wizard join the demo as they are built.
"""

from __future__ import annotations

import sys

from pipelines.soql import SoqlError, compile_condition, compile_query

EXAMPLE_FILTERS = [
    (
        "Account",
        "Type = 'Customer - Direct' AND AnnualRevenue > 1000000 AND CreatedDate = LAST_N_DAYS:365",
    ),
    ("Opportunity", "IsClosed = true AND IsWon = true AND CloseDate = THIS_FISCAL_YEAR"),
    ("Case", "Status != 'Closed' AND (Priority = 'High' OR Origin IN ('Email', 'Web'))"),
]
EXAMPLE_QUERY = (
    "SELECT Name, Owner.Name, (SELECT LastName, Email FROM Contacts ORDER BY LastName LIMIT 3) "
    "FROM Account WHERE Industry LIKE 'Tech%' ORDER BY AnnualRevenue DESC NULLS LAST LIMIT 10"
)
BROKEN = "Type = 'Customer' AND AnualRevenue > 5 OR Industry = 'Energy'"


def main() -> int:
    print("sfsync demo: the SOQL engine (the sandbox org, sync and wizard are not built yet)\n")
    for obj, text in EXAMPLE_FILTERS:
        print(f"{obj} filter:  {text}")
        for dialect in ("duckdb", "postgres"):
            compiled = compile_condition(text, obj, dialect=dialect, table_alias=obj.lower()[:3])
            print(f"  {dialect:9}→ {compiled.sql}")
        print()
    print(f"Query:  {EXAMPLE_QUERY}")
    compiled_query = compile_query(EXAMPLE_QUERY)
    print(f"  duckdb → {compiled_query.sql}")
    for child in compiled_query.children:
        print(f"  child {child.relationship} → {child.query.sql}")
    print(f"\nA broken filter:  {BROKEN}")
    try:
        compile_condition(BROKEN, "Account")
    except SoqlError as err:
        print(f"  {err.code}: {err.message}")
    print('\nTry it yourself:  .venv/bin/sfsync soql check "SELECT Id FROM Acount"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
