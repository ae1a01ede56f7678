"""ledger: the brand account ids cached per process (ADR 42) and the points policy's row."""

from __future__ import annotations

import pytest
from django.db import transaction

from omniloop.loyalty import ledger
from omniloop.loyalty.earning import points_policy
from omniloop.loyalty.models import AccountKind, LedgerAccount, PointsPolicy


class Rollback(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_brand_account_ids_are_cached_only_once_committed():
    with pytest.raises(Rollback), transaction.atomic():
        rolled_back = ledger.brand_account_id(AccountKind.REDEMPTION)
        raise Rollback
    assert not LedgerAccount.objects.filter(pk=rolled_back).exists()
    assert ledger._brand_ids == {}  # the rolled-back id was never cached
    with transaction.atomic():
        kept = ledger.brand_account_id(AccountKind.REDEMPTION)
    assert ledger.brand_account_id(AccountKind.REDEMPTION) == kept
    assert list(ledger._brand_ids.values()) == [kept]


@pytest.mark.django_db
def test_the_points_policy_row_is_made_again_if_it_went_missing():
    PointsPolicy.objects.all().delete()
    assert points_policy().pk == 1
    assert points_policy().redeem_points_per_yuan == 100
