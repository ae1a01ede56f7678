"""Follow-to-win lotteries (关注抽奖, ADR 32).

HQ creates a lottery: prize (a coupon template) x number of winners, an entry window, and
whether entrants must follow the service account. A seed is drawn then; only its SHA-256 is
shown until the draw. Members enter once, on the H5 page or by scanning the lottery's code
(its own poster touchpoint, which the WeChat parametric QR also carries). The draw runs once:
the lottery row is locked and moves from `open` to `drawn` in the same transaction that
records the seed, the ordered entry ids and the winners, issues each winner's coupon and
queues their message (consent is checked when it is sent). `lottery_verify` recomputes the
winners from that record."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from omniloop.core import clock, crypto
from omniloop.core.brand import brand_settings
from omniloop.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from omniloop.growth.draw import ALGORITHM, draw_winners, seed_commitment, seed_new
from omniloop.growth.models import Lottery, LotteryEntry
from omniloop.members.models import Member
from omniloop.messaging.outbox import message_enqueue
from omniloop.promotions.coupons import coupon_issue
from omniloop.promotions.models import CouponTemplate
from omniloop.touchpoints.models import ScanEvent, Touchpoint
from omniloop.touchpoints.services import touchpoint_create
from omniloop.wechat.models import WechatFollower, WechatQrCode
from omniloop.wechat.qrcodes import (
    MAX_TEMPORARY_SECONDS,
    MIN_TEMPORARY_SECONDS,
    wechat_qrcode_create,
    wechat_qrcode_get,
)
from omniloop.wechat.values import QrCodeInfo

log = logging.getLogger(__name__)
SEED_CONTEXT = b"lottery_seed"
MAX_WINNERS = 10_000


@dataclass(frozen=True)
class LotteryInput:
    title: str
    coupon_template_id: int
    winners: int
    opens_at: datetime
    closes_at: datetime
    requires_follow: bool = True
    title_en: str = ""


def lottery_create(*, data: LotteryInput, created_by_id: int | None = None) -> Lottery:
    """A new lottery with its committed seed and its poster touchpoint. Bad input writes
    nothing (422 with a code)."""
    title = data.title.strip()[:100]
    if not title:
        raise ValidationFailed("A lottery needs a title.", code="lottery_title_required")
    if not 1 <= data.winners <= MAX_WINNERS:
        raise ValidationFailed(
            f"Between 1 and {MAX_WINNERS} winners.", code="lottery_winners_invalid"
        )
    if data.closes_at <= data.opens_at:
        raise ValidationFailed("Entries must close after they open.", code="lottery_window_invalid")
    if data.closes_at <= clock.now():
        raise ValidationFailed("Entries must close in the future.", code="lottery_window_past")
    template = CouponTemplate.objects.filter(
        pk=data.coupon_template_id, active=True, code_kind=CouponTemplate.CodeKind.UNIQUE
    ).first()
    if template is None:
        raise ValidationFailed(
            "Choose an active coupon template with unique codes.",
            code="lottery_template_invalid",
        )
    seed = seed_new()
    with transaction.atomic():
        tp = touchpoint_create(kind=Touchpoint.Kind.POSTER, label=f"抽奖 · {title}"[:100])
        return Lottery.objects.create(
            title=title,
            title_en=data.title_en.strip()[:100],
            coupon_template=template,
            winners=data.winners,
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            requires_follow=data.requires_follow,
            touchpoint=tp,
            seed_hash=seed_commitment(seed),
            seed_cipher=crypto.encrypt(seed, context=SEED_CONTEXT),
            algorithm=ALGORITHM,
            created_by_id=created_by_id,
            created_at=clock.now(),
        )


def lottery_get(*, lottery_id: int) -> Lottery:
    lottery = Lottery.objects.select_related("coupon_template", "touchpoint").filter(pk=lottery_id)
    found = lottery.first()
    if found is None:
        raise NotFound("Lottery not found.", code="lottery_not_found")
    return found


def member_follows(*, member_id: int) -> bool:
    return WechatFollower.objects.filter(member_id=member_id, subscribed=True).exists()


def lottery_enter(
    *, lottery_id: int, member: Member, source: str = "h5", at: datetime | None = None
) -> LotteryEntry:
    """One entry per member, inside the window, following the account when required.
    Refusals write nothing: lottery_not_found (404), lottery_not_open, lottery_closed,
    lottery_entry_duplicate (409), lottery_follow_required, lottery_member_inactive (403)."""
    at = at or clock.now()
    lottery = lottery_get(lottery_id=lottery_id)
    if member.status != Member.Status.ACTIVE:
        raise ApplicationError(
            "Only members can enter.", code="lottery_member_inactive", status=403
        )
    if lottery.status != Lottery.Status.OPEN or at >= lottery.closes_at:
        raise Conflict("Entries are closed.", code="lottery_closed")
    if at < lottery.opens_at:
        raise Conflict("Entries are not open yet.", code="lottery_not_open")
    if lottery.requires_follow and not member_follows(member_id=member.pk):
        raise ApplicationError(
            "Follow our service account to enter.", code="lottery_follow_required", status=403
        )
    try:
        with transaction.atomic():
            return LotteryEntry.objects.create(
                lottery=lottery, member=member, source=source[:12], entered_at=at
            )
    except IntegrityError:
        raise Conflict("You have already entered.", code="lottery_entry_duplicate") from None


def lottery_on_scan(scan: ScanEvent) -> None:
    """The scan listener: a known member scanning a lottery's code (in WeChat or a browser)
    enters it. A refusal (not following, closed, already in) leaves the scan as it is."""
    if scan.member_id is None:
        return
    lottery_id = (
        Lottery.objects.filter(touchpoint_id=scan.touchpoint_id)
        .values_list("pk", flat=True)
        .first()
    )
    if lottery_id is None:
        return
    member = Member.objects.get(pk=scan.member_id)
    source = "wechat" if scan.user_agent == "wechat" else "scan"
    try:
        with transaction.atomic():
            lottery_enter(lottery_id=lottery_id, member=member, source=source, at=scan.scanned_at)
    except ApplicationError as exc:
        log.info("lottery %s entry by scan refused: %s", lottery_id, exc.code)


def lottery_wechat_code(*, lottery_id: int) -> QrCodeInfo:
    """A temporary WeChat parametric code for the lottery's touchpoint, valid until entries
    close (at most WeChat's 30 days), so a lottery uses no permanent code. Asking again while
    one is still valid returns it without calling WeChat. lottery_closed (409) after closing."""
    lottery = lottery_get(lottery_id=lottery_id)
    now = clock.now()
    if lottery.status != Lottery.Status.OPEN or lottery.closes_at <= now:
        raise Conflict("Entries are closed.", code="lottery_closed")
    current = (
        WechatQrCode.objects.filter(
            touchpoint_id=lottery.touchpoint_id, permanent=False, expires_at__gt=now
        )
        .order_by("-expires_at")
        .first()
    )
    if current is not None:
        return wechat_qrcode_get(qrcode_id=current.pk)
    seconds = int((lottery.closes_at - now).total_seconds())
    seconds = max(MIN_TEMPORARY_SECONDS, min(MAX_TEMPORARY_SECONDS, seconds))
    return wechat_qrcode_create(
        touchpoint_id=lottery.touchpoint_id, permanent=False, expire_seconds=seconds
    )


def lottery_seed(lottery: Lottery) -> str:
    return lottery.seed or crypto.decrypt(bytes(lottery.seed_cipher), context=SEED_CONTEXT)


def _award(lottery: Lottery, entry: LotteryEntry) -> None:
    member = Member.objects.get(pk=entry.member_id)
    try:
        with transaction.atomic():
            coupon = coupon_issue(template=lottery.coupon_template, member=member, source="lottery")
    except ApplicationError as exc:
        LotteryEntry.objects.filter(pk=entry.pk).update(won=True, award_problem=exc.code[:40])
        return
    LotteryEntry.objects.filter(pk=entry.pk).update(won=True, coupon=coupon)
    message_enqueue(
        member_id=member.pk,
        template="lottery_won",
        context={
            "brand": brand_settings().name,
            "title": lottery.title,
            "prize": lottery.coupon_template.name,
        },
        dedupe_key=f"lottery:{lottery.pk}:{entry.pk}",
        cause=f"lottery:{lottery.pk}",
    )


@dataclass(frozen=True)
class DrawResult:
    lottery_id: int
    seed: str
    seed_hash: str
    entry_ids: list[int]
    winner_ids: list[int]
    drawn_at: datetime
    already_drawn: bool


def _result(lottery: Lottery, *, already: bool) -> DrawResult:
    assert lottery.drawn_at is not None
    return DrawResult(
        lottery.pk,
        lottery.seed,
        lottery.seed_hash,
        list(lottery.entry_ids),
        list(lottery.winner_ids),
        lottery.drawn_at,
        already,
    )


def lottery_draw(*, lottery_id: int, at: datetime | None = None) -> DrawResult:
    """Draw once. The lottery row is locked first; a drawn lottery returns its recorded result
    (so parallel or repeated calls give one draw). Entries from members no longer active at the
    draw (merged away, erased) are not eligible. lottery_entries_open (409) before closing."""
    at = at or clock.now()
    with transaction.atomic():
        lottery = (
            Lottery.objects.select_for_update()
            .select_related("coupon_template")
            .filter(pk=lottery_id)
            .first()
        )
        if lottery is None:
            raise NotFound("Lottery not found.", code="lottery_not_found")
        if lottery.status == Lottery.Status.DRAWN:
            return _result(lottery, already=True)
        if at < lottery.closes_at:
            raise Conflict("Entries are still open.", code="lottery_entries_open")
        entry_ids = list(
            LotteryEntry.objects.filter(
                lottery=lottery, entered_at__lt=lottery.closes_at, member__status="active"
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        seed = lottery_seed(lottery)
        winners = draw_winners(seed=seed, entry_ids=entry_ids, k=lottery.winners)
        lottery.seed = seed
        lottery.entry_ids = entry_ids
        lottery.winner_ids = winners
        lottery.status = Lottery.Status.DRAWN
        lottery.drawn_at = at
        lottery.save(update_fields=["seed", "entry_ids", "winner_ids", "status", "drawn_at"])
        entries = {e.pk: e for e in LotteryEntry.objects.filter(pk__in=winners)}
        for pk in winners:
            _award(lottery, entries[pk])
    return _result(lottery, already=False)


@dataclass(frozen=True)
class Verification:
    lottery_id: int
    ok: bool
    seed_matches_commitment: bool
    winners_match: bool
    recorded: list[int]
    recomputed: list[int]


def lottery_verify(*, lottery_id: int) -> Verification:
    """Recompute a drawn lottery's winners from its record: the revealed seed must hash to the
    commitment published at creation, and the recorded entries must give the recorded winners."""
    lottery = lottery_get(lottery_id=lottery_id)
    if lottery.status != Lottery.Status.DRAWN:
        raise Conflict("This lottery has not been drawn.", code="lottery_not_drawn")
    commitment_ok = seed_commitment(lottery.seed) == lottery.seed_hash
    recomputed = draw_winners(seed=lottery.seed, entry_ids=lottery.entry_ids, k=lottery.winners)
    winners_ok = recomputed == list(lottery.winner_ids)
    return Verification(
        lottery.pk,
        commitment_ok and winners_ok,
        commitment_ok,
        winners_ok,
        list(lottery.winner_ids),
        recomputed,
    )
