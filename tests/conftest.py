from __future__ import annotations

from collections.abc import Generator

import pytest

from omniloop.core.sms import LocmemSmsBackend


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """After every test that touched the database, the points ledger must be sound: every
    transaction balances, all accounts sum to zero, cached balances equal their entries, no
    member balance is negative (`loyalty.selectors.ledger_audit`)."""
    yield  # a failing test raises here and is reported as it is
    if item.get_closest_marker("django_db") is not None:
        from omniloop.loyalty.selectors import ledger_audit

        assert ledger_audit() == [], "the points ledger is unsound after this test"


@pytest.fixture(autouse=True, scope="session")
def _urlconf_loaded_before_any_frozen_clock() -> None:
    """Load the URLconf (and so every API schema) once, before a test freezes the clock: a
    pydantic schema first built under freezegun sees its FakeDatetime and cannot be built."""
    import omniloop.urls  # noqa: F401


@pytest.fixture(autouse=True)
def _clean_sms_outbox() -> None:
    LocmemSmsBackend.outbox.clear()


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    from omniloop.loyalty.ledger import brand_account_ids_forget

    cache.clear()
    brand_account_ids_forget()  # a flushed database has new brand accounts


@pytest.fixture
def sms_outbox() -> list:
    return LocmemSmsBackend.outbox


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    import os
    import shutil

    from django.conf import settings

    on_ci = os.environ.get("CI") == "true"
    has_chromium = os.path.exists("/usr/bin/chromium") or bool(shutil.which("chromium"))
    for item in items:
        if "postgres" in item.keywords and not settings.IS_POSTGRES:
            item.add_marker(
                pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://...)")
            )
        if "browser" in item.keywords and not has_chromium and not on_ci:
            item.add_marker(
                pytest.mark.skip(reason="needs /usr/bin/chromium (apt-get install chromium)")
            )


@pytest.fixture
def till(db):
    """A store with an assistant, a product and a till token for that store."""
    from omniloop.accounts.models import Role
    from omniloop.accounts.services import token_create
    from tests.factories import make_product, make_store, make_user

    class Till:
        store = make_store("sh01")
        assistant = make_user(Role.ASSISTANT, store)
        product = make_product("JK100", price="399.00")
        issued = token_create(name="till 1", store=store)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}

    return Till
