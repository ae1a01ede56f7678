"""Endpoints for HQ integrations (ERP, BI, CRM tools), with role-scoped tokens."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from omniloop.api.auth import TokenAuth
from omniloop.api.schemas import ErrorOut, MemberOut, StoreOut
from omniloop.api.views_common import member_out
from omniloop.core.errors import NotFound
from omniloop.members.selectors import member_by_code
from omniloop.stores.selectors import store_list

router = Router(tags=["hq"])
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get(
    "/stores",
    auth=TokenAuth(scope="stores.read"),
    response={200: list[StoreOut], **ERRORS},
)
def stores(request: HttpRequest) -> list[StoreOut]:
    return [
        StoreOut(
            code=s.code, name=s.name, city=s.city, type=s.type, timezone=s.timezone, status=s.status
        )
        for s in store_list()
    ]


@router.get(
    "/members/{member_code}",
    auth=TokenAuth(scope="members.read"),
    response={200: MemberOut, **ERRORS},
)
def member(request: HttpRequest, member_code: str) -> MemberOut:
    found = member_by_code(code=member_code)
    if found is None:
        raise NotFound("No member matches.", code="member_not_found")
    return member_out(found)
