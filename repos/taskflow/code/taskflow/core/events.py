"""A synchronous publish/subscribe bus used for lifecycle hooks."""

from taskflow.errors import ConfigurationError

WILDCARD = "*"


class Subscription:
    __slots__ = ("token", "event", "handler", "priority", "once", "seq")

    def __init__(self, token, event, handler, priority, once, seq):
        self.token = token
        self.event = event
        self.handler = handler
        self.priority = priority
        self.once = once
        self.seq = seq


class EventBus:
    """Dispatches named events to handlers.

    Handlers run in descending priority; handlers with equal priority run in
    subscription order.  Handlers subscribed to ``"*"`` receive every event.
    When ``swallow_errors`` is true, handler exceptions are recorded in
    :attr:`errors` instead of propagating.
    """

    def __init__(self, swallow_errors=False):
        self._subs = []
        self._next_token = 1
        self.swallow_errors = swallow_errors
        self.errors = []

    def subscribe(self, event, handler, priority=0, once=False):
        if not callable(handler):
            raise ConfigurationError("event handler must be callable")
        if not event:
            raise ConfigurationError("event name must not be empty")
        token = self._next_token
        self._next_token += 1
        self._subs.append(Subscription(token, event, handler, priority, once, token))
        return token

    def once(self, event, handler, priority=0):
        return self.subscribe(event, handler, priority=priority, once=True)

    def unsubscribe(self, token):
        before = len(self._subs)
        self._subs = [sub for sub in self._subs if sub.token != token]
        return len(self._subs) < before

    def handlers_for(self, event):
        matching = [sub for sub in self._subs if sub.event == event or sub.event == WILDCARD]
        matching.sort(key=lambda sub: (-sub.priority, sub.seq))
        return matching

    def emit(self, event, **payload):
        """Deliver ``event``; returns the number of handlers invoked."""
        called = 0
        for sub in self.handlers_for(event):
            if sub.once:
                self.unsubscribe(sub.token)
            called += 1
            try:
                if sub.event == WILDCARD:
                    sub.handler(event, **payload)
                else:
                    sub.handler(**payload)
            except Exception as exc:  # noqa: BLE001 - hooks must not break runs
                if not self.swallow_errors:
                    raise
                self.errors.append((event, exc))
        return called

    def subscriber_count(self, event=None):
        if event is None:
            return len(self._subs)
        return sum(1 for sub in self._subs if sub.event == event)
