"""Bulk 2.0 results pages of changing sizes, and pages fetched again, hold the same rows as
one page of the whole result — also when values hold line breaks and quotes."""

from __future__ import annotations

import csv
import io
from typing import Any

SOQL = "SELECT Id, CommentBody, IsPublished FROM CaseComment ORDER BY Id"


def _results(http: Any, org: Any, job_id: str, **params: Any) -> Any:
    answer = http.get(org.api(f"/jobs/query/{job_id}/results"), params=params, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer


def test_pages_of_changing_sizes_match_the_whole_result(org: Any) -> None:
    http = org.http()
    job = http.post(
        org.api("/jobs/query"), json={"operation": "query", "query": SOQL}, timeout=30
    ).json()
    whole = _results(http, org, job["id"], maxRecords=1_000_000)
    assert whole.headers["Sforce-Locator"] == "null"
    expected = list(csv.reader(io.StringIO(whole.text, newline="")))
    bodies = [row[1] for row in expected[1:]]
    assert any("\n" in b for b in bodies), "the org should hold comments spanning lines"
    assert len(expected) > 700

    rows: list[list[str]] = []
    locator = ""
    sizes = iter([300, 125, 301, 7])
    while locator != "null":
        size = next(sizes, 250)
        params: dict[str, Any] = {"maxRecords": size, **({"locator": locator} if locator else {})}
        page = _results(http, org, job["id"], **params)
        again = _results(http, org, job["id"], **params)  # a page fetched twice is the same
        assert again.content == page.content
        parsed = list(csv.reader(io.StringIO(page.text, newline="")))
        assert parsed[0] == expected[0]
        assert int(page.headers["Sforce-NumberOfRecords"]) == len(parsed) - 1
        rows += parsed[1:]
        locator = page.headers["Sforce-Locator"]
    assert rows == expected[1:]
    assert [r[0] for r in rows] == [
        r[0] for r in org.rows("SELECT id FROM case_comment WHERE NOT is_deleted ORDER BY id")
    ]
