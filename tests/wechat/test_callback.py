"""The real endpoint: URL verification, plaintext and safe mode, refusals that write nothing
(but their audit event), retries and replays that change nothing."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.test.utils import override_settings
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from omniloop.audit.models import AuditEvent
from omniloop.core import clock
from omniloop.touchpoints.models import ScanEvent, Visitor
from omniloop.wechat.inbound import inbound_process, inbound_sweep
from omniloop.wechat.models import WechatFollower, WechatInbound
from tests.wechat import wire
from tests.wechat.conftest import AES_KEY, OLD_AES_KEY, TOKEN
from tests.wechat.helpers import now_ts, post, post_plain, post_safe, verify_url

pytestmark = pytest.mark.django_db


def _nothing_written() -> None:
    assert not WechatInbound.objects.exists()
    assert not WechatFollower.objects.exists()
    assert not Visitor.objects.exists()
    assert not ScanEvent.objects.exists()


def _text(msg_id: int = 1001, openid: str = "o-user-1", content: str = "hello") -> str:
    return wire.text_xml(openid=openid, content=content, create_time=now_ts(), msg_id=msg_id)


def test_url_verification_echoes_echostr(client, wechat):
    r = verify_url(client, "1616140317555161061")
    assert (r.status_code, r.content) == (200, b"1616140317555161061")


def test_url_verification_echoes_plaintext_in_safe_mode_too(client, wechat_safe):
    r = verify_url(client, "echo-42")
    assert (r.status_code, r.content) == (200, b"echo-42")


def test_url_verification_with_a_bad_signature_is_refused_and_audited(client, wechat):
    r = verify_url(client, "echo", token="not-our-token")
    assert r.status_code == 403
    assert b"echo" not in r.content
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.code) == (
        "wechat.denied",
        "denied",
        "wechat_signature_invalid",
    )


def test_a_plaintext_message_is_recorded_and_processed(client, wechat):
    r = post_plain(client, _text())
    assert (r.status_code, r.content) == (200, b"success")
    row = WechatInbound.objects.get()
    assert (row.dedup_key, row.msg_type, row.openid, row.outcome) == (
        "msg:1001",
        "text",
        "o-user-1",
        "noted:text",
    )
    follower = WechatFollower.objects.get(openid="o-user-1")
    assert follower.last_interaction_at == row.sent_at


@pytest.mark.parametrize("by", ["wire", "wechatpy"])
def test_a_safe_mode_message_is_decrypted_and_recorded(client, wechat_safe, by):
    r = post_safe(client, _text(msg_id=2002, content="加密的消息"), by=by)
    assert (r.status_code, r.content) == (200, b"success")
    assert WechatInbound.objects.get().dedup_key == "msg:2002"


def test_the_previous_aes_key_still_opens_messages_while_rotating(client, wechat_safe, settings):
    r = post_safe(client, _text(msg_id=1), key=OLD_AES_KEY)
    assert r.status_code in (400, 403)  # not our key yet: garbage, or (rarely) a foreign AppID
    _nothing_written()
    settings.OMNILOOP_WECHAT_AES_KEY_OLD = OLD_AES_KEY
    r = post_safe(client, _text(msg_id=1), key=OLD_AES_KEY)
    assert (r.status_code, r.content) == (200, b"success")
    assert WechatInbound.objects.count() == 1


def test_a_bad_signature_writes_nothing_but_its_audit_event(client, wechat):
    r = post_plain(client, _text(), token="forged")
    assert r.status_code == 403
    _nothing_written()
    assert AuditEvent.objects.get().code == "wechat_signature_invalid"


def test_a_bad_msg_signature_writes_nothing(client, wechat_safe):
    ts, nonce = str(now_ts()), "12345"
    query, body = wire.safe_envelope(
        token=TOKEN,
        encoding_aes_key=AES_KEY,
        app_id=wechat_safe.app_id,
        xml=_text(),
        timestamp=ts,
        nonce=nonce,
    )
    # The ciphertext swapped for another one: `signature` still checks, `msg_signature` not.
    other = wire.encrypt(AES_KEY, _text(msg_id=9), wechat_safe.app_id)
    body = body.replace(body.split(b"<Encrypt><![CDATA[")[1].split(b"]]>")[0], other.encode())
    r = post(client, query, body)
    assert r.status_code == 403
    _nothing_written()
    assert AuditEvent.objects.get().code == "wechat_signature_invalid"


def test_another_keys_ciphertext_is_refused_never_a_500(client, wechat_safe):
    """Decrypted with our key, another account's ciphertext is garbage of any length: some of it
    too short for wechatpy to unpack its length prefix (a struct.error that once gave a 500)."""
    for i in range(40):
        key = (chr(ord("A") + i % 26) * 42) + "B"
        r = post_safe(client, _text(msg_id=1000 + i), key=key)
        assert r.status_code in (400, 403), (i, r.status_code)
    _nothing_written()


def test_a_payload_too_short_to_unpack_is_malformed(client, wechat_safe, monkeypatch):
    import struct

    from wechatpy.crypto import WeChatCrypto

    def short(self, *args, **kwargs):
        raise struct.error("unpack requires a buffer of 4 bytes")

    monkeypatch.setattr(WeChatCrypto, "decrypt_message", short)
    r = post_safe(client, _text())
    assert r.status_code == 400
    _nothing_written()


def test_plaintext_is_refused_once_safe_mode_is_on(client, wechat_safe):
    r = post_plain(client, _text())
    assert r.status_code == 403
    _nothing_written()


@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_a_stale_timestamp_writes_nothing(client, wechat, skew):
    r = post_plain(client, _text(), timestamp=now_ts() + skew)
    assert r.status_code == 403
    _nothing_written()
    assert AuditEvent.objects.get().code == "wechat_timestamp_stale"


def test_a_timestamp_inside_the_tolerance_is_accepted(client, wechat):
    assert post_plain(client, _text(), timestamp=now_ts() - 290).status_code == 200
    assert WechatInbound.objects.count() == 1


def test_a_retry_or_replay_of_a_message_has_no_effect(client, wechat):
    xml = _text(msg_id=777)
    for _ in range(4):  # WeChat's first try and its three retries, each freshly signed
        r = post_plain(client, xml)
        assert (r.status_code, r.content) == (200, b"success")
    assert WechatInbound.objects.count() == 1
    assert WechatFollower.objects.count() == 1


def test_events_are_deduplicated_by_sender_and_create_time(client, wechat):
    t = now_ts()
    sub = wire.event_xml(openid="o-9", event="subscribe", create_time=t)
    assert post_plain(client, sub).status_code == 200
    assert post_plain(client, sub).status_code == 200
    assert WechatInbound.objects.count() == 1
    later = wire.event_xml(openid="o-9", event="unsubscribe", create_time=t + 1)
    assert post_plain(client, later).status_code == 200
    assert WechatInbound.objects.count() == 2


def test_a_document_type_declaration_is_refused(client, wechat):
    xml = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + _text()
    r = post_plain(client, xml)
    assert r.status_code == 400
    _nothing_written()


def test_garbage_is_a_400_and_writes_nothing(client, wechat):
    assert post_plain(client, "<xml><MsgType>text</MsgType>").status_code == 400
    _nothing_written()


def test_the_callback_is_csrf_exempt_and_under_the_csp(wechat):
    client = Client(enforce_csrf_checks=True)
    r = post_plain(client, _text())
    assert (r.status_code, r.content) == (200, b"success")
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]


def test_other_methods_are_refused(client, wechat):
    assert client.put("/wechat/callback").status_code == 405


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_answer_comes_before_the_work(client, wechat):
    """With the production backend the callback only records and enqueues: the follower is
    created by the worker, later."""
    sub = wire.event_xml(openid="o-later", event="subscribe", create_time=now_ts())
    started = time.perf_counter()
    r = post_plain(client, sub)
    elapsed = time.perf_counter() - started
    assert (r.status_code, r.content) == (200, b"success")
    assert elapsed < 5.0
    row = WechatInbound.objects.get()
    assert row.processed_at is None
    assert not WechatFollower.objects.exists()
    task = DBTaskResult.objects.get()
    assert task.status == "READY"
    assert task.args_kwargs["args"] == [row.pk]
    assert inbound_process(inbound_id=row.pk) == "subscribed"
    assert WechatFollower.objects.get().subscribed
    # The task run again (an at-least-once backend): nothing more happens.
    assert inbound_process(inbound_id=row.pk) == "already_processed"


def test_callbacks_answer_well_inside_five_seconds(client, wechat):
    """Measured with the work done inline (the test backend, user/info call included), so the
    figure is an upper bound on what WeChat waits for. The bar is WeChat's own 5 s, not a
    benchmark: the machine running the tests may be busy."""
    timings = []
    for i in range(30):
        xml = wire.event_xml(openid=f"o-{i}", event="subscribe", create_time=now_ts())
        started = time.perf_counter()
        assert post_plain(client, xml).status_code == 200
        timings.append(time.perf_counter() - started)
    assert max(timings) < 5.0, max(timings)


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_sweep_processes_what_no_worker_did(client, wechat):
    post_plain(client, wire.event_xml(openid="o-lost", event="subscribe", create_time=now_ts()))
    assert inbound_sweep() == 0  # too recent: its own task may still run
    with freeze_time(clock.now() + timedelta(minutes=6)):
        assert inbound_sweep() == 1
        assert inbound_sweep() == 0
    assert WechatFollower.objects.get().subscribed
    assert WechatInbound.objects.get().outcome == "subscribed"
    with freeze_time(clock.now() + timedelta(days=29)):
        inbound_sweep()
    assert WechatInbound.objects.count() == 1
    with freeze_time(clock.now() + timedelta(days=31)):
        inbound_sweep()
    assert not WechatInbound.objects.exists()
    assert WechatFollower.objects.exists()
