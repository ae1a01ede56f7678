"""Members: who they are, how they joined, their identities (phones encrypted, never in plain
text), consents and welcome points. Bindings are planned here and written by `bindings`."""

from __future__ import annotations

import string
from datetime import date, datetime, timedelta

from omniloop.core.phones import parse_phone
from omniloop.demo.context import Demo, DemoMember
from omniloop.demo.data_places import OTHER_CITIES
from omniloop.demo.org import person_name
from omniloop.demo.rand import WeightedPicker
from omniloop.loyalty.bulk import NewMemberEarn, points_earn_for_new_members
from omniloop.members.models import (
    ConsentChannel,
    ConsentRecord,
    IdentityKind,
    Member,
    MemberIdentity,
)
from omniloop.stores.models import Store

WECHAT_APP = "wx-demo-app"
OPENID_ALPHABET = string.ascii_letters + string.digits + "-_"
# Stores are busiest in the evening; an hour's weight, 10:00 to 21:00.
STORE_HOURS = WeightedPicker(list(range(10, 22)), [3, 4, 6, 6, 5, 5, 6, 8, 9, 10, 9, 5])
ANY_HOURS = WeightedPicker(
    list(range(7, 24)), [1, 2, 3, 3, 4, 6, 5, 4, 4, 4, 4, 5, 6, 8, 10, 10, 7]
)
IDENTITY_SOURCE = {
    "scan": "join",
    "h5": "join",
    "till": "till",
    "import": "import",
    "wechat": "wechat",
    "marketplace": "marketplace",
}
SMS_OPT_IN = {
    "scan": 0.78,
    "h5": 0.74,
    "till": 0.66,
    "import": 0.55,
    "wechat": 0.6,
    "marketplace": 0.42,
}


def build_members(demo: Demo) -> None:
    plans = sorted(
        (_draw(demo) for _ in range(demo.member_count)), key=lambda m: (m.joined_at, m.member.code)
    )
    Member.objects.bulk_create([p.member for p in plans], batch_size=2000)
    demo.members = plans
    identities: list[MemberIdentity] = []
    consents: list[ConsentRecord] = []
    for plan in plans:
        identities.extend(_identities(demo, plan))
        consents.extend(_consents(demo, plan))
    MemberIdentity.objects.bulk_create(identities, batch_size=2000)
    ConsentRecord.objects.bulk_create(consents, batch_size=2000)
    points_earn_for_new_members(
        [
            NewMemberEarn(
                member_id=p.member.pk,
                points=100,
                reference=f"welcome:{p.member.pk}",
                note="Welcome gift",
                at=p.joined_at,
            )
            for p in plans
        ]
    )


def _draw(demo: Demo) -> DemoMember:
    """One member: when and how they joined, and the store (and assistant) that won them."""
    rng = demo.rng
    days_ago = 1 + int((demo.join_days - 1) * rng.random() ** 1.35)  # more joined recently
    day = demo.day(days_ago)
    stores = demo.open_stores(on=day)
    bound = bool(stores) and rng.random() < 0.85
    gender = rng.choices(("f", "m", ""), weights=(68, 27, 5))[0]
    if bound:
        picker = WeightedPicker(stores, [demo.store_weight[s.pk] for s in stores])
        store: Store | None = picker.pick(rng)
        source = rng.choices(("scan", "till", "import"), weights=(70, 18, 12))[0]
        joined_at = demo.at(day, STORE_HOURS.pick(rng), rng.randrange(60), rng.randrange(60))
        city = store.city if store else ""
    else:
        store = None
        source = rng.choices(("wechat", "marketplace", "h5"), weights=(45, 35, 20))[0]
        joined_at = demo.at(day, ANY_HOURS.pick(rng), rng.randrange(60), rng.randrange(60))
        city = (
            rng.choice(OTHER_CITIES)
            if rng.random() < 0.3
            else rng.choice(("上海", "北京", "杭州", "成都"))
        )
    member = Member(
        code=rng.member_code(),
        name=person_name(demo, gender or "f") if rng.random() < 0.88 else "",
        gender=gender,
        birth_date=_birth_date(demo, day),
        city=city,
        status=Member.Status.ACTIVE,
        join_source=source,
        joined_at=joined_at,
    )
    plan = DemoMember(
        member=member,
        joined_at=joined_at,
        home_city=city,
        join_source=source,
        activity=rng.choices((1.0, 0.45, 0.15), weights=(18, 47, 35))[0],
    )
    if store is not None:
        _initial_binding(demo, plan, store)
    return plan


