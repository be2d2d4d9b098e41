"""The exec driver: each action runs a command from ``driver.commands`` (no shell).

The template is split into arguments first and the placeholders are filled in per argument afterwards, so a
value (an id tag, a JSON payload) is always exactly one argument and is never parsed by a shell. Scripts that do
want a shell write ``sh -c "... {id_tag!q} ..."``: ``!q`` shell-quotes the value.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import signal
import string
from typing import Any

from conformance.drivers.base import (
    ChargePointDriver,
    CsmsDriver,
    Driver,
    DriverError,
    NeedsManualAction,
    camel,
    last_line,
)
from conformance.wire import Role


class _Template(string.Formatter):
    """str.format with a `!q` conversion (shell quoting) and absent values as empty text."""

    def get_value(self, key: Any, args: Any, kwargs: dict[str, Any]) -> Any:
        return kwargs.get(key, "") if isinstance(key, str) else super().get_value(key, args, kwargs)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "q":
            return shlex.quote(str(value))
        return super().convert_field(value, conversion)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


class ExecDriver(Driver):
    kind = "exec"

    def __init__(self, descriptor: Any, *, wire: Any = None) -> None:
        super().__init__(descriptor, wire=wire)
        config = descriptor.driver
        self.commands: dict[str, str] = dict(config.get("commands") or {})
        self.timeout: float = float(config.get("timeout", 30))
        self.cwd: str | None = config.get("cwd")
        self.env = {**os.environ, **(config.get("env") or {})}

    def _command_for(self, action: str, params: dict[str, Any]) -> tuple[str, str | None]:
        """(name of the command entry to use, its template or None)."""
        if action == "send_command":
            command = params.get("command", "")
            if command in self.commands:
                return command, self.commands[command]
            return "send_command", self.commands.get("send_command")
        return action, self.commands.get(action)

    def can(self, action: str) -> bool:
        if action in self.commands:
            return True
        # An OCPP action name (CamelCase) is a command the CSMS sends: the generic send_command entry covers it.
        return self.descriptor.sut is Role.CSMS and action[:1].isupper() and "send_command" in self.commands

    def _values(self, action: str, params: dict[str, Any]) -> dict[str, str]:
        values = {k: _text(v) for k, v in params.items()}
        values.update(identity=self.identity, version=self.descriptor.ocpp_version)
        if action == "send_command":
            payload = params.get("payload") or {}
            values.update(action=_text(params.get("command")), payload=_text(payload))
            values.setdefault("station_id", self.identity)
            # The common payload fields are placeholders too, so a per-action command need not parse JSON.
            token = payload.get("idToken")
            id_tag = payload.get("idTag", token.get("idToken") if isinstance(token, dict) else None)
            connector = payload.get("connectorId", payload.get("evseId"))
            if id_tag is not None:
                values["id_tag"] = _text(id_tag)
            if connector is not None:
                values["connector"] = _text(connector)
        else:
            values.update(action=action, payload=_text({camel(k): v for k, v in params.items()}))
            values.setdefault("station_id", self.identity)
        return values

    async def _perform(self, action: str, params: dict[str, Any]) -> dict[str, Any] | None:
        entry, template = self._command_for(action, params)
        where = f"driver.commands.{entry}"
        if template is None:
            extra = f" (or driver.commands.{params.get('command')})" if action == "send_command" else ""
            raise NeedsManualAction(f"driver 'exec' has no command for {entry} — add {where}{extra} to {self.descriptor.label}")
        formatter = _Template()
        values = self._values(action, params)
        try:
            argv = [formatter.vformat(token, (), values) for token in shlex.split(template)]
        except (ValueError, IndexError, KeyError, AttributeError) as exc:
            raise DriverError(f"driver 'exec': {where} in {self.descriptor.label} is not a valid template ({exc})") from None
        shown = shlex.join(argv)
        shown = shown if len(shown) <= 200 else shown[:199] + "…"
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=self.cwd,
                env=self.env,
                start_new_session=True,  # its own process group: a timeout kills the children too
            )
        except FileNotFoundError:
            raise DriverError(
                f"driver 'exec': command not found: {argv[0]!r} ({where} in {self.descriptor.label}) — install it or give its full path"
            ) from None
        except PermissionError:
            raise DriverError(f"driver 'exec': {argv[0]!r} is not executable ({where} in {self.descriptor.label}) — chmod +x it") from None
        except OSError as exc:
            raise DriverError(f"driver 'exec': cannot run {shown}: {exc.strerror or exc}") from None
        try:
            out, err = await asyncio.wait_for(proc.communicate(), self.timeout)
        except TimeoutError:
            await _kill(proc)
            raise DriverError(f"driver 'exec': {entry} command did not finish within {self.timeout:g} s: {shown}") from None
        except asyncio.CancelledError:
            await _kill(proc)
            raise
        if proc.returncode != 0:
            why = last_line(err) or "no output on stderr"
            raise DriverError(f"driver 'exec': {entry} command exited with code {proc.returncode}: {why} ({shown})")
        return {"exit_code": 0, "stdout": last_line(out)} if last_line(out) else {"exit_code": 0}


async def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is not None:
        return
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    try:
        await asyncio.wait_for(proc.wait(), 5)
    except TimeoutError:
        pass


class ExecChargePointDriver(ExecDriver, ChargePointDriver):
    """Runs a command per charge point action."""


class ExecCsmsDriver(ExecDriver, CsmsDriver):
    """Runs a command to make the CSMS send a command (per OCPP action, or one `send_command` template)."""
