from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from omniloop.accounts.access import Actor, access_store
from omniloop.accounts.models import User
from omniloop.attribution.models import BindingChange, MemberBinding
from omniloop.core import rows
from omniloop.core.errors import NotFound
from omniloop.members.models import IdentityKind, Member, MemberIdentity
from omniloop.stores.models import Store


def binding_for(*, member: Member) -> MemberBinding | None:
    """The member's binding with its stores and assistants, in one fixed statement: every till
    identify shows it (core.rows)."""
    b, s, a = rows.shape(MemberBinding, "b"), rows.shape(Store, "s"), rows.shape(User, "a")
    rs, ra = rows.shape(Store, "rs"), rows.shape(User, "ra")
    sql = (
        f"SELECT {b.columns}, {s.columns}, {a.columns}, {rs.columns}, {ra.columns}"  # noqa: S608
        f" FROM {rows.table(MemberBinding, 'b')}"
        f" JOIN {rows.table(Store, 's')} ON s.id = b.store_id"
        f" LEFT JOIN {rows.table(User, 'a')} ON a.id = b.assistant_id"
        f" JOIN {rows.table(Store, 'rs')} ON rs.id = b.recruited_store_id"
        f" LEFT JOIN {rows.table(User, 'ra')} ON ra.id = b.recruited_assistant_id"
        " WHERE b.member_id = %s"
    )
    found = rows.fetch_joined(sql, [member.pk], b, s, a, rs, ra)
    if not found:
        return None
    binding, store, assistant, recruited_store, recruited_assistant = found[0]
    for name, value in (
        ("store", store),
        ("assistant", assistant),
        ("recruited_store", recruited_store),
        ("recruited_assistant", recruited_assistant),
    ):
        rows.attach(binding, name, value)
    rows.attach(binding, "member", member)
    return binding


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
