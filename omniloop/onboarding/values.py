from __future__ import annotations

from dataclasses import dataclass

from omniloop.attribution.values import BindingOutcome


@dataclass(frozen=True)
class JoinResult:
    member_id: int
    member_code: str
    created: bool
    welcome_points: int
    binding: BindingOutcome | None
    welcome_coupons: int = 0  # welcome coupons put in the new member's wallet


@dataclass(frozen=True)
class OtpSent:
    masked_phone: str
    expires_in: int
