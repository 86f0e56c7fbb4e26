"""Fiscal calendars and the open/closed state of accounting periods."""

from datetime import date, timedelta
from enum import Enum

from ledger.core.dates import add_months
from ledger.core.errors import PeriodError

PERIODS_PER_YEAR = 12


class PeriodState(Enum):
    OPEN = "open"
    CLOSED = "closed"
    LOCKED = "locked"


class FiscalCalendar:
    """Twelve monthly periods per fiscal year starting in ``start_month``.

    A fiscal year is named after the calendar year in which it ends, so with
    ``start_month=7`` the year running July 2023 - June 2024 is FY2024.
    """

    def __init__(self, start_month: int = 1):
        if not 1 <= start_month <= 12:
            raise PeriodError(f"fiscal year start month must be 1..12, got {start_month}")
        self.start_month = start_month

    def fiscal_year_of(self, d: date) -> int:
        if self.start_month == 1:
            return d.year
        return d.year + 1 if d.month >= self.start_month else d.year

    def year_bounds(self, fiscal_year: int) -> tuple[date, date]:
        start_year = fiscal_year if self.start_month == 1 else fiscal_year - 1
        start = date(start_year, self.start_month, 1)
        end = add_months(start, 12) - timedelta(days=1)
        return start, end

    def period_of(self, d: date) -> tuple[int, int]:
        return self.fiscal_year_of(d), (d.month - self.start_month) % 12 + 1

    def period_bounds(self, fiscal_year: int, period: int) -> tuple[date, date]:
        if not 1 <= period <= PERIODS_PER_YEAR:
            raise PeriodError(f"period must be 1..{PERIODS_PER_YEAR}, got {period}")
        year_start, _ = self.year_bounds(fiscal_year)
        start = add_months(year_start, period - 1)
        end = add_months(start, 1) - timedelta(days=1)
        return start, end

    def quarter_of(self, d: date) -> int:
        _, period = self.period_of(d)
        return (period - 1) // 3 + 1


class PeriodRegistry:
    """Tracks which fiscal periods accept postings."""

    def __init__(self, calendar: FiscalCalendar):
        self.calendar = calendar
        self._states: dict[tuple[int, int], PeriodState] = {}

    def state(self, fiscal_year: int, period: int) -> PeriodState:
        self.calendar.period_bounds(fiscal_year, period)
        return self._states.get((fiscal_year, period), PeriodState.OPEN)

    def is_open(self, d: date) -> bool:
        return self.state(*self.calendar.period_of(d)) is PeriodState.OPEN

    def close(self, fiscal_year: int, period: int) -> None:
        if self.state(fiscal_year, period) is not PeriodState.OPEN:
            raise PeriodError(f"period {fiscal_year}-{period:02d} is not open")
        for earlier in range(1, period):
            if self.state(fiscal_year, earlier) is PeriodState.OPEN:
                raise PeriodError(
                    f"close period {fiscal_year}-{earlier:02d} before {fiscal_year}-{period:02d}"
                )
        self._states[(fiscal_year, period)] = PeriodState.CLOSED

    def reopen(self, fiscal_year: int, period: int) -> None:
        current = self.state(fiscal_year, period)
        if current is PeriodState.LOCKED:
            raise PeriodError(f"period {fiscal_year}-{period:02d} is locked")
        if current is PeriodState.OPEN:
            raise PeriodError(f"period {fiscal_year}-{period:02d} is already open")
        for later in range(period + 1, PERIODS_PER_YEAR + 1):
            if self.state(fiscal_year, later) is not PeriodState.OPEN:
                raise PeriodError(
                    f"reopen period {fiscal_year}-{later:02d} before {fiscal_year}-{period:02d}"
                )
        self._states[(fiscal_year, period)] = PeriodState.OPEN

    def lock(self, fiscal_year: int, period: int) -> None:
        if self.state(fiscal_year, period) is not PeriodState.CLOSED:
            raise PeriodError(f"only closed periods can be locked ({fiscal_year}-{period:02d})")
        self._states[(fiscal_year, period)] = PeriodState.LOCKED

    def close_year(self, fiscal_year: int) -> None:
        for period in range(1, PERIODS_PER_YEAR + 1):
            if self.state(fiscal_year, period) is PeriodState.OPEN:
                self.close(fiscal_year, period)

    def open_periods(self, fiscal_year: int) -> list[int]:
        return [p for p in range(1, PERIODS_PER_YEAR + 1)
                if self.state(fiscal_year, p) is PeriodState.OPEN]
