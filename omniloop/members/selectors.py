from __future__ import annotations

from django.db.models import QuerySet

from omniloop.core import rows
from omniloop.core.errors import NotFound
from omniloop.core.phones import Phone
from omniloop.members.codes import is_valid_member_code
from omniloop.members.models import (
    ConsentChannel,
    ConsentRecord,
    IdentityKind,
    Member,
    MemberIdentity,
    MemberMerge,
)
from omniloop.members.values import ConsentState, IdentityView


def _follow_merges(member: Member | None) -> Member | None:
    hops = 0
    while member is not None and member.status == Member.Status.MERGED and hops < 10:
        member = member.merged_into
        hops += 1
    return member


def member_get(*, member_id: int) -> Member:
    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        raise NotFound("Member not found.", code="member_not_found")
    return member


def member_by_code(*, code: str) -> Member | None:
    if not is_valid_member_code(code):
        return None
    # Every scanned card at a till comes here: one fixed statement (core.rows); a merged
    # member's survivor is loaded only when there is one.
    return _follow_merges(rows.fetch_one(Member, "t.code = %s", [code]))


def member_by_phone(*, phone: Phone) -> Member | None:
    # Every till look-up by phone: one fixed statement over the blind index (core.rows).
    m = rows.shape(Member, "m")
    sql = (
        f"SELECT {m.columns} FROM {rows.table(MemberIdentity, 'i')}"  # noqa: S608
        f" JOIN {rows.table(Member, 'm')} ON m.id = i.member_id"
        " WHERE i.kind = %s AND i.namespace = '' AND i.value = %s"
    )
    found = rows.fetch_joined(sql, [IdentityKind.PHONE, phone.index], m)
    return found[0][0] if found else None


def member_by_identity(*, kind: str, value: str, namespace: str = "") -> Member | None:
    ident = (
        MemberIdentity.objects.select_related("member")
        .filter(kind=kind, namespace=namespace, value=value)
        .first()
    )
    return ident.member if ident else None


def member_phone(*, member: Member) -> Phone | None:
    """The member's phone, decrypted. Callers must have checked `sees_unmasked_phone`."""
    ident = (
        MemberIdentity.objects.filter(member=member, kind=IdentityKind.PHONE)
        .order_by("created_at")
        .first()
    )
    return Phone.decrypt(bytes(ident.cipher)) if ident and ident.cipher else None


_MASKED_SQL = (
    f"SELECT masked FROM {MemberIdentity._meta.db_table}"  # noqa: S608
    " WHERE member_id = %s AND kind = %s ORDER BY created_at, id LIMIT 1"
)


def member_phone_masked(*, member: Member) -> str:
    cursor = rows.cursor()  # shown on every till identify: a fixed statement
    cursor.execute(_MASKED_SQL, [member.pk, IdentityKind.PHONE])
    row = cursor.fetchone()
    return str(row[0]) if row else ""


def member_phones_masked(*, member_ids: list[int]) -> dict[int, str]:
    """Each member's first phone, masked (138****5678), in one query; members without one are
    left out."""
    masked: dict[int, str] = {}
    for member_id, shown in (
        MemberIdentity.objects.filter(member_id__in=member_ids, kind=IdentityKind.PHONE)
        .order_by("created_at", "pk")
        .values_list("member_id", "masked")
    ):
        masked.setdefault(member_id, shown)
    return masked


def member_identities(*, member: Member) -> list[IdentityView]:
    return [
        IdentityView(
            kind=i.kind,
            namespace=i.namespace,
            display=i.masked or i.value,
            source=i.source,
            created_at=i.created_at,
        )
        for i in MemberIdentity.objects.filter(member=member).order_by("kind", "created_at")
    ]


def member_consents(*, member: Member) -> list[ConsentState]:
    latest: dict[str, ConsentRecord] = {}
    for rec in ConsentRecord.objects.filter(member=member).order_by("recorded_at", "pk"):
        latest[rec.channel] = rec
    out = []
    for channel in ConsentChannel.values:
        current = latest.get(channel)
        out.append(
            ConsentState(
                channel=channel,
                granted=bool(current and current.granted),
                source=current.source if current else "",
                recorded_at=current.recorded_at if current else None,
            )
        )
    return out


def consent_history(*, member: Member) -> QuerySet[ConsentRecord]:
    return ConsentRecord.objects.filter(member=member).order_by("-recorded_at", "-pk")


def member_merges(*, member: Member) -> QuerySet[MemberMerge]:
    return MemberMerge.objects.filter(survivor=member).select_related("merged")


def member_identify(
    *, phone: str | None = None, member_code: str | None = None, card_number: str | None = None
) -> Member:
    """Find a member the way a till does: by phone, member code (scanned from the card) or a
    store card number. Exactly one must be given; a miss is `member_not_found` (404)."""
    from omniloop.core.errors import ValidationFailed
    from omniloop.core.phones import parse_phone

    given = [v for v in (phone, member_code, card_number) if v]
    if len(given) != 1:
        raise ValidationFailed(
            "Give exactly one of phone, member_code or card_number.", code="identify_one_of"
        )
    member: Member | None
    if phone:
        member = member_by_phone(phone=parse_phone(phone))
    elif member_code:
        if not is_valid_member_code(member_code.strip()):
            raise ValidationFailed("This is not a valid member code.", code="member_code_invalid")
        member = member_by_code(code=member_code.strip())
    else:
        member = member_by_identity(kind=IdentityKind.STORE_CARD, value=(card_number or "").strip())
    member = _follow_merges(member)
    if member is None or member.status != Member.Status.ACTIVE:
        raise NotFound("No member matches.", code="member_not_found")
    return member
