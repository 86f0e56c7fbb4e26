"""A priority job queue with delayed availability and cancellation."""

import heapq

from taskflow.errors import ConfigurationError, QueueEmptyError


class QueuedJob:
    __slots__ = ("job_id", "payload", "priority", "available_at", "seq")

    def __init__(self, job_id, payload, priority, available_at, seq):
        self.job_id = job_id
        self.payload = payload
        self.priority = priority
        self.available_at = available_at
        self.seq = seq

    def __repr__(self):
        return f"QueuedJob({self.job_id!r}, priority={self.priority})"


class PriorityJobQueue:
    """Higher priority first; equal priorities are served first-in first-out.

    Jobs pushed with a ``delay`` only become eligible once the clock reaches
    their ``available_at`` time.
    """

    def __init__(self, clock, max_size=None):
        self.clock = clock
        self.max_size = max_size
        self._ready = []
        self._delayed = []
        self._live = {}
        self._seq = 0

    def __len__(self):
        return len(self._live)

    def __contains__(self, job_id):
        return job_id in self._live

    def push(self, job_id, payload=None, priority=0, delay=0.0):
        if job_id in self._live:
            raise ConfigurationError(f"job already queued: {job_id}")
        if self.max_size is not None and len(self._live) >= self.max_size:
            raise ConfigurationError("queue is full")
        if delay < 0:
            raise ConfigurationError("delay must not be negative")
        self._seq += 1
        job = QueuedJob(job_id, payload, priority, self.clock.now() + delay, self._seq)
        self._live[job_id] = job
        if delay > 0:
            heapq.heappush(self._delayed, (job.available_at, job.seq, job))
        else:
            heapq.heappush(self._ready, (-job.priority, job.seq, job))
        return job

    def _promote(self):
        now = self.clock.now()
        while self._delayed and self._delayed[0][0] <= now:
            _, _, job = heapq.heappop(self._delayed)
            heapq.heappush(self._ready, (-job.priority, job.seq, job))

    def _discard_cancelled(self):
        while self._ready and self._live.get(self._ready[0][2].job_id) is not self._ready[0][2]:
            heapq.heappop(self._ready)

    def peek(self):
        self._promote()
        self._discard_cancelled()
        if not self._ready:
            raise QueueEmptyError("no job is ready")
        return self._ready[0][2]

    def pop(self):
        job = self.peek()
        heapq.heappop(self._ready)
        del self._live[job.job_id]
        return job

    def pop_all_ready(self):
        jobs = []
        while True:
            try:
                jobs.append(self.pop())
            except QueueEmptyError:
                return jobs

    def cancel(self, job_id):
        return self._live.pop(job_id, None) is not None

    def ready_count(self):
        self._promote()
        return sum(1 for _, _, job in self._ready if self._live.get(job.job_id) is job)

    def next_available_at(self):
        """When the next delayed job becomes eligible, or None."""
        times = [when for when, _, job in self._delayed if self._live.get(job.job_id) is job]
        return min(times) if times else None
