from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from omniloop.accounts.access import Actor, access_store
from omniloop.attribution.models import BindingChange, MemberBinding
from omniloop.core.errors import NotFound
from omniloop.members.models import IdentityKind, Member, MemberIdentity


def binding_for(*, member: Member) -> MemberBinding | None:
    return (
        MemberBinding.objects.select_related(
            "store", "assistant", "recruited_store", "recruited_assistant"
        )
        .filter(member=member)
        .first()
    )


def binding_history(*, member: Member) -> QuerySet[BindingChange]:
    return BindingChange.objects.select_related(
        "from_store", "from_assistant", "to_store", "to_assistant", "touchpoint"
    ).filter(member=member)


def member_store_id(*, member: Member) -> int | None:
    return MemberBinding.objects.filter(member=member).values_list("store_id", flat=True).first()


def access_member(*, actor: Actor, member_id: int) -> Member:
    """A member the actor may see: HQ sees everyone; store staff and tills only members bound to
    their store. Anything else is 404, so another store's members cannot be probed."""
    member = Member.objects.filter(pk=member_id).exclude(status=Member.Status.MERGED).first()
    if member is None:
        raise NotFound("Member not found.", code="member_not_found")
    if not actor.is_hq:
        access_store(actor, member_store_id(member=member))
    return member


def member_list_for_actor(
    *, actor: Actor, assistant_id: int | None = None, query: str = ""
) -> QuerySet[Member]:
    masked_phone = Subquery(
        MemberIdentity.objects.filter(member=OuterRef("pk"), kind=IdentityKind.PHONE)
        .order_by("created_at")
        .values("masked")[:1]
    )
    qs = (
        Member.objects.filter(status=Member.Status.ACTIVE)
        .select_related("binding__store", "binding__assistant")
        .annotate(phone_masked=masked_phone)
        .order_by("-joined_at", "-pk")
    )
    if not actor.is_hq:
        qs = qs.filter(binding__store_id=actor.own_store_id)
    if assistant_id:
        qs = qs.filter(binding__assistant_id=assistant_id)
    if query:
        qs = qs.filter(code__startswith=query) | qs.filter(name__icontains=query)
    return qs
