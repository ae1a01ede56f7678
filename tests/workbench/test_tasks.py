"""Follow-up tasks: birthdays in the next seven store-local days, lapsing members, pickups
ready at the store, open tickets; done once per occasion, audited, and the next occasion
comes back."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from omniloop.audit.models import AuditEvent
from omniloop.core import clock
from omniloop.core.errors import NotFound, ValidationFailed
from omniloop.inbox.models import Channel
from omniloop.inbox.services import Voice, ticket_open
from omniloop.insights.models import MemberFeatures
from omniloop.orders.pickup import pickup_mark_ready
from omniloop.workbench.models import FollowUpDone
from omniloop.workbench.tasks import followup_done, followup_tasks, next_birthday
from tests.factories import make_member, make_product
from tests.orders.pickup_helpers import paid_pickup, stock
from tests.workbench.world import bind, make_world

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _occasions(actor, kind, at=None):
    return [t.occasion for t in followup_tasks(actor=actor, at=at) if t.kind == kind]


def test_next_birthday_wraps_the_year_and_keeps_29_february():
    assert next_birthday(date(1990, 1, 3), date(2026, 12, 30)) == date(2027, 1, 3)
    assert next_birthday(date(1992, 2, 29), date(2026, 2, 1)) == date(2026, 2, 28)
    assert next_birthday(date(1992, 2, 29), date(2028, 2, 1)) == date(2028, 2, 29)
    assert next_birthday(date(1990, 6, 1), date(2026, 6, 1)) == date(2026, 6, 1)


def test_birthdays_in_the_next_seven_store_local_days():
    w = make_world()
    for m, born in ((w.m1, date(1990, 1, 2)), (w.m2, date(1991, 1, 9))):
        m.birth_date = born
        m.save(update_fields=["birth_date"])
    late = bind(make_member(name="七天后"), w.a, w.a1)
    late.birth_date = date(1985, 1, 8)
    late.save(update_fields=["birth_date"])
    # 31 Dec 2026 17:00 UTC is already 1 Jan 2027 01:00 in Shanghai: the window is 1-7 Jan.
    at = datetime(2026, 12, 31, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert _occasions(w.actor(w.a1), "birthday", at) == [f"birthday:{w.m1.pk}:2027"]
    # A manager sees the store's: m2's is on the 9th, outside the window; `late` on the 8th too.
    assert _occasions(w.actor(w.manager), "birthday", at) == [f"birthday:{w.m1.pk}:2027"]
    at_2 = at + timedelta(days=1)  # 2-8 Jan
    assert _occasions(w.actor(w.a1), "birthday", at_2) == [
        f"birthday:{w.m1.pk}:2027",
        f"birthday:{late.pk}:2027",
    ]


def test_lapsing_members_are_those_whose_last_order_was_90_to_180_days_ago():
    w = make_world()
    now = clock.now()
    for m, days in ((w.m1, 120), (w.m2, 100)):
        MemberFeatures.objects.create(
            member=m, computed_at=now, last_order_at=now - timedelta(days=days)
        )
    recent = bind(make_member(), w.a, w.a1)
    gone = bind(make_member(), w.a, w.a1)
    MemberFeatures.objects.create(
        member=recent, computed_at=now, last_order_at=now - timedelta(days=30)
    )
    MemberFeatures.objects.create(
        member=gone, computed_at=now, last_order_at=now - timedelta(days=400)
    )
    day = (now - timedelta(days=120)).strftime("%Y%m%d")
    assert _occasions(w.actor(w.a1), "lapsing") == [f"lapsing:{w.m1.pk}:{day}"]
    assert len(_occasions(w.actor(w.manager), "lapsing")) == 2


def test_pickups_ready_at_the_store_until_collected():
    w = make_world()
    make_product("WB100")
    stock(w.a, "WB100-M", 3)
    order, _ = paid_pickup(w.m1, w.a, [("WB100-M", 1)])
    actor = w.actor(w.a2)  # any assistant of the store hands pickups over
    assert _occasions(actor, "pickup") == []  # paid, not yet ready
    pickup_mark_ready(actor=w.actor(w.manager), order_number=order.number)
    assert _occasions(actor, "pickup") == [f"pickup:{order.number}"]
    assert _occasions(w.actor(w.b1), "pickup") == []


def test_open_tickets_of_my_members_or_assigned_to_me():
    w = make_world()
    mine = ticket_open(
        voice=Voice(
            channel=Channel.STORE_NOTE, body="尺码不合适", member_id=w.m1.pk, store_id=w.a.pk
        )
    )
    theirs = ticket_open(
        voice=Voice(channel=Channel.STORE_NOTE, body="掉色", member_id=w.m2.pk, store_id=w.a.pk)
    )
    ticket_open(
        voice=Voice(channel=Channel.STORE_NOTE, body="掉色", member_id=w.mb.pk, store_id=w.b.pk)
    )
    nobodys = ticket_open(voice=Voice(channel=Channel.STORE_NOTE, body="门口地滑", store_id=w.a.pk))
    a1 = {o.split(":")[1] for o in _occasions(w.actor(w.a1), "ticket")}
    assert a1 == {str(mine.pk), str(nobodys.pk)}
    a2 = {o.split(":")[1] for o in _occasions(w.actor(w.a2), "ticket")}
    assert a2 == {str(theirs.pk), str(nobodys.pk)}
    manager = {o.split(":")[1] for o in _occasions(w.actor(w.manager), "ticket")}
    assert manager == {str(mine.pk), str(theirs.pk), str(nobodys.pk)}


def test_done_is_kept_per_occasion_audited_and_idempotent():
    w = make_world()
    w.m1.birth_date = date(1990, 5, 3)
    w.m1.save(update_fields=["birth_date"])
    actor = w.actor(w.a1)
    at = datetime(2026, 5, 1, 4, tzinfo=SHANGHAI)
    occasion = f"birthday:{w.m1.pk}:2026"
    assert _occasions(actor, "birthday", at) == [occasion]

    with freeze_time(at):
        done = followup_done(actor=actor, occasion=occasion, note="  打电话祝福了 ")
        again = followup_done(actor=actor, occasion=occasion, note="twice")
    assert again.pk == done.pk and done.note == "打电话祝福了"
    assert FollowUpDone.objects.count() == 1
    assert AuditEvent.objects.filter(action="workbench.task_done", target_id=occasion).count() == 1
    assert _occasions(actor, "birthday", at) == []
    assert _occasions(actor, "birthday", at + timedelta(days=1)) == []
    # Next year's birthday is a new occasion.
    assert _occasions(actor, "birthday", at.replace(year=2027)) == [f"birthday:{w.m1.pk}:2027"]
    # Another assistant's "done" is theirs: the manager still has the task.
    assert _occasions(w.actor(w.manager), "birthday", at) == [occasion]


def test_only_a_current_task_can_be_closed_and_a_long_note_is_refused():
    w = make_world()
    w.m1.birth_date = date(1990, 5, 3)
    w.m1.save(update_fields=["birth_date"])
    at = datetime(2026, 5, 1, 4, tzinfo=SHANGHAI)
    with freeze_time(at):
        with pytest.raises(NotFound):  # another store's member's birthday is not a1's task
            w.mb.birth_date = date(1990, 5, 3)
            w.mb.save(update_fields=["birth_date"])
            followup_done(actor=w.actor(w.a1), occasion=f"birthday:{w.mb.pk}:2026")
        with pytest.raises(NotFound):
            followup_done(actor=w.actor(w.a1), occasion="birthday:1:1999")
        with pytest.raises(ValidationFailed):
            followup_done(actor=w.actor(w.a1), occasion=f"birthday:{w.m1.pk}:2026", note="x" * 501)
    assert FollowUpDone.objects.count() == 0
    assert not AuditEvent.objects.filter(action="workbench.task_done").exists()
