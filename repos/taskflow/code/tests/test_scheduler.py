from datetime import datetime

import pytest

from taskflow.core.clock import SimulatedClock, from_datetime
from taskflow.errors import ConfigurationError, UnknownTaskError
from taskflow.schedule.interval import IntervalSchedule
from taskflow.schedule.scheduler import Scheduler, next_fire_time
from taskflow.schedule.timewindow import BlackoutCalendar, TimeWindow

T0 = from_datetime(datetime(2024, 6, 3, 0, 0))  # a Monday


def test_next_fire_time_for_cron_string_and_interval():
    assert next_fire_time("0 * * * *", T0) == T0 + 3600
    assert next_fire_time(IntervalSchedule(30), 100) == 120
    with pytest.raises(ConfigurationError):
        next_fire_time(42, T0)


def test_job_not_due_before_first_fire():
    clock = SimulatedClock(T0)
    scheduler = Scheduler(clock)
    scheduler.add("hourly", "0 * * * *")
    clock.advance(3599)
    assert scheduler.due() == []
    clock.advance(1)
    assert scheduler.due() == [(T0 + 3600, "hourly")]


def test_latest_catchup_returns_only_most_recent():
    clock = SimulatedClock(T0)
    scheduler = Scheduler(clock)
    scheduler.add("job", IntervalSchedule(60, anchor=T0))
    clock.advance(300)
    assert scheduler.due() == [(T0 + 300, "job")]
    job = scheduler.job("job")
    assert job.skipped == 4
    assert job.fired == 1
    assert job.next_fire == T0 + 360


def test_all_catchup_returns_every_missed_fire():
    clock = SimulatedClock(T0)
    scheduler = Scheduler(clock)
    scheduler.add("job", IntervalSchedule(60, anchor=T0), catchup="all")
    clock.advance(180)
    assert [t for t, _ in scheduler.due()] == [T0 + 60, T0 + 120, T0 + 180]


def test_none_catchup_respects_grace():
    clock = SimulatedClock(T0)
    scheduler = Scheduler(clock)
    scheduler.add("job", IntervalSchedule(600, anchor=T0), catchup="none", grace=30)
    clock.advance(620)
    assert scheduler.due() == [(T0 + 600, "job")]
    clock.advance(600 + 31 - 20)
    assert scheduler.due() == []
    assert scheduler.job("job").skipped == 1


def test_due_results_sorted_by_time_then_name():
    clock = SimulatedClock(T0)
    scheduler = Scheduler(clock)
    scheduler.add("b", IntervalSchedule(60, anchor=T0))
    scheduler.add("a", IntervalSchedule(60, anchor=T0))
    scheduler.add("c", IntervalSchedule(30, anchor=T0))
    clock.advance(60)
    assert scheduler.due() == [(T0 + 60, "a"), (T0 + 60, "b"), (T0 + 60, "c")]


def test_pause_and_resume():
    clock = SimulatedClock(T0)
    scheduler = Scheduler(clock)
    scheduler.add("job", IntervalSchedule(60, anchor=T0))
    scheduler.pause("job")
    clock.advance(600)
    assert scheduler.due() == []
    assert scheduler.next_wakeup() is None
    scheduler.resume("job")
    assert scheduler.next_wakeup() == T0 + 660


def test_blackout_skips_fire_times():
    clock = SimulatedClock(T0)
    blackout = BlackoutCalendar([TimeWindow("00:00", "01:00")])
    scheduler = Scheduler(clock, blackout=blackout)
    scheduler.add("job", "30 * * * *")
    clock.advance(1800)
    assert scheduler.due() == []
    assert scheduler.job("job").skipped == 1
    clock.advance(3600)
    assert scheduler.due() == [(T0 + 5400, "job")]


def test_add_validation_and_lookup():
    scheduler = Scheduler(SimulatedClock(T0))
    scheduler.add("job", "@daily")
    with pytest.raises(ConfigurationError):
        scheduler.add("job", "@daily")
    with pytest.raises(ConfigurationError):
        scheduler.add("other", "@daily", catchup="sometimes")
    with pytest.raises(UnknownTaskError):
        scheduler.job("missing")


def test_remove_and_names():
    scheduler = Scheduler(SimulatedClock(T0))
    scheduler.add("b", "@daily")
    scheduler.add("a", "@hourly")
    assert scheduler.names() == ["a", "b"]
    scheduler.remove("b")
    assert scheduler.names() == ["a"]
    assert scheduler.next_wakeup() == T0 + 3600


def test_explicit_start():
    scheduler = Scheduler(SimulatedClock(T0))
    job = scheduler.add("job", IntervalSchedule(60), start=T0 + 1000)
    assert job.next_fire == T0 + 1020


def test_default_catchup_and_grace():
    scheduler = Scheduler(SimulatedClock(T0))
    job = scheduler.add("job", "@hourly")
    assert (job.catchup, job.grace) == ("latest", 60.0)


def test_next_wakeup_is_earliest():
    scheduler = Scheduler(SimulatedClock(T0))
    scheduler.add("slow", IntervalSchedule(600, anchor=T0))
    scheduler.add("fast", IntervalSchedule(60, anchor=T0))
    assert scheduler.next_wakeup() == T0 + 60


def test_fire_exactly_at_now_is_due_and_grace_is_inclusive():
    clock = SimulatedClock(T0)
    scheduler = Scheduler(clock)
    scheduler.add("job", IntervalSchedule(100, anchor=T0), catchup="none", grace=30)
    clock.advance(130)
    assert scheduler.due() == [(T0 + 100, "job")]


def test_catchup_is_bounded():
    from taskflow.schedule.scheduler import MAX_CATCHUP

    clock = SimulatedClock(T0)
    scheduler = Scheduler(clock)
    scheduler.add("job", IntervalSchedule(1, anchor=T0), catchup="all")
    clock.advance(5000)
    assert MAX_CATCHUP == 1000
    assert len(scheduler.due()) == 1000
    assert scheduler.job("job").next_fire == T0 + 1001
