"""Everything the suite holds for one IUT during a run: wire log, judge, peer, endpoint, driver, simulator."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from conformance.errors import Unreachable
from conformance.peer import Peer
from conformance.wire import Role, Wire


class Link:
    def __init__(self, descriptor: Any, *, extra_faults: tuple[str, ...] = (), interactive: bool | None = None,
                 waived_rules: tuple[str, ...] = ()) -> None:
        if extra_faults and descriptor.driver.get("type") == "simulator":
            driver = dict(descriptor.driver)
            driver["faults"] = list(driver.get("faults", [])) + list(extra_faults)
            descriptor = dataclasses.replace(descriptor, driver=driver)
        self.descriptor = descriptor
        self.name = descriptor.name
        self.interactive = interactive
        self.wire = Wire()
        from conformance.responders import responder_for
        from conformance.rules import Judge

        t = descriptor.timeouts
        self.judge = Judge(
            version=descriptor.ocpp_version,
            iut_role=descriptor.sut,
            response_timeout=t.response,
            whitepaper="security" in descriptor.features,
            waived_rules=waived_rules,
        )
        self.responder = responder_for(descriptor)
        self.peer = Peer(
            role=descriptor.sut.other,
            version=descriptor.ocpp_version,
            identity=descriptor.identity,
            wire=self.wire,
            judge=self.judge,
            responders=self.responder,
            response_timeout=t.response,
            expect_timeout=t.expect,
            tolerance=t.tolerance,
        )
        self.endpoint: Any = None
        self.driver: Any = None
        self.simulator: Any = None
        self.started = False
        self.start_error: BaseException | None = None

    @property
    def suite_is_csms(self) -> bool:
        return self.descriptor.sut is Role.CHARGE_POINT

    @property
    def endpoint_url(self) -> str:
        if self.suite_is_csms:
            return self.endpoint.url if self.endpoint is not None else ""
        return self.descriptor.endpoint.rstrip("/") + "/" + self.descriptor.identity

    async def start(self) -> None:
        """Open the suite's endpoint and start the IUT when it is a built-in simulator."""
        if self.started:
            if self.start_error:
                raise self.start_error
            return
        self.started = True
        try:
            await self._start()
        except BaseException as exc:
            self.start_error = exc
            raise

    async def _start(self) -> None:
        from conformance import drivers, pki
        from conformance.transport import ChargePointClient, CsmsServer

        ssl_context = pki.ssl_context_for(self.descriptor)
        if self.suite_is_csms:
            self.endpoint = CsmsServer(descriptor=self.descriptor, peer=self.peer, ssl_context=ssl_context)
            await self.endpoint.start()
        else:
            self.endpoint = ChargePointClient(descriptor=self.descriptor, peer=self.peer, ssl_context=ssl_context)
        if self.descriptor.driver.get("type") == "simulator":
            from conformance.drivers.simulator import start_simulator

            self.simulator, self.driver = await start_simulator(self.descriptor, wire=self.wire)
        else:
            self.driver = drivers.create(self.descriptor, wire=self.wire, interactive=self.interactive)

    async def ensure_connected(self) -> None:
        """Suite as CSMS: wait until the charge point is connected. Suite as charge point: connect if needed."""
        if self.peer.connected:
            return
        timeout = self.descriptor.timeouts.connect
        if self.suite_is_csms:
            try:
                await asyncio.wait_for(self.peer._connected.wait(), timeout)
            except TimeoutError:
                raise Unreachable(
                    f"the charge point {self.descriptor.identity} did not connect to {self.endpoint_url} within {timeout:g} s"
                    f" — point the charger at this URL (listen.* in {self.descriptor.path or 'the IUT descriptor'})"
                ) from None
        else:
            await self.endpoint.connect()

    async def stop(self) -> None:
        if self.simulator is not None:
            from conformance.drivers.simulator import stop_simulator

            try:
                await asyncio.wait_for(stop_simulator(self.simulator), 10)
            except Exception:
                pass
        if self.endpoint is not None:
            if self.suite_is_csms:
                await self.endpoint.stop()
            else:
                await self.endpoint.disconnect()


class IutActions:
    """The `iut` fixture: physical and operator actions on the IUT, through its driver.

    An action the driver cannot perform non-interactively makes the case *not applicable* (never a hang, never a pass)."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.descriptor = link.descriptor

    def __getattr__(self, action: str) -> Any:
        if action.startswith("_"):
            raise AttributeError(action)
        driver = self.link.driver
        method = getattr(driver, action, None)
        if method is None or not callable(method):
            raise AttributeError(f"the IUT driver has no action {action!r}")

        async def perform(*args: Any, **kwargs: Any) -> Any:
            import pytest

            from conformance.drivers.base import DriverError, NeedsManualAction
            from conformance.errors import Broken, NOT_APPLICABLE_PREFIX

            try:
                return await method(*args, **kwargs)
            except NeedsManualAction as exc:
                pytest.skip(NOT_APPLICABLE_PREFIX + str(exc))
            except DriverError as exc:
                raise Broken(f"driver action {action} failed: {exc}", category="suite") from None

        return perform
