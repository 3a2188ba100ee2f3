from __future__ import annotations

import base64

import pytest

from linli.lib.crypto import (
    CryptoError,
    blind_index,
    decrypt,
    derive_key,
    encrypt,
    generate_key_text,
    parse_key,
)

MASTER = bytes(range(32))
ENC = derive_key(MASTER, "enc")
HASH = derive_key(MASTER, "hash")
SECRET = "11010519491231002X 张三"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_round_trip() -> None:
    token = encrypt(SECRET, ENC)
    assert token.startswith("v1:")
    assert decrypt(token, ENC) == SECRET
    assert decrypt(encrypt("", ENC), ENC) == ""


def test_random_nonce() -> None:
    assert encrypt(SECRET, ENC) != encrypt(SECRET, ENC)


def test_ciphertext_does_not_contain_plaintext() -> None:
    plain = "13812345678"
    token = encrypt(plain, ENC)
    assert plain not in token
    assert plain.encode() not in _unb64(token[3:])


def test_tamper_detected() -> None:
    token = encrypt(SECRET, ENC)
    blob = bytearray(_unb64(token[3:]))
    for index in (0, 12, len(blob) - 1):  # nonce, ciphertext, tag
        changed = bytearray(blob)
        changed[index] ^= 0x01
        with pytest.raises(CryptoError):
            decrypt("v1:" + _b64(bytes(changed)), ENC)
    with pytest.raises(CryptoError):
        decrypt("v1:" + _b64(bytes(blob[:-1])), ENC)


def test_wrong_key() -> None:
    token = encrypt(SECRET, ENC)
    with pytest.raises(CryptoError):
        decrypt(token, HASH)


@pytest.mark.parametrize("token", ["", "v2:AAAA", "plain text", "v1:", "v1:!!!!", "v1:AAAA"])
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(CryptoError):
        decrypt(token, ENC)


def test_key_length_enforced() -> None:
    with pytest.raises(ValueError):
        encrypt("x", b"short")
    with pytest.raises(ValueError):
        decrypt("v1:AAAA", b"x" * 16)


def test_error_message_does_not_leak() -> None:
    token = encrypt(SECRET, ENC)
    with pytest.raises(CryptoError) as info:
        decrypt(token, HASH)
    assert SECRET not in str(info.value)


def test_blind_index() -> None:
    digest = blind_index("11010519491231002X", HASH)
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert digest == blind_index("11010519491231002X", HASH)
    assert digest != blind_index("11010519491231003X", HASH)
    assert digest != blind_index("11010519491231002X", ENC)
    with pytest.raises(ValueError):
        blind_index("x", b"short")


def test_derive_key() -> None:
    assert len(ENC) == 32
    assert ENC != HASH
    assert ENC != MASTER
    assert derive_key(MASTER, "enc") == ENC
    assert derive_key(bytes(32), "enc") != ENC
    with pytest.raises(ValueError):
        derive_key(MASTER, "")
    with pytest.raises(ValueError):
        derive_key(b"tiny", "enc")


def test_parse_and_generate_key() -> None:
    text = generate_key_text()
    key = parse_key(text)
    assert len(key) == 32
    assert parse_key(text + "=") == key
    assert parse_key(f"  {text}\n") == key
    assert parse_key(key.hex()) == key
    assert parse_key(key.hex().upper()) == key
    assert generate_key_text() != text


@pytest.mark.parametrize("text", ["", "abc", _b64(bytes(31)), _b64(bytes(33)), "g" * 64, "a b"])
def test_parse_key_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_key(text)
