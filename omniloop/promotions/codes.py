"""Coupon codes: unguessable, easy to read aloud and to type, and never mistaken for a member code.

A single-use code is 12 characters from a 32-symbol alphabet without 0/O and 1/I (about 59 bits
of entropy from `secrets`), starting with a letter so a till can tell it from a 12-digit member
code. It is stored bare (`K7MPQ2XR9WHD`) and shown grouped (`K7MP-Q2XR-9WHD`); whatever the
shopper types is normalised before any lookup."""

from __future__ import annotations

import re
import secrets
import unicodedata

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 12
GROUP = 4
MAX_CODE_LENGTH = 32  # the column width of Coupon.code and CouponTemplate.shared_code
SHARED_CODE_RE = re.compile(r"^[A-Z0-9]{4,32}$")
_SEPARATORS = re.compile(r"[\s\-_.·]+")


def new_coupon_code() -> str:
    """A fresh single-use code (bare). Uniqueness is the database's job (unique column)."""
    first = secrets.choice(LETTERS)
    return first + "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH - 1))


def new_claim_token() -> str:
    """The secret part of a claim link (`/m/coupons/claim/<token>`): 128 bits, URL-safe."""
    return secrets.token_urlsafe(16)


def normalize_code(raw: str) -> str:
    """What a shopper typed or a scanner read -> the stored form: full-width characters folded
    (Chinese keyboards), upper case, spaces and dashes removed. Over-long input is cut so it can
    never match (lookups compare whole codes)."""
    folded = unicodedata.normalize("NFKC", raw or "")
    return _SEPARATORS.sub("", folded).upper()[: MAX_CODE_LENGTH + 1]


def display_code(code: str) -> str:
    """`K7MPQ2XR9WHD` -> `K7MP-Q2XR-9WHD`; shared codes chosen by people are shown as stored."""
    if len(code) != CODE_LENGTH:
        return code
    return "-".join(code[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def is_valid_shared_code(code: str) -> bool:
    """A shared code (normalised) is 4-32 letters and digits."""
    return bool(SHARED_CODE_RE.match(code))


def _pair(col: str, i: int) -> str:
    return f"(get_byte({col}, {i}) * 256 + get_byte({col}, {i + 1}))"


def coupon_code_sql(letter_bytes: str, body_bytes: str) -> str:
    """The same code as `new_coupon_code`, drawn by PostgreSQL from two random UUIDs' bytes
    (`uuid_send(gen_random_uuid())`, the columns named here), so a bulk issue need not send
    codes from Python. Body: one symbol per byte (`byte % 32`, uniform: 256 is a multiple of
    32), skipping byte 6, whose high bits are the UUID version. First letter: a 16-bit number
    below 65520 (a multiple of 24) taken `% 24`, else the next pair (rejection sampling, three
    tries). All three rejected (about 1e-11 per code) gives NULL, which the NOT NULL column
    refuses: the caller draws the chunk again, as after a unique-code collision."""
    tries = " ".join(
        f"WHEN {_pair(letter_bytes, i)} < 65520 THEN {_pair(letter_bytes, i)} % 24"
        for i in (0, 2, 4)
    )
    first = f"substr('{LETTERS}', (CASE {tries} END)::int + 1, 1)"
    body = " || ".join(
        f"substr('{ALPHABET}', get_byte({body_bytes}, {i}) % 32 + 1, 1)"
        for i in (0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11)
    )
    return f"({first} || {body})"
