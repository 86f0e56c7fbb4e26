from datetime import date

import pytest

from ledger.core.errors import PeriodError
from ledger.periods.fiscal import FiscalCalendar, PeriodRegistry, PeriodState


def test_calendar_year():
    cal = FiscalCalendar()
    assert cal.fiscal_year_of(date(2024, 5, 5)) == 2024
    assert cal.year_bounds(2024) == (date(2024, 1, 1), date(2024, 12, 31))
    assert cal.period_of(date(2024, 5, 5)) == (2024, 5)


def test_july_fiscal_year_named_after_end():
    cal = FiscalCalendar(7)
    assert cal.fiscal_year_of(date(2023, 7, 1)) == 2024
    assert cal.fiscal_year_of(date(2024, 6, 30)) == 2024
    assert cal.fiscal_year_of(date(2024, 7, 1)) == 2025
    assert cal.year_bounds(2024) == (date(2023, 7, 1), date(2024, 6, 30))


def test_july_periods():
    cal = FiscalCalendar(7)
    assert cal.period_of(date(2023, 7, 15)) == (2024, 1)
    assert cal.period_of(date(2024, 1, 10)) == (2024, 7)
    assert cal.period_of(date(2024, 6, 30)) == (2024, 12)
    assert cal.period_bounds(2024, 8) == (date(2024, 2, 1), date(2024, 2, 29))
    assert cal.period_bounds(2024, 1) == (date(2023, 7, 1), date(2023, 7, 31))


def test_fiscal_quarters():
    cal = FiscalCalendar(4)
    assert cal.quarter_of(date(2024, 4, 1)) == 1
    assert cal.quarter_of(date(2024, 12, 31)) == 3
    assert cal.quarter_of(date(2025, 3, 31)) == 4


def test_invalid_calendar_and_period():
    with pytest.raises(PeriodError):
        FiscalCalendar(13)
    with pytest.raises(PeriodError):
        FiscalCalendar(0)
    with pytest.raises(PeriodError):
        FiscalCalendar().period_bounds(2024, 13)
    with pytest.raises(PeriodError):
        FiscalCalendar().period_bounds(2024, 0)


def test_periods_open_by_default():
    reg = PeriodRegistry(FiscalCalendar())
    assert reg.state(2024, 3) is PeriodState.OPEN
    assert reg.is_open(date(2024, 3, 15))


def test_close_in_order():
    reg = PeriodRegistry(FiscalCalendar())
    reg.close(2024, 1)
    assert reg.state(2024, 1) is PeriodState.CLOSED
    assert not reg.is_open(date(2024, 1, 31))
    assert reg.is_open(date(2024, 2, 1))
    with pytest.raises(PeriodError, match="2024-02 before 2024-03"):
        reg.close(2024, 3)


def test_close_twice():
    reg = PeriodRegistry(FiscalCalendar())
    reg.close(2024, 1)
    with pytest.raises(PeriodError, match="not open"):
        reg.close(2024, 1)


def test_reopen():
    reg = PeriodRegistry(FiscalCalendar())
    reg.close(2024, 1)
    reg.close(2024, 2)
    with pytest.raises(PeriodError, match="2024-02 before 2024-01"):
        reg.reopen(2024, 1)
    reg.reopen(2024, 2)
    assert reg.is_open(date(2024, 2, 10))
    with pytest.raises(PeriodError, match="already open"):
        reg.reopen(2024, 2)


def test_lock():
    reg = PeriodRegistry(FiscalCalendar())
    with pytest.raises(PeriodError, match="only closed"):
        reg.lock(2024, 1)
    reg.close(2024, 1)
    reg.lock(2024, 1)
    assert reg.state(2024, 1) is PeriodState.LOCKED
    assert not reg.is_open(date(2024, 1, 5))
    with pytest.raises(PeriodError, match="locked"):
        reg.reopen(2024, 1)


def test_close_year_and_open_periods():
    reg = PeriodRegistry(FiscalCalendar(7))
    reg.close(2024, 1)
    assert reg.open_periods(2024) == list(range(2, 13))
    reg.close_year(2024)
    assert reg.open_periods(2024) == []
    assert not reg.is_open(date(2024, 6, 30))
    assert reg.is_open(date(2024, 7, 1))


def test_state_validates_period():
    with pytest.raises(PeriodError):
        PeriodRegistry(FiscalCalendar()).state(2024, 13)
