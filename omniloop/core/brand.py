from __future__ import annotations

from omniloop.core.errors import ValidationFailed
from omniloop.core.models import BrandSettings


def brand_settings() -> BrandSettings:
    """The brand's settings row, created with defaults on first use."""
    obj, _ = BrandSettings.objects.get_or_create(pk=1)
    return obj


def brand_settings_update(
    *, name: str, name_en: str, welcome_points: int, binding_mode: str, protection_days: int
) -> BrandSettings:
    """Change the brand's rules. Bindings made earlier keep the protection they were given."""
    if binding_mode not in BrandSettings.BindingMode.values:
        raise ValidationFailed("Unknown binding mode.", code="binding_mode_invalid")
    if not 0 <= welcome_points <= 100_000:
        raise ValidationFailed("Welcome points must be 0-100000.", code="welcome_points_invalid")
    if not 0 <= protection_days <= 3650:
        raise ValidationFailed("Protection must be 0-3650 days.", code="protection_days_invalid")
    if not name.strip():
        raise ValidationFailed("The brand needs a name.", code="brand_name_required")
    obj = brand_settings()
    obj.name, obj.name_en = name.strip()[:100], name_en.strip()[:100]
    obj.welcome_points, obj.binding_mode = welcome_points, binding_mode
    obj.protection_days = protection_days
    obj.save()
    return obj
