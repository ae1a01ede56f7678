"""The content pages through the Django client: a marketer writes, publishes and pushes, each
change audited; a refused form writes nothing; the item's page shows the push's counts; store
staff and customer service cannot open the pages."""

from __future__ import annotations

import pytest
from django.test import Client

from omniloop.accounts.models import Role
from omniloop.audit.models import AuditEvent
from omniloop.content.models import ContentItem, ContentPush
from omniloop.messaging.models import Message
from tests.campaigns.helpers import everyone_segment
from tests.content.helpers import item
from tests.factories import make_product, make_user
from tests.h5.helpers import by_testid
from tests.messaging.conftest import member_with

pytestmark = pytest.mark.django_db


def _client(role: str) -> tuple[Client, int]:
    user = make_user(role)
    client = Client()
    client.force_login(user)
    return client, user.pk


def _form(**kw) -> dict:
    data = {"kind": "picks", "title": "本周精选", "title_en": "This week's picks"}
    data |= {"in_wechat_mall": "on", "in_web_mall": "on"}
    data.update(kw)
    return data


def test_a_marketer_writes_publishes_and_pushes_with_every_step_audited(settings):
    settings.OMNILOOP_MESSAGING_QUIET_HOURS = (0, 0)
    make_product("JK100"), make_product("TS200")
    for _ in range(3):
        member_with(consents=("sms",))
    segment = everyone_segment()
    client, user_id = _client(Role.MARKETER)
    r = client.post("/dashboard/content/new/", _form(picks="TS200, JK100"))
    assert r.status_code == 302
    saved = ContentItem.objects.get()
    assert [p.product.style_code for p in saved.picks.select_related("product")] == [
        "TS200",
        "JK100",
    ]
    assert saved.created_by_id == user_id
    page = client.get(f"/dashboard/content/{saved.pk}/").content
    assert "preview=" in page.decode()
    client.post(f"/dashboard/content/{saved.pk}/action/", {"action": "publish"})
    saved.refresh_from_db()
    assert saved.status == "published"
    r = client.post(
        f"/dashboard/content/{saved.pk}/push/", {"segment": segment.pk, "channel": "sms"}
    )
    assert r.status_code == 302
    client.post(f"/dashboard/content/{saved.pk}/push/", {"segment": segment.pk})  # again
    push = ContentPush.objects.get()
    assert Message.objects.filter(cause=push.cause).count() == 3
    page = client.get(f"/dashboard/content/{saved.pk}/").content
    assert by_testid(page, "push-queued") == "3"
    assert by_testid(page, "push-sent") == "3"  # locmem SMS: sent when the push asked for it
    assert by_testid(page, "push-clicked") == "0"
    actions = list(
        AuditEvent.objects.filter(target_type="content", actor_user_id=user_id)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["content.create", "content.publish", "content.push"]


def test_a_refused_form_writes_nothing_and_says_why():
    client, _ = _client(Role.MARKETER)
    r = client.post("/dashboard/content/new/", _form(picks="NOPE1"))
    assert r.status_code == 422 and "NOPE1" in r.content.decode()
    r = client.post("/dashboard/content/new/", _form(kind="news", title="", title_en=""))
    assert r.status_code == 422 and "请填写标题" in r.content.decode()
    assert ContentItem.objects.count() == 0
    assert not AuditEvent.objects.filter(target_type="content").exists()


def test_publishing_an_incomplete_item_is_refused_with_its_code():
    client, _ = _client(Role.HQ_ADMIN)
    draft = item("picks")
    r = client.post(f"/dashboard/content/{draft.pk}/action/", {"action": "publish"})
    assert r.status_code == 422 and "content_picks_missing" in r.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not AuditEvent.objects.filter(action="content.publish").exists()


def test_the_editor_speaks_english_too():
    client, _ = _client(Role.MARKETER)
    client.cookies["django_language"] = "en"
    html = client.get("/dashboard/content/new/").content.decode()
    assert "Title (English)" in html and "Save draft" in html
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/dashboard/content/new/").content.decode()
    assert "标题(英文)" in html and "保存草稿" in html


@pytest.mark.parametrize("role", [Role.STORE_MANAGER, Role.ASSISTANT, Role.CS_AGENT])
def test_other_roles_cannot_open_or_change_content(role):
    news = item(publish=True)
    client, _ = _client(role)
    assert client.get("/dashboard/content/").status_code == 403
    assert client.get(f"/dashboard/content/{news.pk}/").status_code == 403
    r = client.post(f"/dashboard/content/{news.pk}/action/", {"action": "archive"})
    assert r.status_code == 403
    news.refresh_from_db()
    assert news.status == "published"


def test_times_typed_in_the_editor_are_read_in_the_brand_zone_and_kept_aware(settings):
    from datetime import UTC, datetime

    client, _ = _client(Role.MARKETER)
    r = client.post(
        "/dashboard/content/new/",
        _form(
            kind="news",
            body="正文",
            publish_at="2030-01-02T09:00",
            unpublish_at="2030-01-09T21:30",
        ),
    )
    assert r.status_code == 302
    saved = ContentItem.objects.get()
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert saved.publish_at == datetime(2030, 1, 2, 1, 0, tzinfo=UTC)
    assert saved.unpublish_at == datetime(2030, 1, 9, 13, 30, tzinfo=UTC)
    r = client.post(
        "/dashboard/content/new/",
        _form(kind="news", publish_at="2030-01-09T09:00", unpublish_at="2030-01-02T09:00"),
    )
    assert r.status_code == 422 and "下线时间必须晚于上线时间" in r.content.decode()
    assert ContentItem.objects.count() == 1


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_cover_is_checked_by_its_bytes_stored_under_a_random_name_and_shown(
    settings, tmp_path, client, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    marketer, _ = _client(Role.MARKETER)
    svg = SimpleUploadedFile("cover.png", b"<svg onload=alert(1)>", content_type="image/png")
    r = marketer.post("/dashboard/content/new/", {**_form(kind="news", body="x"), "cover": svg})
    assert r.status_code == 422 and "JPEG、PNG 或 WebP" in r.content.decode()
    assert ContentItem.objects.count() == 0 and not list(tmp_path.rglob("*.*"))
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * (2 * 1024 * 1024), content_type="image/png")
    r = marketer.post("/dashboard/content/new/", {**_form(kind="news", body="x"), "cover": big})
    assert r.status_code == 422 and ContentItem.objects.count() == 0

    png = SimpleUploadedFile("<script>.svg", PNG, content_type="image/svg+xml")
    r = marketer.post("/dashboard/content/new/", {**_form(kind="news", body="x"), "cover": png})
    assert r.status_code == 302
    saved = ContentItem.objects.get()
    name = saved.cover.name
    assert name.startswith("content/") and name.endswith(".png") and "script" not in name
    assert (tmp_path / name).read_bytes() == PNG
    marketer.post(f"/dashboard/content/{saved.pk}/action/", {"action": "publish"})
    page = client.get(f"/m/news/{saved.pk}").content
    from tests.h5.helpers import attrs_by_testid

    assert attrs_by_testid(page, "content-cover")["src"] == f"/media/{name}"

    form = {**_form(kind="news", body="x"), "cover_clear": "on"}
    with django_capture_on_commit_callbacks(execute=True):  # the old file goes after commit
        marketer.post(f"/dashboard/content/{saved.pk}/", form)
    saved.refresh_from_db()
    assert not saved.cover and not (tmp_path / name).exists()
