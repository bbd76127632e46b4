"""Date-literal ranges against fixed clocks; every expected value was worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pipelines.soql.dates import (
    DATE_LITERALS,
    DateContext,
    DateRange,
    check_n,
    literal_range,
)

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")

# 2024-03-10 is a Sunday and the day New York springs forward (02:00 EST -> 03:00 EDT): 23 hours.
NY_NOW = datetime(2024, 3, 10, 14, 30, tzinfo=NEW_YORK)  # = 18:30Z
# 2024-10-27 is a Sunday and the day Berlin falls back (03:00 CEST -> 02:00 CET): 25 hours.
BERLIN_NOW = datetime(2024, 10, 27, 12, 0, tzinfo=BERLIN)  # = 11:00Z

CONTEXTS = {
    "ny": DateContext(NY_NOW, "America/New_York"),  # Sunday weeks, calendar fiscal year
    "ny-mon": DateContext(NY_NOW, "America/New_York", week_start=1),
    "ny-sat": DateContext(NY_NOW, "America/New_York", week_start=6),
    "fy4": DateContext(NY_NOW, "America/New_York", fiscal_year_start_month=4),
    "fy11": DateContext(NY_NOW, "America/New_York", fiscal_year_start_month=11),
    "berlin": DateContext(BERLIN_NOW, "Europe/Berlin", week_start=1),
    "berlin-sun": DateContext(BERLIN_NOW, "Europe/Berlin", week_start=7),
    "fy11-dec": DateContext(datetime(2024, 12, 15, 9, tzinfo=UTC), fiscal_year_start_month=11),
    "leap": DateContext(datetime(2024, 2, 29, 12, tzinfo=UTC)),
    # Still March 31 in UTC, already April 1 in Tokyo (UTC+9).
    "tokyo": DateContext(datetime(2024, 3, 31, 16, tzinfo=UTC), "Asia/Tokyo"),
}

# context, literal, n, start, end (exclusive)
CASES: list[tuple[str, str, int | None, str, str]] = [
    # New York, Sunday 2024-03-10, weeks start on Sunday.
    ("ny", "YESTERDAY", None, "2024-03-09", "2024-03-10"),
    ("ny", "TODAY", None, "2024-03-10", "2024-03-11"),
    ("ny", "TOMORROW", None, "2024-03-11", "2024-03-12"),
    ("ny", "LAST_WEEK", None, "2024-03-03", "2024-03-10"),
    ("ny", "THIS_WEEK", None, "2024-03-10", "2024-03-17"),
    ("ny", "NEXT_WEEK", None, "2024-03-17", "2024-03-24"),
    ("ny", "LAST_MONTH", None, "2024-02-01", "2024-03-01"),
    ("ny", "THIS_MONTH", None, "2024-03-01", "2024-04-01"),
    ("ny", "NEXT_MONTH", None, "2024-04-01", "2024-05-01"),
    ("ny", "LAST_90_DAYS", None, "2023-12-11", "2024-03-11"),
    ("ny", "NEXT_90_DAYS", None, "2024-03-11", "2024-06-09"),
    ("ny", "LAST_N_DAYS", 1, "2024-03-09", "2024-03-11"),
    ("ny", "LAST_N_DAYS", 30, "2024-02-09", "2024-03-11"),
    ("ny", "NEXT_N_DAYS", 7, "2024-03-11", "2024-03-18"),
    ("ny", "N_DAYS_AGO", 3, "2024-03-07", "2024-03-08"),
    ("ny", "NEXT_N_WEEKS", 2, "2024-03-17", "2024-03-31"),
    ("ny", "LAST_N_WEEKS", 2, "2024-02-25", "2024-03-10"),
    ("ny", "N_WEEKS_AGO", 2, "2024-02-25", "2024-03-03"),
    ("ny", "NEXT_N_MONTHS", 2, "2024-04-01", "2024-06-01"),
    ("ny", "LAST_N_MONTHS", 3, "2023-12-01", "2024-03-01"),
    ("ny", "N_MONTHS_AGO", 2, "2024-01-01", "2024-02-01"),
    ("ny", "LAST_QUARTER", None, "2023-10-01", "2024-01-01"),
    ("ny", "THIS_QUARTER", None, "2024-01-01", "2024-04-01"),
    ("ny", "NEXT_QUARTER", None, "2024-04-01", "2024-07-01"),
    ("ny", "NEXT_N_QUARTERS", 2, "2024-04-01", "2024-10-01"),
    ("ny", "LAST_N_QUARTERS", 2, "2023-07-01", "2024-01-01"),
    ("ny", "N_QUARTERS_AGO", 1, "2023-10-01", "2024-01-01"),
    ("ny", "LAST_YEAR", None, "2023-01-01", "2024-01-01"),
    ("ny", "THIS_YEAR", None, "2024-01-01", "2025-01-01"),
    ("ny", "NEXT_YEAR", None, "2025-01-01", "2026-01-01"),
    ("ny", "NEXT_N_YEARS", 2, "2025-01-01", "2027-01-01"),
    ("ny", "LAST_N_YEARS", 2, "2022-01-01", "2024-01-01"),
    ("ny", "N_YEARS_AGO", 2, "2022-01-01", "2023-01-01"),
    ("ny", "THIS_FISCAL_QUARTER", None, "2024-01-01", "2024-04-01"),
    ("ny", "THIS_FISCAL_YEAR", None, "2024-01-01", "2025-01-01"),
    # Week start: Monday puts Sunday 03-10 at the end of the week, Saturday one day in.
    ("ny-mon", "THIS_WEEK", None, "2024-03-04", "2024-03-11"),
    ("ny-mon", "NEXT_WEEK", None, "2024-03-11", "2024-03-18"),
    ("ny-mon", "LAST_N_WEEKS", 1, "2024-02-26", "2024-03-04"),
    ("ny-sat", "THIS_WEEK", None, "2024-03-09", "2024-03-16"),
    # Fiscal year from April: FY = 2023-04-01..2024-03-31, Q4 = Jan-Mar 2024.
    ("fy4", "THIS_FISCAL_QUARTER", None, "2024-01-01", "2024-04-01"),
    ("fy4", "LAST_FISCAL_QUARTER", None, "2023-10-01", "2024-01-01"),
    ("fy4", "NEXT_FISCAL_QUARTER", None, "2024-04-01", "2024-07-01"),
    ("fy4", "NEXT_N_FISCAL_QUARTERS", 3, "2024-04-01", "2025-01-01"),
    ("fy4", "LAST_N_FISCAL_QUARTERS", 2, "2023-07-01", "2024-01-01"),
    ("fy4", "N_FISCAL_QUARTERS_AGO", 2, "2023-07-01", "2023-10-01"),
    ("fy4", "THIS_FISCAL_YEAR", None, "2023-04-01", "2024-04-01"),
    ("fy4", "LAST_FISCAL_YEAR", None, "2022-04-01", "2023-04-01"),
    ("fy4", "NEXT_FISCAL_YEAR", None, "2024-04-01", "2025-04-01"),
    ("fy4", "NEXT_N_FISCAL_YEARS", 2, "2024-04-01", "2026-04-01"),
    ("fy4", "LAST_N_FISCAL_YEARS", 2, "2021-04-01", "2023-04-01"),
    ("fy4", "N_FISCAL_YEARS_AGO", 1, "2022-04-01", "2023-04-01"),
    # Fiscal year from November: quarters Nov-Jan, Feb-Apr, May-Jul, Aug-Oct.
    ("fy11", "THIS_FISCAL_QUARTER", None, "2024-02-01", "2024-05-01"),
    ("fy11", "LAST_FISCAL_QUARTER", None, "2023-11-01", "2024-02-01"),
    ("fy11", "NEXT_FISCAL_QUARTER", None, "2024-05-01", "2024-08-01"),
    ("fy11", "N_FISCAL_QUARTERS_AGO", 2, "2023-08-01", "2023-11-01"),
    ("fy11", "LAST_N_FISCAL_QUARTERS", 3, "2023-05-01", "2024-02-01"),
    ("fy11", "NEXT_N_FISCAL_QUARTERS", 4, "2024-05-01", "2025-05-01"),
    ("fy11", "THIS_FISCAL_YEAR", None, "2023-11-01", "2024-11-01"),
    ("fy11", "LAST_FISCAL_YEAR", None, "2022-11-01", "2023-11-01"),
    ("fy11", "NEXT_FISCAL_YEAR", None, "2024-11-01", "2025-11-01"),
    ("fy11", "LAST_N_FISCAL_YEARS", 1, "2022-11-01", "2023-11-01"),
    ("fy11-dec", "THIS_FISCAL_QUARTER", None, "2024-11-01", "2025-02-01"),
    ("fy11-dec", "LAST_FISCAL_QUARTER", None, "2024-08-01", "2024-11-01"),
    ("fy11-dec", "NEXT_N_FISCAL_QUARTERS", 1, "2025-02-01", "2025-05-01"),
    ("fy11-dec", "THIS_FISCAL_YEAR", None, "2024-11-01", "2025-11-01"),
    ("fy11-dec", "LAST_FISCAL_YEAR", None, "2023-11-01", "2024-11-01"),
    ("fy11-dec", "N_FISCAL_YEARS_AGO", 0, "2024-11-01", "2025-11-01"),
    # Berlin, Sunday 2024-10-27, weeks start on Monday.
    ("berlin", "YESTERDAY", None, "2024-10-26", "2024-10-27"),
    ("berlin", "TODAY", None, "2024-10-27", "2024-10-28"),
    ("berlin", "TOMORROW", None, "2024-10-28", "2024-10-29"),
    ("berlin", "LAST_WEEK", None, "2024-10-14", "2024-10-21"),
    ("berlin", "THIS_WEEK", None, "2024-10-21", "2024-10-28"),
    ("berlin", "NEXT_WEEK", None, "2024-10-28", "2024-11-04"),
    ("berlin", "NEXT_N_WEEKS", 1, "2024-10-28", "2024-11-04"),
    ("berlin", "LAST_N_WEEKS", 3, "2024-09-30", "2024-10-21"),
    ("berlin", "N_WEEKS_AGO", 1, "2024-10-14", "2024-10-21"),
    ("berlin", "LAST_MONTH", None, "2024-09-01", "2024-10-01"),
    ("berlin", "THIS_MONTH", None, "2024-10-01", "2024-11-01"),
    ("berlin", "NEXT_MONTH", None, "2024-11-01", "2024-12-01"),
    ("berlin", "NEXT_N_MONTHS", 12, "2024-11-01", "2025-11-01"),
    ("berlin", "N_MONTHS_AGO", 10, "2023-12-01", "2024-01-01"),
    ("berlin", "LAST_QUARTER", None, "2024-07-01", "2024-10-01"),
    ("berlin", "THIS_QUARTER", None, "2024-10-01", "2025-01-01"),
    ("berlin", "NEXT_QUARTER", None, "2025-01-01", "2025-04-01"),
    ("berlin", "NEXT_N_QUARTERS", 1, "2025-01-01", "2025-04-01"),
    ("berlin", "LAST_90_DAYS", None, "2024-07-29", "2024-10-28"),
    ("berlin", "NEXT_90_DAYS", None, "2024-10-28", "2025-01-26"),
    ("berlin", "LAST_N_DAYS", 7, "2024-10-20", "2024-10-28"),
    ("berlin", "LAST_N_YEARS", 1, "2023-01-01", "2024-01-01"),
    ("berlin", "THIS_FISCAL_QUARTER", None, "2024-10-01", "2025-01-01"),
    ("berlin", "THIS_FISCAL_YEAR", None, "2024-01-01", "2025-01-01"),
    # n = 0: the current unit for *_AGO, today for LAST_N_DAYS, empty for the other LAST_N/NEXT_N.
    ("berlin", "N_DAYS_AGO", 0, "2024-10-27", "2024-10-28"),
    ("berlin", "LAST_N_DAYS", 0, "2024-10-27", "2024-10-28"),
    ("berlin", "NEXT_N_DAYS", 0, "2024-10-28", "2024-10-28"),
    ("berlin", "LAST_N_WEEKS", 0, "2024-10-21", "2024-10-21"),
    ("berlin", "N_YEARS_AGO", 0, "2024-01-01", "2025-01-01"),
    ("berlin-sun", "THIS_WEEK", None, "2024-10-27", "2024-11-03"),
    ("berlin-sun", "LAST_WEEK", None, "2024-10-20", "2024-10-27"),
    ("berlin-sun", "N_WEEKS_AGO", 2, "2024-10-13", "2024-10-20"),
    # Leap day: 365 days back from 2024-02-29 crosses it and lands on 2023-03-01.
    ("leap", "LAST_N_DAYS", 365, "2023-03-01", "2024-03-01"),
    ("leap", "NEXT_N_DAYS", 1, "2024-03-01", "2024-03-02"),
    ("leap", "THIS_MONTH", None, "2024-02-01", "2024-03-01"),
    ("leap", "N_MONTHS_AGO", 1, "2024-01-01", "2024-02-01"),
    ("leap", "N_YEARS_AGO", 1, "2023-01-01", "2024-01-01"),
    # Literals follow the local date, not the UTC one.
    ("tokyo", "TODAY", None, "2024-04-01", "2024-04-02"),
    ("tokyo", "THIS_QUARTER", None, "2024-04-01", "2024-07-01"),
    ("tokyo", "LAST_QUARTER", None, "2024-01-01", "2024-04-01"),
]


@pytest.mark.parametrize(
    ("context", "literal", "n", "start", "end"),
    CASES,
    ids=[f"{c}-{lit}" + ("" if n is None else f":{n}") for c, lit, n, _, _ in CASES],
)
def test_date_bounds(context: str, literal: str, n: int | None, start: str, end: str) -> None:
    got = literal_range(literal, n, CONTEXTS[context]).date_bounds()
    assert got == (date.fromisoformat(start), date.fromisoformat(end))


def test_every_literal_has_a_case() -> None:
    assert {literal for _, literal, _, _, _ in CASES} == set(DATE_LITERALS)


def test_date_literals_lists_every_name_and_whether_it_takes_n() -> None:
    with_n = {
        "LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO",
        "LAST_N_WEEKS", "NEXT_N_WEEKS", "N_WEEKS_AGO",
        "LAST_N_MONTHS", "NEXT_N_MONTHS", "N_MONTHS_AGO",
        "LAST_N_QUARTERS", "NEXT_N_QUARTERS", "N_QUARTERS_AGO",
        "LAST_N_YEARS", "NEXT_N_YEARS", "N_YEARS_AGO",
        "LAST_N_FISCAL_QUARTERS", "NEXT_N_FISCAL_QUARTERS", "N_FISCAL_QUARTERS_AGO",
        "LAST_N_FISCAL_YEARS", "NEXT_N_FISCAL_YEARS", "N_FISCAL_YEARS_AGO",
    }  # fmt: skip
    without_n = {
        "YESTERDAY", "TODAY", "TOMORROW", "LAST_90_DAYS", "NEXT_90_DAYS",
        "LAST_WEEK", "THIS_WEEK", "NEXT_WEEK",
        "LAST_MONTH", "THIS_MONTH", "NEXT_MONTH",
        "LAST_QUARTER", "THIS_QUARTER", "NEXT_QUARTER",
        "LAST_YEAR", "THIS_YEAR", "NEXT_YEAR",
        "LAST_FISCAL_QUARTER", "THIS_FISCAL_QUARTER", "NEXT_FISCAL_QUARTER",
        "LAST_FISCAL_YEAR", "THIS_FISCAL_YEAR", "NEXT_FISCAL_YEAR",
    }  # fmt: skip
    expected = {name: True for name in with_n} | {name: False for name in without_n}
    assert expected == DATE_LITERALS


def test_names_are_case_insensitive() -> None:
    ctx = CONTEXTS["ny"]
    assert literal_range("last_n_days", 2, ctx) == literal_range("LAST_N_DAYS", 2, ctx)
    assert literal_range("This_Fiscal_Year", None, ctx).start == date(2024, 1, 1)


@pytest.mark.parametrize(
    ("literal", "n", "until_now"),
    [
        ("LAST_N_DAYS", 5, True),
        ("LAST_90_DAYS", None, True),
        ("NEXT_N_DAYS", 5, False),
        ("NEXT_90_DAYS", None, False),
        ("TODAY", None, False),
        ("LAST_N_WEEKS", 1, False),
    ],
)
def test_until_now_only_for_last_days(literal: str, n: int | None, until_now: bool) -> None:
    assert literal_range(literal, n, CONTEXTS["ny"]).until_now is until_now


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# context, literal, n, start UTC, end UTC, end inclusive
DATETIME_CASES: list[tuple[str, str, int | None, datetime, datetime, bool]] = [
    # Midnight EST (-5) to midnight EDT (-4): a 23-hour day.
    ("ny", "TODAY", None, _utc(2024, 3, 10, 5), _utc(2024, 3, 11, 4), False),
    ("ny", "YESTERDAY", None, _utc(2024, 3, 9, 5), _utc(2024, 3, 10, 5), False),
    ("ny", "THIS_MONTH", None, _utc(2024, 3, 1, 5), _utc(2024, 4, 1, 4), False),
    ("ny", "LAST_N_DAYS", 1, _utc(2024, 3, 9, 5), _utc(2024, 3, 10, 18, 30), True),
    ("ny", "LAST_90_DAYS", None, _utc(2023, 12, 11, 5), _utc(2024, 3, 10, 18, 30), True),
    # Midnight CEST (+2) to midnight CET (+1): a 25-hour day.
    ("berlin", "TODAY", None, _utc(2024, 10, 26, 22), _utc(2024, 10, 27, 23), False),
    ("berlin", "YESTERDAY", None, _utc(2024, 10, 25, 22), _utc(2024, 10, 26, 22), False),
    ("berlin", "THIS_WEEK", None, _utc(2024, 10, 20, 22), _utc(2024, 10, 27, 23), False),
    ("berlin", "LAST_N_DAYS", 7, _utc(2024, 10, 19, 22), _utc(2024, 10, 27, 11), True),
    ("leap", "TODAY", None, _utc(2024, 2, 29), _utc(2024, 3, 1), False),
]


@pytest.mark.parametrize(
    ("context", "literal", "n", "start", "end", "inclusive"),
    DATETIME_CASES,
    ids=[f"{c}-{lit}" + ("" if n is None else f":{n}") for c, lit, n, *_ in DATETIME_CASES],
)
def test_datetime_bounds(
    context: str,
    literal: str,
    n: int | None,
    start: datetime,
    end: datetime,
    inclusive: bool,
) -> None:
    ctx = CONTEXTS[context]
    got = literal_range(literal, n, ctx).datetime_bounds(ctx)
    assert got == (start, end, inclusive)
    assert got[0].tzinfo is UTC and got[1].tzinfo is UTC


def test_datetime_bounds_when_midnight_does_not_exist() -> None:
    # Santiago jumps from 00:00 (-04) straight to 01:00 (-03) on 2024-09-08, so that day begins
    # at 04:00Z; the next one begins at midnight -03, 03:00Z.
    santiago = ZoneInfo("America/Santiago")
    ctx = DateContext(datetime(2024, 9, 8, 12, tzinfo=santiago), "America/Santiago")
    bounds = literal_range("TODAY", None, ctx).datetime_bounds(ctx)
    assert bounds == (_utc(2024, 9, 8, 4), _utc(2024, 9, 9, 3), False)


def test_date_bounds_of_until_now_ranges_end_after_today() -> None:
    rng = literal_range("LAST_N_DAYS", 1, CONTEXTS["ny"])
    assert rng == DateRange(date(2024, 3, 9), date(2024, 3, 11), until_now=True)
    assert rng.date_bounds() == (date(2024, 3, 9), date(2024, 3, 11))


@pytest.mark.parametrize(
    ("now", "time_zone", "today"),
    [
        (datetime(2024, 3, 11, 2, tzinfo=UTC), "America/New_York", date(2024, 3, 10)),
        (datetime(2024, 3, 10, 18, 30, tzinfo=UTC), "Asia/Tokyo", date(2024, 3, 11)),
        (datetime(2024, 3, 10, 23, 59, tzinfo=NEW_YORK), "UTC", date(2024, 3, 11)),
    ],
)
def test_today_is_the_local_date(now: datetime, time_zone: str, today: date) -> None:
    assert DateContext(now, time_zone).today == today


def test_current_uses_the_clock_in_utc() -> None:
    ctx = DateContext.current("Europe/Berlin", week_start=1, fiscal_year_start_month=4)
    assert ctx.now.tzinfo is UTC
    assert abs(datetime.now(UTC) - ctx.now) < timedelta(minutes=1)
    assert (ctx.time_zone, ctx.week_start, ctx.fiscal_year_start_month) == ("Europe/Berlin", 1, 4)
    assert ctx.tz == BERLIN


@pytest.mark.parametrize(
    ("literal", "n", "message"),
    [
        ("LAST_CENTURY", None, "Unknown date literal 'LAST_CENTURY'"),
        ("LAST_N_DAY", 3, "did you mean LAST_N_DAYS"),
        ("LAST_N_DAYS", None, "LAST_N_DAYS needs a number"),
        ("n_weeks_ago", None, "N_WEEKS_AGO needs a number"),
        ("TODAY", 1, "TODAY takes no number"),
        ("LAST_N_DAYS", -1, "n must be 0 or more"),
        ("NEXT_N_DAYS", True, "n must be a whole number"),
        ("LAST_N_YEARS", 5000, "beyond the years 1-9999"),
        ("N_DAYS_AGO", 10**9, "beyond the years 1-9999"),
    ],
)
def test_literal_errors(literal: str, n: int | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        literal_range(literal, n, CONTEXTS["ny"])


def test_check_n_accepts_valid_arguments() -> None:
    check_n("LAST_N_DAYS", 0)
    check_n("next_n_fiscal_years", 3)
    check_n("TODAY", None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"now": datetime(2024, 3, 10, 14, 30)}, "naive"),
        ({"time_zone": "Mars/Olympus_Mons"}, "Unknown time zone"),
        ({"week_start": 0}, "week_start"),
        ({"week_start": 8}, "week_start"),
        ({"fiscal_year_start_month": 13}, "fiscal_year_start_month"),
    ],
)
def test_context_errors(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"now": NY_NOW} | kwargs
    with pytest.raises(ValueError, match=message):
        DateContext(**arguments)  # type: ignore[arg-type]
