"""Salesforce-style errors: errorCode, Row and Column, and the wording clients match on."""

from __future__ import annotations

import re

import pytest

from pipelines.soql import SoqlError, compile_condition, compile_query
from pipelines.soql.catalog import standard_catalog

# query, errorCode, row, column, a piece of the message text
CASES = [
    ("SELECT Id FROM Acount", "INVALID_TYPE", 1, 16, "sObject type 'Acount' is not supported. If you are attempting to use a custom object, be sure to append the '__c'"),
    ("SELECT Id, Chiffre_d_affaire__c FROM Account", "INVALID_FIELD", 1, 12, "No such column 'Chiffre_d_affaire__c' on entity 'Account'. If you are attempting to use a custom field"),
    ("SELECT Id, Owner__r.Name FROM Account", "INVALID_FIELD", 1, 12, "Didn't understand relationship 'Owner__r' in field path."),
    ("SELECT Id, Owner.Nmae FROM Account", "INVALID_FIELD", 1, 12, "No such column 'Nmae' on entity 'User'"),
    ("SELECT Id\nFROM Account\nWHERE Nme = 'x'", "INVALID_FIELD", 3, 7, "No such column 'Nme' on entity 'Account'"),
    ("SELECT Id FROM Account WHERE AnnualRevenue LIKE '5%'", "INVALID_QUERY_FILTER_OPERATOR", 1, 44, "invalid operator on currency field"),
    ("SELECT Id FROM Account WHERE Name INCLUDES ('a')", "INVALID_QUERY_FILTER_OPERATOR", 1, 35, "includes or excludes operator only valid on multipicklist field"),
    ("SELECT Id FROM Account WHERE Id LIKE '001%'", "INVALID_QUERY_FILTER_OPERATOR", 1, 33, "invalid operator on id field"),
    ("SELECT Id FROM Account WHERE Id = 'Acme'", "INVALID_QUERY_FILTER_OPERATOR", 1, 35, "invalid ID field: Acme"),
    ("SELECT Id FROM Account WHERE Name = TODAY", "INVALID_FIELD", 1, 37, "value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes"),
    ("SELECT Id FROM Opportunity WHERE CloseDate = '2024-01-01'", "INVALID_FIELD", 1, 46, "value of filter criterion for field 'CloseDate' must be of type date and should not be enclosed in quotes"),
    ("SELECT Id FROM Account WHERE CreatedDate > 2024-01-01", "INVALID_FIELD", 1, 44, "field 'CreatedDate' must be of type dateTime"),
    ("SELECT Id FROM Account WHERE AnnualRevenue > 'big'", "INVALID_FIELD", 1, 46, "field 'AnnualRevenue' must be of type double and should not be enclosed in quotes"),
    ("SELECT Id FROM Account WHERE IsDeleted = 'true'", "INVALID_FIELD", 1, 42, "must be of type boolean"),
    ("SELECT Id FROM Account OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", 1, 31, "Maximum SOQL offset allowed is 2000"),
    ("SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Industry = 'c'", "MALFORMED_QUERY", 1, 56, "unexpected token: 'OR'"),
    ("SELECT Id FROM Account WHERE (Name = 'a' OR Type = 'b') AND Industry = 'c' OR Id = null", "MALFORMED_QUERY", 1, 76, "unexpected token: 'OR'"),
    ("SELECT Id FROM Account WHERE Name = 'bad \\q'", "MALFORMED_QUERY", 1, 42, "Invalid Escape Character"),
    ("SELECT Id FROM Account WHERE Name = 'pct\\%'", "MALFORMED_QUERY", 1, 37, "Invalid Escape Character"),
    ("SELECT Id FROM Account WHERE OwnerId IN (SELECT AccountId FROM Contact)", "MALFORMED_QUERY", 1, 49, "should point to the same object type"),
    ("SELECT Id, Name, id FROM Account", "INVALID_FIELD", 1, 18, "duplicate field selected: Id"),
    ("SELECT Name, COUNT(Id) FROM Account", "MALFORMED_QUERY", 1, 8, "Field must be grouped or aggregated: Name"),
    ("SELECT Id FROM Account WHERE Description = 'x'", "INVALID_FIELD", 1, 30, "field 'Description' can not be filtered in a query call"),
    ("SELECT Id FROM Account WHERE CreatedDate > 2024-01-01T00:00:00", "MALFORMED_QUERY", 1, 63, "no viable alternative at character '<EOF>'"),
    ("SELECT Id FROM Account WHERE CreatedDate > 2020-12-12t12:12:00-25:00", "MALFORMED_QUERY", 1, 44, "Invalid datetime: 2020-12-12t12:12:00-25:00"),
    ("SELECT Id FROM Account WHERE Name = :name", "MALFORMED_QUERY", 1, 37, "Bind variables only allowed in Apex code"),
    ("SELECT Id FROM Account WHERE Name LIKE NULL", "MALFORMED_QUERY", 1, 40, "unexpected token: 'NULL'"),
    ("SELECT Id FROM Account WHERE ParentId IN ()", "MALFORMED_QUERY", 1, 43, "unexpected token: 'ParentId IN ()'"),
    ("SELECT Id FROM Account WHERE Name NOT LIKE 'a'", "MALFORMED_QUERY", 1, 39, "unexpected token: 'LIKE'"),
    ("SELECT COUNT(), Name FROM Account", "MALFORMED_QUERY", 1, 17, "COUNT() must be the only element in the SELECT list"),
    ("SELECT Id FROM Account WITH SECURITY_ENFORCED", "MALFORMED_QUERY", 1, 29, "rule soqlWithIdentifierClause failed predicate"),
    ("SELECT Id FROM Account WHERE Name = 2024-02-30", "MALFORMED_QUERY", 1, 37, "Invalid date: 2024-02-30"),
    ("SELECT Id FROM Account WHERE Name = 'a' OR Id IN (SELECT AccountId FROM Contact)", "MALFORMED_QUERY", 1, 44, "Semi join sub-selects are not allowed with the 'OR' operator"),
    ("SELECT Id FROM Account WHERE CALENDAR_YEAR(CreatedDate) = THIS_YEAR", "MALFORMED_QUERY", 1, 59, "Date functions cannot be compared with date literals"),
    ("SELECT Name, (SELECT Id FROM Kontacts) FROM Account", "INVALID_TYPE", 1, 30, "Didn't understand relationship 'Kontacts' in FROM part of query call"),
    ("SELECT Id FROM Account WHERE Name $ 'x'", "MALFORMED_QUERY", 1, 35, "line 1:34 unexpected token: '$'"),
    ("SELECT FIELDS(ALL) FROM Account", "MALFORMED_QUERY", 1, 8, "The SOQL FIELDS function must have a LIMIT of at most 200"),
    ("SELECT SUM(Name) FROM Account", "MALFORMED_QUERY", 1, 12, "field Name does not support aggregate operator SUM"),
    ("SELECT FROM Account", "MALFORMED_QUERY", 1, 8, "unexpected token: 'FROM'"),
    ("SELECT Id FROM Account LIMIT", "MALFORMED_QUERY", 1, 29, "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Account OFFSET 5 LIMIT 10", "MALFORMED_QUERY", 1, 33, "unexpected token: 'LIMIT'"),
    ("SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:5.5", "MALFORMED_QUERY", 1, 56, "expecting INTEGER_LITERAL"),
    ("SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS", "MALFORMED_QUERY", 1, 44, "Date literal LAST_N_DAYS needs a number"),
    ("SELECT Id FROM Account WHERE Amount > USD5000", "INVALID_FIELD", 1, 30, "No such column 'Amount' on entity 'Account'"),
    ("SELECT Id FROM Account WHERE NumberOfEmployees > USD5000", "INVALID_FIELD", 1, 50, "must be of type integer"),
    ("SELECT Id FROM Opportunity WHERE Account.Id IN (SELECT AccountId FROM Contact)", "MALFORMED_QUERY", 1, 34, "cannot traverse relationships"),
    ("SELECT Id FROM Account WHERE NOT NOT Name = 'a'", "MALFORMED_QUERY", 1, 34, "unexpected token: 'NOT'"),
    ("SELECT Id FROM Account WHERE Name = \"x\"", "MALFORMED_QUERY", 1, 37, "unexpected token: '\"'"),
    ("SELECT Id FROM Account ORDER BY Description", "INVALID_FIELD", 1, 33, "field 'Description' can not be sorted in a query call"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "code", "row", "column", "text"), CASES, ids=[c[0][:60] for c in CASES]
)
def test_error(query: str, code: str, row: int, column: int, text: str) -> None:
    with pytest.raises(SoqlError) as info:
        compile_query(query, standard_catalog())
    err = info.value
    assert (err.code, err.line, err.column) == (code, row, column), err.message
    assert text in err.message
    # The REST shape clients parse with a regex: excerpt, caret, location line, text.
    match = re.fullmatch(
        r"\n(.*)\n( *)\^\nERROR at Row:(\d+):Column:(\d+)\n(.+)", err.message, re.DOTALL
    )
    assert match is not None, err.message
    assert (int(match.group(3)), int(match.group(4))) == (row, column)
    line = query.split("\n")[row - 1]
    excerpt, caret = match.group(1), len(match.group(2))
    assert line[column - 1 :].startswith(excerpt[caret:][:5]) or column > len(line)
    assert err.to_rest() == [{"message": err.message, "errorCode": code}]


