"""The HTTP SMS provider against a local fake gateway; its webhooks (receipts, opt-out)."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse
from freezegun import freeze_time

from omniloop.core.sms import SmsError, SmsKind, SmsMessage, send_sms
from omniloop.members.selectors import member_consents
from omniloop.messaging.delivery import deliver_batch
from omniloop.messaging.models import Message, MessageEvent
from omniloop.messaging.outbox import message_enqueue
from omniloop.messaging.sms_http import sign, webhook_signature
from tests.messaging.conftest import NOON, member_with

pytestmark = pytest.mark.django_db

SECRET = "hook-secret"


def test_the_signature_matches_aliyuns_documented_example():
    """Aliyun's own worked example (RPC signature v1, SendSms, access key secret 'testSecret')."""
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert sign(params, secret="testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_a_message_reaches_the_gateway_signed_and_a_resend_is_recognised(sms_gateway):
    msg = SmsMessage(to_e164="+8613800138000", text="你好", kind=SmsKind.NOTICE, reference="r1")
    first = send_sms(msg)
    again = send_sms(msg)
    assert first == again == "biz00000001"
    [params] = sms_gateway.delivered
    assert (params["PhoneNumbers"], params["OutId"], params["TemplateCode"]) == (
        "13800138000",
        "r1",
        "SMS_NOTICE",
    )
    assert json.loads(params["TemplateParam"]) == {"content": "你好"}
    assert sms_gateway.refused == [] and sms_gateway.requests["r1"] == 2


@pytest.mark.parametrize(
    ("code", "ours", "retryable"),
    [
        ("isv.BUSINESS_LIMIT_CONTROL", "sms_rate_limited", True),
        ("isp.SYSTEM_ERROR", "sms_refused", True),
        ("isv.MOBILE_NUMBER_ILLEGAL", "sms_number_invalid", False),
        ("isv.BLACK_KEY_CONTROL_LIMIT", "sms_content_refused", False),
    ],
)
def test_provider_error_codes_map_to_retryable_or_permanent(sms_gateway, code, ours, retryable):
    sms_gateway.fail(code)
    with pytest.raises(SmsError) as err:
        send_sms(SmsMessage(to_e164="+8613800138000", text="x", kind=SmsKind.NOTICE))
    assert (err.value.code, err.value.retryable) == (ours, retryable)
    assert sms_gateway.delivered == []


def test_an_unreachable_gateway_is_retryable(settings, sms_gateway):
    settings.OMNILOOP_SMS_HTTP_ENDPOINT = "http://127.0.0.1:9/"
    with pytest.raises(SmsError) as err:
        send_sms(SmsMessage(to_e164="+8613800138000", text="x", kind=SmsKind.NOTICE))
    assert (err.value.code, err.value.retryable) == ("sms_unavailable", True)


def test_the_otp_verification_code_still_goes_through_the_provider(sms_gateway):
    from omniloop.core.tasks import enqueue_sms

    enqueue_sms(
        SmsMessage(to_e164="+8613800138000", text="验证码 123456", kind=SmsKind.VERIFICATION)
    )
    [params] = sms_gateway.delivered
    assert params["TemplateCode"] == "SMS_VERIFY"


def _post(client, name, body, *, secret=SECRET, stamp=None):
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()) if stamp is None else stamp)
    return client.post(
        reverse(name),
        raw,
        content_type="application/json",
        HTTP_X_OMNILOOP_TIMESTAMP=stamp,
        HTTP_X_OMNILOOP_SIGNATURE=webhook_signature(timestamp=stamp, body=raw, secret=secret),
    )


def test_a_delivery_receipt_marks_the_message_delivered_and_a_forged_one_does_nothing(
    client, settings, sms_gateway
):
    settings.OMNILOOP_SMS_WEBHOOK_SECRET = SECRET
    with freeze_time(NOON):
        member = member_with(consents=())
        msg = message_enqueue(
            member_id=member.pk, template="notice", context={"brand": "B", "body": "x"}
        )
        deliver_batch()
    receipt = [
        {
            "out_id": msg.uid.hex,
            "biz_id": "biz00000001",
            "success": True,
            "err_code": "DELIVERED",
            "report_time": "2026-03-02 10:00:05",
        }
    ]
    assert _post(client, "messaging:sms_receipts", receipt, secret="wrong").status_code == 403
    stale = int(time.time()) - 3600
    assert _post(client, "messaging:sms_receipts", receipt, stamp=stale).status_code == 403
    assert MessageEvent.objects.count() == 0
    assert _post(client, "messaging:sms_receipts", receipt).status_code == 200
    row = Message.objects.get()
    assert row.status == "delivered" and row.delivered_at is not None
    assert list(MessageEvent.objects.values_list("kind", "detail")) == [("delivered", "DELIVERED")]


@pytest.mark.parametrize("reply", ["T", " td ", "退订"])
def test_an_opt_out_reply_withdraws_sms_consent_and_stops_queued_marketing(
    client, settings, sms_outbox, reply
):
    settings.OMNILOOP_SMS_WEBHOOK_SECRET = SECRET
    with freeze_time(NOON):
        member = member_with(consents=("sms", "email"), phone="13900139000")
        message_enqueue(
            member_id=member.pk,
            template="promotion",
            context={"brand": "B", "title": "t", "body": "b"},
        )
    body = [{"phone_number": "13900139000", "content": "好的"}]
    assert _post(client, "messaging:sms_replies", body).status_code == 200
    assert {c.channel: c.granted for c in member_consents(member=member)}["sms"] is True
    body = [{"phone_number": "13900139000", "content": reply}]
    assert _post(client, "messaging:sms_replies", body, secret="x").status_code == 403
    assert {c.channel: c.granted for c in member_consents(member=member)}["sms"] is True
    assert _post(client, "messaging:sms_replies", body).status_code == 200
    consents = {c.channel: c.granted for c in member_consents(member=member)}
    assert (consents["sms"], consents["email"]) == (False, True)
    with freeze_time(NOON):
        deliver_batch()
    assert Message.objects.get().reason == "no_consent" and sms_outbox == []
