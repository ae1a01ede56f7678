from __future__ import annotations

import zoneinfo
from datetime import date, datetime

import pytest
from django.db import connection

from omniloop.attribution.models import BindingChange, MemberBinding
from omniloop.core.brand import brand_settings
from omniloop.core.phones import Phone, parse_phone
from omniloop.members.codes import is_valid_member_code
from omniloop.members.models import IdentityKind, Member, MemberIdentity
from omniloop.members.selectors import member_identify
from tests.bulkimport.helpers import FORMATS, codes, rejected, run, write
from tests.factories import make_store

pytestmark = pytest.mark.django_db
HEADER = [
    "member_ref",
    "phone",
    "name",
    "gender",
    "birth_date",
    "city",
    "joined_at",
    "home_store_ref",
    "points",
]
PHONE_A, PHONE_B = "13812345678", "+86 139 0000 1111"


def rows() -> list[list[str]]:
    return [
        ["M1", PHONE_A, "王芳", "女", "1990-05-06", "上海", "2023-01-02 10:30", "sh01", "120"],
        ["M2", "", "老卡会员", "m", "", "", "2019-03-04T08:00:00Z", "ny01", ""],
        ["M3", PHONE_B, "", "", "", "", "", "", ""],
    ]


@FORMATS
def test_members_phones_and_bindings(tmp_path, suffix):
    sh = make_store("sh01", timezone="Asia/Shanghai")
    ny = make_store("ny01", timezone="America/New_York")
    path = write(tmp_path / f"m{suffix}", HEADER, rows())
    result = run("members", path)
    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    assert result.extra == {"phones_added": 2, "bindings_created": 2}
    m1, m2, m3 = (Member.objects.get(external_ref=r) for r in ("M1", "M2", "M3"))
    for m in (m1, m2, m3):
        assert is_valid_member_code(m.code) and m.join_source == "import"
    assert (m1.name, m1.gender, m1.birth_date, m1.city) == ("王芳", "f", date(1990, 5, 6), "上海")
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    assert m1.joined_at == datetime(2023, 1, 2, 10, 30, tzinfo=shanghai)  # naive: the store's
    assert m2.joined_at == datetime(2019, 3, 4, 8, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))
    assert m2.gender == "m" and not m2.identities.exists()  # a legacy card member, no phone
    # Phones as members.services stores them: blind index, AES-GCM cipher, masked.
    ident = MemberIdentity.objects.get(member=m1, kind=IdentityKind.PHONE)
    assert ident.value == parse_phone(PHONE_A).index
    assert Phone.decrypt(ident.cipher).e164 == "+8613812345678"
    assert ident.masked == "138****5678"
    assert member_identify(phone=PHONE_B).pk == m3.pk
    _assert_no_plaintext_phone()
    # home_store_ref: a first binding with its history, at the join time.
    b1 = MemberBinding.objects.get(member=m1)
    assert (b1.store_id, b1.recruited_store_id, b1.assistant_id) == (sh.pk, sh.pk, None)
    assert b1.bound_at == m1.joined_at
    days = (b1.protected_until - b1.bound_at).days
    assert days == brand_settings().protection_days
    change = BindingChange.objects.get(member=m1)
    assert (change.kind, change.to_store_id, change.source, change.changed_at) == (
        "initial",
        sh.pk,
        "import",
        m1.joined_at,
    )
    assert MemberBinding.objects.get(member=m2).store_id == ny.pk
    assert not MemberBinding.objects.filter(member=m3).exists()
    assert BindingChange.objects.count() == MemberBinding.objects.count() == 2
    again = run("members", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert again.extra == {"phones_added": 0, "bindings_created": 0}
    assert Member.objects.get(external_ref="M1").code == m1.code


def _assert_no_plaintext_phone() -> None:
    with connection.cursor() as cursor:
        for table in (Member._meta.db_table, MemberIdentity._meta.db_table):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row)
                assert "12345678" not in text and "00001111" not in text


