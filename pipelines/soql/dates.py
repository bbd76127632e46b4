"""SOQL date literals (``TODAY``, ``LAST_N_DAYS:30``, ``THIS_FISCAL_QUARTER``...) as date ranges.

A date literal names a range of whole days relative to "today" in the running user's time zone.
``literal_range`` turns one into a half-open range of local days ``[start, end)``; the compiler
compares DATE fields with those days (``date_bounds``) and DATETIME fields with the UTC instants
at which those local days begin (``datetime_bounds``). The semantics follow soql.md §1.9.

    >>> ny = DateContext(now=datetime(2024, 3, 10, 14, 30, tzinfo=ZoneInfo("America/New_York")))
    >>> literal_range("LAST_N_MONTHS", 2, ny).date_bounds()
    (datetime.date(2024, 1, 1), datetime.date(2024, 3, 1))

Choices where the Salesforce documentation leaves room:

* ``LAST_N_YEARS:n`` is ``[Jan 1 of (Y - n), Jan 1 of Y)``: the n whole years before the current
  one, the same pattern as every other ``LAST_N_<unit>S:n`` except days. The doc's "starts January 1,
  n+1 years ago" is read as counting the current year; a real org has not confirmed it yet.
* ``LAST_N_DAYS:n`` and ``LAST_90_DAYS`` include today. On DATETIME fields they end at ``now``
  inclusive ("up to the current second"); on DATE fields they end after today.
* ``n`` is any integer >= 0. ``n = 0`` follows the same formulas as other values:
  ``N_<unit>S_AGO:0`` is the current unit, ``LAST_N_DAYS:0`` is today (until now), and the other
  ``LAST_N``/``NEXT_N`` literals give an empty range (``start == end``), which matches nothing.
* Fiscal literals use standard fiscal years: each starts on the first day of
  ``fiscal_year_start_month`` and splits into four 3-month fiscal quarters. Custom fiscal years
  (Setup > Fiscal Year, FiscalYearSettings/Period) are not modelled.
"""

from __future__ import annotations

import calendar
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class DateContext:
    """Everything a date literal depends on. Injected so tests are deterministic.

    ``week_start`` is the ISO weekday the user's locale starts weeks on (7 = Sunday for en_US,
    1 = Monday for en_GB); ``fiscal_year_start_month`` is Organization.FiscalYearStartMonth.
    """

    now: datetime
    time_zone: str = "UTC"
    week_start: int = 7
    fiscal_year_start_month: int = 1

    def __post_init__(self) -> None:
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError(
                f"DateContext.now must carry a time zone, got the naive {self.now.isoformat()}; "
                "pass an aware datetime such as datetime.now(UTC)"
            )
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"Unknown time zone {self.time_zone!r}: use an IANA name such as 'Europe/Berlin'"
            ) from None
        if not 1 <= self.week_start <= 7:
            raise ValueError(
                f"week_start must be an ISO weekday from 1 (Monday) to 7 (Sunday), "
                f"got {self.week_start}"
            )
        if not 1 <= self.fiscal_year_start_month <= 12:
            raise ValueError(
                f"fiscal_year_start_month must be a month from 1 to 12, "
                f"got {self.fiscal_year_start_month}"
            )

    @classmethod
    def current(
        cls, time_zone: str = "UTC", week_start: int = 7, fiscal_year_start_month: int = 1
    ) -> DateContext:
        """The context at this very instant: what the compiler uses outside tests."""
        return cls(datetime.now(UTC), time_zone, week_start, fiscal_year_start_month)

    @property
    def tz(self) -> ZoneInfo:
        """The user's time zone."""
        return ZoneInfo(self.time_zone)

    @property
    def today(self) -> date:
        """The user's local date at ``now``."""
        return self.now.astimezone(self.tz).date()


@dataclass(frozen=True)
class DateRange:
    """The local days ``[start, end)`` a date literal stands for."""

    start: date
    end: date
    until_now: bool = False
    """True for ``LAST_N_DAYS:n`` and ``LAST_90_DAYS``: on DATETIME fields they stop at now."""

    def date_bounds(self) -> tuple[date, date]:
        """Half-open ``(start, end)`` for DATE fields: ``start <= field < end``."""
        return self.start, self.end

    def datetime_bounds(self, ctx: DateContext) -> tuple[datetime, datetime, bool]:
        """``(start_utc, end_utc, end_inclusive)`` for DATETIME fields, as aware UTC datetimes.

        Each boundary is the local midnight converted to UTC on its own, so a range that spans a
        daylight-saving change gets two different offsets. ``until_now`` ranges end at
        ``ctx.now`` inclusive; all others end exclusively at the midnight after their last day.
        """
        start = _day_start_utc(self.start, ctx.tz)
        if self.until_now:
            return start, ctx.now.astimezone(UTC), True
        return start, _day_start_utc(self.end, ctx.tz), False


