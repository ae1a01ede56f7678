"""The content editor's form (ADR 33): both languages side by side, picks by style code in
order, the promotion's offer or coupon, where and when it shows. The service checks it all
again; its refusals are shown on the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from omniloop.catalog.models import Product
from omniloop.content.models import ContentItem
from omniloop.content.services import MAX_COVER_BYTES, ContentDraft
from omniloop.core.errors import ValidationFailed
from omniloop.dashboard.forms import style_codes_to_ids
from omniloop.promotions.models import CouponTemplate, Offer
from omniloop.stores.models import Store

SERVICE_MESSAGES = [
    gettext_noop("This text is too long."),
    gettext_noop("Give the item a title."),
    gettext_noop("Give the time with its time zone."),
    gettext_noop("The end must come after the start."),
    gettext_noop("Only product picks list products."),
    gettext_noop("A listed product does not exist."),
    gettext_noop("Only a promotion links an offer."),
    gettext_noop("The coupon belongs to another offer."),
    gettext_noop("Show it in at least one mall."),
    gettext_noop("Pick at least one product."),
    gettext_noop("Write the article."),
    gettext_noop("Link an offer or a coupon."),
    gettext_noop("The offer is not active."),
    gettext_noop("The end is already past."),
    gettext_noop("An archived item is not changed."),
    gettext_noop("An archived item is not published again."),
    gettext_noop("Only a live item is pushed."),
    gettext_noop("Content not found."),
    gettext_noop("Segment not found."),
    gettext_noop("Unknown channel."),
    gettext_noop("Photos must be JPEG, PNG or WebP."),
    gettext_noop("A photo is empty."),
    gettext_noop("A cover may be at most 2 MB."),
]
_WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_FIELD_OF = {"coupon": "coupon_template", "picks": "picks", "stores": "stores"}


class ContentItemForm(forms.Form):
    kind = forms.ChoiceField(choices=ContentItem.Kind.choices, label=_("Kind"))
    title = forms.CharField(max_length=100, required=False, label=_("Title (中文)"))
    title_en = forms.CharField(max_length=100, required=False, label=_("Title (English)"))
    summary = forms.CharField(max_length=200, required=False, label=_("Summary (中文)"))
    summary_en = forms.CharField(max_length=200, required=False, label=_("Summary (English)"))
    body = forms.CharField(
        required=False,
        max_length=10_000,
        label=_("Text (中文)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("A blank line starts a paragraph; ## a heading, - a list item, **bold**."),
    )
    body_en = forms.CharField(
        required=False,
        max_length=10_000,
        label=_("Text (English)"),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    cover = forms.FileField(
        required=False,
        label=_("Cover image"),
        help_text=_("JPEG, PNG or WebP, at most 2 MB."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    cover_clear = forms.BooleanField(required=False, label=_("Remove the cover"))
    picks = forms.CharField(
        required=False,
        label=_("Products"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Style codes in the order shown; prices come from the pricing engine."),
    )
    offer = forms.ModelChoiceField(
        queryset=Offer.objects.exclude(status=Offer.Status.ENDED).order_by("-pk"),
        required=False,
        label=_("Offer"),
    )
    coupon_template = forms.ModelChoiceField(
        queryset=CouponTemplate.objects.filter(active=True).order_by("-pk"),
        required=False,
        label=_("Coupon"),
        help_text=_("A claimable coupon gets a claim button."),
    )
    in_wechat_mall = forms.BooleanField(required=False, initial=True, label=_("WeChat mall"))
    in_web_mall = forms.BooleanField(required=False, initial=True, label=_("Web mall"))
    stores = forms.ModelMultipleChoiceField(
        queryset=Store.objects.order_by("code"),
        required=False,
        label=_("Stores"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None: shoppers of every store."),
    )
    publish_at = forms.DateTimeField(required=False, label=_("Goes live at"), widget=_WHEN)
    unpublish_at = forms.DateTimeField(required=False, label=_("Comes down at"), widget=_WHEN)

    def __init__(self, *args: Any, item: ContentItem | None = None, **kwargs: Any) -> None:
        if item is not None:
            kwargs.setdefault("initial", _initial(item))
        super().__init__(*args, **kwargs)
        if item is not None:
            self.fields["kind"].disabled = True

    def clean_cover(self) -> bytes | None:
        """The upload's bytes (None: no new file), read only up to just past the limit."""
        upload = self.cleaned_data.get("cover")
        if not upload:
            return None
        return bytes(upload.read(MAX_COVER_BYTES + 1))

    def clean_picks(self) -> list[int]:
        return style_codes_to_ids(self.cleaned_data.get("picks", ""))

    def add_service_error(self, exc: ValidationFailed) -> None:
        name = str(exc.extra.get("field", ""))
        name = _FIELD_OF.get(name, name)
        self.add_error(name if name in self.fields else None, gettext(exc.message))

    def draft(self) -> ContentDraft:
        d = self.cleaned_data
        return ContentDraft(
            kind=d["kind"],
            **{k: d[k] for k in ("title", "title_en", "summary", "summary_en", "body", "body_en")},
            product_ids=tuple(d["picks"]),
            offer_id=d["offer"].pk if d["offer"] else None,
            coupon_template_id=d["coupon_template"].pk if d["coupon_template"] else None,
            in_wechat_mall=d["in_wechat_mall"],
            in_web_mall=d["in_web_mall"],
            store_ids=tuple(s.pk for s in d["stores"]),
            publish_at=d["publish_at"],
            unpublish_at=d["unpublish_at"],
        )


def _initial(item: ContentItem) -> dict[str, Any]:
    codes = Product.objects.filter(pk__in=item.picks.values("product_id"))
    by_id = {p.pk: p.style_code for p in codes}
    return {
        **{
            k: getattr(item, k)
            for k in ("kind", "title", "title_en", "summary", "summary_en", "body", "body_en")
        },
        "picks": " ".join(by_id[p.product_id] for p in item.picks.all()),
        "offer": item.offer_id,
        "coupon_template": item.coupon_template_id,
        "in_wechat_mall": item.in_wechat_mall,
        "in_web_mall": item.in_web_mall,
        "stores": list(item.stores.values_list("pk", flat=True)),
        "publish_at": item.publish_at,
        "unpublish_at": item.unpublish_at,
    }


class ContentPushForm(forms.Form):
    segment = forms.IntegerField(min_value=1, label=_("Segment"))
    channel = forms.ChoiceField(
        required=False,
        label=_("Channel"),
        choices=[
            ("", _("The fallback order (WeChat, SMS, e-mail)")),
            ("wechat", _("WeChat")),
            ("sms", _("SMS")),
            ("email", _("E-mail")),
        ],
    )
