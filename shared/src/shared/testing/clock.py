"""A clock tests move by hand, instead of sleeping for distinct timestamps.

Every timestamp the platform writes comes from `shared.db.utcnow()`; the `clock` fixture (in
`shared.testing.plugin`) installs a `ManualClock` there for one test:

    first = await build.journal(...)
    clock.advance()          # later writes are a second on, whatever the wall clock did
    as_of = clock.now()

It reads the wall clock plus the distance advanced, so writes still get distinct instants; a
`freeze(at)` pins it to one instant. The in-process apps and any consumer step read the same
clock, since it is process-wide for the length of the test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from shared.db import set_clock, system_clock


class ManualClock:
    """Wall time plus an offset the test moves on, or a frozen instant plus that offset."""

    def __init__(self) -> None:
        self.offset = dt.timedelta(0)
        self.frozen: dt.datetime | None = None

    def __call__(self) -> dt.datetime:
        return (self.frozen or system_clock()) + self.offset

    def now(self) -> dt.datetime:
        return self()

    def advance(self, delta: dt.timedelta | None = None, /, **units: float) -> dt.datetime:
        """Move on by `delta` or `seconds=`/`days=`/... (one second by default); the new now."""
        step = delta if delta is not None else dt.timedelta(**units) if units else None
        self.offset += step if step is not None else dt.timedelta(seconds=1)
        return self()

    def freeze(self, at: dt.datetime | None = None) -> dt.datetime:
        """Stop at `at` (UTC-aware; default: now) until `advance` or `thaw`."""
        if at is not None and at.tzinfo is None:
            raise ValueError("freeze at a UTC-aware instant")
        self.frozen, self.offset = (at or self()), dt.timedelta(0)
        return self()

    def thaw(self) -> None:
        """Run with the wall clock again, keeping the instant reached."""
        if self.frozen is not None:
            self.offset = self.frozen + self.offset - system_clock()
            self.frozen = None


@contextmanager
def installed(clock: ManualClock | None = None) -> Iterator[ManualClock]:
    """`utcnow()` reads `clock` (a new one by default) inside the block."""
    clock = clock or ManualClock()
    previous = set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)
