"""Row-by-row comparison of a mart with the oracle's expected rows."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from transform_fixtures import Row

TOLERANCE = 1e-6

K = TypeVar("K", bound=Hashable)


def same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        if actual is None or expected is None:
            return actual is expected
        return math.isclose(float(actual), float(expected), rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    if isinstance(expected, datetime) and isinstance(actual, datetime):
        return actual == expected
    if isinstance(expected, date) and isinstance(actual, date):
        return actual == expected
    return bool(actual == expected)


def assert_rows_match(
    mart: str,
    actual_rows: Iterable[Row],
    expected: Mapping[K, Row],
    key: Callable[[Row], K],
    columns: Iterable[str] | None = None,
) -> None:
    """The mart has exactly the expected keys, and each expected column matches."""
    actual: dict[K, Row] = {}
    for row in actual_rows:
        k = key(row)
        assert k not in actual, f"{mart}: key {k!r} appears twice"
        actual[k] = row
    missing = sorted(map(str, set(expected) - set(actual)))
    extra = sorted(map(str, set(actual) - set(expected)))
    assert not missing and not extra, f"{mart}: missing rows {missing}, unexpected rows {extra}"
    problems = []
    for k, want in expected.items():
        got = actual[k]
        for column in columns or [c for c in want if not c.startswith("_")]:
            assert column in got, f"{mart}: no column {column!r} (has {sorted(got)})"
            if not same(got[column], want[column]):
                problems.append(f"{k!r}.{column}: got {got[column]!r}, expected {want[column]!r}")
    assert not problems, f"{mart}:\n  " + "\n  ".join(problems)
