"""Waiting on a simulator's state: tests and drivers wait for a condition instead of sleeping."""

from __future__ import annotations

import asyncio
from typing import Callable


class Observable:
    """State changes call `_wake()`; `wait_for(predicate, timeout)` returns once the predicate holds."""

    _changed: asyncio.Condition

    def _init_observable(self) -> None:
        self._changed = asyncio.Condition()

    def _wake(self) -> None:
        asyncio.ensure_future(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:
        """Wait until `predicate()` holds (checked on every state change); TimeoutError after `timeout`."""

        async def waiter() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(waiter(), timeout)