def _birth_date(demo: Demo, joined: date) -> date | None:
    rng = demo.rng
    if rng.random() < 0.12:
        return None  # not everyone tells
    age = int(rng.triangular(19, 58, 31))
    return date(joined.year - age, rng.randint(1, 12), rng.randint(1, 28))


def _initial_binding(demo: Demo, plan: DemoMember, store: Store) -> None:
    rng = demo.rng
    team = demo.assistants[store.pk]
    picker = WeightedPicker(team, [demo.assistant_weight[a.pk] for a in team])
    assistant = None
    if plan.join_source == "scan":
        if rng.random() < 0.85:
            assistant = picker.pick(rng)
            touchpoint = demo.cards[assistant.pk]
        else:
            touchpoint = demo.counters[store.pk]
        plan.touches.append((plan.joined_at - timedelta(minutes=rng.randint(2, 9)), touchpoint))
    elif plan.join_source == "till":
        assistant = picker.pick(rng) if rng.random() < 0.7 else None
    elif rng.random() < 0.5:
        assistant = picker.pick(rng)
    plan.segments.append((plan.joined_at, store.pk, assistant.pk if assistant else None))


def _identities(demo: Demo, plan: DemoMember) -> list[MemberIdentity]:
    rng = demo.rng
    member, source = plan.member, IDENTITY_SOURCE[plan.join_source]
    phone = parse_phone(rng.mobile())
    rows = [
        MemberIdentity(
            member_id=member.pk,
            kind=IdentityKind.PHONE,
            value=phone.index,
            cipher=phone.encrypt(),
            masked=phone.masked,
            source=source,
        )
    ]
    card_rate = {"till": 0.45, "import": 0.45, "scan": 0.3}.get(plan.join_source, 0.05)
    if rng.random() < card_rate:
        card = rng.token("YJ", 10)
        rows.append(
            MemberIdentity(
                member_id=member.pk,
                kind=IdentityKind.STORE_CARD,
                value=card,
                masked=card[:2] + "****" + card[-4:],
                source=source,
            )
        )
    openid_rate = {"wechat": 1.0, "scan": 0.45}.get(plan.join_source, 0.2)
    if rng.random() < openid_rate:
        openid = rng.token("o", 27, OPENID_ALPHABET)
        rows.append(
            MemberIdentity(
                member_id=member.pk,
                kind=IdentityKind.WECHAT_OPENID,
                namespace=WECHAT_APP,
                value=openid,
                masked=openid,
                source=source,
            )
        )
    if plan.join_source == "marketplace" or rng.random() < 0.1:
        platform = "tmall" if rng.random() < 0.6 else "jd"
        buyer = rng.token(
            "tb_" if platform == "tmall" else "jd_", 10, string.ascii_lowercase + string.digits
        )
        rows.append(
            MemberIdentity(
                member_id=member.pk,
                kind=IdentityKind.MARKETPLACE_BUYER,
                namespace=platform,
                value=buyer,
                masked=buyer,
                source=source,
            )
        )
    return rows


def _consents(demo: Demo, plan: DemoMember) -> list[ConsentRecord]:
    """Consent at joining, then a few later changes of mind (append-only: the latest wins)."""
    rng = demo.rng
    at = plan.joined_at
    source = {
        "scan": f"join_form:{plan.touches[0][1].scene}" if plan.touches else "join_form",
        "h5": "join_form",
        "till": "till",
        "import": "import",
        "wechat": "wechat_mall",
        "marketplace": "marketplace",
    }[plan.join_source]
    has_wechat = plan.join_source in ("wechat", "scan")
    rates = {
        ConsentChannel.SMS: SMS_OPT_IN[plan.join_source],
        ConsentChannel.WECHAT: 0.8 if has_wechat else 0.35,
        ConsentChannel.EMAIL: 0.2,
    }
    rows = []
    for channel, rate in rates.items():
        granted = rng.random() < rate
        rows.append(
            ConsentRecord(
                member_id=plan.member.pk,
                channel=channel,
                granted=granted,
                source=source,
                recorded_at=at,
            )
        )
        if rng.random() < (0.06 if granted else 0.03):
            later = _later(demo, at)
            if later is not None:
                rows.append(
                    ConsentRecord(
                        member_id=plan.member.pk,
                        channel=channel,
                        granted=not granted,
                        source="sms_unsubscribe" if granted and channel == "sms" else "h5_profile",
                        recorded_at=later,
                    )
                )
    return rows


def _later(demo: Demo, after: datetime) -> datetime | None:
    span = (demo.now - after).total_seconds()
    if span < 86400:
        return None
    return after + timedelta(seconds=demo.rng.uniform(3600, span - 3600))
