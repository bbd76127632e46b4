"""Every input is either compiled or rejected with a SoqlError, never another exception.

Hypothesis builds random token soups from SOQL's own vocabulary and mutates valid queries
(deleting, duplicating and swapping tokens, cutting the text short). The seed is fixed so CI is
reproducible; a failure prints the input that broke the engine.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from pipelines.soql import (
    DateContext,
    SoqlError,
    compile_condition,
    compile_query,
    parse_query,
    to_soql,
)
from pipelines.soql.catalog import standard_catalog

VALID = [
    "SELECT Id, Name, Owner.Name FROM Account WHERE Type = 'Customer' AND AnnualRevenue > 1000",
    "SELECT Name, (SELECT LastName FROM Contacts WHERE Email != null LIMIT 5) FROM Account ORDER BY Name DESC NULLS LAST",
    "SELECT COUNT() FROM Contact WHERE CreatedDate = LAST_N_DAYS:30",
    "SELECT StageName, SUM(Amount) total FROM Opportunity GROUP BY StageName HAVING SUM(Amount) > 100",
    "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE IsWon = true) LIMIT 10 OFFSET 5",
    "SELECT CALENDAR_YEAR(CloseDate), COUNT(Id) FROM Opportunity GROUP BY ROLLUP(CALENDAR_YEAR(CloseDate))",
    "SELECT Id FROM Case WHERE Status NOT IN ('Closed') AND (Priority = 'High' OR Origin LIKE 'We%')",
    "SELECT Subject, Parent.Subject FROM Case WHERE CreatedDate > 2024-01-01T00:00:00Z AND IsClosed = false",
    "SELECT toLabel(StageName), FORMAT(Amount) amt FROM Opportunity WHERE Amount > USD5000 FOR VIEW",
    "SELECT Name FROM Account WHERE NOT Name LIKE 'a\\%%' AND BillingCity IN ('Paris', null)",
]
CONDITIONS = [
    "Type = 'Customer' AND AnnualRevenue > 1000",
    "(Industry = 'Energy' OR Industry = null) AND CreatedDate = THIS_FISCAL_QUARTER",
    "NOT (Name LIKE 'x%') AND NumberOfEmployees >= -5 AND Owner.Name != 'Ada'",
    "Id IN (SELECT AccountId FROM Contact WHERE LastName = 'Smith')",
]
WORDS = [
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "INCLUDES",
    "EXCLUDES",
    "NULL",
    "TRUE",
    "FALSE",
    "GROUP",
    "BY",
    "ORDER",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "LAST",
    "WITH",
    "USING",
    "SCOPE",
    "FOR",
    "VIEW",
    "UPDATE",
    "TYPEOF",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "COUNT",
    "SUM",
    "MAX",
    "CALENDAR_YEAR",
    "FIELDS",
    "ALL",
    "ROLLUP",
    "CUBE",
    "convertTimezone",
    "toLabel",
    "DISTANCE",
    "GEOLOCATION",
    "Id",
    "Name",
    "Type",
    "Owner",
    "Account",
    "Contact",
    "Opportunity",
    "Contacts",
    "AnnualRevenue",
    "CreatedDate",
    "CloseDate",
    "IsDeleted",
    "Amount",
    "OwnerId",
    "AccountId",
    "LAST_N_DAYS",
    "TODAY",
    "THIS_FISCAL_YEAR",
    "N_DAYS_AGO",
    "Foo__c",
    "Bar__r",
]
PUNCT = ["(", ")", ",", ".", ":", "=", "!=", "<>", "<", ">=", ";", "'x'", "'a\\%'", "'\\q'", "''", "5", "-2.5",
         ".5", "2024-01-01", "2024-02-30", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00", "USD50", "EUR-3",
         "$", "\"q\"", "'unterminated", "\\", "9" * 30, ":90", "\n"]  # fmt: skip
TOKENS = st.sampled_from(WORDS + PUNCT)


def _engine(text: str) -> None:
    catalog = standard_catalog()
    for run in (
        lambda: compile_query(text, catalog),
        lambda: compile_condition(text, "Account", catalog),
        lambda: compile_query(text, catalog, dialect="postgres", include_deleted=True),
    ):
        try:
            run()
        except SoqlError as err:
            assert err.code and err.message
            if err.pos is not None:
                assert f"ERROR at Row:{err.line}:Column:{err.column}" in err.message


FUZZ = settings(
    max_examples=1500,
    deadline=None,
    derandomize=False,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@seed(20261126)
@FUZZ
@given(st.lists(TOKENS, min_size=1, max_size=30))
def test_token_soup(tokens: list[str]) -> None:
    _engine(" ".join(tokens))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    base = draw(st.sampled_from(VALID + CONDITIONS))
    parts = base.split(" ")
    for _ in range(draw(st.integers(1, 4))):
        action = draw(
            st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate", "char"])
        )
        i = draw(st.integers(0, len(parts) - 1))
        if action == "delete" and len(parts) > 1:
            parts.pop(i)
        elif action == "duplicate":
            parts.insert(i, parts[i])
        elif action == "swap":
            j = draw(st.integers(0, len(parts) - 1))
            parts[i], parts[j] = parts[j], parts[i]
        elif action == "insert":
            parts.insert(i, draw(TOKENS))
        elif action == "truncate":
            parts = parts[: i + 1]
        elif action == "char" and parts[i]:
            k = draw(st.integers(0, len(parts[i]) - 1))
            parts[i] = (
                parts[i][:k] + draw(st.sampled_from("()',.:=<>!%_\\$Z-T ")) + parts[i][k + 1 :]
            )
    return " ".join(parts)


@seed(20261126)
@FUZZ
@given(mutated())
def test_mutated_queries(text: str) -> None:
    _engine(text)


@seed(7)
@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=80))
def test_arbitrary_text(text: str) -> None:
    _engine(text)


@pytest.mark.parametrize("text", VALID)
def test_valid_queries_compile_and_print_back(text: str) -> None:
    ctx = DateContext(now=datetime(2024, 5, 1, 12, tzinfo=UTC))
    compiled = compile_query(text, standard_catalog(), date_context=ctx)
    assert compiled.sql.startswith("SELECT")
    canonical = to_soql(parse_query(text))
    assert to_soql(parse_query(canonical)) == canonical
    assert compile_query(canonical, standard_catalog(), date_context=ctx).sql == compiled.sql
