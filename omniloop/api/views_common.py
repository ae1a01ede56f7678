from __future__ import annotations

from omniloop.api.schemas import BindingOut, MemberOut
from omniloop.attribution.selectors import binding_for
from omniloop.loyalty.selectors import points_balance
from omniloop.members.models import Member
from omniloop.members.selectors import member_phone_masked


def member_out(member: Member) -> MemberOut:
    binding = binding_for(member=member)
    return MemberOut(
        member_code=member.code,
        name=member.name,
        phone_masked=member_phone_masked(member=member),
        joined_at=member.joined_at,
        points_balance=points_balance(member_id=member.pk),
        binding=BindingOut(
            store_code=binding.store.code if binding else None,
            assistant_code=binding.assistant.staff_code if binding and binding.assistant else None,
            assistant_name=str(binding.assistant) if binding and binding.assistant else None,
        ),
    )
