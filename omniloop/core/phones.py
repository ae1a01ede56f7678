"""Phone numbers: parse and normalise with `phonenumbers`, mask for staff, encrypt for storage."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from django.conf import settings

from omniloop.core import crypto
from omniloop.core.errors import ValidationFailed


@dataclass(frozen=True)
class Phone:
    """A valid phone number in E.164 form (+8613812345678)."""

    e164: str

    @property
    def national(self) -> str:
        parsed = phonenumbers.parse(self.e164)
        return str(parsed.national_number)

    @property
    def masked(self) -> str:
        """What store staff see: 138****5678 (mainland) or +44 79****1234 (elsewhere)."""
        parsed = phonenumbers.parse(self.e164)
        national = str(parsed.national_number)
        middle = "*" * max(len(national) - 7, 2)
        body = national[:3] + middle + national[-4:]
        return body if parsed.country_code == 86 else f"+{parsed.country_code} {body}"

    @property
    def index(self) -> str:
        return crypto.blind_index(self.e164, purpose="phone")

    def encrypt(self) -> bytes:
        return crypto.encrypt(self.e164, context=b"phone")

    @staticmethod
    def decrypt(blob: bytes) -> Phone:
        return Phone(crypto.decrypt(blob, context=b"phone"))


def parse_phone(raw: str, *, region: str | None = None) -> Phone:
    """Normalise a phone number as typed ("138 1234 5678", "+86 138-1234-5678") or raise
    `phone_invalid`. Only mobile-capable numbers are accepted: a member must receive SMS."""
    text = (raw or "").strip()
    if not text or len(text) > 32:
        raise ValidationFailed("Enter a valid mobile phone number.", code="phone_invalid")
    try:
        parsed = phonenumbers.parse(text, region or settings.OMNILOOP_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationFailed("Enter a valid mobile phone number.", code="phone_invalid") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationFailed("Enter a valid mobile phone number.", code="phone_invalid")
    kind = phonenumbers.number_type(parsed)
    if kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationFailed(
            "Enter a mobile phone number that can receive SMS.", code="phone_not_mobile"
        )
    return Phone(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
