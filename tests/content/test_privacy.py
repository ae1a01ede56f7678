"""Content views are member data: exported with the member, deleted on erasure, moved to the
survivor of a merge (the handlers registered by the app)."""

from __future__ import annotations

import pytest

from omniloop.content.models import ContentView
from omniloop.content.services import content_view_record
from omniloop.members.privacy import member_erase, member_export
from omniloop.members.services import member_merge
from tests.content.helpers import item
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _view(member, news, mall="wechat_mall"):
    return content_view_record(
        item_id=news.pk, mall=mall, member_id=member.pk, visitor_key="ignored", via="push"
    )


def test_views_are_exported_and_erased():
    news = item(publish=True)
    member, other = make_member(), make_member()
    _view(member, news)
    _view(other, news)
    export = member_export(member_id=member.pk)
    rows = export["sections"]["content_views"]
    assert [(r["content"], r["mall"], r["via"]) for r in rows] == [(news.pk, "wechat_mall", "push")]
    member_erase(member_id=member.pk, reason="asked")
    assert list(ContentView.objects.values_list("member_id", flat=True)) == [other.pk]


def test_a_member_view_keeps_no_visitor_key_and_a_merge_moves_views():
    news = item(publish=True)
    survivor, merged = make_member(), make_member()
    view = _view(merged, news, mall="web_mall")
    assert view.visitor_key == ""
    member_merge(survivor_id=survivor.pk, merged_id=merged.pk, actor="test", reason="same person")
    view.refresh_from_db()
    assert view.member_id == survivor.pk
