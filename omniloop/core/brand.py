from __future__ import annotations

from omniloop.core.models import BrandSettings


def brand_settings() -> BrandSettings:
    """The brand's settings row, created with defaults on first use."""
    obj, _ = BrandSettings.objects.get_or_create(pk=1)
    return obj
