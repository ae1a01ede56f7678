"""Schemathesis against our OpenAPI schema (issue 10): every operation, generated inputs, every
check. An HQ-admin integration token calls the HQ operations, a till token the till's.

The operations are driven through schemathesis's Python API with Hypothesis directly (its pytest
plugin does not load under pytest 9), in-process over WSGI.

One check is replaced by a sharper one. `positive_data_acceptance` fails any 4xx to a
schema-valid request; but a schema cannot say that a SKU exists or that exactly one of three
identifiers is given, and we answer those with a 422 and a stable domain code (`sku_unknown`,
`identify_one_of`). `shape_accepted` fails where the schema itself lied: a schema-valid request
refused by our request validation (`validation_error`) or for a header the schema did not
require (`idempotency_key_*`).

No operation is exempt: money is documented as the decimal strings we take and integers as
JSON Schema counts them (`api.schemas`), so a new endpoint must be truthful from the start."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from tests.factories import make_member, make_product, make_store

pytestmark = pytest.mark.django_db
SHAPE_CODES = {"validation_error", "idempotency_key_missing", "idempotency_key_invalid"}


@schemathesis.check
def shape_accepted(ctx, response, case):
    """A schema-valid request is never refused as malformed (see the module docstring)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code < 400:
        return None
    if response.status_code >= 500:
        return None  # the not_a_server_error check reports those
    try:
        code = json.loads(response.content)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = "unparsed"
    if code in SHAPE_CODES or code == "unparsed":
        raise AssertionError(f"schema-valid request refused as malformed: {code}")
    return None


@pytest.fixture
def api_schema(db):
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    # As Django's test client does: a request must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db):
    store = make_store("sh01")
    make_product("JK100", price="399.00")
    make_member("13800138000")
    hq = token_create(name="fuzz-hq", role=Role.HQ_ADMIN).secret
    till = token_create(name="fuzz-till", store=store).secret
    return {"hq": hq, "till": till}


def test_every_operation_meets_its_schema(api_schema, tokens):
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:
        token = tokens["till"] if operation.path.startswith("/api/v1/pos") else tokens["hq"]

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"},  # noqa: B023 (run now)
                excluded_checks=[positive_data_acceptance],
                additional_checks=[shape_accepted],
            )

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collected, reported together below
            lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
            curl = next((ln for ln in lines if ln.startswith("curl")), "")
            failures[operation.label] = " | ".join(lines[1:6])[:300] + " || " + curl[:400]
    for label, problem in sorted(failures.items()):
        print(f"{label}: {problem}")
    assert failures == {}
