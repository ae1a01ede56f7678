"""A follower's complaint through the real callback (wechatpy-built, signed, encrypted)
becomes a triaged ticket; the agent's reply goes back as a WeChat customer-service message
inside the 48-hour window and by SMS outside it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from omniloop.accounts.access import actor_for_user
from omniloop.accounts.models import Role
from omniloop.core import clock
from omniloop.inbox.models import Category, Channel, Priority, Status, Ticket, TicketMessage
from omniloop.inbox.services import ticket_reply
from omniloop.wechat.models import WechatFollower, WechatInbound
from tests.factories import make_store, make_user
from tests.inbox.helpers import follower_member, follower_says

pytestmark = pytest.mark.django_db


# A Wednesday morning in Shanghai: the response target counts opening hours only, so a complaint
# at night would be due the next morning (the test failed whenever the suite ran after 21:00).
OPEN_HOURS = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@freeze_time(OPEN_HOURS, tick=True)
def test_a_complaint_becomes_a_high_priority_ticket_for_the_members_store(client, wechat_safe):
    store = make_store("sh01")
    member = follower_member("o-itchy", store)
    follower_says(client, "o-itchy", "你们的衬衫让我皮肤过敏发痒")
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.category, ticket.priority) == (
        Channel.WECHAT,
        Category.SKIN_REACTION,
        Priority.HIGH,
    )
    assert (ticket.member_id, ticket.store_id, ticket.assigned_store_id) == (
        member.pk,
        store.pk,
        store.pk,
    )
    assert ticket.first_response_due - ticket.created_at == timedelta(minutes=15)
    assert ticket.messages.get().body == "你们的衬衫让我皮肤过敏发痒"
    assert WechatInbound.objects.get().outcome == "noted:text"


def test_follow_ups_join_the_open_ticket_and_urgent_words_raise_it(client, wechat_safe):
    follower_member("o-angry")
    follower_says(client, "o-angry", "尺码偏小")
    follower_says(client, "o-angry", "再不处理我就投诉到12315")
    ticket = Ticket.objects.get()
    assert ticket.priority == Priority.URGENT
    assert ticket.messages.filter(direction="in").count() == 2


def test_a_replayed_callback_files_nothing_more(client, wechat_safe):
    from tests.wechat import wire
    from tests.wechat.helpers import now_ts, post_safe

    follower_member("o-twice")
    xml = wire.text_xml(openid="o-twice", content="质量太差", create_time=now_ts(), msg_id=42)
    post_safe(client, xml, by="wechatpy")
    post_safe(client, xml, by="wechatpy")
    assert Ticket.objects.count() == 1
    assert TicketMessage.objects.count() == 1


def test_the_reply_goes_back_by_wechat_inside_the_window(client, wechat_safe, sms_outbox):
    follower_member("o-reply")
    follower_says(client, "o-reply", "The shirt gave me a rash")
    ticket = Ticket.objects.get()
    agent = make_user(Role.CS_AGENT)
    message = ticket_reply(
        actor=actor_for_user(agent), ticket_id=ticket.pk, body="非常抱歉！请先就医，费用我们承担。"
    )
    sent = wechat_safe.calls_to("message/custom/send")
    assert [c.body for c in sent] == [
        {
            "touser": "o-reply",
            "msgtype": "text",
            "text": {"content": "非常抱歉！请先就医，费用我们承担。"},
        }
    ]
    message.refresh_from_db()
    assert (message.via, message.delivery) == ("wechat", TicketMessage.Delivery.SENT)
    ticket.refresh_from_db()
    assert ticket.status == Status.ANSWERED
    assert ticket.first_responded_at is not None and not ticket.first_response_breached
    assert sms_outbox == []


def test_outside_the_window_the_reply_goes_by_sms(client, wechat_safe, sms_outbox):
    follower_member("o-late", phone="13800138555")
    follower_says(client, "o-late", "快递还没到")
    ticket = Ticket.objects.get()
    WechatFollower.objects.filter(openid="o-late").update(
        last_interaction_at=clock.now() - timedelta(hours=49)
    )
    agent = make_user(Role.CS_AGENT)
    with freeze_time(clock.now() + timedelta(minutes=1)):
        message = ticket_reply(actor=actor_for_user(agent), ticket_id=ticket.pk, body="已加急")
    message.refresh_from_db()
    assert (message.via, message.delivery, message.delivery_error) == (
        "sms",
        TicketMessage.Delivery.SENT,
        "wechat_window_closed",
    )
    assert wechat_safe.calls_to("message/custom/send") == []
    assert [(m.to_e164, m.text, m.kind) for m in sms_outbox] == [
        ("+8613800138555", "已加急", "notice")
    ]


def test_resolving_asks_the_customer_to_rate_once(client, wechat_safe):
    follower_member("o-rate")
    follower_says(client, "o-rate", "尺码不合适")
    ticket = Ticket.objects.get()
    agent = actor_for_user(make_user(Role.CS_AGENT))
    from omniloop.inbox.services import ticket_resolve

    ticket_resolve(actor=agent, ticket_id=ticket.pk)
    ticket_resolve(actor=agent, ticket_id=ticket.pk, close=True)
    sent = [c.body["text"]["content"] for c in wechat_safe.calls_to("message/custom/send")]
    assert len(sent) == 1 and "/m/feedback" in sent[0] and ticket.number in sent[0]


def test_a_picture_from_a_follower_is_filed_with_its_url(client, wechat_safe):
    from tests.wechat.helpers import now_ts, post_safe

    follower_member("o-pic")
    xml = (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        "<FromUserName><![CDATA[o-pic]]></FromUserName>"
        f"<CreateTime>{now_ts()}</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        "<PicUrl><![CDATA[http://mmbiz.qpic.cn/shirt.jpg]]></PicUrl>"
        "<MediaId><![CDATA[media-1]]></MediaId><MsgId>99</MsgId></xml>"
    )
    r = post_safe(client, xml, by="wechatpy")
    assert r.status_code == 200
    assert Ticket.objects.get().messages.get().body == "[图片 image] http://mmbiz.qpic.cn/shirt.jpg"
    assert WechatInbound.objects.get().payload["media_id"] == "media-1"


def test_events_file_no_ticket(client, wechat_safe):
    from tests.wechat import wire
    from tests.wechat.helpers import now_ts, post_safe

    post_safe(client, wire.event_xml(openid="o-ev", event="subscribe", create_time=now_ts()))
    assert not Ticket.objects.exists()
