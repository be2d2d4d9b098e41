"""The http driver: each action is a JSON POST to a test API of the IUT.

Conventions (``driver.convention``):
- vendor, charge point: ``POST {base_url}/{action-kebab}`` with the parameters as camelCase JSON
  (connectorId, idTag, errorCode, fail); e.g. ``POST /plug-in {"connectorId": 1}``.
- vendor, CSMS: ``POST {base_url}/{station_id}/{action-kebab}`` with the OCPP payload;
  e.g. ``POST /CP001/remote-start-transaction {"idTag": "X", "connectorId": 1}``.
  Other operator actions: ``POST {base_url}/{action-kebab}`` with camelCase parameters.
- octt (CSMS only): ``POST {base_url}/api/octt/{version}/{station_id}/{action-kebab}`` with the OCPP payload.

2xx = done; 404 or 501 = the API does not offer the action (NOT APPLICABLE); anything else = DriverError.
Standard library only: urllib in a daemon thread, bounded by ``driver.timeout``.
"""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote

from conformance.drivers.base import (
    ChargePointDriver,
    CsmsDriver,
    Driver,
    DriverError,
    NeedsManualAction,
    camel,
    in_thread,
    kebab,
    last_line,
)
from conformance.iut import identity_segment
from conformance.wire import Role

OBSERVATIONS = frozenset({"cable_locked"})  # actions whose answer the case reads
NOT_OFFERED = (404, 501)


class HttpDriver(Driver):
    kind = "http"

    def __init__(self, descriptor: Any, *, wire: Any = None) -> None:
        super().__init__(descriptor, wire=wire)
        config = descriptor.driver
        self.base_url: str = config["base_url"].rstrip("/")
        self.convention: str = config.get("convention", "vendor")
        self.timeout: float = float(config.get("timeout", 30))
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        self.headers.update({k: os.path.expandvars(v) for k, v in (config.get("headers") or {}).items()})
        # The test API is reached directly: a proxy from the environment must not capture loopback traffic.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def can(self, action: str) -> bool:
        return True  # only the API knows; a 404/501 answer turns into NeedsManualAction

    def request_for(self, action: str, params: dict[str, Any]) -> tuple[str, str, Any]:
        """(url, kebab-case action, JSON body) for an action."""
        version = quote(self.descriptor.ocpp_version, safe=".")
        if action == "send_command":
            slug = kebab(str(params.get("command", "")))
            station = identity_segment(str(params.get("station_id") or self.identity))
            body: Any = params.get("payload") or {}
            if self.convention == "octt":
                return f"{self.base_url}/api/octt/{version}/{station}/{slug}", slug, body
            return f"{self.base_url}/{station}/{slug}", slug, body
        slug = kebab(action)
        if self.descriptor.sut is Role.CSMS and self.convention == "octt":
            station = identity_segment(str(params.get("station_id") or self.identity))
            body = {camel(k): v for k, v in params.items() if k != "station_id"}
            return f"{self.base_url}/api/octt/{version}/{station}/{slug}", slug, body
        return f"{self.base_url}/{slug}", slug, {camel(k): v for k, v in params.items()}

    async def _perform(self, action: str, params: dict[str, Any]) -> dict[str, Any] | None:
        url, slug, body = self.request_for(action, params)
        data = json.dumps(body).encode("utf-8")
        try:
            status, answer = await in_thread(self._post, url, data, timeout=self.timeout + 1, name="http-driver")
        except TimeoutError:
            raise DriverError(f"driver 'http': POST {url} did not answer within {self.timeout:g} s") from None
        if 200 <= status < 300:
            if action in OBSERVATIONS:  # the answer is the observation
                try:
                    return {"status": status, "reply": json.loads(answer)}
                except ValueError:
                    raise DriverError(f"driver 'http': POST {url} answered {last_line(answer) or 'no body'!r}, "
                                      "expected a JSON object") from None
            return {"status": status}
        if status in NOT_OFFERED:
            raise NeedsManualAction(f"the test API at {url} does not support {slug} (HTTP {status})")
        detail = last_line(answer) or "no body"
        raise DriverError(f"driver 'http': POST {url} answered HTTP {status}: {detail}")

    def _post(self, url: str, data: bytes) -> tuple[int, bytes]:
        request = urllib.request.Request(url, data=data, headers=self.headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, response.read(4096)
        except urllib.error.HTTPError as exc:
            try:
                return exc.code, exc.read(4096)
            finally:
                exc.close()
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise DriverError(f"driver 'http': POST {url} did not answer within {self.timeout:g} s") from None
            text = getattr(reason, "strerror", None) or str(reason)
            raise DriverError(
                f"driver 'http': POST {url} failed: {text} — is the test API running? (driver.base_url in {self.descriptor.label})"
            ) from None
        except (socket.timeout, TimeoutError):
            raise DriverError(f"driver 'http': POST {url} did not answer within {self.timeout:g} s") from None
        except (OSError, ValueError) as exc:  # reset by peer, bad status line, malformed URL
            raise DriverError(f"driver 'http': POST {url} failed: {type(exc).__name__}: {exc}") from None


class HttpChargePointDriver(HttpDriver, ChargePointDriver):
    """Calls a charge point's test API."""


class HttpCsmsDriver(HttpDriver, CsmsDriver):
    """Calls a CSMS's test API to make it send commands."""
