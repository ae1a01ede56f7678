"""`omniloop listings_import CHANNEL PATH`: all rows or none, problems by row number."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from omniloop.listings.models import ChannelListing
from tests.factories import make_product
from tests.listings.helpers import make_channel, stored

pytestmark = pytest.mark.django_db
HEADER = "external_id,style_code,sku,title,price,observed_at,description,url\n"


@pytest.fixture
def coat():
    make_channel("tmall")
    return make_product("JK100", price="399.00")


def run(tmp_path, text: str, channel: str = "tmall", encoding: str = "utf-8"):
    path = tmp_path / "listings.csv"
    path.write_text(text, encoding=encoding)
    out, err = StringIO(), StringIO()
    call_command("listings_import", channel, str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing(tmp_path, text: str, **kw) -> tuple[str, str]:
    err = StringIO()
    path = tmp_path / "listings.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("listings_import", kw.get("channel", "tmall"), str(path), stderr=err)
    assert not ChannelListing.objects.exists()
    return str(exc.value), err.getvalue()


def test_imports_every_row_and_replays_unchanged(tmp_path, coat):
    text = (
        HEADER
        + f'T1,JK100,,{coat.name},399.00,2026-11-30T10:00:00+08:00,"两行\n描述",\n'
        + f"T2,JK100,JK100-M,{coat.name},359,2026-11-30T10:00:00+08:00,,https://jd.com/2\n"
    )
    out, _ = run(tmp_path, "\ufeff" + text)  # a BOM, as spreadsheets write it
    assert out.strip() == "2 created, 0 updated, 0 unchanged, 0 older than stored (ignored)."
    assert stored() == [("T1", coat.name, Decimal("399.00")), ("T2", coat.name, Decimal("359"))]
    assert ChannelListing.objects.get(external_id="T1").source == "csv"
    assert ChannelListing.objects.get(external_id="T1").description == "两行\n描述"
    out, _ = run(tmp_path, text)
    assert out.startswith("0 created, 0 updated, 2 unchanged")


def test_one_bad_row_refuses_the_file_with_every_problem_by_row(tmp_path, coat):
    text = (
        HEADER
        + "T1,JK100,,大衣,399.00,2026-11-30T10:00:00+08:00,,\n"
        + "T2,NOPE,,大衣,abc,yesterday,,\n"
        + "T3,NOPE,,大衣,399.00,2026-11-30T10:00:00+08:00,,\n"
        + "T4,JK100,,大衣,399.001,2026-11-30T10:00:00,,\n"
        + "T5,JK100,,大衣,399.00,2026-11-30T10:00:00+08:00,,,extra\n"
    )
    message, err = failing(tmp_path, text)
    assert message == "csv_invalid: The file has problems; nothing was imported."
    assert err.splitlines() == [
        "row 3: price_invalid (price): Not an amount.",
        "row 3: observed_at_invalid (observed_at): Not an ISO 8601 time.",
        "row 4: product_unknown (style_code): No such style code.",
        "row 5: price_invalid (price): A non-negative amount, at most 2 decimals.",
        "row 5: observed_at_naive (observed_at): Give the time with its offset.",
        "row 6: csv_row_invalid: More cells than columns.",
    ]


def test_header_problems(tmp_path, coat):
    _, err = failing(tmp_path, "external_id,style_code,title,colour\n")
    assert err.splitlines() == [
        "row 1: csv_column_missing (price): Required column.",
        "row 1: csv_column_missing (observed_at): Required column.",
        "row 1: csv_column_unknown (colour): Not a listing column.",
    ]


def test_file_and_channel_refusals(tmp_path, coat):
    assert failing(tmp_path, HEADER)[0].startswith("listings_empty")
    assert failing(tmp_path, HEADER, channel="nope")[0].startswith("channel_unknown")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("listings_import", "tmall", str(tmp_path / "missing.csv"))
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + "T1,JK100,,大衣,399,2026-11-30T10:00:00+08:00,,\n").encode("gbk"))
    with pytest.raises(CommandError, match="gb18030"):
        call_command("listings_import", "tmall", str(path))
    call_command("listings_import", "tmall", str(path), encoding="gb18030", stdout=StringIO())
    assert stored() == [("T1", "大衣", Decimal("399.00"))]