def _day_start_utc(day: date, tz: ZoneInfo) -> datetime:
    # fold=0 resolves a midnight that a DST jump skips (America/Santiago) with the offset in force
    # before the jump, which lands on the first instant that does exist that day.
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    """Move ``day`` by whole calendar months, clamping the day of month to the target's length."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# Where the unit containing today starts.


def _today(ctx: DateContext) -> date:
    return ctx.today


def _week_start(ctx: DateContext) -> date:
    today = ctx.today
    return today - timedelta(days=(today.isoweekday() - ctx.week_start) % 7)


def _month_start(ctx: DateContext) -> date:
    return ctx.today.replace(day=1)


def _quarter_start(ctx: DateContext) -> date:
    today = ctx.today
    return date(today.year, today.month - (today.month - 1) % 3, 1)


def _year_start(ctx: DateContext) -> date:
    return date(ctx.today.year, 1, 1)


def _fiscal_quarter_start(ctx: DateContext) -> date:
    months_into_quarter = (ctx.today.month - ctx.fiscal_year_start_month) % 3
    return _add_months(_month_start(ctx), -months_into_quarter)


def _fiscal_year_start(ctx: DateContext) -> date:
    today, first_month = ctx.today, ctx.fiscal_year_start_month
    year = today.year if today.month >= first_month else today.year - 1
    return date(year, first_month, 1)


@dataclass(frozen=True)
class _Unit:
    """A calendar unit: where the current one starts and how long one step is."""

    current_start: Callable[[DateContext], date]
    days: int = 0
    months: int = 0

    def start(self, ctx: DateContext, offset: int) -> date:
        """First day of the unit ``offset`` units away from the current one."""
        shifted = self.current_start(ctx) + timedelta(days=self.days * offset)
        return _add_months(shifted, self.months * offset)


_DAY = _Unit(_today, days=1)
_WEEK = _Unit(_week_start, days=7)
_MONTH = _Unit(_month_start, months=1)
_QUARTER = _Unit(_quarter_start, months=3)
_YEAR = _Unit(_year_start, months=12)
_FISCAL_QUARTER = _Unit(_fiscal_quarter_start, months=3)
_FISCAL_YEAR = _Unit(_fiscal_year_start, months=12)


@dataclass(frozen=True)
class _Literal:
    """A literal as unit offsets from the current unit: ``span(n) = (first, after_last)``."""

    unit: _Unit
    span: Callable[[int], tuple[int, int]]
    takes_n: bool
    until_now: bool = False


def _fixed(unit: _Unit, first: int, after_last: int, until_now: bool = False) -> _Literal:
    return _Literal(unit, lambda _n: (first, after_last), takes_n=False, until_now=until_now)


def _next_n(unit: _Unit) -> _Literal:
    return _Literal(unit, lambda n: (1, n + 1), takes_n=True)


def _last_n(unit: _Unit) -> _Literal:
    return _Literal(unit, lambda n: (-n, 0), takes_n=True)


def _n_ago(unit: _Unit) -> _Literal:
    return _Literal(unit, lambda n: (-n, -n + 1), takes_n=True)


_LITERALS: dict[str, _Literal] = {
    "YESTERDAY": _fixed(_DAY, -1, 0),
    "TODAY": _fixed(_DAY, 0, 1),
    "TOMORROW": _fixed(_DAY, 1, 2),
    "LAST_90_DAYS": _fixed(_DAY, -90, 1, until_now=True),
    "NEXT_90_DAYS": _fixed(_DAY, 1, 91),
    # The only LAST_N literal that includes the current unit.
    "LAST_N_DAYS": _Literal(_DAY, lambda n: (-n, 1), takes_n=True, until_now=True),
    "NEXT_N_DAYS": _next_n(_DAY),
    "N_DAYS_AGO": _n_ago(_DAY),
    "LAST_WEEK": _fixed(_WEEK, -1, 0),
    "THIS_WEEK": _fixed(_WEEK, 0, 1),
    "NEXT_WEEK": _fixed(_WEEK, 1, 2),
    "LAST_N_WEEKS": _last_n(_WEEK),
    "NEXT_N_WEEKS": _next_n(_WEEK),
    "N_WEEKS_AGO": _n_ago(_WEEK),
    "LAST_MONTH": _fixed(_MONTH, -1, 0),
    "THIS_MONTH": _fixed(_MONTH, 0, 1),
    "NEXT_MONTH": _fixed(_MONTH, 1, 2),
    "LAST_N_MONTHS": _last_n(_MONTH),
    "NEXT_N_MONTHS": _next_n(_MONTH),
    "N_MONTHS_AGO": _n_ago(_MONTH),
    "LAST_QUARTER": _fixed(_QUARTER, -1, 0),
    "THIS_QUARTER": _fixed(_QUARTER, 0, 1),
    "NEXT_QUARTER": _fixed(_QUARTER, 1, 2),
    "LAST_N_QUARTERS": _last_n(_QUARTER),
    "NEXT_N_QUARTERS": _next_n(_QUARTER),
    "N_QUARTERS_AGO": _n_ago(_QUARTER),
    "LAST_YEAR": _fixed(_YEAR, -1, 0),
    "THIS_YEAR": _fixed(_YEAR, 0, 1),
    "NEXT_YEAR": _fixed(_YEAR, 1, 2),
    "LAST_N_YEARS": _last_n(_YEAR),
    "NEXT_N_YEARS": _next_n(_YEAR),
    "N_YEARS_AGO": _n_ago(_YEAR),
    "LAST_FISCAL_QUARTER": _fixed(_FISCAL_QUARTER, -1, 0),
    "THIS_FISCAL_QUARTER": _fixed(_FISCAL_QUARTER, 0, 1),
    "NEXT_FISCAL_QUARTER": _fixed(_FISCAL_QUARTER, 1, 2),
    "LAST_N_FISCAL_QUARTERS": _last_n(_FISCAL_QUARTER),
    "NEXT_N_FISCAL_QUARTERS": _next_n(_FISCAL_QUARTER),
    "N_FISCAL_QUARTERS_AGO": _n_ago(_FISCAL_QUARTER),
    "LAST_FISCAL_YEAR": _fixed(_FISCAL_YEAR, -1, 0),
    "THIS_FISCAL_YEAR": _fixed(_FISCAL_YEAR, 0, 1),
    "NEXT_FISCAL_YEAR": _fixed(_FISCAL_YEAR, 1, 2),
    "LAST_N_FISCAL_YEARS": _last_n(_FISCAL_YEAR),
    "NEXT_N_FISCAL_YEARS": _next_n(_FISCAL_YEAR),
    "N_FISCAL_YEARS_AGO": _n_ago(_FISCAL_YEAR),
}

DATE_LITERALS: dict[str, bool] = {name: lit.takes_n for name, lit in _LITERALS.items()}
"""Every date literal name, upper case -> True if it takes ``:n`` (``LAST_N_DAYS:n``)."""


def check_n(name: str, n: int | None) -> None:
    """Raise ValueError unless ``name`` is a date literal and ``n`` suits it.

    Literals ending in ``_N_<unit>S`` or ``_AGO`` need an ``n`` that is an integer >= 0; all
    others take none.

    >>> check_n("LAST_N_DAYS", None)
    Traceback (most recent call last):
    ValueError: LAST_N_DAYS needs a number: write LAST_N_DAYS:n, e.g. LAST_N_DAYS:30
    """
    key = name.upper()
    if key not in DATE_LITERALS:
        close = difflib.get_close_matches(key, DATE_LITERALS, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ValueError(f"Unknown date literal {name!r}{hint}")
    if not DATE_LITERALS[key]:
        if n is not None:
            raise ValueError(f"{key} takes no number: write {key} without ':{n}'")
        return
    if n is None:
        raise ValueError(f"{key} needs a number: write {key}:n, e.g. {key}:30")
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"{key}:{n!r}: n must be a whole number")
    if n < 0:
        raise ValueError(f"{key}:{n}: n must be 0 or more")


def literal_range(name: str, n: int | None, ctx: DateContext) -> DateRange:
    """The local days the date literal ``name`` (case-insensitive) covers at ``ctx.now``.

    ``n`` is the number after the colon for ``LAST_N_DAYS:n`` and friends, None for the others.
    Raises ValueError for an unknown literal, a missing or unexpected ``n``, a negative ``n``, or
    an ``n`` so large the range leaves the years datetime can represent (1-9999).
    """
    check_n(name, n)
    literal = _LITERALS[name.upper()]
    first, after_last = literal.span(n or 0)
    try:
        start = literal.unit.start(ctx, first)
        end = literal.unit.start(ctx, after_last)
    except (OverflowError, ValueError):
        raise ValueError(
            f"{name.upper()}:{n} reaches beyond the years 1-9999; use a smaller n"
        ) from None
    return DateRange(start, end, literal.until_now)
