"""No phone number is stored in plaintext, in any column of any table."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

from omniloop.core.phones import Phone, parse_phone
from omniloop.members.models import IdentityKind, MemberIdentity
from omniloop.members.selectors import member_phone
from omniloop.onboarding.services import member_join, otp_send
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _all_text_in_database() -> str:
    chunks = []
    with connection.cursor() as cur:
        for model in apps.get_models():
            table = model._meta.db_table
            cur.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the registry
            for row in cur.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        chunks.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        chunks.append(str(value))
    return "\n".join(chunks)


def test_joined_members_phone_is_only_stored_encrypted_and_indexed(sms_outbox):
    otp_send(phone_raw="+86 139-1234-5678", client_key="t")
    code = sms_outbox[-1].text.split("验证码 ")[1][:6]
    result = member_join(
        phone_raw="13912345678", code=code, consents={"sms": True}, visitor=None, scene=None
    )
    make_member("13800138000")
    everything = _all_text_in_database()
    for needle in ("13912345678", "+8613912345678", "1391234", "13800138000"):
        assert needle not in everything
    ident = MemberIdentity.objects.get(member_id=result.member_id, kind=IdentityKind.PHONE)
    assert ident.masked == "139****5678"
    assert ident.value == parse_phone("13912345678").index
    assert member_phone(member=ident.member) == Phone("+8613912345678")


def test_phone_ciphertext_is_bound_to_its_purpose():
    phone = parse_phone("13912345678")
    blob = phone.encrypt()
    assert phone.encrypt() != blob  # random nonce: equal phones do not give equal ciphertexts
    assert Phone.decrypt(blob) == phone
    from omniloop.core import crypto

    with pytest.raises(Exception):  # noqa: B017 - any failure: wrong associated data
        crypto.decrypt(blob, context=b"something-else")
