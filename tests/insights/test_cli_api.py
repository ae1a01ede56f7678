"""`omniloop segment count` and `omniloop features rebuild`, the API preview, materialised
segments with versions, and the ready-made segments."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from freezegun import freeze_time

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from omniloop.insights.features import features_rebuild
from omniloop.insights.models import Segment, SegmentMember
from omniloop.insights.ready_made import ready_made_segments
from omniloop.insights.selectors import segment_count
from omniloop.insights.services import segment_refresh, segments_refresh_due
from omniloop.members.models import Member
from tests.factories import make_store
from tests.insights import oracle
from tests.insights.world import AS_OF, SHANGHAI, build_world

pytestmark = pytest.mark.django_db

RULE = {
    "any": [{"field": "orders_30d", "op": ">=", "value": 1}, {"purchased": {"category": "side"}}]
}


@pytest.fixture
def world(db, tmp_path):
    w = build_world(seed=11, members=24, orders=120)
    path = tmp_path / "rule.json"
    path.write_text(json.dumps(RULE), encoding="utf-8")
    w.rule_path = str(path)  # type: ignore[attr-defined]
    return w


def _run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def test_count_with_a_date_means_the_end_of_that_day(world):
    lines = _run("segment", "count", "--rule", world.rule_path, "--as-of", "2026-03-14")
    end_of_day = datetime(2026, 3, 15, 0, 0, tzinfo=SHANGHAI)
    assert lines == [str(len(oracle.expected_ids(RULE, end_of_day)))]
    # Not the start of the day: an order at 23:30 on the 14th counts.
    start = datetime(2026, 3, 14, 0, 0, tzinfo=SHANGHAI)
    assert oracle.expected_ids(RULE, start) != oracle.expected_ids(RULE, end_of_day)


def test_count_with_refs_lists_refs_then_the_count(world):
    lines = _run(
        "segment", "count", "--rule", world.rule_path, "--as-of", AS_OF.isoformat(), "--refs"
    )
    ids = oracle.expected_ids(RULE, AS_OF)
    refs = [m.external_ref or m.code for m in Member.objects.filter(pk__in=ids).order_by("pk")]
    assert lines == [*refs, str(len(ids))]
    assert any(r.startswith("ref-") for r in refs) and any(r.startswith("M") for r in refs)


def test_count_without_as_of_reads_the_materialised_features(world):
    with freeze_time(AS_OF):
        assert _run("features", "rebuild")[0].startswith(
            str(Member.objects.filter(status="active").count())
        )
        lines = _run("segment", "count", "--rule", world.rule_path)
    assert lines == [str(len(oracle.expected_ids(RULE, AS_OF)))]


def test_count_refuses_bad_rules_and_times(world, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"field": "colour", "op": "=", "value": 1}', encoding="utf-8")
    with pytest.raises(CommandError, match="rule_unknown_field"):
        _run("segment", "count", "--rule", str(bad))
    with pytest.raises(CommandError, match="--as-of"):
        _run("segment", "count", "--rule", world.rule_path, "--as-of", "soon")


def _post(client, secret, body):
    return client.post(
        "/api/v1/segments/preview",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


@pytest.mark.parametrize("role", [Role.HQ_ADMIN, Role.MARKETER])
def test_api_preview_counts(client, world, role):
    secret = token_create(name="hq", role=role).secret
    r = _post(client, secret, {"rule": RULE, "as_of": AS_OF.isoformat()})
    assert r.status_code == 200, r.content
    assert r.json()["count"] == len(oracle.expected_ids(RULE, AS_OF))
    assert r.json()["source"] == "orders"
    bad = _post(client, secret, {"rule": {"all": [{"purchased": {"size": "M"}}]}})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "rule_unknown_filter"
    assert bad.json()["error"]["path"] == "$.all[0].purchased.size"


def test_api_preview_refuses_store_staff_and_cs(client, world):
    for secret in (
        token_create(name="till", store=make_store()).secret,
        token_create(name="cs", role=Role.CS_AGENT).secret,
    ):
        assert _post(client, secret, {"rule": RULE}).status_code == 403
    assert (
        client.post(
            "/api/v1/segments/preview", data="{}", content_type="application/json"
        ).status_code
        == 401
    )


def test_materialised_versions_and_schedule(world):
    with freeze_time(AS_OF):
        features_rebuild(as_of=AS_OF)
        segment = Segment.objects.create(slug="t", name="t", rule=RULE, refresh_every_hours=24)
        v1 = segment_refresh(segment)
        expected = oracle.expected_ids(RULE, AS_OF)
        assert v1.number == 1 and v1.member_count == len(expected) and v1.source == "features"
        members = SegmentMember.objects.filter(version=v1).values_list("member_id", flat=True)
        assert sorted(members) == expected
        never = Segment.objects.filter(refreshed_at__isnull=True).count()
        assert never == 18  # the ready-made ones
        assert segments_refresh_due() == never
        assert segments_refresh_due() == 0  # nothing is due again within the hour
    with freeze_time(AS_OF + timedelta(hours=25)):
        segments_refresh_due()
        assert segment.versions.count() == 2
        for _ in range(6):
            segment_refresh(segment)
        assert segment.versions.count() == 5  # older versions are pruned with their members
        assert not SegmentMember.objects.filter(version=v1).exists()


def test_ready_made_segments_are_installed_and_valid(world):
    slugs = {s["slug"] for s in ready_made_segments()}
    assert slugs <= set(Segment.objects.filter(ready_made=True).values_list("slug", flat=True))
    assert len(slugs) == 4 + 9 + 5
    with freeze_time(AS_OF):
        features_rebuild(as_of=AS_OF)
    grid = [s for s in ready_made_segments() if s["slug"].startswith("rfm-")]
    counts = [segment_count(s["rule"], as_of=AS_OF, source="features")[0] for s in grid]
    buyers = len([r for r in oracle.features(AS_OF).values() if r["rfm_r"] is not None])
    assert sum(counts) == buyers  # the grid covers every buyer exactly once
    stages = [s for s in ready_made_segments() if s["slug"].startswith("lifecycle-")]
    assert sum(segment_count(s["rule"], as_of=AS_OF)[0] for s in stages) == buyers
    for spec in ready_made_segments():
        assert segment_count(spec["rule"], as_of=AS_OF)[0] == len(
            oracle.expected_ids(spec["rule"], AS_OF)
        )
