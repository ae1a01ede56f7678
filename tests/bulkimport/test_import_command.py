from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from omniloop.stores.models import Store
from tests.bulkimport.helpers import codes, rejected

pytestmark = pytest.mark.django_db


def test_the_command_prints_a_summary(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("\ufeffstore_ref,name\nsh01,静安店\nsh02,徐汇店\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import", "stores", str(path), stdout=out)
    text = out.getvalue()
    assert "stores: 2 rows read, 2 created, 0 updated, 0 unchanged" in text
    assert " s" in text.strip().splitlines()[-1]
    assert Store.objects.count() == 2


def test_the_command_lists_problems_and_writes_nothing(tmp_path):
    path = tmp_path / "s.csv"
    rows = "\n".join(f"bad ref {i},x" for i in range(60))
    path.write_text(f"store_ref,name\n{rows}\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="import_rejected"):
        call_command("import", "stores", str(path), stderr=err)
    text = err.getvalue()
    assert "row 2 store_ref: slug_invalid" in text
    assert "... and 10 more problem(s) (60 in all)" in text
    assert not Store.objects.exists()


def test_a_ragged_row_is_reported_with_its_row(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("store_ref,name\nsh01,a\nsh02,b,extra\nsh03,c\n", encoding="utf-8")
    extra = rejected("stores", path)
    assert codes(extra) == {(3, "", "field_count")}
    assert not Store.objects.exists()


def test_text_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes("store_ref,name\nsh01,静安\n".encode("gb18030"))
    extra = rejected("stores", path)
    assert {p["code"] for p in extra["problems"]} == {"encoding"}
    assert not Store.objects.exists()


def test_an_unknown_kind_is_refused(tmp_path):
    with pytest.raises(CommandError):
        call_command("import", "coupons", str(tmp_path / "x.csv"))
