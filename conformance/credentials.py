"""HTTP Basic credentials of OCPP 1.6 security profiles 1 and 2, as bytes.

The white paper (edition 3, configuration key AuthorizationKey) makes the Basic-auth password 16 to 20 bytes, "strongly
advised to be randomly generated binary", and carries it over OCPP as its hexadecimal representation (32 to 40 hex
digits) in ChangeConfiguration AuthorizationKey. On the wire, the Authorization header holds the bytes themselves:
base64 of `<identity>:<password bytes>`, not of the hex text.

A descriptor's `security.password` follows the convention certification tools use: 32 to 40 hex digits are the hex
representation of the password, anything else is the password itself in UTF-8.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import string

MIN_PASSWORD_BYTES = 16
MAX_PASSWORD_BYTES = 20
# Printable ASCII without ':' (Basic auth splits user and password at the first colon), without the space and without
# the characters JSON, XML or a shell would escape.
PASSWORD_ALPHABET = string.ascii_letters + string.digits + "-_.~+=^*()[]{}?;,"


def is_hex_key(text: str) -> bool:
    """Whether `text` is an AuthorizationKey value: an even number of 32 to 40 hexadecimal digits."""
    return 32 <= len(text) <= 40 and len(text) % 2 == 0 and all(c in string.hexdigits for c in text)


def password_bytes(password: str | bytes) -> bytes:
    """The Basic-auth password a descriptor's `security.password` (or an AuthorizationKey value) stands for."""
    if isinstance(password, bytes):
        return password
    if is_hex_key(password):
        return binascii.unhexlify(password)
    return password.encode("utf-8")


def authorization_key(password: str | bytes) -> str:
    """The AuthorizationKey value (uppercase hex) of a password."""
    return password_bytes(password).hex().upper()


def basic_token(identity: str, password: str | bytes) -> str:
    """The base64 part of `Authorization: Basic ...` for `identity` and `password`."""
    return base64.b64encode(identity.encode("utf-8") + b":" + password_bytes(password)).decode("ascii")


def split_basic(header: str | None) -> tuple[str | None, bytes | None]:
    """(user, password bytes) of an `Authorization: Basic` header value; (None, None) when it is not one."""
    if not header or not header.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True)
    except (binascii.Error, ValueError):
        return None, None
    user, sep, password = decoded.partition(b":")
    if not sep:
        return user.decode("utf-8", "replace"), None
    return user.decode("utf-8", "replace"), password


def new_password(length: int = MAX_PASSWORD_BYTES) -> str:
    """A fresh random password of printable characters, `length` bytes long (16 to 20)."""
    if not MIN_PASSWORD_BYTES <= length <= MAX_PASSWORD_BYTES:
        raise ValueError(f"a password is {MIN_PASSWORD_BYTES} to {MAX_PASSWORD_BYTES} bytes, not {length}")
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))
