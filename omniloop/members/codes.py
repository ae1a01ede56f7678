from __future__ import annotations

import secrets


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def new_member_code() -> str:
    """12 digits, starting with 8, random (not guessable from the member count), Luhn-checked
    so a mistyped code at the till is caught before a lookup."""
    body = "8" + "".join(secrets.choice("0123456789") for _ in range(10))
    return body + luhn_digit(body)


def is_valid_member_code(code: str) -> bool:
    return len(code) == 12 and code.isdigit() and luhn_digit(code[:-1]) == code[-1]


def new_otp() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"
