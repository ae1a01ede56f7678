"""The workbench's part in data-subject requests: a member's shares and task notes are in their
export, erasure blanks the notes."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from omniloop.members.privacy import privacy_handlers
from omniloop.workbench.models import FollowUpDone
from omniloop.workbench.tasks import followup_done
from tests.factories import make_product
from tests.workbench.world import make_world

pytestmark = pytest.mark.django_db


def test_export_lists_shares_and_notes_and_erasure_blanks_the_notes():
    from omniloop.workbench.sharing import share_product

    w = make_world()
    make_product("WB400")
    share_product(actor=w.actor(w.a1), member_id=w.m1.pk, style_code="WB400", form_token="p" * 24)
    w.m1.birth_date = date(1990, 5, 3)
    w.m1.save(update_fields=["birth_date"])
    with freeze_time(datetime(2026, 5, 1, 4, tzinfo=ZoneInfo("Asia/Shanghai"))):
        followup_done(actor=w.actor(w.a1), occasion=f"birthday:{w.m1.pk}:2026", note="喜欢蓝色")
    handler = privacy_handlers()["workbench"]
    [section] = handler.export(w.m1)
    assert [s["kind"] for s in section["shares"]] == ["product"]
    assert [n["note"] for n in section["follow_up_notes"]] == ["喜欢蓝色"]
    assert handler.erase is not None and handler.erase(w.m1) == 1
    assert FollowUpDone.objects.get().note == ""
    assert handler.export(w.m2) == [{"shares": [], "follow_up_notes": []}]
