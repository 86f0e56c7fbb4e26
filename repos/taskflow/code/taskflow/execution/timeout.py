"""Deadlines and cooperative cancellation."""

from taskflow.errors import ConfigurationError, DeadlineExceeded, TaskCancelled


class Deadline:
    """An absolute point in (clock) time by which work must finish."""

    def __init__(self, clock, seconds):
        if seconds is not None and seconds < 0:
            raise ConfigurationError("deadline must not be negative")
        self.clock = clock
        self.at = None if seconds is None else clock.now() + seconds

    @classmethod
    def never(cls, clock):
        return cls(clock, None)

    def remaining(self):
        if self.at is None:
            return float("inf")
        return max(0.0, self.at - self.clock.now())

    def expired(self):
        return self.at is not None and self.clock.now() >= self.at

    def check(self, what="operation"):
        if self.expired():
            overdue = self.clock.now() - self.at
            raise DeadlineExceeded(f"{what} exceeded its deadline by {overdue:.3f}s")

    def shorten(self, seconds):
        """A deadline that is the earlier of this one and ``now + seconds``."""
        other = Deadline(self.clock, seconds)
        if self.at is not None and (other.at is None or self.at < other.at):
            other.at = self.at
        return other


class CancellationToken:
    """Cooperative cancellation flag; children are cancelled with the parent."""

    def __init__(self, parent=None):
        self._cancelled = False
        self.reason = None
        self._callbacks = []
        self._children = []
        if parent is not None:
            parent._children.append(self)
            if parent.cancelled:
                self.cancel(parent.reason)

    @property
    def cancelled(self):
        return self._cancelled

    def cancel(self, reason="cancelled"):
        if self._cancelled:
            return False
        self._cancelled = True
        self.reason = reason
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(reason)
        for child in self._children:
            child.cancel(reason)
        return True

    def on_cancel(self, callback):
        if self._cancelled:
            callback(self.reason)
        else:
            self._callbacks.append(callback)

    def child(self):
        return CancellationToken(parent=self)

    def raise_if_cancelled(self):
        if self._cancelled:
            raise TaskCancelled(self.reason)
