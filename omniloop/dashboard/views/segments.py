"""Segments (人群): the saved and ready-made segments, the rule builder with a live count, CSV
export of a rule's members, saving a rule and refreshing a segment on demand."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor
from omniloop.core.errors import NotFound, ValidationFailed
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.forms_segments import SegmentBuilderForm, SegmentSaveForm
from omniloop.insights.selectors import (
    as_of_parse,
    segment_count,
    segment_export_rows,
    segment_get,
    segment_latest_version,
    segment_list,
)
from omniloop.insights.services import segment_refresh, segment_save


@staff_view("dashboard:segments")
def segments(request: HttpRequest, actor: Actor) -> HttpResponse:
    rows = [(s, segment_latest_version(s)) for s in segment_list()]
    return render(request, "dashboard/segments/list.html", {"rows": rows})


def _evaluate(form: SegmentBuilderForm) -> dict[str, Any]:
    """The count for the form's rule, or the error the rule parser names."""
    out: dict[str, Any] = {"rule": None, "count": None, "error": None, "as_of": None}
    if not form.is_valid():
        out["error"] = {"code": "form_invalid", "message": form.errors.as_text()}
        return out
    rule = form.rule()
    out["rule"] = rule
    if rule is None:
        return out
    out["rule_text"] = json.dumps(rule, ensure_ascii=False, indent=1)
    try:
        as_of = as_of_parse(form.cleaned_data["as_of"]) if form.cleaned_data["as_of"] else None
        out["count"], ev = segment_count(rule, as_of=as_of)
        out["as_of"], out["source"] = ev.as_of, ev.source
    except ValueError:
        out["error"] = {"code": "as_of_invalid", "message": _("As of: a date.")}
    except ValidationFailed as exc:
        out["error"] = {"code": exc.code, "message": exc.message}
    return out


@staff_view("dashboard:segment_builder")
def segment_builder(request: HttpRequest, actor: Actor) -> HttpResponse:
    data: Any = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {"match": "all"}
    slug = request.GET.get("segment", "")
    if data is None and slug:
        segment = segment_get(slug)
        if segment is not None:
            initial["rule_json"] = json.dumps(segment.rule, ensure_ascii=False)
            data = {"match": "all", "rule_json": initial["rule_json"]}
    form = SegmentBuilderForm(data, initial=initial)
    result = _evaluate(form) if data is not None else {"rule": None}
    context = {"form": form, "result": result}
    if request.headers.get("HX-Request"):
        return render(request, "dashboard/segments/_count.html", context)
    return render(request, "dashboard/segments/builder.html", context)


def _csv_lines(rows: Iterator[tuple[Any, ...]]) -> Iterator[str]:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow(
        [
            "member_ref",
            "member_code",
            "tier",
            "city",
            "lifecycle",
            "top_category",
            "last_order_at",
            "orders_365d",
            "spend_365d",
        ]
    )
    for row in rows:
        last = row[7]
        yield writer.writerow(
            [*row[1:7], last.isoformat() if isinstance(last, datetime) else last or "", *row[8:]]
        )


@staff_view("dashboard:segment_export")
def segment_export(request: HttpRequest, actor: Actor) -> HttpResponse | StreamingHttpResponse:
    form = SegmentBuilderForm(request.GET)
    result = _evaluate(form)
    if result["error"] or result["rule"] is None:
        return render(
            request, "dashboard/segments/builder.html", {"form": form, "result": result}, status=422
        )
    as_of = as_of_parse(form.cleaned_data["as_of"]) if form.cleaned_data["as_of"] else None
    rows = segment_export_rows(result["rule"], as_of=as_of)
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="segment.csv"'
    return response


@require_POST
@staff_view("dashboard:segment_save")
def segment_save_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = SegmentSaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect("dashboard:segment_builder")
    try:
        rule = json.loads(form.cleaned_data["rule_json"])
        with transaction.atomic():
            segment = segment_save(
                slug=form.cleaned_data["slug"], name=form.cleaned_data["name"], rule=rule
            )
            audit_change(
                request, actor, "segment.save", target_type="segment", target_id=segment.slug
            )
    except (ValueError, ValidationFailed) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
        return redirect("dashboard:segment_builder")
    messages.success(request, _("Segment saved."))
    return redirect("dashboard:segments")


@require_POST
@staff_view("dashboard:segment_refresh")
def segment_refresh_view(request: HttpRequest, actor: Actor, slug: str) -> HttpResponse:
    segment = segment_get(slug)
    if segment is None:
        raise NotFound("No segment has that slug.", code="segment_not_found")
    with transaction.atomic():
        version = segment_refresh(segment)
        audit_change(
            request,
            actor,
            "segment.refresh",
            target_type="segment",
            target_id=segment.slug,
            summary=f"v{version.number}: {version.member_count}",
        )
    messages.success(request, _("Segment refreshed."))
    return redirect("dashboard:segments")
