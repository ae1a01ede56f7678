"""Sharing a product (an outbox message with a tracked link to the H5 page) and giving a coupon
(only HQ's shareable templates, a monthly cap per assistant), once per form, own store only."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from omniloop.audit.models import AuditEvent
from omniloop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from omniloop.messaging.links import tracked_context
from omniloop.messaging.models import Message
from omniloop.promotions.models import Coupon
from omniloop.workbench.models import Share, ShareableCoupon, ShareTally
from omniloop.workbench.sharing import (
    share_coupon,
    share_product,
    shareable_coupon_set,
    shareable_coupons,
)
from tests.factories import make_product
from tests.promotions.coupon_helpers import make_shared, make_template
from tests.workbench.world import make_world

pytestmark = pytest.mark.django_db
TOKEN = "t" * 24


def _token(i: int) -> str:
    return f"form-token-{i:08d}-xyz"


def _shareable(w, cap=2, **kw):
    template = make_template(per_member_limit=50, **kw)
    shareable_coupon_set(actor=w.actor(w.hq), template_id=template.pk, monthly_cap=cap, active=True)
    return template


def test_sharing_a_product_queues_one_marketing_message_with_a_tracked_link():
    w = make_world()
    make_product("WB200")
    result = share_product(
        actor=w.actor(w.a1), member_id=w.m1.pk, style_code="WB200", form_token=TOKEN
    )
    assert result.created is True
    [message] = Message.objects.all()
    assert message.member_id == w.m1.pk
    assert message.template == "workbench_product" and message.kind == "marketing"
    assert message.status == "queued"
    assert message.context["link_url"].endswith("/m/p/WB200")
    assert message.cause == f"workbench_share:{w.a1.pk}"
    assert "/msg/" in tracked_context(message)["link_url"]  # the click is tracked
    share = Share.objects.get()
    assert (share.kind, share.product.style_code, share.message_uid) == (
        "product",
        "WB200",
        message.uid.hex,
    )
    assert (
        AuditEvent.objects.filter(action="workbench.share_product", target_id=str(w.m1.pk)).count()
        == 1
    )

    again = share_product(
        actor=w.actor(w.a1), member_id=w.m1.pk, style_code="WB200", form_token=TOKEN
    )
    assert again.created is False and again.share_id == result.share_id
    assert Message.objects.count() == 1 and Share.objects.count() == 1


def test_another_stores_member_or_an_unknown_product_writes_nothing():
    w = make_world()
    make_product("WB201")
    with pytest.raises(NotFound):
        share_product(actor=w.actor(w.a1), member_id=w.mb.pk, style_code="WB201", form_token=TOKEN)
    with pytest.raises(NotFound):
        share_product(actor=w.actor(w.a1), member_id=w.m1.pk, style_code="NOPE", form_token=TOKEN)
    template = _shareable(w)
    with pytest.raises(NotFound):
        share_coupon(
            actor=w.actor(w.a1), member_id=w.mb.pk, template_id=template.pk, form_token=TOKEN
        )
    assert not Message.objects.exists() and not Share.objects.exists()
    assert not Coupon.objects.exists() and not ShareTally.objects.exists()


def test_a_short_form_token_is_refused():
    w = make_world()
    make_product("WB202")
    with pytest.raises(ApplicationError) as exc:
        share_product(actor=w.actor(w.a1), member_id=w.m1.pk, style_code="WB202", form_token="x")
    assert exc.value.status == 422 and exc.value.code == "workbench_form_token"


def test_giving_a_coupon_counts_against_the_monthly_cap_and_a_refusal_writes_nothing():
    w = make_world()
    template = _shareable(w, cap=2)
    actor = w.actor(w.a1)
    at = datetime(2026, 3, 31, 12, tzinfo=ZoneInfo("Asia/Shanghai"))
    with freeze_time(at):
        for i in range(2):
            r = share_coupon(
                actor=actor, member_id=w.m1.pk, template_id=template.pk, form_token=_token(i)
            )
            assert r.created
        again = share_coupon(
            actor=actor, member_id=w.m1.pk, template_id=template.pk, form_token=_token(1)
        )
        assert again.created is False
        with pytest.raises(Conflict) as exc:
            share_coupon(
                actor=actor, member_id=w.m1.pk, template_id=template.pk, form_token=_token(2)
            )
        assert exc.value.code == "workbench_share_cap_reached"
        assert [c.left for c in shareable_coupons(actor=actor)] == [0]
        # The cap is per assistant: a colleague still has theirs.
        share_coupon(
            actor=w.actor(w.a2), member_id=w.m2.pk, template_id=template.pk, form_token=_token(3)
        )
    coupons = Coupon.objects.filter(template=template)
    assert coupons.count() == 3
    assert set(coupons.values_list("source", flat=True)) == {"assistant"}
    assert Share.objects.filter(assistant=w.a1).count() == 2
    assert Message.objects.filter(template="workbench_coupon").count() == 3
    assert ShareTally.objects.get(assistant=w.a1).used == 2
    assert AuditEvent.objects.filter(action="workbench.share_coupon").count() == 3
    # A new month (1 April in Shanghai is still 31 March in UTC) gives a new allowance.
    with freeze_time(datetime(2026, 3, 31, 16, 30, tzinfo=ZoneInfo("UTC"))):
        assert [c.left for c in shareable_coupons(actor=actor)] == [2]
        share_coupon(actor=actor, member_id=w.m1.pk, template_id=template.pk, form_token=_token(4))
    assert ShareTally.objects.filter(assistant=w.a1).count() == 2


def test_the_templates_own_limit_still_holds_and_gives_the_slot_back():
    w = make_world()
    template = _shareable(w, cap=5, issue_limit=1)
    actor = w.actor(w.a1)
    share_coupon(actor=actor, member_id=w.m1.pk, template_id=template.pk, form_token=_token(1))
    with pytest.raises(Conflict) as exc:
        share_coupon(actor=actor, member_id=w.m1.pk, template_id=template.pk, form_token=_token(2))
    assert exc.value.code == "coupon_issue_limit_reached"
    assert ShareTally.objects.get().used == 1
    assert Share.objects.count() == 1


def test_only_shareable_active_templates_can_be_given():
    w = make_world()
    plain = make_template()
    with pytest.raises(NotFound):
        share_coupon(actor=w.actor(w.a1), member_id=w.m1.pk, template_id=plain.pk, form_token=TOKEN)
    template = _shareable(w)
    shareable_coupon_set(actor=w.actor(w.hq), template_id=template.pk, monthly_cap=2, active=False)
    with pytest.raises(NotFound):
        share_coupon(
            actor=w.actor(w.a1), member_id=w.m1.pk, template_id=template.pk, form_token=TOKEN
        )
    assert shareable_coupons(actor=w.actor(w.a1)) == []


def test_only_hq_marks_templates_shareable_with_a_sane_cap():
    w = make_world()
    template = make_template()
    with pytest.raises(PermissionDenied):
        shareable_coupon_set(
            actor=w.actor(w.manager), template_id=template.pk, monthly_cap=5, active=True
        )
    with pytest.raises(ApplicationError) as exc:
        shareable_coupon_set(
            actor=w.actor(w.hq), template_id=template.pk, monthly_cap=0, active=True
        )
    assert exc.value.code == "workbench_cap_invalid"
    with pytest.raises(ApplicationError) as exc:
        shareable_coupon_set(
            actor=w.actor(w.hq), template_id=make_shared().pk, monthly_cap=5, active=True
        )
    assert exc.value.code == "coupon_template_shared"
    assert not ShareableCoupon.objects.exists()
    shareable_coupon_set(actor=w.actor(w.hq), template_id=template.pk, monthly_cap=5, active=True)
    assert (
        AuditEvent.objects.filter(
            action="workbench.coupon_shareable", target_id=str(template.pk)
        ).count()
        == 1
    )


def test_a_merge_moves_shares_to_the_survivor():
    from omniloop.members.services import member_merge

    w = make_world()
    make_product("WB203")
    share_product(actor=w.actor(w.a1), member_id=w.m1.pk, style_code="WB203", form_token=TOKEN)
    member_merge(survivor_id=w.m2.pk, merged_id=w.m1.pk, actor="test", reason="test")
    assert Share.objects.get().member_id == w.m2.pk


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_share_messages_render_in_both_languages(language):
    from omniloop.messaging.templates import template_get

    product = template_get("workbench_product").render(
        language=language,
        context={
            "brand": "B",
            "assistant": "小红",
            "product": "衬衫",
            "link_url": "http://x/m/p/1",
        },
    )
    assert "小红" in product.text and "http://x/m/p/1" in product.text
    coupon = template_get("workbench_coupon").render(
        language=language, context={"brand": "B", "assistant": "小红", "coupon": "导购券"}
    )
    assert "导购券" in coupon.text and coupon.subject
