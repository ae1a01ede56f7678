"""Subscription-notice events (订阅通知) as WeChat sends them, for the tests: the XML of
subscribe_msg_popup_event, subscribe_msg_change_event and subscribe_msg_sent_event, posted to
the real callback encrypted and signed by wechatpy (safe mode)."""

from __future__ import annotations

import itertools
import time

from tests.wechat.helpers import post_safe

# A distinct, increasing CreateTime per event (events are deduplicated by sender + CreateTime).
_seq = itertools.count(int(time.time()) - 3600)


def _event(openid: str, event: str, body: str, create_time: int | None) -> str:
    ts = create_time if create_time is not None else next(_seq)
    return (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>{body}</xml>"
    )


def popup_xml(openid: str, answers: dict[str, str], *, create_time: int | None = None) -> str:
    items = "".join(
        f"<List><TemplateId><![CDATA[{t}]]></TemplateId>"
        f"<SubscribeStatusString><![CDATA[{a}]]></SubscribeStatusString>"
        "<PopupScene>2</PopupScene></List>"
        for t, a in answers.items()
    )
    body = f"<SubscribeMsgPopupEvent>{items}</SubscribeMsgPopupEvent>"
    return _event(openid, "subscribe_msg_popup_event", body, create_time)


def change_xml(openid: str, answers: dict[str, str], *, create_time: int | None = None) -> str:
    items = "".join(
        f"<List><TemplateId><![CDATA[{t}]]></TemplateId>"
        f"<SubscribeStatusString><![CDATA[{a}]]></SubscribeStatusString></List>"
        for t, a in answers.items()
    )
    body = f"<SubscribeMsgChangeEvent>{items}</SubscribeMsgChangeEvent>"
    return _event(openid, "subscribe_msg_change_event", body, create_time)


def sent_xml(openid: str, template_id: str, msgid: str, status: str, error_code: int = 0) -> str:
    body = (
        "<SubscribeMsgSentEvent><List>"
        f"<TemplateId><![CDATA[{template_id}]]></TemplateId><MsgID>{msgid}</MsgID>"
        f"<ErrorCode>{error_code}</ErrorCode><ErrorStatus><![CDATA[{status}]]></ErrorStatus>"
        "</List></SubscribeMsgSentEvent>"
    )
    return _event(openid, "subscribe_msg_sent_event", body, None)


def post_event(client, xml: str) -> None:
    r = post_safe(client, xml, by="wechatpy")
    assert (r.status_code, r.content) == (200, b"success")
