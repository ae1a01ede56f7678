from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone")


class Store(models.Model):
    class Type(models.TextChoices):
        FLAGSHIP = "flagship", "Flagship"
        DIRECT = "direct", "Directly operated"
        FRANCHISE = "franchise", "Franchise"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=50)
    address = models.CharField(max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    type = models.CharField(max_length=16, choices=Type.choices, default=Type.DIRECT)
    timezone = models.CharField(
        max_length=64, default="Asia/Shanghai", validators=[validate_timezone]
    )
    opened_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class SalesChannel(models.Model):
    """Where an order can be placed. Channels are data, so a new marketplace shop is a row."""

    class Kind(models.TextChoices):
        STORE_TILL = "store_till", "Store till"
        WECHAT_MALL = "wechat_mall", "WeChat mall"
        WEB_MALL = "web_mall", "Web mall"
        MARKETPLACE = "marketplace", "Marketplace shop"

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    platform = models.CharField(max_length=32, blank=True, help_text="tmall, jd, douyin...")
    external_id = models.CharField(
        max_length=100, blank=True, help_text="The shop or app id on the platform"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
