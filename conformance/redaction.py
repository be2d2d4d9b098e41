"""Credentials never reach a report: the one place that takes them out of text.

Every rendering of the wire log (text, JSONL, the frames quoted in failure messages) and every report the suite
writes (summary, JUnit, Allure results and attachments, the HTML report, the terminal summary) passes through
`redact` or `redact_value`. The verdict logic keeps seeing the real frames: only what is written or shown is redacted.

What is taken out:
- every secret registered in this process (`register`, `register_password`): the descriptors' passwords in their plain,
  hexadecimal (AuthorizationKey) and Basic-token forms, passwords the suite sets or learns during a run, the file
  servers' FTP passwords;
- in frames, the value of the AuthorizationKey configuration key wherever it travels (ChangeConfiguration.req,
  GetConfiguration.conf), and of the 2.x BasicAuthPassword variable (SetVariablesRequest), whoever set it; such a
  value is then registered, so it is taken out elsewhere too;
- the password part of a URL (`ftp://user:password@host/...`);
- PEM private keys.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any, Iterable

from conformance.credentials import is_hex_key, password_bytes

MARK = "[redacted]"
MIN_REGISTERED = 6  # shorter values are taken out only where they stand as an AuthorizationKey value

_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY-----|.*)", re.S)
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@\"'<>]*:)([^@/\s\"'<>]+)(@)")
_AUTHORIZATION_KEY = "authorizationkey"
_BASIC_AUTH_PASSWORD = "basicauthpassword"  # OCPP 2.x: SecurityCtrlr.BasicAuthPassword in SetVariables


class _Registry:
    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str) -> None:
        if len(value) >= MIN_REGISTERED and value not in self._values:
            self._values.add(value)
            self._pattern = None

    @property
    def pattern(self) -> re.Pattern[str] | None:
        if self._pattern is None and self._values:
            ordered = sorted(self._values, key=len, reverse=True)  # the longest first: a secret inside another
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
        return self._pattern

    def clear(self) -> None:
        self._values.clear()
        self._pattern = None

    def __contains__(self, value: str) -> bool:
        return value in self._values

    def values(self) -> frozenset[str]:
        return frozenset(self._values)


_REGISTRY = _Registry()


def register(secret: str | bytes | None) -> None:
    """Never show `secret` in any output of this process (also as it appears inside a JSON string)."""
    if not secret:
        return
    if isinstance(secret, bytes):
        try:
            secret = secret.decode("utf-8")
        except UnicodeDecodeError:
            return  # bytes that are no text never appear in text output as such
    # as written, and as JSON, XML and HTML writers escape it
    for form in (secret, json.dumps(secret, ensure_ascii=False)[1:-1], json.dumps(secret)[1:-1],
                 html.escape(secret, quote=False), html.escape(secret, quote=True)):
        _REGISTRY.add(form)


def register_password(password: str | bytes | None, identities: Iterable[str] = ()) -> None:
    """A Basic-auth password in every form it can take: itself, its AuthorizationKey (hex, both letter cases) and
    the Basic token of each identity that uses it."""
    if not password:
        return
    raw = password_bytes(password)
    register(password if isinstance(password, str) else None)
    register(raw)
    register(raw.hex().upper())
    register(raw.hex())
    for identity in identities:
        register(base64.b64encode(identity.encode("utf-8") + b":" + raw).decode("ascii"))


def registered() -> frozenset[str]:
    """The registered secrets (for self-tests that look for them in written files)."""
    return _REGISTRY.values()


def forget_all() -> None:
    """Drop every registered secret (self-tests only)."""
    _REGISTRY.clear()


def redact(text: str) -> str:
    """`text` without private keys, URL passwords and registered secrets."""
    if not text:
        return text
    if "PRIVATE KEY-----" in text:
        text = _PRIVATE_KEY.sub(MARK, text)
    if "://" in text:
        text = _URL_PASSWORD.sub(lambda m: m.group(1) + MARK + m.group(3), text)
    pattern = _REGISTRY.pattern
    if pattern is not None:
        text = pattern.sub(MARK, text)
    return text


def redact_frame(raw: str) -> str:
    """A raw OCPP-J frame as it may be shown: as `redact`, and the AuthorizationKey value taken out by its place in
    the message (ChangeConfiguration.req, GetConfiguration.conf) whatever it is."""
    lowered = raw.lower()
    if _AUTHORIZATION_KEY in lowered or _BASIC_AUTH_PASSWORD in lowered:
        raw = _without_authorization_keys(raw)
    return redact(raw)


def _without_authorization_keys(raw: str) -> str:
    try:
        message = json.loads(raw)
    except ValueError:
        return raw
    found: list[str] = []
    _collect_keys(message, found)
    for value in found:
        register_password(value) if is_hex_key(value) else register(value)
        for token in {json.dumps(value, ensure_ascii=False), json.dumps(value)}:
            raw = re.sub(r'("(?:value|attributeValue)"\s*:\s*)' + re.escape(token),
                         lambda m: m.group(1) + json.dumps(MARK), raw)
    return raw


def _collect_keys(node: Any, found: list[str]) -> None:
    """Values of {"key": "AuthorizationKey", "value": ...} pairs and of {"variable": {"name": "BasicAuthPassword"},
    "attributeValue": ...} entries anywhere in a message."""
    if isinstance(node, dict):
        key = node.get("key")
        if isinstance(key, str) and key.lower() == _AUTHORIZATION_KEY and isinstance(node.get("value"), str):
            found.append(node["value"])
        if _is_basic_auth_password(node) and isinstance(node.get("attributeValue"), str):
            found.append(node["attributeValue"])
        for item in node.values():
            _collect_keys(item, found)
    elif isinstance(node, list):
        for item in node:
            _collect_keys(item, found)


def _is_basic_auth_password(node: dict) -> bool:
    variable = node.get("variable")
    name = variable.get("name") if isinstance(variable, dict) else None
    return isinstance(name, str) and name.lower() == _BASIC_AUTH_PASSWORD


def redact_payload(payload: Any) -> Any:
    """An OCPP payload with the value of every AuthorizationKey entry replaced (and registered): for titles and
    messages that quote a payload rather than a frame."""
    found: list[str] = []
    _collect_keys(payload, found)
    if not found:
        return payload
    for value in found:
        register_password(value) if is_hex_key(value) else register(value)
    return _replace_keys(payload)


def _replace_keys(node: Any) -> Any:
    if isinstance(node, dict):
        key = node.get("key")
        out = {k: _replace_keys(v) for k, v in node.items()}
        if isinstance(key, str) and key.lower() == _AUTHORIZATION_KEY and isinstance(node.get("value"), str):
            out["value"] = MARK
        if _is_basic_auth_password(node) and isinstance(node.get("attributeValue"), str):
            out["attributeValue"] = MARK
        return out
    if isinstance(node, list):
        return [_replace_keys(item) for item in node]
    return node


def redact_value(value: Any) -> Any:
    """`value` with every string in it redacted (dicts, lists and tuples are copied)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v) for v in value)
    return value


MAX_SCRUBBED_FILE = 64 * 2**20


def scrub_files(folder: str | Path, *, since: float = 0.0) -> int:
    """Redact every text file under `folder` written since `since` (a time.time() value) in place: the last line of
    defence for report files other tools write, such as Allure's result files quoting an exception. Returns how many
    files changed."""
    root = Path(folder)
    if not root.is_dir():
        return 0
    changed = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        try:
            status = path.stat()
            if status.st_size > MAX_SCRUBBED_FILE or status.st_mtime < since:
                continue
            data = path.read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # binary files carry no text secrets
        clean = redact(text)
        if clean == text:
            continue
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        temporary.write_text(clean, encoding="utf-8")
        os.replace(temporary, path)
        changed += 1
    return changed
