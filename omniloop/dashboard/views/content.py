"""Content operations (内容运营, ADR 33): the list, the editor (both languages, picks, offer,
scope, schedule), publish and archive, a preview through the H5 page itself, and pushes to a
segment with their counts. Every change is audited in its own transaction."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor
from omniloop.content.models import ContentItem
from omniloop.content.preview import preview_token
from omniloop.content.push import content_push, content_pushes
from omniloop.content.selectors import (
    content_get,
    content_list,
    content_shown_state,
    content_view_counts,
)
from omniloop.content.services import (
    content_item_archive,
    content_item_cover,
    content_item_publish,
    content_item_save,
)
from omniloop.core.errors import ValidationFailed
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.forms_content import ContentItemForm, ContentPushForm
from omniloop.insights.selectors import segment_list
from omniloop.messaging.selectors import CHANNEL_LABELS

STATE_LABELS = {
    "draft": gettext_lazy("Draft"),
    "scheduled": gettext_lazy("Scheduled"),
    "live": gettext_lazy("Live"),
    "ended": gettext_lazy("Ended"),
    "archived": gettext_lazy("Archived"),
}


@staff_view("dashboard:content")
def content_index(request: HttpRequest, actor: Actor) -> HttpResponse:
    kind = request.GET.get("kind", "")[:10]
    rows = [(i, content_shown_state(i)) for i in content_list(kind=kind)[:200]]
    return render(
        request,
        "content/dashboard/list.html",
        {"rows": rows, "kind": kind, "kinds": ContentItem.Kind.choices},
    )


def _save(
    request: HttpRequest, actor: Actor, form: ContentItemForm, item: ContentItem | None
) -> ContentItem | None:
    """The form saved and audited in one transaction, or None with the refusal on the form."""
    try:
        with transaction.atomic():
            saved = content_item_save(
                draft=form.draft(), item_id=item.pk if item else None, user_id=actor.user_id
            )
            cover = form.cleaned_data["cover"]
            if cover is not None or form.cleaned_data["cover_clear"]:
                # Last: its own checks run before it writes the file, and nothing after fails.
                saved = content_item_cover(item_id=saved.pk, data=cover)
            audit_change(
                request,
                actor,
                "content.create" if item is None else "content.update",
                target_type="content",
                target_id=saved.pk,
                summary=f"{saved.kind} {saved.title or saved.title_en}"[:200],
            )
    except ValidationFailed as exc:
        form.add_service_error(exc)
        return None
    return saved


@staff_view("dashboard:content_new")
def content_new(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = ContentItemForm(
        request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind", "")}
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(request, actor, form, None)
        if saved is not None:
            messages.success(request, _("Draft saved."))
            return redirect("dashboard:content_edit", item_id=saved.pk)
    status = 422 if form.is_bound and form.errors else 200
    return render(
        request, "content/dashboard/form.html", {"form": form, "item": None}, status=status
    )


def _preview_urls(item: ContentItem) -> dict[str, str]:
    token = preview_token(item.pk)
    urls = {}
    for mall, namespace, shown in (
        ("wechat", "h5", item.in_wechat_mall),
        ("web", "shop", item.in_web_mall),
    ):
        if shown:
            path = reverse("h5:content_detail", args=[item.pk], current_app=namespace)
            urls[mall] = f"{path}?preview={token}"
    return urls


@staff_view("dashboard:content_edit")
def content_edit(request: HttpRequest, actor: Actor, item_id: int) -> HttpResponse:
    item = content_get(item_id=item_id)
    form = ContentItemForm(request.POST or None, request.FILES or None, item=item)
    if (
        request.method == "POST"
        and form.is_valid()
        and _save(request, actor, form, item) is not None
    ):
        messages.success(request, _("Saved."))
        return redirect("dashboard:content_edit", item_id=item.pk)
    context = {
        "form": form,
        "item": item,
        "state": content_shown_state(item),
        "state_label": STATE_LABELS.get(content_shown_state(item), ""),
        "previews": _preview_urls(item),
        "pushes": [
            (push, counts, CHANNEL_LABELS.get(push.channel) or _("Fallback order"))
            for push, counts in content_pushes(item_id=item.pk)
        ],
        "views": content_view_counts(item_id=item.pk),
        "segments": segment_list(),
        "push_form": ContentPushForm(),
    }
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "content/dashboard/form.html", context, status=status)


@require_POST
@staff_view("dashboard:content_action")
def content_action(request: HttpRequest, actor: Actor, item_id: int) -> HttpResponse:
    item = content_get(item_id=item_id)
    action = request.POST.get("action", "")
    with transaction.atomic():
        if action == "publish":
            item = content_item_publish(item_id=item.pk)
            message = _("Published.")
        elif action == "archive":
            item = content_item_archive(item_id=item.pk)
            message = _("Archived: it is off every page.")
        else:
            raise ValidationFailed(_("Unknown action."), code="action_unknown")
        audit_change(request, actor, f"content.{action}", target_type="content", target_id=item.pk)
    messages.success(request, message)
    return redirect("dashboard:content_edit", item_id=item.pk)


@require_POST
@staff_view("dashboard:content_push")
def content_push_view(request: HttpRequest, actor: Actor, item_id: int) -> HttpResponse:
    item = content_get(item_id=item_id)
    form = ContentPushForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed(_("Choose a segment."), code="segment_required")
    with transaction.atomic():
        result = content_push(
            item_id=item.pk,
            segment_id=form.cleaned_data["segment"],
            channel=form.cleaned_data["channel"],
            user_id=actor.user_id,
        )
        if result.created:
            push = result.push
            audit_change(
                request,
                actor,
                "content.push",
                target_type="content",
                target_id=item.pk,
                summary=f"segment={push.segment_id} version={push.segment_version_id} "
                f"channel={push.channel or 'fallback'} queued={push.queued}",
            )
    if result.created:
        messages.success(request, _("%(n)d messages queued.") % {"n": result.push.queued})
    else:
        messages.info(request, _("Already pushed to this version of the segment: nothing new."))
    return redirect("dashboard:content_edit", item_id=item.pk)
