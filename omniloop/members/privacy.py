"""Data-subject rights (PIPL, GDPR): export one member's data, erase a member, and keep erased
identifiers from coming back (ADR 18).

Apps that hold a member's data register a handler in their AppConfig.ready(), as they do for
merges: `export(member) -> list of JSON-safe rows` and, where they hold personal data,
`erase(member) -> rows changed`. `member_export` gathers every section; `member_erase` runs every
eraser in one transaction, so an erasure is whole or not at all.

What erasure keeps: the member row as a tombstone (status `erased`, its random code the
pseudonymous id), orders, points ledger entries, coupon uses, bindings and consent history,
which hold no personal data once the profile and identities are gone and which the brand must
keep (accounts, tax, the ledger's append-only rule). What it removes: name, gender, birth
date, city, external ref, every identity (phones, openids, cards, marketplace ids), one-time
codes, browsers' user agents on scans, and whatever each app's eraser removes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from omniloop.core import clock, crypto
from omniloop.core.errors import Conflict, NotFound
from omniloop.members.models import (
    ConsentChannel,
    ConsentRecord,
    IdentityKind,
    Member,
    MemberIdentity,
    OtpChallenge,
    Suppression,
)

Rows = list[dict[str, Any]]
Exporter = Callable[[Member], Rows]
Eraser = Callable[[Member], int]


@dataclass(frozen=True)
class PrivacyHandler:
    export: Exporter
    erase: Eraser | None = None


_handlers: dict[str, PrivacyHandler] = {}


def register_privacy_handler(name: str, *, export: Exporter, erase: Eraser | None = None) -> None:
    _handlers[name] = PrivacyHandler(export=export, erase=erase)


def privacy_handlers() -> dict[str, PrivacyHandler]:
    return dict(_handlers)


# --- Suppression -----------------------------------------------------------------------------


def suppression_digest(kind: str, value: str, namespace: str = "") -> str:
    """The keyed digest a suppression is kept under (for phones, `value` is the blind index)."""
    return crypto.blind_index(f"{kind}|{namespace}|{value}", purpose="suppression")


def identity_suppressed(*, kind: str, value: str, namespace: str = "") -> bool:
    digest = suppression_digest(kind, value, namespace)
    return Suppression.objects.filter(kind=kind, digest=digest).exists()


def suppression_check(*, kind: str, value: str, namespace: str = "") -> None:
    """Refuse (409 `identity_suppressed`) to attach an identifier of an erased member."""
    if identity_suppressed(kind=kind, value=value, namespace=namespace):
        raise Conflict(
            "This person asked to be erased; they can only come back by joining themselves.",
            code="identity_suppressed",
        )


def suppression_lift(*, kind: str, value: str, namespace: str = "") -> int:
    """The person re-joined explicitly (their own one-time code): the suppression ends."""
    digest = suppression_digest(kind, value, namespace)
    return Suppression.objects.filter(kind=kind, digest=digest).delete()[0]


def privacy_subject(*, member_code: str) -> Member:
    """The member a data-subject request names, whatever their status (an erased member's
    export shows what was kept)."""
    member = Member.objects.filter(code=member_code.strip()).first()
    if member is None:
        raise NotFound("No member matches.", code="member_not_found")
    return member


# --- Export ----------------------------------------------------------------------------------


def _profile(member: Member) -> Rows:
    return [
        {
            "code": member.code,
            "external_ref": member.external_ref,
            "name": member.name,
            "gender": member.gender,
            "birth_date": member.birth_date.isoformat() if member.birth_date else None,
            "city": member.city,
            "tier": member.tier,
            "status": member.status,
            "join_source": member.join_source,
            "joined_at": member.joined_at.isoformat(),
        }
    ]


def _identities(member: Member) -> Rows:
    """The member's own identifiers, in full: the export goes to the person themselves."""
    out: Rows = []
    for ident in member.identities.order_by("created_at", "pk"):
        value = ident.value
        if ident.kind == IdentityKind.PHONE and ident.cipher:
            value = crypto.decrypt(bytes(ident.cipher), context=b"phone")
        out.append(
            {
                "kind": ident.kind,
                "namespace": ident.namespace,
                "value": value,
                "source": ident.source,
                "created_at": ident.created_at.isoformat(),
            }
        )
    return out


