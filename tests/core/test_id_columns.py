"""Every id is a bigint. Primary keys are BigAutoField, so a plain IntegerField holding an id
(an aggregate's `store_id`, say) overflows past 2^31 rows on PostgreSQL; the benchmarks' large
id sequences found one such column. Checked over every model."""

from __future__ import annotations

from django.apps import apps
from django.db import models


def test_no_id_is_held_in_a_32_bit_integer():
    narrow = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label not in {"auth", "contenttypes", "sessions", "admin"}
        for field in model._meta.concrete_fields
        if field.name.endswith("_id")
        and isinstance(field, models.IntegerField)
        and not isinstance(field, models.BigIntegerField | models.ForeignKey)
    ]
    assert narrow == []
