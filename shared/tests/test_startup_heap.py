"""A started process freezes its startup heap (`gc.freeze`) once, so the collector's full passes
skip the ~200,000 objects every process holds from startup (each pass over them was a 70-170 ms
stall; bench/RESULTS.md, issue #16 item 2), while what requests allocate is still collected.

Each case runs in a fresh interpreter: a freeze lasts for the process, and this one has started
apps already."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, json, weakref
    from contextlib import asynccontextmanager

    from shared.app import create_process_app
    from shared.settings import BaseProcessSettings

    entered = []

    @asynccontextmanager
    async def lifespan(app):
        entered.append(gc.get_freeze_count())  # the app's own startup runs first
        yield

    async def ready(request):
        return {}

    class Node:
        pass

    def app():
        return create_process_app(
            name="probe", title="probe", description="", version="0",
            settings=BaseProcessSettings(), readiness=ready, lifespan=lifespan,
        )

    async def main():
        before = gc.get_freeze_count()
        first = app()
        async with first.router.lifespan_context(first):
            after_first = gc.get_freeze_count()
            # A cycle made after startup is still garbage the collector frees.
            node = Node()
            node.self = node
            alive = weakref.ref(node)
            del node
            gc.collect()
            collected = alive() is None
        second = app()
        async with second.router.lifespan_context(second):
            after_second = gc.get_freeze_count()
        print(json.dumps({
            "before": before, "after_first": after_first, "after_second": after_second,
            "entered": entered, "collected": collected,
        }))

    asyncio.run(main())
    """
)


def test_the_startup_heap_is_frozen_once_per_process() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True
    )
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["before"] == 0
    assert seen["entered"][0] == 0  # frozen after the app's own startup, not before it
    assert seen["after_first"] > 10_000  # the imported modules and the app, at least
    # A second app freezes nothing more: only a freeze adds to the count (it falls as frozen
    # objects are freed), and its startup added nothing.
    assert seen["entered"][1] <= seen["after_first"]
    assert seen["after_second"] <= seen["entered"][1]
    assert seen["collected"] is True