def _consents(member: Member) -> Rows:
    return [
        {
            "channel": c.channel,
            "granted": c.granted,
            "source": c.source,
            "recorded_at": c.recorded_at.isoformat(),
        }
        for c in ConsentRecord.objects.filter(member=member).order_by("recorded_at", "pk")
    ]


def member_export(*, member_id: int) -> dict[str, Any]:
    """Everything Omniloop holds about one member, by section, JSON-safe."""
    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        raise NotFound("Member not found.", code="member_not_found")
    sections: dict[str, Rows] = {
        "profile": _profile(member),
        "identities": _identities(member),
        "consents": _consents(member),
    }
    for name, handler in sorted(_handlers.items()):
        sections[name] = handler.export(member)
    return {"member": member.code, "exported_at": clock.now().isoformat(), "sections": sections}


# --- Erasure ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureReport:
    member_code: str
    already_erased: bool
    identities: int
    suppressed: int
    changed: dict[str, int]


@transaction.atomic
def member_erase(*, member_id: int, reason: str, at: datetime | None = None) -> ErasureReport:
    """Erase a member's personal data everywhere, keep the pseudonymous records the brand must
    keep, and suppress their identifiers. Idempotent: erasing an erased member changes nothing."""
    at = at or clock.now()
    member = Member.objects.select_for_update().filter(pk=member_id).first()
    if member is None:
        raise NotFound("Member not found.", code="member_not_found")
    if member.status == Member.Status.ERASED:
        return ErasureReport(member.code, True, 0, 0, {})
    if member.status == Member.Status.MERGED:
        raise Conflict(
            "This member was merged; erase the member it was merged into.",
            code="member_merged",
        )
    identities = list(MemberIdentity.objects.filter(member=member))
    keys = [(i.kind, i.value, i.namespace) for i in identities]
    if member.external_ref:
        keys.append(("external_ref", member.external_ref, ""))
    new = [
        Suppression(
            kind=kind,
            digest=suppression_digest(kind, value, namespace),
            reason=reason[:200],
            created_at=at,
        )
        for kind, value, namespace in keys
    ]
    Suppression.objects.bulk_create(new, ignore_conflicts=True)
    phone_indexes = [i.value for i in identities if i.kind == IdentityKind.PHONE]
    OtpChallenge.objects.filter(phone_index__in=phone_indexes).delete()
    MemberIdentity.objects.filter(member=member).delete()
    for channel in ConsentChannel.values:  # nothing is sent to an erased member, ever
        ConsentRecord.objects.create(
            member=member, channel=channel, granted=False, source="erasure", recorded_at=at
        )
    changed: dict[str, int] = {}
    for name, handler in sorted(_handlers.items()):
        if handler.erase is not None:
            changed[name] = handler.erase(member)
    Member.objects.filter(pk=member.pk).update(
        name="",
        gender="",
        birth_date=None,
        city="",
        external_ref=None,
        status=Member.Status.ERASED,
    )
    return ErasureReport(member.code, False, len(identities), len(new), changed)


def export_csv_zip(export: dict[str, Any]) -> bytes:
    """The export as a zip of one CSV per section (nested values as JSON in their cell)."""
    import csv
    import io
    import json
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in export["sections"].items():
            text = io.StringIO()
            columns: list[str] = []
            for row in rows:
                columns += [k for k in row if k not in columns]
            writer = csv.DictWriter(text, fieldnames=columns or ["empty"])
            writer.writeheader()
            for row in rows:
                writer.writerow(
                    {
                        k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                        for k, v in row.items()
                    }
                )
            archive.writestr(f"{name}.csv", "\ufeff" + text.getvalue())  # BOM: Excel reads UTF-8
    return buffer.getvalue()
