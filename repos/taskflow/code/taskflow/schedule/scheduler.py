"""Decides which registered jobs are due at a given instant."""

from taskflow.core.clock import from_datetime, to_datetime
from taskflow.errors import ConfigurationError, UnknownTaskError
from taskflow.schedule.cron import CronSchedule
from taskflow.schedule.interval import IntervalSchedule

CATCHUP_POLICIES = ("all", "latest", "none")
MAX_CATCHUP = 1000


def next_fire_time(schedule, timestamp):
    """Next fire time (POSIX seconds) of a cron or interval schedule."""
    if isinstance(schedule, str):
        schedule = CronSchedule(schedule)
    if isinstance(schedule, CronSchedule):
        return from_datetime(schedule.next_after(to_datetime(timestamp)))
    if isinstance(schedule, IntervalSchedule):
        return schedule.next_after(timestamp)
    raise ConfigurationError(f"unsupported schedule: {schedule!r}")


class ScheduledJob:
    def __init__(self, name, schedule, catchup, grace):
        self.name = name
        self.schedule = schedule
        self.catchup = catchup
        self.grace = grace
        self.enabled = True
        self.next_fire = None
        self.last_fire = None
        self.fired = 0
        self.skipped = 0


class Scheduler:
    """Tracks next fire times for many jobs against an injected clock.

    Catch-up policies for fire times missed since the last poll:

    * ``"all"``    – every missed fire time is returned;
    * ``"latest"`` – only the most recent missed fire time is returned;
    * ``"none"``   – the most recent fire time is returned only if it lies
      within ``grace`` seconds of now, otherwise nothing is.

    Fire times that fall inside a blackout window are skipped.
    """

    def __init__(self, clock, blackout=None):
        self.clock = clock
        self.blackout = blackout
        self._jobs = {}

    def add(self, name, schedule, catchup="latest", grace=60.0, start=None):
        if catchup not in CATCHUP_POLICIES:
            raise ConfigurationError(f"unknown catch-up policy: {catchup!r}")
        if name in self._jobs:
            raise ConfigurationError(f"job already scheduled: {name}")
        if isinstance(schedule, str):
            schedule = CronSchedule(schedule)
        job = ScheduledJob(name, schedule, catchup, grace)
        origin = self.clock.now() if start is None else start
        job.next_fire = next_fire_time(schedule, origin)
        self._jobs[name] = job
        return job

    def job(self, name):
        try:
            return self._jobs[name]
        except KeyError:
            raise UnknownTaskError(f"no scheduled job named {name!r}") from None

    def remove(self, name):
        self.job(name)
        del self._jobs[name]

    def pause(self, name):
        self.job(name).enabled = False

    def resume(self, name):
        job = self.job(name)
        job.enabled = True
        job.next_fire = next_fire_time(job.schedule, self.clock.now())

    def _blocked(self, timestamp):
        return self.blackout is not None and self.blackout.is_blocked(to_datetime(timestamp))

    def due(self, now=None):
        """Return ``[(fire_time, name), ...]`` for jobs due at ``now``."""
        now = self.clock.now() if now is None else now
        result = []
        for job in self._jobs.values():
            if not job.enabled:
                continue
            missed = []
            while job.next_fire <= now and len(missed) < MAX_CATCHUP:
                missed.append(job.next_fire)
                job.next_fire = next_fire_time(job.schedule, job.next_fire)
            if not missed:
                continue
            if job.catchup == "all":
                chosen = missed
            elif job.catchup == "latest":
                chosen = missed[-1:]
            else:
                chosen = [t for t in missed[-1:] if now - t <= job.grace]
            job.skipped += len(missed) - len(chosen)
            for fire_time in chosen:
                if self._blocked(fire_time):
                    job.skipped += 1
                    continue
                job.fired += 1
                job.last_fire = fire_time
                result.append((fire_time, job.name))
        result.sort()
        return result

    def next_wakeup(self):
        """Earliest upcoming fire time among enabled jobs, or None."""
        times = [job.next_fire for job in self._jobs.values() if job.enabled]
        return min(times) if times else None

    def names(self):
        return sorted(self._jobs)