def test_query_over_the_length_limit() -> None:
    query = "SELECT Id FROM Account WHERE Name = '" + "x" * 100_000 + "'"
    with pytest.raises(SoqlError) as info:
        compile_query(query)
    assert info.value.code == "MALFORMED_QUERY"
    assert "100,000 characters" in info.value.message


def test_string_literal_over_4000_characters() -> None:
    with pytest.raises(SoqlError, match="limited to 4000 characters"):
        compile_condition("Name = '" + "y" * 4001 + "'", "Account")


def test_condition_errors_point_into_the_admins_text() -> None:
    with pytest.raises(SoqlError) as info:
        compile_condition("Type = 'Customer' AND\n  Foo__c = 1", "Account")
    assert (info.value.code, info.value.line, info.value.column) == ("INVALID_FIELD", 2, 3)
    with pytest.raises(SoqlError) as info:
        compile_condition("", "Account")
    assert info.value.code == "MALFORMED_QUERY"
    with pytest.raises(SoqlError) as info:
        compile_condition("Name = 'x'", "Acount")
    assert info.value.code == "INVALID_TYPE"


def test_long_lines_get_a_window_around_the_caret() -> None:
    query = (
        "SELECT "
        + ", ".join(["Id"] + ["Name"] * 0 + [f"Field{i}__c" for i in range(1)])
        + " FROM Account WHERE "
        + " AND ".join(f"Name != 'n{i}'" for i in range(20))
        + " AND Bogus__c = 1"
    )
    with pytest.raises(SoqlError) as info:
        compile_query(query)
    first = info.value.message.split("\n")
    assert len(first[1]) <= 80
    assert (
        first[1][len(first[2]) - 1 :].startswith("Field0__c")
        or "ERROR at Row:1:Column:12" in info.value.message
    )
