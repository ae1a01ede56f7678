import pytest

from tests.factories import make_member


@pytest.mark.django_db
def test_member_has_phone_identity():
    m = make_member("13800138000")
    assert m.identities.get().masked == "138****8000"
