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


@dataclass(frozen=True)
class OtpSent:
    masked_phone: str
    expires_in: int
