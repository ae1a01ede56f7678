from __future__ import annotations

import hashlib
import hmac

import pytest

from omniloop.core import crypto
from omniloop.core.errors import ValidationFailed
from omniloop.core.phones import parse_phone


@pytest.mark.parametrize(
    ("raw", "e164", "masked"),
    [
        ("13812345678", "+8613812345678", "138****5678"),
        ("+86 138-1234-5678", "+8613812345678", "138****5678"),
        (" 0086 138 1234 5678 ", "+8613812345678", "138****5678"),
        ("+44 7911 123456", "+447911123456", "+44 791***3456"),
    ],
)
def test_parse_normalises_and_masks(raw, e164, masked):
    phone = parse_phone(raw)
    assert phone.e164 == e164
    assert phone.masked == masked


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "phone_invalid"),
        ("12345", "phone_invalid"),
        ("abc", "phone_invalid"),
        ("1381234567", "phone_invalid"),
        ("1" * 40, "phone_invalid"),
        ("010 6552 9988", "phone_not_mobile"),
    ],
)
def test_bad_phones_are_refused_with_a_code(raw, code):
    with pytest.raises(ValidationFailed) as exc:
        parse_phone(raw)
    assert exc.value.code == code


def test_blind_index_is_a_keyed_hmac_known_answer(settings):
    """Checked against hashlib directly, not against our own code."""
    import base64

    key = bytes(range(32))
    settings.OMNILOOP_INDEX_KEY = base64.b64encode(key).decode()
    crypto._index_key.cache_clear()
    try:
        expected = hmac.new(key, b"phone:+8613812345678", hashlib.sha256).hexdigest()
        assert parse_phone("13812345678").index == expected
    finally:
        crypto._index_key.cache_clear()
