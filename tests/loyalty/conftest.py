"""After every test here that touched the database, the ledger must be sound: every transaction
balances, all accounts sum to zero, cached balances equal their entries (`ledger_audit`)."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from omniloop.loyalty.selectors import ledger_audit


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    yield  # a failing test raises here and is reported as it is
    if item.get_closest_marker("django_db") is not None:
        assert ledger_audit() == [], "the points ledger is unsound after this test"
