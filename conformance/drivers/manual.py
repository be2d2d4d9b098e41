"""The manual driver: an operator performs each action when prompted and confirms with Enter.

In a non-interactive run (CI, no terminal) every action raises `NeedsManualAction` at once, so the case is
reported NOT APPLICABLE instead of waiting for nobody. Waiting for the operator is bounded by
``timeouts.manual`` and never blocks the event loop: the terminal is read in a daemon thread.
"""

from __future__ import annotations

import asyncio
import os
import select
import sys
import threading
import time
from typing import Any, TextIO

from conformance.drivers.base import ChargePointDriver, CsmsDriver, Driver, DriverError, NeedsManualAction, in_thread

_EOF = object()
_GAVE_UP = object()
_POLL = 0.2  # seconds between checks of the stop flag while waiting for input


def detect_interactive() -> bool:
    """An operator can answer: not in CI, and a terminal is attached (stdin is a TTY, or the controlling
    terminal can be opened — pytest's capture replaces stdin even when someone sits at the terminal)."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    try:
        if sys.__stdin__ is not None and sys.__stdin__.isatty():
            return True
    except (ValueError, OSError):
        pass
    try:
        os.close(os.open("/dev/tty", os.O_RDWR))
        return True
    except OSError:
        return False


class ManualDriver(Driver):
    kind = "manual"

    def __init__(
        self,
        descriptor: Any,
        *,
        wire: Any = None,
        interactive: bool | None = None,
        input_stream: Any = None,
        output_stream: TextIO | None = None,
    ) -> None:
        """`input_stream`/`output_stream` replace the terminal (tests, GUIs); by default the controlling terminal
        (/dev/tty) is used, falling back to stdin/stderr."""
        super().__init__(descriptor, wire=wire)
        self.interactive = detect_interactive() if interactive is None else interactive
        self._input = input_stream
        self._output = output_stream
        self._lock: asyncio.Lock | None = None

    def can(self, action: str) -> bool:
        return self.interactive

    async def _perform(self, action: str, params: dict[str, Any]) -> dict[str, Any] | None:
        what = self.describe(action, params)
        if not self.interactive:
            raise NeedsManualAction(f'needs a manual action: {what} (driver "manual", non-interactive run)')
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # one prompt at a time
            answer = await self._ask(what)
        return {"answer": answer} if answer else None

    async def _ask(self, what: str) -> str:
        limit = self.descriptor.timeouts.manual
        source, sink, owned = self._streams()
        stop = threading.Event()

        def read() -> object:
            try:
                return _read_line(source, time.monotonic() + limit, stop)
            finally:
                if owned:  # closed by the reader itself, so its descriptor cannot be reused under it
                    source.close()

        try:
            _drain_if_terminal(source)
            _say(sink, f"\nOperator: {what}, then press Enter (or type 'skip' if it cannot be done, 'fail' if it failed): ")
            try:
                line = await in_thread(read, timeout=limit, name="manual-driver")
            except TimeoutError:
                line = _GAVE_UP
            if line is _GAVE_UP:
                _say(sink, f"\n(no confirmation within {limit:g} s)\n")
                raise DriverError(f"operator did not confirm within {limit:g} s: {what}")
        finally:
            stop.set()  # the reader thread ends within _POLL seconds
        if line is _EOF:
            raise NeedsManualAction(f'needs a manual action: {what} (driver "manual": operator input is closed)')
        answer = str(line).strip().lower()
        if answer in ("s", "skip"):
            raise NeedsManualAction(f"the operator skipped the manual action: {what}")
        if answer in ("f", "fail", "failed"):
            raise DriverError(f"the operator reported that this failed: {what}")
        return answer

    def _streams(self) -> tuple[Any, TextIO, bool]:
        if self._input is not None or self._output is not None:
            return self._input or sys.__stdin__, self._output or sys.__stderr__, False
        try:
            tty = open("/dev/tty", "r+", encoding="utf-8", errors="replace")  # noqa: SIM115 - the reader closes it
            return tty, tty, True
        except OSError:
            return sys.__stdin__, sys.__stderr__, False


def _say(sink: TextIO, text: str) -> None:
    try:
        sink.write(text)
        sink.flush()
    except (OSError, ValueError):
        pass


def _fd(stream: Any) -> int | None:
    if isinstance(stream, int):
        return stream
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def _drain_if_terminal(stream: Any) -> None:
    """Drop keystrokes typed before the prompt so a stray Enter does not confirm the next action. Pipes are left
    alone: scripted answers written in advance are meant to be read."""
    fd = _fd(stream)
    if fd is None or not os.isatty(fd):
        return
    try:
        import termios

        termios.tcflush(fd, termios.TCIFLUSH)
    except (ImportError, OSError):
        pass


def _read_line(stream: Any, deadline: float, stop: threading.Event) -> object:
    """One line from `stream` (without the newline), `_EOF`, or `_GAVE_UP` at the deadline or when stopped."""
    fd = _fd(stream)
    if fd is None or os.name == "nt":
        line = stream.readline()  # no pollable descriptor: the daemon thread may stay blocked, which is harmless
        return line.rstrip("\r\n") if line else _EOF
    buffered = b""
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return _GAVE_UP
        ready, _, _ = select.select([fd], [], [], min(remaining, _POLL))
        if not ready:
            continue
        byte = os.read(fd, 1)  # byte by byte: later lines in a pipe belong to later prompts
        if not byte:
            return buffered.decode("utf-8", errors="replace") if buffered else _EOF
        if byte == b"\n":
            return buffered.decode("utf-8", errors="replace").rstrip("\r")
        buffered += byte
    return _GAVE_UP


class ManualChargePointDriver(ManualDriver, ChargePointDriver):
    """Prompts for physical actions on a charge point."""


class ManualCsmsDriver(ManualDriver, CsmsDriver):
    """Prompts the operator of a CSMS to make it send commands."""
