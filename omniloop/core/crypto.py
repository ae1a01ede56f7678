"""Field encryption and blind indexes for personal data.

Phone numbers are stored as AES-256-GCM ciphertext (a key id byte, a 12-byte nonce, the
ciphertext) and looked up through a keyed blind index: HMAC-SHA256 over the normalised value with
a separate key. Neither key ever lives in the database. Old keys stay readable during rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _derive(label: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=b"omniloop", info=label).derive(
        settings.SECRET_KEY.encode()
    )


def _decode_key(value: str) -> bytes:
    key = base64.b64decode(value)
    if len(key) != 32:
        raise ValueError("Omniloop keys are 32 bytes, base64-encoded")
    return key


@lru_cache(maxsize=1)
def _field_keys() -> tuple[bytes, ...]:
    current = (
        _decode_key(settings.OMNILOOP_FIELD_KEY)
        if settings.OMNILOOP_FIELD_KEY
        else _derive(b"field-encryption")
    )
    return (current, *(_decode_key(k) for k in settings.OMNILOOP_FIELD_KEYS_OLD))


@lru_cache(maxsize=1)
def _index_key() -> bytes:
    if settings.OMNILOOP_INDEX_KEY:
        return _decode_key(settings.OMNILOOP_INDEX_KEY)
    return _derive(b"blind-index")


def _key_id(key: bytes) -> int:
    return hashlib.sha256(key).digest()[0]


def encrypt(plaintext: str, *, context: bytes) -> bytes:
    """Encrypt with the current key; `context` (b"phone") is bound as associated data."""
    key = _field_keys()[0]
    nonce = os.urandom(12)
    return bytes([_key_id(key)]) + nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), context)


def decrypt(blob: bytes, *, context: bytes) -> str:
    blob = bytes(blob)
    for key in _field_keys():
        if blob[0] == _key_id(key):
            return AESGCM(key).decrypt(blob[1:13], blob[13:], context).decode()
    raise ValueError("no key for this ciphertext")


def blind_index(value: str, *, purpose: str) -> str:
    """A deterministic keyed hash: equal values match, but the index alone reveals nothing."""
    mac = hmac.new(_index_key(), f"{purpose}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


def token_hash(secret: str) -> str:
    """Keyed hash for bearer secrets (API tokens, one-time codes): a dump cannot be brute-forced."""
    return blind_index(secret, purpose="secret")
