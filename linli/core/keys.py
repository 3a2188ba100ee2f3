"""The field-encryption and blind-index keys, derived once from settings.LINLI_FIELD_KEY."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from linli.lib import crypto


@cache
def _master() -> bytes:
    return crypto.parse_key(settings.LINLI_FIELD_KEY)


@cache
def enc_key() -> bytes:
    return crypto.derive_key(_master(), "linli-field-encryption-v1")


@cache
def hash_key() -> bytes:
    return crypto.derive_key(_master(), "linli-blind-index-v1")


def blind(value: str) -> str:
    """Keyed hash of a normalised value, for exact lookup and uniqueness."""
    return crypto.blind_index(value, hash_key())


def encrypt(value: str) -> str:
    return crypto.encrypt(value, enc_key())


def decrypt(token: str) -> str:
    return crypto.decrypt(token, enc_key())
