"""Social mentions: the signed webhook (nothing is read before the signature checks out) and
CSV imports, one ticket per (platform, id) however often they arrive."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from omniloop.audit.models import AuditEvent
from omniloop.core import clock
from omniloop.inbox.mentions import mention_signature
from omniloop.inbox.models import Channel, Priority, Ticket

pytestmark = pytest.mark.django_db
SECRET = "listening-secret"
URL = "/inbox/hooks/mentions"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.OMNILOOP_INBOX_SOCIAL_SECRET = SECRET


def _post(client, payload, *, secret=SECRET, ts=None):
    body = json.dumps(payload).encode()
    ts = str(ts if ts is not None else int(clock.now().timestamp()))
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        HTTP_X_OMNILOOP_TIMESTAMP=ts,
        HTTP_X_OMNILOOP_SIGNATURE=mention_signature(secret, ts, body),
    )


MENTION = {
    "platform": "weibo",
    "id": "5000123",
    "author": "小红",
    "text": "某某家的衬衫穿了过敏，已经去医院了，大家别买！",
    "url": "https://weibo.com/5000123",
}


def test_a_signed_mention_becomes_an_urgent_ticket_once(client):
    r = _post(client, {"mentions": [MENTION]})
    assert r.status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.priority, ticket.author_name) == (
        Channel.SOCIAL,
        Priority.URGENT,
        "weibo @小红",
    )
    assert r.json() == {"tickets": [ticket.number]}
    assert _post(client, {"mentions": [MENTION]}).json() == {"tickets": [ticket.number]}
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"secret": "wrong"}, "mentions_signature_invalid"),
        ({"ts": 1_000_000}, "mentions_timestamp_stale"),
    ],
)
def test_a_bad_signature_or_stale_timestamp_writes_only_the_audit_event(client, kwargs, code):
    r = _post(client, {"mentions": [MENTION]}, **kwargs)
    assert (r.status_code, r.json()["error"]["code"]) == (403, code)
    assert not Ticket.objects.exists()
    assert AuditEvent.objects.get().code == code


def test_one_bad_row_files_none(client):
    r = _post(client, {"mentions": [MENTION, {"platform": "xhs", "id": "", "text": "x"}]})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "mention_invalid")
    assert not Ticket.objects.exists()


def test_csv_import(tmp_path):
    path = tmp_path / "mentions.csv"
    path.write_text(
        "platform,id,author,text\nxhs,n1,阿美,尺码偏小 不合身\nxhs,n2,Bob,The staff were rude\n",
        encoding="utf-8",
    )
    call_command("inbox_mentions_import", str(path))
    call_command("inbox_mentions_import", str(path))
    assert sorted(Ticket.objects.values_list("source_ref", "category")) == [
        ("xhs:n1", "size"),
        ("xhs:n2", "service"),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("platform,text\nxhs,hi\n", encoding="utf-8")
    with pytest.raises(CommandError, match="mentions_csv_columns"):
        call_command("inbox_mentions_import", str(bad))
