"""Coupon codes drawn by PostgreSQL (ADR 41): the same alphabet and shape as `new_coupon_code`,
the bytes mapped as documented, a fully rejected draw is NULL (so the insert fails and the
chunk is drawn again), and a bulk issue on PostgreSQL returns the codes it stored."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from omniloop.promotions.codes import ALPHABET, CODE_LENGTH, LETTERS, coupon_code_sql
from omniloop.promotions.coupons import coupon_issue_bulk
from omniloop.promotions.models import Coupon
from tests.factories import make_member
from tests.promotions.coupon_helpers import make_template

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _codes(sql_from: str, params: list | None = None) -> list[str | None]:
    with connection.cursor() as cur:
        sql = coupon_code_sql("a", "b").replace("%", "%%")
        cur.execute(f"SELECT {sql} FROM {sql_from}", params or [])  # noqa: S608 (ours)
        return [r[0] for r in cur.fetchall()]


def test_drawn_codes_have_the_shape_of_python_codes_and_use_every_symbol():
    codes = _codes(
        "(SELECT uuid_send(gen_random_uuid()) a, uuid_send(gen_random_uuid()) b "
        "FROM generate_series(1, 24000)) r"
    )
    assert len(set(codes)) == len(codes) == 24000
    assert all(
        c is not None and len(c) == CODE_LENGTH and c[0] in LETTERS and set(c) <= set(ALPHABET)
        for c in codes
    )
    first = Counter(c[0] for c in codes if c)
    assert set(first) == set(LETTERS)
    # 1000 expected per letter; 6 standard deviations (about 31) either way.
    assert all(810 < n < 1190 for n in first.values())
    assert set("".join(c[1:] for c in codes if c)) == set(ALPHABET)


def test_the_bytes_map_as_documented_and_a_rejected_letter_is_null():
    a = bytes([0xFF, 0xF0, 0x00, 0x19, 0, 0] + [0] * 10)  # 65520 rejected, then 25 -> 'B'
    b = bytes(range(40, 56))
    body = "".join(ALPHABET[b[i] % 32] for i in (0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11))
    assert _codes("(SELECT %s::bytea a, %s::bytea b) r", [a, b]) == [LETTERS[25 % 24] + body]
    rejected = bytes([0xFF, 0xF5] * 3 + [0] * 10)
    assert _codes("(SELECT %s::bytea a, %s::bytea b) r", [rejected, b]) == [None]


def test_a_bulk_issue_returns_the_codes_stored_in_the_order_asked():
    members = [make_member() for _ in range(5)]
    ids = [m.pk for m in reversed(members)]
    report = coupon_issue_bulk(template=make_template(), member_ids=ids, source="bulk")
    assert [i.member_id for i in report.issued] == ids
    stored = dict(Coupon.objects.values_list("pk", "code"))
    assert {i.coupon_id: i.code for i in report.issued} == stored
