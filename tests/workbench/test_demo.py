"""The demo brand comes with a coupon assistants may give, and a demo reset still works after
assistants have used the workbench (shares, tallies and done tasks go first)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from omniloop.accounts.access import actor_for_user
from omniloop.accounts.models import User
from omniloop.attribution.models import MemberBinding
from omniloop.workbench.models import Share, ShareableCoupon
from omniloop.workbench.sharing import share_coupon, shareable_coupons

pytestmark = pytest.mark.django_db
SMALL = {"members": 60, "months": 1, "seed": 7}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_demo_assistant_can_give_its_coupon_and_the_demo_resets_afterwards():
    call_command("demo_load", stdout=StringIO(), **SMALL)
    assistant = User.objects.get(username="sh01-a1")
    actor = actor_for_user(assistant)
    [offer] = shareable_coupons(actor=actor)
    assert offer.monthly_cap == 20 and offer.left == 20
    member_id = (
        MemberBinding.objects.filter(store_id=assistant.store_id)
        .values_list("member_id", flat=True)
        .first()
    )
    assert member_id is not None
    share_coupon(
        actor=actor,
        member_id=member_id,
        template_id=offer.template_id,
        form_token="demo-form-token-0001",
    )
    assert Share.objects.count() == 1

    call_command("demo_load", stdout=StringIO(), reset=True, **SMALL)
    assert Share.objects.count() == 0
    assert ShareableCoupon.objects.count() == 1
