"""What is live where: the publish window, the mall, the store a member is bound to, and
the languages' fallback."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.attribution.services import binding_touch
from omniloop.content.selectors import content_feed, content_live_get, content_page
from omniloop.content.services import content_item_archive
from omniloop.core import clock
from omniloop.core.errors import NotFound
from tests.content.helpers import item, window
from tests.factories import make_member, make_store

pytestmark = pytest.mark.django_db


def _ids(**kw):
    return [i.pk for i in content_feed(**kw)]


def test_the_window_decides_what_is_live():
    now = clock.now()
    always = item(publish=True)
    later = item(publish=True, **window(2))
    ending = item(publish=True, **window(-1, 1))
    draft = item()
    # Newest first by when each went live: `always` now, `ending` an hour ago.
    assert _ids(mall="wechat_mall", store_id=None) == [always.pk, ending.pk]
    in_3h = now + timedelta(hours=3)
    assert _ids(mall="wechat_mall", store_id=None, at=in_3h) == [later.pk, always.pk]
    with pytest.raises(NotFound):
        content_live_get(item_id=draft.pk, mall="wechat_mall", store_id=None)
    content_item_archive(item_id=always.pk)
    assert _ids(mall="wechat_mall", store_id=None) == [ending.pk]


def test_malls_and_stores_scope_the_feed():
    a, b = make_store("sa"), make_store("sb")
    web_only = item(publish=True, in_wechat_mall=False)
    store_a = item(publish=True, store_ids=[a.pk])
    everyone = item(publish=True)
    assert _ids(mall="web_mall", store_id=None) == [everyone.pk, web_only.pk]
    assert _ids(mall="wechat_mall", store_id=None) == [everyone.pk]
    assert _ids(mall="wechat_mall", store_id=a.pk) == [everyone.pk, store_a.pk]
    assert _ids(mall="wechat_mall", store_id=b.pk) == [everyone.pk]
    with pytest.raises(NotFound):
        content_live_get(item_id=store_a.pk, mall="wechat_mall", store_id=b.pk)
    with pytest.raises(NotFound):
        content_live_get(item_id=web_only.pk, mall="wechat_mall", store_id=None)


def test_each_language_falls_back_to_the_other():
    only_zh = item(title="仅中文", title_en="", summary="", summary_en="Only English summary")
    zh = content_page(only_zh, english=False)
    en = content_page(only_zh, english=True)
    assert (zh.title, zh.summary) == ("仅中文", "Only English summary")
    assert (en.title, en.summary) == ("仅中文", "Only English summary")
    assert str(en.body) == "<p>First.</p><p>Second.</p>"
    assert str(zh.body) == "<p>第一段</p><p>第二段</p>"


def test_a_member_bound_to_a_store_is_a_shopper_of_it(client):
    a = make_store("sa")
    member = make_member()
    binding_touch(member=member, store_id=a.pk, assistant_id=None, source="scan")
    scoped = item(publish=True, store_ids=[a.pk], title="A店专享")
    assert client.get(f"/m/news/{scoped.pk}").status_code == 404
    from tests.h5.helpers import as_member

    assert as_member(client, member).get(f"/m/news/{scoped.pk}").status_code == 200