def test_an_existing_member_gets_updates_a_phone_and_a_first_binding(tmp_path):
    make_store("sh01")
    write(tmp_path / "a.csv", ["member_ref", "name"], [["M1", "王芳"]])
    run("members", tmp_path / "a.csv")
    write(
        tmp_path / "b.csv",
        ["member_ref", "phone", "city", "home_store_ref"],
        [["M1", PHONE_A, "杭州", "sh01"]],
    )
    result = run("members", tmp_path / "b.csv")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    m = Member.objects.get(external_ref="M1")
    assert (m.name, m.city) == ("王芳", "杭州")
    assert m.identities.count() == 1 and m.binding.store.code == "sh01"


def test_an_existing_binding_is_never_moved(tmp_path):
    make_store("sh01")
    make_store("sh02")
    write(tmp_path / "a.csv", ["member_ref", "home_store_ref"], [["M1", "sh01"]])
    run("members", tmp_path / "a.csv")
    write(tmp_path / "b.csv", ["member_ref", "home_store_ref"], [["M1", "sh02"]])
    result = run("members", tmp_path / "b.csv")
    assert (result.updated, result.unchanged) == (0, 1)
    assert Member.objects.get().binding.store.code == "sh01"
    assert BindingChange.objects.count() == 1


def test_bad_rows_write_nothing(tmp_path):
    make_store("sh01")
    write(tmp_path / "a.csv", ["member_ref", "phone"], [["OLD", PHONE_B]])
    run("members", tmp_path / "a.csv")
    before = (Member.objects.count(), MemberIdentity.objects.count())
    bad = [
        ["N1", "12345", "", "", "", "", "", "", ""],
        ["N2", "", "", "x", "", "", "", "", ""],
        ["N3", "", "", "", "1990-13-01", "", "", "", ""],
        ["N4", "", "", "", "", "", "yesterday", "", ""],
        ["N5", "", "", "", "", "", "", "zz99", ""],
        ["N2", "", "", "", "", "", "", "", ""],
        ["", "", "", "", "", "", "", "", ""],
    ]
    extra = rejected("members", write(tmp_path / "bad.csv", HEADER, bad))
    assert codes(extra) == {
        (2, "phone", "phone_invalid"),
        (3, "gender", "choice_invalid"),
        (4, "birth_date", "date_invalid"),
        (5, "joined_at", "datetime_invalid"),
        (6, "home_store_ref", "unknown_store"),
        (7, "member_ref", "duplicate_ref"),
        (8, "member_ref", "required"),
    }
    assert extra["unknown"] == {"home_store_ref": ["zz99"]}
    assert all(p["value"] == "" for p in extra["problems"] if p["column"] == "phone")
    phones = [
        ["N6", PHONE_A, "", "", "", "", "", "", ""],
        ["N7", "138-1234-5678", "", "", "", "", "", "", ""],
        ["N8", PHONE_B, "", "", "", "", "", "", ""],
    ]
    extra = rejected("members", write(tmp_path / "bad2.csv", HEADER, phones))
    assert codes(extra) == {(3, "phone", "phone_duplicate"), (4, "phone", "phone_taken")}
    assert (Member.objects.count(), MemberIdentity.objects.count()) == before


def test_an_erased_person_is_not_recreated_by_an_import(tmp_path):
    """ADR 18: the phone or legacy ref of an erased member refuses the file (set-based check
    over the suppression digests); nothing is written."""
    from omniloop.members.privacy import member_erase

    make_store("sh01")
    run("members", write(tmp_path / "a.csv", ["member_ref", "phone"], [["GONE", PHONE_A]]))
    gone = Member.objects.get(external_ref="GONE")
    member_erase(member_id=gone.pk, reason="会员要求删除")
    before = (Member.objects.count(), MemberIdentity.objects.count())
    again = [["GONE", "", "", "", "", "", "", "", ""], ["NEW", PHONE_A, "", "", "", "", "", "", ""]]
    extra = rejected("members", write(tmp_path / "b.csv", HEADER, again))
    assert codes(extra) == {
        (2, "member_ref", "identity_suppressed"),
        (3, "phone", "identity_suppressed"),
    }
    assert all(p["value"] == "" for p in extra["problems"])
    assert (Member.objects.count(), MemberIdentity.objects.count()) == before
    fine = [["OK1", PHONE_B, "", "", "", "", "", "", ""]]
    assert run("members", write(tmp_path / "c.csv", HEADER, fine)).created == 1
