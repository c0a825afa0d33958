"""Wakes this process's delivery workers as soon as a transaction that queued deliveries commits,
so a delivery starts then rather than at the worker's next poll (the poll remains for the work
other replicas queue and for leases that run out).

A wake-up is only a hint: a worker woken for nothing (another app in the same process, a
transaction that queued nothing it may claim) runs one round that claims nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_listeners: set[Callable[[], None]] = set()
_ARMED = "webhooks_wake_after_commit"


def subscribe(callback: Callable[[], None]) -> None:
    _listeners.add(callback)


def unsubscribe(callback: Callable[[], None]) -> None:
    _listeners.discard(callback)


def after_commit(session: AsyncSession) -> None:
    """Wake the workers once `session`'s transaction commits (a rollback wakes nobody)."""
    sync = session.sync_session
    if sync.info.get(_ARMED):
        return
    sync.info[_ARMED] = True

    def wake(_: Session) -> None:
        sync.info.pop(_ARMED, None)
        for callback in list(_listeners):
            callback()

    event.listen(sync, "after_commit", wake, once=True)
