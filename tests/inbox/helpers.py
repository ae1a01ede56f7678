"""A follower, known as a member bound to a store, writing to the service account through
the real callback (signed and encrypted by wechatpy, as WeChat does)."""

from __future__ import annotations

import itertools

from omniloop.attribution.services import binding_touch
from omniloop.members.models import IdentityKind, MemberIdentity
from omniloop.promotions.models import CouponTemplate
from tests.factories import make_member
from tests.promotions.coupon_helpers import make_offer, make_template
from tests.wechat import wire
from tests.wechat.conftest import APP_ID
from tests.wechat.helpers import now_ts, post_safe

_msg_ids = itertools.count(7_000_000_001)


def follower_member(openid: str, store=None, phone: str | None = None):
    member = make_member(phone)
    MemberIdentity.objects.create(
        member=member, kind=IdentityKind.WECHAT_OPENID, namespace=APP_ID, value=openid
    )
    if store is not None:
        binding_touch(member=member, store_id=store.pk, assistant_id=None, source="scan")
    return member


def follower_says(client, openid: str, text: str, *, create_time: int | None = None) -> None:
    xml = wire.text_xml(
        openid=openid,
        content=text,
        create_time=create_time or now_ts(),
        msg_id=next(_msg_ids),
    )
    r = post_safe(client, xml, by="wechatpy")
    assert (r.status_code, r.content) == (200, b"success")


def compensation_template(amount_fen: int = 3000, name: str = "补偿券30元") -> CouponTemplate:
    offer = make_offer(name=name, params={"amount": amount_fen})
    return make_template(offer=offer, name=name, valid_days=30)
