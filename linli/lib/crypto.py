"""Field-level encryption for personal data (AES-256-GCM) and blind indexes.

Pure Python, no Django. Typical use: configure one master key, then
``enc_key = derive_key(master, "enc")`` and ``hash_key = derive_key(master, "hash")``;
store ``encrypt(value, enc_key)`` and ``blind_index(canonical_value, hash_key)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "CryptoError",
    "blind_index",
    "decrypt",
    "derive_key",
    "encrypt",
    "generate_key_text",
    "parse_key",
]

KEY_BYTES = 32
_NONCE_BYTES = 12
_TAG_BYTES = 16
_VERSION = "v1"
_PREFIX = _VERSION + ":"
# The version label is authenticated too, so a token cannot be relabelled.
_AAD = _VERSION.encode("ascii")
_B64_RE = re.compile(r"^[A-Za-z0-9_\-+/]+={0,2}$")
_HEX64_RE = re.compile(r"^[0-9a-fA-F]{64}$")
_MIN_HMAC_KEY_BYTES = 16


class CryptoError(ValueError):
    """Decryption failed: tampered token, wrong key or unknown version."""


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise ValueError("Encryption key must be exactly 32 bytes.")


def _b64decode(text: str) -> bytes:
    """Decode urlsafe (or standard) base64, padding optional."""
    if not _B64_RE.match(text):
        raise ValueError("Not base64.")
    text = text.rstrip("=").replace("+", "-").replace("/", "_")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("Not base64.") from None


def encrypt(plaintext: str, key: bytes) -> str:
    """AES-256-GCM with a random 96-bit nonce; returns "v1:" + urlsafe base64 (no
    padding) of nonce + ciphertext + tag. Encrypting the same value twice gives
    different tokens; use :func:`blind_index` for lookups."""
    _check_key(key)
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), _AAD)
    return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")


def decrypt(token: str, key: bytes) -> str:
    """Inverse of :func:`encrypt`; raises :class:`CryptoError` if the token was altered,
    the key is wrong or the version is unknown."""
    _check_key(key)
    if not isinstance(token, str) or not token.startswith(_PREFIX):
        raise CryptoError("Unknown ciphertext version.")
    try:
        blob = _b64decode(token[len(_PREFIX) :])
    except ValueError:
        raise CryptoError("Malformed ciphertext.") from None
    if len(blob) < _NONCE_BYTES + _TAG_BYTES:
        raise CryptoError("Malformed ciphertext.")
    try:
        plain = AESGCM(key).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _AAD)
    except InvalidTag:
        raise CryptoError("Decryption failed (tampered data or wrong key).") from None
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        raise CryptoError("Decrypted data is not UTF-8.") from None


def blind_index(value: str, key: bytes) -> str:
    """HMAC-SHA256 hex digest (64 chars) for exact lookup / uniqueness.

    Deterministic: canonicalise ``value`` first (e.g. the parsed ID number or E.164
    phone). ``key`` must differ from the encryption key (see :func:`derive_key`).
    """
    if not isinstance(key, bytes) or len(key) < _MIN_HMAC_KEY_BYTES:
        raise ValueError("Blind index key must be at least 16 bytes.")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def derive_key(master: bytes, purpose: str) -> bytes:
    """HKDF-SHA256 (no salt, info=purpose) -> 32 bytes; one master key yields
    independent keys such as ``derive_key(m, "enc")`` and ``derive_key(m, "hash")``."""
    if not isinstance(master, bytes) or len(master) < _MIN_HMAC_KEY_BYTES:
        raise ValueError("Master key must be at least 16 bytes.")
    if not purpose:
        raise ValueError("Key purpose must not be empty.")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode())
    return hkdf.derive(master)


def parse_key(text: str) -> bytes:
    """Parse a configured key: urlsafe base64 of 32 bytes (padding optional; the
    standard alphabet is accepted too) or 64 hex characters. ValueError otherwise."""
    text = text.strip()
    if _HEX64_RE.match(text):
        return bytes.fromhex(text)
    try:
        key = _b64decode(text)
    except ValueError:
        raise ValueError("Key must be urlsafe base64 of 32 bytes or 64 hex characters.") from None
    if len(key) != KEY_BYTES:
        raise ValueError("Key must be urlsafe base64 of 32 bytes or 64 hex characters.")
    return key


def generate_key_text() -> str:
    """A fresh random key as urlsafe base64 without padding (43 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).rstrip(b"=").decode("ascii")
